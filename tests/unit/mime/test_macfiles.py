"""BinHex 4.0 (RFC 1741), AppleSingle/AppleDouble (RFC 1740), and what a download gives.

tests/data/mac/readme-*.hqx were written by macutils' binhex (Debian macutils 2.0b3),
an implementation independent of ours, from the MacBinary file that `MACBINARY` builds:
so the CRCs and run-length coding are checked against someone else's encoder.
"""

from __future__ import annotations

import base64
import binascii
import struct
from pathlib import Path

import pytest

from mailcore.mime import summarize
from mailcore.mime.macfiles import (
    APPLE_DOUBLE_MAGIC,
    APPLE_SINGLE_MAGIC,
    MacFile,
    MacFileError,
    decode_apple_single,
    decode_binhex,
    download_for,
)

MAC = Path(__file__).resolve().parents[2] / "data" / "mac"
NAME = "Read Me \u2013 résumé.txt"  # en dash
# The forks macutils was given (see tests/data/mac/README.md).
DATA_FORK = b"Hello from a Mac\r" + b"\x90" * 3 + b"A" * 300 + bytes(range(256)) + b"\x90\x00end\r"
RESOURCE_FORK = b"\x00\x00\x01\x00" + b"RSRC" * 20 + b"\x00" * 50


@pytest.mark.parametrize("fixture", ["readme-rle.hqx", "readme-norle.hqx"])
def test_binhex_from_an_independent_encoder(fixture: str) -> None:
    mac = decode_binhex((MAC / fixture).read_bytes())
    assert mac == MacFile(NAME, DATA_FORK, RESOURCE_FORK, "TEXT", "ttxt")


def _hqx_encode(payload: bytes) -> bytes:
    """BinHex 6-bit encoding without run-length compression, 64 characters a line."""
    hqx = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
    b64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    text = base64.b64encode(payload).rstrip(b"=").translate(bytes.maketrans(b64, hqx))
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return b"(This file must be converted with BinHex 4.0)\r\n:" + b"\r\n".join(lines) + b":\r\n"


def _binhex(name: bytes, data: bytes, rsrc: bytes, corrupt: str = "") -> bytes:
    def crc(block: bytes) -> bytes:
        value = binascii.crc_hqx(block, 0) ^ (1 if corrupt and corrupt in repr(block) else 0)
        return struct.pack(">H", value)

    header = bytes([len(name)]) + name + b"\x00" + b"APPLmine" + b"\x00\x00"
    header += struct.pack(">II", len(data), len(rsrc))
    stream = header + crc(header) + data + crc(data) + rsrc + crc(rsrc)
    return _hqx_encode(stream.replace(b"\x90", b"\x90\x00"))


def test_binhex_round_trip_with_literal_run_markers() -> None:
    data = b"\x90" + bytes(range(256)) * 3
    mac = decode_binhex(b"junk before\n" + _binhex(b"app", data, b""))
    assert (mac.name, mac.data_fork, mac.resource_fork, mac.type, mac.creator) == (
        "app", data, b"", "APPL", "mine"
    )  # fmt: skip


def test_binhex_crc_errors_are_reported() -> None:
    with pytest.raises(MacFileError, match="data fork CRC"):
        decode_binhex(_binhex(b"f", b"payload", b"", corrupt="payload"))
    with pytest.raises(MacFileError, match="header CRC"):
        decode_binhex(_binhex(b"f", b"payload", b"", corrupt="APPL"))


@pytest.mark.parametrize(
    "data",
    [b"", b"no colon", b":abc", b":!!!:", b":" + b"~" * 10 + b":", b":\x90:", b":rrrr:"],
)
def test_broken_binhex_raises_mac_file_error_only(data: bytes) -> None:
    with pytest.raises(MacFileError):
        decode_binhex(data)


def _apple_single(magic: int, entries: dict[int, bytes], version: int = 0x00020000) -> bytes:
    table_end = 26 + 12 * len(entries)
    header = struct.pack(">II16xH", magic, version, len(entries))
    table = b""
    body = b""
    for entry_id, value in entries.items():
        table += struct.pack(">III", entry_id, table_end + len(body), len(value))
        body += value
    return header + table + body


FINDER = b"PDF CARO" + b"\x00" * 24


def test_apple_single_gives_name_forks_and_finder_info() -> None:
    blob = _apple_single(
        APPLE_SINGLE_MAGIC,
        {3: "Résumé.pdf".encode("mac_roman"), 9: FINDER, 2: b"rsrc", 1: b"%PDF-1.4"},
    )
    assert decode_apple_single(blob) == MacFile("Résumé.pdf", b"%PDF-1.4", b"rsrc", "PDF ", "CARO")


def test_apple_double_header_has_no_data_fork() -> None:
    mac = decode_apple_single(_apple_single(APPLE_DOUBLE_MAGIC, {9: FINDER, 2: b"r"}, 0x00010000))
    assert (mac.name, mac.data_fork, mac.resource_fork, mac.type) == ("", b"", b"r", "PDF ")


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x00\x05\x16\x00" + b"\x00" * 10,
        _apple_single(0x12345678, {1: b"x"}),
        _apple_single(APPLE_SINGLE_MAGIC, {1: b"x"}, version=3),
        _apple_single(APPLE_SINGLE_MAGIC, {1: b"x"})[:-1],
    ],
)
def test_broken_apple_single_raises_mac_file_error(blob: bytes) -> None:
    with pytest.raises(MacFileError):
        decode_apple_single(blob)


# ---------------------------------------------------------------- download_for


def _message(*parts: str, boundary: str = "b") -> bytes:
    head = (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    )
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return (head + body + f"--{boundary}--\r\n").encode("utf-8")


TEXT_PART = "Content-Type: text/plain\r\n\r\nsee attached"


def _download(raw: bytes, section: str) -> tuple[str, str, bytes]:
    return download_for(summarize(raw), raw, section)


def test_download_binhex_gives_the_data_fork_under_its_real_name() -> None:
    hqx = (MAC / "readme-rle.hqx").read_text("ascii")
    raw = _message(
        TEXT_PART,
        'Content-Type: application/mac-binhex40; name="readme.hqx"\r\n'
        'Content-Disposition: attachment; filename="readme.hqx"\r\n\r\n' + hqx,
    )
    assert _download(raw, "2") == (NAME, "text/plain", DATA_FORK)


def test_download_broken_binhex_gives_the_part_as_sent() -> None:
    raw = _message(
        TEXT_PART,
        'Content-Type: application/mac-binhex40; name="x.hqx"\r\n\r\n:not binhex:',
    )
    assert _download(raw, "2") == ("x.hqx", "application/mac-binhex40", b":not binhex:")


def test_download_apple_single_and_apple_double() -> None:
    single = _apple_single(APPLE_SINGLE_MAGIC, {3: b"report.pdf", 9: FINDER, 1: b"%PDF"})
    header = _apple_single(APPLE_DOUBLE_MAGIC, {3: b"Photo 1.jpg", 9: FINDER, 2: b"r"})
    double = (
        'Content-Type: multipart/appledouble; boundary="ad"\r\n\r\n'
        "--ad\r\nContent-Type: application/applefile\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(header).decode()
        + "\r\n--ad\r\nContent-Type: application/octet-stream\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(b"\xff\xd8jpeg").decode()
        + "\r\n--ad--"
    )
    raw = _message(
        TEXT_PART,
        "Content-Type: application/applefile\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(single).decode(),
        double,
    )
    summary = summarize(raw)
    # The summary lists the data fork part (3.2) and hides every application/applefile
    # part, the standalone AppleSingle one (2) too; the UI can still offer it by section.
    assert [a.section for a in summary.attachments] == ["3.2"]
    assert download_for(summary, raw, "2") == ("report.pdf", "application/pdf", b"%PDF")
    # The data fork part has no name of its own: the AppleDouble header gives it.
    assert download_for(summary, raw, "3.2") == ("Photo 1.jpg", "image/jpeg", b"\xff\xd8jpeg")
    assert download_for(summary, raw, "3") == ("Photo 1.jpg", "image/jpeg", b"\xff\xd8jpeg")


def test_download_plain_attachment_and_embedded_message() -> None:
    inner = "From: c@example.org\r\nSubject: inner\r\n\r\nhello"
    raw = _message(
        TEXT_PART,
        'Content-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + base64.b64encode(b"%PDF-1.7 data").decode(),
        "Content-Type: message/rfc822\r\n\r\n" + inner,
    )
    assert _download(raw, "2") == ("a.pdf", "application/pdf", b"%PDF-1.7 data")
    assert _download(raw, "3") == ("inner.eml", "message/rfc822", inner.encode())


@pytest.mark.parametrize("section", ["0", "9", "1.5", "x", "", "2.", "01"])
def test_download_unknown_section_raises_lookup_error(section: str) -> None:
    with pytest.raises(LookupError):
        _download(_message(TEXT_PART, TEXT_PART), section)


# ---------------------------------------------------------------- real names (RFC 2231/2047)

FILENAMES = [
    # RFC 2231 continuations with a charset and language, mixed encoded/plain segments.
    (
        "attachment;\r\n filename*0*=utf-8'en'%E2%82%AC%20rates;\r\n filename*1*=%20f%C3%BCr;"
        '\r\n filename*2=" 2024.pdf"',
        "€ rates für 2024.pdf",
    ),
    ("attachment; filename*=iso-8859-1''r%E9sum%E9.txt", "résumé.txt"),
    ("attachment; filename*=shift_jis''%93%FA%96%7B%8C%EA.txt", "日本語.txt"),
    ('attachment; filename*0="very long "; filename*1="name.txt"', "very long name.txt"),
    ('attachment; filename*1="b.txt"; filename*0="a"', "ab.txt"),
    # A character split across two encoded segments; a "%" in a plain segment is literal.
    ("attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC.txt", "€.txt"),
    ("attachment; filename*0*=utf-8''a%20b; filename*1=\"%41.txt\"", "a b%41.txt"),
    # The encoded value wins over an ASCII fallback given beside it.
    ("attachment; filename=\"fallback.txt\"; filename*=utf-8''real%20%E2%9C%93.txt", "real ✓.txt"),
    # RFC 2047 inside the quoted parameter (Outlook, Gmail), split words, unquoted.
    ('attachment; filename="=?UTF-8?B?0J/RgNC40LLQtdGCLnR4dA==?="', "Привет.txt"),
    ('attachment; filename="=?UTF-8?Q?caf=C3=A9_?= =?UTF-8?Q?cr=C3=A8me.txt?="', "café crème.txt"),
    ("attachment; filename==?utf-8?Q?na=C3=AFve.txt?=", "naïve.txt"),
    ('attachment; filename="=?iso-8859-1?Q?Gr=FC=DFe.doc?="', "Grüße.doc"),
    # Paths are not names.
    ('attachment; filename="..\\\\..\\\\evil.exe"', "evil.exe"),
    ('attachment; filename="/etc/passwd"', "passwd"),
]


@pytest.mark.parametrize(("disposition", "expected"), FILENAMES)
def test_download_name_decodes_rfc2231_and_rfc2047(disposition: str, expected: str) -> None:
    raw = _message(
        TEXT_PART,
        "Content-Type: application/octet-stream\r\nContent-Disposition: "
        + disposition
        + "\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=",
    )
    assert _download(raw, "2") == (expected, "application/octet-stream", b"hello")


def test_download_name_from_content_type_name_in_a_legacy_charset() -> None:
    raw = _message(
        TEXT_PART,
        "Content-Type: application/msword; name*=gb2312''%D6%D0%CE%C4.doc\r\n\r\nx",
    )
    assert _download(raw, "2") == ("中文.doc", "application/msword", b"x")
