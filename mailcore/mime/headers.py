"""Header fields: splitting a raw header block, RFC 2047 encoded words, RFC 2231 parameters."""

from __future__ import annotations

import binascii
import email.message
import re
from dataclasses import dataclass, field

from mailcore.mime.charsets import clean, decode_text, lookup_codec

# RFC 5322 section 2.2: field-name is any printable US-ASCII except ":".
_FIELD_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def looks_like_field(line: bytes) -> bool:
    """True if `line` starts like a header field (RFC 5322 section 2.2)."""
    return _FIELD_LINE.match(line) is not None


def header_text(value: bytes) -> str:
    """Raw header bytes to str: UTF-8 (RFC 6532), else windows-1252/latin-1 (legacy 8-bit)."""
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        return decode_text(value, None)


@dataclass(frozen=True)
class HeaderBlock:
    """Header fields of one entity in order; values are unfolded but not decoded."""

    fields: tuple[tuple[str, str], ...] = ()
    # Lower-cased name -> its values in order: a summary asks ~30 times per message,
    # and scanning every field with lower() each time cost 7 of its 99 us.
    _by_name: dict[str, list[str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for key, value in self.fields:
            self._by_name.setdefault(key.lower(), []).append(value)

    def get(self, name: str) -> str | None:
        """First occurrence of `name` (case-insensitive), as RFC 3501 ENVELOPE uses."""
        values = self._by_name.get(name.lower())
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        return list(self._by_name.get(name.lower(), ()))


def parse_header_block(data: bytes) -> HeaderBlock:
    """Split a header block into fields. Lines that are not fields are skipped.

    Unfolding follows RFC 5322 section 2.2.3: the CRLF before WSP is removed, the
    WSP stays. Leading and trailing whitespace of each value is stripped.
    """
    fields: list[tuple[str, str]] = []
    name: str | None = None
    chunks: list[bytes] = []
    for line in data.splitlines():
        if line[:1] in (b" ", b"\t"):
            if name is not None:
                chunks.append(line)
            continue
        if name is not None:
            fields.append((name, _unfold(chunks)))
            name = None
        match = _FIELD_LINE.match(line)
        if match is None:
            continue
        colon = line.index(b":", 0, match.end())
        name = line[:colon].rstrip(b" \t").decode("ascii")
        chunks = [line[colon + 1 :]]
    if name is not None:
        fields.append((name, _unfold(chunks)))
    return HeaderBlock(tuple(fields))


def _unfold(chunks: list[bytes]) -> str:
    return clean(header_text(b"".join(chunks)).strip(" \t\r\n"))


# ---------------------------------------------------------------- RFC 2047

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_SPACE_ONLY = re.compile(r"[ \t\r\n]*")


def _b_decode(text: str) -> bytes:
    # Tolerate missing/extra padding and stray characters: senders get it wrong.
    data = re.sub(r"[^A-Za-z0-9+/]", "", text)
    if len(data) % 4 == 1:
        data = data[:-1]
    data += "=" * (-len(data) % 4)
    try:
        return binascii.a2b_base64(data.encode("ascii"))
    except (binascii.Error, ValueError):
        return b""


def _q_decode(text: str) -> bytes:
    # RFC 2047 section 4.2: "_" is space; =XX is an octet. Invalid =XX stays literal.
    raw = text.replace("_", " ").encode("utf-8", errors="replace")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def decode_words(value: str | None) -> str:
    """Decode RFC 2047 encoded words in an unstructured header value or phrase.

    Whitespace between adjacent encoded words is dropped (RFC 2047 section 6.2).
    Consecutive encoded words in the same charset are joined as bytes before
    decoding, so a multi-byte character split across two words survives.
    Unknown charsets fall back as in `decode_text`.
    """
    if not value:
        return ""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: bytes = b""
    pending_charset: str | None = None
    pos = 0
    last_was_word = False

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode_text(pending, pending_charset))
        pending, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if not (last_was_word and _SPACE_ONLY.fullmatch(between)):
            flush()
            out.append(between)
        charset = match.group(1)
        data = _b_decode(match.group(3)) if match.group(2) in "bB" else _q_decode(match.group(3))
        codec = lookup_codec(charset) or charset.lower()
        if pending and codec != pending_charset:
            flush()
        pending_charset = codec
        pending += data
        pos = match.end()
        last_was_word = True
    flush()
    out.append(value[pos:])
    return "".join(out)


def collapse_space(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- RFC 2045 / 2231


@dataclass
class ContentType:
    type: str
    subtype: str
    params: list[tuple[str, str]]
    valid: bool  # False when the header was absent or unparseable (defaults were used)


def parse_params(value: str) -> tuple[str, list[tuple[str, str]]]:
    """Split `value; a=b; c*0*=...` into the leading token and decoded parameters.

    The stdlib does the RFC 2231 continuation joining; charset decoding of
    ``name*=charset'lang'%XX`` values goes through our fallback chain instead of
    the stdlib's latin-1 fallback.
    """
    msg = email.message.Message()
    # Message stores header values verbatim; control characters would only upset it.
    msg["X"] = value.replace("\r", " ").replace("\n", " ")
    try:
        raw_params = msg.get_params(header="x") or []
    except Exception:  # the stdlib parser is not hardened against every input
        return value.split(";", 1)[0].strip(), []
    head = ""
    params: list[tuple[str, str]] = []
    plain_at: dict[str, int] = {}  # name -> index of a value given without RFC 2231 encoding
    for index, (name, pval) in enumerate(raw_params):
        if index == 0:
            head = name
            continue
        if not name:
            continue
        key = name.lower()
        if isinstance(pval, tuple):
            charset, _lang, text = pval
            try:
                data = text.encode("latin-1")
                text = decode_text(data, charset or None)
            except UnicodeEncodeError:
                pass
            if key in plain_at:
                # Senders give filename="ascii fallback" and filename*=utf-8''real: the
                # encoded one is what the sender meant, so it goes first (RFC 2231 section 4).
                params.insert(plain_at.pop(key), (key, text.strip('"')))
                continue
        else:
            text = pval
            plain_at.setdefault(key, len(params))
        params.append((key, text.strip('"')))
    return head, params


def parse_content_type(value: str | None, default: tuple[str, str]) -> ContentType:
    """RFC 2045 section 5.2: an absent or invalid Content-Type means the default."""
    dtype, dsub = default
    default_params = [("charset", "us-ascii")] if dtype == "text" else []
    if value is None:
        return ContentType(dtype, dsub, default_params, False)
    head, params = parse_params(value)
    head_str = head.strip()
    main, _, sub = head_str.partition("/")
    main, sub = main.strip(), sub.strip()
    if not (main and sub and _TOKEN.fullmatch(main) and _TOKEN.fullmatch(sub)):
        # Tolerate junk after a valid type/subtype ("text/html charset=utf-8").
        match = re.match(
            r"\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*/\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)", head_str
        )
        if match is None:
            return ContentType(dtype, dsub, default_params, False)
        main, sub = match.group(1), match.group(2)
    return ContentType(main.lower(), sub.lower(), params, True)


def get_param(params: list[tuple[str, str]], name: str) -> str | None:
    for key, value in params:
        if key == name:
            return value
    return None
