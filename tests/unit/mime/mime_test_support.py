"""Shared helpers for the mailcore.mime tests (not a test module: no test_ prefix)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mailcore.mime import BodyPart, MessageSummary

CORPUS = Path(__file__).resolve().parents[2] / "data" / "mime"


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.eml"))


def all_parts(body: BodyPart) -> Iterator[BodyPart]:
    """Every BodyPart in the tree, including the bodies of encapsulated messages."""
    yield body
    for child in body.parts:
        yield from all_parts(child)
    if body.message is not None:
        yield from all_parts(body.message.body)


def check_offsets(summary: MessageSummary, raw: bytes) -> None:
    """Offsets are ordered, inside the message, and children lie inside their parents."""
    assert summary.size == len(raw)
    _check_part(summary.body, 0, len(raw))


def _check_part(part: BodyPart, lo: int, hi: int) -> None:
    assert lo <= part.header_start <= part.body_start <= part.body_end <= hi, part
    assert part.size == part.body_end - part.body_start
    previous_end = part.body_start
    for child in part.parts:
        assert child.header_start >= previous_end, "siblings overlap"
        _check_part(child, part.body_start, part.body_end)
        previous_end = child.body_end
    if part.message is not None:
        _check_part(part.message.body, part.body_start, part.body_end)
    if part.type == "multipart":
        assert part.parts, "a multipart always has at least one child"
