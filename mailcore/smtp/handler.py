"""The MTA's aiosmtpd handler: cheap checks at RCPT, durable acceptance at DATA.

"250" after DATA is sent only once `enqueue` has committed the bytes and the envelope;
delivery runs afterwards as a task (STYLE.md 7: accept fast, work later).
"""

from __future__ import annotations

import logging
import secrets
from email.utils import format_datetime

from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection
from django.utils import timezone

from mailcore.delivery import Recipient, enqueue, resolve
from mailcore.store import quota_usage

from . import codes

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 100


def _in_db_thread(fn):
    """Run a store call off the event loop in a worker thread, and close its database
    connection afterwards so no connection outlives the command that needed it."""

    def call(*args):
        try:
            return fn(*args)
        finally:
            close_old_connections()
            connection.close()

    return sync_to_async(call, thread_sensitive=False)


def check_recipient(address: str) -> str | None:
    """None if the MTA may accept mail for `address` without AUTH, else the reply."""
    resolution = resolve(address)
    if not resolution.local_domain:
        return codes.RELAY_DENIED
    if resolution.unknown_local:
        return codes.NO_SUCH_USER
    if len(resolution.accounts) == 1 and not resolution.external:
        account = resolution.accounts[0]
        if account.quota_bytes and quota_usage(account) >= account.quota_bytes:
            return codes.MAILBOX_FULL_TEMP
    return None


def accept(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> int:
    return enqueue(raw, mail_from, [Recipient(r) for r in rcpt_tos], source="smtp").pk


def received_header(session: Session, hostname: str, queue_tag: str, tls: bool) -> bytes:
    """RFC 5321 4.4 trace field; "with ESMTPS" when the session was encrypted (RFC 3848)."""
    peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
    helo = (session.host_name or "unknown").replace("\r", "").replace("\n", "")[:200]
    proto = "ESMTPS" if tls else ("ESMTP" if session.extended_smtp else "SMTP")
    value = (
        f"from {helo} ([{peer}])\r\n\tby {hostname} with {proto} id {queue_tag};\r\n"
        f"\t{format_datetime(timezone.now())}"
    )
    return f"Received: {value}\r\n".encode("utf-8", "replace")


class MTAHandler:
    """Port-25 semantics: mail for local domains from anyone, relay for nobody unless
    authenticated (authenticated relay arrives with the submission listener)."""

    def __init__(self, hostname: str) -> None:
        self.hostname = hostname

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return codes.TOO_MANY_RECIPIENTS
        try:
            refusal = await _in_db_thread(check_recipient)(address)
        except Exception:
            log.exception("recipient check failed for %r", address)
            return codes.TEMP_FAILURE
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return codes.RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not envelope.rcpt_tos:
            return codes.NO_VALID_RECIPIENTS
        raw = envelope.original_content or b""
        tag = secrets.token_hex(6)
        tls = server.transport is not None and server.transport.get_extra_info("sslcontext")
        trace = received_header(session, self.hostname, tag, bool(tls))
        try:
            queue_id = await _in_db_thread(accept)(
                trace + raw, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:
            # Nothing was acknowledged, so nothing is lost: the client retries on 4xx.
            log.exception("could not queue message from %r", envelope.mail_from)
            return codes.TEMP_FAILURE
        return codes.OK_QUEUED.format(queue_id=queue_id)
