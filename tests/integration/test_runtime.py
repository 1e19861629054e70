"""The runner `serve` and `runmail` share (mailcore.runtime.run)."""

import asyncio
import gc
import os
import signal

from mailcore import runtime


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.events: list[str] = []

    async def start(self) -> list[str]:
        self.events.append("start")
        return ["recorder   listening"]

    async def stop(self) -> None:
        self.events.append("stop")


def test_run_starts_freezes_the_startup_heap_and_stops_on_sigterm(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # no in-process sweeper: no database here
    listener = Recorder()
    lines: list[str] = []
    frozen_at_ready: list[int] = []

    def announce(line: str) -> None:
        lines.append(line)
        if line.startswith("ready"):
            frozen_at_ready.append(gc.get_freeze_count())
            os.kill(os.getpid(), signal.SIGTERM)  # handled by run(), as from a supervisor

    gc.unfreeze()
    try:
        asyncio.run(runtime.run([listener], announce))
    finally:
        gc.unfreeze()
    assert listener.events == ["start", "stop"]
    assert lines == ["recorder   listening", "ready; stop with Ctrl+C or SIGTERM", "stopped"]
    # Everything alive once the listeners were up is out of the collector's sight.
    assert frozen_at_ready[0] > 10_000


def test_prepared_statements_unless_database_url_turns_them_off(tmp_path):
    """Postgres connections prepare a statement run a fifth time (decisions/0011);
    "?prepare_threshold=off" in DATABASE_URL (an old PgBouncer in front) turns it off."""
    import subprocess
    import sys

    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    )
    seen = []
    for query in ("", "?prepare_threshold=off", "?prepare_threshold=10"):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "webmail.settings",
            "MAIL_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1/nowhere{query}",
        }
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        seen.append(out.stdout.strip())
    assert seen == ["5", "None", "10"]
