"""What every benchmark does first: a private data dir, no Redis, a fresh database (a new
Postgres database when DATABASE_URL names one), Django set up and migrated; and a way
to run listeners on an event loop in a background thread."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def configure(name: str) -> None:
    """Call before importing Django or the project."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("MAIL_DATA_DIR", tempfile.mkdtemp(prefix=f"bench-{name}-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webmail.settings")
    os.environ.setdefault("MAIL_LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)


def setup_django() -> str:
    """Recreate the Postgres database if DATABASE_URL names one, set Django up, migrate;
    returns the database engine's short name."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[-1]
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql, "postgres"], check=True
            )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def serve_in_thread(
    start: Callable[[], Awaitable[object]], stop: Callable[[], Awaitable[object]]
) -> tuple[asyncio.AbstractEventLoop, threading.Thread]:
    """Run `start()` on a new loop in a daemon thread and keep the loop running; stopping
    the loop (loop.call_soon_threadsafe(loop.stop)) runs `stop()`."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(stop())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    return loop, thread
