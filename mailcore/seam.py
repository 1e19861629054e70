"""The one async seam between the listeners' event loops and the synchronous store.

Each call runs in a worker thread (thread_sensitive=False: sessions must not queue
behind one another on one shared thread). Afterwards the thread's Postgres connection
goes back to the pool, so none outlives the command that needed it; a SQLite connection
is a file handle, kept per thread (opening one runs the WAL set-up PRAGMAs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection


def release_connection() -> None:
    close_old_connections()
    if connection.vendor != "sqlite":
        connection.close()


def in_db_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """An awaitable version of `fn` that runs in a worker thread."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        finally:
            release_connection()

    return sync_to_async(call, thread_sensitive=False)
