"""Running the listeners: what `serve` and `runmail` start, in one asyncio loop.

A listener is anything with `name`, `async start() -> list[str]` (lines saying where it
listens) and `async stop()`. The mail protocol issues register theirs in
settings.MAIL_LISTENERS as dotted paths of factories taking (MailConfig, ssl context).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable, Iterator
from typing import Protocol

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 30.0


class Listener(Protocol):
    name: str

    async def start(self) -> list[str]: ...

    async def stop(self) -> None: ...


class WebListener:
    """The ASGI web app (UI, admin, later EWS and DAV) under uvicorn."""

    name = "web"

    def __init__(self, host: str, port: int) -> None:
        import uvicorn

        class _Server(uvicorn.Server):
            # The runner owns SIGTERM/SIGINT for every listener; uvicorn must not
            # install its own handlers and re-raise the signal after shutdown.
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        self.host, self.port = host, port
        config = uvicorn.Config(
            "webmail.asgi:application",
            host=host,
            port=port,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self.server = _Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> list[str]:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises the startup error (port in use, ...)
                raise SystemExit(f"web server on {self.host}:{self.port} did not start")
            await asyncio.sleep(0.05)
        return [f"web        http://{self.host}:{self.port}/  (admin at /admin/)"]

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task:
            await self.task


def mail_listeners() -> list[Listener]:
    from mailcore.tls import ensure_certificate, server_context

    mail = settings.MAIL
    cert, key = ensure_certificate(mail.data_dir, mail.hostname, mail.tls_cert, mail.tls_key)
    context = server_context(cert, key)
    factories: list[Callable[..., Listener]] = [
        import_string(path) for path in getattr(settings, "MAIL_LISTENERS", [])
    ]
    return [factory(mail, context) for factory in factories]


def freeze_heap() -> None:
    """Take everything alive now out of the cyclic garbage collector's sight.

    Once the listeners are up, the objects that exist (Django, the models and URL conf,
    the libraries, the listeners: some 100,000 in `runmail`) live as long as the
    process, yet every full collection would walk them all, holding the GIL and so
    stalling every session meanwhile: 60-80 ms a time in bench/smtp_ingest.py, about
    every other round of 800 messages. Frozen (the permanent generation), they are never
    scanned again; a full collection walks only what the server made since (2-3 ms).
    What is frozen is still freed if its references go; only cycles among it are not."""
    gc.collect()
    gc.freeze()


def _sweep_once() -> int:
    from mailcore.delivery.tasks import sweep_queue

    close_old_connections()
    try:
        return sweep_queue()
    finally:
        close_old_connections()


async def _sweeper(stop: asyncio.Event) -> None:
    """With no broker there is no celery beat: sweep the queue in-process."""
    while not stop.is_set():
        try:
            count = await sync_to_async(_sweep_once, thread_sensitive=False)()
            if count:
                log.info("delivered %d queued message(s)", count)
        except Exception:
            log.exception("queue sweep failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SWEEP_INTERVAL)


async def run(listeners: list[Listener], announce: Callable[[str], None]) -> None:
    """Start every listener, run until SIGTERM/SIGINT, then stop them all cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    started: list[Listener] = []
    try:
        for listener in listeners:
            for line in await listener.start():
                announce(line)
            started.append(listener)
        freeze_heap()
        sweeper = None
        if settings.CELERY_TASK_ALWAYS_EAGER:
            sweeper = asyncio.create_task(_sweeper(stop))
        announce("ready; stop with Ctrl+C or SIGTERM")
        await stop.wait()
        if sweeper:
            await sweeper
    finally:
        for listener in reversed(started):
            try:
                await listener.stop()
            except Exception:
                log.exception("stopping %s failed", listener.name)
        announce("stopped")
