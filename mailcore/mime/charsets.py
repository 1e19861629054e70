"""Charset names as they appear in mail, mapped to Python codecs, and tolerant decoding.

Mail declares charsets that Python does not know (``ks_c_5601-1987``), names a
narrower charset than the one actually used (``gb2312`` for GBK text, ``iso-8859-1``
for windows-1252 text) or lies outright (8-bit text labelled ``us-ascii``).
Decoding here never raises: declared charset, then UTF-8, then windows-1252, then
latin-1, which accepts every byte.
"""

from __future__ import annotations

import codecs

# Names seen in real mail -> the codec that decodes what senders actually produce.
# Supersets are chosen on purpose (WHATWG Encoding Standard does the same): a
# message labelled gb2312 is nearly always GBK, shift_jis is nearly always cp932.
_ALIASES: dict[str, str | None] = {
    "x-unknown": None,
    "unknown": None,
    "unknown-8bit": None,
    "x-user-defined": None,
    "default": None,
    "us-ascii": "ascii",
    "ascii": "ascii",
    "ansi_x3.4-1968": "ascii",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "cp950",
    "x-big5": "cp950",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "windows-874": "cp874",
    "tis-620": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
}

# Codecs Python accepts as text encodings that make no sense for mail content.
_REFUSED = ("escape", "idna", "punycode", "undefined", "mbcs", "oem", "palmos")


def lookup_codec(name: str | None) -> str | None:
    """Return a Python codec name for a MIME charset name, or None if unusable."""
    if not name:
        return None
    key = name.strip().strip("\"'").lower()
    # RFC 2231 section 5 allows a language suffix on charsets in encoded words.
    key = key.split("*", 1)[0]
    if key in _ALIASES:
        return _ALIASES[key]
    if not key or len(key) > 40 or any(bad in key for bad in _REFUSED):
        return None
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError, TypeError):
        return None
    # rot13, zlib, base64 ... are registered codecs but not text encodings.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Decode bytes declared as `charset`; never raises.

    Order: declared charset (strict), UTF-8, declared charset with replacement
    (multi-byte charsets only: a few bad bytes in Shift_JIS text should not turn
    the whole text into windows-1252 mojibake), windows-1252, latin-1.
    """
    codec = lookup_codec(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec is not None and codec not in ("ascii", "cp1252", "utf-8"):
        try:
            return data.decode(codec, errors="replace")
        except (LookupError, ValueError, TypeError):
            pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean(text: str) -> str:
    """Make a string safe to store anywhere (Postgres text/jsonb refuse NUL and lone surrogates)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text
