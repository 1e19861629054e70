"""Modified UTF-7 mailbox names (RFC 3501 5.1.3): the RFC's examples, the canonical-form
rules, and round trips over any Unicode text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcore.imap import mutf7

# Printable ASCII stands for itself; "&" is "&-"; anything else is shifted.
EXAMPLES = [
    ("INBOX", "INBOX"),
    ("~peter/mail/\u53f0\u5317/\u65e5\u672c\u8a9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  # RFC 3501
    ("\u263a!", "&Jjo-!"),  # RFC 3501: "&Jjo!" is the illegal form of this
    ("Entw\u00fcrfe", "Entw&APw-rfe"),
    ("Tom & Jerry", "Tom &- Jerry"),
    ("&", "&-"),
    ("\u00e9\u00e9", "&AOkA6Q-"),  # one run, not two adjacent ones
    ("\U0001f600", "&2D3eAA-"),  # a surrogate pair
    ("tab\there", "tab&AAk-here"),  # controls are not printable: shifted
    ("", ""),
]


@pytest.mark.parametrize(("name", "wire"), EXAMPLES)
def test_examples(name: str, wire: str) -> None:
    assert mutf7.encode(name) == wire
    assert mutf7.decode(wire) == name


@pytest.mark.parametrize(
    "bad",
    [
        "&Jjo!",  # "&" run without its "-" (the RFC's own illegal example)
        "&",
        "a&b",
        "&U,BTFw",
        "&AOk-&AOk-",  # adjacent shifted runs: must be one run
        "&AGE-",  # printable ASCII ("a") encoded
        "&ACY-",  # "&" encoded instead of "&-"
        "&AOk=-",  # BASE64 padding
        "&AOl-",  # non-zero padding bits
        "&AOkA-",  # half a UTF-16 code unit
        "&A-",  # a single BASE64 character holds no octet
        "&2D0-",  # lone high surrogate
        "&AO/-",  # "/" is "," in modified BASE64
        "Entw\u00fcrfe",  # 8-bit: not modified UTF-7 at all
        "a\tb",
    ],
)
def test_malformed_input_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        mutf7.decode(bad)


def test_lone_surrogate_cannot_be_encoded() -> None:
    with pytest.raises(ValueError):
        mutf7.encode("\ud800")


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)))


@given(_TEXT)
def test_round_trip(name: str) -> None:
    wire = mutf7.encode(name)
    assert all(" " <= ch <= "~" for ch in wire)
    assert mutf7.decode(wire) == name


@given(st.text(st.sampled_from("&-AOkZeVnLIqe,+/=ab ")))
def test_decode_is_total_and_canonical(text: str) -> None:
    """Every input either decodes to a name that encodes back to exactly the input, or is
    refused with ValueError (never another exception)."""
    try:
        name = mutf7.decode(text)
    except ValueError:
        return
    assert mutf7.encode(name) == text
