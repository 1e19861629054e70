"""Flags and keywords: validation, and the one function that changes them.

RFC 3501 2.3.2: system flags are the five below (\\Recent is per session and not stored);
keywords are atoms. Flags compare case-insensitively; keywords keep the case they were
first given in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from django.db import transaction

from ..models import Account, Change, Folder, Item
from .errors import InvalidFlag
from .events import publish_on_commit
from .folders import lock_folder
from .uids import UidSet

SYSTEM_FLAGS = {
    "\\seen": ("\\Seen", "seen"),
    "\\answered": ("\\Answered", "answered"),
    "\\flagged": ("\\Flagged", "flagged"),
    "\\deleted": ("\\Deleted", "deleted"),
    "\\draft": ("\\Draft", "draft"),
}
_ATOM_SPECIALS = set('(){ %*"\\]')
MAX_KEYWORD_LENGTH = 128
MAX_KEYWORDS_PER_ITEM = 64


class FlagMode(Enum):
    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"


@dataclass(frozen=True)
class FlagSet:
    system: frozenset[str]  # column names: seen, answered, ...
    keywords: tuple[str, ...]

    @classmethod
    def parse(cls, flags: Iterable[str]) -> FlagSet:
        system: set[str] = set()
        keywords: dict[str, str] = {}
        for flag in flags:
            lowered = flag.lower()
            if lowered in SYSTEM_FLAGS:
                system.add(SYSTEM_FLAGS[lowered][1])
            elif flag.startswith("\\"):
                raise InvalidFlag(f"{flag} cannot be stored")
            else:
                _check_keyword(flag)
                keywords.setdefault(lowered, flag)
        return cls(frozenset(system), tuple(keywords.values()))

    @classmethod
    def of_item(cls, item: Item) -> FlagSet:
        system = frozenset(col for _, col in SYSTEM_FLAGS.values() if getattr(item, col))
        return cls(system, tuple(item.keywords.split()))

    def names(self) -> list[str]:
        ordered = [name for name, col in SYSTEM_FLAGS.values() if col in self.system]
        return ordered + list(self.keywords)

    def keyword_column(self) -> str:
        return f" {' '.join(self.keywords)} " if self.keywords else " "

    def apply(self, mode: FlagMode, other: FlagSet) -> FlagSet:
        if mode is FlagMode.REPLACE:
            return other
        if mode is FlagMode.ADD:
            known = {k.lower() for k in self.keywords}
            extra = tuple(k for k in other.keywords if k.lower() not in known)
            return FlagSet(self.system | other.system, self.keywords + extra)
        drop = {k.lower() for k in other.keywords}
        return FlagSet(
            self.system - other.system, tuple(k for k in self.keywords if k.lower() not in drop)
        )


def _check_keyword(flag: str) -> None:
    if not flag or len(flag) > MAX_KEYWORD_LENGTH:
        raise InvalidFlag("keyword length")
    for ch in flag:
        if ord(ch) <= 0x20 or ord(ch) >= 0x7F or ch in _ATOM_SPECIALS:
            raise InvalidFlag(f"invalid keyword {flag!r}")


def flag_names(item: Item) -> list[str]:
    return FlagSet.of_item(item).names()


@dataclass(frozen=True)
class FlagChange:
    uid: int
    flags: list[str]
    modseq: int


@dataclass(frozen=True)
class FlagResult:
    changed: list[FlagChange]
    # RFC 7162 3.1.3: UIDs whose MODSEQ was above UNCHANGEDSINCE, left untouched.
    modified: list[int]


_FLAG_FIELDS = ["pk", "uid", "modseq", "keywords", *[c for _, c in SYSTEM_FLAGS.values()]]


@transaction.atomic
def store_flags(
    account: Account,
    folder: Folder,
    uids: Iterable[int] | UidSet,
    mode: FlagMode,
    flags: Iterable[str],
    *,
    unchanged_since: int | None = None,
) -> FlagResult:
    """Add, remove or replace flags on items; the one way flags ever change.

    Items whose flags end up the same are not touched and get no new MODSEQ. All items
    changed by one call share one new MODSEQ (RFC 7162 allows this).
    """
    wanted = FlagSet.parse(flags)
    locked = lock_folder(account, folder)
    uid_set = UidSet.of(uids)
    cond, post_filter = uid_set.q()
    items = list(Item.objects.filter(cond, folder=locked).only(*_FLAG_FIELDS).order_by("uid"))
    if post_filter:
        items = [i for i in items if i.uid in uid_set]
    modseq = locked.highestmodseq + 1
    changed: list[Item] = []
    modified: list[int] = []
    unseen_delta = 0
    for item in items:
        if unchanged_since is not None and item.modseq > unchanged_since:
            modified.append(item.uid)
            continue
        before = FlagSet.of_item(item)
        after = before.apply(mode, wanted)
        if len(after.keywords) > MAX_KEYWORDS_PER_ITEM:
            raise InvalidFlag("too many keywords on one item")
        if after.system == before.system and after.keywords == before.keywords:
            continue
        for _, col in SYSTEM_FLAGS.values():
            setattr(item, col, col in after.system)
        item.keywords = after.keyword_column()
        item.modseq = modseq
        unseen_delta += int("seen" in before.system) - int("seen" in after.system)
        changed.append(item)
    if not changed:
        return FlagResult([], modified)
    _write_flags(changed, modseq)
    result = [FlagChange(i.uid, flag_names(i), modseq) for i in changed]
    Change.objects.bulk_create(
        [
            Change(folder=locked, modseq=modseq, uid=c.uid, action="flags", flags=" ".join(c.flags))
            for c in result
        ],
        batch_size=500,
    )
    Folder.objects.filter(pk=locked.pk).update(
        highestmodseq=modseq, unseen_count=locked.unseen_count + unseen_delta
    )
    publish_on_commit(
        account.pk, {"scope": "folder", "folder": locked.pk, "modseq": modseq, "action": "flags"}
    )
    return FlagResult(result, modified)


def _write_flags(changed: list[Item], modseq: int) -> None:
    """One UPDATE ... WHERE pk IN (...) per distinct resulting flag state: a STORE over
    many messages nearly always leaves them in a handful of states, and this is much
    cheaper than bulk_update's CASE WHEN per row."""
    columns = [c for _, c in SYSTEM_FLAGS.values()]
    groups: dict[tuple, list[int]] = {}
    for item in changed:
        state = (item.keywords, *(getattr(item, c) for c in columns))
        groups.setdefault(state, []).append(item.pk)
    for (keywords, *system), pks in groups.items():
        values = dict(zip(columns, system, strict=True), keywords=keywords, modseq=modseq)
        for start in range(0, len(pks), 500):
            Item.objects.filter(pk__in=pks[start : start + 500]).update(**values)
