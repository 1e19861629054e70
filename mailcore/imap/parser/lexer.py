"""The shared pieces of the RFC 3501 section 9 grammar: a cursor over one command's bytes.

One command arrives as one bytes value: its lines and literals concatenated exactly as
they were read ("a LOGIN {5}\\r\\nalice {2+}\\r\\npw\\r\\n"). The Reader walks it left to
right and raises ParseError, carrying the tag once it has been read, at the first octet
that does not fit the grammar. Nothing here allocates more than the input's size: lists
are bounded by MAX_ITEMS, nesting by MAX_DEPTH, numbers by the RFC's own widths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import NoReturn, TypeVar

from mailcore.imap.commands import ParseError, SeqRange, SequenceSet

T = TypeVar("T")

# Limits (documented in the package docstring).
MAX_DEPTH = 32  # parentheses and NOT/OR nesting in SEARCH
MAX_ITEMS = 10_000  # elements of any one list: sequence-set ranges, FETCH items, flags...
MAX_NUMBER = 2**32 - 1  # RFC 3501 9: number / nz-number are unsigned 32-bit
MAX_NUMBER64 = 2**63 - 1  # RFC 7162 mod-sequence-value, RFC 9208 number64

# atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials /
# resp-specials; CHAR is 7-bit, so octets >= 0x80 are outside every atom.
_ATOM = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\\]]+')
_ASTRING = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\]+')  # ATOM-CHAR / resp-specials
_LIST_MAILBOX = re.compile(rb'[^\x00-\x20\x7f-\xff(){"\\]+')  # + list-wildcards
_TAG = re.compile(rb'[^\x00-\x20\x7f-\xff(){%*"\\+]+')  # ASTRING-CHAR except "+"
# QUOTED-CHAR: any TEXT-CHAR but quoted-specials, or "\" quoted-special. Octets >= 0x80
# are let through (RFC 6855/9051 UTF-8 quoted strings; clients send them) and must then
# decode in the expected charset. One character per step: no nested repetition, so a
# missing closing quote fails in linear time.
_QUOTED = re.compile(rb'"((?:[^"\\\r\n\x00]|\\["\\])*)"')
_UNESCAPE = re.compile(rb'\\(["\\])')
# literal = "{" number ["+"] "}" CRLF *CHAR8 (RFC 3501 9, RFC 7888 LITERAL+); a bare LF
# is accepted as the line end, as everywhere else.
_LITERAL = re.compile(rb"\{([0-9]+)(\+?)\}\r?\n")
_DIGITS = re.compile(rb"[0-9]+")
_SEQ_NUMBER = rb"(?:[1-9][0-9]*|\*)"
_SEQUENCE_SET = re.compile(rb"%s(?::%s)?(?:,%s(?::%s)?)*" % ((_SEQ_NUMBER,) * 4))
_FLAG = re.compile(rb'\\?[^\x00-\x20\x7f-\xff(){%*"\\\]]+')
_DATE = re.compile(rb"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")
# date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE;
# a one-digit day without the padding space is accepted too (some clients send it).
_DATE_TIME = re.compile(
    rb'"( [0-9]|[0-9]{1,2})-([A-Za-z]{3})-([0-9]{4}) '
    rb'([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})"'
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        b"JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC"[n : n + 3] for n in range(0, 36, 3)
    )
}
# System flags are case-insensitive (RFC 3501 2.3.2); give the session one spelling.
SYSTEM_FLAGS = {
    f.upper(): f for f in ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", "\\Recent")
}
_EOL = (b"", b"\r\n", b"\n")


def tag_of(data: bytes) -> str | None:
    """The command's tag if it starts with a well-formed one (followed by SP or the end of
    the line), else None. Best effort, for error replies."""
    m = _TAG.match(data)
    if m is None or data[m.end() : m.end() + 1] not in (b"", b" ", b"\r", b"\n"):
        return None
    return m.group().decode("ascii")


class Reader:
    """A cursor over one command. Methods named after RFC 3501 section 9 productions
    consume that production or raise ParseError."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.tag: str | None = None
        self.depth = 0

    # --- plumbing --------------------------------------------------------------------

    def fail(self, text: str, *, code: str | None = None, no: bool = False) -> NoReturn:
        raise ParseError(self.tag, text, code, no)

    def peek(self, n: int = 1) -> bytes:
        return self.data[self.pos : self.pos + n]

    def at(self, prefix: bytes) -> bool:
        """Whether the input continues with `prefix` (ASCII case-insensitive)."""
        return self.peek(len(prefix)).upper() == prefix

    def take(self, prefix: bytes) -> bool:
        """Consume `prefix` (case-insensitive) if it comes next."""
        if self.at(prefix):
            self.pos += len(prefix)
            return True
        return False

    def expect(self, prefix: bytes, what: str | None = None) -> None:
        if not self.take(prefix):
            self.fail(f"expected {what or prefix.decode('ascii')}")

    def sp(self) -> None:
        self.expect(b" ", "SP")

    def at_end(self) -> bool:
        # Length first: slicing the rest on every call would be quadratic in long lists.
        return len(self.data) - self.pos <= 2 and self.data[self.pos :] in _EOL

    def end(self) -> None:
        """CRLF: the command must be over."""
        if not self.at_end():
            self.fail("unexpected characters at the end of the command")
        self.pos = len(self.data)

    def match(self, pattern: re.Pattern[bytes], what: str) -> re.Match[bytes]:
        m = pattern.match(self.data, self.pos)
        if m is None:
            self.fail(f"expected {what}")
        self.pos = m.end()
        return m

    def enter(self) -> None:
        """One level deeper into parentheses or NOT/OR; bounded by MAX_DEPTH."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail("too deeply nested")

    def leave(self) -> None:
        self.depth -= 1

    def parenthesized(self, item: Callable[[], T], *, empty: bool = True) -> list[T]:
        """ "(" [item *(SP item)] ")": at most MAX_ITEMS, at least one unless `empty`."""
        self.expect(b"(")
        values: list[T] = []
        if empty and self.take(b")"):
            return values
        values.append(item())
        while not self.take(b")"):
            self.sp()
            values.append(item())
            self.items(len(values))
        return values

    def items(self, count: int) -> None:
        if count > MAX_ITEMS:
            self.fail("too many items in a list")

    def text(self, raw: bytes, charset: str = "utf-8") -> str:
        try:
            return raw.decode(charset)
        except UnicodeDecodeError:
            self.fail(f"string is not valid {charset}")

    # --- tokens ----------------------------------------------------------------------

    def read_tag(self) -> str:
        """tag = 1*<any ASTRING-CHAR except "+">, ended by SP (or, in error, the line end)."""
        tag = tag_of(self.data)
        if tag is None:
            self.fail("expected a tag")
        self.tag = tag
        self.pos = len(tag)
        return tag

    def atom(self, what: str = "an atom") -> str:
        return self.match(_ATOM, what).group().decode("ascii")

    def keyword(self, what: str = "a keyword") -> str:
        """An atom compared case-insensitively: returned upper-cased."""
        return self.atom(what).upper()

    def quoted(self) -> bytes:
        body = self.match(_QUOTED, "a quoted string").group(1)
        return _UNESCAPE.sub(rb"\1", body) if b"\\" in body else body

    def literal(self) -> bytes:
        if self.at(b"~{"):
            self.fail("literal8 is not supported (no BINARY)")
        m = self.match(_LITERAL, "a literal")
        size = self.bounded(m.group(1), MAX_NUMBER, "literal size")
        start = self.pos
        value = self.data[start : start + size]
        if len(value) < size:
            self.fail("literal is shorter than announced")
        if b"\x00" in value:  # CHAR8 = %x01-ff
            self.fail("NUL in a literal")
        self.pos = start + size
        return value

    def string(self) -> bytes:
        """string = quoted / literal."""
        if self.peek() == b'"':
            return self.quoted()
        return self.literal()

    def astring(self, what: str = "a string") -> bytes:
        """astring = 1*ASTRING-CHAR / string."""
        if self._at_string():
            return self.string()
        return self.match(_ASTRING, what).group()

    def _at_string(self) -> bool:
        # "~" is an ATOM-CHAR: "~user" is an atom, only "~{" starts a (refused) literal8.
        return self.peek() in (b'"', b"{") or self.at(b"~{")

    def nstring(self) -> bytes | None:
        if self.take(b"NIL"):
            return None
        return self.string()

    def mailbox(self) -> str:
        """mailbox = "INBOX" / astring; INBOX in any case names the inbox (RFC 3501 5.1)."""
        name = self.text(self.astring("a mailbox name"))
        return "INBOX" if name.upper() == "INBOX" else name

    def list_mailbox(self) -> str:
        """list-mailbox = 1*list-char / string (list-char adds "%", "*" and "]")."""
        if self._at_string():
            return self.text(self.string())
        return self.match(_LIST_MAILBOX, "a mailbox pattern").group().decode("ascii")

    # --- numbers ---------------------------------------------------------------------

    def bounded(self, digits: bytes, limit: int, what: str) -> int:
        # The length check comes first: int() of thousands of digits is slow and capped.
        if len(digits) > len(str(limit)) or int(digits) > limit:
            self.fail(f"{what} is too large")
        return int(digits)

    def number(self, limit: int = MAX_NUMBER, what: str = "number") -> int:
        return self.bounded(self.match(_DIGITS, f"a {what}").group(), limit, what)

    def nz_number(self, limit: int = MAX_NUMBER, what: str = "number") -> int:
        value = self.number(limit, what)
        if value == 0:
            self.fail(f"{what} must not be zero")
        return value

    def sequence_set(self) -> SequenceSet:
        """sequence-set: 1,3:5,7:* ("*" is the largest number in use, zero is invalid)."""
        if self.peek() == b"$":
            self.fail("the saved search result ($) is not supported")
        text = self.match(_SEQUENCE_SET, "a sequence set").group()
        after = self.peek()
        if after.isdigit() or after in (b",", b":", b"$"):  # "1,0", "2:0", "*5", "1,$"
            self.fail("invalid sequence set")
        elements = text.split(b",")
        self.items(len(elements))
        ranges = []
        for element in elements:
            lo, _, hi = element.partition(b":")
            first = self._seq_number(lo)
            ranges.append(SeqRange(first, self._seq_number(hi) if hi else first))
        return SequenceSet(tuple(ranges))

    def _seq_number(self, digits: bytes) -> int | None:
        return None if digits == b"*" else self.bounded(digits, MAX_NUMBER, "number")

    # --- flags and dates -------------------------------------------------------------

    def flag(self) -> str:
        """flag = system flag / flag-keyword (atom) / flag-extension ("\\" atom)."""
        value = self.match(_FLAG, "a flag").group().decode("ascii")
        return SYSTEM_FLAGS.get(value.upper(), value)

    def flag_list(self) -> tuple[str, ...]:
        """flag-list = "(" [flag *(SP flag)] ")"."""
        return tuple(self.parenthesized(self.flag))

    def paren_list(self) -> list[str]:
        """ "(" [atom *(SP atom)] ")" upper-cased: option lists of the extensions."""
        return self.parenthesized(self.keyword)

    def date(self) -> date:
        """date = date-text / DQUOTE date-text DQUOTE; date-text = d[d]-Mon-yyyy."""
        quoted = self.take(b'"')
        m = self.match(_DATE, "a date (d-Mon-yyyy)")
        if quoted:
            self.expect(b'"', "closing quote of the date")
        try:
            return date(int(m.group(3)), self._month(m.group(2)), int(m.group(1)))
        except ValueError:
            self.fail("invalid date")

    def date_time(self) -> datetime:
        """date-time = "dd-Mon-yyyy hh:mm:ss +zzzz" (a timezone-aware datetime)."""
        m = self.match(_DATE_TIME, 'a date-time ("dd-Mon-yyyy hh:mm:ss +zzzz")')
        day, mon, year, hh, mm, ss, sign, zh, zm = m.groups()
        try:
            if int(zm) > 59:
                raise ValueError("zone minutes")
            offset = timedelta(hours=int(zh), minutes=int(zm))
            zone = timezone(-offset if sign == b"-" else offset)
            return datetime(
                int(year), self._month(mon), int(day), int(hh), int(mm), int(ss), tzinfo=zone
            )
        except ValueError:
            self.fail("invalid date-time")

    def _month(self, name: bytes) -> int:
        month = _MONTHS.get(name.upper())
        if month is None:
            self.fail("invalid month")
        return month
