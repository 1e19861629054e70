"""Delivery and the queue: every message in flight goes through here, local or relayed."""

from .local import Resolution, is_local_domain, resolve
from .queue import DeliveryReport, Recipient, deliver, enqueue, process_message
from .relay import RelayReport, relay, relay_message, retry_now

__all__ = [
    "DeliveryReport",
    "Recipient",
    "RelayReport",
    "Resolution",
    "deliver",
    "enqueue",
    "is_local_domain",
    "process_message",
    "relay",
    "relay_message",
    "resolve",
    "retry_now",
]
