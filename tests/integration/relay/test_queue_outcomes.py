"""Local delivery outcomes that notify the sender, the claim that keeps two workers off
one recipient, and the queue admin's actions."""

from __future__ import annotations

import pytest
from django.utils import timezone
from relay_helpers import RAW, dsns, inbox, rcpt, report_parts

from mailcore import store
from mailcore.delivery import Recipient, enqueue
from mailcore.delivery.relay import claim
from mailcore.delivery.tasks import sweep_queue
from mailcore.models import QueuedMessage, QueueRecipient


def test_local_delivery_failure_sends_a_dsn(alice_tx):
    enqueue(
        RAW, "alice@example.test", [Recipient("nobody@example.test", orcpt="nobody@example.test")]
    )
    row = rcpt("nobody@example.test")
    assert (row.state, row.last_error) == ("failed", "550 5.1.1 no such mailbox")
    [dsn] = dsns(alice_tx)
    text, _, [failed], _ = report_parts(dsn)
    assert "<nobody@example.test>: 550 5.1.1 no such mailbox" in text
    assert (failed["Action"], failed["Status"]) == ("failed", "5.1.1")
    assert failed["Original-Recipient"] == "rfc822; nobody@example.test"
    assert failed["Diagnostic-Code"] == "smtp; 550 5.1.1 no such mailbox"
    assert "Remote-MTA" not in failed


def test_full_local_mailbox_and_success_notice(alice_tx):
    bob = store.create_account("bob@example.test", "pw")
    bob.quota_bytes = 10
    bob.save()
    carol = store.create_account("carol@example.test", "pw")
    enqueue(
        RAW,
        "alice@example.test",
        [Recipient("bob@example.test"), Recipient("carol@example.test", notify="SUCCESS")],
    )
    assert len(inbox(carol)) == 1
    notices = sorted(dsns(alice_tx), key=lambda m: str(m["Subject"]))
    assert len(notices) == 2
    _, _, [delivered], _ = report_parts(notices[0])
    assert (delivered["Action"], delivered["Status"]) == ("delivered", "2.0.0")
    _, _, [failed], _ = report_parts(notices[1])
    assert (failed["Final-Recipient"], failed["Status"]) == ("rfc822; bob@example.test", "5.2.2")


def test_a_claimed_recipient_is_not_claimed_twice(alice_tx):
    queued = enqueue(RAW, "alice@example.test", ["bob@remote.test"], schedule=False)
    now = timezone.now()
    first, lease = claim(queued.pk, now)
    second, _ = claim(queued.pk, now)
    assert [r.address for r in first] == ["bob@remote.test"] and second == []
    assert rcpt("bob@remote.test").next_attempt == lease
    assert sweep_queue() == 0  # the sweep leaves it to its worker too


@pytest.mark.parametrize("action", ["retry_now", "delete_selected"])
def test_admin_actions(remote, alice_tx, admin_client, action):
    remote.data_failures = 1
    queued = enqueue(RAW, "alice@example.test", ["bob@remote.test"])
    assert rcpt("bob@remote.test").state == "deferred"
    page = admin_client.get(f"/admin/mailcore/queuedmessage/{queued.pk}/change/")
    assert b"451 4.3.0 temporary trouble" in page.content and b"deferred" in page.content
    data = {"action": action, "_selected_action": [queued.pk]}
    if action == "delete_selected":
        data["post"] = "yes"
    response = admin_client.post("/admin/mailcore/queuedmessage/", data)
    assert response.status_code == 302
    if action == "retry_now":
        assert rcpt("bob@remote.test").state == "relayed"
        assert [r.content for r in remote.received] == [RAW]
    else:
        assert not QueuedMessage.objects.exists() and not QueueRecipient.objects.exists()
