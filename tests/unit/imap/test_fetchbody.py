"""FETCH body data: BODY[section]<partial>, RFC822.*, exact bytes per RFC 3501 6.4.5."""

from __future__ import annotations

from pathlib import Path

import pytest
from imapclient.response_parser import parse_fetch_response

from mailcore.imap.commands import BodySection, FetchAtt
from mailcore.imap.fetchbody import (
    apply_partial,
    body_item,
    body_section,
    response_name,
    rfc822_item,
    rfc822_size,
    sets_seen,
)
from mailcore.mime import iter_parts, section_slice, summarize

from .test_structure import CORPUS, imaplib_form

# The message of RFC 3501 6.4.5's section-numbering example:
#   HEADER, TEXT   MULTIPART/MIXED
#   1              TEXT/PLAIN
#   2              APPLICATION/OCTET-STREAM
#   3              MESSAGE/RFC822 (3.HEADER, 3.TEXT: MULTIPART/MIXED; 3.1, 3.2)
#   4              MULTIPART/MIXED
#   4.1            IMAGE/GIF (4.1.MIME)
#   4.2            MESSAGE/RFC822 (4.2.HEADER, 4.2.TEXT; 4.2.1 TEXT/PLAIN,
#                  4.2.2 MULTIPART/ALTERNATIVE with 4.2.2.1 TEXT/PLAIN, 4.2.2.2 TEXT/RICHTEXT)
H3 = (
    b"From: three@example.com\r\nSubject: Three\r\n"
    b"Content-Type: multipart/mixed; boundary=c\r\n\r\n"
)
T3 = (
    b"--c\r\nContent-Type: text/plain\r\n\r\n3.1 text\r\n"
    b"--c\r\nContent-Type: application/octet-stream\r\n\r\n3.2 data\r\n--c--"
)
M41 = b"Content-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\n"
H42 = (
    b"From: four@example.com\r\nSubject: Four\r\nContent-Type: multipart/mixed; boundary=e\r\n\r\n"
)
T42 = (
    b"--e\r\nContent-Type: text/plain\r\n\r\n4.2.1 text\r\n"
    b"--e\r\nContent-Type: multipart/alternative; boundary=f\r\n\r\n"
    b"--f\r\nContent-Type: text/plain\r\n\r\n4.2.2.1 plain\r\n"
    b"--f\r\nContent-Type: text/richtext\r\n\r\n4.2.2.2 <bold>rich</bold>\r\n--f--\r\n--e--"
)
HEADER = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Subject: The RFC 3501\r\n example\r\n"
    b"X-Mixed-Case: yes\r\n"
    b"Content-Type: multipart/mixed; boundary=a\r\n"
    b"\r\n"
)
TEXT = (
    b"--a\r\nContent-Type: text/plain\r\n\r\npart 1\r\n"
    b"--a\r\nContent-Type: application/octet-stream\r\n\r\npart 2\r\n"
    b"--a\r\nContent-Type: message/rfc822\r\n\r\n" + H3 + T3 + b"\r\n"
    b"--a\r\nContent-Type: multipart/mixed; boundary=d\r\n\r\n"
    b"--d\r\n" + M41 + b"R0lGOA==\r\n"
    b"--d\r\nContent-Type: message/rfc822\r\n\r\n" + H42 + T42 + b"\r\n--d--\r\n"
    b"--a--\r\n"
)
RFC3501 = HEADER + TEXT
SUMMARY = summarize(RFC3501)


def fetch(spec: str) -> bytes:
    """BODY[spec] of the RFC 3501 example, the spec split as the parser splits it."""
    parts: list[int] = []
    rest = spec
    while rest[:1].isdigit():
        head, _, rest = rest.partition(".")
        parts.append(int(head))
    text, _, names = rest.partition(" (")
    fields = tuple(names.rstrip(")").split()) if names else ()
    section = BodySection(part=tuple(parts), text=text, fields=fields)  # type: ignore[arg-type]
    return body_section(RFC3501, SUMMARY, section)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", RFC3501),
        ("HEADER", HEADER),
        ("TEXT", TEXT),
        ("1", b"part 1"),
        ("2", b"part 2"),
        ("3", H3 + T3),
        ("3.HEADER", H3),
        ("3.TEXT", T3),
        ("3.1", b"3.1 text"),
        ("3.2", b"3.2 data"),
        ("3.1.MIME", b"Content-Type: text/plain\r\n\r\n"),
        ("4.1", b"R0lGOA=="),
        ("4.1.MIME", M41),
        ("4.2", H42 + T42),
        ("4.2.HEADER", H42),
        ("4.2.TEXT", T42),
        ("4.2.1", b"4.2.1 text"),
        ("4.2.2.1", b"4.2.2.1 plain"),
        ("4.2.2.2", b"4.2.2.2 <bold>rich</bold>"),
        ("4.2.2.2.MIME", b"Content-Type: text/richtext\r\n\r\n"),
        ("4.2.HEADER.FIELDS (subject)", b"Subject: Four\r\n\r\n"),
        ("3.MIME", b"Content-Type: message/rfc822\r\n\r\n"),
    ],
)
def test_rfc3501_section_numbering(spec: str, expected: bytes) -> None:
    assert fetch(spec) == expected


@pytest.mark.parametrize(
    "spec",
    ["5", "0", "1.1", "2.1", "4.3", "4.2.3", "4.2.2.3", "1.HEADER", "1.TEXT", "4.HEADER", "MIME"],
)
def test_sections_that_do_not_exist_are_empty(spec: str) -> None:
    # As Dovecot and Cyrus answer: empty data, not an error (see the module's doc).
    assert fetch(spec) == b""


def test_header_fields_match_case_insensitively_and_keep_folding_and_blank_line() -> None:
    assert fetch("HEADER.FIELDS (SUBJECT x-MIXED-case)") == (
        b"Subject: The RFC 3501\r\n example\r\nX-Mixed-Case: yes\r\n\r\n"
    )
    assert fetch("HEADER.FIELDS.NOT (subject Content-Type X-MIXED-CASE)") == (
        b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\n\r\n"
    )
    assert fetch("HEADER.FIELDS (X-ABSENT)") == b"\r\n"


def test_header_fields_without_a_blank_line_in_the_message() -> None:
    # RFC 3501 6.4.5: the blank line is in every header fetch "except in the case of a
    # message which has no body and no blank line".
    raw = b"From: a@example.com\r\nSubject: only a header"
    summary = summarize(raw)
    assert body_section(raw, summary, BodySection(text="HEADER")) == raw
    fields = BodySection(text="HEADER.FIELDS", fields=("FROM",))
    assert body_section(raw, summary, fields) == b"From: a@example.com\r\n"
    fields = BodySection(text="HEADER.FIELDS.NOT", fields=("FROM",))
    assert body_section(raw, summary, fields) == b"Subject: only a header"
    assert body_section(b"", summarize(b""), fields) == b""


def test_header_fields_of_a_bare_lf_message_keep_its_line_ends() -> None:
    raw = b"From: a@example.com\nSubject: s\n\nbody\n"
    section = BodySection(text="HEADER.FIELDS", fields=("Subject",))
    assert body_section(raw, summarize(raw), section) == b"Subject: s\n\n"


def test_a_stray_cr_does_not_end_a_header_line() -> None:
    raw = b"Subject: a\rFrom: forged@example.com\r\nTo: b@example.com\r\n\r\n"
    section = BodySection(text="HEADER.FIELDS", fields=("FROM",))
    assert body_section(raw, summarize(raw), section) == b"\r\n"
    assert section_slice(summarize(raw), raw, "HEADER.FIELDS (SUBJECT)") == (
        b"Subject: a\rFrom: forged@example.com\r\n\r\n"
    )


def test_single_part_message_part_one_is_the_body() -> None:
    raw = b"Subject: x\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    summary = summarize(raw)
    assert body_section(raw, summary, BodySection(part=(1,))) == b"hello\r\n"
    assert body_section(raw, summary, BodySection(part=(1,), text="MIME")) == (
        b"Subject: x\r\nContent-Type: text/plain\r\n\r\n"
    )
    assert body_section(raw, summary, BodySection(part=(1, 1))) == b""
    assert body_section(raw, summary, BodySection(part=(2,))) == b""


def test_nul_goes_out_as_0x80_keeping_sizes() -> None:
    raw = b"Subject: a\x00b\r\n\r\nx\x00y"
    summary = summarize(raw)
    assert body_section(raw, summary, BodySection()) == b"Subject: a\x80b\r\n\r\nx\x80y"
    assert body_section(raw, summary, BodySection(text="TEXT")) == b"x\x80y"


@pytest.mark.parametrize(
    ("partial", "expected"),
    [(None, b"0123456789"), ((0, 4), b"0123"), ((8, 10), b"89"), ((10, 1), b""), ((99, 5), b"")],
)
def test_apply_partial(partial: tuple[int, int] | None, expected: bytes) -> None:
    assert apply_partial(b"0123456789", partial) == expected


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (BodySection(), b"BODY[]"),
        (BodySection(peek=True), b"BODY[]"),  # the response never says PEEK
        (BodySection(text="HEADER", peek=True), b"BODY[HEADER]"),
        (BodySection(part=(1, 2), text="MIME"), b"BODY[1.2.MIME]"),
        (BodySection(part=(3,)), b"BODY[3]"),
        (BodySection(partial=(0, 1024)), b"BODY[]<0>"),  # the origin only
        (BodySection(part=(1,), partial=(512, 10)), b"BODY[1]<512>"),
        (
            BodySection(part=(1,), text="HEADER.FIELDS", fields=("From", "to")),
            b"BODY[1.HEADER.FIELDS (FROM TO)]",
        ),
        (
            BodySection(text="HEADER.FIELDS.NOT", fields=("X]Y",), partial=(0, 5)),
            b"BODY[HEADER.FIELDS.NOT (X]Y)]<0>",
        ),
        (BodySection(text="HEADER.FIELDS", fields=("a b",)), b'BODY[HEADER.FIELDS ("A B")]'),
    ],
)
def test_response_name(section: BodySection, expected: bytes) -> None:
    assert response_name(section) == expected


def test_body_item_is_always_a_literal() -> None:
    section = BodySection(part=(1,), partial=(2, 3), peek=True)
    assert body_item(RFC3501, SUMMARY, section) == b"BODY[1]<2> {3}\r\nrt "
    # Dovecot 2.3 answers a section that does not exist with `BODY[9] {0}`.
    assert body_item(RFC3501, SUMMARY, BodySection(part=(9,))) == b"BODY[9] {0}\r\n"


def test_rfc822_items() -> None:
    assert rfc822_item(RFC3501, SUMMARY, "RFC822") == b"RFC822 {%d}\r\n" % len(RFC3501) + RFC3501
    assert rfc822_item(RFC3501, SUMMARY, "RFC822.HEADER") == (
        b"RFC822.HEADER {%d}\r\n" % len(HEADER) + HEADER
    )
    assert rfc822_item(RFC3501, SUMMARY, "RFC822.TEXT") == (
        b"RFC822.TEXT {%d}\r\n" % len(TEXT) + TEXT
    )
    assert rfc822_size(SUMMARY) == len(RFC3501)


def test_which_items_set_seen() -> None:
    assert sets_seen(FetchAtt("BODY[]", BodySection()))
    assert not sets_seen(FetchAtt("BODY[]", BodySection(peek=True)))
    assert sets_seen(FetchAtt("RFC822"))
    assert sets_seen(FetchAtt("RFC822.TEXT"))
    assert not sets_seen(FetchAtt("RFC822.HEADER"))
    assert not sets_seen(FetchAtt("RFC822.SIZE"))
    assert not sets_seen(FetchAtt("BODYSTRUCTURE"))


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda p: p.stem)
def test_corpus_sections_read_back_with_imapclient(path: Path) -> None:
    """Every part of every corpus message: MIME + body are the part's bytes, and the
    response items parse back to the same data with a real client's parser."""
    raw = path.read_bytes()
    summary = summarize(raw)
    items = [b"UID 3", body_item(raw, summary, BodySection(peek=True))]
    expected = {b"BODY[]": raw.replace(b"\x00", b"\x80")}
    for number, part in iter_parts(summary.body):
        numbers = tuple(int(n) for n in number.split("."))
        mime = body_section(raw, summary, BodySection(part=numbers, text="MIME"))
        body = body_section(raw, summary, BodySection(part=numbers))
        assert (mime + body) == raw[part.header_start : part.body_end].replace(b"\x00", b"\x80")
        section = BodySection(part=numbers, partial=(1, 20))
        items.append(body_item(raw, summary, section))
        expected[b"BODY[%s]<1>" % number.encode()] = body[1:21]
    parsed = parse_fetch_response(imaplib_form(b"1 (" + b" ".join(items) + b")"))[3]
    for name, data in expected.items():
        assert parsed[name] == data, name
