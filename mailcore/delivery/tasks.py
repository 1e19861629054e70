"""Celery tasks of delivery. Without a broker they run in the calling process."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from celery import current_app, shared_task
from django.conf import settings

from ..seam import release_connection
from ..store import fulltext
from .inbox import deliver_enqueued
from .queue import Enqueued, process_message, process_messages, requeue_stranded
from .relay import due_messages, has_remote_due, relay_message

log = logging.getLogger(__name__)

SWEEP_BATCH = 100  # stranded messages delivered per transaction by the sweep


@shared_task(acks_late=True, ignore_result=True)
def deliver_queued(message_id: int) -> None:
    process_message(message_id)
    if has_remote_due(message_id):  # an alias expanded to remote addresses
        _start_relay(message_id)


@shared_task(acks_late=True, ignore_result=True)
def deliver_queued_batch(message_ids: list[int]) -> None:
    """Deliver the local recipients of the messages of one group commit, together."""
    for message_id, report in zip(message_ids, process_messages(message_ids), strict=True):
        if report.forwarded:  # an alias expanded to remote addresses
            _start_relay(message_id)


@shared_task(acks_late=True, ignore_result=True)
def relay_queued(message_id: int) -> None:
    """Deliver a message's local recipients, then relay its due remote ones."""
    process_message(message_id)
    relay_message(message_id)


@shared_task(ignore_result=True)
def sweep_queue() -> int:
    """Deliver whatever was accepted but not yet delivered (crash, lost task), and start
    relaying every message with remote recipients due for another attempt. Items a
    stopped process left without full-text vectors get theirs too."""
    fulltext.schedule()
    local = requeue_stranded()
    for start in range(0, len(local), SWEEP_BATCH):
        process_messages(local[start : start + SWEEP_BATCH])
    remote = due_messages()
    for message_id in remote:
        relay_queued.delay(message_id)
    return len(set(local) | set(remote))


# Without a broker, tasks run in the calling process. Local delivery is quick and runs
# inline; relaying waits on DNS and remote servers, so it runs on these threads instead of
# holding up the SMTP session (or web request) that queued the message.
_relay_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="relay")


def start_deliveries(batch: list[Enqueued]) -> None:
    """Start work on just-committed queued messages (called once they have committed).

    Without a broker the local recipients of the whole batch are delivered here, in one
    go; with one, they are one task (and each message to relay one more)."""
    if current_app.conf.task_always_eager:
        # No broker: do the work here, without Celery's eager-task machinery around it.
        reports = deliver_enqueued(batch)
        for queued, report in zip(batch, reports, strict=True):
            if queued.remote or report.forwarded:
                _start_relay(queued.message.pk)
        return
    local = [queued.message.pk for queued in batch if not queued.remote]
    if len(local) == 1:
        deliver_queued.delay(local[0])
    elif local:
        deliver_queued_batch.delay(local)
    for queued in batch:
        if queued.remote:
            relay_queued.delay(queued.message.pk)


def _in_process() -> bool:
    return bool(current_app.conf.task_always_eager and settings.MAIL_RELAY_IN_BACKGROUND)


def _start_relay(message_id: int) -> None:
    if _in_process():
        _relay_threads.submit(_relay_in_thread, message_id)
    else:
        relay_queued.delay(message_id)


def _relay_in_thread(message_id: int) -> None:
    try:
        relay_message(message_id)
    except Exception:
        log.exception("relaying queued message #%s failed; the sweep will retry", message_id)
    finally:
        release_connection()
