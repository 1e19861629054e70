"""FETCH body data (RFC 3501 6.4.5 and 7.4.2): BODY[section]<partial>, RFC822.*.

Pure: slices of the stored bytes located by the stored summary (mailcore.mime.sections),
nothing re-parsed but a header block for HEADER.FIELDS.

Choices, checked against Dovecot 2.3:
- A section that does not exist (part 3 of a two-part message, 1.HEADER of a text part,
  1.1 of a single-part message) is empty data, not an error, as Dovecot and Cyrus
  answer; the response still names the section. RFC 3501 is strict about numbering: a
  part's ".1" exists only for a message, so 2.1 of a text/plain part 2 is empty too
  (Dovecot alone serves part 2 again there).
- NUL octets go out as 0x80, as Dovecot sends them: RFC 3501 literals are CHAR8
  (%x01-FF), and the substitution keeps every size and <partial> offset true.
- The stored bytes go out as stored: a message stored with bare LF line ends is served
  with them, so RFC822.SIZE, BODYSTRUCTURE sizes and the data agree (Dovecot converts
  to CRLF and counts sizes that way).
"""

from __future__ import annotations

from typing import Literal

from mailcore.imap.commands import BodySection, FetchAtt
from mailcore.imap.wire import astring
from mailcore.mime.model import MessageSummary
from mailcore.mime.sections import section_bytes

Rfc822Item = Literal["RFC822", "RFC822.HEADER", "RFC822.TEXT"]

# RFC 3501 6.4.5: RFC822 is BODY[], RFC822.HEADER is BODY.PEEK[HEADER], RFC822.TEXT is
# BODY[TEXT]; the response keeps the RFC822 name.
RFC822_SECTIONS: dict[Rfc822Item, BodySection] = {
    "RFC822": BodySection(),
    "RFC822.HEADER": BodySection(text="HEADER", peek=True),
    "RFC822.TEXT": BodySection(text="TEXT"),
}


def body_section(raw: bytes, summary: MessageSummary, section: BodySection) -> bytes:
    """The octets of BODY[section] before <partial> is applied; b"" if it does not exist."""
    data = section_bytes(summary, raw, section.part, section.text, section.fields)
    if not data:
        return b""
    return data.replace(b"\x00", b"\x80")


def apply_partial(data: bytes, partial: tuple[int, int] | None) -> bytes:
    """BODY[...]<origin.octets>: at most `octets` octets from `origin`; empty when the
    origin is past the end (RFC 3501 6.4.5)."""
    if partial is None:
        return data
    origin, octets = partial
    return data[origin : origin + octets]


def response_name(section: BodySection) -> bytes:
    """The item name in the FETCH response: BODY[<section>]<<origin>>.

    RFC 3501 7.4.2: always BODY, also for BODY.PEEK, and only the origin of a partial
    fetch. Field names are upper-cased as Dovecot and Gmail send them (clients look the
    item up in that form), each an astring.
    """
    head = b".".join(b"%d" % n for n in section.part)
    text = section.text.encode("ascii")
    if section.fields:
        names = b" ".join(astring(name.upper()) for name in section.fields)
        text += b" (" + names + b")"
    spec = head + b"." + text if head and text else head or text
    name = b"BODY[" + spec + b"]"
    if section.partial is not None:
        name += b"<%d>" % section.partial[0]
    return name


def body_item(raw: bytes, summary: MessageSummary, section: BodySection) -> bytes:
    """One complete msg-att item: `BODY[1]<0> {5}CRLF12345`. The data is always a
    literal (it is arbitrary octets), an empty one for a section that does not exist."""
    data = apply_partial(body_section(raw, summary, section), section.partial)
    return response_name(section) + b" {%d}\r\n" % len(data) + data


def rfc822_item(raw: bytes, summary: MessageSummary, item: Rfc822Item) -> bytes:
    """RFC822, RFC822.HEADER or RFC822.TEXT as a complete msg-att item."""
    data = body_section(raw, summary, RFC822_SECTIONS[item])
    return item.encode("ascii") + b" {%d}\r\n" % len(data) + data


def rfc822_size(summary: MessageSummary) -> int:
    """RFC822.SIZE: the stored size, which is exactly what BODY[] / RFC822 send."""
    return summary.size


def sets_seen(att: FetchAtt) -> bool:
    """Whether fetching this item sets \\Seen (RFC 3501 6.4.5): BODY[...] without PEEK,
    RFC822 and RFC822.TEXT do; BODY.PEEK[...] and RFC822.HEADER do not."""
    if att.section is not None:
        return not att.section.peek
    return att.name in ("RFC822", "RFC822.TEXT")
