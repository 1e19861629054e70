"""Header decoding, addresses, parameters and charsets, tested at their own interfaces."""

from __future__ import annotations

import pytest

from mailcore.mime import EnvelopeAddress, decode_text, decode_words, lookup_codec, summarize
from mailcore.mime.addresses import decoded_pairs, parse_address_list
from mailcore.mime.headers import parse_content_type, parse_header_block, parse_params


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", "plain text"),
        ("=?utf-8?q?caf=C3=A9?=", "café"),
        ("=?UTF-8?B?Y2Fmw6k=?=", "café"),
        ("=?utf-8?B?Y2Fmw6k?=", "café"),  # missing padding
        ("=?utf-8?B?Y2Fm w6k=?=", "café"),  # illegal space inside a word: decoded anyway
        ("=?utf-8?q?a?= =?utf-8?q?b?=", "ab"),  # RFC 2047 6.2: space between words dropped
        ("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"),
        ("x =?utf-8?q?a?= y", "x a y"),
        ("=?utf-8?B?8J+Y?==?utf-8?B?gA==?=", "\U0001f600"),  # one character split over two words
        ("=?x-bogus?Q?Caf=E9?=", "Café"),  # unknown charset falls back to windows-1252
        ("=?utf-8*en?Q?hi?=", "hi"),  # RFC 2231 language suffix
        ("=?iso-8859-1?Q?a=?=", "a="),  # broken =XX stays literal
        ("=?utf-8?Q?=FF=FE?=", "ÿþ"),  # invalid UTF-8 bytes
    ],
)
def test_decode_words(value: str, expected: str) -> None:
    assert decode_words(value) == expected


def test_decode_text_fallbacks() -> None:
    assert decode_text("é".encode(), None) == "é"
    assert decode_text(b"\x93q\x94", None) == "\u201cq\u201d"
    assert decode_text(b"\x81", None) == "\x81"  # undefined in cp1252: latin-1
    assert decode_text(b"\xe9", "us-ascii") == "é"
    assert decode_text("안녕".encode("cp949"), "ks_c_5601-1987") == "안녕"
    assert decode_text("中文".encode("gbk"), "gb2312") == "中文"
    assert decode_text("שלום".encode("iso-8859-8"), "iso-8859-8-i") == "שלום"
    assert decode_text(b"x\x9c", "zlib") == "xœ"  # bytes-to-bytes codecs are refused
    assert lookup_codec("rot13") is None and lookup_codec("") is None


def test_header_block_unfolds_and_keeps_order() -> None:
    block = parse_header_block(
        b"Subject: a\r\n b\r\nX-A: 1\r\nnot a header\r\nX-A: 2\r\n\tcont\r\nSubject: second\r\n\r\n"
    )
    assert block.get("subject") == "a b"
    assert block.get_all("X-A") == ["1", "2\tcont"]


def test_raw_8bit_headers() -> None:
    block = parse_header_block("Subject: Grüße\r\n".encode() + b"X-Old: caf\xe9\r\n")
    assert block.get("Subject") == "Grüße"
    assert block.get("X-Old") == "café"


def test_params_rfc2231_and_quoting() -> None:
    head, params = parse_params(
        'attachment; filename*0*=utf-8\'\'%E2%82%AC%20a; filename*1=" b.pdf"; x="q;r"'
    )
    assert head == "attachment"
    # The stdlib moves RFC 2231 parameters after the plain ones; order is not significant.
    assert sorted(params) == [("filename", "€ a b.pdf"), ("x", "q;r")]
    _, params = parse_params("a; title*=bogus'en'%E9t%E9")
    assert params == [("title", "été")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("text", "plain", [("charset", "us-ascii")])),
        ("TEXT/HTML; Charset=UTF-8", ("text", "html", [("charset", "UTF-8")])),
        ("text/html charset=utf-8", ("text", "html", [])),
        ("garbage", ("text", "plain", [("charset", "us-ascii")])),
        ("", ("text", "plain", [("charset", "us-ascii")])),
        ('multipart/mixed; boundary="a b"', ("multipart", "mixed", [("boundary", "a b")])),
    ],
)
def test_content_type(value: str | None, expected: tuple[str, str, list[tuple[str, str]]]) -> None:
    ctype = parse_content_type(value, ("text", "plain"))
    assert (ctype.type, ctype.subtype, ctype.params) == expected


def A(
    name: str | None, mailbox: str | None, host: str | None, adl: str | None = None
) -> EnvelopeAddress:
    return EnvelopeAddress(name, adl, mailbox, host)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a@b.c", [A(None, "a", "b.c")]),
        (
            "Joe Q. Public <john.q.public@example.com>",
            [A("Joe Q. Public", "john.q.public", "example.com")],
        ),
        ('"Doe, John" <jd@x.org>, y@z.org', [A("Doe, John", "jd", "x.org"), A(None, "y", "z.org")]),
        ("jd@x.org (John Doe)", [A("John Doe", "jd", "x.org")]),
        ("<@r1.org,@r2.org:u@h.org>", [A(None, "u", "h.org", "@r1.org,@r2.org")]),
        (
            "undisclosed-recipients:;",
            [A(None, "undisclosed-recipients", None), A(None, None, None)],
        ),
        (
            "G: a@b.c, d@e.f; h@i.j",
            [
                A(None, "G", None),
                A(None, "a", "b.c"),
                A(None, "d", "e.f"),
                A(None, None, None),
                A(None, "h", "i.j"),
            ],
        ),
        ("G: a@b.c", [A(None, "G", None), A(None, "a", "b.c"), A(None, None, None)]),
        ("localonly", [A(None, "localonly", "MISSING_DOMAIN")]),
        ('"quoted local"@x.org', [A(None, '"quoted local"', "x.org")]),
        ("=?utf-8?q?J=C3=BCrgen?= <j@x.de>", [A("=?utf-8?q?J=C3=BCrgen?=", "j", "x.de")]),
        (", ,", []),
        ("", []),
    ],
)
def test_address_lists(value: str, expected: list[EnvelopeAddress]) -> None:
    assert parse_address_list(value) == expected


def test_decoded_pairs_skip_group_markers() -> None:
    addresses = parse_address_list("Team: =?utf-8?q?J=C3=BCrgen?= <j@x.de>;")
    assert decoded_pairs(addresses) == [("Jürgen", "j@x.de")]


def test_envelope_defaults_sender_and_reply_to() -> None:
    summary = summarize(b"From: a@b.c\r\nSender: \r\nSubject: s\r\n\r\n")
    assert summary.envelope.sender == summary.envelope.from_ == [A(None, "a", "b.c")]
    assert summary.envelope.reply_to == summary.envelope.from_
    assert summary.reply_to == []  # the decoded list reports only an explicit Reply-To


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (b"Importance: High\r\n", "high"),
        (b"X-Priority: 5 (Lowest)\r\n", "low"),
        (b"X-MSMail-Priority: High\r\n", "high"),
        (b"Priority: non-urgent\r\n", "low"),
        (b"X-Priority: 3\r\n", "normal"),
        (b"", "normal"),
    ],
)
def test_importance(headers: bytes, expected: str) -> None:
    assert summarize(b"From: a@b.c\r\n" + headers + b"\r\nbody").importance == expected


def test_dates_and_ids() -> None:
    summary = summarize(
        b"Date: Thu, 8 Feb 2024 12:00:00 -0000\r\nMessage-ID: <a@b>\r\n"
        b"In-Reply-To: <x@y> (comment) <z@w>\r\nReferences: <1@a>\r\nReferences: <2@a>\r\n\r\n"
    )
    assert summary.date is not None and summary.date.utcoffset() is not None
    assert summary.message_id == "a@b"
    assert summary.in_reply_to == ["x@y", "z@w"]
    assert summary.references == ["1@a", "2@a"]
    assert summarize(b"Date: Mon, 99 Foo 99999 99:99:99 +9999\r\n\r\n").date is None
