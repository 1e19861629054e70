"""bulk.insert stores exactly what QuerySet.bulk_create stores."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from mailcore import store
from mailcore.models import Blob, Change, Item, ItemText, QueuedMessage, QueueRecipient
from mailcore.store import bulk
from mailcore.store.blobs import blob_rows, read_blob, write_bytes


def _item(folder, uid: int, digest: str) -> Item:
    return Item(
        folder=folder,
        uid=uid,
        modseq=uid,
        seen=True,
        keywords=" $label1 ",
        internal_date=timezone.now(),
        size=42,
        blob_id=digest,
        summary={"subject": "Grüße", "date": "2026-11-28T10:00:00+01:00", "parts": [1, 2]},
        message_id="<m@remote.test>",
        subject="Grüße",
        sent_date=datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.UTC),
        sent_day=datetime.date(2026, 11, 28),
        has_attachments=True,
    )


def test_rows_are_those_of_bulk_create(alice):
    inbox = store.find_folder(alice, "INBOX")
    digest = write_bytes(b"x")
    bulk.insert([Blob(sha256=digest, size=1)])
    bulk.insert([Blob(sha256=digest, size=1)], ignore_conflicts=True)  # no error
    Item.objects.bulk_create([_item(inbox, 1, digest)])
    lean = [_item(inbox, 2, digest), _item(inbox, 3, digest)]
    bulk.insert(lean)
    assert [i.pk for i in lean] == list(
        Item.objects.filter(uid__in=[2, 3]).order_by("uid").values_list("pk", flat=True)
    )
    assert not lean[0]._state.adding
    rows = {r["uid"]: r for r in Item.objects.values()}
    for row in rows.values():
        assert row.pop("id") and row.pop("uid") and row.pop("modseq") and row.pop("created")
        row.pop("internal_date")
    assert rows[1] == rows[2] == rows[3]
    stored = Item.objects.get(uid=2)
    assert stored.summary["subject"] == "Grüße" and stored.sent_day == datetime.date(2026, 11, 28)
    assert stored.sent_date == datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.UTC)
    assert stored.created is not None and stored.internal_date == lean[0].internal_date

    bulk.insert([ItemText(item=lean[0], body="some text", headers="Subject: x")])
    assert ItemText.objects.get(item=lean[0]).body == "some text"
    changes = [Change(folder=inbox, modseq=n, uid=n, action="added") for n in (2, 3)]
    bulk.insert(changes)
    assert all(c.pk for c in changes) and Change.objects.filter(folder=inbox).count() >= 2


def test_new_keys_are_those_the_database_gave(alice):
    """On SQLite the keys are counted back from lastrowid (no RETURNING): they must be
    the stored rows' own, also after deletions left gaps (and the highest key gone), and
    across the several statements of a long list."""
    inbox = store.find_folder(alice, "INBOX")
    first = [Change(folder=inbox, modseq=n, uid=n, action="added") for n in range(1, 6)]
    bulk.insert(first)
    Change.objects.filter(pk__in=[first[1].pk, first[4].pk]).delete()
    many = [Change(folder=inbox, modseq=n, uid=n, action="added") for n in range(100, 3100)]
    bulk.insert(many)
    stored = dict(Change.objects.filter(uid__gte=100).values_list("uid", "pk"))
    assert [c.pk for c in many] == [stored[c.uid] for c in many]
    assert len(set(stored.values())) == 3000 and min(stored.values()) > first[4].pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement is Postgres's")
def test_a_family_of_rows_in_one_statement(alice):
    """Blobs, queued messages and their recipients in one statement, as acceptance
    inserts them: every new key is the stored row's own, and each recipient points at
    its own message, also when a message has none and the blob is there already."""
    blobs = blob_rows({"a" * 64: b"first", "b" * 64: b"second"})
    bulk.insert(blob_rows({"a" * 64: b"first"}))  # one is stored already
    messages = [
        bulk.new(QueuedMessage, blob_id=digest, mail_from=f"m{n}@remote.test", size=n)
        for n, digest in enumerate(["a" * 64, "b" * 64, "a" * 64])
    ]
    family = [
        (n, bulk.new(QueueRecipient, address=address))
        for n, address in [(0, "x@example.test"), (0, "y@example.test"), (2, "z@remote.test")]
    ]
    bulk.insert_family(blobs, messages, family, "message_id")
    stored = dict(QueuedMessage.objects.values_list("mail_from", "pk"))
    assert [m.pk for m in messages] == [stored[f"m{n}@remote.test"] for n in range(3)]
    rows = {r.address: r for r in QueueRecipient.objects.all()}
    for n, child in family:
        assert child.pk == rows[child.address].pk
        assert child.message_id == messages[n].pk == rows[child.address].message_id
    assert read_blob("b" * 64) == b"second" and Blob.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: Postgres")
def test_hot_statements_are_prepared_once_per_connection(alice):
    """From the fifth execution on a connection (docs/decisions/0011) the acceptance
    statement is prepared there, and a prepared execution stores what the others did."""
    for n in range(7):
        digest = f"{n:064x}"
        message = bulk.new(QueuedMessage, blob_id=digest, mail_from=f"p{n}@remote.test", size=n)
        recipient = bulk.new(QueueRecipient, address=f"r{n}@example.test")
        bulk.insert_family(blob_rows({digest: b"x" * n}), [message], [(0, recipient)], "message_id")
        assert QueueRecipient.objects.get(pk=recipient.pk).message_id == message.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('INSERT INTO "mailcore_queuedmessage"' in sql for sql in prepared)
    assert read_blob(f"{6:064x}") == b"x" * 6 and QueuedMessage.objects.count() == 7
