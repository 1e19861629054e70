"""`serve`: the whole server in one process (the embedded default)."""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand

from mailcore.runtime import WebListener, mail_listeners, run


class Command(BaseCommand):
    help = "Run the web app and every mail listener in one process until SIGTERM."

    def handle(self, *args, **options) -> None:
        mail = settings.MAIL
        listeners = [WebListener(mail.bind, mail.http_port), *mail_listeners()]
        db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            f"data in {mail.data_dir} (database: {db}; "
            f"tasks: {'in-process' if settings.CELERY_TASK_ALWAYS_EAGER else 'celery'})"
        )

        def announce(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        asyncio.run(run(listeners, announce))
