"""Framing: cut the client's octet stream into whole commands (sans-IO).

A command is one line, or a line ending in a literal announcement {n} / {n+} followed by
n octets and the rest of the command (RFC 3501 4.3, 7.5; RFC 7888 LITERAL+). The
assembler hands the server each whole command as one bytes value, lines and literals
concatenated verbatim, which is what `parse` takes.

Costs are linear in the input: the search for the end of a line resumes where the last
chunk ended, literal octets are copied once into the command and never scanned.

Limits (RFC 7888 4 leaves the choice to the server):
- a line longer than `max_line` (CRLF included), or a command whose lines and literals
  together pass `max_command`: LineTooLong; the rest of that command is skipped.
- a synchronizing literal over `max_literal`: TooLarge, no "+ " is sent and no
  literal octets follow; the server answers "<tag> NO [TOOBIG]" and the next line is a new
  command.
- a non-synchronizing literal over `max_literal`: TooLarge; its octets are already
  on the way, so they are read and discarded along with the rest of the command, up to
  `max_discard` octets per command. Beyond that the event says `must_close`: the server says
  BYE and closes, and the assembler accepts nothing more.
"""

from __future__ import annotations

import re

from mailcore.imap.commands import LiteralRequest
from mailcore.imap.parser.events import Complete, Event, LineTooLong, TooLarge
from mailcore.imap.parser.lexer import tag_of

# The announcement at the very end of a line: {n} or {n+} (RFC 7888), then CRLF or LF.
# Not preceded by "~": literal8 (RFC 3516) is not offered, so "~{n}" is plain text that
# parse rejects.
_ANNOUNCEMENT = re.compile(rb"\{([0-9]+)(\+?)\}\r?\n")
# A whole quoted string: inside, "\\" escapes the next octet. One octet per step, so a
# missing closing quote fails in linear time.
_QUOTED_SPAN = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
# The tail of a skipped (too long) line that is kept to see whether it announced a literal.
_TAIL = 32
# Sizes beyond any limit collapse to this (int() of a huge digit string is slow).
_HUGE = 2**64


def literal_request(line: bytes) -> LiteralRequest | None:
    """The literal announced at the end of `line` (one line, ending in CRLF or LF), if any.

    "{5}" right before the line end is an announcement unless it sits inside a quoted
    string that is still open (a quoted string cannot contain CRLF, so an open one is an
    error the parser reports; the octets after it are not a literal)."""
    start = line.rfind(b"{")
    m = _ANNOUNCEMENT.fullmatch(line, start) if start >= 0 else None
    if m is None or line[start - 1 : start] == b"~" or _inside_quotes(line, start):
        return None
    digits = m.group(1)
    size = int(digits) if len(digits) <= 19 else _HUGE
    return LiteralRequest(size, m.group(2) == b"+")


def _inside_quotes(line: bytes, end: int) -> bool:
    """Whether position `end` of `line` is inside a quoted string: outside quotes a '"'
    opens one; inside, '\\' escapes the next octet and '"' closes it."""
    pos = 0
    while True:
        opening = line.find(b'"', pos, end)
        if opening < 0:
            return False
        m = _QUOTED_SPAN.match(line, opening, end)
        if m is None:
            return True
        pos = m.end()


class CommandAssembler:
    """Feed it octets as they arrive; it returns the events they complete, in order."""

    def __init__(
        self,
        max_line: int,
        max_literal: int,
        *,
        max_command: int | None = None,
        max_discard: int | None = None,
    ) -> None:
        self.max_line = max_line
        self.max_literal = max_literal
        self.max_command = max_command if max_command is not None else max_literal + 16 * max_line
        self.max_discard = max_discard if max_discard is not None else 4 * max_literal
        self.closed = False
        self._buf = bytearray()  # received octets not yet consumed
        self._scan = 0  # where the search for LF resumes in _buf
        self._command = bytearray()  # the command so far (lines and literals)
        self._literal_left = 0  # literal octets still to come
        self._dropping = False  # the current command is being skipped after an error
        self._skipping_line = False  # inside a too-long line: drop octets up to LF
        self._tail = b""  # the last octets of the line being skipped
        self._discarded = 0  # literal octets dropped for the current command

    def buffered(self) -> int:
        """Octets received but not yet part of an event: a partial line or a command
        still waiting for its literal or its last line. After STARTTLS there must be
        none (RFC 3501 6.2.1: nothing sent in plaintext may count as sent over TLS)."""
        return len(self._buf) + len(self._command)

    def reset(self) -> int:
        """Forget everything received so far, as if the connection had just opened
        (closed stays closed). Returns how many octets were dropped."""
        dropped = self.buffered()
        self._buf.clear()
        self._scan = 0
        self._command = bytearray()
        self._literal_left = 0
        self._dropping = self._skipping_line = False
        self._tail = b""
        self._discarded = 0
        return dropped

    def feed(self, chunk: bytes) -> list[Event]:
        events: list[Event] = []
        if self.closed:
            return events
        buf = self._buf
        buf += chunk
        pos = 0
        while pos < len(buf) and not self.closed:
            if self._literal_left:
                take = min(self._literal_left, len(buf) - pos)
                if not self._dropping:
                    with memoryview(buf) as view:
                        self._command += view[pos : pos + take]
                pos += take
                self._literal_left -= take
                continue
            lf = buf.find(b"\n", max(pos, self._scan))
            if lf < 0:
                self._scan = len(buf)
                if self._skipping_line:
                    self._tail = (self._tail + bytes(buf[max(pos, len(buf) - _TAIL) :]))[-_TAIL:]
                    pos = len(buf)
                elif len(buf) - pos >= self.max_line:
                    # Without its LF the line is already over the limit: stop buffering.
                    if not self._dropping:
                        self._line_too_long(bytes(buf[pos : pos + self.max_line]), events)
                    self._skipping_line = True
                    self._tail = bytes(buf[max(pos, len(buf) - _TAIL) :])
                    pos = len(buf)
                break
            line = bytes(buf[pos : lf + 1])
            pos = lf + 1
            if self._skipping_line:
                self._skipping_line = False
                self._end_of_dropped_line((self._tail + line)[-_TAIL:], events)
            elif self._dropping:
                self._end_of_dropped_line(line, events)
            elif len(line) > self.max_line or len(self._command) + len(line) > self.max_command:
                self._line_too_long(line, events)
                self._end_of_dropped_line(line[-_TAIL:], events)
            else:
                self._line(line, events)
        del buf[:pos]
        self._scan = max(0, self._scan - pos)
        return events

    def _line(self, line: bytes, events: list[Event]) -> None:
        self._command += line
        request = literal_request(line)
        if request is None:
            events.append(Complete(bytes(self._command)))
            self._command = bytearray()
            return
        if request.size > self.max_literal or len(self._command) + request.size > self.max_command:
            tag = self._tag(self._command)
            self._command = bytearray()
            self._discarded = 0
            if request.nonsynchronizing:
                self._drop_literal(request.size, tag, events, report=True)
            else:
                events.append(TooLarge(tag, request.size, False))
            return
        if not request.nonsynchronizing:
            events.append(request)
        self._literal_left = request.size

    def _tag(self, start: bytes | bytearray) -> str | None:
        """The tag of the command starting with `start`, if it is followed by SP within
        the first max_line octets: the same answer however the stream was chunked."""
        head = bytes(start[: self.max_line])
        tag = tag_of(head)
        return tag if tag is not None and head[len(tag) : len(tag) + 1] == b" " else None

    def _line_too_long(self, start: bytes, events: list[Event]) -> None:
        events.append(LineTooLong(self._tag(self._command or start)))
        self._command = bytearray()
        self._dropping = True
        self._discarded = 0

    def _end_of_dropped_line(self, tail: bytes, events: list[Event]) -> None:
        """A line of a skipped command ended. Only a non-synchronizing literal continues
        the command: a synchronizing one waits for a "+ " that the error answered."""
        request = literal_request(tail)
        if request is not None and request.nonsynchronizing:
            self._dropping = True
            self._drop_literal(request.size, None, events, report=False)
        else:
            self._dropping = False

    def _drop_literal(
        self, size: int, tag: str | None, events: list[Event], *, report: bool
    ) -> None:
        self._discarded += size
        close = self._discarded > self.max_discard
        if report or close:
            events.append(TooLarge(tag, size, True, close))
        if close:
            self.closed = True
            self._buf.clear()
            return
        self._dropping = True
        self._literal_left = size
