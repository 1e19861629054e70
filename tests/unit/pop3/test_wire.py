"""The wire form of a message: CRLF line endings, byte-stuffing, TOP, and octet counts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailcore.pop3.wire import dot_stuff, top, wire_form, wire_size


def unstuff(data: bytes) -> bytes:
    """What a client (poplib) does: drop the terminator, then one leading dot per line."""
    assert data.endswith(b".\r\n")
    lines = data[:-3].split(b"\r\n")
    return b"\r\n".join(line[1:] if line.startswith(b".") else line for line in lines)


def test_bare_lf_becomes_crlf_and_the_count_follows():
    raw = b"Subject: x\n\nline one\nline two\n"
    assert wire_form(raw) == b"Subject: x\r\n\r\nline one\r\nline two\r\n"
    assert wire_size(raw) == len(raw) + 4


def test_crlf_is_kept_and_a_missing_final_newline_is_added():
    assert wire_form(b"A: b\r\n\r\nbody\r\n") == b"A: b\r\n\r\nbody\r\n"
    assert wire_form(b"A: b\r\n\r\nbody") == b"A: b\r\n\r\nbody\r\n"
    assert wire_form(b"") == b""


def test_lines_starting_with_a_dot_are_stuffed():
    wire = b".first\r\nmiddle\r\n.\r\n..two\r\n"
    assert dot_stuff(wire) == b"..first\r\nmiddle\r\n..\r\n...two\r\n.\r\n"
    assert unstuff(dot_stuff(wire)) == wire


def test_top_returns_header_blank_line_and_n_body_lines():
    wire = b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\nthree\r\n"
    assert top(wire, 0) == b"A: 1\r\nB: 2\r\n\r\n"
    assert top(wire, 2) == b"A: 1\r\nB: 2\r\n\r\none\r\ntwo\r\n"
    assert top(wire, 99) == wire
    assert top(b"A: 1\r\n", 5) == b"A: 1\r\n"
    assert top(b"\r\nbody\r\n", 0) == b"\r\n"


@given(st.binary(max_size=500))
def test_stuffing_round_trips_and_the_count_is_what_is_sent(raw):
    wire = wire_form(raw)
    assert len(wire) == wire_size(raw)
    assert b"\n" not in wire.replace(b"\r\n", b"")
    if wire:
        assert unstuff(dot_stuff(wire)) == wire
