"""BODY[section] slices: against the stdlib parser's raw payloads, and RFC 3501 6.4.5 rules."""

from __future__ import annotations

import email
import email.message
from pathlib import Path

import pytest
from mime_test_support import corpus_files

from mailcore.mime import BodyPart, decode_body, iter_parts, section_slice, summarize

# Where the stdlib parser and we legitimately disagree:
# - 021: the stdlib keeps a boundary-less multipart as one text payload; we expose
#   a synthetic part 1 (same bytes, different tree shape).
# - 020: with no close delimiter the stdlib drops the last line break of the last
#   part; no delimiter follows it, so we keep it as body (as Dovecot does).
# - 024: empty, nothing to compare.
NOT_COMPARABLE_WITH_STDLIB = {"020-missing-close-boundary", "021-no-boundary-param", "024-empty"}
IDENTITY = {"7BIT", "8BIT", "BINARY"}


def _pairs(
    mine: BodyPart, theirs: email.message.Message, section: str
) -> list[tuple[str, BodyPart, email.message.Message]]:
    """Walk both trees together, numbering parts as RFC 3501 does."""
    out: list[tuple[str, BodyPart, email.message.Message]] = []
    if mine.type == "multipart":
        kids = theirs.get_payload()
        assert isinstance(kids, list) and len(kids) == len(mine.parts), section
        for index, (a, b) in enumerate(zip(mine.parts, kids, strict=True), 1):
            number = f"{section}.{index}" if section else str(index)
            out.append((number, a, b))
            if a.type == "multipart" or a.message is not None:
                out.extend(_pairs(a, b, number))
    elif mine.message is not None:
        inner = theirs.get_payload(0)
        assert isinstance(inner, email.message.Message)
        body = mine.message.body
        if body.type == "multipart":
            out.extend(_pairs(body, inner, section))
        else:
            out.append((f"{section}.1", body, inner))
    return out


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_part_slices_match_stdlib_payloads(path: Path) -> None:
    if path.stem in NOT_COMPARABLE_WITH_STDLIB:
        pytest.skip("the stdlib models this message differently (see module comment)")
    raw = path.read_bytes()
    summary = summarize(raw)
    theirs = email.message_from_bytes(raw)
    if summary.body.type == "multipart":
        pairs = _pairs(summary.body, theirs, "")
    else:
        pairs = [("1", summary.body, theirs)]
        if summary.body.message is not None:
            pairs += _pairs(summary.body, theirs, "1")
    compared = 0
    for number, part, msg in pairs:
        if part.type == "multipart" or part.message is not None or msg.is_multipart():
            continue  # containers, and message/delivery-status which the stdlib splits up
        # For identity encodings decode=True is the raw payload bytes; otherwise it is
        # the stdlib's transfer decoding, which ours must agree with.
        theirs_bytes = msg.get_payload(decode=True)
        if part.encoding in IDENTITY:
            assert section_slice(summary, raw, number) == theirs_bytes, number
        else:
            assert decode_body(raw, part) == theirs_bytes, number
        compared += 1
    assert compared >= 1


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_header_text_and_mime_concatenate(path: Path) -> None:
    raw = path.read_bytes()
    summary = summarize(raw)
    assert section_slice(summary, raw, "") == raw
    header = section_slice(summary, raw, "HEADER")
    text = section_slice(summary, raw, "TEXT")
    assert header is not None and text is not None
    assert header + text == raw
    assert section_slice(summary, raw, "MIME") is None
    for number, part in iter_parts(summary.body):
        body = section_slice(summary, raw, number)
        mime = section_slice(summary, raw, f"{number}.MIME")
        assert body == raw[part.body_start : part.body_end]
        assert mime is not None and mime + body == raw[part.header_start : part.body_end]
        sub_header = section_slice(summary, raw, f"{number}.HEADER")
        sub_text = section_slice(summary, raw, f"{number}.TEXT")
        if part.message is None:
            assert sub_header is None and sub_text is None
        else:
            assert sub_header is not None and sub_text is not None
            assert sub_header + sub_text == body


def test_single_part_message_part_one_is_its_body() -> None:
    raw = Path(corpus_files()[0]).read_bytes()
    summary = summarize(raw)
    assert section_slice(summary, raw, "1") == section_slice(summary, raw, "TEXT")
    assert section_slice(summary, raw, "1.MIME") == section_slice(summary, raw, "HEADER")
    assert section_slice(summary, raw, "2") is None
    assert section_slice(summary, raw, "1.1") is None
    assert section_slice(summary, raw, "0") is None


def test_forwarded_message_sections() -> None:
    path = next(p for p in corpus_files() if p.stem == "012-forwarded-rfc822")
    raw = path.read_bytes()
    summary = summarize(raw)
    header = section_slice(summary, raw, "2.HEADER")
    assert header is not None
    assert header.startswith(b"From: Vendor <billing@vendor.example>\r\n")
    assert header.endswith(b'boundary="inner"\r\n\r\n')
    assert section_slice(summary, raw, "2.1") == b"Your invoice is attached."
    assert section_slice(summary, raw, "2.2") == b"JVBERi0="
    assert section_slice(summary, raw, "2.2.MIME") == (
        b"Content-Type: application/pdf; name=invoice-42.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
    )
    assert section_slice(summary, raw, "2.3") is None
    assert section_slice(
        summary,
        raw,
        "2.TEXT",
    ).startswith(b"--inner\r\n")  # type: ignore[union-attr]
    assert section_slice(summary, raw, "2.HEADER.FIELDS (SUBJECT from)") == (
        b"From: Vendor <billing@vendor.example>\r\nSubject: Invoice 42\r\n\r\n"
    )
    assert section_slice(summary, raw, "1.HEADER") is None


def test_header_fields_and_not() -> None:
    raw = b"From: a@b.c\r\nSubject: hi\r\n there\r\nTo: d@e.f\r\n\r\nbody"
    summary = summarize(raw)
    assert (
        section_slice(summary, raw, "HEADER.FIELDS (Subject)") == b"Subject: hi\r\n there\r\n\r\n"
    )
    assert section_slice(summary, raw, "HEADER.FIELDS.NOT (Subject)") == (
        b"From: a@b.c\r\nTo: d@e.f\r\n\r\n"
    )


def test_digest_parts_address_the_embedded_bodies() -> None:
    path = next(p for p in corpus_files() if p.stem == "013-digest")
    raw = path.read_bytes()
    summary = summarize(raw)
    assert section_slice(summary, raw, "1.1") == b"Body one."
    assert section_slice(summary, raw, "2.TEXT") == b"Body two."
    assert section_slice(summary, raw, "1.MIME") == b"\r\n"
