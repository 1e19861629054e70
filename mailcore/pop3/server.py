"""POP3 listeners on asyncio streams: TLS, timeouts and limits around the session.

- `pop3` on MAIL_POP3_PORT: plaintext at first, STLS offered (RFC 2595);
- `pop3s` on MAIL_POP3S_PORT: implicit TLS (RFC 8314), no STLS.

The server owns the bytes: it reads lines (with its own buffer, so it knows exactly what
arrived before STLS), hands each to the session, writes the reply, and hangs up on QUIT,
timeout, too many bad commands or a full listener. Nothing the client sends can make a
traceback reach it: an unexpected error becomes "-ERR [SYS/TEMP]" and is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

from django.conf import settings

from mailcore.config import MailConfig

from . import responses as r
from .maildrop import StoreMaildrop
from .parser import MAX_SASL_LINE
from .session import Reply, Session

log = logging.getLogger(__name__)

# RFC 1939 3: an inactivity autologout timer of at least 10 minutes.
COMMAND_TIMEOUT = 600.0
WRITE_TIMEOUT = 300.0
CLOSE_TIMEOUT = 5.0
MAX_CONNECTIONS = 200  # per listener
READ_CHUNK = 2**18  # more than the stream reader ever buffers, so it is always emptied


class LineReader:
    """Lines from a stream, at most `limit` octets each: the rest of a longer line is
    discarded and the session gets a truncated line, which it rejects as too long."""

    def __init__(self, reader: asyncio.StreamReader, limit: int = MAX_SASL_LINE + 2) -> None:
        self.reader, self.limit = reader, limit
        self.buffer = bytearray()
        self.discarding = False

    async def readline(self) -> bytes | None:
        """The next line with its line ending, or None at end of stream."""
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line = bytes(self.buffer[: end + 1])
                del self.buffer[: end + 1]
                return line
            if len(self.buffer) > self.limit:
                line = bytes(self.buffer[: self.limit])
                self.buffer.clear()
                self.discarding = True
                return line
            chunk = await self.reader.read(READ_CHUNK)
            if not chunk:
                return None
            if self.discarding:
                end = chunk.find(b"\n")
                if end < 0:
                    continue
                chunk, self.discarding = chunk[end + 1 :], False
            self.buffer += chunk

    def pending(self) -> bool:
        """Whether bytes beyond the last line have arrived (in our buffer or the stream's)."""
        return bool(self.buffer) or bool(getattr(self.reader, "_buffer", b""))


class POP3Listener:
    def __init__(
        self,
        config: MailConfig,
        tls: ssl.SSLContext,
        *,
        name: str,
        port: int,
        implicit_tls: bool,
        describe: str,
    ) -> None:
        self.config, self.tls, self.name, self.port = config, tls, name, port
        self.implicit_tls, self.describe = implicit_tls, describe
        self.timeout = float(getattr(settings, "MAIL_POP3_TIMEOUT", COMMAND_TIMEOUT))
        self.max_connections = int(getattr(settings, "MAIL_POP3_MAX_CONNECTIONS", MAX_CONNECTIONS))
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task] = set()

    async def start(self) -> list[str]:
        self.server = await asyncio.start_server(
            self._client,
            self.config.bind,
            self.port,
            ssl=self.tls if self.implicit_tls else None,
        )
        return [f"{self.name:<10} {self.config.bind}:{self.port}  ({self.describe})"]

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            for writer in list(self.writers):
                writer.transport.abort()
            # Let every session run its `finally` (giving its maildrop lock back).
            if self.tasks:
                await asyncio.wait(list(self.tasks), timeout=10)
            await self.server.wait_closed()

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self.writers) >= self.max_connections:
            with contextlib.suppress(Exception):
                await self._send(writer, r.TOO_MANY_CONNECTIONS.encode() + b"\r\n")
            writer.close()
            return
        self.writers.add(writer)
        task = asyncio.current_task()
        if task:
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        peer = (writer.get_extra_info("peername") or ("",))[0]
        session = Session(
            StoreMaildrop(lease_seconds=int(self.timeout) + 60),
            peer=str(peer),
            tls=self.implicit_tls,
            plaintext_auth=self.config.allow_plaintext_auth,
        )
        try:
            await self._converse(session, LineReader(reader), writer)
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError):
            pass  # the client went away or stalled; nothing was deleted
        except Exception:
            log.exception("POP3 connection from %s failed", peer)
        finally:
            # No QUIT, no UPDATE state: the lock goes, every message stays (RFC 1939 6).
            with contextlib.suppress(Exception):
                await session.close()
            self.writers.discard(writer)
            writer.close()
            # A TLS close waits for the client's close_notify; do not wait for long.
            try:
                await asyncio.wait_for(writer.wait_closed(), CLOSE_TIMEOUT)
            except Exception:
                writer.transport.abort()

    async def _converse(self, session: Session, lines: LineReader, writer: asyncio.StreamWriter):
        await self._send(writer, session.greeting())
        while True:
            try:
                line = await asyncio.wait_for(lines.readline(), self.timeout)
            except TimeoutError:
                await self._send(writer, r.AUTOLOGOUT.encode() + b"\r\n")
                return
            if line is None:
                return
            try:
                reply = await session.handle(line)
            except Exception:
                log.exception("POP3 command failed")
                reply = Reply(r.INTERNAL_ERROR.encode() + b"\r\n")
            if reply.start_tls:
                await self._start_tls(session, lines, writer, reply)
                continue
            await self._send(writer, reply.data)
            if reply.close:
                return

    async def _start_tls(
        self, session: Session, lines: LineReader, writer: asyncio.StreamWriter, reply: Reply
    ) -> None:
        # RFC 2595 / CVE-2011-0411: anything the client sent after STLS in the same
        # plaintext flight must not be read as if it had come through TLS: hang up.
        if lines.pending():
            raise ConnectionAbortedError("data after STLS")
        # No await between the reply and start_tls(), which stops reading first: the
        # client's ClientHello must reach the TLS layer, not the plaintext buffer.
        # (StreamWriter.drain() does not suspend below the write buffer's high-water mark.)
        writer.write(reply.data)
        await writer.start_tls(self.tls)
        session.tls_started()


def pop3(config: MailConfig, tls: ssl.SSLContext) -> POP3Listener:
    return POP3Listener(
        config, tls, name="pop3", port=config.pop3_port, implicit_tls=False, describe="STLS"
    )


def pop3s(config: MailConfig, tls: ssl.SSLContext) -> POP3Listener:
    return POP3Listener(
        config, tls, name="pop3s", port=config.pop3s_port, implicit_tls=True, describe="TLS"
    )
