"""Raw-socket IMAP for the compliance suite: exact bytes out, whole responses in, and every
line the server sends held to the response grammar.

`Wire` sends a command as bytes (with synchronizing or LITERAL+ literals anywhere in it),
reads the response up to its tagged line (reading the literals inside response lines)
and checks, for every line:
- the response grammar (`support.imapgrammar.check_line`);
- what one connection can see of the selected mailbox, as Dovecot's imaptest tracks it:
  EXISTS never shrinks the mailbox (RFC 3501 7.3.1), EXPUNGE and FETCH name existing
  numbers, a message keeps its UID and UIDs ascend with sequence numbers (2.3.1.1), no
  EXPUNGE while answering FETCH, STORE or SEARCH, nor between commands (7.4.1);
- that a command gets exactly one tagged response, with its own tag, last.
A violation raises GrammarError (an AssertionError) naming the line.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from support.imapgrammar import GrammarError, Line, check_line

ALICE = ("alice@example.test", "alice-pw")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """PBKDF2 costs half a second per account and per first login; the compliance suite
    is about the protocol, so a cheap hasher keeps it fast. Autouse in every module that
    imports it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- what one connection may see of the selected mailbox ------------------------------------


class MailboxView:
    """The client's picture of the selected mailbox: sequence numbers, known UIDs, and the
    keywords the FLAGS response announced (imaptest: "keyword used without being in
    FLAGS"; RFC 3501 7.2.6 makes FLAGS the list of the mailbox's flags)."""

    def __init__(self) -> None:
        self.exists: int | None = None
        self.uids: list[int | None] = []
        self.keywords: set[str] = set()

    def apply(self, line: Line) -> None:
        n = line.number
        if line.name == "FLAGS":
            self.keywords = {f.lower() for f in line.value if not f.startswith("\\")}
        elif line.name == "EXISTS":
            assert n is not None
            if self.exists is not None and n < self.exists:
                raise GrammarError(f"EXISTS went down from {self.exists} (RFC 3501 7.3.1)")
            self.uids.extend([None] * (n - len(self.uids)))
            self.exists = n
        elif line.name == "EXPUNGE":
            assert n is not None
            self._known(n, line)
            del self.uids[n - 1]
            self.exists = len(self.uids)
        elif line.name == "FETCH":
            assert n is not None
            self._known(n, line)
            uid = line.value.get("UID")
            if uid is not None:
                self._check_uid(n, uid)
            unknown = {f for f in line.value.get("FLAGS", ()) if not f.startswith("\\")}
            if {f.lower() for f in unknown} - self.keywords:
                raise GrammarError(f"keyword used without being in FLAGS: {line.raw!r}")

    def _known(self, n: int, line: Line) -> None:
        if self.exists is None or n > self.exists:
            raise GrammarError(f"message {n} does not exist (EXISTS {self.exists}): {line.raw!r}")

    def _check_uid(self, n: int, uid: int) -> None:
        known = self.uids[n - 1]
        if known is not None and known != uid:
            raise GrammarError(f"message {n} changed its UID from {known} to {uid}")
        lower = [u for u in self.uids[: n - 1] if u is not None]
        higher = [u for u in self.uids[n:] if u is not None]
        if (lower and lower[-1] >= uid) or (higher and higher[0] <= uid):
            raise GrammarError(f"UID {uid} of message {n} out of order: {self.uids}")
        self.uids[n - 1] = uid


# --- the connection ---------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """A literal argument: synchronizing ({n}, waits for "+") or LITERAL+ ({n+})."""

    data: bytes
    plus: bool = False


@dataclass
class Response:
    tag: str
    lines: list[Line]

    @property
    def raw(self) -> bytes:
        return b"".join(line.raw for line in self.lines)

    @property
    def tagged(self) -> Line:
        last = self.lines[-1]
        if last.kind != "tagged":
            raise AssertionError(f"no tagged response: {self.raw!r}")
        return last

    @property
    def status(self) -> str:
        return self.tagged.name

    @property
    def code(self) -> str | None:
        return self.tagged.code

    def untagged(self, name: str | None = None) -> list[Line]:
        return [
            line
            for line in self.lines
            if line.kind == "untagged" and (name is None or line.name == name.upper())
        ]

    def fetch(self) -> dict[int, dict[str, Any]]:
        """FETCH data by message number (several responses for one message merged)."""
        out: dict[int, dict[str, Any]] = {}
        for line in self.untagged("FETCH"):
            assert line.number is not None
            out.setdefault(line.number, {}).update(line.value)
        return out

    def search(self) -> list[int]:
        (line,) = self.untagged("SEARCH")
        return line.value

    def ok(self) -> Response:
        if self.status != "OK":
            raise AssertionError(f"expected OK: {self.raw!r}")
        return self


class Closed(ConnectionError):
    """The server closed the connection."""


# Commands during which no EXPUNGE may be sent (RFC 3501 7.4.1); the UID forms may.
_NO_EXPUNGE = {b"FETCH", b"STORE", b"SEARCH"}


class Wire:
    """One raw connection. Every line read goes through `check_line` and the view."""

    def __init__(self, port: int, *, tls: bool = False, timeout: float = 10.0) -> None:
        self.sock: socket.socket = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            self.sock = _client_tls().wrap_socket(self.sock, server_hostname="mail.example.test")
        self.buf = b""
        self.tags = (f"t{n}" for n in range(1, 1_000_000))
        self.view: MailboxView | None = None
        self.previous_view: MailboxView | None = None
        self.greeting = self.read_line()
        if self.greeting.kind != "untagged" or self.greeting.name not in ("OK", "PREAUTH", "BYE"):
            raise GrammarError(f"greeting must be OK, PREAUTH or BYE: {self.greeting.raw!r}")

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    # reading

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise Closed("server closed the connection")
        self.buf += chunk

    def _read_exact(self, size: int) -> bytes:
        while len(self.buf) < size:
            self._fill()
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def read_line(self) -> Line:
        """One response line with the literals inside it, checked."""
        raw = b""
        while True:
            while b"\r\n" not in self.buf:
                if b"\n" in self.buf:
                    raise GrammarError(f"bare LF in a response: {self.buf!r}")
                self._fill()
            end = self.buf.index(b"\r\n") + 2
            part, self.buf = self.buf[:end], self.buf[end:]
            raw += part
            m = re.search(rb"\{([0-9]+)\}\r\n\Z", part)
            if m is None:
                break
            raw += self._read_exact(int(m.group(1)))
        line = check_line(raw)
        if self.view is not None and line.kind == "untagged":
            self.view.apply(line)
        elif line.kind == "untagged" and line.name in ("EXISTS", "EXPUNGE", "FETCH", "RECENT"):
            raise GrammarError(f"message data outside the selected state: {raw!r}")
        return line

    def closed(self, timeout: float = 5.0) -> bool:
        """Whether the server has closed the connection (nothing more to read)."""
        self.sock.settimeout(timeout)
        try:
            return not self.buf and not self.sock.recv(1)
        except (ConnectionError, ssl.SSLError):
            return True

    def unsolicited(self) -> list[Line]:
        """Lines the server sent while no command was in progress (EXPUNGE may not be)."""
        lines = []
        while self.buf or self._poll():
            line = self.read_line()
            if line.name == "EXPUNGE":
                raise GrammarError(f"EXPUNGE with no command in progress: {line.raw!r}")
            lines.append(line)
        return lines

    def _poll(self) -> bool:
        """Read what has arrived without waiting; whether it was anything. A readable TLS
        socket may hold only TLS records (a TLS 1.3 session ticket), so read, not select."""
        # poll, not select: the test process may hold more than FD_SETSIZE descriptors.
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        if not poller.poll(0) and not (
            isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
        ):
            return False
        self.sock.setblocking(False)
        try:
            chunk = self.sock.recv(1 << 20)
        except (BlockingIOError, ssl.SSLWantReadError):
            return False
        finally:
            self.sock.settimeout(10.0)
        if not chunk:
            raise Closed("server closed the connection")
        self.buf += chunk
        return True

    # writing

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def command(self, *parts: bytes | str | Lit, tag: str | None = None) -> Response:
        """Send `tag SP parts CRLF` and read the whole response. A synchronizing literal
        waits for the server's "+"; if the server answers with its tagged response
        instead (NO [TOOBIG]), that is the response."""
        tag = tag or next(self.tags)
        self.unsolicited()
        words = [p.encode() if isinstance(p, str) else p for p in parts]
        self._before(words)
        out = tag.encode() + b" "
        for part in words:
            if isinstance(part, Lit):
                out += b"{%d%s}\r\n" % (len(part.data), b"+" if part.plus else b"")
                if not part.plus:
                    self.send(out)
                    out = b""
                    line = self.read_line()
                    if line.kind != "continuation":
                        lines = [line]
                        while lines[-1].kind != "tagged":
                            lines.append(self.read_line())
                        return self._finish(tag, words, lines)
                out += part.data
            else:
                out += part
        self.send(out + b"\r\n")
        return self.read_response(tag, words)

    def _before(self, words: list[Any]) -> None:
        verb = _verb(words)
        if verb in (b"SELECT", b"EXAMINE"):
            # A failed SELECT (NO) leaves no mailbox selected (RFC 3501 6.3.1); a BAD one
            # was not carried out, so the previous view stays.
            self.previous_view, self.view = self.view, MailboxView()

    def read_response(
        self, tag: str, words: list[Any] | None = None, *, stop_at_continuation: bool = True
    ) -> Response:
        """Lines up to the tagged one (or a "+" continuation, or the end after BYE)."""
        lines: list[Line] = []
        while True:
            try:
                line = self.read_line()
            except Closed:
                if lines and lines[-1].name == "BYE":
                    return Response(tag, lines)
                raise
            lines.append(line)
            if line.kind == "continuation" and stop_at_continuation:
                return Response(tag, lines)
            if line.kind == "tagged":
                return self._finish(tag, words or [], lines)

    def _finish(self, tag: str, words: list[Any], lines: list[Line]) -> Response:
        last = lines[-1]
        if last.kind != "tagged" or last.tag != tag:
            raise GrammarError(f"expected the tagged response of {tag}: {last.raw!r}")
        if any(line.kind == "tagged" for line in lines[:-1]):
            raise GrammarError("two tagged responses for one command")
        verb = _verb(words)
        if verb in _NO_EXPUNGE and any(line.name == "EXPUNGE" for line in lines):
            raise GrammarError(f"EXPUNGE during {verb.decode()} (RFC 3501 7.4.1)")
        selecting = verb in (b"SELECT", b"EXAMINE")
        if selecting and last.name == "BAD":
            self.view = self.previous_view
        elif (selecting and last.name == "NO") or (
            verb in (b"CLOSE", b"UNSELECT") and last.name == "OK"
        ):
            self.view = None
        return Response(tag, lines)

    def starttls(self) -> Response:
        response = self.command("STARTTLS").ok()
        self.sock = _client_tls().wrap_socket(self.sock, server_hostname="mail.example.test")
        return response

    # conveniences

    def login(self, user: str = ALICE[0], password: str = ALICE[1]) -> Response:
        return self.command("LOGIN", " ", _quote(user), " ", _quote(password)).ok()

    def select(self, mailbox: str = "INBOX", verb: str = "SELECT") -> Response:
        return self.command(verb, " ", _quote(mailbox))

    def idle(self) -> str:
        """Start IDLE; returns its tag once the server said "+"."""
        tag = next(self.tags)
        self.unsolicited()
        self.send(tag.encode() + b" IDLE\r\n")
        line = self.read_line()
        if line.kind != "continuation":
            raise AssertionError(f"IDLE was not accepted: {line.raw!r}")
        return tag

    def done(self, tag: str) -> Response:
        self.send(b"DONE\r\n")
        return self.read_response(tag)

    def lines_for(self, seconds: float) -> Iterator[Line]:
        """Lines that arrive within `seconds` (for IDLE)."""
        self.sock.settimeout(seconds)
        try:
            while True:
                yield self.read_line()
        except TimeoutError:
            return
        finally:
            self.sock.settimeout(10.0)


def _verb(words: list[Any]) -> bytes:
    text = b"".join(w for w in words if isinstance(w, bytes)).split()
    if text[:1] and text[0].upper() == b"UID":
        return b"UID " + (text[1].upper() if len(text) > 1 else b"")
    return text[0].upper() if text else b""


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _client_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def connect(port: int, *, login: bool = True, tls: bool = False, select: str = "") -> Wire:
    """A connection to the listener on `port`, logged in as alice unless asked not to,
    with `select` selected if given."""
    wire = Wire(port, tls=tls)
    if login:
        wire.login()
    if select:
        wire.select(select).ok()
    return wire


@pytest.fixture(name="other")
def other_session(plain_imap, wire):
    """A second session of alice's with INBOX selected, opened after the module's `wire`
    (so \\Recent went to `wire` if it selected INBOX)."""
    with connect(plain_imap.imap_port, select="INBOX") as second:
        yield second
