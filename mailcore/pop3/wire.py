"""Messages as POP3 sends them: pure functions over bytes (no Django, no I/O).

RFC 1939 3 and 11: a message goes out as lines ending in CRLF, and a line starting with
"." gets one more "." (byte-stuffing); the multi-line response ends with "." CRLF. The
octet counts in STAT and LIST are those of the message as RETR sends it, before
stuffing: `wire_form` is that form, and its length is the count.
"""

from __future__ import annotations

import re

_BARE_LF = re.compile(rb"(?<!\r)\n")
TERMINATOR = b".\r\n"


def wire_form(raw: bytes) -> bytes:
    """The stored bytes with every line ending in CRLF, including the last line.

    Stored messages are never rewritten (DESIGN.md); one stored with bare LF endings
    (imported, or appended by a client that used LF) is converted here, on the way out.
    """
    wire = _BARE_LF.sub(b"\r\n", raw)
    if wire and not wire.endswith(b"\r\n"):
        wire += b"\r\n"
    return wire


def wire_size(raw: bytes) -> int:
    return len(wire_form(raw))


def dot_stuff(wire: bytes) -> bytes:
    """Byte-stuff a wire-form message and add the terminating "." line."""
    if wire.startswith(b"."):
        wire = b"." + wire
    return wire.replace(b"\r\n.", b"\r\n..") + TERMINATOR


def top(wire: bytes, lines: int) -> bytes:
    """The header, the blank line after it, and `lines` lines of the body (RFC 1939 7)."""
    if wire.startswith(b"\r\n"):  # an empty header
        cut = 2
    else:
        end = wire.find(b"\r\n\r\n")
        if end < 0:  # no body: the whole message is header
            return wire
        cut = end + 4
    for _ in range(lines):
        nxt = wire.find(b"\r\n", cut)
        if nxt < 0:
            break
        cut = nxt + 2
    return wire[:cut]


def multiline(status: str, body: bytes) -> bytes:
    """A positive status line followed by a dot-stuffed multi-line body."""
    return status.encode("ascii") + b"\r\n" + dot_stuff(body)
