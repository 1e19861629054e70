"""Shared helpers of the SMTP tests."""

from __future__ import annotations

from mailcore import store
from mailcore.delivery import ingest


def inbox_raw(account) -> list[bytes]:
    """The Inbox's messages, once everything the listener accepted has been delivered
    ("250" means committed to the queue; delivery follows a moment later)."""
    assert ingest.settle(30), "accepted mail was not delivered in time"
    folder = store.find_folder(account, "INBOX")
    return [store.read_raw(account, i) for i in store.items(account, folder)]
