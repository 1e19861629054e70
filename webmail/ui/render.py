"""What the reading pane shows: which parts make the body, turned into safe HTML.

The sanitizers live in mailcore.mime (html.py, enriched.py, macfiles.py). Until those
modules exist, a conservative nh3-based stand-in keeps the same contract; the browser
defences (sandboxed frame, Content-Security-Policy) apply either way.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nh3

from mailcore.mime import BodyPart, MessageSummary, decode_body, iter_parts, part_text
from mailcore.mime.text import enriched_to_text


@dataclass(frozen=True)
class Rendered:
    html: str
    remote_blocked: int


_URL = re.compile(r"\b(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]|mailto:[^\s<>\"']+)", re.I)


def _fallback_text_to_html(text: str) -> str:
    out, pos = [], 0
    for match in _URL.finditer(text):
        out.append(html_lib.escape(text[pos : match.start()]))
        url = html_lib.escape(match.group(0))
        out.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>')
        pos = match.end()
    out.append(html_lib.escape(text[pos:]))
    return '<div class="plain">' + "".join(out) + "</div>"


def _fallback_enriched_to_html(text: str) -> str:
    return _fallback_text_to_html(enriched_to_text(text))


def _fallback_sanitize(html: str, *, allow_remote: bool, cid_urls: dict[str, str], **_: Any) -> Any:
    blocked = 0

    def keep(tag: str, attr: str, value: str) -> str | None:
        nonlocal blocked
        if attr not in ("src", "href", "background"):
            return value
        lowered = value.strip().lower()
        if lowered.startswith("cid:"):
            return cid_urls.get(value.strip()[4:].strip("<>"))
        if attr == "href":
            return value if lowered.startswith(("http:", "https:", "mailto:", "#")) else None
        if lowered.startswith("data:image/"):
            return value
        if lowered.startswith(("http:", "https:", "//")):
            if allow_remote:
                return value
            blocked += 1
            return None
        return None

    tags = set(nh3.ALLOWED_TAGS) - {"iframe", "form", "input", "button", "svg", "math"}
    cleaned = nh3.clean(
        html,
        tags=tags,
        clean_content_tags={"script", "style", "title", "head"},
        attribute_filter=keep,
        url_schemes={"http", "https", "mailto", "cid", "data"},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )
    return Rendered(cleaned, blocked)


def _load() -> tuple[Callable[..., Any], Callable[[str], str], Callable[[str], str]]:
    try:
        from mailcore.mime.html import sanitize_html, text_to_html
    except ImportError:
        sanitize_html, text_to_html = _fallback_sanitize, _fallback_text_to_html
    try:
        from mailcore.mime.enriched import enriched_to_html
    except ImportError:
        enriched_to_html = _fallback_enriched_to_html
    return sanitize_html, text_to_html, enriched_to_html


sanitize_html, text_to_html, enriched_to_html = _load()


def decode_mac(filename: str, content_type: str, data: bytes) -> tuple[str, bytes]:
    """BinHex and AppleDouble attachments as the plain file inside (RFC 1740, 1741)."""
    try:
        from mailcore.mime.macfiles import decode_mac_attachment
    except ImportError:
        return filename, data
    try:
        result = decode_mac_attachment(data, content_type=content_type, filename=filename)
    except Exception:
        return filename, data
    if result is None:
        return filename, data
    name = getattr(result, "filename", None) or filename
    payload = getattr(result, "data", None)
    return name, payload if isinstance(payload, bytes) else data


_RANK = {"html": 0, "enriched": 1, "richtext": 1, "plain": 2}


def _best_alternative(parts: list[BodyPart]) -> BodyPart | None:
    # RFC 2046 5.1.4: the last part the reader can show is the richest; we show HTML.
    best, rank = None, 99
    for part in parts:
        if part.type == "multipart":
            r = 0 if display_parts(part) else 99
        elif part.type == "text" and part.filename is None:
            r = _RANK.get(part.subtype, 99)
        else:
            r = 99
        if r <= rank:
            best, rank = part, r
    return best


def display_parts(part: BodyPart) -> list[BodyPart]:
    """The text parts shown as the body, in order (attachments are listed apart)."""
    if part.type == "multipart":
        if part.subtype == "alternative":
            best = _best_alternative(part.parts)
            return display_parts(best) if best else []
        if part.subtype == "related":
            return display_parts(part.parts[0]) if part.parts else []
        if part.subtype in ("encrypted",):
            return []
        kids = part.parts[:1] if part.subtype == "signed" else part.parts
        out: list[BodyPart] = []
        for child in kids:
            out.extend(display_parts(child))
        return out
    disposition = part.disposition[0] if part.disposition else None
    if (
        part.type == "text"
        and part.subtype in _RANK
        and part.filename is None
        and disposition != "attachment"
    ):
        return [part]
    return []


def _related_maps(summary: MessageSummary, section: str, part_url: Callable[[str], str]) -> dict:
    """cid: and Content-Location (RFC 2387, RFC 2557) references of an HTML part, mapped
    to URLs of the stored parts, as keyword arguments for sanitize_html."""
    try:
        from mailcore.mime.html import related_parts
    except ImportError:
        cids = {}
        for number, part in iter_parts(summary.body):
            if part.id and part.type != "multipart":
                cids[part.id.strip().strip("<>")] = part_url(number)
        return {"cid_urls": cids}
    rel = related_parts(summary, section)
    return {
        "cid_urls": {cid: part_url(number) for cid, number in rel.cids.items()},
        "location_urls": {loc: part_url(number) for loc, number in rel.locations.items()},
        "base_url": rel.base,
    }


def render_body(
    raw: bytes, summary: MessageSummary, part_url: Callable[[str], str], *, allow_remote: bool
) -> Rendered:
    """The message body as sanitized HTML, and how many remote resources were blocked."""
    sections = {id(part): number for number, part in iter_parts(summary.body)}
    chunks, blocked = [], 0
    for part in display_parts(summary.body):
        text = part_text(raw, part)
        if part.subtype == "html":
            maps = _related_maps(summary, sections.get(id(part), "1"), part_url)
            safe = sanitize_html(text, allow_remote=allow_remote, **maps)
            chunks.append(safe.html)
            blocked += safe.remote_blocked
        elif part.subtype in ("enriched", "richtext"):
            safe = sanitize_html(enriched_to_html(text), allow_remote=False, cid_urls={})
            chunks.append(safe.html)
        else:
            chunks.append(_plain(text, part))
    return Rendered("\n<hr>\n".join(chunks), blocked)


def _plain(text: str, part: BodyPart) -> str:
    # RFC 3676: format=flowed joins soft line breaks for display.
    flowed = (part.param("format") or "").lower() == "flowed"
    if flowed and text_to_html is not _fallback_text_to_html:
        delsp = (part.param("delsp") or "").lower() == "yes"
        return text_to_html(text, flowed=True, delsp=delsp)  # type: ignore[call-arg]
    return text_to_html(text)


def attachment_bytes(raw: bytes, part: BodyPart) -> bytes:
    return decode_body(raw, part)
