"""Byte-offset MIME scanner (RFC 2045, RFC 2046, RFC 5322) that never raises.

The stdlib email parser gives no offsets, and IMAP needs BODY[section] as exact
slices of the stored bytes, so the structure is found by scanning the raw
message here. Header fields are then decoded with `headers`.

Decisions where the RFCs are silent, for broken input:
- The header ends at the first empty line (CRLF CRLF or LF LF). If the first
  line of an entity is neither empty nor shaped like a header field, the entity
  has no header and everything is body (a header-less message, or a MIME part
  whose author forgot the blank line). An entity with header lines but no empty
  line is all header with an empty body.
- A delimiter line is "--" boundary, then optional "--", then only transport
  padding (RFC 2046 section 5.1.1); anything else on the line means it is not a
  delimiter, so an inner boundary that merely starts with the outer one is not
  mistaken for it.
- A multipart without a boundary parameter, or whose body holds no delimiter,
  gets one synthetic text/plain child spanning its whole body (no header), so
  BODY[1] and BODYSTRUCTURE stay valid and the text stays readable.
- Past MAX_DEPTH nested entities, a multipart gets one synthetic
  application/octet-stream child and a message/rfc822 an empty envelope with an
  opaque body: the bytes are still served, just not dissected.
- message/rfc822 with a base64 or quoted-printable transfer encoding (not
  allowed by RFC 2046 section 5.2.1, seen in the wild) is opaque in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.mime.addresses import parse_address_list
from mailcore.mime.charsets import clean
from mailcore.mime.headers import (
    HeaderBlock,
    collapse_space,
    decode_words,
    get_param,
    looks_like_field,
    parse_content_type,
    parse_header_block,
    parse_params,
)
from mailcore.mime.model import BodyPart, EmbeddedMessage, Envelope

MAX_DEPTH = 32
MAX_PARTS = 5000  # per message, across all levels
IDENTITY_ENCODINGS = frozenset({"7BIT", "8BIT", "BINARY"})
MESSAGE_SUBTYPES = frozenset({"rfc822", "global"})


@dataclass
class _Budget:
    parts_left: int = MAX_PARTS


def find_body_start(raw: bytes, start: int, end: int) -> int:
    """Offset of the first body byte of the entity at raw[start:end] (see module doc)."""
    if start >= end:
        return end
    if raw.startswith(b"\r\n", start) and start + 2 <= end:
        return start + 2
    if raw[start] == 0x0A:
        return start + 1
    eol = raw.find(b"\n", start, end)
    if not looks_like_field(raw[start : eol if eol >= 0 else end]):
        return start
    crlf = raw.find(b"\n\r\n", start, end)
    lf = raw.find(b"\n\n", start, end)
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf + 3
    if lf >= 0:
        return lf + 2
    return end


def _delimiters(raw: bytes, start: int, end: int, boundary: bytes) -> list[tuple[int, int, bool]]:
    """Delimiter lines in raw[start:end] as (line start, next line start, is close delimiter)."""
    delim = b"--" + boundary
    found: list[tuple[int, int, bool]] = []
    pos = start
    while pos < end:
        k = raw.find(delim, pos, end)
        if k < 0:
            break
        pos = k + 1
        if k != start and raw[k - 1] != 0x0A:
            continue
        after = k + len(delim)
        is_close = raw.startswith(b"--", after) and after + 2 <= end
        eol = raw.find(b"\n", after, end)
        line_end = end if eol < 0 else eol
        if not is_close and raw[after:line_end].strip(b" \t\r"):
            continue
        found.append((k, end if eol < 0 else eol + 1, is_close))
        if is_close:
            break
        pos = line_end
    return found


def _strip_eol_before(raw: bytes, k: int, floor: int) -> int:
    # RFC 2046 section 5.1.1: the CRLF preceding the delimiter belongs to it.
    if k > floor and raw[k - 1] == 0x0A:
        k -= 1
        if k > floor and raw[k - 1] == 0x0D:
            k -= 1
    return k


def split_multipart(
    raw: bytes, start: int, end: int, boundary: bytes, budget: _Budget
) -> list[tuple[int, int]]:
    """(start, end) ranges of the body parts of a multipart body raw[start:end]."""
    ranges: list[tuple[int, int]] = []
    delims = _delimiters(raw, start, end, boundary)
    for index, (_line, next_line, is_close) in enumerate(delims):
        if is_close:
            break
        if budget.parts_left <= 0:
            break
        budget.parts_left -= 1
        if index + 1 < len(delims):
            part_end = max(next_line, _strip_eol_before(raw, delims[index + 1][0], start))
        else:
            part_end = end  # no close delimiter: the last part runs to the end
        ranges.append((next_line, part_end))
    return ranges


def parse_entity(
    raw: bytes,
    start: int,
    end: int,
    depth: int = 0,
    default: tuple[str, str] = ("text", "plain"),
    budget: _Budget | None = None,
) -> BodyPart:
    """Build the BodyPart tree for the entity at raw[start:end]."""
    budget = budget or _Budget()
    body_start = find_body_start(raw, start, end)
    headers = parse_header_block(raw[start:body_start])
    ctype = parse_content_type(headers.get("Content-Type"), default)
    encoding = (headers.get("Content-Transfer-Encoding") or "").split(";")[0].strip().upper()
    part = BodyPart(
        type=ctype.type,
        subtype=ctype.subtype,
        params=ctype.params,
        id=headers.get("Content-ID"),
        description=headers.get("Content-Description"),
        encoding=encoding or "7BIT",
        size=end - body_start,
        lines=None,
        md5=headers.get("Content-MD5"),
        disposition=_disposition(headers),
        language=_language(headers),
        location=_location(headers),
        header_start=start,
        body_start=body_start,
        body_end=end,
        charset=get_param(ctype.params, "charset") if ctype.valid else None,
        headers=headers,
    )
    part.filename = _filename(part)
    if part.type == "multipart":
        _fill_multipart(raw, part, depth, budget)
    elif part.type == "message" and part.subtype in MESSAGE_SUBTYPES:
        part.lines = raw.count(b"\n", body_start, end)
        part.message = _embedded(raw, part, depth, budget)
    elif part.type == "text":
        part.lines = raw.count(b"\n", body_start, end)
    return part


def _fill_multipart(raw: bytes, part: BodyPart, depth: int, budget: _Budget) -> None:
    boundary = part.param("boundary")
    child_default = ("message", "rfc822") if part.subtype == "digest" else ("text", "plain")
    if depth + 1 >= MAX_DEPTH:
        part.parts = [_opaque(raw, part.body_start, part.body_end, ("application", "octet-stream"))]
        return
    ranges: list[tuple[int, int]] = []
    if boundary:
        token = boundary.encode("utf-8", errors="replace")
        ranges = split_multipart(raw, part.body_start, part.body_end, token, budget)
    if not ranges:
        part.parts = [_opaque(raw, part.body_start, part.body_end, ("text", "plain"))]
        return
    part.parts = [parse_entity(raw, s, e, depth + 1, child_default, budget) for s, e in ranges]


def _embedded(raw: bytes, part: BodyPart, depth: int, budget: _Budget) -> EmbeddedMessage:
    if depth + 1 >= MAX_DEPTH or part.encoding not in IDENTITY_ENCODINGS:
        opaque = _opaque(raw, part.body_start, part.body_end, ("application", "octet-stream"))
        return EmbeddedMessage(Envelope(), opaque)
    inner = parse_entity(raw, part.body_start, part.body_end, depth + 1, budget=budget)
    return EmbeddedMessage(build_envelope(headers_of(raw, inner)), inner)


def headers_of(raw: bytes, part: BodyPart) -> HeaderBlock:
    """The header block of `part`: the one the scanner parsed, else parsed now (a part
    read back from a stored summary)."""
    if part.headers is None:
        return parse_header_block(raw[part.header_start : part.body_start])
    return part.headers


def _opaque(raw: bytes, start: int, end: int, ctype: tuple[str, str]) -> BodyPart:
    is_text = ctype[0] == "text"
    return BodyPart(
        type=ctype[0],
        subtype=ctype[1],
        params=[("charset", "us-ascii")] if is_text else [],
        id=None,
        description=None,
        encoding="7BIT",
        size=end - start,
        lines=raw.count(b"\n", start, end) if is_text else None,
        md5=None,
        disposition=None,
        language=None,
        location=None,
        header_start=start,
        body_start=start,
        body_end=end,
        synthetic=True,
    )


def _disposition(headers: HeaderBlock) -> tuple[str, list[tuple[str, str]]] | None:
    value = headers.get("Content-Disposition")
    if value is None:
        return None
    head, params = parse_params(value)
    head = head.strip().lower()
    if not head or not all(c.isalnum() or c in "-_." for c in head):
        # RFC 2183 section 2.8: unrecognised disposition types are treated as attachment.
        head = "attachment"
    return head, params


def _language(headers: HeaderBlock) -> list[str] | None:
    value = headers.get("Content-Language")
    if value is None:
        return None
    return [tag.strip() for tag in value.split(",") if tag.strip()] or None


def _location(headers: HeaderBlock) -> str | None:
    value = headers.get("Content-Location")
    # RFC 2557 section 4.4.1: a folded URL is unfolded by removing the whitespace.
    return None if value is None else "".join(value.split())


def _filename(part: BodyPart) -> str | None:
    name = None
    if part.disposition is not None:
        name = get_param(part.disposition[1], "filename")
    if not name:
        name = part.param("name")
    if not name:
        return None
    # Outlook and others put RFC 2047 encoded words inside the quoted parameter.
    name = clean(collapse_space(decode_words(name)))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()
    return name or None


def build_envelope(headers: HeaderBlock) -> Envelope:
    """RFC 3501 ENVELOPE from a header block, defaulting Sender and Reply-To to From."""
    from_ = parse_address_list(headers.get("From"))
    return Envelope(
        date=headers.get("Date"),
        subject=headers.get("Subject"),
        from_=from_,
        sender=parse_address_list(headers.get("Sender")) or list(from_),
        reply_to=parse_address_list(headers.get("Reply-To")) or list(from_),
        to=parse_address_list(headers.get("To")),
        cc=parse_address_list(headers.get("Cc")),
        bcc=parse_address_list(headers.get("Bcc")),
        in_reply_to=headers.get("In-Reply-To"),
        message_id=headers.get("Message-ID"),
    )
