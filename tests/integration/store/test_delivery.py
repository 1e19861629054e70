"""deliver(): recipients and aliases resolved, one copy per Inbox, with Return-Path, and
exactly once even when the queue is processed again after a crash."""

import pytest

from mailcore import store
from mailcore.delivery import deliver, enqueue, process_message, resolve
from mailcore.delivery.tasks import sweep_queue
from mailcore.models import Alias, Domain, QueueRecipient, RecipientState


def inbox_subjects(account):
    return [i.subject for i in store.items(account, store.find_folder(account, "INBOX"))]


def test_deliver_to_local_accounts_with_return_path(alice, bob, message):
    raw = message("Hi both")
    report = deliver(raw, "sender@remote.test", ["alice@example.test", "BOB@Example.Test"])
    assert sorted(report.delivered) == ["BOB@Example.Test", "alice@example.test"]
    for account in (alice, bob):
        item = store.items(account, store.find_folder(account, "INBOX"))[0]
        stored = store.read_raw(account, item)
        assert stored == b"Return-Path: <sender@remote.test>\r\n" + raw
        assert item.subject == "Hi both"


def test_null_sender_return_path(alice, message):
    deliver(message(), "", ["alice@example.test"])
    item = store.items(alice, store.find_folder(alice, "INBOX"))[0]
    assert store.read_raw(alice, item).startswith(b"Return-Path: <>\r\n")


def test_alias_group_and_subaddress(alice, bob, charlie, message):
    domain = Domain.objects.get(name="example.test")
    team = Alias.objects.create(
        domain=domain,
        address="team@example.test",
        external="partner@elsewhere.test\nall@example.test",
    )
    team.accounts.set([alice, bob])
    everyone = Alias.objects.create(domain=domain, address="all@example.test")
    everyone.accounts.set([alice, bob, charlie])
    resolution = resolve("team@example.test")
    assert {a.address for a in resolution.accounts} == {
        "alice@example.test",
        "bob@example.test",
        "charlie@example.test",
    }
    assert resolution.external == ["partner@elsewhere.test"]

    report = deliver(
        message("Team news"), "boss@remote.test", ["team@example.test", "alice+news@example.test"]
    )
    assert report.failed == {}
    # alice is reached three ways but gets one copy.
    assert inbox_subjects(alice) == ["Team news"]
    assert inbox_subjects(bob) == ["Team news"]
    assert inbox_subjects(charlie) == ["Team news"]
    relay = QueueRecipient.objects.get(address="partner@elsewhere.test")
    assert (relay.state, relay.is_local, relay.orcpt) == (
        RecipientState.QUEUED,
        False,
        "team@example.test",
    )


def test_alias_loop_terminates(alice, message):
    domain = Domain.objects.get(name="example.test")
    Alias.objects.create(domain=domain, address="a@example.test", external="b@example.test")
    b = Alias.objects.create(domain=domain, address="b@example.test", external="a@example.test")
    b.accounts.set([alice])
    report = deliver(message(), "x@remote.test", ["a@example.test"])
    assert report.failed == {}
    assert inbox_subjects(alice) == ["Hello"]


def test_unknown_and_disabled_recipients_fail(alice, bob, message):
    bob.enabled = False
    bob.save()
    report = deliver(
        message(),
        "x@remote.test",
        ["nobody@example.test", "bob@example.test", "alice@example.test"],
    )
    assert report.delivered == ["alice@example.test"]
    assert report.failed["nobody@example.test"].startswith("550 5.1.1")
    assert report.failed["bob@example.test"].startswith("550 5.1.1")


def test_remote_recipients_wait_for_relay(alice, message):
    report = deliver(message(), "alice@example.test", ["friend@remote.test"])
    assert report.pending == ["friend@remote.test"]
    assert QueueRecipient.objects.get().state == RecipientState.QUEUED


def test_full_mailbox_fails_with_5_2_2(alice, message):
    alice.quota_bytes = 10
    alice.save()
    report = deliver(message(), "x@remote.test", ["alice@example.test"])
    assert report.failed["alice@example.test"].startswith("552 5.2.2")


def test_processing_again_never_duplicates(alice, bob, message):
    queued = enqueue(
        message("Once"), "x@remote.test", ["alice@example.test", "bob@example.test"], schedule=False
    )
    # Simulate a crash after alice's delivery committed but before bob's: reset alice's
    # recipient row to queued as if its state change had been lost.
    process_message(queued.pk)
    QueueRecipient.objects.filter(address="alice@example.test").update(state=RecipientState.QUEUED)
    process_message(queued.pk)
    assert inbox_subjects(alice) == ["Once"]
    assert inbox_subjects(bob) == ["Once"]


def test_sweep_delivers_what_was_accepted_but_not_delivered(alice, message):
    enqueue(message("Stranded"), "x@remote.test", ["alice@example.test"], schedule=False)
    assert inbox_subjects(alice) == []
    assert sweep_queue() == 1
    assert inbox_subjects(alice) == ["Stranded"]
    assert sweep_queue() == 0


@pytest.mark.django_db(transaction=True)
def test_enqueue_schedules_delivery_after_commit(message):
    alice = store.create_account("alice@example.test", "pw")
    enqueue(message("Scheduled"), "x@remote.test", ["alice@example.test"])
    assert inbox_subjects(alice) == ["Scheduled"]


def test_one_full_mailbox_does_not_block_a_group(alice, bob, message):
    domain = Domain.objects.get(name="example.test")
    team = Alias.objects.create(domain=domain, address="team@example.test")
    team.accounts.set([alice, bob])
    bob.quota_bytes = 10
    bob.save()
    report = deliver(message("Group"), "x@remote.test", ["team@example.test"])
    assert report.delivered == ["team@example.test"]
    assert inbox_subjects(alice) == ["Group"]
    assert inbox_subjects(bob) == []
    # A later retry of the group does not give alice a second copy.
    QueueRecipient.objects.update(state=RecipientState.QUEUED)
    process_message(QueueRecipient.objects.get().message_id)
    assert inbox_subjects(alice) == ["Group"]
