"""Response lines and the errors handlers raise, rendered in one place (RFC 3501 7)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

OK, NO, BAD = b"OK", b"NO", b"BAD"

# Response codes (RFC 3501 7.1, RFC 5530, RFC 4315, RFC 7162, RFC 9208).
ALERT = "ALERT"
ALREADYEXISTS = "ALREADYEXISTS"
AUTHENTICATIONFAILED = "AUTHENTICATIONFAILED"
CANNOT = "CANNOT"
CLIENTBUG = "CLIENTBUG"
EXPUNGEISSUED = "EXPUNGEISSUED"
INUSE = "INUSE"
LIMIT = "LIMIT"
NONEXISTENT = "NONEXISTENT"
NOPERM = "NOPERM"
OVERQUOTA = "OVERQUOTA"
PRIVACYREQUIRED = "PRIVACYREQUIRED"
SERVERBUG = "SERVERBUG"
TOOBIG = "TOOBIG"
TRYCREATE = "TRYCREATE"
UNAVAILABLE = "UNAVAILABLE"
READ_ONLY = "READ-ONLY"
READ_WRITE = "READ-WRITE"


class Failure(Exception):
    """A command that fails: rendered as "<tag> NO|BAD [code] text"."""

    status = NO

    def __init__(self, text: str, code: str | None = None) -> None:
        super().__init__(text)
        self.text, self.code = text, code


class No(Failure):
    status = NO


class Bad(Failure):
    status = BAD


def untagged(text: bytes | str) -> bytes:
    data = text.encode() if isinstance(text, str) else text
    return b"* " + data + b"\r\n"


def status_line(tag: str | None, status: bytes, text: str, code: str | None = None) -> bytes:
    head = (tag or "*").encode() + b" " + status + b" "
    if code:
        head += b"[" + code.encode() + b"] "
    return head + _one_line(text).encode() + b"\r\n"


def _one_line(text: str) -> str:
    # resp-text is TEXT-CHAR only: no CR, LF or NUL may reach the client.
    cleaned = "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in text)
    return cleaned.encode("ascii", "replace").decode("ascii") or "done"


@dataclass
class Reply:
    """What a command produced, for the server to write.

    `more` continues a long response (a FETCH over many messages is built in batches, so
    the server writes each before the next is read from the store). The server also
    acts on `continuation` (send "+ text" and feed the next line to the session's
    pending step), `starttls`, `idle` and `close`.
    """

    lines: list[bytes] = field(default_factory=list)
    more: Callable[[], Reply] | None = None
    continuation: bytes | None = None
    starttls: bool = False
    idle: bool = False
    close: bool = False
    delay: float = 0.0  # seconds to wait before writing (failed authentication)
