"""Macintosh attachments (RFC 1740 AppleSingle/AppleDouble, RFC 1741 BinHex 4.0) and downloads.

A Mac file has two forks and Finder info; mail carried it as BinHex text, as one
AppleSingle blob, or as multipart/appledouble (header part + data fork part). What a
user wants to download is the data fork under the file's real name: `download_for`
gives that for any attachment section, and the plain decoded bytes for everything else.
"""

from __future__ import annotations

import binascii
import mimetypes
import re
import struct
from dataclasses import dataclass

from mailcore.mime.model import BodyPart, MessageSummary
from mailcore.mime.sections import find_part
from mailcore.mime.text import decode_body

BINHEX_TYPES = frozenset(
    {"application/mac-binhex40", "application/mac-binhex", "application/x-binhex40"}
)
APPLEFILE_TYPE = "application/applefile"
APPLEDOUBLE_TYPE = "multipart/appledouble"
_BUILTIN_TYPES = mimetypes.MimeTypes(filenames=())  # no system files: same answer everywhere


class MacFileError(ValueError):
    """The data is not a well-formed BinHex / AppleSingle / AppleDouble file."""


@dataclass(frozen=True)
class MacFile:
    name: str
    data_fork: bytes
    resource_fork: bytes
    type: str  # Finder file type, four characters ("TEXT"), "" when unknown
    creator: str  # Finder creator code ("ttxt"), "" when unknown


def _mac_text(data: bytes) -> str:
    """A Mac file name or code: UTF-8 if it is valid UTF-8, else Mac OS Roman."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("mac_roman")
    return text.rstrip("\x00")


def _safe_name(name: str) -> str:
    # "/" is an ordinary character in a Mac file name but a separator everywhere else.
    name = name.replace("/", "-").replace("\\", "-")
    return "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip()


# ---------------------------------------------------------------- RFC 1741 BinHex 4.0

_HQX_ALPHABET = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Both pack 6-bit groups most significant bit first, so BinHex text becomes base64 text
# by swapping alphabets, and binascii does the bit work at C speed.
_HQX_TO_B64 = bytes.maketrans(_HQX_ALPHABET, _B64_ALPHABET)
_HQX_START = re.compile(rb"\(This file must be converted[^\n]*\n", re.I)
_RUN_MARKER = 0x90


def _hqx_chars(text: bytes) -> bytes:
    """The encoded characters between the two colons, whitespace removed."""
    intro = _HQX_START.search(text)
    start = text.find(b":", intro.end() if intro else 0)
    if start < 0:
        raise MacFileError("no BinHex data (missing ':')")
    end = text.find(b":", start + 1)
    if end < 0:
        raise MacFileError("BinHex data is not terminated by ':'")
    chars = re.sub(rb"[ \t\r\n]", b"", text[start + 1 : end])
    if chars.translate(None, _HQX_ALPHABET):
        raise MacFileError("character outside the BinHex alphabet")
    return chars


def _six_to_eight(chars: bytes) -> bytes:
    chars = chars[: len(chars) - (len(chars) % 4 == 1)]  # a lone sextet holds no octet
    b64 = chars.translate(_HQX_TO_B64)
    try:
        return binascii.a2b_base64(b64 + b"=" * (-len(b64) % 4))
    except binascii.Error as exc:
        raise MacFileError(str(exc)) from exc


def _expand_runs(data: bytes) -> bytes:
    """RFC 1741: 0x90 n repeats the previous byte to n copies in all; 0x90 0x00 is 0x90."""
    out = bytearray()
    pos = 0
    while True:
        marker = data.find(_RUN_MARKER, pos)
        if marker < 0 or marker + 1 >= len(data):
            out += data[pos:] if marker < 0 else data[pos:marker]
            return bytes(out)
        out += data[pos:marker]
        count = data[marker + 1]
        if count == 0:
            out.append(_RUN_MARKER)
        elif out:
            out += out[-1:] * (count - 1)
        else:
            raise MacFileError("run-length marker with nothing to repeat")
        pos = marker + 2


def _checked(data: bytes, start: int, length: int, what: str) -> bytes:
    """data[start:start+length], verified against the big-endian CRC-16 that follows it."""
    end = start + length
    if end + 2 > len(data):
        raise MacFileError(f"BinHex {what} is truncated")
    (expected,) = struct.unpack_from(">H", data, end)
    # RFC 1741: CRC-16/XMODEM (polynomial 0x1021, start 0), which is binascii's crc_hqx.
    if binascii.crc_hqx(data[start:end], 0) != expected:
        raise MacFileError(f"BinHex {what} CRC mismatch")
    return data[start:end]


def decode_binhex(data: bytes) -> MacFile:
    """Decode a BinHex 4.0 file (RFC 1741), checking the header and both fork CRCs."""
    stream = _expand_runs(_six_to_eight(_hqx_chars(data)))
    if not stream:
        raise MacFileError("empty BinHex data")
    name_length = stream[0]
    header_length = 1 + name_length + 1 + 4 + 4 + 2 + 4 + 4
    header = _checked(stream, 0, header_length, "header")
    name = header[1 : 1 + name_length]
    file_type, creator, _flags, data_length, rsrc_length = struct.unpack_from(
        ">4s4sHII", header, 2 + name_length
    )
    data_start = header_length + 2
    data_fork = _checked(stream, data_start, data_length, "data fork")
    rsrc_start = data_start + data_length + 2
    resource_fork = _checked(stream, rsrc_start, rsrc_length, "resource fork")
    return MacFile(
        _mac_text(name), data_fork, resource_fork, _mac_text(file_type), _mac_text(creator)
    )


# ---------------------------------------------------------------- RFC 1740 AppleSingle/Double

APPLE_SINGLE_MAGIC = 0x00051600
APPLE_DOUBLE_MAGIC = 0x00051607
# Entry IDs (AppleSingle/AppleDouble Formats, Apple 1990, cited by RFC 1740).
DATA_FORK, RESOURCE_FORK, REAL_NAME, FINDER_INFO = 1, 2, 3, 9


def decode_apple_single(data: bytes) -> MacFile:
    """Decode an AppleSingle file, or an AppleDouble header (whose data fork is elsewhere)."""
    if len(data) < 26:
        raise MacFileError("AppleSingle header is truncated")
    magic, version, count = struct.unpack_from(">II16xH", data, 0)
    if magic not in (APPLE_SINGLE_MAGIC, APPLE_DOUBLE_MAGIC):
        raise MacFileError(f"not AppleSingle/AppleDouble (magic {magic:#010x})")
    if version not in (0x00010000, 0x00020000):
        raise MacFileError(f"unknown AppleSingle version {version:#010x}")
    if 26 + 12 * count > len(data):
        raise MacFileError("AppleSingle entry table is truncated")
    entries: dict[int, bytes] = {}
    for index in range(count):
        entry_id, offset, length = struct.unpack_from(">III", data, 26 + 12 * index)
        if offset + length > len(data):
            raise MacFileError(f"AppleSingle entry {entry_id} runs past the end")
        entries.setdefault(entry_id, data[offset : offset + length])
    finder = entries.get(FINDER_INFO, b"")
    return MacFile(
        name=_mac_text(entries.get(REAL_NAME, b"")),
        data_fork=entries.get(DATA_FORK, b""),
        resource_fork=entries.get(RESOURCE_FORK, b""),
        type=_mac_text(finder[0:4]) if len(finder) >= 8 else "",
        creator=_mac_text(finder[4:8]) if len(finder) >= 8 else "",
    )


# ---------------------------------------------------------------- downloads


_CONTAINERS = BINHEX_TYPES | {"application/octet-stream", APPLEFILE_TYPE, APPLEDOUBLE_TYPE}


def _guess_type(filename: str, declared: str) -> str:
    if declared not in _CONTAINERS:
        return declared
    guessed, _encoding = _BUILTIN_TYPES.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def _numbers(section: str) -> list[int]:
    if not re.fullmatch(r"[1-9][0-9]{0,8}(?:\.[1-9][0-9]{0,8})*", section):
        raise LookupError(f"no section {section!r}")
    return [int(n) for n in section.split(".")]


def _mac_download(raw: bytes, part: BodyPart) -> MacFile | None:
    """The Mac file in a BinHex, AppleSingle or AppleDouble part; None if it is not one."""
    try:
        if part.content_type in BINHEX_TYPES:
            return decode_binhex(decode_body(raw, part))
        if part.content_type == APPLEFILE_TYPE:
            return decode_apple_single(decode_body(raw, part))
        if part.content_type == APPLEDOUBLE_TYPE and len(part.parts) >= 2:
            header, data = part.parts[0], part.parts[1]
            mac = decode_apple_single(decode_body(raw, header))
            # RFC 1740 section 4: the second part is the data fork, named by its own header.
            name = data.filename or mac.name
            return MacFile(name, decode_body(raw, data), mac.resource_fork, mac.type, mac.creator)
    except MacFileError:
        return None  # broken encoding: offer the part as it came
    return None


def download_for(summary: MessageSummary, raw: bytes, section: str) -> tuple[str, str, bytes]:
    """(filename, content type, bytes) a user should get for the attachment at `section`.

    The transfer encoding is undone; BinHex, AppleSingle and multipart/appledouble
    give their data fork under the Mac file's real name. A data fork part inside
    multipart/appledouble gets the name from the AppleDouble header when it has none.
    Raises LookupError when the section does not exist.
    """
    numbers = _numbers(section)
    part = find_part(summary.body, numbers)
    if part is None:
        raise LookupError(f"no section {section!r}")
    listed = next((a.filename for a in summary.attachments if a.section == section), None)
    declared = part.content_type
    mac = _mac_download(raw, part)
    if part.content_type == APPLEDOUBLE_TYPE and len(part.parts) >= 2:
        declared = part.parts[1].content_type
    elif mac is None and numbers[-1] == 2:
        parent = find_part(summary.body, numbers[:-1]) if len(numbers) > 1 else summary.body
        if parent is not None and parent.message is not None:
            parent = parent.message.body
        if parent is not None and parent.content_type == APPLEDOUBLE_TYPE:
            mac = _mac_download(raw, parent)
    if mac is not None:
        name = _safe_name(mac.name) or re.sub(r"\.hqx$", "", listed or "", flags=re.I)
        name = name or "attachment.bin"
        return name, _guess_type(name, declared), mac.data_fork
    name = listed or part.filename or "attachment.bin"
    return name, declared, decode_body(raw, part)
