"""The Postgres full-text index, kept up shortly after each commit rather than inside it.

A new ItemText row commits without its tsvector (`search_tsv` NULL); once it has
committed, `schedule()` wakes this process's indexer thread, which fills in the vectors
of every row still without one, a batch at a time, with `mailcore_search_tsv()` (the
expression and the GIN index are migrations 0004 and 0011). Computing the vector was
half of what the database spent delivering a message; afterwards it costs the delivery
nothing, and the index is a moment behind (docs/decisions/0010-search-index-after-delivery.md).

Nothing is missing from results meanwhile: full-text search computes the vector of a row
that has none on the fly (`criteria._fulltext_q`), and IMAP SEARCH reads the text
columns, which commit with the item. Rows a process left unindexed (it stopped first)
are picked up by the next `schedule()` anywhere, and by the queue sweep. SQLite has no
vectors: everything here does nothing there.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections, router, transaction

from ..models import ItemText
from ..seam import release_connection

log = logging.getLogger(__name__)

BATCH = 500  # rows given their vectors per statement (and transaction)

_INDEX = (
    "UPDATE mailcore_itemtext t SET search_tsv = mailcore_search_tsv("
    "t.subject, t.from_text, t.to_text, t.cc_text, t.body)"
    " WHERE t.item_id IN (SELECT item_id FROM mailcore_itemtext WHERE search_tsv IS NULL"
    " ORDER BY item_id LIMIT %s FOR UPDATE SKIP LOCKED)"
)


def enabled() -> bool:
    return connections[router.db_for_write(ItemText)].vendor == "postgresql"


def index_pending(limit: int = BATCH) -> int:
    """Give up to `limit` rows without a vector theirs; returns how many. Rows another
    indexer holds are skipped, not waited for."""
    if not enabled():
        return 0
    with connections[router.db_for_write(ItemText)].cursor() as cursor:
        cursor.execute(_INDEX, [limit])  # one statement: its own transaction
        return int(cursor.rowcount)


def index_all() -> int:
    """Index everything still waiting; returns how many rows. A batch short of BATCH
    was the last: rows that commit after it wake the indexer again (`schedule`), so
    no statement is spent finding nothing (once per wake-up, every delivery batch)."""
    total = 0
    while True:
        count = index_pending()
        total += count
        if count < BATCH:
            return total


def schedule() -> None:
    """Rows without vectors have just committed (call it on commit): have them indexed."""
    if enabled():
        _indexer.wake()


def schedule_on_commit() -> None:
    """`schedule` once the current transaction commits (at once outside one)."""
    if enabled():
        transaction.on_commit(_indexer.wake)


class _Indexer:
    """One daemon thread per process, started on first use, asleep until woken."""

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        with self._lock:
            self._idle.clear()
            self._wanted.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="fulltext", daemon=True)
                self._thread.start()

    def settle(self, timeout: float) -> bool:
        """Wait until everything woken for so far is indexed (tests)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                index_all()
            except Exception:  # the rows stay NULL: searched on the fly, indexed later
                log.exception("full-text indexing failed")
            finally:
                release_connection()
                with self._lock:
                    if not self._wanted.is_set():
                        self._idle.set()


_indexer = _Indexer()


def settle(timeout: float = 30) -> bool:
    """Wait until this process's indexer has nothing left that it was woken for."""
    return _indexer.settle(timeout)
