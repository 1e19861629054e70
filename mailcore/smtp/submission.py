"""RFC 6409 rules for submitted mail: who may send as whom (the one rule every door that
submits applies, kept in delivery.submit), and completing headers."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime, make_msgid

from django.utils import timezone

from mailcore.delivery.submit import owned_addresses, owns, unowned_from

__all__ = ["complete_headers", "owned_addresses", "owns", "unowned_from"]


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
