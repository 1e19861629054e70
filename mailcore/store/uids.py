"""Sets of UIDs as inclusive ranges, turned into one query condition."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q

# Past this many ranges, one OR per range would exceed SQLite's expression depth; query
# the bounding range and filter in Python instead.
_MAX_RANGES_IN_SQL = 100


@dataclass(frozen=True)
class UidSet:
    """Inclusive (low, high) ranges, sorted and merged."""

    ranges: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, uids: Iterable[int] | UidSet) -> UidSet:
        if isinstance(uids, UidSet):
            return uids
        return cls.from_ranges((u, u) for u in uids)

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]]) -> UidSet:
        merged: list[list[int]] = []
        for lo, hi in sorted((min(a, b), max(a, b)) for a, b in ranges):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        return cls(tuple((lo, hi) for lo, hi in merged))

    @classmethod
    def everything(cls) -> UidSet:
        return cls(((1, 2**63 - 1),))

    def __contains__(self, uid: object) -> bool:
        return isinstance(uid, int) and any(lo <= uid <= hi for lo, hi in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def __iter__(self) -> Iterator[int]:
        for lo, hi in self.ranges:
            yield from range(lo, hi + 1)

    def q(self, field: str = "uid") -> tuple[Q, bool]:
        """A condition for these UIDs, and whether rows must still be filtered in Python."""
        if not self.ranges:
            return Q(pk__in=[]), False
        if len(self.ranges) > _MAX_RANGES_IN_SQL:
            return Q(**{f"{field}__range": (self.ranges[0][0], self.ranges[-1][1])}), True
        cond = Q()
        for lo, hi in self.ranges:
            cond |= Q(**{field: lo}) if lo == hi else Q(**{f"{field}__range": (lo, hi)})
        return cond, False
