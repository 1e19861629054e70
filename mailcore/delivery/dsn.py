"""Delivery status notifications: RFC 3464 delivery-status inside an RFC 6522
multipart/report, built with the stdlib email package.

Pure: takes what happened (dataclasses) and returns the bytes of the notification; the
queue decides when to send one (mailcore.delivery.notify).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesHeaderParser
from email.utils import format_datetime, make_msgid

FAILED = "failed"
DELAYED = "delayed"
DELIVERED = "delivered"
RELAYED = "relayed"
EXPANDED = "expanded"

_ENHANCED = re.compile(r"^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})(?=\s|$)")
_ADDR_TYPE = re.compile(r"^[A-Za-z0-9-]+;")


def status_of(reply: str, default: str = "5.0.0") -> str:
    """The RFC 3463 status of an SMTP reply: its enhanced code, else the class of its
    basic code ("451 try later" -> 4.0.0)."""
    match = _ENHANCED.match(reply)
    if match:
        return match[1]
    if reply[:1] in ("2", "4", "5") and reply[1:3].isdigit():
        return f"{reply[0]}.0.0"
    return default


def typed_address(address: str) -> str:
    """An address with its RFC 3464 address type: "rfc822; bob@example.net". An ORCPT
    value that already names its type ("rfc822;...", "utf-8;...") keeps it."""
    if _ADDR_TYPE.match(address):
        kind, _, rest = address.partition(";")
        return f"{kind}; {rest.strip()}"
    return f"rfc822; {address}"


@dataclass(frozen=True)
class RecipientStatus:
    """One per-recipient block of a delivery-status report (RFC 3464 2.3)."""

    address: str  # Final-Recipient
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # RFC 3463, e.g. 5.1.1
    reply: str = ""  # the SMTP reply behind it, e.g. "550 5.1.1 no such user"
    original: str = ""  # ORCPT, when the sender gave one
    remote_mta: str = ""
    last_attempt: datetime | None = None
    will_retry_until: datetime | None = None


@dataclass(frozen=True)
class Report:
    """Everything one notification says, about one queued message."""

    reporting_mta: str
    sender: str  # the envelope sender of the original: the notification goes there
    arrival: datetime
    recipients: list[RecipientStatus]
    original: bytes = b""
    envid: str = ""
    ret: str = ""  # RET=FULL or HDRS; empty means HDRS here

    @property
    def has_failure(self) -> bool:
        return any(r.action == FAILED for r in self.recipients)


_SUBJECTS = {
    FAILED: "Undelivered Mail Returned to Sender",
    DELAYED: "Delayed Mail (still being retried)",
    DELIVERED: "Successful Mail Delivery Report",
    RELAYED: "Successful Mail Delivery Report",
    EXPANDED: "Successful Mail Delivery Report",
}

_INTRO = {
    FAILED: (
        "Your message could not be delivered to the recipients below. This is a permanent "
        "error; the message will not be sent again."
    ),
    DELAYED: (
        "Your message has not been delivered yet to the recipients below. The mail system "
        "keeps trying; you do not need to send it again."
    ),
    DELIVERED: "Your message was delivered to the mailboxes of the recipients below.",
    RELAYED: (
        "Your message was passed on to the recipients' mail servers below. Those servers do "
        "not send delivery notifications, so this is the last word you will get about it."
    ),
    EXPANDED: "Your message was passed on to the members of the lists below.",
}


def _headers_of(raw: bytes) -> bytes:
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(sep)
        if end != -1:
            return raw[: end + len(sep)]
    return raw


def _original_subject(raw: bytes) -> str:
    try:
        headers = BytesHeaderParser(policy=policy.default).parsebytes(_headers_of(raw))
        return str(headers.get("Subject", "") or "")
    except Exception:  # a broken header must not stop the notification
        return ""


def _kind(report: Report) -> str:
    actions = {r.action for r in report.recipients}
    for action in (FAILED, DELAYED, DELIVERED, RELAYED, EXPANDED):
        if action in actions:
            return action
    return FAILED


def human_text(report: Report) -> str:
    """The first part: what a person needs to know, in plain words."""
    kind = _kind(report)
    lines = [f"This is the mail system at {report.reporting_mta}.", "", _INTRO[kind], ""]
    subject = _original_subject(report.original)
    if subject:
        lines += [f"Subject of your message: {subject}", ""]
    for rcpt in report.recipients:
        where = f"{rcpt.remote_mta} said: " if rcpt.remote_mta else ""
        reason = f": {where}{rcpt.reply}" if rcpt.reply and rcpt.action in (FAILED, DELAYED) else ""
        if rcpt.action == FAILED and rcpt.status == "4.4.7":
            reason += " (given up: delivery kept failing until the message expired)"
        lines.append(f"  <{rcpt.address}>{reason}")
    retry_until = [r.will_retry_until for r in report.recipients if r.will_retry_until]
    if kind == DELAYED and retry_until:
        lines += ["", f"Delivery will be tried until {format_datetime(max(retry_until))}."]
    if kind == FAILED:
        lines += [
            "",
            "The reply of the receiving mail server above says why. The headers of your "
            "message are attached"
            + (" with the message itself." if report.ret.upper() == "FULL" else "."),
        ]
    return "\n".join(lines) + "\n"


def _block(fields: list[tuple[str, str]]) -> Message:
    block = Message(policy=policy.SMTP)
    for name, value in fields:
        block[name] = value
    return block


def _one_line(text: str) -> str:
    return " ".join(text.split())


def status_blocks(report: Report) -> list[Message]:
    """The message/delivery-status body: per-message fields, then one block per
    recipient (RFC 3464 2.2 and 2.3)."""
    per_message = [("Reporting-MTA", f"dns; {report.reporting_mta}")]
    if report.envid:
        per_message.append(("Original-Envelope-Id", report.envid))
    per_message.append(("Arrival-Date", format_datetime(report.arrival)))
    blocks = [_block(per_message)]
    for rcpt in report.recipients:
        fields = []
        if rcpt.original:
            fields.append(("Original-Recipient", typed_address(rcpt.original)))
        fields += [
            ("Final-Recipient", typed_address(rcpt.address)),
            ("Action", rcpt.action),
            ("Status", rcpt.status),
        ]
        if rcpt.remote_mta:
            fields.append(("Remote-MTA", f"dns; {rcpt.remote_mta}"))
        if rcpt.reply:
            fields.append(("Diagnostic-Code", f"smtp; {_one_line(rcpt.reply)}"))
        if rcpt.last_attempt:
            fields.append(("Last-Attempt-Date", format_datetime(rcpt.last_attempt)))
        if rcpt.will_retry_until and rcpt.action == DELAYED:
            fields.append(("Will-Retry-Until", format_datetime(rcpt.will_retry_until)))
        blocks.append(_block(fields))
    return blocks


def _returned_part(report: Report) -> MIMEPart:
    # RFC 3461 4.3: RET applies to failure notifications only; others carry headers.
    part = MIMEPart(policy=policy.SMTP)
    if report.ret.upper() == "FULL" and report.has_failure:
        part.set_content(message_from_bytes(report.original, policy=policy.compat32))
    else:
        headers = _headers_of(report.original).decode("utf-8", "replace")
        part.set_content(headers, subtype="rfc822-headers")
    return part


def build(report: Report, *, now: datetime) -> bytes:
    """The notification as bytes, ready to enqueue with a null envelope sender."""
    kind = _kind(report)
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = Address("Mail Delivery System", "MAILER-DAEMON", report.reporting_mta)
    msg["To"] = report.sender
    msg["Subject"] = _SUBJECTS[kind]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=report.reporting_mta)
    msg["Auto-Submitted"] = "auto-replied"  # RFC 3834 5: never answer this
    msg.set_content(human_text(report))
    msg.make_mixed()
    msg.set_type("multipart/report")
    msg.set_param("report-type", "delivery-status")
    status = MIMEPart(policy=policy.SMTP)
    status["Content-Type"] = "message/delivery-status"
    blocks: list[Message | str] = [*status_blocks(report)]
    status.set_payload(blocks)
    # typeshed wants EmailMessage parts; MIMEPart is what the stdlib itself attaches.
    msg.attach(status)  # type: ignore[arg-type]
    msg.attach(_returned_part(report))  # type: ignore[arg-type]
    # An internationalised sender (RFC 6531) needs UTF-8 headers to be addressed at all.
    return msg.as_bytes(policy=policy.SMTP if report.sender.isascii() else policy.SMTPUTF8)
