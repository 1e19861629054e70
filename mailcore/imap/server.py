"""IMAP listeners on asyncio streams: TLS, timeouts, limits and IDLE around the session.

- `imap` on MAIL_IMAP_PORT: plaintext at first, STARTTLS offered (RFC 2595, RFC 3501);
- `imaps` on MAIL_IMAPS_PORT: implicit TLS (RFC 8314).

The server owns the bytes: a sans-IO assembler (mailcore.imap.parser) cuts the stream into
commands and literals, each command runs in a database worker thread (one call per
command, or per batch of a long FETCH), and the reply is written before the next command
is read. Nothing a client sends can make a traceback reach it; a failure is a NO or BAD,
and a connection is only ever closed after a BYE.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import deque
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from mailcore.config import MailConfig
from mailcore.seam import in_db_thread
from mailcore.store.events import group_name

from . import commands as c
from .handlers.general import idle_done, idle_updates
from .parser import CommandAssembler, parse, tag_of
from .parser import events as ev
from .responses import BAD, NO, Reply, status_line, untagged
from .session import Session, Settings

log = logging.getLogger(__name__)

# RFC 3501 5.4: an autologout timer of at least 30 minutes once authenticated; a client
# that has not logged in gets far less.
IDLE_TIMEOUT = 30 * 60.0
LOGIN_TIMEOUT = 60.0
WRITE_TIMEOUT = 300.0
IDLE_POLL = 60.0  # safety net if a push event is lost
MAX_LINE = 64 * 1024
MAX_CONNECTIONS = 1000  # per listener
MAX_PER_USER = 50  # sessions per account on one listener
MAX_BAD_COMMANDS = 20  # consecutive BADs before the connection is closed
READ_CHUNK = 64 * 1024


class IMAPListener:
    def __init__(
        self, config: MailConfig, tls: ssl.SSLContext, *, name: str, port: int, implicit_tls: bool
    ) -> None:
        self.config, self.tls_context, self.name = config, tls, name
        self.port, self.implicit_tls = port, implicit_tls
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.Task[Any]] = set()
        self.per_user: dict[int, int] = {}

    async def start(self) -> list[str]:
        self.server = await asyncio.start_server(
            self._serve,
            self.config.bind,
            self.port,
            ssl=self.tls_context if self.implicit_tls else None,
            limit=MAX_LINE * 2,
        )
        scheme = "imaps" if self.implicit_tls else "imap"
        return [f"{self.name:<10} {scheme}://{self.config.bind}:{self.port}/"]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self.connections):
            task.cancel()
        if self.connections:
            await asyncio.wait(self.connections, timeout=5)
        if self.server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.connections.add(task)
        try:
            connection = Connection(self, reader, writer)
            await connection.run()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError):
            pass
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                writer.write(untagged("BYE server shutting down"))
        except Exception:
            log.exception("IMAP connection failed")
            with contextlib.suppress(Exception):
                writer.write(untagged("BYE [SERVERBUG] internal error, closing"))
        finally:
            self.connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 5)


class Connection:
    """One client: reads commands, runs them, writes replies, in order."""

    def __init__(
        self, listener: IMAPListener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.listener, self.reader, self.writer = listener, reader, writer
        peer = writer.get_extra_info("peername")
        self.peer = peer[0] if isinstance(peer, tuple) else str(peer or "")
        config = listener.config
        self.session = Session(
            Settings(
                hostname=config.hostname,
                tls_available=not listener.implicit_tls,
                plaintext_auth=config.allow_plaintext_auth,
            ),
            tls=listener.implicit_tls,
            peer=self.peer,
        )
        self.assembler = CommandAssembler(
            max_line=MAX_LINE, max_literal=settings.MAIL_MAX_MESSAGE_SIZE
        )
        self.events: deque[Any] = deque()
        self.counted_user: int | None = None
        self.bad_commands = 0

    # --- I/O ---------------------------------------------------------------------------

    async def write(self, *chunks: bytes) -> None:
        self.writer.write(b"".join(chunks))
        await asyncio.wait_for(self.writer.drain(), WRITE_TIMEOUT)

    async def next_event(self) -> Any:
        """The next assembler event, reading from the socket when none is ready."""
        while not self.events:
            timeout = IDLE_TIMEOUT if self.session.account else LOGIN_TIMEOUT
            try:
                chunk = await asyncio.wait_for(self.reader.read(READ_CHUNK), timeout)
            except TimeoutError:
                await self.write(untagged("BYE autologout: idle for too long"))
                raise
            if not chunk:
                raise ConnectionResetError("client closed the connection")
            self.events.extend(self.assembler.feed(chunk))
        return self.events.popleft()

    # --- the command loop -------------------------------------------------------------

    async def run(self) -> None:
        if len(self.listener.connections) > MAX_CONNECTIONS:
            await self.write(untagged("BYE [UNAVAILABLE] too many connections, try later"))
            return
        await self.write(self.session.greeting())
        try:
            while True:
                event = await self.next_event()
                if not await self.handle(event):
                    return
        finally:
            if self.counted_user is not None:
                self.listener.per_user[self.counted_user] -= 1

    async def handle(self, event: Any) -> bool:
        """Act on one assembler event; False when the connection must close."""
        if isinstance(event, ev.Continue):
            await self.write(b"+ Ready for literal data\r\n")
            return True
        if isinstance(event, ev.TooLarge):
            # RFC 7888 4 / RFC 9051: refuse the literal; the rest of the command is
            # skipped by the assembler.
            await self.write(status_line(event.tag, NO, "literal too large", "TOOBIG"))
            if event.must_close:
                await self.write(untagged("BYE literal too large to skip"))
                return False
            return True
        if isinstance(event, ev.LineTooLong):
            await self.write(status_line(event.tag, BAD, "command line too long"))
            return await self.count_bad()
        assert isinstance(event, ev.Complete)
        data = event.data
        if self.session.pending is not None:
            reply = await in_db_thread(self.session.continue_with)(data)
            return await self.send(reply, None)
        try:
            command = parse(data)
        except c.ParseError as error:
            status = NO if error.no else BAD
            await self.write(status_line(error.tag or tag_of(data), status, error.text, error.code))
            return await self.count_bad() if status == BAD else True
        except Exception:  # the property tests say this never happens; if it does, stay up
            log.exception("IMAP parser failed on %r", data[:200])
            await self.write(status_line(tag_of(data), BAD, "could not parse the command"))
            return await self.count_bad()
        self.bad_commands = 0
        reply = await in_db_thread(self.session.execute)(command)
        return await self.send(reply, command)

    async def count_bad(self) -> bool:
        self.bad_commands += 1
        if self.bad_commands >= MAX_BAD_COMMANDS:
            await self.write(untagged("BYE too many invalid commands"))
            return False
        return True

    async def send(self, reply: Reply, command: c.Command | None) -> bool:
        if reply.starttls:
            await self.start_tls(reply)
            return True
        while True:
            if reply.delay:
                await asyncio.sleep(reply.delay)
            await self.write(*reply.lines)
            if reply.more is None:
                break
            reply = await in_db_thread(reply.more)()
        if reply.continuation is not None:
            await self.write(reply.continuation)
        if reply.close:
            return False
        if not self.count_user():
            return False
        if reply.idle and command is not None:
            return await self.idle(command.tag)
        return True

    def count_user(self) -> bool:
        account = self.session.account
        if account is None or self.counted_user is not None:
            return True
        count = self.listener.per_user.get(account.pk, 0)
        if count >= MAX_PER_USER:
            self.writer.write(untagged("BYE [LIMIT] too many connections for this user"))
            return False
        self.listener.per_user[account.pk] = count + 1
        self.counted_user = account.pk
        return True

    async def start_tls(self, reply: Reply) -> None:
        # RFC 3501 6.2.1 / CVE-2011-0411: anything the client sent after STARTTLS in the
        # same plaintext flight must not be read as if it had come through TLS: hang up.
        if self.events or self.assembler.buffered() or getattr(self.reader, "_buffer", None):
            raise ConnectionAbortedError("data after STARTTLS")
        # No await between the reply and start_tls(), which stops reading first: the
        # client's ClientHello must reach the TLS layer, not the plaintext buffer.
        self.writer.write(b"".join(reply.lines))
        await self.writer.start_tls(self.listener.tls_context)
        self.session.tls = True

    # --- IDLE (RFC 2177) --------------------------------------------------------------

    async def idle(self, tag: str) -> bool:
        account = self.session.account
        assert account is not None
        layer = get_channel_layer()
        channel = await layer.new_channel() if layer else None
        if layer and channel:
            await layer.group_add(group_name(account.pk), channel)
        reading = asyncio.ensure_future(self.next_event())
        try:
            while True:
                waiting = asyncio.ensure_future(
                    layer.receive(channel) if layer and channel else asyncio.sleep(IDLE_POLL)
                )
                done, _ = await asyncio.wait(
                    {reading, waiting}, timeout=IDLE_POLL, return_when=asyncio.FIRST_COMPLETED
                )
                if reading in done:
                    waiting.cancel()
                    event = reading.result()
                    data = event.data if isinstance(event, ev.Complete) else b""
                    if data.strip().upper() != b"DONE":
                        await self.write(status_line(tag, BAD, "expected DONE"))
                        return True
                    reply = await in_db_thread(idle_done)(self.session, tag)
                    return await self.send(reply, None)
                if waiting not in done:
                    waiting.cancel()
                updates = await in_db_thread(idle_updates)(self.session)
                if updates:
                    await self.write(*updates)
        finally:
            if not reading.done():
                reading.cancel()
            if layer and channel:
                with contextlib.suppress(Exception):
                    await layer.group_discard(group_name(account.pk), channel)


def imap(config: MailConfig, tls: ssl.SSLContext) -> IMAPListener:
    return IMAPListener(config, tls, name="imap", port=config.imap_port, implicit_tls=False)


def imaps(config: MailConfig, tls: ssl.SSLContext) -> IMAPListener:
    return IMAPListener(config, tls, name="imaps", port=config.imaps_port, implicit_tls=True)
