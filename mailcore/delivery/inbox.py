"""Local delivery: queued messages into their recipients' Inboxes.

`process_messages` is the group commit of delivery. Every recipient that leads to exactly
one account (the common case) is delivered together with the others of the batch in one
transaction: per Inbox one `store.append_many` (one folder lock, one quota check, UIDs
allocated in one step), the LocalDelivery rows that guard against a second copy, and the
recipients' new state. Anything else (a distribution group, a forwarding alias, an
unknown address, a full mailbox, an Inbox whose batch failed) goes on alone through
`_deliver_one`, which records a failure and its DSN per recipient.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, connections, router, transaction

from ..models import (
    Account,
    Folder,
    LocalDelivery,
    QueuedMessage,
    QueueRecipient,
    RecipientState,
    SpecialUse,
)
from ..store import (
    NotFound,
    PreparedMessage,
    QuotaExceeded,
    StoreError,
    append,
    bulk,
    prepare,
    special_folder,
)
from ..store.blobs import read_blob
from ..store.items import append_many
from . import address_cache, dsn, notify
from .local import Resolution, resolve

if TYPE_CHECKING:
    from .queue import Enqueued

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    message_id: int
    delivered: list[str] = field(default_factory=list)  # recipient addresses
    failed: dict[str, str] = field(default_factory=dict)  # address -> reason
    pending: list[str] = field(default_factory=list)  # non-local, awaiting relay
    forwarded: list[str] = field(default_factory=list)  # alias targets queued for relay


def with_return_path(raw: bytes, mail_from: str) -> bytes:
    """The bytes as finally delivered: RFC 5321 4.4, the final delivery MTA adds
    Return-Path with the envelope sender. Bytes that already begin with exactly that
    field (the MTA put it there at acceptance, see smtp.handler) are returned as they
    are, so the queued blob is the stored one and is written once."""
    newline = b"\r\n" if raw[:4096].find(b"\r\n") != -1 else b"\n"
    field = b"Return-Path: <" + mail_from.encode("utf-8", "replace") + b">" + newline
    return raw if raw.startswith(field) else field + raw


class _Undeliverable(Exception):
    pass


class _Contended(Exception):
    """Some recipients of a batch were no longer queued: another worker had them."""


@dataclass(frozen=True)
class _Pending:
    message: QueuedMessage
    rcpt: QueueRecipient


def process_message(message_id: int) -> DeliveryReport:
    """Deliver every still-queued local recipient of a queued message."""
    return process_messages([message_id])[0]


def process_messages(message_ids: list[int]) -> list[DeliveryReport]:
    """Deliver every still-queued local recipient of these queued messages; one report
    per message, in order."""
    messages = QueuedMessage.objects.in_bulk(message_ids)
    recipients = QueueRecipient.objects.filter(
        message_id__in=list(messages), state=RecipientState.QUEUED
    ).order_by("message_id", "pk")
    pending = [_Pending(messages[r.message_id], r) for r in recipients]
    return _deliver(message_ids, pending, _Prepared())


def deliver_enqueued(batch: list[Enqueued]) -> list[DeliveryReport]:
    """`process_messages` for messages this process has just enqueued, from the rows and
    bytes in hand instead of reading them back."""
    prepared = _Prepared()
    pending: list[_Pending] = []
    for queued in batch:
        prepared.known(queued.message, queued.raw)
        pending += [_Pending(queued.message, r) for r in queued.recipients]
    return _deliver([q.message.pk for q in batch], pending, prepared)


def _deliver(
    message_ids: list[int], pending: list[_Pending], prepared: _Prepared
) -> list[DeliveryReport]:
    reports = {pk: DeliveryReport(pk) for pk in message_ids}
    local = [p for p in pending if p.rcpt.is_local]
    for p in pending:
        if not p.rcpt.is_local:
            reports[p.message.pk].pending.append(p.rcpt.address)
    # Resolved once per address and batch, outside any transaction.
    resolutions = {address: resolve(address) for address in {p.rcpt.address for p in local}}
    single = [p for p in local if _single_account(resolutions[p.rcpt.address])]
    alone = [p for p in local if not _single_account(resolutions[p.rcpt.address])]
    if single:
        alone += _deliver_together(single, resolutions, prepared, reports)
    for p in alone:
        _deliver_alone(p, resolutions[p.rcpt.address], prepared, reports)
    return [reports[pk] for pk in message_ids]


def _deliver_alone(
    pending: _Pending,
    resolution: Resolution,
    prepared: _Prepared,
    reports: dict[int, DeliveryReport],
) -> None:
    message, rcpt = pending.message, pending.rcpt
    try:
        _deliver_one(message, rcpt, resolution, prepared.of(message), reports)
        reports[message.pk].delivered.append(rcpt.address)
    except (StoreError, _Undeliverable) as exc:
        reason = _reason(exc)
        with transaction.atomic():  # the failure and its DSN commit together
            if QueueRecipient.objects.filter(pk=rcpt.pk, state=RecipientState.QUEUED).update(
                state=RecipientState.FAILED, last_error=reason, attempts=rcpt.attempts + 1
            ):
                notify.local_outcome(message, rcpt, dsn.FAILED, reason)
        reports[message.pk].failed[rcpt.address] = reason
        log.info("delivery of #%s to %s failed: %s", message.pk, rcpt.address, reason)


def _single_account(resolution: Resolution) -> bool:
    return len(resolution.accounts) == 1 and not resolution.external


class _Prepared:
    """Each message's final bytes, summarised once however many Inboxes it goes to."""

    def __init__(self) -> None:
        self._cache: dict[int, PreparedMessage] = {}
        self._raw: dict[int, bytes] = {}

    def known(self, message: QueuedMessage, raw: bytes) -> None:
        """The queued bytes of `message`, in hand: no need to read them back."""
        self._raw[message.pk] = raw

    def of(self, message: QueuedMessage) -> PreparedMessage:
        if message.pk not in self._cache:
            queued = self._raw.get(message.pk) or read_blob(message.blob_id)
            raw = with_return_path(queued, message.mail_from)
            # Bytes the MTA queued ready for the Inbox are the queued blob: stored once.
            stored_as = message.blob_id if raw is queued else ""
            self._cache[message.pk] = prepare(raw, stored_as=stored_as)
        return self._cache[message.pk]


def _deliver_together(
    pending: list[_Pending],
    resolutions: dict[str, Resolution],
    prepared: _Prepared,
    reports: dict[int, DeliveryReport],
) -> list[_Pending]:
    """Deliver recipients that each lead to one account, in one transaction; returns
    those that must be tried alone."""
    alone: list[_Pending] = []
    by_account: dict[int, list[_Pending]] = defaultdict(list)
    accounts: dict[int, Account] = {}
    for p in pending:
        try:
            prepared.of(p.message)  # summarised (and any new bytes written) before the lock
        except StoreError:  # too large to store: alone, it fails with a DSN
            alone.append(p)
            continue
        account = resolutions[p.rcpt.address].accounts[0]
        accounts[account.pk] = account
        by_account[account.pk].append(p)
    inboxes = _inboxes(accounts.values())
    done: list[_Pending] = []
    with transaction.atomic():
        # In account order, so that two batches lock the same Inboxes in the same order.
        for account_id, group in sorted(by_account.items()):
            inbox = inboxes.get(account_id)
            # One copy per account even if several of its addresses were recipients.
            new = list({p.message.pk: p.message for p in group}.values())
            try:
                if inbox is None:
                    raise NotFound("no Inbox")
                # One full or broken Inbox leaves the others (a savepoint, where there
                # are others: alone, its failure rolls back the whole batch, the same).
                with transaction.atomic(savepoint=len(by_account) > 1):
                    # Claim the recipients: another worker may have finished some of them
                    # meanwhile (on Postgres the row locks make this wait for its commit,
                    # then the state is read again). If so, each goes alone to find out.
                    if _claim_recipients([p.rcpt.pk for p in group]) != len(group):
                        raise _Contended
                    # The unique LocalDelivery rows: a copy delivered before (by an
                    # earlier attempt, through another of the account's addresses) is an
                    # IntegrityError, and each recipient alone then skips it.
                    bulk.insert(
                        [
                            bulk.new(LocalDelivery, message_id=m.pk, account_id=account_id)
                            for m in new
                        ],
                        keys=False,
                    )
                    append_many(
                        accounts[account_id],
                        inbox,
                        [prepared.of(m) for m in new],
                        savepoint=False,
                    )
            except (StoreError, IntegrityError, _Contended):
                # A full mailbox, a missing Inbox, a copy delivered before, or a race
                # with another worker: each recipient alone finds out which.
                alone.extend(group)
                continue
            done.extend(group)
        for p in done:
            reports[p.message.pk].delivered.append(p.rcpt.address)
            if "SUCCESS" in notify.notify_set(p.rcpt.notify):
                notify.local_outcome(p.message, p.rcpt, dsn.DELIVERED)
    return alone


def _claim_recipients(pks: list[int]) -> int:
    """Mark these recipients delivered if they are still queued; returns how many were.
    One UPDATE written once per batch size from the model: the ORM's compiling of it
    cost more than running it, on every delivery batch."""
    connection = connections[router.db_for_write(QueueRecipient)]
    key = (connection.alias, len(pks))
    if key not in _claim_statements:
        q = connection.ops.quote_name
        meta = QueueRecipient._meta
        state, attempts = q(meta.get_field("state").column), q(meta.get_field("attempts").column)
        last_error = q(meta.get_field("last_error").column)
        _claim_statements[key] = (
            f"UPDATE {q(meta.db_table)} SET {state} = %s, {attempts} = {attempts} + 1,"
            f" {last_error} = '' WHERE {state} = %s"
            f" AND {q(meta.pk.column)} IN ({', '.join(['%s'] * len(pks))})"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_statements[key],
            [str(RecipientState.DELIVERED), str(RecipientState.QUEUED), *pks],
        )
        return cursor.rowcount


_claim_statements: dict[tuple[str, int], str] = {}


def _inboxes(accounts: Iterable[Account]) -> dict[int, Folder]:
    """The Inbox of each account that has one (the oldest, as `special_folder` picks),
    remembered for a few seconds (address_cache.inbox_of). Only its id is filled in:
    `append_many` locks and reads the row itself."""
    since = address_cache.generation()
    accounts = list(accounts)
    ids = {a.pk: address_cache.inbox_of(a.pk) for a in accounts}
    missing = [pk for pk, inbox in ids.items() if inbox is None]
    if missing:
        for account_id, folder_id in (
            Folder.objects.filter(account__in=missing, special_use=SpecialUse.INBOX)
            .order_by("-pk")
            .values_list("account_id", "pk")
        ):
            ids[account_id] = folder_id
            address_cache.remember_inbox(account_id, folder_id, since)
    return {
        account_id: Folder(pk=folder_id, account_id=account_id)
        for account_id, folder_id in ids.items()
        if folder_id is not None
    }


def _reason(exc: Exception) -> str:
    if isinstance(exc, QuotaExceeded):
        return "552 5.2.2 mailbox full"
    if isinstance(exc, _Undeliverable):
        return str(exc)
    return f"550 5.3.0 {exc}"


def _deliver_one(
    message: QueuedMessage,
    rcpt: QueueRecipient,
    resolution: Resolution,
    prepared: PreparedMessage,
    reports: dict[int, DeliveryReport],
) -> None:
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
        reports[message.pk].forwarded.extend(resolution.external)
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


def _append_to_inbox(account: Account, prepared: PreparedMessage) -> None:
    try:
        inbox = special_folder(account, SpecialUse.INBOX)
    except NotFound:
        raise _Undeliverable("550 5.2.1 mailbox has no Inbox") from None
    append(account, inbox, prepared)
