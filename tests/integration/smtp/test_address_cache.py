"""RCPT answers from the address cache (mailcore.delivery.address_cache): what it may get
wrong, for how long, and that delivery puts it right."""

from __future__ import annotations

import smtplib

from smtp_helpers import inbox_raw

from mailcore import store
from mailcore.delivery import ingest
from mailcore.models import Account, QueueRecipient, RecipientState
from mailcore.smtp import codes

RAW = b"From: someone@remote.test\r\nTo: alice@example.test\r\nSubject: hi\r\n\r\nHello.\r\n"


def _rcpt(port: int, address: str) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("x")
        client.mail("someone@remote.test")
        return client.rcpt(address)


def test_a_change_in_this_process_is_seen_by_the_next_rcpt(mta, alice_tx):
    assert _rcpt(mta, "alice@example.test")[0] == 250
    alice_tx.enabled = False
    alice_tx.save()  # the signal clears the cache
    assert _rcpt(mta, "alice@example.test") == (550, codes.NO_SUCH_USER[4:].encode())


def test_unknown_is_never_remembered(mta, alice_tx):
    # A queryset update sends no signal, as a change made by another process would not.
    Account.objects.filter(pk=alice_tx.pk).update(enabled=False)
    assert _rcpt(mta, "alice@example.test")[0] == 550
    Account.objects.filter(pk=alice_tx.pk).update(enabled=True)
    assert _rcpt(mta, "alice@example.test")[0] == 250


def test_quota_is_checked_at_every_rcpt(mta, alice_tx):
    alice_tx.quota_bytes = len(RAW)  # full once it holds RAW
    alice_tx.save()
    assert _rcpt(mta, "alice@example.test")[0] == 250  # remembered, with its limit
    store.append(alice_tx, store.find_folder(alice_tx, "INBOX"), RAW)  # no directory signal
    code, reply = _rcpt(mta, "alice@example.test")
    assert code == 452 and reply.startswith(b"4.2.2")


def test_a_stale_acceptance_becomes_a_bounce_at_delivery(mta, alice_tx):
    assert _rcpt(mta, "alice@example.test")[0] == 250
    # Disabled "elsewhere": this process hears nothing and still accepts for a moment.
    Account.objects.filter(pk=alice_tx.pk).update(enabled=False)
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        assert client.sendmail("someone@remote.test", ["alice@example.test"], RAW) == {}
    assert ingest.settle(30)
    assert inbox_raw(alice_tx) == []
    [rcpt] = QueueRecipient.objects.filter(address="alice@example.test")
    assert rcpt.state == RecipientState.FAILED and "5.1.1" in rcpt.last_error
    # The failure DSN to the sender is queued.
    assert QueueRecipient.objects.filter(address="someone@remote.test").exists()
