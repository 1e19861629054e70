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
