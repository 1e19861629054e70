"""`summarize`: everything about a message computed once, when it is stored."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from mailcore.mime.addresses import decoded_pairs, parse_address_list
from mailcore.mime.charsets import clean
from mailcore.mime.headers import HeaderBlock, collapse_space, decode_words
from mailcore.mime.model import Attachment, BodyPart, Envelope, MessageSummary
from mailcore.mime.structure import build_envelope, headers_of, parse_entity
from mailcore.mime.text import readable_text

PREVIEW_CHARS = 200
SEARCH_TEXT_BYTES = 256 * 1024
# Encoded octets of one text part read for preview/search; HTML is parsed in pure Python.
TEXT_READ_LIMIT = 1024 * 1024

BODY_TEXT_SUBTYPES = ("plain", "html", "enriched", "richtext")
# Machine-readable report parts: searchable, but neither body nor attachment.
REPORT_TYPES = frozenset(
    {
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/feedback-report",
        "text/rfc822-headers",
    }
)
CRYPTO_TYPES = frozenset(
    {
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/pkcs7-mime",
        "application/x-pkcs7-mime",
        "application/pgp-signature",
        "application/pgp-encrypted",
        "application/applefile",  # AppleDouble resource fork (RFC 1740): not a file to offer
    }
)
_EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "image/jpeg": ".jpg",
    "application/octet-stream": ".bin",
    "message/rfc822": ".eml",
    "message/global": ".eml",
}
_BUILTIN_TYPES = mimetypes.MimeTypes(filenames=())  # no system files: same answer everywhere
_MSG_ID = re.compile(r"<([^<>]*)>")


@dataclass
class _Walk:
    raw: bytes
    body_texts: list[str] = field(default_factory=list)
    other_texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    encrypted: bool = False
    signed: bool = False


def summarize(raw: bytes | bytearray | memoryview) -> MessageSummary:
    """Summarise a raw RFC 5322 message. Never raises; reads what can be read.

    Offsets in the result index the raw bytes as given: store those bytes
    unchanged (STANDARDS.md: never rewrite a stored message).
    """
    try:
        data = bytes(raw)
    except Exception:
        data = b""
    try:
        return _summarize(data)
    except Exception:  # a bug here must not bounce mail: store it with a minimal summary
        return _minimal(data)


def _summarize(raw: bytes) -> MessageSummary:
    body = parse_entity(raw, 0, len(raw))
    headers = headers_of(raw, body)
    envelope = build_envelope(headers)
    walk = _Walk(raw)
    _visit(walk, body, "1" if body.type != "multipart" else "", in_body=True, related=False)
    subject = clean(collapse_space(decode_words(headers.get("Subject"))))
    summary = MessageSummary(
        size=len(raw),
        envelope=envelope,
        body=body,
        subject=subject,
        from_=decoded_pairs(envelope.from_),
        to=decoded_pairs(envelope.to),
        cc=decoded_pairs(envelope.cc),
        bcc=decoded_pairs(envelope.bcc),
        reply_to=decoded_pairs(parse_address_list(headers.get("Reply-To"))),
        date=_date(headers.get("Date")),
        message_id=_first_id(headers.get("Message-ID")),
        in_reply_to=_ids(headers.get("In-Reply-To")),
        references=_ids(" ".join(headers.get_all("References"))),
        attachments=walk.attachments,
        has_attachments=any(not a.related for a in walk.attachments),
        importance=_importance(headers),
        is_encrypted=walk.encrypted,
        is_signed=walk.signed,
    )
    first_text = next((t for t in walk.body_texts if t.strip()), "")
    summary.preview = collapse_space(first_text[: PREVIEW_CHARS * 8])[:PREVIEW_CHARS]
    summary.search_text = _search_text(walk)
    return summary


def _minimal(raw: bytes) -> MessageSummary:
    part = BodyPart(
        type="text", subtype="plain", params=[("charset", "us-ascii")], id=None,
        description=None, encoding="7BIT", size=len(raw), lines=raw.count(b"\n"), md5=None,
        disposition=None, language=None, location=None, header_start=0, body_start=0,
        body_end=len(raw), synthetic=True,
    )  # fmt: skip
    return MessageSummary(size=len(raw), envelope=Envelope(), body=part)


def _child_section(section: str, index: int) -> str:
    return f"{section}.{index}" if section else str(index)


def _visit(walk: _Walk, part: BodyPart, section: str, in_body: bool, related: bool) -> None:
    """Sort parts into body text, attachments, report text and hidden crypto parts."""
    ctype = part.content_type
    if part.type == "multipart":
        _visit_multipart(walk, part, section, in_body, related)
        return
    if ctype in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
        kind = (part.param("smime-type") or "").lower()
        if kind == "signed-data" or kind == "certs-only":
            walk.signed = True
        else:
            walk.encrypted = True
        return
    if ctype in CRYPTO_TYPES:
        return
    if ctype in REPORT_TYPES:
        walk.other_texts.append(_text(walk.raw, part, force=True))
        return
    disposition = part.disposition[0] if part.disposition else None
    if (
        part.type == "text"
        and part.subtype in BODY_TEXT_SUBTYPES
        and part.filename is None
        and disposition != "attachment"
    ):
        if in_body:
            walk.body_texts.append(_text(walk.raw, part))
        return
    walk.attachments.append(_attachment(walk.raw, part, section or "1", related, disposition))
    if part.message is not None:
        _collect_message_text(walk, part.message.body)


def _visit_multipart(
    walk: _Walk, part: BodyPart, section: str, in_body: bool, related: bool
) -> None:
    kids = [(child, _child_section(section, i)) for i, child in enumerate(part.parts, 1)]
    sub = part.subtype
    if sub == "signed":
        walk.signed = True
        kids = kids[:1]  # RFC 1847: the second part is the signature
    elif sub == "encrypted":
        walk.encrypted = True
        return  # RFC 1847: control part and ciphertext, nothing readable
    if sub == "alternative":
        chosen = _choose_alternative([k[0] for k in kids])
        for index, (child, sec) in enumerate(kids):
            _visit(walk, child, sec, in_body and index == chosen, related)
    elif sub == "related":
        root = _related_root(part)
        for index, (child, sec) in enumerate(kids):
            _visit(walk, child, sec, in_body and index == root, related or index != root)
    else:
        for child, sec in kids:
            _visit(walk, child, sec, in_body, related)


def _choose_alternative(parts: list[BodyPart]) -> int:
    """Index of the alternative used for preview and search: plain text first."""
    ranks = []
    for part in parts:
        if part.content_type == "text/plain" and part.filename is None:
            ranks.append(0)
        elif part.type == "multipart":
            ranks.append(1)
        elif part.content_type == "text/html":
            ranks.append(2)
        elif part.type == "text":
            ranks.append(3)
        else:
            ranks.append(9)
    return ranks.index(min(ranks)) if ranks else 0


def _related_root(part: BodyPart) -> int:
    # RFC 2387 section 3.2: "start" names the root by Content-ID; default is the first part.
    start = part.param("start")
    if start:
        wanted = start.strip().strip("<>")
        for index, child in enumerate(part.parts):
            if child.id and child.id.strip().strip("<>") == wanted:
                return index
    return 0


def _collect_message_text(walk: _Walk, body: BodyPart) -> None:
    inner = _Walk(walk.raw)
    _visit(inner, body, "", in_body=True, related=False)
    headers = headers_of(walk.raw, body)
    walk.other_texts.append(collapse_space(decode_words(headers.get("Subject"))))
    walk.other_texts.extend(inner.body_texts + inner.other_texts)
    walk.other_texts.extend(a.filename for a in inner.attachments)


def _text(raw: bytes, part: BodyPart, force: bool = False) -> str:
    if (part.type == "text" and part.subtype in BODY_TEXT_SUBTYPES) or force:
        return readable_text(raw, part, TEXT_READ_LIMIT).replace("\r\n", "\n")
    return ""


def _attachment(
    raw: bytes, part: BodyPart, section: str, related: bool, disposition: str | None
) -> Attachment:
    filename = part.filename
    if not filename and part.message is not None:
        headers = headers_of(raw, part.message.body)
        subject = clean(collapse_space(decode_words(headers.get("Subject"))))
        subject = "".join(c for c in subject if c not in '/\\:*?"<>|' and c >= " ").strip()
        filename = (subject[:100] or "message") + ".eml"
    if not filename:
        ext = _EXTENSIONS.get(part.content_type) or _BUILTIN_TYPES.guess_extension(
            part.content_type
        )
        filename = "attachment" + (ext or ".bin")
    inline = related or disposition == "inline"
    return Attachment(
        section=section,
        filename=filename,
        content_type=part.content_type,
        size=part.size,
        disposition="inline" if inline else "attachment",
        content_id=part.id.strip().strip("<>") if part.id else None,
        decoded_size=_decoded_size(raw, part),
        related=related,
    )


def _decoded_size(raw: bytes, part: BodyPart) -> int:
    if part.encoding == "BASE64":
        breaks = raw.count(b"\n", part.body_start, part.body_end)
        breaks += raw.count(b"\r", part.body_start, part.body_end)
        tail = raw[max(part.body_start, part.body_end - 8) : part.body_end].rstrip()
        padding = len(tail) - len(tail.rstrip(b"="))
        return max(0, (part.size - breaks) * 3 // 4 - padding)
    return part.size


def _search_text(walk: _Walk) -> str:
    """The text IMAP SEARCH BODY reads (RFC 3501 6.4.4: "in the body of the message"):
    the body parts, machine-readable report parts, attached messages' text and the
    attachments' file names. The subject and addresses are header fields: the store
    keeps them in columns of their own, and full-text search reads those too."""
    pieces = list(walk.body_texts)
    pieces.extend(walk.other_texts)
    pieces.extend(a.filename for a in walk.attachments)
    text = "\n".join(p for p in pieces if p)
    encoded = text.encode("utf-8")
    if len(encoded) > SEARCH_TEXT_BYTES:
        text = encoded[:SEARCH_TEXT_BYTES].decode("utf-8", errors="ignore")
    return clean(text)


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except Exception:  # TypeError, ValueError, IndexError, OverflowError across versions
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        # RFC 5322 section 3.3: "-0000" means UTC with no information about local time.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    ids = [clean(m.strip()) for m in _MSG_ID.findall(value) if m.strip()]
    if not ids:
        ids = [clean(tok.strip("<>")) for tok in value.split() if "@" in tok]
    return ids


def _first_id(value: str | None) -> str | None:
    ids = _ids(value)
    if ids:
        return ids[0]
    stripped = (value or "").strip()
    return clean(stripped) if stripped else None


def _importance(headers: HeaderBlock) -> str:
    value = (headers.get("Importance") or "").strip().lower()
    if value in ("high", "low", "normal"):
        return value
    prio = (headers.get("X-Priority") or "").strip()
    if prio[:1] in ("1", "2"):
        return "high"
    if prio[:1] in ("4", "5"):
        return "low"
    ms = (headers.get("X-MSMail-Priority") or "").strip().lower()
    if ms in ("high", "low"):
        return ms
    priority = (headers.get("Priority") or "").strip().lower()
    if priority == "urgent":
        return "high"
    if priority == "non-urgent":
        return "low"
    return "normal"
