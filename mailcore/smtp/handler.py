"""The aiosmtpd handler: cheap checks at RCPT, durable acceptance at DATA.

One handler class serves the three listeners; a `Policy` says what the door allows:
the MTA (port 25 semantics) accepts mail for local domains from anyone and relays only for
authenticated users; submission (RFC 6409) requires AUTH, lets an account send only as
itself, and completes Date and Message-ID. "250" after DATA is sent only once `enqueue`
has committed the bytes and the envelope (STYLE.md 7: accept fast, work later).
"""

from __future__ import annotations

import asyncio
import binascii
import logging
import secrets
from base64 import b64decode
from dataclasses import dataclass
from email.utils import format_datetime

from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.utils import timezone

from mailcore.auth import check_password, is_blocked, record_failure, record_success
from mailcore.delivery import Recipient, address_cache, resolve, with_return_path
from mailcore.delivery.address_cache import Accepted
from mailcore.delivery.ingest import accept
from mailcore.delivery.local import over_quota
from mailcore.seam import in_db_thread

from . import codes
from .protocol import MailEnvelope
from .submission import complete_headers, owned_addresses, owns, unowned_from

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 100


@dataclass(frozen=True)
class Policy:
    name: str  # "smtp", "submission", "smtps": the Received "with" and the queue source
    submission: bool  # RFC 6409 rules: AUTH required, sender checks, header completion


def check_recipient(address: str, authenticated: bool) -> tuple[str | None, bool]:
    """(None if this recipient may be accepted, else the reply refusing it; whether it
    is delivered here and nowhere else, to accounts only). A local recipient accepted
    is remembered for a few seconds (address_cache), so the next RCPT for it needs no
    query."""
    since = address_cache.generation()
    resolution = resolve(address)
    if not resolution.local_domain:
        return (None if authenticated else codes.RELAY_DENIED), False
    if resolution.unknown_local:
        return codes.NO_SUCH_USER, False
    answer = Accepted(final=not resolution.external)
    if len(resolution.accounts) == 1 and not resolution.external:
        account = resolution.accounts[0]
        answer = Accepted(True, account.pk, account.quota_bytes)
    address_cache.remember_accepted(address, answer, since)
    return quota_refusal(answer), answer.final


def quota_refusal(answer: Accepted) -> str | None:
    """452 4.2.2 if the one account a recipient leads to is full (usage is never cached;
    a distribution group is not checked here: each member is, at delivery)."""
    if answer.account_id is None or not over_quota(answer.account_id, answer.quota_bytes):
        return None
    return codes.MAILBOX_FULL_TEMP


def _dsn_recipient(envelope: Envelope, address: str) -> Recipient:
    notify, orcpt = getattr(envelope, "dsn_rcpt", {}).get(address, ("", ""))
    return Recipient(address, orcpt=orcpt, notify=notify)


def received_header(session: Session, hostname: str, tag: str, proto: str) -> bytes:
    """RFC 5321 4.4 trace field (protocol names per RFC 3848)."""
    peer = _peer(session)
    helo = (session.host_name or "unknown").replace("\r", "").replace("\n", "")[:200]
    value = f"from {helo} ([{peer}])\r\n\tby {hostname} with {proto} id {tag};\r\n\t{_date_now()}"
    return f"Received: {value}\r\n".encode("utf-8", "replace")


_date: tuple[int, str] = (0, "")  # the second it is, and its RFC 5322 date-time


def _date_now() -> str:
    """The current time as a trace field gives it, to the second: made once a second,
    as `format_datetime` takes longer than the rest of the field."""
    global _date
    now = timezone.now()
    second = int(now.timestamp())
    if _date[0] != second:
        _date = (second, format_datetime(now.replace(microsecond=0)))
    return _date[1]


def _peer(session: Session) -> str:
    return session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)


def _hang_up(server: SMTP) -> None:
    if server.transport is not None:
        server.transport.close()


def _tls(server: SMTP) -> bool:
    return bool(server.transport and server.transport.get_extra_info("sslcontext"))


class MailHandler:
    def __init__(self, hostname: str, policy: Policy) -> None:
        self.hostname = hostname
        self.policy = policy

    # RFC 4954 AUTH. The password check runs in a worker thread: hashing takes tens of
    # milliseconds and must never stall the other sessions on the event loop.
    async def handle_AUTH(
        self, server: SMTP, session: Session, envelope: Envelope, args: list[str]
    ) -> str | None:
        if session.authenticated:
            return codes.AUTH_ALREADY
        peer = _peer(session)
        if await sync_to_async(is_blocked, thread_sensitive=False)("smtp", peer):
            await server.push(codes.AUTH_BLOCKED)
            _hang_up(server)
            return None
        mechanism = args[0].upper()
        initial = args[1] if len(args) > 1 else None
        if mechanism == "PLAIN":
            creds = await self._plain(server, initial)
        elif mechanism == "LOGIN":
            creds = await self._login(server, initial)
        else:
            return codes.AUTH_MECHANISM
        if creds is None or isinstance(creds, str):
            return creds
        username, password = creds
        account = await in_db_thread(check_password)(username, password)
        if account is None:
            verdict = await sync_to_async(record_failure, thread_sensitive=False)("smtp", peer)
            await asyncio.sleep(verdict.delay)
            if verdict.blocked:
                await server.push(codes.AUTH_BLOCKED)
                _hang_up(server)
                return None
            return codes.AUTH_INVALID
        await sync_to_async(record_success, thread_sensitive=False)("smtp", peer)
        session.authenticated = True
        session.auth_data = account.pk
        return codes.AUTH_OK

    # The helpers return the credentials, a reply to send, or None when the reply has
    # already been sent (the client cancelled with "*" or sent bad base64).
    async def _plain(self, server: SMTP, initial: str | None) -> tuple[str, str] | str | None:
        data = await self._response(server, initial, "")
        if data is None or isinstance(data, str):
            return data
        try:
            # RFC 4616: [authzid] NUL authcid NUL passwd; an authzid other than the
            # authcid itself is not supported.
            authzid, authcid, password = data.decode("utf-8").split("\x00")
        except (ValueError, UnicodeDecodeError):
            return codes.AUTH_SYNTAX
        if authzid and authzid.lower() != authcid.lower():
            return codes.AUTH_INVALID
        return authcid, password

    async def _login(self, server: SMTP, initial: str | None) -> tuple[str, str] | str | None:
        user = await self._response(server, initial, "Username:")
        if user is None or isinstance(user, str):
            return user
        password = await self._response(server, None, "Password:")
        if password is None or isinstance(password, str):
            return password
        try:
            return user.decode("utf-8"), password.decode("utf-8")
        except UnicodeDecodeError:
            return codes.AUTH_SYNTAX

    async def _response(
        self, server: SMTP, initial: str | None, challenge: str
    ) -> bytes | str | None:
        if initial is not None:
            if initial == "=":  # RFC 4954 4: an empty initial response
                return b""
            try:
                return b64decode(initial, validate=True)
            except (binascii.Error, ValueError):
                return codes.AUTH_SYNTAX
        data = await server.challenge_auth(challenge)
        # challenge_auth has already answered "*" and bad base64 itself.
        return None if data is MISSING else data

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.policy.submission and address:
            owned = await in_db_thread(owned_addresses)(session.auth_data)
            if not owns(address, owned):
                return codes.SENDER_NOT_OWNED.format(address=address)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return codes.SENDER_OK

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
            # The usual recipient, an account accepted a moment ago, is answered here on
            # the event loop; only its quota, if it has one, needs the database.
            known = address_cache.accepted(address)
            if known is None:
                refusal, final = await in_db_thread(check_recipient)(
                    address, bool(session.authenticated)
                )
            else:
                refusal, final = None, known.final
                if known.quota_bytes:
                    refusal = await in_db_thread(quota_refusal)(known)
        except Exception:
            log.exception("recipient check failed for %r", address)
            return codes.TEMP_FAILURE
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        if isinstance(envelope, MailEnvelope):
            envelope.final_delivery = envelope.final_delivery and final
        return codes.RCPT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not envelope.rcpt_tos:
            return codes.NO_VALID_RECIPIENTS
        raw = envelope.original_content or b""
        account_id = session.auth_data if session.authenticated else None
        if self.policy.submission:
            owned = await in_db_thread(owned_addresses)(account_id)
            if bad := unowned_from(raw, owned):
                return codes.FROM_NOT_OWNED.format(address=bad)
            raw = complete_headers(raw, self.hostname)
        tag = secrets.token_hex(6)
        proto = "ESMTP" if session.extended_smtp else "SMTP"
        proto += "S" if _tls(server) else ""
        proto += "A" if session.authenticated else ""
        data = received_header(session, self.hostname, tag, proto) + raw
        mail_from = envelope.mail_from or ""
        if isinstance(envelope, MailEnvelope) and envelope.final_delivery:
            # Delivered here and nowhere else: queue the bytes exactly as they will be
            # stored, so the Inbox copy is the queued blob and is not written twice.
            data = with_return_path(data, mail_from)
        try:
            queue_id = await accept(
                data,
                mail_from,
                [_dsn_recipient(envelope, r) for r in envelope.rcpt_tos],
                source=self.policy.name,
                account_id=account_id,
                envid=getattr(envelope, "dsn_envid", ""),
                ret=getattr(envelope, "dsn_ret", ""),
                binary=getattr(envelope, "binarymime", False),
            )
        except Exception:
            # Nothing was acknowledged, so nothing is lost: the client retries on 4xx.
            log.exception("could not queue message from %r", envelope.mail_from)
            return codes.TEMP_FAILURE
        return codes.OK_QUEUED.format(queue_id=queue_id)
