"""RFC 5322 section 3.4 address lists, tolerant of what real mail contains.

Written by hand rather than with email.utils.getaddresses because IMAP ENVELOPE
needs group syntax (RFC 3501 section 7.4.2 group markers) and the raw,
undecoded display name, and because getaddresses changed behaviour across
Python security releases.
"""

from __future__ import annotations

from mailcore.mime.charsets import clean
from mailcore.mime.headers import collapse_space, decode_words
from mailcore.mime.model import EnvelopeAddress

# Dovecot's placeholders: a NIL host would be read as a group marker by clients.
MISSING_MAILBOX = "MISSING_MAILBOX"
MISSING_DOMAIN = "MISSING_DOMAIN"

_SPECIALS = ",:;@.<>[]"
Token = tuple[str, str]  # (kind, text); kind: atom, qs, comment, angle, dlit, or the special itself


def tokenize(value: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch in " \t\r\n":
            i += 1
        elif ch == '"':
            i, text = _quoted(value, i + 1, '"')
            tokens.append(("qs", text))
        elif ch == "(":
            depth, j, buf = 1, i + 1, []
            while j < n and depth:
                c = value[j]
                if c == "\\" and j + 1 < n:
                    buf.append(value[j + 1])
                    j += 2
                    continue
                depth += c == "("
                depth -= c == ")"
                if depth:
                    buf.append(c)
                j += 1
            tokens.append(("comment", "".join(buf)))
            i = j
        elif ch == "<":
            j = i + 1
            buf = []
            while j < n and value[j] != ">":
                if value[j] == '"':
                    j, text = _quoted(value, j + 1, '"')
                    buf.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
                    continue
                buf.append(value[j])
                j += 1
            tokens.append(("angle", "".join(buf)))
            i = j + 1
        elif ch == "[":
            j = value.find("]", i)
            j = n if j < 0 else j + 1
            tokens.append(("dlit", value[i:j]))
            i = j
        elif ch in _SPECIALS:
            tokens.append((ch, ch))
            i += 1
        else:
            j = i
            while j < n and value[j] not in ' \t\r\n"(<[' and value[j] not in _SPECIALS:
                j += 1
            tokens.append(("atom", value[i:j]))
            i = j
    return tokens


def _quoted(value: str, i: int, close: str) -> tuple[int, str]:
    buf: list[str] = []
    n = len(value)
    while i < n and value[i] != close:
        if value[i] == "\\" and i + 1 < n:
            i += 1
        buf.append(value[i])
        i += 1
    return i + 1, "".join(buf)


def _phrase(tokens: list[Token]) -> str | None:
    words: list[str] = []
    for kind, text in tokens:
        if kind in ("atom", "qs"):
            if words:
                words.append(" ")
            words.append(text)
        elif kind == "." and words:
            words.append(".")
    name = "".join(words).strip()
    return name or None


def _addr_spec(tokens: list[Token]) -> tuple[str | None, str | None, str | None]:
    """Return (adl, mailbox, host) from the tokens of an addr-spec or angle-addr content."""
    adl: str | None = None
    if tokens and tokens[0][0] == "@":
        # obs-route: "@a,@b:" before the addr-spec (RFC 5322 section 4.4).
        colon = next((i for i, t in enumerate(tokens) if t[0] == ":"), None)
        if colon is not None:
            adl = "".join(t[1] for t in tokens[:colon]) or None
            tokens = tokens[colon + 1 :]
    at = next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i][0] == "@"), None)
    local_tokens = tokens if at is None else tokens[:at]
    domain_tokens = [] if at is None else tokens[at + 1 :]
    local = "".join(
        ('"' + t[1].replace("\\", "\\\\").replace('"', '\\"') + '"') if t[0] == "qs" else t[1]
        for t in local_tokens
        if t[0] not in ("comment",)
    )
    host = "".join(t[1] for t in domain_tokens if t[0] != "comment")
    return adl, local or None, host or None


def _mailbox(tokens: list[Token]) -> EnvelopeAddress | None:
    if not tokens:
        return None
    comments = [t[1] for t in tokens if t[0] == "comment"]
    rest = [t for t in tokens if t[0] != "comment"]
    angle = next((i for i, t in enumerate(rest) if t[0] == "angle"), None)
    if angle is not None:
        name = _phrase(rest[:angle])
        adl, local, host = _addr_spec(tokenize(rest[angle][1]))
    else:
        name = None
        adl, local, host = _addr_spec(rest)
    if name is None and comments:
        name = collapse_space(comments[-1]) or None
    if local is None and host is None:
        if name is None:
            return None
        # A bare phrase ("undisclosed recipients") with no address at all.
        local = name
        name = None
    return EnvelopeAddress(
        name=clean(name) if name else None,
        adl=adl,
        mailbox=clean(local) if local else MISSING_MAILBOX,
        host=clean(host) if host else MISSING_DOMAIN,
    )


def parse_address_list(value: str | None) -> list[EnvelopeAddress]:
    """Parse an address-list header into IMAP ENVELOPE address structures.

    Groups become a start marker (mailbox=group name, host=None) and an end
    marker (all None), as RFC 3501 section 7.4.2 prescribes.
    """
    if not value:
        return []
    tokens = tokenize(value)
    out: list[EnvelopeAddress] = []
    item: list[Token] = []
    in_group = False
    for tok in tokens:
        kind = tok[0]
        if kind == ":" and not in_group and not any(t[0] == "@" for t in item):
            group = _phrase([t for t in item if t[0] != "comment"]) or ""
            out.append(EnvelopeAddress(None, None, clean(group), None))
            in_group, item = True, []
        elif kind == ",":
            box = _mailbox(item)
            if box:
                out.append(box)
            item = []
        elif kind == ";" and in_group:
            box = _mailbox(item)
            if box:
                out.append(box)
            out.append(EnvelopeAddress(None, None, None, None))
            in_group, item = False, []
        elif kind == ";":
            box = _mailbox(item)
            if box:
                out.append(box)
            item = []
        else:
            item.append(tok)
    box = _mailbox(item)
    if box:
        out.append(box)
    if in_group:
        out.append(EnvelopeAddress(None, None, None, None))
    return out


def decoded_pairs(addresses: list[EnvelopeAddress]) -> list[tuple[str, str]]:
    """(decoded display name, address) for each mailbox, skipping group markers."""
    pairs: list[tuple[str, str]] = []
    for addr in addresses:
        if addr.host is None:
            continue
        name = clean(collapse_space(decode_words(addr.name))) if addr.name else ""
        mailbox = addr.mailbox or ""
        address = mailbox if addr.host == MISSING_DOMAIN else f"{mailbox}@{addr.host}"
        pairs.append((name, address))
    return pairs
