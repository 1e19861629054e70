"""IMAP commands as typed values: what the parser produces and the session executes.

Pure data (no Django, no I/O). Names follow RFC 3501 section 6 and the extensions'
RFCs. Strings are Python str: mailbox names exactly as the client sent them (still in
modified UTF-7 unless UTF8=ACCEPT was enabled; the session decodes), other strings
decoded as UTF-8 (or the SEARCH CHARSET).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

# --- sequence sets (RFC 3501 9: sequence-set) -------------------------------------------


@dataclass(frozen=True)
class SeqRange:
    """lo:hi as sent; None stands for "*" (the largest number in use)."""

    lo: int | None
    hi: int | None

    def bounds(self, largest: int) -> tuple[int, int]:
        """The inclusive range with "*" replaced; lo <= hi (RFC 3501: 4:2 is 2:4)."""
        lo = largest if self.lo is None else self.lo
        hi = largest if self.hi is None else self.hi
        return (lo, hi) if lo <= hi else (hi, lo)


@dataclass(frozen=True)
class SequenceSet:
    ranges: tuple[SeqRange, ...]
    # RFC 5182 "$" (the saved search result) is not supported; the parser rejects it.

    def resolve(self, largest: int) -> list[tuple[int, int]]:
        """Merged, sorted inclusive ranges with "*" replaced by `largest`."""
        spans = sorted(r.bounds(largest) for r in self.ranges)
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        return merged

    def contains(self, number: int, largest: int) -> bool:
        return any(lo <= number <= hi for lo, hi in self.resolve(largest))

    def iter_numbers(self, largest: int) -> Iterator[int]:
        for lo, hi in self.resolve(largest):
            yield from range(lo, hi + 1)


# --- FETCH data items (RFC 3501 6.4.5) ---------------------------------------------------

SectionText = Literal["", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"]


@dataclass(frozen=True)
class BodySection:
    """BODY[section]<partial> / BODY.PEEK[...] / BINARY? no: RFC 3516 is not offered."""

    part: tuple[int, ...] = ()  # e.g. (1, 2) for "1.2"; () for the whole message
    text: SectionText = ""
    fields: tuple[str, ...] = ()  # HEADER.FIELDS (.NOT) names, as the client spelled them
    partial: tuple[int, int] | None = None  # <origin.octets>
    peek: bool = False

    def spec(self) -> str:
        """The section as echoed in the response: "1.2.HEADER.FIELDS (FROM TO)"."""
        head = ".".join(str(n) for n in self.part)
        text: str = self.text
        if self.fields:
            text += " (" + " ".join(self.fields) + ")"
        return f"{head}.{text}" if head and text else head or text


FetchAttName = Literal[
    "UID",
    "FLAGS",
    "INTERNALDATE",
    "RFC822.SIZE",
    "ENVELOPE",
    "BODYSTRUCTURE",
    "BODY",  # non-extensible BODYSTRUCTURE
    "RFC822",
    "RFC822.HEADER",
    "RFC822.TEXT",
    "MODSEQ",  # RFC 7162
]


@dataclass(frozen=True)
class FetchAtt:
    """One FETCH data item. `section` is set exactly for BODY[...]/BODY.PEEK[...]."""

    name: FetchAttName | Literal["BODY[]"]
    section: BodySection | None = None


# --- SEARCH keys (RFC 3501 6.4.4, RFC 7162 MODSEQ) ---------------------------------------


class SearchKey:
    """Base of the search-key tree."""


@dataclass(frozen=True)
class SearchAll(SearchKey):
    pass


@dataclass(frozen=True)
class SearchFlag(SearchKey):
    """ANSWERED/UNANSWERED, DELETED, DRAFT, FLAGGED, SEEN (and UN-), KEYWORD/UNKEYWORD."""

    flag: str  # "\\Seen", "\\Answered", ... or a keyword
    present: bool = True


@dataclass(frozen=True)
class SearchRecent(SearchKey):
    """RECENT (present=True) and OLD (present=False); NEW is And(RECENT, UNSEEN)."""

    present: bool = True


@dataclass(frozen=True)
class SearchText(SearchKey):
    field: Literal["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"]
    value: str


@dataclass(frozen=True)
class SearchHeader(SearchKey):
    name: str
    value: str


@dataclass(frozen=True)
class SearchDate(SearchKey):
    """BEFORE/ON/SINCE compare the internal date; SENTBEFORE/SENTON/SENTSINCE the Date:."""

    field: Literal["internal", "sent"]
    op: Literal["before", "on", "since"]
    day: date


@dataclass(frozen=True)
class SearchSize(SearchKey):
    op: Literal["larger", "smaller"]
    size: int


@dataclass(frozen=True)
class SearchSeq(SearchKey):
    """A bare sequence set (message sequence numbers) or UID <set>."""

    numbers: SequenceSet
    uid: bool = False


@dataclass(frozen=True)
class SearchModSeq(SearchKey):
    """RFC 7162 3.1.5: MODSEQ [<entry-name> <entry-type>] <mod-sequence-valzer>."""

    modseq: int


@dataclass(frozen=True)
class SearchNot(SearchKey):
    key: SearchKey


@dataclass(frozen=True)
class SearchOr(SearchKey):
    left: SearchKey
    right: SearchKey


@dataclass(frozen=True)
class SearchAnd(SearchKey):
    """A list of keys, all of which must match (the top level and parentheses)."""

    keys: tuple[SearchKey, ...]


# --- commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    tag: str


# Any state (RFC 3501 6.1)
@dataclass(frozen=True)
class Capability(Command):
    pass


@dataclass(frozen=True)
class Noop(Command):
    pass


@dataclass(frozen=True)
class Logout(Command):
    pass


@dataclass(frozen=True)
class Id(Command):
    """RFC 2971: NIL or a list of field/value pairs."""

    params: tuple[tuple[str, str | None], ...] | None


@dataclass(frozen=True)
class Enable(Command):
    """RFC 5161."""

    capabilities: tuple[str, ...]


# Not authenticated state (RFC 3501 6.2)
@dataclass(frozen=True)
class StartTLS(Command):
    pass


@dataclass(frozen=True)
class Authenticate(Command):
    """AUTHENTICATE mechanism [initial-response] (RFC 4959 SASL-IR).

    `initial_response` is the base64 text as sent ("=" for an empty response, None if
    absent); the session decodes it like every later continuation line.
    """

    mechanism: str  # upper-cased
    initial_response: str | None = None


@dataclass(frozen=True)
class Login(Command):
    username: str
    password: str


# Authenticated state (RFC 3501 6.3)
@dataclass(frozen=True)
class Select(Command):
    """SELECT, or EXAMINE when `readonly`. RFC 7162: (CONDSTORE) parameter."""

    mailbox: str
    readonly: bool = False
    condstore: bool = False


@dataclass(frozen=True)
class Create(Command):
    mailbox: str
    special_use: tuple[str, ...] = ()  # RFC 6154 CREATE-SPECIAL-USE: (USE (\Drafts))


@dataclass(frozen=True)
class Delete(Command):
    mailbox: str


@dataclass(frozen=True)
class Rename(Command):
    old: str
    new: str


@dataclass(frozen=True)
class Subscribe(Command):
    mailbox: str


@dataclass(frozen=True)
class Unsubscribe(Command):
    mailbox: str


@dataclass(frozen=True)
class List(Command):
    """LIST, with the RFC 5258 extended form as far as RFC 6154 needs it:
    LIST (SPECIAL-USE SUBSCRIBED) "" "*" RETURN (SPECIAL-USE CHILDREN SUBSCRIBED)."""

    reference: str
    patterns: tuple[str, ...]
    selection: frozenset[str] = frozenset()  # upper-cased selection options
    returns: frozenset[str] = frozenset()  # upper-cased return options
    extended: bool = False  # the client used the extended syntax


@dataclass(frozen=True)
class Lsub(Command):
    reference: str
    pattern: str


@dataclass(frozen=True)
class Namespace(Command):
    pass


StatusItem = Literal[
    "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE"
]


@dataclass(frozen=True)
class Status(Command):
    mailbox: str
    items: tuple[StatusItem, ...]


@dataclass(frozen=True)
class Append(Command):
    mailbox: str
    message: bytes
    flags: tuple[str, ...] = ()
    internal_date: datetime | None = None  # timezone-aware


@dataclass(frozen=True)
class GetQuota(Command):
    """RFC 9208."""

    root: str


@dataclass(frozen=True)
class GetQuotaRoot(Command):
    mailbox: str


@dataclass(frozen=True)
class SetQuota(Command):
    root: str
    limits: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Idle(Command):
    """RFC 2177. The server reads the DONE line itself."""


# Selected state (RFC 3501 6.4)
@dataclass(frozen=True)
class Check(Command):
    pass


@dataclass(frozen=True)
class Close(Command):
    pass


@dataclass(frozen=True)
class Unselect(Command):
    """RFC 3691."""


@dataclass(frozen=True)
class Expunge(Command):
    """EXPUNGE, or UID EXPUNGE <set> (RFC 4315) when `uids` is given."""

    uids: SequenceSet | None = None


@dataclass(frozen=True)
class Search(Command):
    key: SearchKey
    charset: str | None = None
    uid: bool = False
    # RFC 4731 ESEARCH return options (MIN MAX ALL COUNT); None: a plain SEARCH response.
    returns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Fetch(Command):
    numbers: SequenceSet
    items: tuple[FetchAtt, ...]
    uid: bool = False
    changed_since: int | None = None  # RFC 7162 CHANGEDSINCE
    # Macros (ALL, FAST, FULL) are expanded by the parser; UID FETCH implies UID, which
    # the session adds.


StoreMode = Literal["replace", "add", "remove"]


@dataclass(frozen=True)
class Store(Command):
    numbers: SequenceSet
    mode: StoreMode
    flags: tuple[str, ...]
    silent: bool = False
    uid: bool = False
    unchanged_since: int | None = None  # RFC 7162 UNCHANGEDSINCE


@dataclass(frozen=True)
class Copy(Command):
    numbers: SequenceSet
    mailbox: str
    uid: bool = False


@dataclass(frozen=True)
class Move(Command):
    """RFC 6851."""

    numbers: SequenceSet
    mailbox: str
    uid: bool = False


# --- parser results other than a command -------------------------------------------------


@dataclass(frozen=True)
class ParseError(Exception):
    """The command cannot be executed; the session answers "<tag> BAD <text>", or
    "<tag> NO [code] text" when `no` is set (e.g. [BADCHARSET] for an unknown SEARCH
    charset). `tag` is None when not even a tag could be read ("* BAD")."""

    tag: str | None
    text: str
    code: str | None = None
    no: bool = False

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class LiteralRequest:
    """The line ends in a literal announcement {n} / {n+} (RFC 7888 LITERAL+/-).

    The server must read `size` octets (after a "+ " continuation when not
    `nonsynchronizing`) and then the rest of the command line."""

    size: int
    nonsynchronizing: bool


@dataclass
class CommandBuffer:
    """The bytes of one command collected so far: lines and literals, in order."""

    data: bytearray = field(default_factory=bytearray)
    literals: int = 0
