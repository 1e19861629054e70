"""POP3 command parser: one line of bytes -> one command, or a ProtocolError.

Sans-IO and total: it imports nothing from Django, touches no socket, and for any input
returns a command or raises ProtocolError, nothing else (fuzzed in the unit tests).

Grammar: RFC 1939 section 3 (keyword, arguments separated by single spaces, CRLF),
RFC 2449 section 4 (keywords are case-insensitive, up to 4 characters; arguments up to 40
octets; a command line is at most 255 octets including the CRLF), RFC 5034 (AUTH).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import ClassVar

MAX_COMMAND_LINE = 255  # RFC 2449 4, including the CRLF
MAX_ARGUMENT = 40  # RFC 2449 4
# RFC 5034 4: a SASL response line may be longer than a command; bound it anyway.
MAX_SASL_LINE = 8192

_NUMBER = re.compile(rb"[0-9]{1,10}")


class ProtocolError(Exception):
    """The line is not a valid command. `unknown` is set for a keyword we do not know."""

    def __init__(self, detail: str, *, unknown: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.unknown = unknown


@dataclass(frozen=True)
class Command:
    verb: ClassVar[str] = ""


@dataclass(frozen=True)
class User(Command):
    verb: ClassVar[str] = "USER"
    name: str


@dataclass(frozen=True)
class Pass(Command):
    verb: ClassVar[str] = "PASS"
    password: str


@dataclass(frozen=True)
class Apop(Command):
    verb: ClassVar[str] = "APOP"
    name: str
    digest: str


@dataclass(frozen=True)
class Auth(Command):
    """AUTH [mechanism [initial-response]]; a bare AUTH asks for the mechanism list."""

    verb: ClassVar[str] = "AUTH"
    mechanism: str | None = None
    initial: bytes | None = None  # decoded initial response ("=" is b"")


@dataclass(frozen=True)
class Capa(Command):
    verb: ClassVar[str] = "CAPA"


@dataclass(frozen=True)
class Stls(Command):
    verb: ClassVar[str] = "STLS"


@dataclass(frozen=True)
class Stat(Command):
    verb: ClassVar[str] = "STAT"


@dataclass(frozen=True)
class List(Command):
    verb: ClassVar[str] = "LIST"
    msg: int | None = None


@dataclass(frozen=True)
class Retr(Command):
    verb: ClassVar[str] = "RETR"
    msg: int


@dataclass(frozen=True)
class Dele(Command):
    verb: ClassVar[str] = "DELE"
    msg: int


@dataclass(frozen=True)
class Noop(Command):
    verb: ClassVar[str] = "NOOP"


@dataclass(frozen=True)
class Rset(Command):
    verb: ClassVar[str] = "RSET"


@dataclass(frozen=True)
class Quit(Command):
    verb: ClassVar[str] = "QUIT"


@dataclass(frozen=True)
class Top(Command):
    verb: ClassVar[str] = "TOP"
    msg: int
    lines: int


@dataclass(frozen=True)
class Uidl(Command):
    verb: ClassVar[str] = "UIDL"
    msg: int | None = None


def _strip_eol(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        return line[:-1]
    return line


def _number(arg: bytes, what: str) -> int:
    if not _NUMBER.fullmatch(arg):
        raise ProtocolError(f"{what} must be a number")
    return int(arg)


def _msg(arg: bytes) -> int:
    value = _number(arg, "message number")
    if value < 1:
        raise ProtocolError("message numbers start at 1")
    return value


def _text(arg: bytes, what: str) -> str:
    try:
        return arg.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(f"{what} is not UTF-8") from None


def _decode_base64(data: bytes) -> bytes:
    if data == b"=":  # RFC 5034 4: "=" is an empty initial response
        return b""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("invalid base64") from None


def _no_args(cls: type[Command]):
    def build(args: list[bytes], rest: bytes) -> Command:
        if args:
            raise ProtocolError(f"{cls.verb} takes no arguments")
        return cls()

    return build


def _optional_msg(cls: type[List] | type[Uidl]):
    def build(args: list[bytes], rest: bytes) -> Command:
        if len(args) > 1:
            raise ProtocolError(f"{cls.verb} takes at most one argument")
        return cls(_msg(args[0])) if args else cls()

    return build


def _one_msg(cls: type[Retr] | type[Dele]):
    def build(args: list[bytes], rest: bytes) -> Command:
        if len(args) != 1:
            raise ProtocolError(f"{cls.verb} takes a message number")
        return cls(_msg(args[0]))

    return build


def _user(args: list[bytes], rest: bytes) -> Command:
    if len(args) != 1:
        raise ProtocolError("USER takes one name")
    return User(_text(args[0], "user name"))


def _pass(args: list[bytes], rest: bytes) -> Command:
    # RFC 1939 7: the password is the rest of the line and may contain spaces.
    if not rest:
        raise ProtocolError("PASS takes a password")
    return Pass(_text(rest, "password"))


def _apop(args: list[bytes], rest: bytes) -> Command:
    if len(args) != 2:
        raise ProtocolError("APOP takes a name and a digest")
    return Apop(_text(args[0], "user name"), _text(args[1], "digest"))


def _auth(args: list[bytes], rest: bytes) -> Command:
    if not args:
        return Auth()
    if len(args) > 2:
        raise ProtocolError("AUTH takes a mechanism and an optional initial response")
    mechanism = _text(args[0], "mechanism").upper()
    if not re.fullmatch(r"[A-Z0-9_-]{1,20}", mechanism):
        raise ProtocolError("invalid mechanism name")
    initial = _decode_base64(args[1]) if len(args) == 2 else None
    return Auth(mechanism, initial)


def _top(args: list[bytes], rest: bytes) -> Command:
    if len(args) != 2:
        raise ProtocolError("TOP takes a message number and a line count")
    return Top(_msg(args[0]), _number(args[1], "line count"))


_BUILDERS = {
    "USER": _user,
    "PASS": _pass,
    "APOP": _apop,
    "AUTH": _auth,
    "CAPA": _no_args(Capa),
    "STLS": _no_args(Stls),
    "STAT": _no_args(Stat),
    "LIST": _optional_msg(List),
    "RETR": _one_msg(Retr),
    "DELE": _one_msg(Dele),
    "NOOP": _no_args(Noop),
    "RSET": _no_args(Rset),
    "QUIT": _no_args(Quit),
    "TOP": _top,
    "UIDL": _optional_msg(Uidl),
}


def parse(line: bytes) -> Command:
    """Parse one command line (with or without its CRLF)."""
    if len(_strip_eol(line)) + 2 > MAX_COMMAND_LINE:
        raise ProtocolError(f"line longer than {MAX_COMMAND_LINE} octets")
    line = _strip_eol(line)
    if not line:
        raise ProtocolError("empty command")
    if b"\r" in line or b"\n" in line or b"\x00" in line:
        raise ProtocolError("control characters in command")
    keyword, _, rest = line.partition(b" ")
    try:
        verb = keyword.decode("ascii").upper()
    except UnicodeDecodeError:
        raise ProtocolError("unknown command", unknown=True) from None
    builder = _BUILDERS.get(verb)
    if builder is None:
        raise ProtocolError("unknown command", unknown=True)
    if verb == "PASS":
        return builder([], rest)
    args = rest.split() if rest else []
    if any(len(a) > MAX_ARGUMENT for a in args) and verb not in {"AUTH", "USER"}:
        raise ProtocolError(f"argument longer than {MAX_ARGUMENT} octets")
    return builder(args, rest)


def parse_sasl_response(line: bytes) -> bytes | None:
    """A client's answer to a "+ " challenge: the decoded bytes, or None when the client
    cancels with "*" (RFC 5034 4)."""
    line = _strip_eol(line)
    if len(line) > MAX_SASL_LINE:
        raise ProtocolError("SASL response too long")
    if line == b"*":
        return None
    if not line:
        return b""
    return _decode_base64(line.strip())
