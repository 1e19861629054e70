"""Commands on messages of the selected mailbox (RFC 3501 6.4): STORE with UNCHANGEDSINCE
(RFC 7162 3.1.3), COPY, MOVE (RFC 6851) and UID EXPUNGE (RFC 4315 2.1)."""

from __future__ import annotations

import re

from mailcore.imap import commands as c
from mailcore.imap.parser.lexer import MAX_NUMBER64, Reader

# store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
_STORE_ATT = re.compile(rb"([+-]?)FLAGS(\.SILENT)?(?= )", re.IGNORECASE)
_MODES: dict[bytes, c.StoreMode] = {b"": "replace", b"+": "add", b"-": "remove"}


def parse_store(r: Reader, tag: str, *, uid: bool = False) -> c.Store:
    """store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags."""
    r.sp()
    numbers = r.sequence_set()
    r.sp()
    unchanged_since = None
    if r.take(b"("):
        # store-modifier = "UNCHANGEDSINCE" SP mod-sequence-valzer (zero is allowed)
        r.expect(b"UNCHANGEDSINCE", "UNCHANGEDSINCE")
        r.sp()
        unchanged_since = r.number(MAX_NUMBER64, "mod-sequence")
        r.expect(b")")
        r.sp()
    m = r.match(_STORE_ATT, "FLAGS, +FLAGS or -FLAGS")
    r.sp()
    if r.peek() == b"(":
        flags = r.flag_list()
    else:
        single = [r.flag()]
        while not r.at_end():
            r.sp()
            single.append(r.flag())
            r.items(len(single))
        flags = tuple(single)
    return c.Store(tag, numbers, _MODES[m.group(1)], flags, bool(m.group(2)), uid, unchanged_since)


def parse_copy(r: Reader, tag: str, *, uid: bool = False, move: bool = False) -> c.Command:
    """copy = "COPY" SP sequence-set SP mailbox; move likewise (RFC 6851 4)."""
    r.sp()
    numbers = r.sequence_set()
    r.sp()
    cls: type[c.Copy | c.Move] = c.Move if move else c.Copy
    return cls(tag, numbers, r.mailbox(), uid)


def parse_uid_expunge(r: Reader, tag: str) -> c.Expunge:
    """uid-expunge = "UID" SP "EXPUNGE" SP sequence-set (RFC 4315 3)."""
    r.sp()
    return c.Expunge(tag, r.sequence_set())
