"""UID sets and flag sets: pure values used by every door."""

from hypothesis import given
from hypothesis import strategies as st

from mailcore.store.flags import FlagMode, FlagSet
from mailcore.store.uids import UidSet


def test_uidset_merges_ranges():
    s = UidSet.from_ranges([(5, 7), (1, 2), (3, 3), (10, 9)])
    assert s.ranges == ((1, 3), (5, 7), (9, 10))
    assert 6 in s and 4 not in s and 8 not in s
    assert list(UidSet.of([3, 1, 2, 8])) == [1, 2, 3, 8]


@given(st.sets(st.integers(min_value=1, max_value=10_000), max_size=300))
def test_uidset_roundtrip(uids):
    s = UidSet.of(uids)
    assert set(s) == uids
    _, post_filter = s.q()
    assert post_filter == (len(s.ranges) > 100)


def test_flagset_modes():
    base = FlagSet.parse(["\\Seen", "Work"])
    assert base.apply(FlagMode.ADD, FlagSet.parse(["\\flagged", "work", "Home"])).names() == [
        "\\Seen",
        "\\Flagged",
        "Work",
        "Home",
    ]
    assert base.apply(FlagMode.REMOVE, FlagSet.parse(["WORK"])).names() == ["\\Seen"]
    assert base.apply(FlagMode.REPLACE, FlagSet.parse([])).names() == []
    assert FlagSet.parse(["a", "b"]).keyword_column() == " a b "
