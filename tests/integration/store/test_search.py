"""Search criteria translated to one query."""

from datetime import UTC, date, datetime

import pytest

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
