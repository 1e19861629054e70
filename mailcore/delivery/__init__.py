"""Delivery and the queue: every message in flight goes through here, local or relayed."""

from . import address_cache
from .inbox import with_return_path
from .local import Resolution, is_local_domain, resolve
from .queue import (
    DeliveryReport,
    Recipient,
    deliver,
    enqueue,
    enqueue_many,
    process_message,
    process_messages,
)
from .relay import RelayReport, relay, relay_message, retry_now

__all__ = [
    "DeliveryReport",
    "Recipient",
    "RelayReport",
    "Resolution",
    "address_cache",
    "deliver",
    "enqueue",
    "enqueue_many",
    "is_local_domain",
    "process_message",
    "process_messages",
    "relay",
    "relay_message",
    "resolve",
    "retry_now",
    "with_return_path",
]
