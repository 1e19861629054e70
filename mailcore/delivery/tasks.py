"""Celery tasks of delivery. Without a broker they run in the calling process."""

from __future__ import annotations

from celery import shared_task

from .queue import process_message, requeue_stranded


@shared_task(acks_late=True, ignore_result=True)
def deliver_queued(message_id: int) -> None:
    process_message(message_id)


@shared_task(ignore_result=True)
def sweep_queue() -> int:
    """Deliver whatever was accepted but not yet delivered (crash, lost task)."""
    ids = requeue_stranded()
    for message_id in ids:
        process_message(message_id)
    return len(ids)
