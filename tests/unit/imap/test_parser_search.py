"""SEARCH: every RFC 3501 key, nesting, CHARSET, MODSEQ (RFC 7162) and ESEARCH return
options (RFC 4731)."""

from __future__ import annotations

from datetime import date

import pytest

from mailcore.imap import commands as c
from mailcore.imap.parser import MAX_DEPTH, parse

UNSEEN = c.SearchFlag("\\Seen", False)


def seq(*ranges, uid=False):
    return c.SearchSeq(c.SequenceSet(tuple(c.SeqRange(lo, hi) for lo, hi in ranges)), uid)


def key_of(criteria: bytes) -> c.SearchKey:
    command = parse(b"a1 SEARCH " + criteria + b"\r\n")
    assert isinstance(command, c.Search)
    return command.key


@pytest.mark.parametrize(
    ("criteria", "key"),
    [
        (b"ALL", c.SearchAll()),
        (b"all", c.SearchAll()),
        (b"ANSWERED", c.SearchFlag("\\Answered")),
        (b"DELETED", c.SearchFlag("\\Deleted")),
        (b"DRAFT", c.SearchFlag("\\Draft")),
        (b"FLAGGED", c.SearchFlag("\\Flagged")),
        (b"SEEN", c.SearchFlag("\\Seen")),
        (b"UNANSWERED", c.SearchFlag("\\Answered", False)),
        (b"UNDELETED", c.SearchFlag("\\Deleted", False)),
        (b"UNDRAFT", c.SearchFlag("\\Draft", False)),
        (b"UNFLAGGED", c.SearchFlag("\\Flagged", False)),
        (b"UNSEEN", UNSEEN),
        (b"KEYWORD $Forwarded", c.SearchFlag("$Forwarded")),
        (b"UNKEYWORD Junk", c.SearchFlag("Junk", False)),
        (b"RECENT", c.SearchRecent(True)),
        (b"OLD", c.SearchRecent(False)),
        (b"NEW", c.SearchAnd((c.SearchRecent(True), UNSEEN))),
        (b"BCC bob", c.SearchText("BCC", "bob")),
        (b'BODY "two words"', c.SearchText("BODY", "two words")),
        (b"CC {3}\r\nx y", c.SearchText("CC", "x y")),
        (b"FROM alice@example.test", c.SearchText("FROM", "alice@example.test")),
        (b'SUBJECT ""', c.SearchText("SUBJECT", "")),
        (b"TEXT hello", c.SearchText("TEXT", "hello")),
        (b"TO x]y", c.SearchText("TO", "x]y")),
        (b"HEADER List-Id <list.example>", c.SearchHeader("List-Id", "<list.example>")),
        (b'HEADER "X-Spam" ""', c.SearchHeader("X-Spam", "")),
        (b"BEFORE 1-Feb-1994", c.SearchDate("internal", "before", date(1994, 2, 1))),
        (b'ON "01-feb-1994"', c.SearchDate("internal", "on", date(1994, 2, 1))),
        (b"SINCE 29-Feb-2024", c.SearchDate("internal", "since", date(2024, 2, 29))),
        (b"SENTBEFORE 31-Dec-1999", c.SearchDate("sent", "before", date(1999, 12, 31))),
        (b"SENTON 1-Jan-2000", c.SearchDate("sent", "on", date(2000, 1, 1))),
        (b"SENTSINCE 15-Aug-2023", c.SearchDate("sent", "since", date(2023, 8, 15))),
        (b"LARGER 1024", c.SearchSize("larger", 1024)),
        (b"SMALLER 0", c.SearchSize("smaller", 0)),
        (b"LARGER 4294967295", c.SearchSize("larger", 2**32 - 1)),
        (b"1", seq((1, 1))),
        (b"1:3,5,7:*", seq((1, 3), (5, 5), (7, None))),
        (b"*", seq((None, None))),
        (b"*:4", seq((None, 4))),
        (b"UID 4294967295", seq((2**32 - 1, 2**32 - 1), uid=True)),
        (b"UID 10:20", seq((10, 20), uid=True)),
        (b"NOT SEEN", c.SearchNot(c.SearchFlag("\\Seen"))),
        (b"OR SEEN FLAGGED", c.SearchOr(c.SearchFlag("\\Seen"), c.SearchFlag("\\Flagged"))),
        (
            b"OR (FROM a TO b) NOT 2:4",
            c.SearchOr(
                c.SearchAnd((c.SearchText("FROM", "a"), c.SearchText("TO", "b"))),
                c.SearchNot(seq((2, 4))),
            ),
        ),
        (b"(SEEN)", c.SearchFlag("\\Seen")),
        (b"((((ALL))))", c.SearchAll()),
        (b"SEEN FLAGGED", c.SearchAnd((c.SearchFlag("\\Seen"), c.SearchFlag("\\Flagged")))),
        (
            b"OR OR SEEN DRAFT DELETED",
            c.SearchOr(
                c.SearchOr(c.SearchFlag("\\Seen"), c.SearchFlag("\\Draft")),
                c.SearchFlag("\\Deleted"),
            ),
        ),
        (b"MODSEQ 0", c.SearchModSeq(0)),
        (b"MODSEQ 9223372036854775807", c.SearchModSeq(2**63 - 1)),
        (b'MODSEQ "/flags/\\\\draft" all 620162338', c.SearchModSeq(620162338)),
        (b'MODSEQ "/flags/$Junk" PRIV 5', c.SearchModSeq(5)),
        (
            b"UNDELETED MODSEQ 7 1:*",
            c.SearchAnd((c.SearchFlag("\\Deleted", False), c.SearchModSeq(7), seq((1, None)))),
        ),
    ],
)
def test_search_keys(criteria, key):
    assert key_of(criteria) == key


def test_search_command_fields():
    assert parse(b"a1 UID SEARCH ALL\r\n") == c.Search("a1", c.SearchAll(), uid=True)
    assert parse(b"a1 SEARCH CHARSET utf-8 TEXT x\r\n") == c.Search(
        "a1", c.SearchText("TEXT", "x"), "UTF-8"
    )
    assert parse(b'a1 SEARCH CHARSET "US-ASCII" ALL\r\n').charset == "US-ASCII"
    assert parse(b"a1 SEARCH RETURN (MIN MAX) ALL\r\n").returns == ("MIN", "MAX")
    assert parse(b"a1 SEARCH RETURN (count all) ALL\r\n").returns == ("COUNT", "ALL")
    assert parse(b"a1 SEARCH RETURN () ALL\r\n").returns == ("ALL",)  # RFC 4731 3.1
    assert parse(b"a1 UID SEARCH RETURN (ALL) CHARSET UTF-8 SEEN\r\n") == c.Search(
        "a1", c.SearchFlag("\\Seen"), "UTF-8", True, ("ALL",)
    )


def test_values_are_decoded_in_the_charset():
    utf8 = "Grüße".encode()
    data = b"a1 SEARCH CHARSET UTF-8 SUBJECT {%d}\r\n%s\r\n" % (len(utf8), utf8)
    assert parse(data).key == c.SearchText("SUBJECT", "Grüße")
    data = b'a1 SEARCH SUBJECT "%s"\r\n' % utf8  # no CHARSET: UTF-8 (a superset of ASCII)
    assert parse(data).key == c.SearchText("SUBJECT", "Grüße")
    with pytest.raises(c.ParseError) as raised:
        parse(b"a1 SEARCH CHARSET US-ASCII SUBJECT {%d}\r\n%s\r\n" % (len(utf8), utf8))
    assert raised.value == c.ParseError("a1", "string is not valid ascii")
    with pytest.raises(c.ParseError):
        parse(b"a1 SEARCH CHARSET UTF-8 SUBJECT {2}\r\n\xc3\x28\r\n")


@pytest.mark.parametrize("charset", [b"ISO-8859-1", b'"KOI8-R"', b"{5}\r\nUTF-7", b"UTF8"])
def test_unknown_charset_is_no_badcharset(charset):
    with pytest.raises(c.ParseError) as raised:
        parse(b"a1 SEARCH CHARSET " + charset + b" TEXT x\r\n")
    assert raised.value == c.ParseError(
        "a1", "unsupported charset", "BADCHARSET (UTF-8 US-ASCII)", no=True
    )


def test_nesting_limit():
    assert key_of(b"(" * MAX_DEPTH + b"ALL" + b")" * MAX_DEPTH) == c.SearchAll()
    assert key_of(b"NOT " * MAX_DEPTH + b"ALL") is not None
    for criteria in (
        b"(" * (MAX_DEPTH + 1) + b"ALL" + b")" * (MAX_DEPTH + 1),
        b"NOT " * (MAX_DEPTH + 1) + b"ALL",
        b"OR " * (MAX_DEPTH + 1) + b"ALL " * (MAX_DEPTH + 2),
        b"(NOT " * 20 + b"ALL" + b")" * 20,
        b"(" * 100_000,
    ):
        with pytest.raises(c.ParseError) as raised:
            key_of(criteria)
        assert raised.value == c.ParseError("a1", "too deeply nested")


@pytest.mark.parametrize(
    ("criteria", "text"),
    [
        (b"", "expected a search key"),
        (b"FOO", "unknown search key"),
        (b"SEEN ", "expected a search key"),
        (b"SEEN  ALL", "expected a search key"),
        (b"()", "expected a search key"),
        (b"(SEEN", "expected SP"),
        (b"SEEN)", "expected SP"),
        (b"FROM", "expected SP"),
        (b"FROM (x)", "expected a string"),
        (b"HEADER Subject", "expected SP"),
        (b"HEADER {1}\r\n\xff x", "string is not valid ascii"),
        (b"KEYWORD \\Seen", "expected a keyword"),
        (b"BEFORE 1994-02-01", "expected a date (d-Mon-yyyy)"),
        (b"BEFORE 31-Feb-1994", "invalid date"),
        (b"BEFORE 1-Fub-1994", "invalid month"),
        (b'BEFORE "1-Feb-1994', "expected closing quote of the date"),
        (b"BEFORE 1-Feb-94", "expected a date (d-Mon-yyyy)"),
        (b"BEFORE 001-Feb-1994", "expected a date (d-Mon-yyyy)"),
        (b"LARGER x", "expected a number"),
        (b"LARGER -1", "expected a number"),
        (b"LARGER 4294967296", "number is too large"),
        (b"UID", "expected SP"),
        (b"UID x", "expected a sequence set"),
        (b"0", "expected a sequence set"),
        (b"1:0", "invalid sequence set"),
        (b"1,0", "invalid sequence set"),
        (b"1,", "invalid sequence set"),
        (b"1::2", "invalid sequence set"),
        (b"*5", "invalid sequence set"),
        (b"$", "the saved search result ($) is not supported"),
        (b"1,$", "invalid sequence set"),
        (b"4294967296", "number is too large"),
        (b"NOT", "expected SP"),
        (b"OR SEEN", "expected SP"),
        (b"MODSEQ", "expected SP"),
        (b"MODSEQ 9223372036854775808", "mod-sequence is too large"),
        (b'MODSEQ "/flags/x"', "expected SP"),
        (b'MODSEQ "/flags/x" other 1', "expected priv, shared or all"),
        (b'MODSEQ "/other/x" all 1', "expected an entry name"),
        (b'MODSEQ "/flags/\\x" all 1', "expected an entry name"),
        (b"ALL RETURN (MIN)", "unknown search key"),  # RETURN only before the keys
        (b"CHARSET UTF-8", "expected SP"),
        (b"CHARSET UTF-8 ", "expected a search key"),
        (b"ALL CHARSET UTF-8 ALL", "unknown search key"),
    ],
)
def test_search_errors(criteria, text):
    with pytest.raises(c.ParseError) as raised:
        key_of(criteria)
    assert raised.value == c.ParseError("a1", text)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"a1 SEARCH\r\n", "expected SP"),
        (b"a1 SEARCH RETURN (FIRST) ALL\r\n", "unknown SEARCH return option"),
        (b"a1 SEARCH RETURN MIN ALL\r\n", "expected ("),
        (b"a1 SEARCH RETURN (MIN)\r\n", "expected SP"),
        (b"a1 SEARCH CHARSET UTF-8 RETURN (MIN) ALL\r\n", "unknown search key"),
    ],
)
def test_search_command_errors(data, text):
    with pytest.raises(c.ParseError) as raised:
        parse(data)
    assert raised.value == c.ParseError("a1", text)


def test_list_limit():
    many = b" ".join([b"SEEN"] * 10_000)
    assert len(key_of(many).keys) == 10_000
    with pytest.raises(c.ParseError) as raised:
        key_of(many + b" SEEN")
    assert raised.value == c.ParseError("a1", "too many items in a list")
