"""FETCH (RFC 3501 6.4.5) with the CHANGEDSINCE modifier and MODSEQ item (RFC 7162)."""

from __future__ import annotations

import re
from typing import cast, get_args

from mailcore.imap import commands as c
from mailcore.imap.parser.lexer import MAX_NUMBER, MAX_NUMBER64, Reader

# The name of a fetch-att up to "[", SP, ")" or the end: letters, digits and dots.
_ATT_NAME = re.compile(rb"[A-Za-z0-9.]+")
_SECTION_PART = re.compile(rb"[1-9][0-9]*(?:\.[1-9][0-9]*)*")
# RFC 5322 3.6.8 ftext: printable ASCII but ":"; anything else could not be echoed back
# in the response's section spec without quoting.
_FIELD_NAME = re.compile(r"[!-9;-~]+")

SIMPLE_ATTS = frozenset(get_args(c.FetchAttName))
_FAST = ("FLAGS", "INTERNALDATE", "RFC822.SIZE")
# RFC 3501 6.4.5: the macros, equivalent to these lists.
MACROS: dict[str, tuple[str, ...]] = {
    "ALL": (*_FAST, "ENVELOPE"),
    "FAST": _FAST,
    "FULL": (*_FAST, "ENVELOPE", "BODY"),
}
# section-msgtext, longest spelling first so HEADER does not swallow HEADER.FIELDS.
_SECTION_TEXTS: tuple[c.SectionText, ...] = (
    "HEADER.FIELDS.NOT",
    "HEADER.FIELDS",
    "HEADER",
    "TEXT",
    "MIME",
)


def parse_fetch(r: Reader, tag: str, *, uid: bool = False) -> c.Fetch:
    """fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
    "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]."""
    r.sp()
    numbers = r.sequence_set()
    r.sp()
    items: list[c.FetchAtt] = []
    if r.peek() == b"(":
        items = r.parenthesized(lambda: fetch_att(r), empty=False)
    else:
        start = r.pos
        name = r.match(_ATT_NAME, "a FETCH item").group().decode("ascii").upper()
        if name in MACROS and r.peek() != b"[":
            items.extend(c.FetchAtt(cast(c.FetchAttName, n)) for n in MACROS[name])
        else:
            r.pos = start
            items.append(fetch_att(r))
    changed_since = None
    if not r.at_end():
        # fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"; the only one
        # is chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value (RFC 7162 3.1.4).
        r.sp()
        r.expect(b"(")
        r.expect(b"CHANGEDSINCE", "CHANGEDSINCE")
        r.sp()
        changed_since = r.nz_number(MAX_NUMBER64, "mod-sequence")
        r.expect(b")")
    return c.Fetch(tag, numbers, tuple(items), uid, changed_since)


def fetch_att(r: Reader) -> c.FetchAtt:
    name = r.match(_ATT_NAME, "a FETCH item").group().decode("ascii").upper()
    if r.peek() == b"[":
        if name not in ("BODY", "BODY.PEEK"):
            r.fail("unknown FETCH item")
        return c.FetchAtt("BODY[]", section(r, peek=name == "BODY.PEEK"))
    if name not in SIMPLE_ATTS:
        r.fail("unknown FETCH item")
    return c.FetchAtt(cast(c.FetchAttName, name))


def section(r: Reader, *, peek: bool) -> c.BodySection:
    """section = "[" [section-spec] "]" ["<" number "." nz-number ">"];
    section-spec = section-msgtext / (section-part ["." section-text]);
    section-text = section-msgtext / "MIME" (only after a part number)."""
    r.expect(b"[")
    part: tuple[int, ...] = ()
    text: c.SectionText = ""
    fields: tuple[str, ...] = ()
    if r.peek().isdigit():
        numbers = r.match(_SECTION_PART, "a section part").group().split(b".")
        r.items(len(numbers))
        part = tuple(r.bounded(n, MAX_NUMBER, "part number") for n in numbers)
        if r.take(b"."):
            text = _section_text(r)
    elif r.peek() != b"]":
        text = _section_text(r)
        if text == "MIME":
            r.fail("MIME needs a part number")
    if text.startswith("HEADER.FIELDS"):
        r.sp()
        fields = _header_list(r)
    r.expect(b"]")
    partial = None
    if r.take(b"<"):
        origin = r.number(MAX_NUMBER, "partial origin")
        r.expect(b".")
        partial = (origin, r.nz_number(MAX_NUMBER, "partial length"))
        r.expect(b">")
    return c.BodySection(part, text, fields, partial, peek)


def _section_text(r: Reader) -> c.SectionText:
    for text in _SECTION_TEXTS:
        if r.take(text.encode("ascii")):
            return text
    r.fail("unknown section")


def _header_list(r: Reader) -> tuple[str, ...]:
    """header-list = "(" header-fld-name *(SP header-fld-name) ")" (at least one name)."""
    return tuple(r.parenthesized(lambda: _field_name(r), empty=False))


def _field_name(r: Reader) -> str:
    name = r.text(r.astring("a header field name"), "ascii")
    if not _FIELD_NAME.fullmatch(name):
        r.fail("invalid header field name")
    return name
