"""What the CommandAssembler reports to the server, in stream order."""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.imap.commands import LiteralRequest

# A synchronizing literal within the limits: the server sends "+ " and the client sends
# the octets (RFC 3501 7.5). Non-synchronizing literals (RFC 7888) need no event.
Continue = LiteralRequest


@dataclass(frozen=True)
class Complete:
    """A whole command: its lines and literals, verbatim, for `parse`."""

    data: bytes


@dataclass(frozen=True)
class LineTooLong:
    """A line over max_line, or a command whose lines and literals pass max_command. The
    server answers BAD (with the tag when it is known); the assembler skips the rest of
    the command."""

    tag: str | None


@dataclass(frozen=True)
class TooLarge:
    """A literal over max_literal: the server answers "<tag> NO [TOOBIG]" (RFC 7888 4).
    A synchronizing one was never sent; a non-synchronizing one is being read and
    discarded, unless `must_close`: too large even to discard, the server says BYE and
    closes the connection."""

    tag: str | None
    size: int
    nonsynchronizing: bool
    must_close: bool = False


Event = Complete | LiteralRequest | LineTooLong | TooLarge
