"""ENVELOPE, BODY and BODYSTRUCTURE rendered from the stored summary (RFC 3501 7.4.2).

Pure: the facts come from mailcore.mime (computed once at delivery); this module only
spells them in the formal syntax of RFC 3501 section 9.

Choices where servers differ (the grammar allows both):
- Media type, subtype, parameter names, the disposition type and its parameter names
  are upper-cased, as in the RFC's own examples and as Cyrus sends them; parameter
  values keep their case. The transfer encoding is upper-cased by the MIME layer.
- Parameter values are stored decoded (RFC 2231 continuations joined, charsets
  decoded). A non-ASCII value goes out RFC 2231-encoded again ("NAME*"
  "utf-8''%E2%82%AC...", as Dovecot sends what it received) so that a client without
  UTF-8 support can still read it; with UTF8=ACCEPT it goes out as UTF-8.
- Other strings (envelope fields, Content-Description) are sent as the header held
  them: 8-bit text becomes a literal (RFC 3501 allows 8-bit only in literals).
- Only message/rfc822 gets the body-type-msg form; RFC 3501's grammar has no other
  (message/global, RFC 6532, is body-type-basic here).
- A text part without a charset parameter is shown with charset "us-ascii" (see
  `body_params`).
- Extension data is always complete in BODYSTRUCTURE (md5, disposition, language,
  location), NIL where absent, as Dovecot and Cyrus send it.
"""

from __future__ import annotations

from urllib.parse import quote

from mailcore.imap.wire import NIL, nstring, string
from mailcore.mime.model import BodyPart, Envelope, EnvelopeAddress


def envelope(env: Envelope, utf8: bool = False) -> bytes:
    """RFC 3501 envelope: "(" date subject from sender reply-to to cc bcc in-reply-to
    message-id ")". Sender and Reply-To were defaulted to From by the MIME layer."""
    fields = [
        nstring(env.date, utf8),
        nstring(env.subject, utf8),
        *(
            _address_list(addresses, utf8)
            for addresses in (env.from_, env.sender, env.reply_to, env.to, env.cc, env.bcc)
        ),
        nstring(env.in_reply_to, utf8),
        nstring(env.message_id, utf8),
    ]
    return b"(" + b" ".join(fields) + b")"


def _address_list(addresses: list[EnvelopeAddress], utf8: bool) -> bytes:
    # env-from = "(" 1*address ")" / nil: addresses follow each other without a space.
    # Group syntax is already in the list as RFC 3501's markers: (NIL NIL "name" NIL)
    # opens a group, (NIL NIL NIL NIL) closes it.
    if not addresses:
        return NIL
    return b"(" + b"".join(_address(a, utf8) for a in addresses) + b")"


def _address(a: EnvelopeAddress, utf8: bool) -> bytes:
    parts = (a.name, a.adl, a.mailbox, a.host)
    return b"(" + b" ".join(nstring(p, utf8) for p in parts) + b")"


def body_structure(part: BodyPart, extensible: bool, utf8: bool = False) -> bytes:
    """BODYSTRUCTURE (`extensible`) or BODY (without extension data) of a body part."""
    if part.type == "multipart":
        return _multipart(part, extensible, utf8)
    return _single(part, extensible, utf8)


def _multipart(part: BodyPart, extensible: bool, utf8: bool) -> bytes:
    # body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]: the children are
    # concatenated without separators.
    children = part.parts or [_EMPTY_TEXT]  # 1*body: never an empty list
    out = [b"".join(body_structure(child, extensible, utf8) for child in children)]
    out.append(string(part.subtype.upper()))
    if extensible:
        # body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
        out.append(_params(part.params, utf8))
        out.extend(_disposition_language_location(part, utf8))
    return b"(" + b" ".join(out) + b")"


def _single(part: BodyPart, extensible: bool, utf8: bool) -> bytes:
    # body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
    # body-fld-octets
    out = [
        string(part.type.upper()),
        string(part.subtype.upper()),
        _params(body_params(part), utf8),
        nstring(part.id, utf8),
        nstring(part.description, utf8),
        string(part.encoding.upper()),
        b"%d" % part.size,
    ]
    if part.type == "message" and part.subtype == "rfc822" and part.message is not None:
        # body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
        out.append(envelope(part.message.envelope, utf8))
        out.append(body_structure(part.message.body, extensible, utf8))
        out.append(b"%d" % (part.lines or 0))
    elif part.type == "text":
        out.append(b"%d" % (part.lines or 0))  # body-type-text ends in body-fld-lines
    if extensible:
        # body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
        out.append(nstring(part.md5, utf8))
        out.extend(_disposition_language_location(part, utf8))
    return b"(" + b" ".join(out) + b")"


def body_params(part: BodyPart) -> list[tuple[str, str]]:
    """The parameters BODYSTRUCTURE shows for a part: a text part without a charset gets
    charset=us-ascii, the default of RFC 2045 5.2 and RFC 2046 4.1.2 (as Dovecot and
    Cyrus send it), so a client never has to know the default."""
    if part.type == "text" and part.param("charset") is None:
        return [*part.params, ("charset", "us-ascii")]
    return part.params


def _disposition_language_location(part: BodyPart, utf8: bool) -> list[bytes]:
    if part.disposition is None:
        disposition = NIL
    else:
        # body-fld-dsp = "(" string SP body-fld-param ")" / nil
        kind, params = part.disposition
        disposition = b"(" + string(kind.upper()) + b" " + _params(params, utf8) + b")"
    return [disposition, _language(part.language, utf8), nstring(part.location, utf8)]


def _language(tags: list[str] | None, utf8: bool) -> bytes:
    # body-fld-lang = nstring / "(" string *(SP string) ")"
    if not tags:
        return NIL
    if len(tags) == 1:
        return string(tags[0], utf8)
    return b"(" + b" ".join(string(tag, utf8) for tag in tags) + b")"


def _params(params: list[tuple[str, str]], utf8: bool) -> bytes:
    # body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
    if not params:
        return NIL
    out: list[bytes] = []
    for name, value in params:
        if not utf8 and not value.isascii():
            # RFC 2231 section 4: name*=charset'language'percent-encoded-octets.
            name, value = name + "*", "utf-8''" + quote(value.encode("utf-8", "replace"), "")
        out.append(string(name.upper(), utf8))
        out.append(string(value, utf8))
    return b"(" + b" ".join(out) + b")"


_EMPTY_TEXT = BodyPart(
    type="text",
    subtype="plain",
    params=[],
    id=None,
    description=None,
    encoding="7BIT",
    size=0,
    lines=0,
    md5=None,
    disposition=None,
    language=None,
    location=None,
    header_start=0,
    body_start=0,
    body_end=0,
)
