"""Publishing store changes to listeners (IMAP IDLE, UI web sockets, EWS notifications).

Events go out only after the transaction that made them commits, on the Channels layer
group of the account ("mailbox.<account id>"): in-process in the single-process default,
Redis in a cluster so a delivery in one process wakes an IDLE client in another.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from collections.abc import Coroutine
from typing import Any

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def group_name(account_id: int) -> str:
    return f"mailbox.{account_id}"


def publish_on_commit(account_id: int, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _publish(account_id, event))


def _publish(account_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "mailbox.change", **event}
    _publisher.send(layer.group_send(group_name(account_id), message), account_id)


class _Publisher:
    """One long-lived event loop in a thread of its own that sends every event.

    `async_to_sync` per event started a loop (and, for Redis, a connection pool) per
    call: 0.2-1.5 ms on the committing thread. Handing the send to this loop costs the
    committer a few microseconds, keeps events in commit order, and lets the Redis layer
    keep its connections. Recreated in a forked child (Celery's prefork workers).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[concurrent.futures.Future[None]] = set()
        os.register_at_fork(after_in_child=self._forget)
        atexit.register(self.drain)

    def send(self, sending: Coroutine[Any, Any, None], account_id: int) -> None:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=self._loop.run_forever, name="store-events", daemon=True
                ).start()
            future = asyncio.run_coroutine_threadsafe(sending, self._loop)
            self._pending.add(future)
        future.add_done_callback(lambda f: self._done(f, account_id))

    def _done(self, future: concurrent.futures.Future[None], account_id: int) -> None:
        with self._lock:
            self._pending.discard(future)
        # Push is a hint; the change log is the truth. A lost event only delays a client
        # until its next poll, so never fail the store operation for it.
        if not future.cancelled() and future.exception() is not None:
            log.warning(
                "could not publish change for account %s",
                account_id,
                exc_info=future.exception(),
            )

    def drain(self, timeout: float = 2.0) -> None:
        """Give the events still on their way a moment to leave: a short-lived process
        (a script, a management command) that delivers and exits still wakes IDLE."""
        with self._lock:
            pending = list(self._pending)
        concurrent.futures.wait(pending, timeout)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._loop = None
        self._pending = set()


_publisher = _Publisher()


class InProcessChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer, safe to send to from any thread and event loop.

    The store publishes from worker threads (each `async_to_sync` call runs its own
    loop), while IMAP sessions and web sockets wait in the listeners' loop. An asyncio
    queue may only be woken from the loop that waits on it, so a send to a channel that
    a receiver in another loop waits on is handed to that loop.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loops: dict[str, asyncio.AbstractEventLoop] = {}
        self._lock = threading.Lock()

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        owner = self._loops.get(channel)
        here = asyncio.get_running_loop()
        if owner is None or owner is here or owner.is_closed():
            await super().send(channel, message)
            return
        send = InMemoryChannelLayer.send(self, channel, message)
        future = asyncio.run_coroutine_threadsafe(send, owner)
        future.add_done_callback(_log_failure)

    async def receive(self, channel: str) -> dict[str, Any]:
        self._loops[channel] = asyncio.get_running_loop()
        return await super().receive(channel)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        with self._lock:
            channels = list(self.groups.get(group, {}))
        for channel in channels:
            try:
                await self.send(channel, message)
            except Exception:  # ChannelFull: a receiver that stopped reading
                log.debug("dropped event for %s", channel)

    async def group_discard(self, group: str, channel: str) -> None:
        with self._lock:
            await super().group_discard(group, channel)
        self._loops.pop(channel, None)

    async def group_add(self, group: str, channel: str) -> None:
        with self._lock:
            await super().group_add(group, channel)


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.debug("dropped event: %s", future.exception())
