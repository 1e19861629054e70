"""Rendering IMAP command values to the wire, the way a client might: each string as
an atom, a quoted string or a literal (synchronizing or LITERAL+), keywords in any case,
CRLF or bare LF. The property tests parse what this renders; the tests here pin a few
renderings so that a broken renderer cannot make the round trip vacuous."""

from __future__ import annotations

import random
import re

from mailcore.imap import commands as c
from mailcore.imap.parser import parse
from mailcore.imap.parser.fetch import MACROS

_ASTRING_ATOM = re.compile(r'[^\x00-\x20\x7f-\U0010ffff(){%*"\\]+')
LIST_ATOM = re.compile(r'[^\x00-\x20\x7f-\U0010ffff(){"\\]+')


class Wire:
    """Renders values in a form chosen at random among those the grammar allows."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd

    def string(self, value: str | bytes) -> bytes:
        raw = value.encode() if isinstance(value, str) else value
        if b"\r" not in raw and b"\n" not in raw and self.rnd.random() < 0.6:
            return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
        return self.literal(raw)

    def literal(self, raw: bytes) -> bytes:
        plus = b"+" if self.rnd.random() < 0.5 else b""
        return b"{%d%s}%s%s" % (len(raw), plus, self.eol(), raw)

    def eol(self) -> bytes:
        return b"\r\n" if self.rnd.random() < 0.8 else b"\n"

    def astring(self, value: str, pattern: re.Pattern[str] = _ASTRING_ATOM) -> bytes:
        if pattern.fullmatch(value) and self.rnd.random() < 0.5:
            return value.encode()
        return self.string(value)

    def case(self, word: str) -> bytes:
        return "".join(ch.lower() if self.rnd.random() < 0.3 else ch for ch in word).encode()

    def seq(self, numbers: c.SequenceSet) -> bytes:
        def one(n: int | None) -> bytes:
            return b"*" if n is None else b"%d" % n

        return b",".join(
            one(r.lo) if r.lo == r.hi and r.lo is not None else one(r.lo) + b":" + one(r.hi)
            for r in numbers.ranges
        )

    def parens(self, items: list[bytes]) -> bytes:
        return b"(" + b" ".join(items) + b")"

    def date(self, day) -> bytes:
        text = b"%d-%s-%04d" % (day.day, day.strftime("%b").encode(), day.year)
        return b'"' + text + b'"' if self.rnd.random() < 0.3 else text

    def date_time(self, when) -> bytes:
        offset = int(when.utcoffset().total_seconds()) // 60
        sign = b"-" if offset < 0 else b"+"
        zone = b"%s%02d%02d" % (sign, abs(offset) // 60, abs(offset) % 60)
        day = b"%2d" % when.day if self.rnd.random() < 0.5 else b"%02d" % when.day
        return b'"%s-%s-%04d %02d:%02d:%02d %s"' % (
            day,
            when.strftime("%b").encode(),
            when.year,
            when.hour,
            when.minute,
            when.second,
            zone,
        )


SEARCH_FLAGS = {"\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen"}
_DATE_KEYS = {
    ("internal", "before"): "BEFORE",
    ("internal", "on"): "ON",
    ("internal", "since"): "SINCE",
    ("sent", "before"): "SENTBEFORE",
    ("sent", "on"): "SENTON",
    ("sent", "since"): "SENTSINCE",
}
_STORE_MODES = {"replace": b"", "add": b"+", "remove": b"-"}


def render_key(key: c.SearchKey, w: Wire) -> bytes:
    if isinstance(key, c.SearchAll):
        return w.case("ALL")
    if isinstance(key, c.SearchFlag):
        if key.flag in SEARCH_FLAGS:
            return w.case(("" if key.present else "UN") + key.flag[1:].upper())
        return w.case("KEYWORD" if key.present else "UNKEYWORD") + b" " + key.flag.encode()
    if isinstance(key, c.SearchRecent):
        return w.case("RECENT" if key.present else "OLD")
    if isinstance(key, c.SearchText):
        return w.case(key.field) + b" " + w.astring(key.value)
    if isinstance(key, c.SearchHeader):
        return w.case("HEADER") + b" " + w.astring(key.name) + b" " + w.astring(key.value)
    if isinstance(key, c.SearchDate):
        return w.case(_DATE_KEYS[key.field, key.op]) + b" " + w.date(key.day)
    if isinstance(key, c.SearchSize):
        return w.case(key.op.upper()) + b" %d" % key.size
    if isinstance(key, c.SearchSeq):
        return (w.case("UID ") if key.uid else b"") + w.seq(key.numbers)
    if isinstance(key, c.SearchModSeq):
        entry = b'"/flags/\\\\seen" shared ' if w.rnd.random() < 0.3 else b""
        return w.case("MODSEQ") + b" " + entry + b"%d" % key.modseq
    if isinstance(key, c.SearchNot):
        return w.case("NOT") + b" " + render_key(key.key, w)
    if isinstance(key, c.SearchOr):
        return w.case("OR") + b" " + render_key(key.left, w) + b" " + render_key(key.right, w)
    assert isinstance(key, c.SearchAnd)
    return w.parens([render_key(k, w) for k in key.keys])


def render_att(att: c.FetchAtt, w: Wire) -> bytes:
    s = att.section
    if s is None:
        return w.case(att.name)
    spec = ".".join(str(n) for n in s.part)
    if s.part and s.text:
        spec += "."
    out = w.case(("BODY.PEEK" if s.peek else "BODY") + "[" + spec + s.text)
    if s.fields:
        out += b" " + w.parens([w.astring(f) for f in s.fields])
    out += b"]"
    if s.partial:
        out += b"<%d.%d>" % s.partial
    return out


def render_body(cmd: c.Command, w: Wire) -> bytes:
    uid = w.case("UID ") if getattr(cmd, "uid", False) is True else b""
    if isinstance(cmd, c.Id):
        if cmd.params is None:
            return b"ID NIL"
        pairs = [w.string(f) + b" " + (b"NIL" if v is None else w.string(v)) for f, v in cmd.params]
        return b"ID " + w.parens(pairs)
    if isinstance(cmd, c.Enable):
        return b"ENABLE " + b" ".join(w.case(n) for n in cmd.capabilities)
    if isinstance(cmd, c.Authenticate):
        ir = b"" if cmd.initial_response is None else b" " + cmd.initial_response.encode()
        return w.case("AUTHENTICATE " + cmd.mechanism) + ir
    if isinstance(cmd, c.Login):
        return b"LOGIN " + w.astring(cmd.username) + b" " + w.astring(cmd.password)
    if isinstance(cmd, c.Select):
        params = b" (CONDSTORE)" if cmd.condstore else b""
        name = "EXAMINE " if cmd.readonly else "SELECT "
        return w.case(name) + w.astring(cmd.mailbox) + params
    if isinstance(cmd, c.Create):
        uses = b""
        if cmd.special_use or w.rnd.random() < 0.2:
            uses = b" (USE " + w.parens([u.encode() for u in cmd.special_use]) + b")"
        return b"CREATE " + w.astring(cmd.mailbox) + uses
    if isinstance(cmd, c.Rename):
        return b"RENAME " + w.astring(cmd.old) + b" " + w.astring(cmd.new)
    if isinstance(cmd, c.List):
        out = b"LIST "
        if cmd.extended:
            out += w.parens([w.case(o) for o in cmd.selection]) + b" "
        out += w.astring(cmd.reference) + b" "
        if len(cmd.patterns) > 1 or (cmd.extended and w.rnd.random() < 0.5):
            out += w.parens([w.astring(p, LIST_ATOM) for p in cmd.patterns])
        else:
            out += w.astring(cmd.patterns[0], LIST_ATOM)
        if cmd.returns or (cmd.extended and w.rnd.random() < 0.5):
            out += b" RETURN " + w.parens([w.case(o) for o in cmd.returns])
        return out
    if isinstance(cmd, c.Lsub):
        return b"LSUB " + w.astring(cmd.reference) + b" " + w.astring(cmd.pattern, LIST_ATOM)
    if isinstance(cmd, c.Status):
        return b"STATUS " + w.astring(cmd.mailbox) + b" " + w.parens([w.case(i) for i in cmd.items])
    if isinstance(cmd, c.Append):
        out = b"APPEND " + w.astring(cmd.mailbox)
        if cmd.flags or w.rnd.random() < 0.3:
            out += b" " + w.parens([f.encode() for f in cmd.flags])
        if cmd.internal_date:
            out += b" " + w.date_time(cmd.internal_date)
        return out + b" " + w.literal(cmd.message)
    if isinstance(cmd, c.GetQuota):
        return b"GETQUOTA " + w.astring(cmd.root)
    if isinstance(cmd, c.SetQuota):
        limits = [w.case(n) + b" %d" % v for n, v in cmd.limits]
        return b"SETQUOTA " + w.astring(cmd.root) + b" " + w.parens(limits)
    if isinstance(cmd, c.Expunge) and cmd.uids is not None:
        return w.case("UID EXPUNGE ") + w.seq(cmd.uids)
    if isinstance(cmd, c.Search):
        out = uid + w.case("SEARCH")
        if cmd.returns:
            out += b" RETURN " + w.parens([w.case(o) for o in cmd.returns])
        if cmd.charset:
            out += b" CHARSET " + w.astring(cmd.charset)
        keys = cmd.key.keys if isinstance(cmd.key, c.SearchAnd) else (cmd.key,)
        return out + b" " + b" ".join(render_key(k, w) for k in keys)
    if isinstance(cmd, c.Fetch):
        names = tuple(a.name for a in cmd.items)
        macro = [m for m, expansion in MACROS.items() if expansion == names]
        if macro and w.rnd.random() < 0.7:
            items = w.case(macro[0])
        elif len(cmd.items) == 1 and w.rnd.random() < 0.5:
            items = render_att(cmd.items[0], w)
        else:
            items = w.parens([render_att(a, w) for a in cmd.items])
        since = b"" if cmd.changed_since is None else b" (CHANGEDSINCE %d)" % cmd.changed_since
        return uid + w.case("FETCH ") + w.seq(cmd.numbers) + b" " + items + since
    if isinstance(cmd, c.Store):
        out = uid + w.case("STORE ") + w.seq(cmd.numbers) + b" "
        if cmd.unchanged_since is not None:
            out += b"(UNCHANGEDSINCE %d) " % cmd.unchanged_since
        out += _STORE_MODES[cmd.mode] + w.case("FLAGS" + (".SILENT" if cmd.silent else "")) + b" "
        flag_bytes = [f.encode() for f in cmd.flags]
        if flag_bytes and w.rnd.random() < 0.5:
            return out + b" ".join(flag_bytes)
        return out + w.parens(flag_bytes)
    if isinstance(cmd, c.Copy | c.Move):
        verb = "MOVE " if isinstance(cmd, c.Move) else "COPY "
        return uid + w.case(verb) + w.seq(cmd.numbers) + b" " + w.astring(cmd.mailbox)
    name = type(cmd).__name__.upper()
    if isinstance(cmd, c.Delete | c.Subscribe | c.Unsubscribe | c.GetQuotaRoot):
        return w.case(name) + b" " + w.astring(cmd.mailbox)
    return w.case(name)


def render(cmd: c.Command, w: Wire) -> bytes:
    return cmd.tag.encode() + b" " + render_body(cmd, w) + w.eol()


class Fixed(random.Random):
    """Every choice the same way: 0.95 picks literals, bare LF and upper case."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_renderings():
    wire = Wire(Fixed(0.95))
    assert wire.astring("a b") == b"{3}\na b"
    assert render(c.Login("t", "al", ""), wire) == b"t LOGIN {2}\nal {0}\n\n"
    wire = Wire(Fixed(0.1))
    assert wire.string('q"\\') == b'"q\\"\\\\"'
    assert wire.literal(b"x") == b"{1+}\r\nx"
    assert wire.case("LOGIN") == b"login"


def test_renderings_parse_back():
    command = c.Search("t", c.SearchOr(c.SearchText("TO", "x y"), c.SearchNot(c.SearchAll())))
    for seed in range(50):
        assert parse(render(command, Wire(random.Random(seed)))) == command
