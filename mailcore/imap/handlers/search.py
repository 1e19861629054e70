"""SEARCH and UID SEARCH (RFC 3501 6.4.4), with RFC 7162 MODSEQ and RFC 4731 ESEARCH.

The key tree becomes one store criterion, so the database does the work in one query.
Sequence numbers and \\Recent are the session's own, so they become UID sets here.
"""

from __future__ import annotations

from mailcore import store
from mailcore.models import Item
from mailcore.store import criteria as q

from .. import commands as c
from ..responses import Reply, untagged
from ..selected import SelectedMailbox
from ..session import Session
from ..wire import sequence_set

SYSTEM = {"\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft"}


def criterion(view: SelectedMailbox, key: c.SearchKey) -> q.Criterion:
    match key:
        case c.SearchAll():
            return q.All()
        case c.SearchFlag(flag=flag, present=present):
            return q.HasFlag(flag, present)
        case c.SearchRecent(present=present):
            recent = q.Uids(store.UidSet.of(view.recent))
            return recent if present else q.Not(recent)
        case c.SearchText(field=field, value=value):
            return q.Contains(field.lower(), value)  # type: ignore[arg-type]
        case c.SearchHeader(name=name, value=value):
            return q.Header(name, value)
        case c.SearchDate(field=field, op=op, day=day):
            return q.DateCmp(field, op, day)
        case c.SearchSize(op=op, size=size):
            return q.Size(larger=size) if op == "larger" else q.Size(smaller=size)
        case c.SearchSeq(numbers=numbers, uid=uid):
            return q.Uids(store.UidSet.of(_numbers(view, numbers, uid)))
        case c.SearchModSeq(modseq=modseq):
            return q.ModSeq(modseq)
        case c.SearchNot(key=inner):
            return q.Not(criterion(view, inner))
        case c.SearchOr(left=left, right=right):
            return q.Or((criterion(view, left), criterion(view, right)))
        case c.SearchAnd(keys=keys):
            return q.And(tuple(criterion(view, k) for k in keys))
    raise TypeError(f"unknown search key {key!r}")


def _numbers(view: SelectedMailbox, numbers: c.SequenceSet, uid: bool) -> list[int]:
    if uid:
        return view.resolve(numbers, True)
    # In SEARCH a sequence number past the end matches nothing rather than failing.
    largest = view.exists
    return [
        view.uids[n - 1]
        for lo, hi in numbers.resolve(largest)
        for n in range(lo, min(hi, largest) + 1)
        if n >= 1
    ]


def _uses_modseq(key: c.SearchKey) -> bool:
    match key:
        case c.SearchModSeq():
            return True
        case c.SearchNot(key=inner):
            return _uses_modseq(inner)
        case c.SearchOr(left=left, right=right):
            return _uses_modseq(left) or _uses_modseq(right)
        case c.SearchAnd(keys=keys):
            return any(_uses_modseq(k) for k in keys)
    return False


def search(session: Session, cmd: c.Search) -> Reply:
    view = session.selected
    assert view is not None
    try:
        found = store.search(view.account, view.folder, criterion(view, cmd.key))
    except store.InvalidFlag:
        found = []  # a system flag we do not store (e.g. \Recent spelled as a flag) matches none
    # Only what this session can see: a message delivered a moment ago is not in the view
    # yet and must not be reported by a number the client does not know (7.4.1).
    found = [u for u in found if view.msn(u)]
    results = found if cmd.uid else [view.msn(u) for u in found]
    modseq = None
    if _uses_modseq(cmd.key):
        session.enable_condstore()
        modseq = _highest_modseq(view, found)
    if cmd.returns is not None:
        line = _esearch(cmd, results, modseq)
    else:
        text = b"SEARCH" + b"".join(b" %d" % n for n in results)
        if modseq is not None and results:
            text += b" (MODSEQ %d)" % modseq
        line = untagged(text)
    return session.ok(cmd.tag, "SEARCH completed", lines=[line])


def _highest_modseq(view: SelectedMailbox, uids: list[int]) -> int | None:
    if not uids:
        return None
    rows = store.items(view.account, view.folder, uids, with_summary=False)
    return max((i.modseq for i in rows if isinstance(i, Item)), default=None)


def _esearch(cmd: c.Search, results: list[int], modseq: int | None) -> bytes:
    # RFC 4731: "* ESEARCH (TAG "a1") UID MIN 1 MAX 9 COUNT 5 ALL 1:3,7"; an empty
    # RETURN () means ALL.
    wanted = [r.upper() for r in cmd.returns or ()] or ["ALL"]
    text = b'ESEARCH (TAG "' + cmd.tag.encode() + b'")'
    if cmd.uid:
        text += b" UID"
    if results:
        if "MIN" in wanted:
            text += b" MIN %d" % min(results)
        if "MAX" in wanted:
            text += b" MAX %d" % max(results)
        if "ALL" in wanted:
            text += b" ALL " + sequence_set(results)
    if "COUNT" in wanted:
        text += b" COUNT %d" % len(results)
    if modseq is not None and results:
        text += b" MODSEQ %d" % modseq
    return untagged(text)
