"""Building the messages users write: new mail, replies, forwards, drafts.

Pure stdlib `email` (no Django): the web UI (and later EWS) fills a `Draft`, `build` turns
it into RFC 5322 bytes with CRLF line ends. A rich-text body always travels with a plain
text alternative (RFC 2046 5.1.4: simplest first). Attachment names with non-ASCII
characters are written with RFC 2231 parameters; the subject and display names with RFC
2047 encoded-words, as the `email` package does under its SMTP policy.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, getaddresses

import nh3

from mailcore.mime.model import MessageSummary
from mailcore.mime.text import html_to_text

_POLICY = policy.SMTP.clone(max_line_length=998)
# The reply prefixes Outlook and common clients write, so replies do not stack "RE: RE:".
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)
_FORWARD_PREFIX = re.compile(r"^\s*((fw|fwd|wg|tr)\s*:\s*)+", re.I)
IMPORTANCE = {"high": ("High", "1"), "low": ("Low", "5")}


class ComposeError(ValueError):
    """The draft cannot become a message (the text says why)."""


@dataclass(frozen=True)
class Upload:
    """A file to attach; with content_id it is an inline (cid:) resource."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None


@dataclass
class Draft:
    from_name: str
    from_address: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    subject: str = ""
    html: str = ""  # the editor's rich text (a fragment); sanitized again here
    text: str | None = None  # plain alternative; derived from html when None
    attachments: list[Upload] = field(default_factory=list)
    forwarded: list[bytes] = field(default_factory=list)  # raw messages as message/rfc822
    importance: str = "normal"
    read_receipt: bool = False
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)


def parse_recipients(values: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs from what the user typed ("A <a@x>, b@y; c@z")."""
    joined = ", ".join(v.replace(";", ",") for v in values if v and v.strip())
    pairs = getaddresses([joined]) if joined else []
    out = []
    for name, address in pairs:
        if not address:
            continue
        if "@" not in address or any(c in address for c in " <>\r\n"):
            raise ComposeError(f"{address!r} is not an email address")
        out.append((name, address))
    return out


def recipients(draft: Draft) -> list[str]:
    """The envelope recipients: To, Cc and Bcc addresses, each once."""
    pairs = parse_recipients([*draft.to, *draft.cc, *draft.bcc])
    return list(dict.fromkeys(address for _, address in pairs))


def clean_html(fragment: str) -> str:
    """The editor's HTML, with anything active removed (the user may have pasted it)."""
    return nh3.clean(fragment, link_rel="noopener noreferrer")


def _address_header(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(formataddr((name, address)) for name, address in pairs)


def build(draft: Draft, *, message_id: str, date: datetime) -> bytes:
    """The draft as RFC 5322 bytes (CRLF), Bcc included: the sender strips it on sending."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = Address(draft.from_name, addr_spec=draft.from_address)
    for name, values in (("To", draft.to), ("Cc", draft.cc), ("Bcc", draft.bcc)):
        pairs = parse_recipients(values)
        if pairs:
            msg[name] = _address_header(pairs)
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if draft.in_reply_to:
        msg["In-Reply-To"] = draft.in_reply_to
    refs = [r for r in draft.references if r]
    if refs:
        msg["References"] = " ".join(refs[-20:])
    if draft.importance in IMPORTANCE:
        msg["Importance"], msg["X-Priority"] = IMPORTANCE[draft.importance]
    if draft.read_receipt:
        # RFC 8098 2.1: the address the disposition notification goes to.
        msg["Disposition-Notification-To"] = formataddr((draft.from_name, draft.from_address))
    body_html = clean_html(draft.html)
    text = draft.text if draft.text is not None else html_to_text(body_html)
    msg.set_content(text.replace("\r\n", "\n") + "\n")
    if body_html.strip():
        document = f'<html><head><meta charset="utf-8"></head><body>{body_html}</body></html>\n'
        msg.add_alternative(document, subtype="html")
        inline = [a for a in draft.attachments if a.content_id]
        if inline:
            html_part = next(p for p in msg.iter_parts() if p.get_content_subtype() == "html")
            for upload in inline:
                maintype, subtype = _split_type(upload.content_type)
                html_part.add_related(
                    upload.data, maintype, subtype, cid=f"<{upload.content_id}>",
                    filename=upload.filename, disposition="inline",
                )  # fmt: skip
    for upload in draft.attachments:
        if upload.content_id:
            continue
        maintype, subtype = _split_type(upload.content_type)
        msg.add_attachment(upload.data, maintype, subtype, filename=upload.filename)
    for raw in draft.forwarded:
        inner = BytesParser(policy=_POLICY).parsebytes(raw)
        name = _filename_for(str(inner.get("Subject", "")))
        msg.add_attachment(inner, filename=name)
    return msg.as_bytes(policy=_POLICY.clone(cte_type="8bit"))


def _split_type(content_type: str) -> tuple[str, str]:
    maintype, _, subtype = (content_type or "").lower().partition("/")
    if not maintype or not subtype or maintype in ("multipart", "message"):
        return "application", "octet-stream"
    return maintype, subtype


def _filename_for(subject: str) -> str:
    cleaned = "".join(c for c in subject if c not in '/\\:*?"<>|' and c >= " ").strip()
    return (cleaned[:100] or "message") + ".eml"


# ---------------------------------------------------------------- replies and forwards


def reply_subject(subject: str) -> str:
    return "RE: " + _REPLY_PREFIX.sub("", subject or "")


def forward_subject(subject: str) -> str:
    return "FW: " + _FORWARD_PREFIX.sub("", _REPLY_PREFIX.sub("", subject or ""))


def _fmt(pairs: list[tuple[str, str]]) -> list[str]:
    return [formataddr(p) for p in pairs]


def reply_recipients(
    summary: MessageSummary, own: set[str], *, reply_all: bool
) -> tuple[list[str], list[str]]:
    """(To, Cc) of a reply: Reply-To or From; with reply_all also the other recipients,
    never the user's own addresses (RFC 5322 3.6.3)."""
    to = summary.reply_to or summary.from_
    if not reply_all:
        return _fmt(to), []
    taken = {a.lower() for _, a in to} | {a.lower() for a in own}
    others = []
    for pair in [*summary.to, *summary.cc]:
        if pair[1].lower() not in taken:
            taken.add(pair[1].lower())
            others.append(pair)
    mine = {a.lower() for a in own}
    to_out = [p for p in to if p[1].lower() not in mine] or list(to)
    return _fmt(to_out), _fmt(others)


def thread_headers(summary: MessageSummary) -> tuple[str | None, list[str]]:
    """In-Reply-To and References of a reply (RFC 5322 3.6.4)."""
    if not summary.message_id:
        return None, list(summary.references)
    msg_id = f"<{summary.message_id}>"
    refs = [f"<{r}>" for r in summary.references] or [f"<{r}>" for r in summary.in_reply_to]
    return msg_id, [*refs, msg_id]


def quoted_header_html(summary: MessageSummary) -> str:
    """The Outlook-style block above a quoted original: From, Sent, To, Cc, Subject."""
    rows = [("From", ", ".join(_fmt(summary.from_)))]
    if summary.date:
        rows.append(("Sent", summary.date.strftime("%A, %B %d, %Y %H:%M")))
    rows.append(("To", ", ".join(_fmt(summary.to))))
    if summary.cc:
        rows.append(("Cc", ", ".join(_fmt(summary.cc))))
    rows.append(("Subject", summary.subject))
    lines = "<br>".join(f"<b>{k}:</b> {html.escape(v)}" for k, v in rows if v)
    return f"<hr><div>{lines}</div>"


def quote_html(summary: MessageSummary, original_html: str) -> str:
    """The body of a reply or inline forward: an empty line to write in, then the original."""
    return (
        "<p><br></p>"
        f"{quoted_header_html(summary)}"
        f'<blockquote style="margin:0 0 0 .8ex;border-left:2px solid #ccc;padding-left:1ex">'
        f"{clean_html(original_html)}</blockquote>"
    )


# ---------------------------------------------------------------- read receipts


def build_mdn(
    summary: MessageSummary,
    *,
    from_name: str,
    from_address: str,
    to: str,
    reporting_ua: str,
    message_id: str,
    date: datetime,
) -> bytes:
    """A read receipt (RFC 8098 message disposition notification) for `summary`, sent
    because the user chose to: "manual-action/MDN-sent-manually; displayed"."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = Address(from_name, addr_spec=from_address)
    msg["To"] = to
    msg["Subject"] = f"Read: {summary.subject}"
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if summary.message_id:
        msg["In-Reply-To"] = f"<{summary.message_id}>"
        msg["References"] = f"<{summary.message_id}>"
    sent = summary.date.strftime("%A, %B %d, %Y %H:%M") if summary.date else "(no date)"
    msg.set_content(
        f"Your message\n\n  To: {', '.join(_fmt(summary.to))}\n  Subject: {summary.subject}\n"
        f"  Sent: {sent}\n\nwas read on {date.strftime('%A, %B %d, %Y %H:%M')}.\n"
    )
    msg.make_mixed()
    msg.set_type("multipart/report")
    msg.set_param("report-type", "disposition-notification")
    # RFC 8098 3.2: the machine-readable part.
    fields = [
        f"Reporting-UA: {reporting_ua}",
        f"Final-Recipient: rfc822;{from_address}",
    ]
    if summary.message_id:
        fields.append(f"Original-Message-ID: <{summary.message_id}>")
    fields.append("Disposition: manual-action/MDN-sent-manually; displayed")
    notification = EmailMessage(policy=_POLICY)
    notification["Content-Type"] = "message/disposition-notification"
    notification.set_payload("\r\n".join(fields) + "\r\n")
    msg.attach(notification)
    return msg.as_bytes(policy=_POLICY.clone(cte_type="8bit"))
