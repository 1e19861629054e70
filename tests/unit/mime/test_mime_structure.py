"""The byte-offset scanner on the corners of RFC 2046 section 5.1.1 and broken input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mailcore.mime import section_slice, summarize

ROOT = Path(__file__).resolve().parents[3]


def _mp(body: bytes, boundary: bytes = b"b") -> bytes:
    return b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n" + body


def test_boundary_at_very_start_and_transport_padding() -> None:
    raw = _mp(b"--b  \t\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b-- trailing junk\r\nepilogue\r\n")
    summary = summarize(raw)
    assert [section_slice(summary, raw, n) for n in ("1", "2")] == [b"one", b"two"]


def test_inner_boundary_that_extends_the_outer_one() -> None:
    inner = b"Content-Type: multipart/mixed; boundary=bb\r\n\r\n--bb\r\n\r\nx\r\n--bb--"
    raw = _mp(b"--b\r\n" + inner + b"\r\n--b\r\n\r\ny\r\n--b--\r\n")
    summary = summarize(raw)
    assert len(summary.body.parts) == 2
    assert section_slice(summary, raw, "1.1") == b"x"
    assert section_slice(summary, raw, "2") == b"y"


def test_empty_parts_and_missing_blank_line() -> None:
    raw = _mp(b"--b\r\n--b\r\nContent-Type: text/html\r\n--b\r\nJust text\r\n--b--\r\n")
    summary = summarize(raw)
    empty, header_only, headerless = summary.body.parts
    assert empty.size == 0 and empty.body_start == empty.header_start
    # Header lines but no blank line: all header, empty body.
    assert (header_only.subtype, header_only.size) == ("html", 0)
    # First line is not a header field: no header, all body.
    assert headerless.header_start == headerless.body_start
    assert section_slice(summary, raw, "3") == b"Just text"
    assert summary.preview == "Just text"


def test_encoded_message_rfc822_is_opaque() -> None:
    raw = _mp(
        b"--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"U3ViamVjdDogaGkNCg0KYm9keQ==\r\n--b--\r\n"
    )
    summary = summarize(raw)
    part = summary.body.parts[0]
    assert part.message is not None
    assert part.message.envelope.subject is None
    assert part.message.body.synthetic
    assert section_slice(summary, raw, "1.TEXT") == b"U3ViamVjdDogaGkNCg0KYm9keQ=="


def test_top_level_message_rfc822_sections() -> None:
    raw = b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body"
    summary = summarize(raw)
    assert section_slice(summary, raw, "1") == b"Subject: inner\r\n\r\ninner body"
    assert section_slice(summary, raw, "1.HEADER") == b"Subject: inner\r\n\r\n"
    assert section_slice(summary, raw, "1.1") == b"inner body"


def test_message_summary_is_importable_without_django() -> None:
    code = (
        "import sys, mailcore.mime\n"
        "mods = {m.split('.')[0] for m in sys.modules}\n"
        "bad = sorted(m for m in mods if m not in sys.stdlib_module_names"
        " and m not in ('mailcore', '__main__') and not m.startswith('_'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
