"""The IMAP command assembler: framing of lines and literals, continuation requests, and
the limits, with the stream split at every byte."""

from __future__ import annotations

import pytest

from mailcore.imap import commands as c
from mailcore.imap.parser import (
    CommandAssembler,
    Complete,
    LineTooLong,
    TooLarge,
    literal_request,
    parse,
)

SYNC = c.LiteralRequest


def feed_all(assembler, *chunks):
    events = []
    for chunk in chunks:
        events.extend(assembler.feed(chunk))
    return events


def assembler(max_line=100, max_literal=50, **kwargs):
    return CommandAssembler(max_line=max_line, max_literal=max_literal, **kwargs)


STREAM = (
    b"a1 NOOP\r\n"
    b"a2 LOGIN {5}\r\nalice {3+}\r\npw!\r\n"
    b'a3 LIST "" "{5}\r\n'  # an unterminated quote: no literal, the parser says BAD
    b"a4 APPEND INBOX (\\Seen) {12}\r\nHello\r\nWorld\r\n"
    b"a5 SELECT INBOX\n"
    b"a6 LOGIN {0}\r\n {0+}\r\n\r\n"
)
EVENTS = [
    Complete(b"a1 NOOP\r\n"),
    SYNC(5, False),
    Complete(b"a2 LOGIN {5}\r\nalice {3+}\r\npw!\r\n"),
    Complete(b'a3 LIST "" "{5}\r\n'),
    SYNC(12, False),
    Complete(b"a4 APPEND INBOX (\\Seen) {12}\r\nHello\r\nWorld\r\n"),
    Complete(b"a5 SELECT INBOX\n"),
    SYNC(0, False),
    Complete(b"a6 LOGIN {0}\r\n {0+}\r\n\r\n"),
]


def test_events_of_a_stream():
    assert assembler().feed(STREAM) == EVENTS


def test_split_at_every_byte():
    for cut in range(len(STREAM) + 1):
        assert feed_all(assembler(), STREAM[:cut], STREAM[cut:]) == EVENTS, cut
    for first in range(0, len(STREAM), 7):
        for second in range(first, len(STREAM), 5):
            chunks = STREAM[:first], STREAM[first:second], STREAM[second:]
            assert feed_all(assembler(), *chunks) == EVENTS


def test_one_byte_at_a_time_and_parsed():
    a = assembler()
    events = feed_all(a, *(STREAM[i : i + 1] for i in range(len(STREAM))))
    assert events == EVENTS
    assert a.buffered() == 0
    commands = []
    for event in events:
        if isinstance(event, Complete):
            try:
                commands.append(parse(event.data))
            except c.ParseError as error:
                commands.append(error)
    assert commands == [
        c.Noop("a1"),
        c.Login("a2", "alice", "pw!"),
        c.ParseError("a3", "expected a quoted string"),
        c.Append("a4", "INBOX", b"Hello\r\nWorld", ("\\Seen",)),
        c.Select("a5", "INBOX"),
        c.Login("a6", "", ""),
    ]


@pytest.mark.parametrize(
    ("line", "announced"),
    [
        (b"a LOGIN {5}\r\n", SYNC(5, False)),
        (b"a LOGIN {5+}\r\n", SYNC(5, True)),
        (b"a LOGIN {5}\n", SYNC(5, False)),
        (b"a LOGIN {0}\r\n", SYNC(0, False)),
        (b"a LOGIN x{5}\r\n", SYNC(5, False)),  # framing errs on the side of a literal
        (b'a LOGIN "x" {5}\r\n', SYNC(5, False)),
        (b'a LOGIN "x\\"" {5}\r\n', SYNC(5, False)),
        (b'a LOGIN "x\\\\" {5}\r\n', SYNC(5, False)),
        (b'a LOGIN "{5}\r\n', None),
        (b'a LOGIN "x\\" {5}\r\n', None),  # the escaped quote leaves the string open
        (b'a LOGIN "a" "b {5}\r\n', None),
        (b"a LOGIN ~{5}\r\n", None),
        (b"a LOGIN ~{5+}\r\n", None),
        (b"a LOGIN {5}x\r\n", None),
        (b"a LOGIN {5} \r\n", None),
        (b"a LOGIN {5}", None),
        (b"a LOGIN {-5}\r\n", None),
        (b"a LOGIN {5++}\r\n", None),
        (b"a LOGIN {}\r\n", None),
        (b"a LOGIN {%s}\r\n" % (b"9" * 30), SYNC(2**64, False)),
        (b"a NOOP\r\n", None),
    ],
)
def test_literal_request(line, announced):
    assert literal_request(line) == announced


def test_line_too_long_in_one_chunk():
    a = assembler(max_line=20)
    long = b"a1 LOGIN " + b"x" * 30 + b"\r\n"
    assert a.feed(long + b"a2 NOOP\r\n") == [LineTooLong("a1"), Complete(b"a2 NOOP\r\n")]


def test_line_too_long_trickled_is_not_buffered():
    a = assembler(max_line=20)
    assert a.feed(b"a1 LOGIN xxxxxx") == []
    assert a.feed(b"x" * 10) == [LineTooLong("a1")]
    for _ in range(1000):
        assert a.feed(b"y" * 100) == []
        assert a.buffered() == 0
    assert a.feed(b"\r\na2 NOOP\r\n") == [Complete(b"a2 NOOP\r\n")]


def test_line_of_exactly_max_line_is_accepted():
    line = b"a1 LOGIN " + b"x" * 9 + b"\r\n"
    assert assembler(max_line=len(line)).feed(line) == [Complete(line)]
    for cut in range(len(line) + 1):
        a = assembler(max_line=len(line) - 1)
        assert feed_all(a, line[:cut], line[cut:]) == [LineTooLong("a1")]


def test_too_long_line_that_announces_a_nonsynchronizing_literal_skips_it():
    a = assembler(max_line=30)
    data = b"a1 APPEND " + b"x" * 40 + b" {10+}\r\n0123456789\r\na2 NOOP\r\n"
    for cut in range(len(data) + 1):
        a = assembler(max_line=30)
        assert feed_all(a, data[:cut], data[cut:]) == [
            LineTooLong("a1"),
            Complete(b"a2 NOOP\r\n"),
        ]


def test_too_long_line_that_announces_a_synchronizing_literal_ends_the_command():
    # The client waits for "+ "; the BAD ends its command instead.
    a = assembler(max_line=30)
    data = b"a1 APPEND " + b"x" * 40 + b" {10}\r\na2 NOOP\r\n"
    assert a.feed(data) == [LineTooLong("a1"), Complete(b"a2 NOOP\r\n")]


def test_too_long_continuation_line_drops_the_whole_command():
    a = assembler(max_line=30)
    data = b"a1 LOGIN {3}\r\nabc " + b"x" * 40 + b"\r\na2 NOOP\r\n"
    assert a.feed(data) == [SYNC(3, False), LineTooLong("a1"), Complete(b"a2 NOOP\r\n")]


def test_synchronizing_literal_too_large_is_refused_unread():
    a = assembler(max_literal=10)
    data = b"a1 APPEND INBOX {11}\r\na2 NOOP\r\n"
    assert a.feed(data) == [TooLarge("a1", 11, False), Complete(b"a2 NOOP\r\n")]


def test_nonsynchronizing_literal_too_large_is_read_and_discarded():
    data = b"a1 APPEND INBOX {60+}\r\n" + b"z" * 60 + b" more {2+}\r\nxx\r\na2 NOOP\r\n"
    for cut in range(len(data) + 1):
        a = assembler(max_literal=50)
        events = feed_all(a, data[:cut], data[cut:])
        assert events == [TooLarge("a1", 60, True), Complete(b"a2 NOOP\r\n")]


def test_nonsynchronizing_literal_beyond_the_discard_cap_closes():
    a = assembler(max_literal=50, max_discard=100)
    events = a.feed(b"a1 APPEND INBOX {101+}\r\nxxxx")
    assert events == [TooLarge("a1", 101, True, must_close=True)]
    assert a.closed
    assert a.feed(b"a2 NOOP\r\n") == []


def test_discard_cap_counts_every_literal_of_the_command():
    a = assembler(max_literal=50, max_discard=100)
    data = b"a1 X {60+}\r\n" + b"z" * 60 + b" {45+}\r\n" + b"z" * 45 + b"\r\n"
    assert a.feed(data) == [TooLarge("a1", 60, True), TooLarge(None, 45, True, True)]
    assert a.closed


def test_command_over_max_command_is_refused():
    a = assembler(max_line=100, max_literal=50, max_command=100)
    first = b"a1 SEARCH TEXT {50+}\r\n" + b"q" * 50
    data = first + b" TEXT {50}\r\n"
    assert a.feed(data) == [TooLarge("a1", 50, False)]
    data = b"a2 SEARCH TEXT {40+}\r\n" + b"q" * 40 + b" TEXT {40+}\r\n" + b"q" * 40 + b"\r\n"
    assert a.feed(data + b"a3 NOOP\r\n") == [TooLarge("a2", 40, True), Complete(b"a3 NOOP\r\n")]
    lines = b"a4 SEARCH TEXT {0+}\r\n" + b" " * 74 + b"{0+}\r\n" + b"x\r\n"
    assert a.feed(lines + b"a5 NOOP\r\n") == [LineTooLong("a4"), Complete(b"a5 NOOP\r\n")]


def test_reset_drops_buffered_octets():
    a = assembler()
    assert a.feed(b"a1 STARTTLS\r\na2 LOGIN alice pw") == [Complete(b"a1 STARTTLS\r\n")]
    assert a.buffered() == len(b"a2 LOGIN alice pw")
    assert a.reset() == len(b"a2 LOGIN alice pw")
    assert a.feed(b"\r\na3 NOOP\r\n") == [Complete(b"\r\n"), Complete(b"a3 NOOP\r\n")]


def test_large_literal_in_chunks():
    """8 MB in 64 KiB chunks: each octet is copied into the command once (the pytest
    timeout would catch a quadratic rescan; bench numbers are in the parser's report)."""
    size = 8 * 1024 * 1024
    a = CommandAssembler(max_line=8192, max_literal=size)
    assert a.feed(b"a1 APPEND INBOX {%d}\r\n" % size) == [SYNC(size, False)]
    chunk = b"x" * 65536
    for _ in range(size // len(chunk)):
        assert a.feed(chunk) == []
    events = a.feed(b"\r\n")
    assert len(events) == 1
    command = parse(events[0].data)
    assert command == c.Append("a1", "INBOX", b"x" * size)


def test_buffered_counts_a_command_waiting_for_its_literal():
    # Injected after STARTTLS: a command whose LITERAL+ octets are half there.
    a = assembler()
    pending = b"a2 LOGIN {5+}\r\nal"
    assert a.feed(b"a1 STARTTLS\r\n" + pending) == [Complete(b"a1 STARTTLS\r\n")]
    assert a.buffered() == len(pending)
    assert a.reset() == len(pending)
    assert a.buffered() == 0
    assert a.feed(b"ice pw\r\na3 NOOP\r\n") == [Complete(b"ice pw\r\n"), Complete(b"a3 NOOP\r\n")]
