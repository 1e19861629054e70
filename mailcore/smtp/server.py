"""SMTP listeners on asyncio: aiosmtpd's protocol engine, our handler, TLS, limits."""

from __future__ import annotations

import asyncio
import ssl

from django.conf import settings

from mailcore.config import MailConfig

from .handler import MTAHandler
from .protocol import MailSMTP

COMMAND_TIMEOUT = 300  # RFC 5321 4.5.3.2: at least 5 minutes per command


class SMTPListener:
    """The MTA on MAIL_SMTP_PORT: STARTTLS offered, no AUTH needed to deliver locally."""

    name = "smtp"

    def __init__(self, config: MailConfig, tls: ssl.SSLContext) -> None:
        self.config, self.tls = config, tls
        self.server: asyncio.base_events.Server | None = None

    def _protocol(self) -> MailSMTP:
        return MailSMTP(
            MTAHandler(self.config.hostname),
            data_size_limit=settings.MAIL_MAX_MESSAGE_SIZE,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.config.hostname,
            ident="webmail ESMTP",
            tls_context=self.tls,
            require_starttls=False,
            timeout=COMMAND_TIMEOUT,
            auth_require_tls=not self.config.allow_plaintext_auth,
            loop=asyncio.get_running_loop(),
        )

    async def start(self) -> list[str]:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            self._protocol, self.config.bind, self.config.smtp_port
        )
        return [f"smtp       {self.config.bind}:{self.config.smtp_port}  (MTA, STARTTLS)"]

    async def stop(self) -> None:
        if self.server:
            self.server.close()
            await self.server.wait_closed()
