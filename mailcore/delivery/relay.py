"""Relaying queued mail to other domains, and recording what became of each recipient.

A worker first *claims* the due remote recipients of a message: under a row lock it moves
their next_attempt a lease ahead, so a second worker (or the sweep) finds nothing due and
leaves them alone; the outcome is written only if the lease is still ours. Recipients are
grouped by domain (or all go to the smarthost) and each group is one SMTP transaction.
Each outcome is recorded together with its notification in one transaction:

- 2xx: relayed (a "relayed" DSN if NOTIFY=SUCCESS and the peer does not speak DSN);
- 5xx: failed, with a failure DSN;
- 4xx or no connection: deferred until the next step of MAIL_RETRY_SCHEDULE; once
  MAIL_DELAY_DSN_AFTER has passed, one delay DSN; past MAIL_MAX_QUEUE_LIFETIME, failed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import QueuedMessage, QueueRecipient, RecipientState
from ..store.blobs import read_blob
from . import client, dsn, mx, notify, policy

log = logging.getLogger(__name__)

PENDING = (RecipientState.QUEUED, RecipientState.DEFERRED)
BAD_ADDRESS = "553 5.1.3 bad recipient address syntax"
# Queue sources whose door put a Received field on the message when it accepted it (the
# SMTP listeners, smtp.handler.received_header). Mail from anywhere else (the web UI,
# DSNs, ...) gets its trace field when it leaves.
TRACED_SOURCES = frozenset({"smtp", "submission", "smtps"})


@dataclass
class RelayReport:
    message_id: int
    relayed: list[str] = field(default_factory=list)
    deferred: dict[str, str] = field(default_factory=dict)  # address -> last reply
    failed: dict[str, str] = field(default_factory=dict)


def _due(now: datetime) -> Q:
    return Q(next_attempt__isnull=True) | Q(next_attempt__lte=now)


def due_messages(now: datetime | None = None) -> list[int]:
    """Ids of messages with remote recipients due for an attempt (queue_due index)."""
    now = now or timezone.now()
    return sorted(
        set(
            QueueRecipient.objects.filter(state__in=PENDING, is_local=False)
            .filter(_due(now))
            .values_list("message_id", flat=True)
        )
    )


def has_remote_due(message_id: int) -> bool:
    return (
        QueueRecipient.objects.filter(message_id=message_id, state__in=PENDING, is_local=False)
        .filter(_due(timezone.now()))
        .exists()
    )


def claim(message_id: int, now: datetime) -> tuple[list[QueueRecipient], datetime]:
    """Take the due remote recipients of a message for this worker; returns them and the
    lease (their new next_attempt), which later updates check to still be ours."""
    until = now + policy.lease()
    with transaction.atomic():
        # skip_locked: rows another worker is claiming right now are its business.
        rows = list(
            QueueRecipient.objects.select_for_update(skip_locked=True)
            .filter(message_id=message_id, state__in=PENDING, is_local=False)
            .filter(_due(now))
            .order_by("pk")
        )
        if rows:
            QueueRecipient.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt=until)
    return rows, until


def retry_now(message_ids: list[int]) -> int:
    """Make every waiting recipient of these messages due now (the admin's "Retry now");
    returns how many. A recipient in flight this moment may then be tried twice."""
    return QueueRecipient.objects.filter(
        message_id__in=message_ids, state__in=PENDING, is_local=False
    ).update(next_attempt=timezone.now())


def relay_message(message_id: int) -> RelayReport:
    """Claim and relay whatever remote recipients of one message are due."""
    report = RelayReport(message_id)
    message = QueuedMessage.objects.filter(pk=message_id).first()
    if message is None:
        return report
    rows, lease = claim(message_id, timezone.now())
    if rows:
        relay(message, rows, lease=lease, report=report)
    return report


def _destination(address: str) -> str | None:
    local, at, domain = address.rpartition("@")
    return domain.lower().rstrip(".") if at and local and domain else None


def relay(
    message: QueuedMessage,
    recipients: list[QueueRecipient],
    *,
    lease: datetime | None = None,
    report: RelayReport | None = None,
) -> RelayReport:
    """Deliver `message` to `recipients` (remote ones, already claimed) and record the
    outcome of each in its QueueRecipient row, sending the notifications due."""
    report = report or RelayReport(message.pk)
    raw = with_trace(message, read_blob(message.blob_id))
    smarthost = policy.smarthost()
    groups: dict[str, list[QueueRecipient]] = defaultdict(list)
    for rcpt in recipients:
        domain = _destination(rcpt.address)
        if domain is None:
            _record(message, [rcpt], client.Attempt({rcpt.address: BAD_ADDRESS}), lease, report)
            continue
        groups["" if smarthost else domain].append(rcpt)
    for domain, rcpts in groups.items():
        try:
            if smarthost:
                hops = mx.smarthost_route(smarthost.host, smarthost.port)
            else:
                hops = mx.route(domain, policy.relay_port())
        except mx.Unroutable as exc:
            attempt = client.Attempt({r.address: exc.reply for r in rcpts})
        else:
            envelope = client.Envelope(
                mail_from=message.mail_from,
                recipients=[
                    client.Recipient(r.address, orcpt=r.orcpt, notify=r.notify) for r in rcpts
                ],
                envid=message.envid,
                ret=message.ret,
                binary=message.binary,
            )
            attempt = client.send(
                hops, envelope, raw, helo=policy.hostname(), timeout=policy.relay_timeout()
            )
        _record(message, rcpts, attempt, lease, report)
    return report


def with_trace(message: QueuedMessage, raw: bytes) -> bytes:
    """RFC 5321 4.4: every SMTP server that handles a message adds a Received field; a
    message that entered through a door without one gets it from us as it is relayed."""
    if message.source in TRACED_SOURCES:
        return raw
    trace = (
        f"Received: by {policy.hostname()} ({message.source}) id {message.pk};\r\n"
        f"\t{format_datetime(timezone.now())}\r\n"
    )
    return trace.encode("utf-8", "replace") + raw


def _record(
    message: QueuedMessage,
    rcpts: list[QueueRecipient],
    attempt: client.Attempt,
    lease: datetime | None,
    report: RelayReport,
) -> None:
    now = timezone.now()
    expires = message.created + policy.max_queue_lifetime()
    delay_notice_at = message.created + policy.delay_dsn_after()
    notices: dict[str, list[tuple[str, dsn.RecipientStatus]]] = defaultdict(list)
    with transaction.atomic():
        for rcpt in rcpts:
            reply = attempt.replies.get(rcpt.address) or "451 4.4.0 no reply"
            attempts = rcpt.attempts + 1
            mine = QueueRecipient.objects.filter(pk=rcpt.pk, state__in=PENDING)
            if lease is not None:
                mine = mine.filter(next_attempt=lease)  # the lease is still ours
            status = dsn.RecipientStatus(
                address=rcpt.address,
                action=dsn.FAILED,
                status=dsn.status_of(reply),
                reply=reply,
                original=rcpt.orcpt,
                remote_mta=attempt.remote_mta,
                last_attempt=now,
            )
            # `updated` is set by hand: QuerySet.update() skips auto_now, and the delay
            # notice below relies on it being the time of the last finished attempt.
            if reply.startswith("2"):
                if mine.update(
                    state=RecipientState.RELAYED,
                    attempts=attempts,
                    last_error="",
                    next_attempt=None,
                    updated=now,
                ):
                    report.relayed.append(rcpt.address)
                    if not attempt.dsn_passed:  # RFC 3461 5.2.2: else the peer notifies
                        relayed = replace(status, action=dsn.RELAYED, status="2.0.0")
                        notices[dsn.RELAYED].append((rcpt.notify, relayed))
            elif reply.startswith("5") or now >= expires:
                if not reply.startswith("5"):
                    status = replace(status, status="4.4.7")  # RFC 3463: delivery time expired
                if mine.update(
                    state=RecipientState.FAILED,
                    attempts=attempts,
                    last_error=reply,
                    next_attempt=None,
                    updated=now,
                ):
                    report.failed[rcpt.address] = reply
                    notices[dsn.FAILED].append((rcpt.notify, status))
            else:
                retry_at = min(now + policy.retry_delay(attempts), expires)
                if mine.update(
                    state=RecipientState.DEFERRED,
                    attempts=attempts,
                    last_error=reply,
                    next_attempt=retry_at,
                    updated=now,
                ):
                    report.deferred[rcpt.address] = reply
                    # One delay notice: at the first attempt finishing past the threshold.
                    if now >= delay_notice_at and (
                        rcpt.attempts == 0 or rcpt.updated < delay_notice_at
                    ):
                        delayed = replace(
                            status,
                            action=dsn.DELAYED,
                            status=dsn.status_of(reply, "4.0.0"),
                            will_retry_until=expires,
                        )
                        notices[dsn.DELAYED].append((rcpt.notify, delayed))
        for action in (dsn.FAILED, dsn.DELAYED, dsn.RELAYED):
            if notices[action]:
                notify.send(message, notices[action])
    log.info(
        "relay of #%s via %s: %s",
        message.pk,
        attempt.remote_mta or "-",
        "; ".join(f"{r.address}: {attempt.replies.get(r.address, '')}" for r in rcpts),
    )
