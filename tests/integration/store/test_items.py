"""Appending, reading, flags, copy, move, expunge, quota and the change log."""

from datetime import UTC, datetime

import pytest

from mailcore import store
from mailcore.models import Blob, Change, Item
from mailcore.store import FlagMode


@pytest.fixture
def inbox(alice):
    return store.find_folder(alice, "INBOX")


def test_append_stores_bytes_exactly_and_summarises(alice, inbox, message):
    raw = message("Grüße aus Köln", "Body text here.\n")
    date = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    result = store.append(alice, inbox, raw, flags=["\\Seen", "$Label1"], internal_date=date)
    assert result.uid == 1 and result.uidvalidity == inbox.uidvalidity
    item = store.get_item(alice, result.item_id)
    assert store.read_raw(alice, item) == raw
    assert item.subject == "Grüße aus Köln"
    assert item.sender == "sender@remote.test"
    assert item.internal_date == date
    assert item.size == len(raw)
    assert store.flag_names(item) == ["\\Seen", "$Label1"]
    summary = store.summary_of(item)
    assert summary.envelope.subject is not None
    assert summary.body.type == "text" and summary.body.subtype == "plain"
    status = store.folder_status(alice, inbox)
    assert (status.exists, status.unseen, status.uidnext, status.size) == (1, 0, 2, len(raw))


def test_uids_and_modseqs_increase(alice, inbox, message):
    results = [store.append(alice, inbox, message(f"n{n}")) for n in range(5)]
    assert [r.uid for r in results] == [1, 2, 3, 4, 5]
    assert [r.modseq for r in results] == sorted({r.modseq for r in results})
    assert store.uid_list(alice, inbox) == [1, 2, 3, 4, 5]


def test_same_bytes_share_one_blob(alice, bob, message):
    raw = message()
    store.append(alice, store.find_folder(alice, "INBOX"), raw)
    store.append(bob, store.find_folder(bob, "INBOX"), raw)
    assert Blob.objects.count() == 1


def test_flags_add_remove_replace(alice, inbox, message):
    for n in range(3):
        store.append(alice, inbox, message(f"m{n}"))
    r = store.store_flags(alice, inbox, [1, 2], FlagMode.ADD, ["\\Seen", "Work"])
    assert [c.uid for c in r.changed] == [1, 2]
    assert r.changed[0].flags == ["\\Seen", "Work"]
    assert store.folder_status(alice, inbox).unseen == 1
    # No change, no new MODSEQ.
    again = store.store_flags(alice, inbox, [1], FlagMode.ADD, ["\\seen", "work"])
    assert again.changed == []
    r = store.store_flags(alice, inbox, store.UidSet.everything(), FlagMode.REMOVE, ["WORK"])
    assert [c.uid for c in r.changed] == [1, 2]
    r = store.store_flags(alice, inbox, [3], FlagMode.REPLACE, ["\\Flagged", "\\Deleted"])
    assert r.changed[0].flags == ["\\Flagged", "\\Deleted"]
    with pytest.raises(store.InvalidFlag):
        store.store_flags(alice, inbox, [1], FlagMode.ADD, ["\\Recent"])
    with pytest.raises(store.InvalidFlag):
        store.store_flags(alice, inbox, [1], FlagMode.ADD, ["bad flag"])


def test_unchanged_since(alice, inbox, message):
    store.append(alice, inbox, message())
    store.append(alice, inbox, message())
    before = store.folder_status(alice, inbox).highestmodseq
    store.store_flags(alice, inbox, [2], FlagMode.ADD, ["\\Flagged"])
    r = store.store_flags(alice, inbox, [1, 2], FlagMode.ADD, ["\\Seen"], unchanged_since=before)
    assert [c.uid for c in r.changed] == [1]
    assert r.modified == [2]


def test_copy_and_move(alice, inbox, message):
    for n in range(4):
        store.append(alice, inbox, message(f"m{n}"), flags=["\\Seen"] if n % 2 else [])
    archive = store.find_folder(alice, "Archive")
    copied = store.copy(alice, inbox, [2, 3], archive)
    assert copied.pairs == [(2, 1), (3, 2)]
    assert copied.uidvalidity == archive.uidvalidity
    assert store.folder_status(alice, archive).exists == 2
    assert store.folder_status(alice, inbox).exists == 4
    moved = store.move(alice, inbox, [1, 4], archive)
    assert moved.pairs == [(1, 3), (4, 4)]
    assert store.uid_list(alice, inbox) == [2, 3]
    assert [i.subject for i in store.items(alice, archive)] == ["m1", "m2", "m0", "m3"]
    assert store.flag_names(store.items(alice, archive, [4])[0]) == ["\\Seen"]
    status = store.folder_status(alice, archive)
    assert (status.exists, status.unseen) == (4, 2)


def test_expunge_only_deleted_unless_told(alice, inbox, message):
    for n in range(4):
        store.append(alice, inbox, message(f"m{n}"))
    store.store_flags(alice, inbox, [1, 3], FlagMode.ADD, ["\\Deleted"])
    assert store.expunge(alice, inbox, [3, 4]) == [3]
    assert store.expunge(alice, inbox) == [1]
    assert store.expunge(alice, inbox, [2], only_deleted=False) == [2]
    assert store.uid_list(alice, inbox) == [4]
    status = store.folder_status(alice, inbox)
    assert (status.exists, status.unseen, status.uidnext) == (1, 1, 5)


def test_quota(alice, inbox, message):
    raw = message("x", "y" * 1000)
    alice.quota_bytes = len(raw) * 2 + 10
    alice.save()
    store.append(alice, inbox, raw)
    store.append(alice, inbox, raw)
    with pytest.raises(store.QuotaExceeded):
        store.append(alice, inbox, raw)
    with pytest.raises(store.QuotaExceeded):
        store.copy(alice, inbox, [1], store.find_folder(alice, "Archive"))
    # Moving within the mailbox does not use more space.
    store.move(alice, inbox, [1], store.find_folder(alice, "Archive"))
    assert store.quota_usage(alice) == 2 * len(raw)


def test_too_large(alice, inbox, settings):
    settings.MAIL_MAX_MESSAGE_SIZE = 100
    with pytest.raises(store.TooLarge):
        store.append(alice, inbox, b"Subject: x\r\n\r\n" + b"x" * 200)


def test_broken_messages_are_stored(alice, inbox):
    for raw in [
        b"",
        b"\x00\xff\xfe garbage",
        b"Content-Type: multipart/mixed\r\n\r\nno parts",
        b"Subject: =?bogus?Q?x?=\r\n\r\nbody",
    ]:
        result = store.append(alice, inbox, raw)
        assert store.read_raw(alice, result.item_id) == raw


def replay(changes):
    state = {}
    for c in changes:
        if c.action == "expunged":
            state.pop(c.uid, None)
        else:
            state[c.uid] = sorted(c.flags)
    return state


def test_change_log_replays_to_final_state(alice, inbox, message):
    for n in range(6):
        store.append(alice, inbox, message(f"m{n}"))
    store.store_flags(alice, inbox, [1, 2, 3], FlagMode.ADD, ["\\Seen"])
    mid = store.folder_status(alice, inbox).highestmodseq
    store.store_flags(alice, inbox, [2], FlagMode.ADD, ["\\Deleted"])
    store.expunge(alice, inbox)
    store.move(alice, inbox, [5], store.find_folder(alice, "Archive"))
    store.store_flags(alice, inbox, [6], FlagMode.REPLACE, ["$Junk"])
    final = {i.uid: sorted(store.flag_names(i)) for i in store.items(alice, inbox)}
    assert replay(store.changes_since(alice, inbox, 0)) == final
    recent = store.changes_since(alice, inbox, mid)
    assert {c.uid for c in recent} == {2, 5, 6}
    assert all(c.modseq > mid for c in recent)
    assert store.folder_status(alice, inbox).highestmodseq == max(c.modseq for c in recent)


def test_threading_follows_references(alice, inbox, message):
    first = message("Plan", **{"Message-ID": "<root@x>"})
    reply = message("Re: Plan", **{"In-Reply-To": "<root@x>", "References": "<root@x>"})
    other = message("Other")
    a = store.get_item(alice, store.append(alice, inbox, first).item_id)
    b = store.get_item(alice, store.append(alice, inbox, reply).item_id)
    c = store.get_item(alice, store.append(alice, inbox, other).item_id)
    assert a.thread_id and a.thread_id == b.thread_id != c.thread_id


def test_groupware_item(alice):
    from mailcore.store import GroupwareFields

    calendar = store.find_folder(alice, "Calendar")
    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:ev1\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    r = store.append(
        alice,
        calendar,
        ics,
        item_class="IPM.Appointment",
        groupware=GroupwareFields(ical_uid="ev1", start=start, end=start),
    )
    item = Item.objects.get(pk=r.item_id)
    assert (item.ical_uid, item.start, item.item_class) == ("ev1", start, "IPM.Appointment")
    assert store.read_raw(alice, r.item_id) == ics


def test_expunge_leaves_change_rows(alice, inbox, message):
    store.append(alice, inbox, message())
    store.expunge(alice, inbox, [1], only_deleted=False)
    assert Change.objects.filter(folder=inbox, action="expunged", uid=1).exists()


def test_collect_garbage_removes_unreferenced_blobs(alice, inbox, message):
    from datetime import timedelta

    store.append(alice, inbox, message())
    store.expunge(alice, inbox, [1], only_deleted=False)
    assert store.collect_garbage(grace=timedelta(0)) == 1
    assert Blob.objects.count() == 0


def test_item_rows_stay_narrow(alice, inbox, message):
    """The search text lives in ItemText, not in the summary stored on every item row."""
    result = store.append(alice, inbox, message("x", "word " * 20000))
    item = store.get_item(alice, result.item_id)
    assert "search_text" not in item.summary
    assert store.summary_of(item).subject == "x"
    assert "word" in item.text.body
