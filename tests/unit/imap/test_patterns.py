"""LIST/LSUB patterns (RFC 3501 6.3.8): wildcards, the reference, INBOX, hierarchy."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcore.imap.patterns import (
    ancestors,
    compile,
    has_children,
    join,
    missing_levels,
    parents,
)

NAMES = [
    "INBOX",
    "INBOX/Receipts",
    "INBOX/Receipts/2024",
    "Archive",
    "Archive/2023",
    "Archive/2023/Q1",
    "Sent",
    "foo.bar",
    "Inbound",
]


def listed(reference: str, pattern: str) -> list[str]:
    match = compile(reference, pattern)
    return [name for name in NAMES if match(name)]


@pytest.mark.parametrize(
    ("reference", "pattern", "expected"),
    [
        ("", "*", NAMES),
        ("", "%", ["INBOX", "Archive", "Sent", "foo.bar", "Inbound"]),
        ("", "Archive/%", ["Archive/2023"]),
        ("", "Archive/*", ["Archive/2023", "Archive/2023/Q1"]),
        ("", "Archive*", ["Archive", "Archive/2023", "Archive/2023/Q1"]),
        ("", "Archive%", ["Archive"]),
        ("", "%/%", ["INBOX/Receipts", "Archive/2023"]),
        ("", "*/2023*", ["Archive/2023", "Archive/2023/Q1"]),
        ("", "Sent", ["Sent"]),
        ("", "sent", []),  # only INBOX is case-insensitive
        ("", "foo.bar", ["foo.bar"]),  # "." is no wildcard
        ("", "foo*bar", ["foo.bar"]),
        ("Archive/", "%", ["Archive/2023"]),  # the RFC's "~smith/Mail/" + "foo.*" joining
        ("Archive/", "*", ["Archive/2023", "Archive/2023/Q1"]),
        ("Arch", "ive", ["Archive"]),
        ("", "", []),  # LIST "" "" is answered by the session, not by matching
    ],
)
def test_wildcards_and_reference(reference: str, pattern: str, expected: list[str]) -> None:
    assert listed(reference, pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("inbox", ["INBOX"]),
        ("InBoX", ["INBOX"]),
        ("inbox/%", ["INBOX/Receipts"]),
        ("Inbox/*", ["INBOX/Receipts", "INBOX/Receipts/2024"]),
        ("i%", ["INBOX"]),  # INBOX matches in any spelling; "Inbound" is case-sensitive
        ("I%", ["INBOX", "Inbound"]),
        ("inbox/receipts", []),  # only the INBOX level folds case
        ("%box", ["INBOX"]),
    ],
)
def test_inbox_is_case_insensitive(pattern: str, expected: list[str]) -> None:
    assert listed("", pattern) == expected


def test_other_delimiter() -> None:
    match = compile("", "a.%", delimiter=".")
    assert match("a.b")
    assert not match("a.b.c")
    assert compile("", "a.*", delimiter=".")("a.b.c")


def test_join() -> None:
    assert join("~smith/Mail/", "foo.*") == "~smith/Mail/foo.*"


def _regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if ch == "*" else "[^/]*" if ch == "%" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.S)


_ALPHABET = st.sampled_from("ab/*%")


@given(st.text(_ALPHABET, max_size=8), st.text(st.sampled_from("ab/"), max_size=10))
def test_agrees_with_a_regular_expression(pattern: str, name: str) -> None:
    expected = bool(pattern) and _regex(pattern).fullmatch(name) is not None
    assert compile("", pattern)(name) == expected


def test_hostile_pattern_is_answered() -> None:
    # A backtracking matcher (a regular expression) would not finish this in any useful
    # time; here it is one bitmask step per character of the name.
    assert not compile("", "*a" * 30 + "*b")("a" * 5000)
    assert compile("", "*a" * 30 + "*b")("a" * 5000 + "b")


def test_hierarchy_helpers() -> None:
    assert ancestors("a/b/c") == ["a", "a/b"]
    assert ancestors("a") == []
    assert parents(NAMES) == {"INBOX", "INBOX/Receipts", "Archive", "Archive/2023"}
    assert has_children("Archive", NAMES)
    assert not has_children("Sent", NAMES)
    assert not has_children("Arch", NAMES)
    assert missing_levels(["a/b/c", "a", "x/y"]) == {"a/b", "x"}
