"""The queue: durable acceptance first, then delivery from the durable rows.

`enqueue` (one message) and `enqueue_many` (a group commit of several) commit the bytes
and the envelopes; only after they return may a listener say "250". `process_messages`
then delivers the local recipients (inbox.py), each Inbox's new items together with the
recipients' state change and a LocalDelivery row per account, so a crash at any instant
neither loses nor duplicates a delivery: whatever is still "queued" is simply processed
again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from ..models import Account, QueuedMessage, QueueRecipient, RecipientState
from ..store import bulk
from ..store.blobs import blob_rows, stage_bytes
from . import address_cache
from .client import Recipient
from .inbox import DeliveryReport, process_message, process_messages
from .local import is_local_domain

__all__ = [
    "DeliveryReport",
    "Enqueued",
    "Recipient",
    "Submission",
    "deliver",
    "enqueue",
    "enqueue_many",
    "process_message",
    "process_messages",
    "requeue_stranded",
]


@dataclass(frozen=True)
class Submission:
    """One message for the queue: its bytes, staged under `digest` (`stage_bytes`), and
    its envelope."""

    raw: bytes
    digest: str
    mail_from: str
    recipients: list[Recipient]
    source: str = "smtp"
    account_id: int | None = None
    envid: str = ""  # RFC 3461 ENVID and RET of the transaction
    ret: str = ""
    binary: bool = False  # BODY=BINARYMIME (RFC 3030 3)


@dataclass(frozen=True)
class Enqueued:
    """A message just committed to the queue, with its recipient rows and its bytes."""

    message: QueuedMessage
    recipients: list[QueueRecipient]
    raw: bytes

    @property
    def remote(self) -> bool:
        """It has recipients to relay."""
        return any(not r.is_local for r in self.recipients)


def enqueue(
    raw: bytes,
    mail_from: str,
    recipients: Sequence[Recipient | str],
    *,
    source: str = "smtp",
    account: Account | None = None,
    envid: str = "",
    ret: str = "",
    binary: bool = False,
    schedule: bool = True,
) -> QueuedMessage:
    """Make a message and its envelope durable; return the committed queue row.

    With schedule=True the delivery task is started once the rows have committed.
    """
    submission = Submission(
        raw,
        stage_bytes(raw),  # a large one written and fsynced before the rows commit
        mail_from,
        [r if isinstance(r, Recipient) else Recipient(r) for r in recipients],
        source=source,
        account_id=account.pk if account else None,
        envid=envid,
        ret=ret,
        binary=binary,
    )
    [queued] = enqueue_many([submission])
    if schedule:
        from .tasks import start_deliveries

        # Runs at once if no transaction surrounds this call, else after it commits.
        transaction.on_commit(lambda: start_deliveries([queued]))
    return queued.message


def enqueue_many(submissions: list[Submission]) -> list[Enqueued]:
    """Make several messages and their envelopes durable in one transaction (the group
    commit of acceptance); returns the queue rows in order. Each message's bytes must
    already be staged. Starting delivery is the caller's business."""
    local_domains: dict[str, bool] = {}

    def is_local(address: str) -> bool:
        _, at, domain = address.rpartition("@")
        domain = domain.lower()
        if domain not in local_domains:
            local_domains[domain] = bool(at) and _local_domain(domain)
        return local_domains[domain]

    # The Blob rows: small messages' bytes commit in them, with their envelopes.
    blobs = blob_rows({s.digest: s.raw for s in submissions})
    messages = [
        bulk.new(
            QueuedMessage,
            blob_id=s.digest,
            mail_from=s.mail_from,
            source=s.source,
            account_id=s.account_id,
            envid=s.envid,
            ret=s.ret,
            binary=s.binary,
            size=len(s.raw),
        )
        for s in submissions
    ]
    family = [
        (
            n,
            bulk.new(
                QueueRecipient,
                address=r.address,
                orcpt=r.orcpt,
                notify=r.notify,
                is_local=is_local(r.address),
            ),
        )
        for n, s in enumerate(submissions)
        for r in s.recipients
    ]
    rows = [row for _, row in family]
    if connection.vendor == "postgresql" and family:
        # One statement, committing by itself outside a transaction: one round trip.
        bulk.insert_family(blobs, messages, family, "message_id")
    else:
        with transaction.atomic():
            bulk.insert(blobs, ignore_conflicts=True)
            bulk.insert(messages)
            for n, row in family:
                row.message_id = messages[n].pk
            bulk.insert(rows)
    by_message: dict[int, list[QueueRecipient]] = {m.pk: [] for m in messages}
    for row in rows:
        by_message[row.message_id].append(row)
    for message in messages:
        for row in by_message[message.pk]:
            row._state.fields_cache["message"] = message  # as QueueRecipient(message=...)
    return [
        Enqueued(m, by_message[m.pk], s.raw) for m, s in zip(messages, submissions, strict=True)
    ]


def _local_domain(domain: str) -> bool:
    """`is_local_domain`, with a "yes" remembered for a few seconds (address_cache): a
    stale yes sends a recipient of a domain deactivated elsewhere a moment ago to local
    delivery, which resolves it afresh and bounces it."""
    if address_cache.known_local_domain(domain):
        return True
    since = address_cache.generation()
    if not is_local_domain(domain):
        return False
    address_cache.remember_local_domain(domain, since)
    return True


def deliver(
    raw: bytes, mail_from: str, recipients: Sequence[Recipient | str], *, source: str = "local"
) -> DeliveryReport:
    """Accept and deliver now: enqueue durably, then deliver the local recipients."""
    message = enqueue(raw, mail_from, recipients, source=source, schedule=False)
    return process_message(message.pk)


def requeue_stranded() -> list[int]:
    """Ids of messages that still have queued local recipients (after a crash or a lost
    task); the periodic sweep processes them."""
    return list(
        QueueRecipient.objects.filter(state=RecipientState.QUEUED, is_local=True)
        .values_list("message_id", flat=True)
        .distinct()
    )
