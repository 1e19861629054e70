"""Pure-stdlib MIME for the mail server: summarise a stored message once, serve it by offsets.

`summarize(raw)` returns a `MessageSummary`: the RFC 3501 ENVELOPE and
BODYSTRUCTURE facts (with byte offsets of every part), decoded display fields,
preview, search text and attachments. `section_slice` answers IMAP
BODY[section] from those offsets; `decode_body` / `part_text` give a part's
content. Nothing here imports Django (see the import contract in pyproject.toml).
"""

from mailcore.mime.charsets import decode_text, lookup_codec
from mailcore.mime.headers import decode_words
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
    "MessageSummary",
    "decode_body",
    "decode_text",
    "decode_words",
    "filter_header_fields",
    "find_part",
    "html_to_text",
    "iter_parts",
    "lookup_codec",
    "part_text",
    "readable_text",
    "section_slice",
    "summarize",
]
