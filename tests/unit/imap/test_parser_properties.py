"""Property-based tests of the IMAP parser: for any input it returns a command or raises
ParseError (random bytes, soups of grammar tokens, valid commands cut and mutated), and
every command value it can produce survives rendering to the wire and parsing back,
whatever string forms (atom, quoted, literal, LITERAL+) and line endings the client
picks. The framing half is exercised too: the rendered commands, fed to the assembler in
random chunks, come back whole."""

from __future__ import annotations

import base64
import random
import re
from datetime import UTC, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcore.imap import commands as c
from mailcore.imap.parser import CommandAssembler, Complete, parse, tag_of
from mailcore.imap.parser.fetch import MACROS, SIMPLE_ATTS
from mailcore.imap.parser.lexer import SYSTEM_FLAGS
from mailcore.imap.parser.mailbox import LIST_RETURN, LIST_SELECTION, STATUS_ITEMS
from mailcore.imap.parser.search import RETURN_OPTIONS

MAX32 = 2**32 - 1
MAX63 = 2**63 - 1
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies for the grammar's pieces ----------------------------------------------

ATOM_CHARS = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '(){%*"\\]')
_ASTRING_ATOM = re.compile(r'[^\x00-\x20\x7f-\U0010ffff(){%*"\\]+')
_LIST_ATOM = re.compile(r'[^\x00-\x20\x7f-\U0010ffff(){"\\]+')

atoms = st.text(ATOM_CHARS, min_size=1, max_size=12)
tags = st.text(ATOM_CHARS.replace("+", "") + "]", min_size=1, max_size=8)
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=16)
ascii_texts = st.text(st.characters(max_codepoint=0x7F, exclude_characters="\x00"), max_size=16)
mailboxes = texts.map(lambda s: "INBOX" if s.upper() == "INBOX" else s)
numbers32 = st.integers(1, MAX32)
keywords = atoms.filter(lambda a: not a.startswith("\\"))
flags = (
    st.sampled_from(sorted(set(SYSTEM_FLAGS.values())))
    | keywords
    | atoms.map(lambda a: SYSTEM_FLAGS.get("\\" + a.upper(), "\\" + a))
)
seq_numbers = st.none() | numbers32
sequence_sets = st.lists(
    st.one_of(
        numbers32.map(lambda n: c.SeqRange(n, n)), st.builds(c.SeqRange, seq_numbers, seq_numbers)
    ),
    min_size=1,
    max_size=5,
).map(lambda ranges: c.SequenceSet(tuple(ranges)))
dates = st.dates()
zones = st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m)) if m else UTC)
date_times = st.builds(lambda d, z: d.replace(microsecond=0, tzinfo=z), st.datetimes(), zones)
field_names = st.text(
    "".join(chr(i) for i in range(0x21, 0x7F) if i != 0x3A), min_size=1, max_size=10
)

# --- rendering command values to the wire ---------------------------------------------


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


_SEARCH_FLAGS = {"\\Answered", "\\Deleted", "\\Draft", "\\Flagged", "\\Seen"}
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
        if key.flag in _SEARCH_FLAGS:
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
            out += w.parens([w.astring(p, _LIST_ATOM) for p in cmd.patterns])
        else:
            out += w.astring(cmd.patterns[0], _LIST_ATOM)
        if cmd.returns or (cmd.extended and w.rnd.random() < 0.5):
            out += b" RETURN " + w.parens([w.case(o) for o in cmd.returns])
        return out
    if isinstance(cmd, c.Lsub):
        return b"LSUB " + w.astring(cmd.reference) + b" " + w.astring(cmd.pattern, _LIST_ATOM)
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


# --- strategies for whole commands ----------------------------------------------------


def _depth(key: c.SearchKey) -> int:
    if isinstance(key, c.SearchNot):
        return 1 + _depth(key.key)
    if isinstance(key, c.SearchOr):
        return 1 + max(_depth(key.left), _depth(key.right))
    if isinstance(key, c.SearchAnd):
        return 1 + max(_depth(k) for k in key.keys)
    return 0


def _texts_of(key: c.SearchKey) -> list[str]:
    if isinstance(key, c.SearchText):
        return [key.value]
    if isinstance(key, c.SearchHeader):
        return [key.value]
    if isinstance(key, c.SearchNot):
        return _texts_of(key.key)
    if isinstance(key, c.SearchOr):
        return _texts_of(key.left) + _texts_of(key.right)
    if isinstance(key, c.SearchAnd):
        return [t for k in key.keys for t in _texts_of(k)]
    return []


search_leaves = st.one_of(
    st.just(c.SearchAll()),
    st.builds(c.SearchFlag, st.sampled_from(sorted(_SEARCH_FLAGS)) | keywords, st.booleans()),
    st.builds(c.SearchRecent, st.booleans()),
    st.builds(
        c.SearchText, st.sampled_from(["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"]), texts
    ),
    st.builds(c.SearchHeader, ascii_texts, texts),
    st.builds(
        c.SearchDate,
        st.sampled_from(["internal", "sent"]),
        st.sampled_from(["before", "on", "since"]),
        dates,
    ),
    st.builds(c.SearchSize, st.sampled_from(["larger", "smaller"]), st.integers(0, MAX32)),
    st.builds(c.SearchSeq, sequence_sets, st.booleans()),
    st.builds(c.SearchModSeq, st.integers(0, MAX63)),
)
search_keys = st.recursive(
    search_leaves,
    lambda inner: st.one_of(
        st.builds(c.SearchNot, inner),
        st.builds(c.SearchOr, inner, inner),
        st.lists(inner, min_size=2, max_size=4).map(lambda keys: c.SearchAnd(tuple(keys))),
    ),
    max_leaves=10,
).filter(lambda key: _depth(key) < 30)


@st.composite
def searches(draw, tag):
    key = draw(search_keys)
    ascii_only = all(t.isascii() for t in _texts_of(key))
    charset = draw(st.sampled_from([None, "UTF-8", *(["US-ASCII"] if ascii_only else [])]))
    returns = draw(
        st.none() | st.lists(st.sampled_from(sorted(RETURN_OPTIONS)), min_size=1, max_size=4)
    )
    return c.Search(
        tag, key, charset, draw(st.booleans()), None if returns is None else tuple(returns)
    )


def _section(part, text, fields, partial, peek):
    if text == "MIME" and not part:
        part = [1]
    if not text.startswith("HEADER.FIELDS"):
        fields = []
    return c.BodySection(tuple(part), text, tuple(fields), partial, peek)


sections = st.builds(
    _section,
    st.lists(numbers32, max_size=4),
    st.sampled_from(["", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"]),
    st.lists(field_names, min_size=1, max_size=3),
    st.none() | st.tuples(st.integers(0, MAX32), numbers32),
    st.booleans(),
)
fetch_atts = st.sampled_from(sorted(SIMPLE_ATTS)).map(c.FetchAtt) | sections.map(
    lambda s: c.FetchAtt("BODY[]", s)
)


@st.composite
def lists(draw, tag):
    reference = draw(texts)
    patterns = st.text("ab/%*]", min_size=1, max_size=6) | texts
    if not draw(st.booleans()):
        return c.List(tag, reference, (draw(patterns),))
    selection = draw(st.frozensets(st.sampled_from(sorted(LIST_SELECTION))))
    if "RECURSIVEMATCH" in selection and not selection - {"RECURSIVEMATCH", "REMOTE"}:
        selection |= {"SUBSCRIBED"}
    returns = draw(st.frozensets(st.sampled_from(sorted(LIST_RETURN))))
    found = tuple(draw(st.lists(patterns, min_size=1, max_size=3)))
    return c.List(tag, reference, found, selection, returns, True)


def commands_with(tag):
    upper_atoms = atoms.map(str.upper)
    flag_tuples = st.lists(flags, max_size=4).map(tuple)
    base64_texts = st.binary(min_size=1, max_size=24).map(lambda b: base64.b64encode(b).decode())
    simple = [
        c.Capability,
        c.Noop,
        c.Logout,
        c.StartTLS,
        c.Namespace,
        c.Idle,
        c.Check,
        c.Close,
        c.Unselect,
        c.Expunge,
    ]
    return st.one_of(
        st.sampled_from(simple).map(lambda cls: cls(tag)),
        st.builds(
            c.Id,
            st.just(tag),
            st.none() | st.lists(st.tuples(texts, st.none() | texts), max_size=4).map(tuple),
        ),
        st.builds(c.Enable, st.just(tag), st.lists(upper_atoms, min_size=1, max_size=3).map(tuple)),
        st.builds(
            c.Authenticate, st.just(tag), upper_atoms, st.none() | st.just("=") | base64_texts
        ),
        st.builds(c.Login, st.just(tag), texts, texts),
        st.builds(c.Select, st.just(tag), mailboxes, st.booleans(), st.booleans()),
        st.builds(
            c.Create,
            st.just(tag),
            mailboxes,
            st.lists(st.sampled_from(["\\All", "\\Drafts", "\\Junk", "\\Other"]), max_size=3).map(
                tuple
            ),
        ),
        st.builds(c.Delete, st.just(tag), mailboxes),
        st.builds(c.Rename, st.just(tag), mailboxes, mailboxes),
        st.builds(c.Subscribe, st.just(tag), mailboxes),
        st.builds(c.Unsubscribe, st.just(tag), mailboxes),
        lists(tag),
        st.builds(c.Lsub, st.just(tag), texts, st.text("ab/%*]", min_size=1, max_size=6) | texts),
        st.builds(
            c.Status,
            st.just(tag),
            mailboxes,
            st.lists(st.sampled_from(sorted(STATUS_ITEMS)), min_size=1, max_size=4).map(tuple),
        ),
        st.builds(
            c.Append,
            st.just(tag),
            mailboxes,
            st.binary(max_size=40).map(lambda b: b.replace(b"\x00", b"0")),
            flag_tuples,
            st.none() | date_times,
        ),
        st.builds(c.GetQuota, st.just(tag), texts),
        st.builds(c.GetQuotaRoot, st.just(tag), mailboxes),
        st.builds(
            c.SetQuota,
            st.just(tag),
            texts,
            st.lists(st.tuples(upper_atoms, st.integers(0, MAX63)), max_size=3).map(tuple),
        ),
        st.builds(c.Expunge, st.just(tag), sequence_sets),
        searches(tag),
        st.builds(
            c.Fetch,
            st.just(tag),
            sequence_sets,
            st.lists(fetch_atts, min_size=1, max_size=4).map(tuple),
            st.booleans(),
            st.none() | st.integers(1, MAX63),
        ),
        st.builds(
            c.Store,
            st.just(tag),
            sequence_sets,
            st.sampled_from(["replace", "add", "remove"]),
            flag_tuples,
            st.booleans(),
            st.booleans(),
            st.none() | st.integers(0, MAX63),
        ),
        st.builds(c.Copy, st.just(tag), sequence_sets, mailboxes, st.booleans()),
        st.builds(c.Move, st.just(tag), sequence_sets, mailboxes, st.booleans()),
    )


commands = tags.flatmap(commands_with)


# --- the properties -------------------------------------------------------------------


@SETTINGS
@given(commands, st.randoms(use_true_random=False))
def test_round_trip(command, rnd):
    data = render(command, Wire(rnd))
    assert parse(data) == command


@settings(SETTINGS, max_examples=100)
@given(st.lists(commands, min_size=1, max_size=4), st.randoms(use_true_random=False), st.data())
def test_assembler_frames_rendered_commands(cmds, rnd, data):
    wire = Wire(rnd)
    rendered = [render(cmd, wire) for cmd in cmds]
    stream = b"".join(rendered)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assembler = CommandAssembler(max_line=1 << 16, max_literal=1 << 16)
    events = [e for chunk in chunks for e in assembler.feed(chunk)]
    complete = [e.data for e in events if isinstance(e, Complete)]
    assert complete == rendered
    assert [parse(d) for d in complete] == cmds
    sync = sum(len(re.findall(rb"\{[0-9]+\}\r?\n", r)) for r in rendered)
    assert len(events) - len(complete) <= sync  # continuations only for {n}, never {n+}


def check_total(data: bytes) -> None:
    """parse returns a command or raises ParseError whose tag is the command's tag and
    whose text can go on the wire as it is."""
    try:
        command = parse(data)
    except c.ParseError as error:
        assert error.tag is None or error.tag == tag_of(data)
        assert error.text.isascii() and error.text.isprintable()
    else:
        assert isinstance(command, c.Command)
        assert command.tag == tag_of(data)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes(data):
    check_total(data)


TOKENS = [
    b" ",
    b"  ",
    b"\r\n",
    b"\n",
    b"\r",
    b"(",
    b")",
    b"[",
    b"]",
    b"<",
    b">",
    b".",
    b"{",
    b"}",
    b'"',
    b"\\",
    b"*",
    b"%",
    b"+",
    b"-",
    b":",
    b",",
    b"$",
    b"~",
    b"~{3}\r\nabc",
    b"\x00",
    b"\xff",
    b"\xc3\xa4",
    b"0",
    b"1",
    b"4294967295",
    b"4294967296",
    b"99999999999999999999",
    b"NIL",
    b"UID",
    b"{0}\r\n",
    b"{3}\r\nabc",
    b"{3+}\r\nabc",
    b"{5}\r\n",
    b"{99}\r\n",
    b'"quoted"',
    b'"esc\\"aped"',
    b'"open',
    b"1:*",
    b"1,2:4",
    b"*:3",
    b"1-Feb-1994",
    b'"01-Feb-1994 12:00:00 +0100"',
    b"\\Seen",
    b"\\Draft",
    b"$Junk",
    b"(\\Seen)",
    b"BODY[",
    b"BODY.PEEK[",
    b"HEADER.FIELDS",
    b"HEADER.FIELDS.NOT",
    b"MIME",
    b"TEXT",
    b"HEADER",
    b"1.2.3",
    b"<0.10>",
    b"(CHANGEDSINCE 1)",
    b"(UNCHANGEDSINCE 0)",
    b"CHARSET",
    b"UTF-8",
    b"RETURN",
    b"(MIN MAX)",
    b"OR",
    b"NOT",
    b"MODSEQ",
    b'"/flags/\\\\seen"',
    b"priv",
    b"+FLAGS.SILENT",
    b"FLAGS",
    b"-FLAGS",
    b"(CONDSTORE)",
    b"(USE (\\Drafts))",
    b"(SUBSCRIBED)",
    b"(CHILDREN)",
    b"INBOX",
    b"=",
    b"AGFsaWNl",
    *(
        name.encode()
        for name in [
            "CAPABILITY",
            "NOOP",
            "LOGOUT",
            "ID",
            "ENABLE",
            "STARTTLS",
            "AUTHENTICATE",
            "LOGIN",
            "SELECT",
            "EXAMINE",
            "CREATE",
            "DELETE",
            "RENAME",
            "SUBSCRIBE",
            "UNSUBSCRIBE",
            "LIST",
            "LSUB",
            "NAMESPACE",
            "STATUS",
            "APPEND",
            "GETQUOTA",
            "GETQUOTAROOT",
            "SETQUOTA",
            "IDLE",
            "CHECK",
            "CLOSE",
            "UNSELECT",
            "EXPUNGE",
            "SEARCH",
            "FETCH",
            "STORE",
            "COPY",
            "MOVE",
            "ALL",
            "FAST",
            "FULL",
            "ENVELOPE",
            "BODYSTRUCTURE",
            "RFC822.SIZE",
            "INTERNALDATE",
            "SEEN",
            "UNSEEN",
            "NEW",
            "OLD",
            "RECENT",
            "KEYWORD",
            "HEADER",
            "LARGER",
            "SMALLER",
            "BEFORE",
            "SINCE",
            "SENTON",
            "FROM",
            "SUBJECT",
            "MESSAGES",
        ]
    ),
]
token_soups = st.builds(
    lambda tag, tokens: tag + b"".join(tokens),
    st.sampled_from([b"", b"a1 ", b"a1 UID ", b"+ ", b"* "]),
    st.lists(st.sampled_from(TOKENS) | atoms.map(str.encode), max_size=30),
)


@settings(max_examples=2000, deadline=None)
@given(token_soups)
def test_token_soups(data):
    check_total(data)


@st.composite
def mutated_commands(draw):
    data = bytearray(render(draw(commands), Wire(draw(st.randoms(use_true_random=False)))))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["delete", "insert", "replace", "truncate", "repeat"]))
        if kind == "delete":
            del data[at : at + draw(st.integers(1, 4))]
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=3))
        elif kind == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 8))]
    return bytes(data)


@settings(SETTINGS, max_examples=600)
@given(mutated_commands())
def test_mutated_commands(data):
    check_total(data)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(TOKENS) | st.binary(max_size=8), max_size=40), st.data())
def test_assembler_is_total_and_chunking_does_not_matter(pieces, data):
    stream = b"".join(pieces)
    whole = CommandAssembler(max_line=40, max_literal=20, max_discard=60).feed(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    assembler = CommandAssembler(max_line=40, max_literal=20, max_discard=60)
    chunked = [
        e
        for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)
        for e in assembler.feed(stream[a:b])
    ]
    assert chunked == whole
    for event in whole:
        if isinstance(event, Complete):
            assert event.data.endswith(b"\n")
            check_total(event.data)
