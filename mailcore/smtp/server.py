"""SMTP listeners on asyncio: our protocol engine (aiosmtpd's, extended), the handler,
TLS and limits. Three doors, one handler class:

- MTA on MAIL_SMTP_PORT: port-25 semantics, STARTTLS offered, AUTH optional;
- submission on MAIL_SUBMISSION_PORT (RFC 6409): STARTTLS, then AUTH, before MAIL;
- submission with implicit TLS on MAIL_SMTPS_PORT (RFC 8314).
"""

from __future__ import annotations

import asyncio
import ssl
import warnings

from django.conf import settings

from mailcore.config import MailConfig
from mailcore.delivery import ingest

from . import codes
from .handler import MailHandler, Policy
from .protocol import MailSMTP

COMMAND_TIMEOUT = 300  # RFC 5321 4.5.3.2: at least 5 minutes per command
MAX_CONNECTIONS = 500  # per listener


class _Refuse(asyncio.Protocol):
    """Answers 421 and hangs up: the listener is at its connection limit."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        transport.write(codes.TOO_MANY_CONNECTIONS.encode() + b"\r\n")
        transport.close()


class SMTPListener:
    def __init__(
        self,
        config: MailConfig,
        tls: ssl.SSLContext,
        *,
        policy: Policy,
        port: int,
        implicit_tls: bool = False,
        require_starttls: bool = False,
        auth_required: bool = False,
        describe: str = "",
    ) -> None:
        self.config, self.tls, self.policy, self.port = config, tls, policy, port
        self.name = policy.name
        self.implicit_tls = implicit_tls
        self.require_starttls, self.auth_required = require_starttls, auth_required
        self.describe = describe
        self.server: asyncio.base_events.Server | None = None
        self.connections = 0

    def _protocol(self) -> asyncio.Protocol:
        if self.connections >= getattr(settings, "MAIL_SMTP_MAX_CONNECTIONS", MAX_CONNECTIONS):
            return _Refuse()
        listener = self

        class Counted(MailSMTP):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                listener.connections += 1
                super().connection_made(transport)

            def connection_lost(self, exc: Exception | None) -> None:
                listener.connections -= 1
                super().connection_lost(exc)

        with warnings.catch_warnings():
            # "AUTH without requiring TLS": on the implicit-TLS port TLS is already there.
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return self._make(Counted)

    def _make(self, protocol: type[MailSMTP]) -> MailSMTP:
        return protocol(
            MailHandler(self.config.hostname, self.policy),
            data_size_limit=settings.MAIL_MAX_MESSAGE_SIZE,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.config.hostname,
            ident="webmail ESMTP",
            # With implicit TLS the socket is encrypted before SMTP starts; STARTTLS is
            # not offered again (RFC 8314 3.3).
            tls_context=None if self.implicit_tls else self.tls,
            require_starttls=self.require_starttls,
            auth_required=self.auth_required,
            # aiosmtpd only knows TLS it started itself (STARTTLS); on the implicit-TLS
            # port every byte is already encrypted, so AUTH needs no further TLS.
            auth_require_tls=not (self.implicit_tls or self.config.allow_plaintext_auth),
            timeout=COMMAND_TIMEOUT,
            loop=asyncio.get_running_loop(),
        )

    async def start(self) -> list[str]:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            self._protocol,
            self.config.bind,
            self.port,
            ssl=self.tls if self.implicit_tls else None,
        )
        return [f"{self.name:<10} {self.config.bind}:{self.port}  ({self.describe})"]

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()
        # What was accepted is durable either way; delivering it before going saves the
        # next start's sweep the work (bounded: a stuck database must not block exit).
        await asyncio.to_thread(ingest.settle, 10)


def mta(config: MailConfig, tls: ssl.SSLContext) -> SMTPListener:
    return SMTPListener(
        config,
        tls,
        policy=Policy("smtp", submission=False),
        port=config.smtp_port,
        describe="MTA, STARTTLS",
    )


def submission(config: MailConfig, tls: ssl.SSLContext) -> SMTPListener:
    return SMTPListener(
        config,
        tls,
        policy=Policy("submission", submission=True),
        port=config.submission_port,
        auth_required=True,
        require_starttls=not config.allow_plaintext_auth,
        describe="submission, STARTTLS + AUTH",
    )


def smtps(config: MailConfig, tls: ssl.SSLContext) -> SMTPListener:
    return SMTPListener(
        config,
        tls,
        policy=Policy("smtps", submission=True),
        port=config.smtps_port,
        implicit_tls=True,
        auth_required=True,
        describe="submission, implicit TLS + AUTH",
    )
