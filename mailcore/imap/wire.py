"""IMAP response building blocks (RFC 3501 section 9): values to the exact bytes sent.

Pure functions, no I/O. Each string form follows the formal syntax:
- atom: 1*ATOM-CHAR, where ATOM-CHAR is any CHAR (%x01-7F) except atom-specials
  ("(" ")" "{" SP CTL "%" "*" DQUOTE "\\" "]");
- quoted: DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR is any TEXT-CHAR (CHAR minus CR and
  LF) with DQUOTE and "\\" escaped by "\\". RFC 6855 (UTF8=ACCEPT) also allows UTF-8;
- literal: "{" number "}" CRLF *CHAR8; CHAR8 is %x01-FF, so a literal can carry 8-bit
  text and line breaks, never NUL.
A value that no quoted string can carry goes out as a literal. NUL cannot be sent in any
IMAP4rev1 string, so str values lose their NUL characters (the MIME layer already turns
NUL in header values into U+FFFD; this is only the last line of defence).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from mailcore.imap import mutf7

NIL = b"NIL"
# RFC 3501 9: atom-specials; CTL is %x00-1F and %x7F.
_ATOM_SPECIALS = frozenset(b'(){ %*"\\]') | frozenset(range(0x20)) | {0x7F}
_ATOM_CHARS = frozenset(range(0x01, 0x80)) - _ATOM_SPECIALS
_ASTRING_CHARS = _ATOM_CHARS | {ord("]")}  # ASTRING-CHAR = ATOM-CHAR / resp-specials
# Longer values go out as literals: a quoted string of any length is legal, but some
# clients read responses in bounded lines.
QUOTED_MAX = 1024
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _octets(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value.encode("utf-8", errors="replace")


def is_atom(value: str | bytes) -> bool:
    data = _octets(value)
    return bool(data) and all(c in _ATOM_CHARS for c in data)


def can_quote(value: str | bytes, utf8: bool = False) -> bool:
    """True if `value` fits a quoted string: no NUL, CR or LF, 8-bit only with UTF8=ACCEPT."""
    return _quotable(_octets(value), utf8)


def _quotable(data: bytes, utf8: bool) -> bool:
    if len(data) > QUOTED_MAX or b"\r" in data or b"\n" in data or b"\x00" in data:
        return False
    if data.isascii():
        return True
    if not utf8:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _quote(data: bytes) -> bytes:
    return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def quoted(value: str | bytes, utf8: bool = False) -> bytes:
    """A quoted string; ValueError if the value cannot be one (see `can_quote`)."""
    data = _octets(value)
    if not _quotable(data, utf8):
        raise ValueError(f"not representable as a quoted string: {value!r}")
    return _quote(data)


def literal(data: bytes) -> bytes:
    """A synchronizing literal as the server sends it: {n} CRLF then the octets."""
    return b"{%d}\r\n" % len(data) + data


def string(value: str | bytes, utf8: bool = False) -> bytes:
    """RFC 3501 string: quoted when possible, else a literal."""
    data = _octets(value)
    return _quote(data) if _quotable(data, utf8) else literal(data)


def nstring(value: str | bytes | None, utf8: bool = False) -> bytes:
    """RFC 3501 nstring: NIL for None, else a quoted string or a literal (never an atom)."""
    return NIL if value is None else string(value, utf8)


def astring(value: str | bytes, utf8: bool = False) -> bytes:
    """RFC 3501 astring: a bare atom when every octet is an ASTRING-CHAR, else a string."""
    data = _octets(value)
    if data and all(c in _ASTRING_CHARS for c in data):
        return data
    return string(value, utf8)


def atom_or_quoted(value: str | bytes, utf8: bool = False) -> bytes:
    """An atom when the value is one (and is not "NIL", which would read as nil), else a
    string. For free-form values such as ID response fields and capability-like words."""
    if is_atom(value) and _octets(value).upper() != NIL:
        return _octets(value)
    return string(value, utf8)


def flag_list(flags: Iterable[str]) -> bytes:
    """flag-list: "(" [flag *(SP flag)] ")". Flags and keywords are atoms, checked by the
    store (mailcore.store.flags) before they are ever saved."""
    return b"(" + b" ".join(f.encode("ascii") for f in flags) + b")"


def date_time(dt: datetime) -> bytes:
    """RFC 3501 date-time: "dd-Mon-yyyy hh:mm:ss +zzzz", the day space-padded
    (date-day-fixed). Month names are English whatever the locale; a naive datetime is
    taken as UTC. Seconds in the UTC offset (not expressible) are dropped."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    offset = dt.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    text = (
        f'"{dt.day:2d}-{_MONTHS[dt.month - 1]}-{dt.year:04d} '
        f'{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} {sign}{hours:02d}{mins:02d}"'
    )
    return text.encode("ascii")


def sequence_set(numbers: Iterable[int], keep_order: bool = False) -> bytes:
    """A compressed sequence-set: [1, 2, 3, 5, 7, 8, 9] -> b"1:3,5,7:9".

    By default the numbers are sorted and duplicates dropped. With `keep_order` runs
    are compressed in the order given: RFC 4315 COPYUID pairs the source and destination
    sets element by element, so both must list the messages in the same order.
    ValueError for an empty input (a sequence-set has at least one number) or a number
    outside 1..2^32-1.
    """
    items = list(numbers) if keep_order else sorted(set(numbers))
    if not items:
        raise ValueError("a sequence-set cannot be empty")
    if any(not 0 < n < 2**32 for n in items):
        raise ValueError("sequence numbers and UIDs are 1..4294967295")
    runs: list[list[int]] = []
    for n in items:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return b",".join(b"%d" % lo if lo == hi else b"%d:%d" % (lo, hi) for lo, hi in runs)


def mailbox_name(path: str, utf8: bool) -> bytes:
    """A mailbox name as LIST, LSUB and STATUS send it.

    Modified UTF-7 (RFC 3501 5.1.3) unless UTF8=ACCEPT is enabled (RFC 6855 3), then
    UTF-8. Always a string, never a bare atom: clients read an atom "123" as a number
    and "NIL" as nil (IMAPClient does both).
    """
    return string(path if utf8 else mutf7.encode(path), utf8)
