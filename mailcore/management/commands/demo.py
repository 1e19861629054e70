"""`demo`: on a server with no accounts, create a demo mailbox with a welcome message
and print how to sign in (used by `make run`)."""

from __future__ import annotations

import os
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from mailcore.delivery import deliver
from mailcore.models import Account
from mailcore.store import create_account

DEMO_ADDRESS = "demo@example.test"


def welcome_message(address: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Mail Server <postmaster@example.test>"
    msg["To"] = address
    msg["Subject"] = "Welcome to your new mailbox"
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = make_msgid(domain="example.test")
    mail = settings.MAIL
    msg.set_content(
        "Hello,\n\nyour mailbox is ready. Read it here in the browser, or point a mail\n"
        f"client at {mail.hostname}: IMAP on port {mail.imap_port} (TLS on {mail.imaps_port}),\n"
        f"POP3 on {mail.pop3_port}, and send through SMTP submission on port "
        f"{mail.submission_port}.\n\n-- \nYour mail server\n"
    )
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


class Command(BaseCommand):
    help = "Create a demo mailbox if the server has no accounts yet."

    def handle(self, *args, **options) -> None:
        creds = settings.MAIL.data_dir / "demo-credentials.txt"
        if Account.objects.exists():
            if creds.exists():
                self.stdout.write(f"demo mailbox: see {creds}")
            return
        password = secrets.token_urlsafe(12)
        create_account(DEMO_ADDRESS, password, display_name="Demo User")
        deliver(welcome_message(DEMO_ADDRESS), "postmaster@example.test", [DEMO_ADDRESS])
        fd = os.open(creds, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(f"address: {DEMO_ADDRESS}\npassword: {password}\n")
        self.stdout.write(
            self.style.SUCCESS(
                f"created a demo mailbox\n  address:  {DEMO_ADDRESS}\n  password: {password}\n"
                f"(also written to {creds})"
            )
        )
