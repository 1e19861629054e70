"""Body content: transfer decoding, charset decoding, HTML and text/enriched to plain text."""

from __future__ import annotations

import binascii
import re
from html.parser import HTMLParser

from mailcore.mime.charsets import clean, decode_text
from mailcore.mime.model import BodyPart

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_JUNK = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.I
)


def decode_base64(data: bytes) -> bytes:
    """RFC 2045 section 6.8: characters outside the alphabet are ignored; padding is repaired."""
    data = data.translate(None, _B64_JUNK)
    if len(data) % 4 == 1:
        data = data[:-1]  # a lone trailing sextet carries no whole octet
    data += b"=" * (-len(data) % 4)
    try:
        return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return b""


def decode_uuencode(data: bytes) -> bytes:
    out: list[bytes] = []
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`"):
            break
        try:
            out.append(binascii.a2b_uu(line))
        except (binascii.Error, ValueError):
            # Some encoders emit too many characters per line; trust the length byte.
            try:
                nbytes = (((line[0] - 32) & 63) * 4 + 5) // 3
                out.append(binascii.a2b_uu(line[:nbytes]))
            except (binascii.Error, ValueError, IndexError):
                continue
    return b"".join(out)


def decode_body(raw: bytes, part: BodyPart, limit: int | None = None) -> bytes:
    """The body of `part` with its Content-Transfer-Encoding undone.

    `limit` caps how many encoded octets are read (for previews of huge parts).
    Unknown encodings are returned as is (RFC 2045 section 6.4 says treat as
    application/octet-stream; the bytes are the best we have).
    """
    end = part.body_end if limit is None else min(part.body_end, part.body_start + limit)
    data = raw[part.body_start : end]
    encoding = part.encoding.upper()
    if encoding == "BASE64":
        return decode_base64(data)
    if encoding == "QUOTED-PRINTABLE":
        try:
            return binascii.a2b_qp(data)
        except (binascii.Error, ValueError):
            return data
    if encoding in ("X-UUENCODE", "UUENCODE", "X-UUE"):
        return decode_uuencode(data)
    return data


def part_charset(raw: bytes, part: BodyPart, data: bytes | None = None) -> str | None:
    """Declared charset; for HTML without one, a <meta charset> in the first 4 KiB."""
    if part.charset:
        return part.charset
    if part.subtype == "html" and data is not None:
        match = _META_CHARSET.search(data[:4096])
        if match:
            return match.group(1).decode("ascii")
    return None


def part_text(raw: bytes, part: BodyPart, limit: int | None = None) -> str:
    """The body of `part` as text: transfer-decoded then charset-decoded with fallbacks."""
    data = decode_body(raw, part, limit)
    return clean(decode_text(data, part_charset(raw, part, data)))


# ---------------------------------------------------------------- HTML


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body, one line per block element. Never raises."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but not promised never to raise
        pass
    text = "".join(parser.chunks)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------- text/enriched

_ENRICHED_TOKEN = re.compile(r"<<|<(/?)([A-Za-z0-9-]{1,60})>|(\r?\n)+")


def enriched_to_text(text: str) -> str:
    """RFC 1896 text/enriched to plain text: drop formatting commands and <param> data.

    Section 2.2: a single line break is a space, n consecutive line breaks are n-1 newlines.
    """
    out: list[str] = []
    pos = 0
    in_param = 0
    for match in _ENRICHED_TOKEN.finditer(text):
        if not in_param:
            out.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if token == "<<":
            if not in_param:
                out.append("<")
        elif match.group(2) is not None:
            if match.group(2).lower() == "param":
                in_param = max(0, in_param + (-1 if match.group(1) else 1))
        elif not in_param:
            breaks = token.count("\n")
            out.append(" " if breaks == 1 else "\n" * (breaks - 1))
    if not in_param:
        out.append(text[pos:])
    return "".join(out)


def readable_text(raw: bytes, part: BodyPart, limit: int | None = None) -> str:
    """Plain text for display/search of a text/plain, text/html or text/enriched part."""
    text = part_text(raw, part, limit)
    if part.subtype == "html":
        return html_to_text(text)
    if part.subtype in ("enriched", "richtext"):
        return enriched_to_text(text)
    return text
