"""Search criteria translated to one query."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection

from mailcore import store
from mailcore.store import FlagMode
from mailcore.store import criteria as s


@pytest.fixture
def inbox(alice, message):
    inbox = store.find_folder(alice, "INBOX")
    store.append(
        alice,
        inbox,
        message(
            "Quarterly report",
            "Numbers are up.\n",
            sender="Carol <carol@corp.test>",
            X_Ticket="T-77",
        ),
        internal_date=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    store.append(
        alice,
        inbox,
        message("Lunch?", "Pizza at noon.\n", sender="dave@pizza.test", Cc="erin@corp.test"),
        internal_date=datetime(2026, 3, 2, 12, tzinfo=UTC),
    )
    store.append(
        alice,
        inbox,
        message("Invoice", "Please pay " + "x" * 5000 + "\n", sender="billing@shop.test"),
        internal_date=datetime(2026, 3, 3, 12, tzinfo=UTC),
    )
    store.store_flags(alice, inbox, [2], FlagMode.ADD, ["\\Seen", "Food"])
    return inbox


@pytest.mark.parametrize(
    "criterion, expected",
    [
        (s.All(), [1, 2, 3]),
        (s.Contains("from", "carol"), [1]),
        (s.Contains("from", "CORP.test"), [1]),
        (s.Contains("cc", "erin"), [2]),
        (s.Contains("to", "alice"), [1, 2, 3]),
        (s.Contains("subject", "report"), [1]),
        (s.Contains("body", "pizza"), [2]),
        (s.Contains("text", "T-77"), [1]),
        (s.Header("X-Ticket", "T-77"), [1]),
        (s.Header("X-Ticket", ""), [1]),
        (s.HasFlag("\\Seen"), [2]),
        (s.HasFlag("\\Seen", present=False), [1, 3]),
        (s.HasFlag("food"), [2]),
        (s.Size(larger=3000), [3]),
        (s.Size(smaller=3000), [1, 2]),
        (s.DateCmp("internal", "before", date(2026, 3, 2)), [1]),
        (s.DateCmp("internal", "on", date(2026, 3, 2)), [2]),
        (s.DateCmp("internal", "since", date(2026, 3, 2)), [2, 3]),
        (s.Uids(store.UidSet.from_ranges([(2, 3)])), [2, 3]),
        (s.Not(s.Contains("subject", "lunch")), [1, 3]),
        (s.Or((s.Contains("from", "dave"), s.Contains("from", "billing"))), [2, 3]),
        (s.And((s.HasFlag("\\Seen", False), s.Size(smaller=3000))), [1]),
        (s.FullText("pizza noon"), [2]),
    ],
)
def test_criteria(alice, inbox, criterion, expected):
    assert store.search(alice, inbox, criterion) == expected


def test_modseq_criterion(alice, inbox):
    top = store.folder_status(alice, inbox).highestmodseq
    assert store.search(alice, inbox, s.ModSeq(top)) == [2]


def test_search_across_folders(alice, inbox):
    store.copy(alice, inbox, [1], store.find_folder(alice, "Archive"))
    found = store.search_items(alice, s.Contains("subject", "report"))
    assert len(found) == 2
    assert store.search_items(alice, s.Contains("subject", "report"), folders=[inbox])[0].uid == 1


@pytest.mark.parametrize(
    "criterion, expected",
    [
        # RFC 3501 6.4.4: BODY is the body only, not the subject or the addresses...
        (s.Contains("body", "quarterly"), []),
        (s.Contains("body", "carol"), []),
        (s.Contains("body", "numbers"), [1]),
        # ...TEXT is the header and the body...
        (s.Contains("text", "quarterly"), [1]),
        (s.Contains("text", "carol"), [1]),
        # ...and SUBJECT is the subject, not any header.
        (s.Contains("subject", "T-77"), []),
        (s.Contains("subject", "QUARTERLY"), [1]),
    ],
)
def test_body_subject_and_text_are_apart(alice, inbox, criterion, expected):
    assert store.search(alice, inbox, criterion) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("carol", [1]),  # a sender's name
        ("quarterly", [1]),  # a word of the subject
        ("carol numbers", [1]),  # words from different columns
        # Whole addresses: Postgres's parser keeps an address as one token.
        ("erin@corp.test", [2]),  # Cc
        ("alice@example.test", [1, 2, 3]),  # To
        ("pizza", [2]),
    ],
)
def test_full_text_reads_subject_addresses_and_body(alice, inbox, query, expected):
    assert store.search(alice, inbox, s.FullText(query)) == expected


def test_long_subject_is_searched_whole(alice, message):
    inbox = store.find_folder(alice, "INBOX")
    store.append(alice, inbox, message("x" * 300 + " tail-word", "Body.\n"))
    assert store.search(alice, inbox, s.Contains("subject", "tail-word")) == [1]
    copied = store.copy(alice, inbox, [1], store.find_folder(alice, "Archive"))
    archive = store.find_folder(alice, "Archive")
    assert store.search(alice, archive, s.Contains("subject", "tail-word")) == [copied.pairs[0][1]]


@pytest.fixture
def blobs_in_files(settings):
    """Every blob in a file, as when migration 0004 ran (before rows held bytes)."""
    settings.MAIL_INLINE_BLOB_MAX = 0


def test_migration_rebuilds_old_search_texts(blobs_in_files, alice, inbox, settings):
    """Migration 0004 rebuilds ItemText from the blobs; a row whose blob is gone keeps
    its old text (subject and addresses in the body), so it stays searchable."""
    from importlib import import_module

    from django.apps import apps

    from mailcore.models import Item, ItemText
    from mailcore.store.blobs import blob_storage

    rebuild = import_module("mailcore.migrations.0004_search_text_body_only").rebuild_texts
    old_style = "Quarterly report\nCarol carol@corp.test\nNumbers are up."
    ItemText.objects.filter(item__folder=inbox).update(body=old_style, subject="")
    gone = Item.objects.get(folder=inbox, uid=3)
    blob_storage().delete(f"{gone.blob_id[:2]}/{gone.blob_id[2:4]}/{gone.blob_id}")
    rebuild(apps, None)
    assert store.search(alice, inbox, s.Contains("body", "quarterly")) == [3]
    assert store.search(alice, inbox, s.Contains("body", "pizza")) == [2]
    assert store.search(alice, inbox, s.Contains("subject", "invoice")) == [3]
    assert store.search(alice, inbox, s.FullText("carol")) == [1, 3]


def test_sent_dates_are_the_date_fields_own_day(alice):
    inbox = store.find_folder(alice, "INBOX")
    store.append(alice, inbox, b"Date: Fri, 20 Mar 2026 23:30:00 -0800\r\n\r\nx\r\n")  # 21st UTC
    store.append(alice, inbox, b"Date: Sat, 21 Mar 2026 00:30:00 +0100\r\n\r\nx\r\n")  # 20th UTC
    store.append(alice, inbox, b"Subject: no date\r\n\r\nx\r\n")
    on = s.DateCmp("sent", "on", date(2026, 3, 20))
    assert store.search(alice, inbox, on) == [1]
    assert store.search(alice, inbox, s.DateCmp("sent", "since", date(2026, 3, 21))) == [2]
    assert store.search(alice, inbox, s.DateCmp("sent", "before", date(2026, 3, 21))) == [1]
    archive = store.find_folder(alice, "Archive")
    store.move(alice, inbox, [1, 2], archive)
    assert store.search(alice, archive, on) == [1]


def test_migration_fills_sent_day(alice):
    from importlib import import_module

    from django.apps import apps

    from mailcore.models import Item

    fill = import_module("mailcore.migrations.0005_item_sent_day").fill_sent_day
    inbox = store.find_folder(alice, "INBOX")
    store.append(alice, inbox, b"Date: Fri, 20 Mar 2026 23:30:00 -0800\r\n\r\nx\r\n")
    store.append(alice, inbox, b"Subject: dated by hand\r\n\r\nx\r\n")
    Item.objects.filter(folder=inbox, uid=2).update(sent_date=datetime(2026, 3, 22, 10, tzinfo=UTC))
    Item.objects.filter(folder=inbox).update(sent_day=None)
    fill(apps, None)
    days = dict(Item.objects.filter(folder=inbox).values_list("uid", "sent_day"))
    assert days == {1: date(2026, 3, 20), 2: date(2026, 3, 22)}


def test_internal_dates_are_their_own_zones_day(alice):
    inbox = store.find_folder(alice, "INBOX")
    minus5 = timezone(timedelta(hours=-5))
    store.append(alice, inbox, b"x\r\n", internal_date=datetime(2026, 3, 20, 23, 30, tzinfo=minus5))
    store.append(alice, inbox, b"y\r\n", internal_date=datetime(2026, 3, 21, 0, 30, tzinfo=UTC))
    on = s.DateCmp("internal", "on", date(2026, 3, 20))
    assert store.search(alice, inbox, on) == [1]  # the 21st in UTC
    assert store.search(alice, inbox, s.DateCmp("internal", "since", date(2026, 3, 21))) == [2]
    archive = store.create_folder(alice, "Dated")
    store.copy(alice, inbox, [1], archive)  # a copy keeps its internal date and zone
    assert store.search(alice, archive, on) == [1]
    copied = store.items(alice, archive, [1])[0]
    assert copied.internal_date_as_given == datetime(2026, 3, 20, 23, 30, tzinfo=minus5)
    assert copied.internal_date_as_given.utcoffset() == timedelta(hours=-5)


def test_migration_fills_internal_day(alice):
    from importlib import import_module

    from django.apps import apps

    from mailcore.models import Item

    fill = import_module("mailcore.migrations.0008_item_internal_day").fill_internal_day
    inbox = store.find_folder(alice, "INBOX")
    store.append(alice, inbox, b"x\r\n", internal_date=datetime(2026, 3, 20, 23, 30, tzinfo=UTC))
    Item.objects.filter(folder=inbox).update(internal_day=None)
    fill(apps, None)
    assert Item.objects.get(folder=inbox, uid=1).internal_day == date(2026, 3, 20)


# SQLite compares mail_casefold() of both sides (full Unicode folding, NFC); Postgres's
# ILIKE maps case one character at a time (no ß -> ss, no normalisation).
_FULL_FOLDING = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="full case folding is SQLite's mail_casefold"
)


@pytest.mark.parametrize(
    "criterion, expected",
    [
        (s.Contains("subject", "CAFÉ"), [1]),
        (s.Contains("subject", "café"), [1]),
        pytest.param(s.Contains("subject", "cafe\u0301"), [1], marks=_FULL_FOLDING),
        (s.Contains("body", "STRASSE"), [1]),  # ASCII needle: plain LIKE, still any case
        pytest.param(s.Contains("body", "GRÜSSE"), [1], marks=_FULL_FOLDING),
        (s.Contains("body", "grüße"), [1]),  # ß folds to ss
        (s.Contains("from", "ÉLODIE"), [1]),
        (s.Contains("body", "100%_é"), []),  # % and _ are literal
        (s.Contains("body", "50%_É"), [1]),
        (s.Not(s.Contains("subject", "CAFÉ")), [2]),
        (s.FullText("ÉLODIE café"), [1]),
    ],
)
def test_case_folding_beyond_ascii(alice, message, criterion, expected):
    inbox = store.find_folder(alice, "INBOX")
    store.append(
        alice,
        inbox,
        message("Le Café", "Strasse, Grüße, 50%_é\n", sender="Élodie <elodie@example.test>"),
    )
    store.append(alice, inbox, message("Other", "Nothing here.\n"))
    assert store.search(alice, inbox, criterion) == expected
