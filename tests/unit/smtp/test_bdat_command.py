"""RFC 3030 BDAT arguments and chunk accounting, without a server."""

from __future__ import annotations

import pytest

from mailcore.smtp.bdat import BdatCommand, BdatSyntaxError, Chunks, parse_bdat


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("0", BdatCommand(0, False)),
        ("0 LAST", BdatCommand(0, True)),
        ("1000", BdatCommand(1000, False)),
        ("86 last", BdatCommand(86, True)),
        ("007 LAST", BdatCommand(7, True)),
        ("9" * 15, BdatCommand(10**15 - 1, False)),
    ],
)
def test_valid_arguments(arg, expected):
    assert parse_bdat(arg) == expected


@pytest.mark.parametrize(
    "arg",
    [
        None,
        "",
        "LAST",
        "-1",
        "+1",
        "1.5",
        "0x10",
        "ten",
        "١٢",  # Unicode digits are not DIGIT
        "1 FIRST",
        "1 LAST LAST",
        "1  LAST",
        "9" * 16,  # hostile: more octets than any message
    ],
)
def test_invalid_arguments(arg):
    with pytest.raises(BdatSyntaxError):
        parse_bdat(arg)


def test_chunks_count_toward_the_limit():
    chunks = Chunks(limit=10)
    chunks.add(b"12345")
    assert not chunks.would_overflow(5)
    assert chunks.would_overflow(6)
    chunks.add(b"67890")
    assert chunks.content() == b"1234567890"
    assert not Chunks(limit=None).would_overflow(10**12)
