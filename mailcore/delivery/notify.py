"""When to send a delivery status notification, and sending it through the queue.

RFC 3461 4.1: NOTIFY=NEVER, or any of SUCCESS, FAILURE, DELAY; without NOTIFY we notify
on FAILURE and DELAY. A message with a null envelope sender never gets a notification
(RFC 5321 4.5.5, RFC 3461 6.2): that is what keeps bounces from bouncing forever.
Notifications travel the same queue as any mail, with a null sender, source "dsn".
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.utils import timezone

from ..models import QueuedMessage, QueueRecipient
from ..store.blobs import read_blob
from . import dsn, policy

log = logging.getLogger(__name__)

DEFAULT_NOTIFY = frozenset({"FAILURE", "DELAY"})
_CONDITION = {
    dsn.FAILED: "FAILURE",
    dsn.DELAYED: "DELAY",
    dsn.DELIVERED: "SUCCESS",
    dsn.RELAYED: "SUCCESS",
    dsn.EXPANDED: "SUCCESS",
}


def notify_set(notify: str) -> frozenset[str]:
    """The NOTIFY conditions of a recipient; empty for NEVER."""
    words = frozenset(w.strip().upper() for w in notify.split(",") if w.strip())
    if not words:
        return DEFAULT_NOTIFY
    if "NEVER" in words:
        return frozenset()
    return words


def wants(notify: str, action: str) -> bool:
    return _CONDITION[action] in notify_set(notify)


def send(
    message: QueuedMessage, recipients: Iterable[tuple[str, dsn.RecipientStatus]]
) -> QueuedMessage | None:
    """Enqueue one notification to the sender of `message` about the given recipients
    (pairs of the recipient's NOTIFY and its status); those whose NOTIFY does not ask for
    it are left out. Returns the queued notification, or None when none is due.

    Call it inside the transaction that records the recipients' new state, so the state
    change and the notification commit together: exactly one notification per event."""
    if not message.mail_from:
        return None  # null sender: never (RFC 3461 6.2)
    wanted = [status for notify, status in recipients if wants(notify, status.action)]
    if not wanted:
        return None
    from .queue import Recipient, enqueue  # queue.py calls back into this module

    original = read_blob(message.blob_id)
    report = dsn.Report(
        reporting_mta=policy.hostname(),
        sender=message.mail_from,
        arrival=message.created,
        recipients=wanted,
        original=original,
        envid=message.envid,
        ret=message.ret,
    )
    try:
        raw = dsn.build(report, now=timezone.now())
    except Exception:
        # A notification that cannot be built must not undo the state change it reports
        # (that would retry the delivery forever); log it and go on without one.
        log.exception("cannot build the DSN for #%s to <%s>", message.pk, message.mail_from)
        return None
    queued = enqueue(raw, "", [Recipient(message.mail_from)], source="dsn")
    log.info(
        "DSN #%s (%s) for #%s to <%s>",
        queued.pk,
        ", ".join(sorted({s.action for s in wanted})),
        message.pk,
        message.mail_from,
    )
    return queued


def local_outcome(
    message: QueuedMessage, rcpt: QueueRecipient, action: str, reply: str = ""
) -> QueuedMessage | None:
    """The notification about a local recipient (delivered, or failed with `reply`, like
    "550 5.1.1 no such mailbox"); inside the transaction that records it."""
    status = dsn.RecipientStatus(
        address=rcpt.address,
        action=action,
        status=dsn.status_of(reply, "2.0.0" if action == dsn.DELIVERED else "5.0.0"),
        reply=reply,
        original=rcpt.orcpt,
        last_attempt=timezone.now(),
    )
    return send(message, [(rcpt.notify, status)])
