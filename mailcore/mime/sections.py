"""IMAP section specs (RFC 3501 section 6.4.5) to byte slices of the stored message.

Every answer is a slice of the raw bytes computed from the stored BodyPart
offsets: nothing is re-parsed except, for HEADER.FIELDS, the one header block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from mailcore.mime.model import BodyPart, MessageSummary

_FIELDS = re.compile(r"^HEADER\.FIELDS(\.NOT)?\s*\((.*)\)\s*$", re.I | re.S)
_FIELD_START = re.compile(rb"([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_LINES = re.compile(rb"[^\n]*\n|[^\n]+\Z")


def _root(summary_or_body: MessageSummary | BodyPart) -> BodyPart:
    if isinstance(summary_or_body, MessageSummary):
        return summary_or_body.body
    return summary_or_body


def find_part(root: BodyPart, numbers: list[int]) -> BodyPart | None:
    """Resolve part numbers to a BodyPart (RFC 3501 section 6.4.5).

    A non-multipart message's part 1 is its body (its MIME header is then the
    message header); the numbers after a message/rfc822 part address the parts
    of the encapsulated message.
    """
    node = root
    at_root = True  # node is the top entity of a message, not yet numbered
    for n in numbers:
        if not at_root and node.message is not None:
            node, at_root = node.message.body, True
        if node.type == "multipart":
            if not 1 <= n <= len(node.parts):
                return None
            node, at_root = node.parts[n - 1], False
        elif at_root and n == 1:
            at_root = False
        else:
            return None
    return node


def iter_parts(root: BodyPart, prefix: str = "") -> Iterator[tuple[str, BodyPart]]:
    """Every addressable part with its section number, depth first, in RFC 3501 numbering.

    A non-multipart message body is yielded as "1"; the top multipart itself has
    no number and is not yielded. Parts of an encapsulated message follow the
    message/rfc822 part that holds them ("2" then "2.1", "2.2", ...).
    """
    if root.type != "multipart":
        number = f"{prefix}.1" if prefix else "1"
        yield number, root
        if root.message is not None:
            yield from iter_parts(root.message.body, number)
        return
    for index, child in enumerate(root.parts, 1):
        number = f"{prefix}.{index}" if prefix else str(index)
        yield number, child
        if child.type == "multipart":
            yield from iter_parts(child, number)
        elif child.message is not None:
            yield from iter_parts(child.message.body, number)


def _parse_numbers(spec: str) -> tuple[list[int], str]:
    numbers: list[int] = []
    rest = spec
    while rest:
        head, dot, tail = rest.partition(".")
        if not head.isdigit() or head.startswith("0"):
            break
        numbers.append(int(head))
        rest = tail if dot else ""
        if not dot:
            break
    return numbers, rest


def filter_header_fields(header: bytes, names: list[str], exclude: bool = False) -> bytes:
    """HEADER.FIELDS / HEADER.FIELDS.NOT: the matching fields (with folding) plus the blank line.

    Names match case-insensitively. RFC 3501 6.4.5: the blank line is included "in all
    header fetches, except in the case of a message which has no body and no blank
    line"; it is the header's own (CRLF, or LF in a message stored with bare LFs). Lines
    end at LF only: a stray CR inside a field is part of the field.
    """
    wanted = {n.lower() for n in names}
    out: list[bytes] = []
    keep = False
    blank = b""
    for line in _LINES.findall(header):
        if line in (b"\r\n", b"\n"):
            blank = line
            break
        if line[:1] in (b" ", b"\t"):
            if keep:
                out.append(line)
            continue
        match = _FIELD_START.match(line)
        name = match.group(1).decode("ascii").lower() if match else None
        keep = name is not None and ((name in wanted) != exclude)
        if keep:
            out.append(line)
    out.append(blank)
    return b"".join(out)


def section_slice(
    summary_or_body: MessageSummary | BodyPart, raw: bytes, section: str
) -> bytes | None:
    """Bytes for BODY[section]; None when the section does not exist.

    Supports "", "HEADER", "TEXT", "HEADER.FIELDS (A B)", "HEADER.FIELDS.NOT (A)",
    "n[.n...]", and "n...MIME", "n...HEADER", "n...TEXT", "n...HEADER.FIELDS (...)".
    Partial ranges (<start.count>) are left to the caller.
    """
    numbers, rest = _parse_numbers(section.strip())
    match = _FIELDS.match(rest)
    if match:
        text = "HEADER.FIELDS.NOT" if match.group(1) else "HEADER.FIELDS"
        fields = match.group(2).replace('"', " ").split()
        return section_bytes(summary_or_body, raw, numbers, text, fields)
    return section_bytes(summary_or_body, raw, numbers, rest.upper(), [])


def section_bytes(
    summary_or_body: MessageSummary | BodyPart,
    raw: bytes,
    numbers: Sequence[int],
    text: str,
    fields: Sequence[str] = (),
) -> bytes | None:
    """BODY[section] from its parsed form: part numbers, the section text ("", "HEADER",
    "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME", upper-case) and the field
    names; None when the section does not exist (RFC 3501 6.4.5)."""
    root = _root(summary_or_body)
    if not numbers:
        return raw if not text else _message_text(root, raw, text, fields)
    part = find_part(root, list(numbers))
    if part is None:
        return None
    if not text:
        return raw[part.body_start : part.body_end]
    if text == "MIME":
        # A synthetic child has no header of its own: its MIME header is empty.
        return raw[part.header_start : part.body_start]
    if part.message is None:
        return None  # HEADER and TEXT of a part exist only for message/rfc822 parts
    return _message_text(part.message.body, raw, text, fields)


def _message_text(
    message_body: BodyPart, raw: bytes, text: str, fields: Sequence[str]
) -> bytes | None:
    header = raw[message_body.header_start : message_body.body_start]
    if text == "HEADER":
        return header
    if text == "TEXT":
        return raw[message_body.body_start : message_body.body_end]
    if text in ("HEADER.FIELDS", "HEADER.FIELDS.NOT"):
        return filter_header_fields(header, list(fields), exclude=text.endswith(".NOT"))
    return None  # MIME without part numbers, or an unknown section text
