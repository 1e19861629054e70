"""Group commit of ingest: many clients at once, every message answered only once
committed, stored exactly once, with UIDs, MODSEQs, counters and change log exactly as
one append after another would leave them; the batch paths of the store and the queue
against the one-at-a-time ones."""

from __future__ import annotations

import smtplib
import threading
import time

import pytest
from django.db import IntegrityError
from smtp_helpers import inbox_raw

from mailcore import store
from mailcore.delivery import Recipient, enqueue, process_messages
from mailcore.delivery.ingest import GroupCommitter
from mailcore.delivery.queue import Submission
from mailcore.models import Change, Item, LocalDelivery, QueuedMessage, QueueRecipient
from mailcore.store.blobs import write_bytes
from mailcore.store.items import append_many

CLIENTS = 6
PER_CLIENT = 8


def raw(n: int, extra: str = "") -> bytes:
    return (
        f"From: c@remote.test\r\nTo: alice@example.test\r\nSubject: m{n}\r\n"
        f"Message-ID: <m{n}@remote.test>\r\n{extra}\r\nbody {n}\r\n"
    ).encode()


def test_concurrent_clients_each_stored_once_in_order(mta, alice_tx):
    replies: list[bytes] = []
    lock = threading.Lock()

    def client(c: int) -> None:
        with smtplib.SMTP("127.0.0.1", mta, timeout=30) as smtp:
            smtp.ehlo("client.remote.test")
            for i in range(PER_CLIENT):
                n = c * PER_CLIENT + i
                smtp.mail("c@remote.test")
                smtp.rcpt("alice@example.test")
                code, reply = smtp.data(raw(n))
                assert code == 250
                with lock:
                    replies.append(reply)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    total = CLIENTS * PER_CLIENT
    assert len(replies) == total
    stored = inbox_raw(alice_tx)  # waits for delivery
    assert sorted(s.split(b"Subject: ")[1].split(b"\r\n")[0] for s in stored) == sorted(
        f"m{n}".encode() for n in range(total)
    )
    inbox = store.find_folder(alice_tx, "INBOX")
    items = store.items(alice_tx, inbox)
    assert [i.uid for i in items] == list(range(1, total + 1))
    modseqs = [i.modseq for i in items]
    assert modseqs == sorted(set(modseqs))  # unique, and rising with the UIDs
    status = store.folder_status(alice_tx, inbox)
    assert (status.exists, status.unseen, status.uidnext) == (total, total, total + 1)
    assert status.highestmodseq == max(i.modseq for i in items)
    assert status.size == sum(i.size for i in items)
    changes = store.changes_since(alice_tx, inbox, 0)
    assert [(c.uid, c.action) for c in changes] == [(i.uid, "added") for i in items]
    assert [c.modseq for c in changes] == [i.modseq for i in items]
    # Every acknowledged queue id is a committed, delivered message.
    ids = {int(r.rsplit(b" ", 1)[1]) for r in replies}
    assert ids == set(QueuedMessage.objects.values_list("pk", flat=True))
    assert set(QueueRecipient.objects.values_list("state", flat=True)) == {"delivered"}
    assert LocalDelivery.objects.count() == total


def test_inbox_copy_is_the_queued_blob(mta, alice_tx):
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as smtp:
        smtp.sendmail("c@remote.test", ["alice@example.test"], raw(1))
    [stored] = inbox_raw(alice_tx)
    assert stored.startswith(b"Return-Path: <c@remote.test>\r\nReceived: from ")
    assert stored.endswith(raw(1))
    # Written once: the Inbox item points at the very bytes the queue committed.
    assert Item.objects.get().blob_id == QueuedMessage.objects.get().blob_id


def _items_as_appended(account, folder) -> list[tuple]:
    return [
        (i.uid, i.modseq, i.thread_id, i.subject, i.size, i.blob_id, i.seen, i.summary)
        for i in store.items(account, folder)
    ]


def test_append_many_stores_what_appends_one_by_one_store(alice, message):
    one = store.create_folder(alice, "One")
    many = store.create_folder(alice, "Many")
    first = message("Start")
    parent_id = first.split(b"Message-ID: ")[1].split(b"\r\n")[0].decode()
    messages = [
        first,
        message("Re: Start", In_Reply_To=parent_id, References=parent_id),
        message("Other"),
    ]
    prepared = [store.prepare(m) for m in messages]
    singles = [store.append(alice, one, p) for p in prepared]
    batch = append_many(alice, many, prepared)
    assert [(a.uid, a.modseq) for a in batch] == [(a.uid, a.modseq) for a in singles]
    assert _items_as_appended(alice, one) == _items_as_appended(alice, many)
    # A reply in the same batch joins its parent's thread, as it would one at a time.
    threads = [row[2] for row in _items_as_appended(alice, many)]
    assert threads[0] == threads[1] != threads[2]
    a, b = store.folder_status(alice, one), store.folder_status(alice, many)
    assert (a.exists, a.unseen, a.uidnext, a.highestmodseq, a.size) == (
        b.exists,
        b.unseen,
        b.uidnext,
        b.highestmodseq,
        b.size,
    )
    assert [(c.modseq, c.uid, c.action, c.flags) for c in store.changes_since(alice, one, 0)] == [
        (c.modseq, c.uid, c.action, c.flags) for c in store.changes_since(alice, many, 0)
    ]


def test_append_many_is_all_or_nothing_on_quota(alice, message):
    prepared = [store.prepare(message(f"m{n}")) for n in range(3)]
    alice.quota_bytes = sum(p.size for p in prepared) - 1
    alice.save()
    inbox = store.find_folder(alice, "INBOX")
    with pytest.raises(store.QuotaExceeded):
        append_many(alice, inbox, prepared)
    assert store.folder_status(alice, inbox).exists == 0
    assert not Change.objects.exists()


def test_a_batch_over_quota_delivers_what_fits_and_bounces_the_rest(alice, message):
    raws = [message(f"m{n}") for n in range(3)]
    alice.quota_bytes = sum(len(r) for r in raws[:2]) + 200  # room for two with Return-Path
    alice.save()
    queued = [enqueue(r, "x@remote.test", ["alice@example.test"], schedule=False) for r in raws]
    reports = process_messages([q.pk for q in queued])
    assert [bool(r.delivered) for r in reports] == [True, True, False]
    assert reports[2].failed["alice@example.test"].startswith("552 5.2.2")
    inbox = store.find_folder(alice, "INBOX")
    assert [i.subject for i in store.items(alice, inbox)] == ["m0", "m1"]
    # The failure DSN is queued to the sender.
    assert QueuedMessage.objects.filter(source="dsn", mail_from="").count() == 1


def test_one_bad_message_does_not_fail_its_batch(transactional_db):
    store.create_account("alice@example.test", "pw")
    committer = GroupCommitter()

    def submission(n: int, account_id: int | None = None) -> Submission:
        data = raw(n)
        return Submission(
            data,
            write_bytes(data),
            "c@remote.test",
            [Recipient("alice@example.test")],
            account_id=account_id,
        )

    # The queue row of the second names a submitting account that does not exist: its
    # transaction cannot commit, whichever batch it lands in.
    futures = [committer.submit(submission(1)), committer.submit(submission(2, 999_999))]
    futures.append(committer.submit(submission(3)))
    assert committer.settle(30)
    assert futures[0].result(1) > 0 and futures[2].result(1) > 0
    with pytest.raises(IntegrityError):
        futures[1].result(1)
    assert QueuedMessage.objects.count() == 2


def test_with_a_broker_one_task_delivers_a_group_commit(alice, message):
    # What a Celery worker runs for the local messages of one acceptance batch.
    from mailcore.delivery.tasks import deliver_queued_batch

    queued = [
        enqueue(message(f"m{n}"), "x@remote.test", ["alice@example.test"], schedule=False)
        for n in range(3)
    ]
    deliver_queued_batch([q.pk for q in queued])
    inbox = store.find_folder(alice, "INBOX")
    assert [i.subject for i in store.items(alice, inbox)] == ["m0", "m1", "m2"]
    deliver_queued_batch([q.pk for q in queued])  # redelivered after a worker crash
    assert store.folder_status(alice, inbox).exists == 3


def test_a_message_too_large_to_store_fails_alone(alice, message, settings):
    small, large = message("small"), message("large", body="x" * 1500)
    # Accepted at the limit, the Return-Path of final delivery takes it over.
    settings.MAIL_MAX_MESSAGE_SIZE = len(large)
    queued = [
        enqueue(raw, "x@remote.test", ["alice@example.test"], schedule=False)
        for raw in (large, small)
    ]
    big, fine = process_messages([q.pk for q in queued])
    assert big.failed["alice@example.test"].startswith("550 5.3.0")
    assert fine.delivered == ["alice@example.test"]
    inbox = store.find_folder(alice, "INBOX")
    assert [i.subject for i in store.items(alice, inbox)] == ["small"]


def test_batch_delivery_never_stores_a_second_copy(alice_tx):
    inbox = store.find_folder(alice_tx, "INBOX")
    # Two addresses of one account: one copy, both recipients delivered.
    both = enqueue(raw(1), "c@remote.test", ["alice@example.test", "alice+x@example.test"])
    # Delivered before (an earlier attempt's LocalDelivery row), its recipient still queued.
    earlier = enqueue(raw(2), "c@remote.test", ["alice@example.test"], schedule=False)
    LocalDelivery.objects.create(message=earlier, account=alice_tx)
    # Finished meanwhile by another worker.
    taken = enqueue(raw(3), "c@remote.test", ["alice@example.test"], schedule=False)
    QueueRecipient.objects.filter(message=taken).update(state="delivered")
    fresh = enqueue(raw(4), "c@remote.test", ["alice@example.test"], schedule=False)
    process_messages([earlier.pk, taken.pk, fresh.pk])
    subjects = sorted(i.subject for i in store.items(alice_tx, inbox))
    assert subjects == ["m1", "m4"]
    assert set(QueueRecipient.objects.values_list("state", flat=True)) == {"delivered"}
    assert QueueRecipient.objects.filter(message=both).count() == 2
    assert LocalDelivery.objects.count() == 3


def test_resolved_accounts_are_whole(alice):
    """resolve() builds the account from a few columns; the others still read back."""
    from mailcore.delivery.local import resolve

    [account] = resolve("Alice@Example.test").accounts
    assert account == alice and account.enabled and account.address == "alice@example.test"
    assert account.created == alice.created and account.quota_bytes == alice.quota_bytes


def _composing(expected: int) -> bool:
    """Whether the sessions' count of messages in progress reaches `expected` (it is
    updated on the listener's thread, just after the reply the client has seen)."""
    from mailcore.delivery import ingest

    deadline = time.monotonic() + 5
    while ingest._committer._composing != expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return ingest._committer._composing == expected


def test_sessions_count_the_messages_they_are_sending(mta, alice_tx):
    """A commit waits a moment only while other sessions are between MAIL and the end
    of their data (ingest.ACCEPT_GATHER): the count must come back to nothing whichever
    way a message ends (sent, RSET, a new EHLO, the client gone)."""
    with (
        smtplib.SMTP("127.0.0.1", mta, timeout=30) as one,
        smtplib.SMTP("127.0.0.1", mta, timeout=30) as two,
    ):
        one.ehlo("one.remote.test")
        two.ehlo("two.remote.test")
        one.mail("c@remote.test")
        two.mail("c@remote.test")
        assert _composing(2)
        one.rset()
        assert _composing(1)
        two.rcpt("alice@example.test")
        assert two.data(raw(1))[0] == 250
        assert _composing(0)
        one.mail("c@remote.test")
        one.ehlo("one.remote.test")
        assert _composing(0)
        one.mail("c@remote.test")
        assert _composing(1)
        one.sock.close()  # gone in the middle of a message
    assert _composing(0)
    assert len(inbox_raw(alice_tx)) == 1
