"""Property tests: summarize never raises, offsets stay consistent, the JSON form round-trips."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mime_test_support import all_parts, check_offsets, corpus_files

from mailcore.mime import BodyPart, MessageSummary, iter_parts, section_slice, summarize
from mailcore.mime.structure import MAX_DEPTH
from mailcore.mime.summary import _summarize

CORPUS = [p.read_bytes() for p in corpus_files()]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments that steer random input towards the interesting corners of the parser.
FRAGMENTS = [
    b"\r\n",
    b"\n",
    b"\r\n\r\n",
    b"--b\r\n",
    b"--b--\r\n",
    b"--",
    b":",
    b";",
    b"\x00",
    b"\xff",
    b"Content-Type: multipart/mixed; boundary=b\r\n",
    b"Content-Type: message/rfc822\r\n",
    b"Content-Type: text/plain; charset=utf-7\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"Content-Disposition: attachment; filename*0*=x''%FF; filename*1=\"a\r\n",
    b"Subject: =?utf-8?B?8J+Y?= =?bogus?Q?=FF=?=\r\n",
    b'From: "a\\" (b <c@d>, e:f@g;, <@x,@y:z@w>\r\n',
    b"=?",
    b"?=",
    b"<",
    b">",
    b'"',
    b"(",
]


def assert_consistent(raw: bytes) -> MessageSummary:
    # summarize() has a last-resort catch-all; the real work must not need it.
    summary = _summarize(raw)
    assert summarize(raw) == summary
    check_offsets(summary, raw)
    data = summary.to_dict()
    text = json.dumps(data)
    assert MessageSummary.from_dict(json.loads(text)) == summary
    assert "\\u0000" not in text  # Postgres jsonb rejects NUL; every string is cleaned
    for number, part in iter_parts(summary.body):
        assert section_slice(summary, raw, number) == raw[part.body_start : part.body_end]
    for attachment in summary.attachments:
        assert section_slice(summary, raw, attachment.section) is not None
    assert len(summary.preview) <= 200
    assert len(summary.search_text.encode("utf-8")) <= 256 * 1024
    return summary


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(raw: bytes) -> None:
    assert_consistent(raw)


@SETTINGS
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=20)), max_size=60))
def test_fragment_soup(chunks: list[bytes]) -> None:
    assert_consistent(b"".join(chunks))


@st.composite
def mutated_corpus(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        pos = draw(st.integers(0, len(raw)))
        if kind == "flip" and pos < len(raw):
            raw[pos] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del raw[pos:]
        elif kind == "insert":
            piece = draw(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=30)))
            raw[pos:pos] = piece
        elif kind == "delete":
            del raw[pos : pos + draw(st.integers(1, 50))]
    return bytes(raw)


@SETTINGS
@given(mutated_corpus())
def test_mutated_corpus(raw: bytes) -> None:
    assert_consistent(raw)


def _nested(depth: int, kinds: list[str]) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nleaf\r\n"
    for level in range(depth):
        kind = kinds[level % len(kinds)]
        if kind == "message":
            body = b"Content-Type: message/rfc822\r\n\r\nSubject: level\r\n" + body
        else:
            b = f"b{level}".encode()
            body = (
                b"Content-Type: multipart/mixed; boundary="
                + b
                + b"\r\n\r\n--"
                + b
                + b"\r\n"
                + body
                + b"\r\n--"
                + b
                + b"--\r\n"
            )
    return b"From: deep@example.com\r\n" + body


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 200), st.lists(st.sampled_from(["multipart", "message"]), min_size=1, max_size=4)
)
def test_deep_nesting_is_capped(depth: int, kinds: list[str]) -> None:
    raw = _nested(depth, kinds)
    summary = assert_consistent(raw)

    def max_depth(part: BodyPart, level: int = 0) -> int:
        nested = [max_depth(c, level + 1) for c in part.parts]
        if part.message is not None:
            nested.append(max_depth(part.message.body, level + 1))
        return max([level, *nested])

    assert max_depth(summary.body) <= MAX_DEPTH
    assert sum(1 for _ in all_parts(summary.body)) <= 2 * MAX_DEPTH + 2


def test_many_parts_are_bounded() -> None:
    parts = b"".join(b"--x\r\n\r\np\r\n" for _ in range(20000))
    raw = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n" + parts + b"--x--\r\n"
    summary = assert_consistent(raw)
    assert 1 <= len(summary.body.parts) <= 5000


def test_non_bytes_input_does_not_raise() -> None:
    assert summarize(bytearray(b"Subject: x\r\n\r\nbody")).subject == "x"
    assert summarize(memoryview(b"")).size == 0
    assert summarize(None).size == 0  # type: ignore[arg-type]
