"""Property-based tests of the IMAP parser: for any input it returns a command or raises
ParseError (random bytes, soups of grammar tokens, valid commands cut and mutated), and
every command value it can produce survives rendering to the wire and parsing back,
whatever string forms (atom, quoted, literal, LITERAL+) and line endings the client
picks. The framing half is exercised too: the rendered commands, fed to the assembler in
random chunks, come back whole."""

from __future__ import annotations

import base64
import re
from datetime import UTC, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcore.imap import commands as c
from mailcore.imap.parser import CommandAssembler, Complete, parse, tag_of
from mailcore.imap.parser.fetch import SIMPLE_ATTS
from mailcore.imap.parser.lexer import SYSTEM_FLAGS
from mailcore.imap.parser.mailbox import LIST_RETURN, LIST_SELECTION, STATUS_ITEMS
from mailcore.imap.parser.search import RETURN_OPTIONS

from .test_parser_render import SEARCH_FLAGS, Wire, render

MAX32 = 2**32 - 1
MAX63 = 2**63 - 1
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies for the grammar's pieces ----------------------------------------------

ATOM_CHARS = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '(){%*"\\]')

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
    st.builds(c.SearchFlag, st.sampled_from(sorted(SEARCH_FLAGS)) | keywords, st.booleans()),
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


# fmt: off
PUNCTUATION = [
    b" ", b"  ", b"\r\n", b"\n", b"\r", b"(", b")", b"[", b"]", b"<", b">", b".", b"{", b"}",
    b'"', b"\\", b"*", b"%", b"+", b"-", b":", b",", b"$", b"~", b"=", b"\x00", b"\xff",
    b"\xc3\xa4",
]
# fmt: on
WORDS = re.findall(
    rb"\S+",
    rb"""0 1 4294967295 4294967296 99999999999999999999 NIL UID {0}\r\n {3}\r\nabc
    {3+}\r\nabc {5}\r\n {99}\r\n ~{3}\r\nabc "quoted" "esc\"aped" "open 1:* 1,2:4 *:3
    1-Feb-1994 \Seen \Draft $Junk (\Seen) BODY[ BODY.PEEK[ HEADER.FIELDS HEADER.FIELDS.NOT
    MIME TEXT HEADER 1.2.3 <0.10> CHANGEDSINCE UNCHANGEDSINCE CHARSET UTF-8 RETURN (MIN
    MAX) OR NOT MODSEQ "/flags/\\seen" priv +FLAGS.SILENT FLAGS -FLAGS (CONDSTORE) USE
    (\Drafts) (SUBSCRIBED) (CHILDREN) INBOX AGFsaWNl CAPABILITY NOOP LOGOUT ID ENABLE
    STARTTLS AUTHENTICATE LOGIN SELECT EXAMINE CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE
    LIST LSUB NAMESPACE STATUS APPEND GETQUOTA GETQUOTAROOT SETQUOTA IDLE CHECK CLOSE
    UNSELECT EXPUNGE SEARCH FETCH STORE COPY MOVE ALL FAST FULL ENVELOPE BODYSTRUCTURE
    RFC822.SIZE INTERNALDATE SEEN UNSEEN NEW OLD RECENT KEYWORD LARGER SMALLER BEFORE
    SINCE SENTON FROM SUBJECT MESSAGES""",
)
TOKENS = [
    *PUNCTUATION,
    *(w.replace(rb"\r\n", b"\r\n") for w in WORDS),
    b'"01-Feb-1994 12:00:00 +0100"',
    b"(CHANGEDSINCE 1)",
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
