"""Reading the text of a DATA command in pieces instead of line by line.

aiosmtpd's smtp_DATA reads one line per `readuntil`, with its bookkeeping in Python for
each: for a 4 KiB message that is the largest share of the event loop's time per message
(bench/README.md). Here the stream is searched for the end-of-data mark in pieces as
large as the stream's buffer allows, and dot-unstuffing and the line-length check are one
pass over the whole text at the end. What comes out is what aiosmtpd's loop gives.

RFC 5321 4.1.1.4 and 4.5.2: the text ends with a line holding a single "."; a line that
begins with "." has that dot removed. The end mark "<CRLF>.<CRLF>" may also start the
text, the CRLF being the one that ended the DATA command line; and it must be found
without reading past it, since a pipelining client may send its next command behind it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

END = b"\r\n.\r\n"

# Matching END a few bytes at a time, for the stretch after a line break where END may
# have begun before the bytes still in the buffer: state n means the text read so far
# ends with END[:n] (the DATA command's own CRLF counts, so reading starts in state 2).
_NEXT = {
    (0, 13): 1,
    (1, 10): 2,
    (1, 13): 1,
    (2, 46): 3,
    (2, 13): 1,
    (3, 13): 4,
    (4, 10): 5,
    (4, 13): 1,
}


@dataclass(frozen=True)
class DataText:
    content: bytes  # unstuffed; empty when refused
    too_much: bool = False  # longer than the size limit (RFC 1870: 552)
    too_long: bool = False  # a line over the line limit (RFC 5321 4.5.3.1.6: 500)


async def read_data(
    reader: asyncio.StreamReader,
    *,
    size_limit: int | None,
    line_limit: int,
    window: int = 64 * 1024,
) -> DataText:
    """Read up to and including the end mark; never a byte beyond it.

    Text past `size_limit` (counted as sent, dots and all; None or 0: no limit) is read
    and thrown away, so memory stays bounded by the limit; a line longer than
    `line_limit` octets with its CRLF refuses the text too. Raises IncompleteReadError
    if the stream ends first. The end mark is searched for in `window` bytes at a
    time (the stream buffers up to twice that)."""
    # The stream's limit is aiosmtpd's line limit (1001): a 4 KiB message overran it
    # on every `readuntil` (an exception each time), and with more than twice that
    # buffered the transport stopped and restarted reading (two epoll changes) for
    # every message. For the text, the larger window; asyncio has no public way to set
    # it. The command lines after it are held to the line window again.
    line_window: int = reader._limit  # type: ignore[attr-defined]
    reader._limit = window  # type: ignore[attr-defined]
    try:
        return await _read_text(reader, size_limit, line_limit)
    finally:
        reader._limit = line_window  # type: ignore[attr-defined]


async def _read_text(
    reader: asyncio.StreamReader, size_limit: int | None, line_limit: int
) -> DataText:
    limit = size_limit or float("inf")
    # One growing buffer, not a list of pieces: a flood of short reads stays compact.
    kept = bytearray()
    total = 0
    state = 2
    while True:
        if state:
            # In state n the shortest way to the end mark is its 5 - n missing bytes,
            # so reading that many never reads past it (and cannot complete it sooner).
            piece = await reader.readexactly(5 - state)
            for byte in piece:
                state = _NEXT.get((state, byte), 0)
        else:
            # From state 0 any end mark lies wholly in bytes not yet read, and readuntil
            # finds it; when the buffer is full without one, take what cannot be part of
            # one (LimitOverrunError.consumed) and search on.
            try:
                piece = await reader.readuntil(END)
                state = 5
            except asyncio.LimitOverrunError as overrun:
                piece = await reader.readexactly(overrun.consumed)
        total += len(piece)
        if len(kept) + len(piece) <= limit + len(END):
            kept += piece
        if state == 5:
            break
    # The text is everything before the final ".\r\n" (its CRLF ends the last line).
    total -= 3
    if total > limit:
        return DataText(b"", too_much=True)
    text = bytes(kept[:-3])
    if _has_long_line(text, line_limit):
        return DataText(b"", too_long=True)
    if b"\r\n." in text or text.startswith(b"."):
        text = (b"\r\n" + text).replace(b"\r\n.", b"\r\n")[2:]
    return DataText(text)


def _has_long_line(text: bytes, line_limit: int) -> bool:
    """A line (up to CRLF; a bare CR or LF is part of its line) longer than `line_limit`
    octets with its CRLF. Split a window of whole lines at a time, so that a text of
    very many short lines never becomes one object per line all at once."""
    longest = line_limit - 2  # octets a line may hold before its CRLF
    pos = 0
    while pos < len(text):
        end = text.rfind(b"\r\n", pos, pos + _WINDOW)
        if end == -1:  # no line break in a whole window: its line is longer than that
            return len(text) - pos > longest if len(text) - pos < _WINDOW else True
        if max(map(len, text[pos:end].split(b"\r\n"))) > longest:
            return True
        pos = end + 2
    return False


_WINDOW = 1 << 20  # far longer than any line limit (it must exceed it by 2 at least)
