"""RFC 6409 rules for submitted mail: who may send as whom, and completing headers."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime, getaddresses, make_msgid

from django.db.models import Q
from django.utils import timezone

from mailcore.models import Account, Alias


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
    for field in ("From", "Sender"):
        values = [str(v) for v in head.get_all(field, [])]
        for _, address in getaddresses(values):
            if address and not owns(address, owned):
                return address
    return None


def complete_headers(raw: bytes, hostname: str) -> bytes:
    """Add Date and Message-ID when the client left them out (RFC 6409 8.2, 8.3).

    New fields are put in front; the client's bytes are never rewritten.
    """
    head = BytesHeaderParser(policy=compat32).parsebytes(raw, headersonly=True)
    extra = b""
    if head.get("Date") is None:
        extra += f"Date: {format_datetime(timezone.now())}\r\n".encode()
    if head.get("Message-ID") is None:
        extra += f"Message-ID: {make_msgid(domain=hostname)}\r\n".encode()
    return extra + raw
