"""The IMAP response grammar (RFC 3501 section 9) as a checker for the compliance suite.

`check_line` parses one whole response line (literals included) by the section 9
productions and those our extensions add: RFC 4315 UIDPLUS codes, RFC 7162 MODSEQ,
HIGHESTMODSEQ and MODIFIED, RFC 4731 ESEARCH, RFC 5161 ENABLED, RFC 2971 ID, RFC 2342
NAMESPACE, RFC 9208 QUOTA, RFC 5258/6154 LIST attributes, RFC 5530 and RFC 7888 response
codes. It returns what it read (a `Line`) or raises GrammarError naming the spot.
Written from the RFCs, not from our server's renderer, so the two can disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn


class GrammarError(AssertionError):
    """The server sent something RFC 3501 (or an extension we offer) does not allow."""


# --- the response grammar (RFC 3501 section 9) -------------------------------------------

# ATOM-CHAR: any CHAR (%x01-7F) except atom-specials: "(" ")" "{" SP CTL "%" "*" DQUOTE
# "\" "]".
_ATOM_CHARS = frozenset(range(0x21, 0x7F)) - frozenset(b'(){%*"\\]')
_ASTRING_CHARS = _ATOM_CHARS | {ord("]")}
_TAG_CHARS = _ASTRING_CHARS - {ord("+")}
_TEXT_CHARS = frozenset(range(0x01, 0x80)) - {0x0A, 0x0D}
_BASE64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_MONTHS = b"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_DATE_TIME = re.compile(
    rb'"( [1-9]|[0-3][0-9])-(%s)-([0-9]{4}) ([0-2][0-9]):([0-5][0-9]):([0-6][0-9]) '
    rb'[+-][0-9]{4}"' % b"|".join(_MONTHS)
)
# Modified UTF-7 (RFC 3501 5.1.3): printable ASCII but "&", which starts a shift.
_MUTF7 = re.compile(rb"(?:[\x20-\x25\x27-\x7e]|&-|&[A-Za-z0-9+,]+-)*")
MAX_NUMBER = 2**32 - 1
MAX_MODSEQ = 2**63 - 1
# RFC 5530 and the others we use: response codes without arguments.
# fmt: off
_PLAIN_CODES = frozenset((
    "ALERT", "PARSE", "READ-ONLY", "READ-WRITE", "TRYCREATE", "UIDNOTSTICKY", "NOMODSEQ",
    "TOOBIG", "USEATTR", "CLOSED", "UNAVAILABLE", "AUTHENTICATIONFAILED",
    "AUTHORIZATIONFAILED", "EXPIRED", "PRIVACYREQUIRED", "CONTACTADMIN", "NOPERM", "INUSE",
    "EXPUNGEISSUED", "CORRUPTION", "SERVERBUG", "CLIENTBUG", "CANNOT", "LIMIT", "OVERQUOTA",
    "ALREADYEXISTS", "NONEXISTENT",
))
# fmt: on
_STATUS_ATTS = {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE"}
_LIST_SFLAGS = {"\\NOSELECT", "\\MARKED", "\\UNMARKED"}


@dataclass
class Line:
    """One response line as sent (literals included) and what the grammar read in it.

    kind: "tagged", "untagged" or "continuation". name: OK/NO/BAD/BYE/PREAUTH, the data
    name (FLAGS, LIST, SEARCH, FETCH, EXISTS...) or "+". number: the message number or
    count before EXISTS/RECENT/EXPUNGE/FETCH. code/code_args: the response code. value:
    the data (FETCH: {item name as sent: value}; SEARCH: [numbers]; LIST: (attributes,
    delimiter, name); STATUS: (name, {att: n}); FLAGS: [flags]; CAPABILITY: [names]).
    """

    raw: bytes
    kind: str = ""
    tag: str | None = None
    name: str = ""
    number: int | None = None
    code: str | None = None
    code_args: bytes = b""
    text: bytes = b""
    value: Any = None
    spans: dict[str, bytes] = field(default_factory=dict)  # FETCH item -> its bytes


class _Grammar:
    """A cursor over one response line; methods are the section 9 productions."""

    def __init__(self, data: bytes) -> None:
        self.d, self.i = data, 0

    def fail(self, what: str) -> NoReturn:
        shown = self.d[: self.i].decode("latin-1") + " <HERE> " + self.d[self.i :].decode("latin-1")
        raise GrammarError(f"{what}: {shown[:600]!r}")

    def peek(self, n: int = 1) -> bytes:
        return self.d[self.i : self.i + n]

    def at(self, s: bytes) -> bool:
        return self.peek(len(s)).upper() == s.upper()

    def take(self, s: bytes) -> bool:
        if self.at(s):
            self.i += len(s)
            return True
        return False

    def expect(self, s: bytes, what: str = "") -> None:
        if not self.take(s):
            self.fail(f"expected {what or s.decode()}")

    def sp(self) -> None:
        self.expect(b" ", "SP")

    def run(self, chars: frozenset[int] | set[int]) -> bytes:
        start = self.i
        while self.i < len(self.d) and self.d[self.i] in chars:
            self.i += 1
        return self.d[start : self.i]

    def regex(self, pattern: re.Pattern[bytes], what: str) -> re.Match[bytes]:
        m = pattern.match(self.d, self.i)
        if m is None:
            self.fail(f"expected {what}")
        self.i = m.end()
        return m

    # tokens

    def number(self, limit: int = MAX_NUMBER, nonzero: bool = False) -> int:
        digits = self.run(frozenset(b"0123456789"))
        if not digits:
            self.fail("expected a number")
        value = int(digits)
        if value > limit or (nonzero and (value == 0 or digits[:1] == b"0")):
            self.fail(f"number out of range ({digits.decode()})")
        return value

    def nz_number(self) -> int:
        return self.number(nonzero=True)

    def modseq(self, zero: bool = False) -> int:
        # mod-sequence-value is 1..2^63-1; mod-sequence-valzer allows 0 (RFC 7162 7).
        return self.number(MAX_MODSEQ, nonzero=not zero)

    def atom(self) -> str:
        value = self.run(_ATOM_CHARS)
        if not value:
            self.fail("expected an atom")
        return value.decode("ascii")

    def quoted(self) -> bytes:
        self.expect(b'"', "a quoted string")
        out = bytearray()
        while True:
            c = self.peek()
            if c == b'"':
                self.i += 1
                return bytes(out)
            if c == b"\\":
                esc = self.peek(2)[1:]
                if esc not in (b'"', b"\\"):
                    self.fail("backslash before something other than a quoted-special")
                out += esc
                self.i += 2
            elif c and c[0] in _TEXT_CHARS:
                out += c
                self.i += 1
            else:
                self.fail("not a QUOTED-CHAR (8-bit, CR, LF or NUL in a quoted string)")

    def literal(self) -> bytes:
        self.expect(b"{", "a literal")
        size = self.number()
        self.expect(b"}\r\n", "}CRLF after a literal's size")
        data = self.d[self.i : self.i + size]
        if len(data) < size:
            self.fail("literal shorter than announced")
        if b"\x00" in data:
            self.fail("NUL in a literal (CHAR8 is %x01-FF)")
        self.i += size
        return data

    def string(self) -> bytes:
        return self.literal() if self.peek() == b"{" else self.quoted()

    def nstring(self) -> bytes | None:
        if self.take(b"NIL"):
            return None
        return self.string()

    def astring(self) -> bytes:
        if self.peek() in (b'"', b"{"):
            return self.string()
        value = self.run(_ASTRING_CHARS)
        if not value:
            self.fail("expected an astring")
        return value

    def paren(self, item: Callable[[], Any], *, least: int = 0) -> list[Any]:
        """ "(" [item *(SP item)] ")" with at least `least` items."""
        self.expect(b"(")
        out: list[Any] = []
        if not self.take(b")"):
            out.append(item())
            while not self.take(b")"):
                self.sp()
                out.append(item())
        if len(out) < least:
            self.fail(f"a list needs at least {least} item(s)")
        return out

    def end(self) -> None:
        if self.d[self.i :] != b"\r\n":
            self.fail("expected CRLF at the end of the response")

    # flags and mailboxes

    def flag(self) -> str:
        # flag = "\" atom (system flags and flag-extension) / atom (flag-keyword);
        # "\*" only in PERMANENTFLAGS.
        if self.take(b"\\"):
            if self.take(b"*"):
                return "\\*"
            return "\\" + self.atom()
        return self.atom()

    def mailbox(self) -> bytes:
        name = self.astring()
        if not _MUTF7.fullmatch(name):
            self.fail("mailbox name is not modified UTF-7 (RFC 3501 5.1.3)")
        return name

    def mailbox_list(self) -> tuple[list[str], bytes | None, bytes]:
        # mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP
        # mailbox [SP mbox-list-extended] (RFC 5258)
        attrs = self.paren(self.flag)
        upper = [a.upper() for a in attrs]
        if not all(a.startswith("\\") for a in attrs):
            self.fail("mailbox attributes start with a backslash")
        if len(set(upper) & _LIST_SFLAGS) > 1:
            self.fail("at most one of \\Noselect \\Marked \\Unmarked")
        if {"\\HASCHILDREN", "\\HASNOCHILDREN"} <= set(upper):
            self.fail("\\HasChildren and \\HasNoChildren together (RFC 3348)")
        self.sp()
        delimiter = None
        if not self.take(b"NIL"):
            delimiter = self.quoted()
            if len(delimiter) != 1:
                self.fail("the hierarchy delimiter is one QUOTED-CHAR")
        self.sp()
        name = self.mailbox()
        if self.take(b" "):
            self.list_extended()
        return attrs, delimiter, name

    def list_extended(self) -> None:
        # mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)]
        # ")"; item = astring SP tagged-ext-val (RFC 5258 9, RFC 4466 2.1)
        def item() -> None:
            self.astring()
            self.sp()
            self.tagged_ext_val()

        self.paren(item)

    def tagged_ext_val(self) -> None:
        # tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")"
        if self.peek() == b"(":
            self.paren(self.tagged_ext_comp)
        else:
            self.sequence_set()

    def tagged_ext_comp(self) -> None:
        if self.peek() == b"(":
            self.paren(self.tagged_ext_comp, least=1)
        else:
            self.astring()

    # resp-text (RFC 3501 7.1 and the extensions' codes)

    def resp_text(self) -> tuple[str | None, bytes, bytes]:
        code, args = None, b""
        if self.take(b"["):
            code = self.atom().upper()
            args = self.code_args(code)
            self.expect(b"]")
            self.sp()
        text = self.run(_TEXT_CHARS)
        if not text:
            self.fail("resp-text needs at least one TEXT-CHAR")
        return code, args, text

    def code_args(self, code: str) -> bytes:
        start = self.i
        if code in _PLAIN_CODES:
            pass
        elif code in ("UIDNEXT", "UIDVALIDITY", "UNSEEN"):
            self.sp()
            self.nz_number()
        elif code == "PERMANENTFLAGS":
            self.sp()
            flags = self.paren(self.flag)
            if any(f.upper() == "\\RECENT" for f in flags):
                self.fail("\\Recent cannot be a permanent flag")
        elif code == "BADCHARSET":
            if self.take(b" "):
                self.paren(self.astring, least=1)
        elif code == "CAPABILITY":
            self.capabilities()
        elif code == "HIGHESTMODSEQ":
            self.sp()
            self.modseq()
        elif code == "MODIFIED":
            self.sp()
            self.sequence_set()
        elif code == "APPENDUID":
            self.sp()
            self.nz_number()
            self.sp()
            self.sequence_set(uid_set=True)
        elif code == "COPYUID":
            self.sp()
            self.nz_number()
            self.sp()
            self.sequence_set(uid_set=True)
            self.sp()
            self.sequence_set(uid_set=True)
        else:
            # The grammar lets any atom through; here an unknown code is a typo.
            self.fail(f"response code {code} is not defined by any RFC we implement")
        return self.d[start : self.i].strip()

    def sequence_set(self, uid_set: bool = False) -> list[tuple[int, int]]:
        # uid-set (RFC 4315) has no "*"; a response never needs one either.
        out = []
        while True:
            lo = self.nz_number()
            hi = self.nz_number() if self.take(b":") else lo
            out.append((lo, hi))
            if not self.take(b","):
                return out

    def capabilities(self) -> list[str]:
        names = []
        while self.take(b" "):
            names.append(self.atom().upper())
        if "IMAP4REV1" not in names:
            self.fail("capability-data must list IMAP4rev1")
        return names

    # message data (RFC 3501 7.4.2)

    def msg_att(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        values: dict[str, Any] = {}
        spans: dict[str, bytes] = {}

        def item() -> None:
            name = self.run(
                frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.")
            )
            upper = name.decode().upper()
            if upper == "BODY" and self.peek() == b"[":
                upper += self.section()
                if self.take(b"<"):
                    upper += f"<{self.number()}>"
                    self.expect(b">")
            key, start = upper, self.i
            if key in values:
                self.fail(f"{key} twice in one FETCH response")
            self.sp()
            values[key] = self.msg_att_value(key)
            spans[key] = self.d[start + 1 : self.i]

        self.paren(item, least=1)
        return values, spans

    def msg_att_value(self, key: str) -> Any:
        if key.startswith("BODY["):
            return self.nstring()
        match key:
            case "FLAGS":
                return self.paren(self.flag)
            case "ENVELOPE":
                return self.envelope()
            case "INTERNALDATE":
                m = self.regex(_DATE_TIME, "a date-time")
                return m.group().decode()
            case "RFC822" | "RFC822.HEADER" | "RFC822.TEXT":
                return self.nstring()
            case "RFC822.SIZE":
                return self.number()
            case "BODY" | "BODYSTRUCTURE":
                return self.body(extensible=key == "BODYSTRUCTURE")
            case "UID":
                return self.nz_number()
            case "MODSEQ":
                self.expect(b"(")
                value = self.modseq()
                self.expect(b")")
                return value
        self.fail(f"unknown FETCH data item {key}")

    def section(self) -> str:
        # section = "[" [section-spec] "]"
        start = self.i
        self.expect(b"[")
        if self.peek().isdigit():
            self.nz_number()
            while self.take(b"."):
                if not self.peek().isdigit():
                    if not (self.section_msgtext() or self.take(b"MIME")):
                        self.fail("expected a section-text")
                    break
                self.nz_number()
        elif self.peek() != b"]" and not self.section_msgtext():
            self.fail("expected a section-spec")
        self.expect(b"]")
        return self.d[start : self.i].decode("ascii").upper()

    def section_msgtext(self) -> bool:
        if self.take(b"HEADER.FIELDS"):
            self.take(b".NOT")
            self.sp()
            self.paren(self.astring, least=1)
            return True
        return self.take(b"HEADER") or self.take(b"TEXT")

    def envelope(self) -> list[Any]:
        self.expect(b"(", "an envelope")
        out: list[Any] = [self.nstring()]  # date
        self.sp()
        out.append(self.nstring())  # subject
        for _ in range(6):  # from sender reply-to to cc bcc
            self.sp()
            out.append(None if self.take(b"NIL") else self.addresses())
        for _ in range(2):  # in-reply-to message-id
            self.sp()
            out.append(self.nstring())
        self.expect(b")")
        return out

    def addresses(self) -> list[list[bytes | None]]:
        # env-from = "(" 1*address ")" / nil: addresses follow each other without SP.
        self.expect(b"(", "an address list")
        out = [self.address()]
        while not self.take(b")"):
            out.append(self.address())
        return out

    def address(self) -> list[bytes | None]:
        self.expect(b"(", "an address")
        parts = [self.nstring()]
        for _ in range(3):
            self.sp()
            parts.append(self.nstring())
        self.expect(b")")
        return parts

    def body(self, extensible: bool) -> list[Any]:
        self.expect(b"(", "a body")
        multipart = self.peek() == b"("
        out = self.body_mpart(extensible) if multipart else self.body_1part(extensible)
        self.expect(b")")
        return out

    def body_mpart(self, extensible: bool) -> list[Any]:
        # body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
        parts: list[Any] = []
        while self.peek() == b"(":
            parts.append(self.body(extensible))
        self.sp()
        out: list[Any] = [parts, self.string()]
        if self.take(b" "):
            if not extensible:
                self.fail("BODY is the non-extensible form: no extension data")
            out.append(self.body_fld_param())
            out.extend(self.body_ext_tail())
        return out

    def body_1part(self, extensible: bool) -> list[Any]:
        media, subtype = self.string(), self.string_after_sp()
        out: list[Any] = [media, subtype]
        for production in (self.body_fld_param, self.nstring, self.nstring, self.string):
            self.sp()
            out.append(production())  # params, id, description, encoding
        self.sp()
        out.append(self.number())  # octets
        if media.upper() == b"MESSAGE" and subtype.upper() == b"RFC822":
            # body-type-msg = media-message SP body-fields SP envelope SP body SP lines
            self.sp()
            out.append(self.envelope())
            self.sp()
            out.append(self.body(extensible))
            self.sp()
            out.append(self.number())
        elif media.upper() == b"TEXT":
            self.sp()
            out.append(self.number())  # body-fld-lines
        if self.take(b" "):
            if not extensible:
                self.fail("BODY is the non-extensible form: no extension data")
            out.append(self.nstring())  # body-fld-md5
            out.extend(self.body_ext_tail())
        return out

    def string_after_sp(self) -> bytes:
        self.sp()
        return self.string()

    def body_ext_tail(self) -> list[Any]:
        # [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
        out: list[Any] = []
        if not self.take(b" "):
            return out
        if self.take(b"NIL"):
            out.append(None)
        else:
            self.expect(b"(", "a body-fld-dsp")
            kind = self.string()
            self.sp()
            out.append([kind, self.body_fld_param()])
            self.expect(b")")
        if not self.take(b" "):
            return out
        if self.peek() == b"(":
            out.append(self.paren(self.string, least=1))
        else:
            out.append(self.nstring())
        if not self.take(b" "):
            return out
        out.append(self.nstring())
        while self.take(b" "):
            out.append(self.body_extension())
        return out

    def body_extension(self) -> Any:
        if self.peek() == b"(":
            return self.paren(self.body_extension, least=1)
        if self.peek().isdigit():
            return self.number()
        return self.nstring()

    def body_fld_param(self) -> list[bytes] | None:
        if self.take(b"NIL"):
            return None
        values = self.paren(self.string, least=2)
        if len(values) % 2:
            self.fail("body-fld-param is pairs of strings")
        return values


def check_line(raw: bytes) -> Line:
    """Parse one whole response line (literals included, CRLF at the end) by the
    response grammar; GrammarError if it does not fit."""
    g = _Grammar(raw)
    line = Line(raw)
    if g.take(b"+"):
        line.kind, line.name = "continuation", "+"
        g.sp()
        rest = raw[g.i : -2]
        if not _BASE64.fullmatch(rest):
            line.code, line.code_args, line.text = g.resp_text()
        else:
            line.text = rest
            g.i = len(raw) - 2
    elif g.take(b"* "):
        line.kind = "untagged"
        _untagged(g, line)
    else:
        tag = g.run(_TAG_CHARS)
        if not tag:
            g.fail("expected a tag, '*' or '+'")
        line.kind, line.tag = "tagged", tag.decode("ascii")
        g.sp()
        line.name = g.atom().upper()
        if line.name not in ("OK", "NO", "BAD"):
            g.fail("a tagged response is OK, NO or BAD")
        g.sp()
        line.code, line.code_args, line.text = g.resp_text()
    g.end()
    return line


def _untagged(g: _Grammar, line: Line) -> None:
    if g.peek().isdigit():
        line.number = g.number()
        g.sp()
        line.name = g.atom().upper()
        if line.name in ("EXPUNGE", "FETCH") and line.number == 0:
            g.fail(f"{line.name} needs a nz-number")
        if line.name == "FETCH":
            g.sp()
            line.value, line.spans = g.msg_att()
        elif line.name not in ("EXISTS", "RECENT", "EXPUNGE"):
            g.fail("expected EXISTS, RECENT, EXPUNGE or FETCH")
        return
    line.name = name = g.atom().upper()
    if name in ("OK", "NO", "BAD", "BYE", "PREAUTH"):
        g.sp()
        line.code, line.code_args, line.text = g.resp_text()
    elif name == "CAPABILITY":
        line.value = g.capabilities()
    elif name == "FLAGS":
        g.sp()
        line.value = g.paren(g.flag)
        if "\\*" in line.value:
            g.fail("\\* belongs in PERMANENTFLAGS only")
    elif name in ("LIST", "LSUB"):
        g.sp()
        line.value = g.mailbox_list()
    elif name == "SEARCH":
        line.value = _search(g)
    elif name == "ESEARCH":
        line.value = _esearch(g)
    elif name == "STATUS":
        line.value = _status(g)
    elif name == "ENABLED":
        line.value = [g.atom() for _ in iter(lambda: g.take(b" "), False)]
    elif name == "ID":
        g.sp()
        line.value = None if g.take(b"NIL") else g.paren(lambda: _id_pair(g))
        if line.value is not None and len(line.value) > 30:
            g.fail("at most 30 ID field-value pairs (RFC 2971 3.3)")
    elif name == "NAMESPACE":
        line.value = [_namespace(g) for _ in range(3)]
    elif name == "QUOTA":
        line.value = _quota(g)
    elif name == "QUOTAROOT":
        g.sp()
        line.value = [g.mailbox(), *[g.astring() for _ in iter(lambda: g.take(b" "), False)]]
    else:
        g.fail(f"unknown untagged response {name}")


def _search(g: _Grammar) -> list[int]:
    # "SEARCH" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"] (RFC 7162)
    numbers = []
    while g.take(b" "):
        if g.take(b"(MODSEQ "):
            g.modseq()
            g.expect(b")")
            if not numbers:
                g.fail("MODSEQ only follows a non-empty SEARCH result")
            break
        numbers.append(g.nz_number())
    return numbers


def _esearch(g: _Grammar) -> dict[str, Any]:
    # "ESEARCH" [SP "(" "TAG" SP tag-string ")"] [SP "UID"] *(SP search-return-data)
    out: dict[str, Any] = {}
    if g.take(b" (TAG "):
        out["TAG"] = g.string()
        g.expect(b")")
    if g.at(b" UID") and g.peek(5)[4:] in (b"", b" ", b"\r"):
        g.take(b" UID")
        out["UID"] = True
    while g.take(b" "):
        name = g.atom().upper()
        if name in out:
            g.fail(f"{name} twice in ESEARCH")
        g.sp()
        if name in ("MIN", "MAX"):
            out[name] = g.nz_number()
        elif name == "COUNT":
            out[name] = g.number()
        elif name == "ALL":
            out[name] = g.sequence_set()
        elif name == "MODSEQ":
            out[name] = g.modseq()
        else:
            g.fail(f"unknown ESEARCH return data {name}")
    return out


def _status(g: _Grammar) -> tuple[bytes, dict[str, int]]:
    g.sp()
    name = g.mailbox()
    g.sp()
    atts: dict[str, int] = {}

    def pair() -> None:
        att = g.atom().upper()
        if att not in _STATUS_ATTS or att in atts:
            g.fail(f"unknown or repeated STATUS item {att}")
        g.sp()
        atts[att] = g.number(MAX_MODSEQ if att in ("HIGHESTMODSEQ", "SIZE") else MAX_NUMBER)

    g.paren(pair)
    return name, atts


def _id_pair(g: _Grammar) -> tuple[bytes, bytes | None]:
    name = g.string()
    g.sp()
    value = g.nstring()
    if len(name) > 30 or (value is not None and len(value) > 1024):
        g.fail("ID field over 30 octets or value over 1024 (RFC 2971 3.3)")
    return name, value


def _namespace(g: _Grammar) -> list[Any] | None:
    # Namespace = nil / "(" 1*( "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil)
    # *(Namespace-Response-Extension) ")" ) ")"    (RFC 2342 5, no SP between groups)
    g.sp()
    if g.take(b"NIL"):
        return None
    g.expect(b"(")
    out = []
    while g.take(b"("):
        prefix = g.string()
        g.sp()
        delimiter = None if g.take(b"NIL") else g.quoted()
        while g.take(b" "):
            g.string()
            g.sp()
            g.paren(g.string, least=1)
        g.expect(b")")
        out.append((prefix, delimiter))
    if not out:
        g.fail("a namespace lists at least one prefix")
    g.expect(b")")
    return out


def _quota(g: _Grammar) -> tuple[bytes, list[tuple[str, int, int]]]:
    # quota-response = "QUOTA" SP quota-root-name SP quota-list;
    # quota-list = "(" quota-resource *(SP quota-resource) ")" (RFC 9208 9: one at least)
    g.sp()
    root = g.astring()
    g.sp()

    def resource() -> tuple[str, int, int]:
        name = g.atom()
        g.sp()
        usage = g.number(MAX_MODSEQ)
        g.sp()
        return name, usage, g.number(MAX_MODSEQ)

    return root, g.paren(resource, least=1)
