"""Golden corpus: tests/data/mime/NNN-name.eml -> NNN-name.expected.json.

The expected files list the facts that matter (not every field); a dict in the
expected file is compared key by key, lists of parts/attachments element by
element, anything else exactly. preview_prefix and search_contains are checked
against the preview and search text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mime_test_support import check_offsets, corpus_files

from mailcore.mime import summarize

SPECIAL = {"preview_prefix", "search_contains"}
ELEMENTWISE = {"parts", "attachments"}


def _expected(path: Path) -> dict[str, Any]:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def assert_matches(expected: Any, actual: Any, where: str = "") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            if key in SPECIAL:
                continue
            assert key in actual, f"{where}.{key} missing"
            if key in ELEMENTWISE:
                assert len(actual[key]) == len(value), f"{where}.{key}: {actual[key]!r}"
                for index, (exp, act) in enumerate(zip(value, actual[key], strict=True)):
                    assert_matches(exp, act, f"{where}.{key}[{index}]")
            else:
                assert_matches(value, actual[key], f"{where}.{key}")
    else:
        assert expected == actual, f"{where}: expected {expected!r}, got {actual!r}"


def test_corpus_is_large_enough() -> None:
    files = corpus_files()
    assert len(files) >= 20
    for path in files:
        assert path.with_suffix(".expected.json").exists(), path.name


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.stem)
def test_golden(path: Path) -> None:
    raw = path.read_bytes()
    expected = _expected(path)
    summary = summarize(raw)
    actual = summary.to_dict()
    assert_matches(expected, actual, path.stem)
    if "preview_prefix" in expected:
        assert actual["preview"].startswith(expected["preview_prefix"]), actual["preview"]
    for needle in expected.get("search_contains", []):
        assert needle in actual["search_text"], needle
    check_offsets(summary, raw)
    assert len(actual["preview"]) <= 200
