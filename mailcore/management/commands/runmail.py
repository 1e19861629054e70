"""`runmail`: the mail listeners only, for clusters running web and mail apart."""

from __future__ import annotations

import asyncio

from django.core.management.base import BaseCommand

from mailcore.runtime import mail_listeners, run


class Command(BaseCommand):
    help = "Run the SMTP, IMAP and POP3 listeners (no web app) until SIGTERM."

    def handle(self, *args, **options) -> None:
        def announce(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        asyncio.run(run(mail_listeners(), announce))
