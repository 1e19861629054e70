"""Group commit of acceptances: messages that arrive together share one transaction.

A listener (`accept`) stages the message's bytes (a large message is written durably in
a worker thread, several sessions in parallel; a small one goes into its Blob row), then
hands them and the envelope to the ingest thread and waits. That thread takes everything
waiting (up to MAX_BATCH), commits it in one transaction (`enqueue_many`), and only then
answers each session, which may now say "250". Batches form by themselves: while one
commits, the next gathers in the queue, so a lone message is never held back by a timer.

Delivery follows from the same thread. Without a broker (the embedded default) it
delivers what it has accepted into the Inboxes, also in batches (`deliver_enqueued`:
one transaction, one append per Inbox), whenever no session is waiting for an answer or
DELIVERY_BATCH messages have piled up; with a broker it hands them to Celery.

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
from concurrent.futures import Future, InvalidStateError

from celery import current_app

from ..seam import release_connection
from ..store.blobs import inline, stage_bytes
from .client import Recipient
from .queue import Enqueued, Submission, enqueue_many

log = logging.getLogger(__name__)

MAX_BATCH = 64  # messages per acceptance transaction
DELIVERY_BATCH = 64  # accepted messages delivered per transaction, at most
DELIVERY_BYTES = 32 * 1024 * 1024  # and no more bytes than this held waiting for it

_Waiting = tuple[Submission, "Future[int]"]


class GroupCommitter:
    """One thread that commits whatever has been submitted meanwhile, in one go, and
    then sees to the delivery of what it has accepted."""

    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Submitted and not yet answered and handed on (for `settle`); `_held` of them
        # are in the ingest thread's hands.
        self._unsettled = 0
        self._held = 0
        self._settled = threading.Condition(self._lock)

    def submit(self, submission: Submission) -> Future[int]:
        """Queue a submission; the future gives its queue id once it has committed."""
        future: Future[int] = Future()
        with self._lock:
            self._unsettled += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ingest", daemon=True)
                self._thread.start()
        self._waiting.put((submission, future))
        return future

    def settle(self, timeout: float) -> bool:
        """Wait until everything submitted so far is answered and handed on (delivered,
        without a broker); False if that took longer than `timeout` seconds."""
        with self._settled:
            return self._settled.wait_for(lambda: self._unsettled == 0, timeout)

    def _run(self) -> None:
        accepted: list[Enqueued] = []
        while True:
            # Answers come first: sessions are waiting for them. Deliveries wait until
            # no session is, or until enough of them have piled up.
            batch = self._take(block=not accepted)
            try:
                if batch:
                    accepted += self._accept(batch)
                    if not _in_process():
                        self._deliver(accepted)
                        accepted = []
                if accepted and (not batch or _enough(accepted)):
                    self._deliver(accepted)
                    accepted = []
            except BaseException as exc:  # the thread must outlive anything one batch does
                log.exception("ingest of %d message(s) failed", len(batch))
                for _, future in batch:
                    _answer(future, exception=exc)  # nobody waits for ever
                accepted = []  # committed ones are still queued: the sweep delivers them
            finally:
                release_connection()
                self._done(len(batch), delivered=not accepted)

    def _take(self, block: bool) -> list[_Waiting]:
        batch: list[_Waiting] = []
        if block:
            batch.append(self._waiting.get())
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._waiting.get_nowait())
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

    def _deliver(self, committed: list[Enqueued]) -> None:
        from .tasks import start_deliveries

        try:
            start_deliveries(committed)
        except Exception:
            # Accepted and answered already: the rows are durable, and the sweep
            # delivers whatever is still queued.
            log.exception("delivery of %d accepted message(s) failed", len(committed))

    def _done(self, taken: int, *, delivered: bool) -> None:
        self._held += taken
        if delivered:
            with self._settled:
                self._unsettled -= self._held
                self._settled.notify_all()
            self._held = 0


def _enough(accepted: list[Enqueued]) -> bool:
    return len(accepted) >= DELIVERY_BATCH or sum(len(q.raw) for q in accepted) >= DELIVERY_BYTES


def _in_process() -> bool:
    return bool(current_app.conf.task_always_eager)


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


def settle(timeout: float = 30) -> bool:
    """Wait until every message accepted so far in this process is committed and handed
    on (delivered, without a broker). For tests and orderly shutdown."""
    return _committer.settle(timeout)
