"""SEARCH (RFC 3501 6.4.4) with MODSEQ (RFC 7162 3.1.5) and ESEARCH return options (RFC
4731 3.1). The key list at the top level and in parentheses becomes one SearchAnd; a
list of exactly one key is that key itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal, cast

from mailcore.imap import commands as c
from mailcore.imap.parser.lexer import MAX_NUMBER64, Reader

# RFC 3501 6.4.4: US-ASCII MUST be supported; UTF-8 is what clients send.
CHARSETS = {"UTF-8": "utf-8", "US-ASCII": "ascii"}
BADCHARSET = "BADCHARSET (UTF-8 US-ASCII)"
RETURN_OPTIONS = frozenset({"MIN", "MAX", "ALL", "COUNT"})
# RFC 7162 3.1.5: entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE
_ENTRY_NAME = re.compile(rb'"/flags/(?:\\\\)?[^\x00-\x20\x7f-\xff(){%*"\\\]]+"', re.IGNORECASE)
_ENTRY_TYPES = (b"PRIV", b"SHARED", b"ALL")

_TextField = Literal["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"]
_TEXT_FIELDS: tuple[_TextField, ...] = ("BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO")
_DATES: dict[str, tuple[Literal["internal", "sent"], Literal["before", "on", "since"]]] = {
    "BEFORE": ("internal", "before"),
    "ON": ("internal", "on"),
    "SINCE": ("internal", "since"),
    "SENTBEFORE": ("sent", "before"),
    "SENTON": ("sent", "on"),
    "SENTSINCE": ("sent", "since"),
}
_FLAG_KEYS = {
    "ANSWERED": "\\Answered",
    "DELETED": "\\Deleted",
    "DRAFT": "\\Draft",
    "FLAGGED": "\\Flagged",
    "SEEN": "\\Seen",
}
# The keys without arguments.
_PLAIN: dict[str, c.SearchKey] = {
    "ALL": c.SearchAll(),
    "RECENT": c.SearchRecent(True),
    "OLD": c.SearchRecent(False),
    "NEW": c.SearchAnd((c.SearchRecent(True), c.SearchFlag("\\Seen", False))),
    **{name: c.SearchFlag(flag) for name, flag in _FLAG_KEYS.items()},
    **{"UN" + name: c.SearchFlag(flag, False) for name, flag in _FLAG_KEYS.items()},
}


def parse_search(r: Reader, tag: str, *, uid: bool = False) -> c.Search:
    """search = "SEARCH" [SP "RETURN" SP "(" [search-return-opt *(SP ...)] ")"]
    [SP "CHARSET" SP astring] 1*(SP search-key)."""
    r.sp()
    returns = None
    if r.take(b"RETURN "):
        options = r.paren_list()
        if not RETURN_OPTIONS.issuperset(options):
            r.fail("unknown SEARCH return option")
        # RFC 4731 3.1: an empty list means ALL.
        returns = tuple(options) or ("ALL",)
        r.sp()
    charset = None
    if r.take(b"CHARSET "):
        charset = r.text(r.astring("a charset"), "ascii").upper()
        if charset not in CHARSETS:
            r.fail("unsupported charset", code=BADCHARSET, no=True)
        r.sp()
    codec = CHARSETS[charset] if charset else "utf-8"
    keys = [search_key(r, codec)]
    while not r.at_end():
        r.sp()
        keys.append(search_key(r, codec))
        r.items(len(keys))
    key = keys[0] if len(keys) == 1 else c.SearchAnd(tuple(keys))
    return c.Search(tag, key, charset, uid, returns)


def search_key(r: Reader, codec: str) -> c.SearchKey:
    first = r.peek()
    if first == b"(":
        r.enter()
        keys = r.parenthesized(lambda: search_key(r, codec), empty=False)
        r.leave()
        return keys[0] if len(keys) == 1 else c.SearchAnd(tuple(keys))
    if first.isdigit() or first in (b"*", b"$"):
        return c.SearchSeq(r.sequence_set())
    name = r.keyword("a search key")
    plain = _PLAIN.get(name)
    if plain is not None:
        return plain
    parse = _WITH_ARGUMENTS.get(name)
    if parse is None:
        r.fail("unknown search key")
    r.sp()
    return parse(r, name, codec)


def _text(r: Reader, name: str, codec: str) -> c.SearchKey:
    return c.SearchText(cast(_TextField, name), r.text(r.astring(), codec))


def _date(r: Reader, name: str, codec: str) -> c.SearchKey:
    field, op = _DATES[name]
    return c.SearchDate(field, op, r.date())


def _keyword(r: Reader, name: str, codec: str) -> c.SearchKey:
    return c.SearchFlag(r.atom("a keyword"), name == "KEYWORD")


def _header(r: Reader, name: str, codec: str) -> c.SearchKey:
    field = r.text(r.astring("a header field name"), "ascii")
    r.sp()
    return c.SearchHeader(field, r.text(r.astring(), codec))


def _size(r: Reader, name: str, codec: str) -> c.SearchKey:
    return c.SearchSize("larger" if name == "LARGER" else "smaller", r.number())


def _not(r: Reader, name: str, codec: str) -> c.SearchKey:
    r.enter()
    key = search_key(r, codec)
    r.leave()
    return c.SearchNot(key)


def _or(r: Reader, name: str, codec: str) -> c.SearchKey:
    r.enter()
    left = search_key(r, codec)
    r.sp()
    right = search_key(r, codec)
    r.leave()
    return c.SearchOr(left, right)


def _uid(r: Reader, name: str, codec: str) -> c.SearchKey:
    return c.SearchSeq(r.sequence_set(), uid=True)


def _modseq(r: Reader, name: str, codec: str) -> c.SearchKey:
    """MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer; the entry only
    narrows which flag's modseq counts, which a server without per-flag modseqs may
    ignore (RFC 7162 3.1.5)."""
    if r.peek() == b'"':
        r.match(_ENTRY_NAME, "an entry name")
        r.sp()
        if not any(r.take(t) for t in _ENTRY_TYPES):
            r.fail("expected priv, shared or all")
        r.sp()
    return c.SearchModSeq(r.number(MAX_NUMBER64, "mod-sequence"))


_WITH_ARGUMENTS: dict[str, Callable[[Reader, str, str], c.SearchKey]] = {
    **dict.fromkeys(_TEXT_FIELDS, _text),
    **dict.fromkeys(_DATES, _date),
    "KEYWORD": _keyword,
    "UNKEYWORD": _keyword,
    "HEADER": _header,
    "LARGER": _size,
    "SMALLER": _size,
    "NOT": _not,
    "OR": _or,
    "UID": _uid,
    "MODSEQ": _modseq,
}
