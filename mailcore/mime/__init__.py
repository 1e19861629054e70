"""Pure-stdlib MIME for the mail server: summarise a stored message once, serve it by offsets.

`summarize(raw)` returns a `MessageSummary`: the RFC 3501 ENVELOPE and
BODYSTRUCTURE facts (with byte offsets of every part), decoded display fields,
preview, search text and attachments. `section_slice` answers IMAP
BODY[section] from those offsets; `decode_body` / `part_text` give a part's
content. Nothing here imports Django (see the import contract in pyproject.toml).
"""

import importlib
from typing import TYPE_CHECKING

from mailcore.mime.charsets import decode_text, lookup_codec
from mailcore.mime.headers import decode_words
from mailcore.mime.macfiles import (
    MacFile,
    MacFileError,
    decode_apple_single,
    decode_binhex,
    download_for,
)
from mailcore.mime.model import (
    Attachment,
    BodyPart,
    EmbeddedMessage,
    Envelope,
    EnvelopeAddress,
    MessageSummary,
)
from mailcore.mime.sections import filter_header_fields, find_part, iter_parts, section_slice
from mailcore.mime.summary import summarize
from mailcore.mime.text import decode_body, html_to_text, part_text, readable_text

__all__ = [
    "Attachment",
    "BodyPart",
    "EmbeddedMessage",
    "Envelope",
    "EnvelopeAddress",
    "MacFile",
    "MacFileError",
    "MessageSummary",
    "RelatedParts",
    "SafeHtml",
    "decode_apple_single",
    "decode_binhex",
    "decode_body",
    "decode_text",
    "decode_words",
    "download_for",
    "enriched_to_html",
    "filter_header_fields",
    "find_part",
    "html_to_text",
    "iter_parts",
    "lookup_codec",
    "part_text",
    "readable_text",
    "related_parts",
    "sanitize_html",
    "section_slice",
    "summarize",
    "text_to_html",
]

# The display helpers need nh3. They load on first use, so the listeners, which only
# summarise, still import nothing outside the stdlib (test_mime_structure checks that).
_DISPLAY = {
    "RelatedParts": "html",
    "SafeHtml": "html",
    "related_parts": "html",
    "sanitize_html": "html",
    "text_to_html": "html",
    "enriched_to_html": "enriched",
}
if TYPE_CHECKING:
    from mailcore.mime.enriched import enriched_to_html
    from mailcore.mime.html import (
        RelatedParts,
        SafeHtml,
        related_parts,
        sanitize_html,
        text_to_html,
    )


def __getattr__(name: str) -> object:
    module = _DISPLAY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"mailcore.mime.{module}"), name)
