"""Inbound delivery and the queue: every message in flight goes through here."""

from .local import Resolution, is_local_domain, resolve
from .queue import DeliveryReport, Recipient, deliver, enqueue, process_message

__all__ = [
    "DeliveryReport",
    "Recipient",
    "Resolution",
    "deliver",
    "enqueue",
    "is_local_domain",
    "process_message",
    "resolve",
]
