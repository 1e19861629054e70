"""What the reading pane shows: which parts make the body, turned into safe HTML.

The sanitizers are mailcore.mime's (html.py, enriched.py); this module only decides which
parts are the body and where their cid:/Content-Location resources are served. The
browser defences (sandboxed frame, Content-Security-Policy) are in views.content.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mailcore.mime import BodyPart, MessageSummary, iter_parts, part_text
from mailcore.mime.enriched import enriched_to_html
from mailcore.mime.html import related_parts, sanitize_html, text_to_html


@dataclass(frozen=True)
class Rendered:
    html: str
    remote_blocked: int


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
            chunks.append(enriched_to_html(text))  # RFC 1896, already sanitised
        else:
            chunks.append(_plain(text, part))
    return Rendered("\n<hr>\n".join(chunks), blocked)


def _plain(text: str, part: BodyPart) -> str:
    # RFC 3676: format=flowed joins soft line breaks for display.
    flowed = (part.param("format") or "").lower() == "flowed"
    delsp = (part.param("delsp") or "").lower() == "yes"
    return text_to_html(text, flowed=flowed, delsp=delsp)
