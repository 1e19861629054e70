"""IMAP response building blocks, byte for byte against RFC 3501 section 9."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mailcore.imap import wire


def test_quoted_escapes_quote_and_backslash() -> None:
    assert wire.quoted("a b") == b'"a b"'
    assert wire.quoted('say "hi" \\o/') == b'"say \\"hi\\" \\\\o/"'
    assert wire.quoted("") == b'""'


@pytest.mark.parametrize("value", ["a\r\nb", "a\nb", "caf\u00e9", b"\x00", b"caf\xc3\xa9"])
def test_quoted_refuses_what_it_cannot_carry(value: str | bytes) -> None:
    with pytest.raises(ValueError):
        wire.quoted(value)


def test_quoted_utf8_only_when_enabled() -> None:
    assert wire.quoted("caf\u00e9", utf8=True) == '"caf\u00e9"'.encode()
    with pytest.raises(ValueError):
        wire.quoted(b"\xff", utf8=True)  # not UTF-8
    with pytest.raises(ValueError):
        wire.quoted("a\r\nb", utf8=True)


def test_literal() -> None:
    assert wire.literal(b"") == b"{0}\r\n"
    assert wire.literal(b"a\r\nb") == b"{4}\r\na\r\nb"


def test_nstring() -> None:
    assert wire.nstring(None) == b"NIL"
    assert wire.nstring("NIL") == b'"NIL"'  # a string, not nil
    assert wire.nstring("") == b'""'
    assert wire.nstring("hello") == b'"hello"'
    assert wire.nstring(b"two\r\nlines") == b"{10}\r\ntwo\r\nlines"
    assert wire.nstring("caf\u00e9") == b"{5}\r\ncaf\xc3\xa9"  # 8-bit: a literal
    assert wire.nstring("caf\u00e9", utf8=True) == b'"caf\xc3\xa9"'
    long = "x" * (wire.QUOTED_MAX + 1)
    assert wire.nstring(long) == wire.literal(long.encode())
    assert wire.nstring("a\x00b") == b'"ab"'  # NUL can be in no IMAP string


def test_astring() -> None:
    assert wire.astring("INBOX") == b"INBOX"
    assert wire.astring("a]b") == b"a]b"  # resp-specials are ASTRING-CHARs
    assert wire.astring("a b") == b'"a b"'
    assert wire.astring("") == b'""'
    for special in '(){%*"\\\x7f\x01':
        assert wire.astring(f"a{special}b") != f"a{special}b".encode()
    assert wire.astring("\u00e9") == b"{2}\r\n\xc3\xa9"


def test_atom_or_quoted() -> None:
    assert wire.atom_or_quoted("Dovecot") == b"Dovecot"
    assert wire.atom_or_quoted("a]b") == b'"a]b"'  # "]" is not an ATOM-CHAR
    assert wire.atom_or_quoted("nil") == b'"nil"'
    assert wire.atom_or_quoted("2.3 beta") == b'"2.3 beta"'


def test_flag_list() -> None:
    assert wire.flag_list([]) == b"()"
    assert wire.flag_list(["\\Seen", "\\Answered", "$Forwarded"]) == (
        b"(\\Seen \\Answered $Forwarded)"
    )


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        # RFC 3501 7.4.2 example INTERNALDATE "17-Jul-1996 02:44:25 -0700"
        (
            datetime(1996, 7, 17, 2, 44, 25, tzinfo=timezone(-timedelta(hours=7))),
            b'"17-Jul-1996 02:44:25 -0700"',
        ),
        # date-day-fixed: a one-digit day is space-padded
        (datetime(2024, 3, 5, 9, 8, 7, tzinfo=UTC), b'" 5-Mar-2024 09:08:07 +0000"'),
        (
            datetime(2024, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=5, minutes=30))),
            b'"31-Dec-2024 23:59:59 +0530"',
        ),
        (
            datetime(2024, 1, 1, 0, 0, tzinfo=timezone(-timedelta(hours=3, minutes=30))),
            b'" 1-Jan-2024 00:00:00 -0330"',
        ),
        (datetime(2024, 2, 29, 12, 0), b'"29-Feb-2024 12:00:00 +0000"'),  # naive: UTC
    ],
)
def test_date_time(dt: datetime, expected: bytes) -> None:
    assert wire.date_time(dt) == expected


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([1], b"1"),
        ([1, 2, 3, 5, 7, 8, 9], b"1:3,5,7:9"),
        ([9, 8, 7, 5, 3, 2, 1, 1], b"1:3,5,7:9"),  # sorted, duplicates dropped
        ({4, 5}, b"4:5"),
        ([4294967295], b"4294967295"),
    ],
)
def test_sequence_set(numbers: list[int], expected: bytes) -> None:
    assert wire.sequence_set(numbers) == expected


def test_sequence_set_keep_order_for_copyuid_pairs() -> None:
    # RFC 4315 COPYUID: the i-th source UID became the i-th destination UID.
    assert wire.sequence_set([304, 319, 320], keep_order=True) == b"304,319:320"
    assert wire.sequence_set([7, 3, 4, 5], keep_order=True) == b"7,3:5"


@pytest.mark.parametrize("numbers", [[], [0], [2**32]])
def test_sequence_set_refuses_impossible_sets(numbers: list[int]) -> None:
    with pytest.raises(ValueError):
        wire.sequence_set(numbers)


def test_mailbox_name() -> None:
    assert wire.mailbox_name("INBOX", utf8=False) == b'"INBOX"'
    assert wire.mailbox_name("123", utf8=False) == b'"123"'  # never an atom
    assert wire.mailbox_name("Entw\u00fcrfe", utf8=False) == b'"Entw&APw-rfe"'
    assert wire.mailbox_name("A & B", utf8=False) == b'"A &- B"'
    assert wire.mailbox_name('say "x"', utf8=False) == b'"say \\"x\\""'
    assert wire.mailbox_name("Entw\u00fcrfe", utf8=True) == b'"Entw\xc3\xbcrfe"'
