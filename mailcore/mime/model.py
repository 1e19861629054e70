"""The message summary dataclasses and their JSON form.

These cross layers: the store persists `MessageSummary.to_dict()`, IMAP renders
ENVELOPE and BODYSTRUCTURE from `Envelope` and `BodyPart`, the web UI lists
messages from the decoded fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailcore.mime.headers import HeaderBlock


@dataclass
class EnvelopeAddress:
    """One element of an IMAP ENVELOPE address list (RFC 3501 section 7.4.2).

    Group syntax uses IMAP's markers: mailbox=group name and host=None starts a
    group, all four None ends it. A missing local part or domain is given as
    "MISSING_MAILBOX" / "MISSING_DOMAIN" (as Dovecot does) so host is never
    None for a real mailbox.
    """

    name: str | None
    adl: str | None
    mailbox: str | None
    host: str | None


@dataclass
class Envelope:
    """RFC 3501 ENVELOPE: raw header values (unfolded, not decoded), None when absent.

    Sender and Reply-To are already defaulted to From here when absent or empty
    (RFC 3501 section 7.4.2), so rendering needs no logic.
    """

    date: str | None = None
    subject: str | None = None
    from_: list[EnvelopeAddress] = field(default_factory=list)
    sender: list[EnvelopeAddress] = field(default_factory=list)
    reply_to: list[EnvelopeAddress] = field(default_factory=list)
    to: list[EnvelopeAddress] = field(default_factory=list)
    cc: list[EnvelopeAddress] = field(default_factory=list)
    bcc: list[EnvelopeAddress] = field(default_factory=list)
    in_reply_to: str | None = None
    message_id: str | None = None


@dataclass
class BodyPart:
    """One MIME entity, with byte offsets into the raw message it came from.

    Header of the entity is raw[header_start:body_start] (including the blank
    separator line), its body raw[body_start:body_end]. The line break before a
    boundary delimiter belongs to the delimiter (RFC 2046 section 5.1.1), not
    to the body.
    """

    type: str
    subtype: str
    params: list[tuple[str, str]]
    id: str | None
    description: str | None
    encoding: str
    size: int
    lines: int | None
    md5: str | None
    disposition: tuple[str, list[tuple[str, str]]] | None
    language: list[str] | None
    location: str | None
    header_start: int
    body_start: int
    body_end: int
    parts: list[BodyPart] = field(default_factory=list)
    message: EmbeddedMessage | None = None
    charset: str | None = None  # declared charset parameter, if any
    filename: str | None = None  # decoded filename (disposition filename, else type name)
    synthetic: bool = False  # invented by the scanner (multipart without usable boundary)
    # The parsed header block, while the tree is fresh from the scanner (not stored:
    # a part read back from a summary has None; `structure.headers_of` parses then).
    headers: HeaderBlock | None = field(default=None, repr=False, compare=False)

    @property
    def content_type(self) -> str:
        return f"{self.type}/{self.subtype}"

    @property
    def is_multipart(self) -> bool:
        return self.type == "multipart"

    def param(self, name: str) -> str | None:
        for key, value in self.params:
            if key == name:
                return value
        return None


@dataclass
class EmbeddedMessage:
    """The message inside a message/rfc822 part; offsets stay relative to the outer raw message."""

    envelope: Envelope
    body: BodyPart


@dataclass
class Attachment:
    section: str
    filename: str
    content_type: str
    size: int
    disposition: str  # "attachment" or "inline"
    content_id: str | None
    decoded_size: int = 0  # estimate from the transfer encoding
    related: bool = False  # a multipart/related resource (cid: image), not a user attachment


@dataclass
class MessageSummary:
    """Everything computed once when a message is stored (see `summarize`)."""

    size: int
    envelope: Envelope
    body: BodyPart
    subject: str = ""
    from_: list[tuple[str, str]] = field(default_factory=list)
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    bcc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    date: datetime | None = None
    message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    preview: str = ""
    search_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    has_attachments: bool = False
    importance: str = "normal"
    is_encrypted: bool = False
    is_signed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; `from_dict(to_dict())` gives an equal summary."""
        return {
            "size": self.size,
            "envelope": _envelope_to(self.envelope),
            "body": _part_to(self.body),
            "subject": self.subject,
            "from": [list(p) for p in self.from_],
            "to": [list(p) for p in self.to],
            "cc": [list(p) for p in self.cc],
            "bcc": [list(p) for p in self.bcc],
            "reply_to": [list(p) for p in self.reply_to],
            "date": self.date.isoformat() if self.date else None,
            "message_id": self.message_id,
            "in_reply_to": list(self.in_reply_to),
            "references": list(self.references),
            "preview": self.preview,
            "search_text": self.search_text,
            "attachments": [dict(vars(a)) for a in self.attachments],
            "has_attachments": self.has_attachments,
            "importance": self.importance,
            "is_encrypted": self.is_encrypted,
            "is_signed": self.is_signed,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MessageSummary:
        return cls(
            size=d["size"],
            envelope=_envelope_from(d["envelope"]),
            body=_part_from(d["body"]),
            subject=d["subject"],
            from_=_pairs(d["from"]),
            to=_pairs(d["to"]),
            cc=_pairs(d["cc"]),
            bcc=_pairs(d["bcc"]),
            reply_to=_pairs(d["reply_to"]),
            date=datetime.fromisoformat(d["date"]) if d.get("date") else None,
            message_id=d["message_id"],
            in_reply_to=list(d["in_reply_to"]),
            references=list(d["references"]),
            preview=d["preview"],
            search_text=d.get("search_text", ""),
            attachments=[Attachment(**a) for a in d["attachments"]],
            has_attachments=d["has_attachments"],
            importance=d["importance"],
            is_encrypted=d["is_encrypted"],
            is_signed=d["is_signed"],
        )


def _pairs(items: list[list[str]]) -> list[tuple[str, str]]:
    return [(a, b) for a, b in items]


_ADDRESS_LISTS = ("from_", "sender", "reply_to", "to", "cc", "bcc")


def _envelope_to(env: Envelope) -> dict[str, Any]:
    out: dict[str, Any] = {
        "date": env.date,
        "subject": env.subject,
        "in_reply_to": env.in_reply_to,
        "message_id": env.message_id,
    }
    for name in _ADDRESS_LISTS:
        out[name] = [[a.name, a.adl, a.mailbox, a.host] for a in getattr(env, name)]
    return out


def _envelope_from(d: dict[str, Any]) -> Envelope:
    lists = {name: [EnvelopeAddress(*a) for a in d[name]] for name in _ADDRESS_LISTS}
    return Envelope(
        date=d["date"],
        subject=d["subject"],
        in_reply_to=d["in_reply_to"],
        message_id=d["message_id"],
        **lists,
    )


def _part_to(part: BodyPart) -> dict[str, Any]:
    return {
        "type": part.type,
        "subtype": part.subtype,
        "params": [list(p) for p in part.params],
        "id": part.id,
        "description": part.description,
        "encoding": part.encoding,
        "size": part.size,
        "lines": part.lines,
        "md5": part.md5,
        "disposition": (
            None
            if part.disposition is None
            else [part.disposition[0], [list(p) for p in part.disposition[1]]]
        ),
        "language": None if part.language is None else list(part.language),
        "location": part.location,
        "header_start": part.header_start,
        "body_start": part.body_start,
        "body_end": part.body_end,
        "parts": [_part_to(p) for p in part.parts],
        "message": (
            None
            if part.message is None
            else {
                "envelope": _envelope_to(part.message.envelope),
                "body": _part_to(part.message.body),
            }
        ),
        "charset": part.charset,
        "filename": part.filename,
        "synthetic": part.synthetic,
    }


def _part_from(d: dict[str, Any]) -> BodyPart:
    disp = d["disposition"]
    msg = d["message"]
    return BodyPart(
        type=d["type"],
        subtype=d["subtype"],
        params=_pairs(d["params"]),
        id=d["id"],
        description=d["description"],
        encoding=d["encoding"],
        size=d["size"],
        lines=d["lines"],
        md5=d["md5"],
        disposition=None if disp is None else (disp[0], _pairs(disp[1])),
        language=None if d["language"] is None else list(d["language"]),
        location=d["location"],
        header_start=d["header_start"],
        body_start=d["body_start"],
        body_end=d["body_end"],
        parts=[_part_from(p) for p in d["parts"]],
        message=(
            None
            if msg is None
            else EmbeddedMessage(_envelope_from(msg["envelope"]), _part_from(msg["body"]))
        ),
        charset=d.get("charset"),
        filename=d.get("filename"),
        synthetic=d.get("synthetic", False),
    )
