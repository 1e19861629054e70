"""Compliance: FETCH data items (RFC 3501 6.4.5, 6.4.8, 7.4.2). Every section path of a
nested message, <partial>, BODY.PEEK and \\Seen, HEADER.FIELDS(.NOT), MIME, TEXT,
RFC822.*, ENVELOPE and BODYSTRUCTURE of a message inside a message, INTERNALDATE, the
macros. Expected octets are cut from the message as it was built, not from our parser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support.imapwire import Lit, connect, fast_passwords  # noqa: F401 (autouse)
from support.messages import message

OUTER_HEADER = (
    b'From: "Bob \\"the\\" Builder" <bob@example.test>\r\n'
    b"To: alice@example.test, team: a@x.test, b@x.test;\r\n"
    b"Cc: =?utf-8?q?J=C3=B6rg?= <jorg@example.test>\r\n"
    b"Subject: nested\r\n"
    b"Reply-To: list@example.test\r\n"
    b"Received: from a\r\n by b; Sat, 28 Nov 2026 10:00:00 +0000\r\n"
    b"Received: from c\r\n"
    b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <outer@example.test>\r\n"
    b"In-Reply-To: <x@y>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="mix"\r\n'
    b"\r\n"
)
INNER_HEADER = (
    b"From: Carol <carol@example.test>\r\n"
    b"To: dave@example.test\r\n"
    b"Subject: inner\r\n"
    b"Date: Fri, 27 Nov 2026 09:00:00 +0100\r\n"
    b"Message-ID: <inner@example.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="alt"\r\n'
    b"\r\n"
)
INNER_1_MIME = (
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)
INNER_1 = b"caf=C3=A9"
INNER_2_MIME = b"Content-Type: text/html; charset=utf-8\r\n\r\n"
INNER_2 = b"<p>caf\xc3\xa9</p>"
INNER_TEXT = (
    b"--alt\r\n"
    + INNER_1_MIME
    + INNER_1
    + b"\r\n--alt\r\n"
    + INNER_2_MIME
    + INNER_2
    + b"\r\n--alt--\r\n"
)
INNER = INNER_HEADER + INNER_TEXT
PART_1_MIME = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
PART_1 = b"Hello, part one.\r\nSecond line."
PART_2_MIME = b"Content-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n"
PART_3_MIME = (
    b'Content-Type: application/pdf; name="a.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="a.pdf"\r\n'
    b"Content-Language: en\r\n"
    b"\r\n"
)
PART_3 = b"JVBERi0xLjQK"
TEXT = (
    b"preamble\r\n--mix\r\n"
    + PART_1_MIME
    + PART_1
    + b"\r\n--mix\r\n"
    + PART_2_MIME
    + INNER
    + b"\r\n--mix\r\n"
    + PART_3_MIME
    + PART_3
    + b"\r\n--mix--\r\nepilogue\r\n"
)
NESTED = OUTER_HEADER + TEXT

SECTIONS = {
    "": NESTED,
    "HEADER": OUTER_HEADER,
    "TEXT": TEXT,
    "1": PART_1,
    "1.MIME": PART_1_MIME,
    "2": INNER,
    "2.MIME": PART_2_MIME,
    "2.HEADER": INNER_HEADER,
    "2.TEXT": INNER_TEXT,
    "2.1": INNER_1,
    "2.1.MIME": INNER_1_MIME,
    "2.2": INNER_2,
    "2.2.MIME": INNER_2_MIME,
    "3": PART_3,
    "3.MIME": PART_3_MIME,
    # Parts that do not exist are empty, as in Dovecot and Cyrus (RFC 3501 is silent).
    "4": b"",
    "1.1": b"",
    "2.3": b"",
    "1.HEADER": b"",
}

ENVELOPE = (
    b'("Sat, 28 Nov 2026 10:00:00 +0000" "nested" '
    b'(("Bob \\"the\\" Builder" NIL "bob" "example.test")) '
    b'(("Bob \\"the\\" Builder" NIL "bob" "example.test")) '  # Sender defaults to From
    b'((NIL NIL "list" "example.test")) '
    b'((NIL NIL "alice" "example.test")(NIL NIL "team" NIL)(NIL NIL "a" "x.test")'
    b'(NIL NIL "b" "x.test")(NIL NIL NIL NIL)) '  # a group opens and closes (7.4.2)
    b'(("=?utf-8?q?J=C3=B6rg?=" NIL "jorg" "example.test")) '  # not decoded
    b'NIL "<x@y>" "<outer@example.test>")'
)
INNER_ENVELOPE = (
    b'("Fri, 27 Nov 2026 09:00:00 +0100" "inner" (("Carol" NIL "carol" "example.test")) '
    b'(("Carol" NIL "carol" "example.test")) (("Carol" NIL "carol" "example.test")) '
    b'((NIL NIL "dave" "example.test")) NIL NIL NIL "<inner@example.test>")'
)


def _bodystructure(extensible: bool) -> bytes:
    def ext(data: bytes) -> bytes:
        return data if extensible else b""

    def lines(data: bytes) -> bytes:
        return b"%d" % data.count(b"\n")

    inner = (
        b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" %d %s%s)'
        % (len(INNER_1), lines(INNER_1), ext(b" NIL NIL NIL NIL"))
        + b'("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" %d %s%s)'
        % (len(INNER_2), lines(INNER_2), ext(b" NIL NIL NIL NIL"))
        + b' "ALTERNATIVE"%s)' % ext(b' ("BOUNDARY" "alt") NIL NIL NIL')
    )
    return (
        b'(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" %d %s%s)'
        % (len(PART_1), lines(PART_1), ext(b" NIL NIL NIL NIL"))
        + b'("MESSAGE" "RFC822" NIL NIL "forwarded" "7BIT" %d ' % len(INNER)
        + INNER_ENVELOPE
        + b" "
        + inner
        + b" %s%s)" % (lines(INNER), ext(b" NIL NIL NIL NIL"))
        + b'("APPLICATION" "PDF" ("NAME" "a.pdf") NIL NIL "BASE64" %d%s)'
        % (len(PART_3), ext(b' NIL ("ATTACHMENT" ("FILENAME" "a.pdf")) "en" NIL'))
        + b' "MIXED"%s)' % ext(b' ("BOUNDARY" "mix") NIL NIL NIL')
    )


@pytest.fixture
def wire(plain_imap, mailbox):
    _, put = mailbox
    put(NESTED)
    with connect(plain_imap.imap_port, select="INBOX") as w:
        yield w


def fetch_one(wire, items: str) -> dict:
    return wire.command(f"FETCH 1 {items}").ok().fetch()[1]


def test_every_section_path_of_a_nested_message(wire):
    names = " ".join(f"BODY.PEEK[{section}]" for section in SECTIONS)
    data = fetch_one(wire, f"({names})")
    for section, expected in SECTIONS.items():
        assert data[f"BODY[{section}]"] == expected, section  # 7.4.2: named BODY, not PEEK


def test_header_fields_and_not(wire):
    data = fetch_one(
        wire,
        "(BODY.PEEK[HEADER.FIELDS (received SUBJECT X-Absent)] "
        "BODY.PEEK[HEADER.FIELDS.NOT (Received From To Cc Content-Type MIME-Version)] "
        "BODY.PEEK[2.HEADER.FIELDS (subject)] BODY.PEEK[HEADER.FIELDS (X-Absent)])",
    )
    # Every occurrence, folded lines whole, in message order, then the blank line.
    assert data["BODY[HEADER.FIELDS (RECEIVED SUBJECT X-ABSENT)]"] == (
        b"Subject: nested\r\n"
        b"Received: from a\r\n by b; Sat, 28 Nov 2026 10:00:00 +0000\r\n"
        b"Received: from c\r\n\r\n"
    )
    assert data["BODY[HEADER.FIELDS.NOT (RECEIVED FROM TO CC CONTENT-TYPE MIME-VERSION)]"] == (
        b"Subject: nested\r\nReply-To: list@example.test\r\n"
        b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <outer@example.test>\r\n"
        b"In-Reply-To: <x@y>\r\n\r\n"
    )
    assert data["BODY[2.HEADER.FIELDS (SUBJECT)]"] == b"Subject: inner\r\n\r\n"
    assert data["BODY[HEADER.FIELDS (X-ABSENT)]"] == b"\r\n"


def test_partial_fetches(wire):
    data = fetch_one(
        wire,
        "(BODY.PEEK[]<0.10> BODY.PEEK[TEXT]<5.3> BODY.PEEK[1]<7.1000> BODY.PEEK[2.2]<100.5>)",
    )
    # 7.4.2: the response names only the origin.
    assert data["BODY[]<0>"] == NESTED[:10]
    assert data["BODY[TEXT]<5>"] == TEXT[5:8]
    assert data["BODY[1]<7>"] == PART_1[7:]
    assert data["BODY[2.2]<100>"] == b""  # an origin past the end gives an empty string


def test_peek_leaves_seen_and_body_sets_it_with_flags_in_the_response(wire):
    assert fetch_one(wire, "(BODY.PEEK[1] RFC822.HEADER FLAGS)")["FLAGS"] == ["\\Recent"]
    response = wire.command("FETCH 1 BODY[1]").ok()
    # 6.4.5: the \Seen flag is set, and the changed flags come with the response.
    (line,) = response.untagged("FETCH")
    assert line.value["FLAGS"] == ["\\Seen", "\\Recent"]
    again = wire.command("FETCH 1 BODY[1]").ok().fetch()[1]
    assert "FLAGS" not in again  # nothing changed this time


@pytest.mark.parametrize(
    ("item", "sets_seen"), [("RFC822", True), ("RFC822.TEXT", True), ("RFC822.HEADER", False)]
)
def test_rfc822_items(wire, item, sets_seen):
    expected = {"RFC822": NESTED, "RFC822.TEXT": TEXT, "RFC822.HEADER": OUTER_HEADER}[item]
    data = fetch_one(wire, f"({item} RFC822.SIZE)")
    assert data[item] == expected and data["RFC822.SIZE"] == len(NESTED)
    flags = fetch_one(wire, "FLAGS")["FLAGS"]
    assert ("\\Seen" in flags) is sets_seen


def test_envelope_and_bodystructure_of_nested_messages(wire):
    response = wire.command("FETCH 1 (ENVELOPE BODYSTRUCTURE BODY)").ok()
    (line,) = response.untagged("FETCH")
    assert line.spans["ENVELOPE"] == ENVELOPE
    assert line.spans["BODYSTRUCTURE"] == _bodystructure(extensible=True)
    assert line.spans["BODY"] == _bodystructure(extensible=False)


def test_a_simple_message_and_eight_bit_headers(wire, mailbox):
    _, put = mailbox
    raw = b'Subject: caf\xc3\xa9 "q"\r\nFrom: x@y.test\r\n\r\nline\r\n'
    put(raw)
    wire.command("NOOP").ok()  # the session learns of message 2 (no number before EXISTS)
    data = wire.command("FETCH 2 (ENVELOPE BODYSTRUCTURE)").ok().untagged("FETCH")[0]
    # 8-bit text cannot be quoted (9: QUOTED-CHAR is 7-bit): the subject is a literal.
    assert data.spans["ENVELOPE"] == (
        b'(NIL {9}\r\ncaf\xc3\xa9 "q" ((NIL NIL "x" "y.test")) ((NIL NIL "x" "y.test")) '
        b'((NIL NIL "x" "y.test")) NIL NIL NIL NIL NIL)'
    )
    assert data.spans["BODYSTRUCTURE"] == (
        b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL)'
    )


def test_nul_octets_are_never_sent(wire, mailbox):
    _, put = mailbox
    raw = b"Subject: nul\r\n\r\na\x00b\r\n"
    put(raw)
    wire.command("NOOP").ok()
    data = fetch_one_of(wire, 2, "(BODY.PEEK[] RFC822.SIZE)")
    # CHAR8 excludes NUL: like Dovecot, 0x80 stands in, so every size stays true.
    assert data["BODY[]"] == raw.replace(b"\x00", b"\x80") and data["RFC822.SIZE"] == len(raw)


def fetch_one_of(wire, n: int, items: str) -> dict:
    return wire.command(f"FETCH {n} {items}").ok().fetch()[n]


def test_internaldate_from_append_is_kept(wire):
    response = wire.command(
        'APPEND INBOX (\\Seen) "01-Feb-2021 23:30:05 -0500" ', Lit(message(9))
    ).ok()
    assert response.code == "APPENDUID"
    date = fetch_one_of(wire, 2, "INTERNALDATE")["INTERNALDATE"]
    when = datetime.strptime(date, '"%d-%b-%Y %H:%M:%S %z"')
    assert when == datetime(2021, 2, 2, 4, 30, 5, tzinfo=UTC)  # the same instant


def test_macros_and_uid_fetch(wire):
    assert set(fetch_one(wire, "FAST")) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE"}
    assert set(fetch_one(wire, "ALL")) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"}
    full = fetch_one(wire, "FULL")
    assert set(full) == {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"}
    # 6.4.8: UID FETCH always reports the UID.
    assert wire.command("UID FETCH 1 FLAGS").ok().fetch() == {1: {"UID": 1, "FLAGS": ["\\Recent"]}}


def test_long_fetches_come_in_order(wire, mailbox):
    _, put = mailbox
    put(*[message(n) for n in range(2, 231)])  # more than one batch of the server's
    wire.command("NOOP").ok()
    response = wire.command("FETCH 1:* (UID RFC822.SIZE)").ok()
    assert [line.number for line in response.untagged("FETCH")] == list(range(1, 231))
    assert [line.value["UID"] for line in response.untagged("FETCH")] == list(range(1, 231))
