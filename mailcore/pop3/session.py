"""The POP3 session: RFC 1939's state machine over a maildrop, without sockets.

The server feeds it one line at a time and writes back what `handle` returns. The
maildrop (the account's Inbox behind the store, or a fake in the unit tests) is reached
through the `Maildrop` protocol; the session itself imports no Django and does no I/O.

States (RFC 1939 3): AUTHORIZATION until a login succeeds and the maildrop is locked,
TRANSACTION while the client works on its snapshot, UPDATE after QUIT, when the messages
marked with DELE are removed for good. One gate, `_gate`, decides whether a command is
allowed in the current state and whether it must wait for TLS.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from typing import Protocol

from . import responses as r
from .parser import (
    Apop,
    Auth,
    Capa,
    Command,
    Dele,
    List,
    Noop,
    Pass,
    ProtocolError,
    Quit,
    Retr,
    Rset,
    Stat,
    Stls,
    Top,
    Uidl,
    User,
    parse,
    parse_sasl_response,
)
from .wire import multiline, top

MAX_BAD_COMMANDS = 10  # consecutive protocol errors before the connection is dropped
IMPLEMENTATION = "webmail"


class State(enum.Enum):
    AUTHORIZATION = "AUTHORIZATION"
    TRANSACTION = "TRANSACTION"
    UPDATE = "UPDATE"


@dataclass(frozen=True)
class Message:
    """One message of the session's snapshot. `size` is the octet count of the message as
    RETR sends it (CRLF line endings, before byte-stuffing)."""

    uid: int
    size: int
    uidl: str
    item_id: int


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    delay: float = 0.0  # seconds to wait before answering a failure (throttling)
    blocked: bool = False


class InUse(Exception):
    """Another session holds the maildrop lock (RFC 2449 8.1.1 IN-USE)."""


class TemporaryFailure(Exception):
    """The store could not do it now (RFC 3206 SYS/TEMP)."""


class MessageGone(Exception):
    """The message was removed by another door (IMAP, the web UI) during the session."""


class Maildrop(Protocol):
    async def blocked(self, peer: str) -> bool: ...

    async def login(self, username: str, password: str, peer: str) -> LoginResult: ...

    async def open(self) -> list[Message]:
        """Lock the logged-in account's maildrop and snapshot it (InUse, TemporaryFailure)."""
        ...

    async def keep_alive(self) -> None: ...

    async def retrieve(self, message: Message) -> bytes:
        """The message in wire form (MessageGone, TemporaryFailure)."""
        ...

    async def remove(self, uids: list[int]) -> int: ...

    async def release(self) -> None: ...


@dataclass(frozen=True)
class Reply:
    data: bytes
    close: bool = False  # hang up after sending
    start_tls: bool = False  # start the TLS handshake after sending (STLS)


@dataclass(frozen=True)
class Rule:
    states: frozenset[State]
    credentials: bool = False  # carries a password: refused before TLS unless allowed


_AUTHORIZATION = frozenset({State.AUTHORIZATION})
_TRANSACTION = frozenset({State.TRANSACTION})
_EITHER = _AUTHORIZATION | _TRANSACTION

# The gate's table: RFC 1939 3 and 7 (state of each command), RFC 2449 5 (CAPA in both),
# RFC 2595 4 (STLS only in AUTHORIZATION), RFC 5034 4 (AUTH only in AUTHORIZATION).
RULES: dict[type[Command], Rule] = {
    User: Rule(_AUTHORIZATION, credentials=True),
    Pass: Rule(_AUTHORIZATION, credentials=True),
    Auth: Rule(_AUTHORIZATION, credentials=True),
    Apop: Rule(_AUTHORIZATION),
    Stls: Rule(_AUTHORIZATION),
    Capa: Rule(_EITHER),
    Quit: Rule(_EITHER),
    Stat: Rule(_TRANSACTION),
    List: Rule(_TRANSACTION),
    Retr: Rule(_TRANSACTION),
    Dele: Rule(_TRANSACTION),
    Noop: Rule(_TRANSACTION),
    Rset: Rule(_TRANSACTION),
    Top: Rule(_TRANSACTION),
    Uidl: Rule(_TRANSACTION),
}


def _line(text: str, *, close: bool = False, start_tls: bool = False) -> Reply:
    return Reply(text.encode("utf-8") + b"\r\n", close=close, start_tls=start_tls)


def _lines(status: str, lines: list[str]) -> Reply:
    body = "".join(f"{line}\r\n" for line in lines).encode("utf-8")
    return Reply(multiline(status, body))


class Session:
    def __init__(
        self,
        maildrop: Maildrop,
        *,
        peer: str = "",
        tls: bool = False,
        plaintext_auth: bool = False,
    ) -> None:
        self.maildrop, self.peer = maildrop, peer
        self.tls, self.plaintext_auth = tls, plaintext_auth
        self.state = State.AUTHORIZATION
        self.user: str | None = None  # the name given by USER, waiting for PASS
        self.sasl_pending = False  # "+ " was sent; the next line is a SASL response
        self.messages: list[Message] = []
        self.deleted: set[int] = set()  # message numbers marked by DELE
        self.bad_commands = 0

    def greeting(self) -> bytes:
        return _line(r.GREETING).data

    def tls_started(self) -> None:
        # RFC 2595 4: after STLS the client must forget what it learnt before; so does
        # the server (a USER given in plaintext does not carry over).
        self.tls, self.user = True, None

    async def close(self) -> None:
        """The connection ended (QUIT or not): let go of the maildrop lock, delete nothing."""
        await self.maildrop.release()

    async def handle(self, line: bytes) -> Reply:
        if self.sasl_pending:
            self.sasl_pending = False
            return await self._sasl_response(line)
        try:
            command = parse(line)
        except ProtocolError as exc:
            return self._bad(r.UNKNOWN_COMMAND if exc.unknown else r.SYNTAX.format(detail=exc))
        refusal = self._gate(command)
        if refusal:
            return self._bad(refusal)
        self.bad_commands = 0
        if self.state is State.TRANSACTION:
            await self.maildrop.keep_alive()
        handler = getattr(self, f"pop_{command.verb}")
        try:
            return await handler(command)
        except TemporaryFailure:
            return _line(r.TEMPORARY_FAILURE)

    def _gate(self, command: Command) -> str | None:
        rule = RULES[type(command)]
        if self.state not in rule.states:
            return r.NOT_IN_STATE
        if rule.credentials and not self._credentials_allowed():
            return r.TLS_REQUIRED
        if isinstance(command, Stls) and self.tls:
            return r.ALREADY_TLS
        return None

    def _credentials_allowed(self) -> bool:
        return self.tls or self.plaintext_auth

    def _bad(self, text: str) -> Reply:
        self.bad_commands += 1
        if self.bad_commands >= MAX_BAD_COMMANDS:
            return _line(r.TOO_MANY_ERRORS, close=True)
        return _line(text)

    # AUTHORIZATION ----------------------------------------------------------------------

    async def pop_CAPA(self, command: Capa) -> Reply:
        """RFC 2449 5; what is offered depends on the state and on TLS."""
        caps = ["TOP", "UIDL"]
        if self.state is State.AUTHORIZATION and self._credentials_allowed():
            caps += ["USER", "SASL PLAIN"]
        caps += ["RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER"]
        caps.append(f"IMPLEMENTATION {IMPLEMENTATION}")
        if self.state is State.AUTHORIZATION and not self.tls:
            caps.append("STLS")
        return _lines(r.CAPA_FOLLOWS, caps)

    async def pop_STLS(self, command: Stls) -> Reply:
        return _line(r.STLS_OK, start_tls=True)

    async def pop_USER(self, command: User) -> Reply:
        # The same answer whether or not the name exists: no user enumeration.
        self.user = command.name
        return _line(r.USER_OK)

    async def pop_PASS(self, command: Pass) -> Reply:
        if self.user is None:
            return _line(r.USER_FIRST)
        user, self.user = self.user, None
        return await self._login(user, command.password)

    async def pop_APOP(self, command: Apop) -> Reply:
        # APOP needs the clear-text password on the server; we only keep hashes.
        return _line(r.APOP_UNSUPPORTED)

    async def pop_AUTH(self, command: Auth) -> Reply:
        """RFC 5034: AUTH PLAIN, with an initial response or after a "+ " challenge."""
        if command.mechanism is None:
            return _lines(r.AUTH_MECHANISMS, ["PLAIN"])
        if command.mechanism != "PLAIN":
            return _line(r.UNSUPPORTED_MECHANISM)
        if command.initial is None:
            self.sasl_pending = True
            return Reply(r.AUTH_CONTINUE.encode("ascii") + b"\r\n")
        return await self._plain(command.initial)

    async def _sasl_response(self, line: bytes) -> Reply:
        try:
            data = parse_sasl_response(line)
        except ProtocolError:
            return self._bad(r.AUTH_BAD_RESPONSE)
        if data is None:
            return _line(r.AUTH_CANCELLED)
        return await self._plain(data)

    async def _plain(self, data: bytes) -> Reply:
        # RFC 4616: [authzid] NUL authcid NUL passwd. Acting as another user (an authzid
        # other than the authcid) is not supported.
        try:
            authzid, authcid, password = data.decode("utf-8").split("\x00")
        except (ValueError, UnicodeDecodeError):
            return self._bad(r.AUTH_BAD_RESPONSE)
        if authzid and authzid.lower() != authcid.lower():
            return _line(r.AUTH_FAILED)
        return await self._login(authcid, password)

    async def _login(self, username: str, password: str) -> Reply:
        if await self.maildrop.blocked(self.peer):
            return _line(r.AUTH_BLOCKED, close=True)
        result = await self.maildrop.login(username, password, self.peer)
        if not result.ok:
            if result.delay:
                await asyncio.sleep(result.delay)
            if result.blocked:
                return _line(r.AUTH_BLOCKED, close=True)
            return _line(r.AUTH_FAILED)
        try:
            self.messages = await self.maildrop.open()
        except InUse:
            return _line(r.IN_USE)
        self.state = State.TRANSACTION
        count, octets = self._totals()
        return _line(r.LOGGED_IN.format(count=count, octets=octets))

    # TRANSACTION ------------------------------------------------------------------------

    def _live(self) -> list[tuple[int, Message]]:
        return [(n, m) for n, m in enumerate(self.messages, 1) if n not in self.deleted]

    def _totals(self) -> tuple[int, int]:
        live = self._live()
        return len(live), sum(m.size for _, m in live)

    def _lookup(self, msg: int) -> Message | Reply:
        if msg > len(self.messages):
            return _line(r.NO_SUCH_MESSAGE)
        if msg in self.deleted:
            return _line(r.ALREADY_DELETED.format(msg=msg))
        return self.messages[msg - 1]

    async def pop_STAT(self, command: Stat) -> Reply:
        count, octets = self._totals()
        return _line(f"+OK {count} {octets}")

    async def pop_LIST(self, command: List) -> Reply:
        if command.msg is not None:
            found = self._lookup(command.msg)
            if isinstance(found, Reply):
                return found
            return _line(f"+OK {command.msg} {found.size}")
        count, octets = self._totals()
        return _lines(
            r.LIST_FOLLOWS.format(count=count, octets=octets),
            [f"{n} {m.size}" for n, m in self._live()],
        )

    async def pop_UIDL(self, command: Uidl) -> Reply:
        if command.msg is not None:
            found = self._lookup(command.msg)
            if isinstance(found, Reply):
                return found
            return _line(f"+OK {command.msg} {found.uidl}")
        return _lines(r.UIDL_FOLLOWS, [f"{n} {m.uidl}" for n, m in self._live()])

    async def _wire(self, msg: int) -> bytes | Reply:
        found = self._lookup(msg)
        if isinstance(found, Reply):
            return found
        try:
            return await self.maildrop.retrieve(found)
        except MessageGone:
            return _line(r.MESSAGE_GONE.format(msg=msg))

    async def pop_RETR(self, command: Retr) -> Reply:
        wire = await self._wire(command.msg)
        if isinstance(wire, Reply):
            return wire
        return Reply(multiline(r.MESSAGE_FOLLOWS.format(octets=len(wire)), wire))

    async def pop_TOP(self, command: Top) -> Reply:
        wire = await self._wire(command.msg)
        if isinstance(wire, Reply):
            return wire
        return Reply(multiline(r.TOP_FOLLOWS, top(wire, command.lines)))

    async def pop_DELE(self, command: Dele) -> Reply:
        found = self._lookup(command.msg)
        if isinstance(found, Reply):
            return found
        self.deleted.add(command.msg)
        return _line(r.DELETED.format(msg=command.msg))

    async def pop_NOOP(self, command: Noop) -> Reply:
        return _line(r.NOOP_OK)

    async def pop_RSET(self, command: Rset) -> Reply:
        self.deleted.clear()
        count, octets = self._totals()
        return _line(r.RSET_OK.format(count=count, octets=octets))

    async def pop_QUIT(self, command: Quit) -> Reply:
        if self.state is State.AUTHORIZATION:
            return _line(r.BYE, close=True)
        # RFC 1939 6: only a QUIT from TRANSACTION enters UPDATE and removes messages.
        self.state = State.UPDATE
        uids = [self.messages[n - 1].uid for n in sorted(self.deleted)]
        try:
            removed = await self.maildrop.remove(uids) if uids else 0
        except TemporaryFailure:
            return _line(r.QUIT_FAILED, close=True)
        finally:
            await self.maildrop.release()
        return _line(r.QUIT_OK.format(deleted=removed), close=True)
