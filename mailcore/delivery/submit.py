"""Submitting a message a signed-in user wrote (web UI now, EWS later).

Nothing is built here: the caller hands finished bytes and the envelope. This checks that
the sender owns the From/Sender addresses (RFC 6409 section 8: the submission server may
refuse mail its user may not send), drops any Bcc header (RFC 5322 3.6.3: recipients never
see it), puts the message on the one outbound queue and keeps a copy in Sent Items.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from django.db.models import Q

from ..models import Account, Alias, SpecialUse
from ..store import Appended, NotFound, StoreError, append, special_folder
from .queue import enqueue


class SubmitError(Exception):
    """The message cannot be sent as it is (the text says why, for the user)."""


@dataclass(frozen=True)
class Submitted:
    queue_id: int
    sent: Appended | None  # the copy in Sent Items (None if the account has no such folder)


def owned_addresses(account_id: int | None) -> set[str]:
    """The addresses an account may use as envelope sender and in From: its own and those
    of aliases (distribution groups) it belongs to."""
    account = Account.objects.filter(pk=account_id, enabled=True).first()
    if account is None:
        return set()
    aliases = Alias.objects.filter(Q(accounts=account), enabled=True).values_list(
        "address", flat=True
    )
    return {account.address.lower(), *(a.lower() for a in aliases)}


def owns(address: str, owned: set[str]) -> bool:
    address = address.lower()
    if address in owned:
        return True
    local, _, domain = address.rpartition("@")
    # A sub-address of one's own address (alice+lists@) is one's own (RFC 5233).
    return "+" in local and f"{local.split('+', 1)[0]}@{domain}" in owned


def unowned_from(raw: bytes, owned: set[str]) -> str | None:
    """The first From or Sender address that is not the sender's, or None."""
    head = BytesHeaderParser(policy=compat32).parsebytes(raw, headersonly=True)
    for name in ("From", "Sender"):
        values = [str(v) for v in head.get_all(name, [])]
        for _, address in getaddresses(values):
            if address and not owns(address, owned):
                return address
    return None


def without_bcc(raw: bytes) -> bytes:
    """The message with every Bcc field (and its folded lines) removed from the header."""
    out: list[bytes] = []
    dropping = False
    lines = raw.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line in (b"\r\n", b"\n"):
            return b"".join(out) + b"".join(lines[index:])
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                out.append(line)
            continue
        dropping = line.split(b":", 1)[0].strip().lower() == b"bcc"
        if not dropping:
            out.append(line)
    return b"".join(out)


def submit(
    account: Account,
    raw: bytes,
    mail_from: str,
    recipients: list[str],
    *,
    notification: bool = False,
) -> Submitted:
    """Queue a finished message from `account` and append it to Sent Items (\\Seen).

    A notification (a read receipt) goes with a null envelope sender (RFC 8098 2.1: no
    notification about a notification) and keeps no copy in Sent Items.
    Raises SubmitError when the sender does not own the From/Sender address or the
    envelope sender, or when there is no recipient."""
    owned = owned_addresses(account.pk)
    if notification:
        mail_from = ""
    elif not owns(mail_from, owned):
        raise SubmitError(f"you cannot send as {mail_from}")
    stranger = unowned_from(raw, owned)
    if stranger:
        raise SubmitError(f"you cannot send as {stranger}")
    recipients = list(dict.fromkeys(r.strip() for r in recipients if r.strip()))
    if not recipients:
        raise SubmitError("the message has no recipient")
    raw = without_bcc(raw)
    queued = enqueue(raw, mail_from, recipients, source="web", account=account)
    if notification:
        return Submitted(queued.pk, None)
    try:
        sent_folder = special_folder(account, SpecialUse.SENT)
    except NotFound:
        return Submitted(queued.pk, None)
    try:
        sent = append(account, sent_folder, raw, flags=["\\Seen"])
    except StoreError:
        # The message is on its way; a full mailbox must not make the user send it twice.
        return Submitted(queued.pk, None)
    return Submitted(queued.pk, sent)
