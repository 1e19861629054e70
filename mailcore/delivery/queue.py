"""The queue: durable acceptance first, then delivery from the durable rows.

`enqueue` commits the bytes and the envelope; only after it returns may a listener say
"250". `process_message` then delivers each local recipient in its own transaction
together with the recipient's state change and a LocalDelivery row per account, so a crash
at any instant neither loses nor duplicates a delivery: whatever is still "queued" is
simply processed again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from ..models import (
    Account,
    LocalDelivery,
    QueuedMessage,
    QueueRecipient,
    RecipientState,
    SpecialUse,
)
from ..store import NotFound, QuotaExceeded, StoreError, append, prepare, special_folder
from ..store.blobs import blob_row, read_blob, write_bytes
from . import dsn, notify
from .client import Recipient
from .local import is_local_domain, resolve

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    message_id: int
    delivered: list[str] = field(default_factory=list)  # recipient addresses
    failed: dict[str, str] = field(default_factory=dict)  # address -> reason
    pending: list[str] = field(default_factory=list)  # non-local, awaiting relay


def enqueue(
    raw: bytes,
    mail_from: str,
    recipients: list[Recipient | str],
    *,
    source: str = "smtp",
    account: Account | None = None,
    envid: str = "",
    ret: str = "",
    schedule: bool = True,
) -> QueuedMessage:
    """Make a message and its envelope durable; return the committed queue row.

    With schedule=True the delivery task is started once the rows have committed.
    """
    digest = write_bytes(raw)  # fsynced before the rows that point at it commit
    rcpts = [r if isinstance(r, Recipient) else Recipient(r) for r in recipients]
    with transaction.atomic():
        message = QueuedMessage.objects.create(
            blob=blob_row(digest, len(raw)),
            mail_from=mail_from,
            source=source,
            account=account,
            envid=envid,
            ret=ret,
            size=len(raw),
        )
        rows = QueueRecipient.objects.bulk_create(
            [
                QueueRecipient(
                    message=message,
                    address=r.address,
                    orcpt=r.orcpt,
                    notify=r.notify,
                    is_local=_is_local(r.address),
                )
                for r in rcpts
            ]
        )
        if schedule:
            from .tasks import start_delivery

            remote = not all(r.is_local for r in rows)
            transaction.on_commit(lambda: start_delivery(message.pk, remote=remote))
    return message


def _is_local(address: str) -> bool:
    _, at, domain = address.rpartition("@")
    return bool(at) and is_local_domain(domain)


def _with_return_path(raw: bytes, mail_from: str) -> bytes:
    # RFC 5321 4.4: the final delivery MTA adds Return-Path with the envelope sender.
    newline = b"\r\n" if raw[:4096].find(b"\r\n") != -1 else b"\n"
    return b"Return-Path: <" + mail_from.encode("utf-8", "replace") + b">" + newline + raw


def process_message(message_id: int) -> DeliveryReport:
    """Deliver every still-queued local recipient of a queued message."""
    report = DeliveryReport(message_id)
    message = QueuedMessage.objects.filter(pk=message_id).first()
    if message is None:
        return report
    pending = list(message.recipients.filter(state=RecipientState.QUEUED))
    local = [r for r in pending if r.is_local]
    report.pending = [r.address for r in pending if not r.is_local]
    if not local:
        return report
    prepared = prepare(_with_return_path(read_blob(message.blob_id), message.mail_from))
    for rcpt in local:
        try:
            _deliver_one(message, rcpt, prepared)
            report.delivered.append(rcpt.address)
        except (StoreError, _Undeliverable) as exc:
            reason = _reason(exc)
            with transaction.atomic():  # the failure and its DSN commit together
                if QueueRecipient.objects.filter(pk=rcpt.pk, state=RecipientState.QUEUED).update(
                    state=RecipientState.FAILED, last_error=reason, attempts=rcpt.attempts + 1
                ):
                    notify.local_outcome(message, rcpt, dsn.FAILED, reason)
            report.failed[rcpt.address] = reason
            log.info("delivery of #%s to %s failed: %s", message_id, rcpt.address, reason)
    return report


class _Undeliverable(Exception):
    pass


def _reason(exc: Exception) -> str:
    if isinstance(exc, QuotaExceeded):
        return "552 5.2.2 mailbox full"
    if isinstance(exc, _Undeliverable):
        return str(exc)
    return f"550 5.3.0 {exc}"


def _deliver_one(message: QueuedMessage, rcpt: QueueRecipient, prepared) -> None:
    resolution = resolve(rcpt.address)
    if not resolution.accounts and not resolution.external:
        raise _Undeliverable("550 5.1.1 no such mailbox")
    with transaction.atomic():
        # Re-check under the transaction: another worker may have finished it meanwhile.
        if (
            not QueueRecipient.objects.select_for_update()
            .filter(pk=rcpt.pk, state=RecipientState.QUEUED)
            .exists()
        ):
            return
        group = len(resolution.accounts) + len(resolution.external) > 1
        for account in resolution.accounts:
            try:
                with transaction.atomic():
                    if not _claim(message, account):
                        continue  # already delivered to this account (another address)
                    _append_to_inbox(account, prepared)
            except (StoreError, _Undeliverable):
                if not group:
                    raise
                # One full or broken mailbox in a distribution group must not keep the
                # message from the other members.
                log.warning(
                    "group delivery of #%s skipped %s", message.pk, account.address, exc_info=True
                )
        # External targets of an alias travel on as new queue entries for relay.
        QueueRecipient.objects.bulk_create(
            [
                QueueRecipient(
                    message=message,
                    address=addr,
                    orcpt=rcpt.orcpt or rcpt.address,
                    notify=rcpt.notify,
                    is_local=False,
                )
                for addr in resolution.external
            ]
        )
        QueueRecipient.objects.filter(pk=rcpt.pk).update(
            state=RecipientState.DELIVERED, attempts=rcpt.attempts + 1, last_error=""
        )
        if "SUCCESS" in notify.notify_set(rcpt.notify):
            notify.local_outcome(message, rcpt, dsn.DELIVERED)


def _claim(message: QueuedMessage, account: Account) -> bool:
    """Record the delivery of `message` to `account`; False if it was already delivered.

    The unique row is the guard, so two workers racing on one account (reached through
    two addresses) deliver one copy; an IntegrityError anywhere else is never mistaken
    for it."""
    try:
        with transaction.atomic():
            LocalDelivery.objects.create(message=message, account=account)
    except IntegrityError:
        return False
    return True


def _append_to_inbox(account: Account, prepared) -> None:
    try:
        inbox = special_folder(account, SpecialUse.INBOX)
    except NotFound:
        raise _Undeliverable("550 5.2.1 mailbox has no Inbox") from None
    append(account, inbox, prepared)


def deliver(
    raw: bytes, mail_from: str, recipients: list[Recipient | str], *, source: str = "local"
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
