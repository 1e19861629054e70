"""Group commit of acceptances: messages that arrive together share one transaction.

A listener (`accept`) stages the message's bytes (a large message is written durably in
a worker thread, several sessions in parallel; a small one goes into its Blob row), then
hands them and the envelope to the ingest thread and waits. That thread takes everything
waiting (up to MAX_BATCH), commits it in one transaction (`enqueue_many`), and only then
answers each session, which may now say "250". Batches form by themselves: while one
commits, the next gathers in the queue, so a lone message is never held back by a timer.

Without a broker (the embedded default) what was accepted is delivered into the Inboxes
in this process, also in batches (`deliver_enqueued`: one transaction, one append per
Inbox). On SQLite, which has one writer at a time, the ingest thread does it itself,
whenever no session is waiting for an answer or DELIVERY_BATCH messages have piled up.
Elsewhere a delivery thread does it beside acceptance, each batch gathering what comes
in for up to GATHER seconds (a batch costs a few statements however large it is), and
acceptance waits only if delivery falls far behind (BACKLOG). With a broker, the ingest
thread hands what it accepted to Celery.

The guarantees stay those of `enqueue`: nobody is answered before the commit that holds
their rows; a batch that fails is retried one message at a time, so one bad message
cannot fail the others; whatever was accepted but not delivered (a crash, a failed
delivery batch) is still queued, and the sweep delivers it. See
docs/decisions/0007-group-commit.md.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError

from celery import current_app
from django.db import connection

from ..seam import release_connection
from ..store.blobs import inline, stage_bytes
from .client import Recipient
from .queue import Enqueued, Submission, enqueue_many

log = logging.getLogger(__name__)

MAX_BATCH = 64  # messages per acceptance transaction
DELIVERY_BATCH = 64  # accepted messages delivered per transaction, at most
DELIVERY_BYTES = 32 * 1024 * 1024  # and no more bytes than this
ACCEPT_GATHER = 0.003  # seconds a commit waits for messages other sessions are sending
GATHER = 0.1  # seconds a delivery batch waits for more while more is being accepted
# Accepted and not yet delivered (no broker): past this, acceptance waits for delivery
# (at most BACKLOG_WAIT seconds; what it accepts meanwhile is durable all the same).
BACKLOG = 4 * DELIVERY_BATCH
BACKLOG_BYTES = 4 * DELIVERY_BYTES
BACKLOG_WAIT = 60.0

_Waiting = tuple[Submission, "Future[int]"]


class GroupCommitter:
    """One thread that commits whatever has been submitted meanwhile, in one go, and
    hands on what it has accepted: to Celery, or (no broker) to a second thread that
    delivers it into the Inboxes while the first goes on accepting."""

    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._accepted: queue.SimpleQueue[list[Enqueued]] = queue.SimpleQueue()
        self._threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._composing = 0  # sessions between MAIL and the end of their data
        # Submitted and not yet answered and handed on (for `settle`), and of those the
        # ones the ingest thread holds for delivery (SQLite) and the ones waiting for
        # the delivery thread (`_backlog`, and their bytes).
        self._unsettled = 0
        self._held = 0
        self._backlog = 0
        self._backlog_bytes = 0
        self._settled = threading.Condition(self._lock)

    def submit(self, submission: Submission) -> Future[int]:
        """Queue a submission; the future gives its queue id once it has committed."""
        future: Future[int] = Future()
        with self._lock:
            self._unsettled += 1
            self._start("ingest", self._run)
        self._waiting.put((submission, future))
        return future

    def settle(self, timeout: float) -> bool:
        """Wait until everything submitted so far is answered and handed on (delivered,
        without a broker); False if that took longer than `timeout` seconds."""
        with self._settled:
            return self._settled.wait_for(lambda: self._unsettled == 0, timeout)

    def _start(self, name: str, target: Callable[[], None]) -> None:
        # Under self._lock. A thread that died (it never should) is started again.
        thread = self._threads.get(name)
        if thread is None or not thread.is_alive():
            thread = self._threads[name] = threading.Thread(target=target, name=name, daemon=True)
            thread.start()

    def _run(self) -> None:
        held: list[Enqueued] = []  # accepted, for this thread to deliver (SQLite)
        while True:
            # Answers come first: sessions are waiting for them. Deliveries held here
            # wait until no session is, or until enough of them have piled up.
            batch = self._take(block=not held)
            handed = 0
            try:
                accepted = self._accept(batch) if batch else []
                if accepted and not _in_process():
                    self._deliver(accepted)  # to Celery
                elif accepted and _one_writer():
                    held += accepted
                elif accepted:
                    self._hand_over(accepted)
                    handed = len(accepted)
                if held and (not batch or _enough(held)):
                    self._deliver(held)
                    held = []
            except BaseException as exc:  # the thread must outlive anything one batch does
                log.exception("ingest of %d message(s) failed", len(batch))
                for _, future in batch:
                    _answer(future, exception=exc)  # nobody waits for ever
                held = []  # committed ones are still queued: the sweep delivers them
            finally:
                release_connection()
                self._done(len(batch), handed, delivered=not held)

    def composing(self, delta: int) -> None:
        """A session began (+1) or finished or gave up (-1) a message (MAIL to the end
        of its data): one that `accept` may soon be asked to commit."""
        with self._lock:
            self._composing += delta

    def _take(self, block: bool) -> list[_Waiting]:
        batch: list[_Waiting] = []
        if block:
            batch.append(self._waiting.get())
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._waiting.get_nowait())
            except queue.Empty:
                break
        # While other sessions are in the middle of a message, wait up to ACCEPT_GATHER
        # for them to join this commit, as Postgres's commit_delay does for WAL flushes:
        # a commit costs the database much the same for one message as for ten. A lone
        # session (nobody else composing) is never held back.
        deadline = time.monotonic() + ACCEPT_GATHER
        while batch and len(batch) < MAX_BATCH and self._composing > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self._waiting.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def _accept(self, batch: list[_Waiting]) -> list[Enqueued]:
        """Commit a batch, then answer each session; returns what committed."""
        try:
            committed = enqueue_many([submission for submission, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _answer(batch[0][1], exception=exc)
                return []
            log.warning("group commit failed; committing one by one", exc_info=True)
            return [done for item in batch for done in self._accept([item])]
        for (_, future), queued in zip(batch, committed, strict=True):
            _answer(future, queued.message.pk)
        return committed

    def _hand_over(self, accepted: list[Enqueued]) -> None:
        """Give accepted messages to the delivery thread. If it is far behind, wait for
        it: the backlog holds every message's bytes, and a server that accepts faster
        than it delivers for long only piles up mail that nobody can read yet."""
        with self._settled:
            self._backlog += len(accepted)
            self._backlog_bytes += _size(accepted)
            self._start("delivery", self._run_deliveries)
            self._accepted.put(accepted)
            self._settled.wait_for(
                lambda: (
                    self._backlog <= len(accepted)
                    or (self._backlog <= BACKLOG and self._backlog_bytes <= BACKLOG_BYTES)
                ),
                BACKLOG_WAIT,
            )

    def _run_deliveries(self) -> None:
        while True:
            accepted = self._gather()
            try:
                self._deliver(accepted)
            finally:
                release_connection()
                with self._settled:
                    self._backlog -= len(accepted)
                    self._backlog_bytes -= _size(accepted)
                    self._unsettled -= len(accepted)
                    self._settled.notify_all()

    def _gather(self) -> list[Enqueued]:
        """What waits for delivery, and while more is being accepted, what comes in
        the next GATHER seconds: a batch costs a few statements however large it is
        (about 2 ms of this process's CPU a batch, besides 0.25 ms a message). More is
        coming while messages are submitted and not yet handed over, and while sessions
        are between MAIL and the end of their data: asked only the former, the gather
        ended at the first moment nothing was being committed, and batches stayed at
        the size that one delivery's duration brings in (bench/README.md)."""
        accepted = self._accepted.get()
        deadline = time.monotonic() + GATHER
        while not _enough(accepted):
            with self._lock:
                coming = self._unsettled > self._backlog or self._composing > 0
            left = deadline - time.monotonic()
            try:
                if coming and left > 0:
                    accepted += self._accepted.get(timeout=left)
                else:
                    accepted += self._accepted.get_nowait()
            except queue.Empty:
                break
        return accepted

    def _deliver(self, committed: list[Enqueued]) -> None:
        from .tasks import start_deliveries

        try:
            start_deliveries(committed)
        except Exception:
            # Accepted and answered already: the rows are durable, and the sweep
            # delivers whatever is still queued.
            log.exception("delivery of %d accepted message(s) failed", len(committed))

    def _done(self, taken: int, handed: int, *, delivered: bool) -> None:
        """`taken` submissions answered, `handed` of them to the delivery thread, which
        settles those itself; the rest are settled once this thread holds nothing
        undelivered."""
        with self._settled:
            self._held += taken - handed
            if delivered:
                self._unsettled -= self._held
                self._held = 0
                self._settled.notify_all()


def _enough(accepted: list[Enqueued]) -> bool:
    return len(accepted) >= DELIVERY_BATCH or _size(accepted) >= DELIVERY_BYTES


def _size(accepted: list[Enqueued]) -> int:
    """The bytes these accepted messages hold in memory."""
    return sum(len(q.raw) for q in accepted)


def _in_process() -> bool:
    return bool(current_app.conf.task_always_eager)


def _one_writer() -> bool:
    """SQLite takes one writer at a time: a delivery thread beside the ingest thread
    would only make each wait for the other's lock (busy-handler polling)."""
    return connection.vendor == "sqlite"


def _answer(future: Future[int], result: int = 0, exception: BaseException | None = None) -> None:
    # A session that went away meanwhile has cancelled its future; what committed stays
    # committed and is delivered (the client, without a "250", may send it again).
    try:
        if exception is None:
            future.set_result(result)
        else:
            future.set_exception(exception)
    except InvalidStateError:
        pass


_committer = GroupCommitter()


async def accept(
    raw: bytes,
    mail_from: str,
    recipients: list[Recipient],
    *,
    source: str,
    account_id: int | None = None,
    envid: str = "",
    ret: str = "",
    binary: bool = False,
) -> int:
    """Make a message and its envelope durable, together with whatever else arrives
    meanwhile; returns the queue id once committed (then, and only then, "250")."""
    if inline(len(raw)):
        # Committed in its Blob row with the envelope: staging only hashes it, here on
        # the loop (under 1 us a KiB) rather than by way of a worker thread.
        digest = stage_bytes(raw)
    else:
        # Written and fsynced in a worker thread, in parallel with the other sessions'.
        digest = await asyncio.get_running_loop().run_in_executor(None, stage_bytes, raw)
    submission = Submission(
        raw, digest, mail_from, recipients, source, account_id, envid=envid, ret=ret, binary=binary
    )
    return await asyncio.wrap_future(_committer.submit(submission))


def composing(delta: int) -> None:
    """See GroupCommitter.composing (the SMTP sessions call it)."""
    _committer.composing(delta)


def settle(timeout: float = 30) -> bool:
    """Wait until every message accepted so far in this process is committed and handed
    on (delivered, without a broker). For tests and orderly shutdown."""
    return _committer.settle(timeout)
