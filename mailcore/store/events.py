"""Publishing store changes to listeners (IMAP IDLE, UI web sockets, EWS notifications).

Events go out only after the transaction that made them commits, on the Channels layer
group of the account ("mailbox.<account id>"): in-memory in the single-process default,
Redis in a cluster so a delivery in one process wakes an IDLE client in another.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def group_name(account_id: int) -> str:
    return f"mailbox.{account_id}"


def publish_on_commit(account_id: int, event: dict[str, Any]) -> None:
    transaction.on_commit(lambda: _publish(account_id, event))


def _publish(account_id: int, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(account_id), {"type": "mailbox.change", **event})
    except Exception:
        # Push is a hint; the change log is the truth. A lost event only delays a client
        # until its next poll, so never fail the store operation for it.
        log.warning("could not publish change for account %s", account_id, exc_info=True)
