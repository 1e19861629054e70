"""FETCH: every data item, the macros, BODY[section]<partial> for any section path, and
CHANGEDSINCE (RFC 3501 6.4.5, RFC 7162)."""

from __future__ import annotations

import pytest

from mailcore.imap import commands as c
from mailcore.imap.parser import parse

ONE = c.SequenceSet((c.SeqRange(1, 1),))
FAST = (c.FetchAtt("FLAGS"), c.FetchAtt("INTERNALDATE"), c.FetchAtt("RFC822.SIZE"))


def body(**kwargs):
    return c.FetchAtt("BODY[]", c.BodySection(**kwargs))


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (b"ALL", (*FAST, c.FetchAtt("ENVELOPE"))),
        (b"fast", FAST),
        (b"FULL", (*FAST, c.FetchAtt("ENVELOPE"), c.FetchAtt("BODY"))),
        (b"UID", (c.FetchAtt("UID"),)),
        (b"flags", (c.FetchAtt("FLAGS"),)),
        (b"(INTERNALDATE)", (c.FetchAtt("INTERNALDATE"),)),
        (b"RFC822.SIZE", (c.FetchAtt("RFC822.SIZE"),)),
        (b"ENVELOPE", (c.FetchAtt("ENVELOPE"),)),
        (b"BODYSTRUCTURE", (c.FetchAtt("BODYSTRUCTURE"),)),
        (b"BODY", (c.FetchAtt("BODY"),)),
        (b"RFC822", (c.FetchAtt("RFC822"),)),
        (b"RFC822.HEADER", (c.FetchAtt("RFC822.HEADER"),)),
        (b"rfc822.text", (c.FetchAtt("RFC822.TEXT"),)),
        (b"MODSEQ", (c.FetchAtt("MODSEQ"),)),
        (
            b"(UID FLAGS ENVELOPE BODYSTRUCTURE)",
            tuple(c.FetchAtt(n) for n in ("UID", "FLAGS", "ENVELOPE", "BODYSTRUCTURE")),
        ),
        (b"(UID UID)", (c.FetchAtt("UID"), c.FetchAtt("UID"))),
        (b"BODY[]", (body(),)),
        (b"BODY.PEEK[]", (body(peek=True),)),
        (b"body.peek[header]", (body(text="HEADER", peek=True),)),
        (b"BODY[TEXT]", (body(text="TEXT"),)),
        (b"BODY[1]", (body(part=(1,)),)),
        (b"BODY[1.2.3]", (body(part=(1, 2, 3)),)),
        (b"BODY[1.2.MIME]", (body(part=(1, 2), text="MIME"),)),
        (b"BODY[3.TEXT]", (body(part=(3,), text="TEXT"),)),
        (b"BODY[4.2.HEADER]", (body(part=(4, 2), text="HEADER"),)),
        (
            b"BODY[HEADER.FIELDS (From To)]",
            (body(text="HEADER.FIELDS", fields=("From", "To")),),
        ),
        (
            b'BODY.PEEK[1.2.3.HEADER.FIELDS.NOT ("Subject" {4}\r\nDate)]',
            (
                body(
                    part=(1, 2, 3), text="HEADER.FIELDS.NOT", fields=("Subject", "Date"), peek=True
                ),
            ),
        ),
        (
            b"BODY[header.fields (LIST-ID X-Spam]Level)]",
            (body(text="HEADER.FIELDS", fields=("LIST-ID", "X-Spam]Level")),),
        ),
        (b"BODY[]<0.2048>", (body(partial=(0, 2048)),)),
        (
            b"BODY.PEEK[1]<4294967295.4294967295>",
            (body(part=(1,), partial=(2**32 - 1, 2**32 - 1), peek=True),),
        ),
        (
            b"(FLAGS BODY.PEEK[HEADER.FIELDS (DATE FROM)] BODY[TEXT]<10.5> UID)",
            (
                c.FetchAtt("FLAGS"),
                body(text="HEADER.FIELDS", fields=("DATE", "FROM"), peek=True),
                body(text="TEXT", partial=(10, 5)),
                c.FetchAtt("UID"),
            ),
        ),
    ],
)
def test_fetch_items(items, expected):
    assert parse(b"a1 FETCH 1 " + items + b"\r\n") == c.Fetch("a1", ONE, expected)


def test_uid_fetch_and_changedsince():
    data = b"a1 UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE 12345)\r\n"
    assert parse(data) == c.Fetch(
        "a1",
        c.SequenceSet((c.SeqRange(1, None),)),
        (c.FetchAtt("UID"), c.FetchAtt("FLAGS")),
        uid=True,
        changed_since=12345,
    )
    data = b"a1 fetch 2 FAST (changedsince 9223372036854775807)\r\n"
    assert parse(data).changed_since == 2**63 - 1


def test_section_spec_echo():
    command = parse(b'a1 FETCH 1 BODY[1.2.HEADER.FIELDS ("From" to)]\r\n')
    assert command.items[0].section.spec() == "1.2.HEADER.FIELDS (From to)"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"a1 FETCH 1\r\n", "expected SP"),
        (b"a1 FETCH 1 \r\n", "expected a FETCH item"),
        (b"a1 FETCH 1 ()\r\n", "expected a FETCH item"),
        (b"a1 FETCH 1 (ALL)\r\n", "unknown FETCH item"),
        (b"a1 FETCH 1 (FLAGS FAST)\r\n", "unknown FETCH item"),
        (b"a1 FETCH 1 ALL FLAGS\r\n", "expected ("),
        (b"a1 FETCH 1 FOO\r\n", "unknown FETCH item"),
        (b"a1 FETCH 1 BINARY[1]\r\n", "unknown FETCH item"),
        (b"a1 FETCH 1 BODY.PEEK\r\n", "unknown FETCH item"),
        (b"a1 FETCH 1 RFC822.PEEK\r\n", "unknown FETCH item"),
        (b"a1 FETCH 1 (FLAGS\r\n", "expected SP"),
        (b"a1 FETCH 1 (FLAGS  UID)\r\n", "expected a FETCH item"),
        (b"a1 FETCH 1 (FLAGS) UID\r\n", "expected ("),
        (b"a1 FETCH 1 BODY[\r\n", "unknown section"),
        (b"a1 FETCH 1 BODY[MIME]\r\n", "MIME needs a part number"),
        (b"a1 FETCH 1 BODY[0]\r\n", "expected a section part"),
        (b"a1 FETCH 1 BODY[1.0]\r\n", "unknown section"),
        (b"a1 FETCH 1 BODY[01]\r\n", "expected a section part"),
        (b"a1 FETCH 1 BODY[1.]\r\n", "unknown section"),
        (b"a1 FETCH 1 BODY[4294967296]\r\n", "part number is too large"),
        (b"a1 FETCH 1 BODY[HEADER.FIELDS]\r\n", "expected SP"),
        (b"a1 FETCH 1 BODY[HEADER.FIELDS ()]\r\n", "expected a header field name"),
        (b"a1 FETCH 1 BODY[HEADER.FIELDS (a:b)]\r\n", "invalid header field name"),
        (b'a1 FETCH 1 BODY[HEADER.FIELDS ("a b")]\r\n', "invalid header field name"),
        (b'a1 FETCH 1 BODY[HEADER.FIELDS ("")]\r\n', "invalid header field name"),
        (b"a1 FETCH 1 BODY[HEADER.FIELDS (From)\r\n", "expected ]"),
        (b"a1 FETCH 1 BODY[TEXT.MIME]\r\n", "expected ]"),
        (b"a1 FETCH 1 BODY[HEADERS]\r\n", "expected ]"),
        (b"a1 FETCH 1 BODY[1.HEADER.MIME]\r\n", "expected ]"),
        (b"a1 FETCH 1 BODY[]<0>\r\n", "expected ."),
        (b"a1 FETCH 1 BODY[]<0.0>\r\n", "partial length must not be zero"),
        (b"a1 FETCH 1 BODY[]<1.2\r\n", "expected >"),
        (b"a1 FETCH 1 BODY[]<4294967296.1>\r\n", "partial origin is too large"),
        (b"a1 FETCH 1 BODY<0.1>\r\n", "expected SP"),
        (b"a1 FETCH 1 UID[]\r\n", "unknown FETCH item"),
        (b"a1 FETCH 1 FLAGS (CHANGEDSINCE 0)\r\n", "mod-sequence must not be zero"),
        (b"a1 FETCH 1 FLAGS (CHANGEDSINCE 9223372036854775808)\r\n", "mod-sequence is too large"),
        (b"a1 FETCH 1 FLAGS (VANISHED)\r\n", "expected CHANGEDSINCE"),
        (b"a1 FETCH 1 FLAGS (CHANGEDSINCE 1\r\n", "expected )"),
        (b"a1 FETCH 1 FLAGS ()\r\n", "expected CHANGEDSINCE"),
        (b"a1 FETCH 0 FLAGS\r\n", "expected a sequence set"),
    ],
)
def test_fetch_errors(data, text):
    with pytest.raises(c.ParseError) as raised:
        parse(data)
    assert raised.value == c.ParseError("a1", text)
