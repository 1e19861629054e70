"""DATA text read in pieces (mailcore/smtp/data.py) against the line-by-line reading of
RFC 5321 4.1.1.4 and 4.5.2, whatever the pieces the network delivers and the buffer
limit of the stream, and never a byte past the end mark."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore.smtp.data import DataText, read_data

AFTER = b"MAIL FROM:<next@example.test>\r\n"  # a pipelined command behind the end mark


def by_lines(stream: bytes, size_limit: int, line_limit: int) -> tuple[DataText, bytes]:
    """The reference: split at CRLF until a line that is a single dot."""
    lines, pos = [], 0
    while True:
        end = stream.index(b"\r\n", pos) + 2
        line, pos = stream[pos:end], end
        if line == b".\r\n":
            break
        lines.append(line)
    if sum(map(len, lines)) > size_limit:
        return DataText(b"", too_much=True), stream[pos:]
    if any(len(line) > line_limit for line in lines):
        return DataText(b"", too_long=True), stream[pos:]
    text = b"".join(line[1:] if line.startswith(b".") else line for line in lines)
    return DataText(text), stream[pos:]


def read(
    stream: bytes, cuts: list[int], *, limit: int, size_limit: int, line_limit: int
) -> tuple[DataText, bytes]:
    """read_data over a StreamReader fed `stream` in the pieces `cuts` makes; and what
    is left unread in the stream."""

    async def run() -> tuple[DataText, bytes]:
        reader = asyncio.StreamReader(limit=limit)

        async def feed() -> None:
            start = 0
            for cut in [*sorted(set(cuts)), len(stream)]:
                reader.feed_data(stream[start:cut])
                start = cut
                await asyncio.sleep(0)
            reader.feed_eof()

        feeding = asyncio.ensure_future(feed())
        text = await read_data(reader, size_limit=size_limit, line_limit=line_limit, window=limit)
        await feeding
        return text, await reader.read()

    return asyncio.run(run())


TOKENS = st.sampled_from(
    [b"a", b"Subject: x", b".", b"..", b"\r", b"\n", b"\r\n", b"\r\n.", b"\r\n..", b"y" * 300]
)


@settings(max_examples=400, deadline=None)
@given(
    body=st.lists(TOKENS, max_size=40).map(b"".join),
    cuts=st.lists(st.integers(0, 12_100), max_size=8),
    limit=st.integers(8, 2000),
    size_limit=st.integers(1, 13_000),
    line_limit=st.sampled_from([1001, 120]),
)
def test_pieces_give_what_lines_give(body, cuts, limit, size_limit, line_limit):
    stream = body + b"\r\n.\r\n" + AFTER
    expected = by_lines(stream, size_limit, line_limit)
    cuts = [c for c in cuts if c < len(stream)]
    got = read(stream, cuts, limit=limit, size_limit=size_limit, line_limit=line_limit)
    assert got == expected


@pytest.mark.parametrize(
    ("stream", "content"),
    [
        (b".\r\n", b""),  # the end mark at once: an empty text
        (b"..\r\n.\r\n", b".\r\n"),
        (b"a\r\n.\r\n", b"a\r\n"),
        (b"a\r\n..b\r\n.c\r\n.\r\n", b"a\r\n.b\r\nc\r\n"),
        (b"a\n.\r\n.\r\n", b"a\n.\r\n"),  # a bare LF ends no line
        (b"a\r\n.\n\r\n.\r\n", b"a\r\n\n\r\n"),
        (b"\r\n.\r\n", b"\r\n"),
    ],
)
def test_end_mark_and_dot_unstuffing(stream, content):
    for limit in (8, 1001):
        got = read(stream + AFTER, [1, 2, 3], limit=limit, size_limit=10_000, line_limit=1001)
        assert got == (DataText(content), AFTER)


def test_limits():
    long_line = b"x" * 999 + b"\r\n"  # 1001 octets with its CRLF: the most allowed
    assert read(long_line + b".\r\n", [], limit=1001, size_limit=5000, line_limit=1001) == (
        DataText(long_line),
        b"",
    )
    longer = b"x" + long_line
    assert read(longer + b".\r\n", [], limit=1001, size_limit=5000, line_limit=1001)[0] == (
        DataText(b"", too_long=True)
    )
    # A bare LF is part of its line (only CRLF ends one).
    bare = b"x" * 499 + b"\n" + b"x" * 499 + b"\r\n"  # 1001 octets
    assert read(bare + b".\r\n", [], limit=1001, size_limit=5000, line_limit=1001)[0] == (
        DataText(bare)
    )
    assert read(b"x" + bare + b".\r\n", [], limit=1001, size_limit=5000, line_limit=1001)[0] == (
        DataText(b"", too_long=True)
    )
    big = b"abc\r\n" * 1000
    assert read(big + b".\r\n", [], limit=1001, size_limit=5000, line_limit=1001)[0] == (
        DataText(big)
    )
    assert read(big + b".\r\n", [], limit=1001, size_limit=4999, line_limit=1001)[0] == (
        DataText(b"", too_much=True)
    )


def test_a_stream_that_ends_early_raises():
    with pytest.raises(asyncio.IncompleteReadError):
        read(b"a\r\nb\r\n", [2], limit=1001, size_limit=100, line_limit=1001)


def test_no_size_limit():
    big = b"abc\r\n" * 1000
    for no_limit in (None, 0):
        assert read(big + b".\r\n", [], limit=1001, size_limit=no_limit, line_limit=1001)[0] == (
            DataText(big)
        )


class CountingReader(asyncio.StreamReader):
    calls = 0

    async def readexactly(self, n):
        self.calls += 1
        return await super().readexactly(n)

    async def readuntil(self, separator=b"\n"):
        self.calls += 1
        return await super().readuntil(separator)


def reads(text: bytes) -> int:
    async def run() -> int:
        reader = CountingReader(limit=1001)
        reader.feed_data(text + b".\r\n")
        reader.feed_eof()
        await read_data(reader, size_limit=None, line_limit=1001)
        return reader.calls

    return asyncio.run(run())


def test_reads_in_pieces_not_lines():
    ordinary = b"Subject: x\r\n\r\n" + b"A line of text, nothing special here at all.\r\n" * 90
    assert reads(ordinary) <= 6  # 4 KiB: a handful of pieces, not 92 lines
    # Where the end mark could begin at every other byte (blank lines, bare CRs), a
    # few bytes per read at worst; aiosmtpd read one line, here two bytes, per call.
    assert reads(b"\r\n" * 3000) <= 3000 * 2 / 3
    assert reads(b"\r" * 3000 + b"\r\n") <= 3000 / 3


@settings(max_examples=300, deadline=None)
@given(text=st.lists(TOKENS, max_size=30).map(b"".join), window=st.integers(42, 128))
def test_line_check_in_windows(text, window):
    """The line-length check, whatever the window (at least a longest line and CRLF)."""
    from mailcore.smtp import data

    expected = any(len(line) > 40 for line in text.split(b"\r\n"))
    saved, data._WINDOW = data._WINDOW, window
    try:
        assert data._has_long_line(text, 42) == expected
    finally:
        data._WINDOW = saved


def test_the_line_window_holds_again_after_the_text():
    async def run() -> None:
        reader = asyncio.StreamReader(limit=1001)
        reader.feed_data(b"x" * 3000 + b"\r\n.\r\n" + b"y" * 2000 + b"\r\n")
        text = await read_data(reader, size_limit=None, line_limit=5000)
        assert text.content == b"x" * 3000 + b"\r\n"
        with pytest.raises(asyncio.LimitOverrunError):  # a command line: 1001 at most
            await reader.readuntil(b"\r\n")

    asyncio.run(run())
