"""Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3).

Printable US-ASCII (0x20-0x7E) stands for itself, except "&", which is written "&-".
Any other run of characters is shifted: "&", the UTF-16BE code units in modified
BASE64 ("," instead of "/", no "=" padding), then "-".

`decode` accepts only the one form `encode` produces, as RFC 3501 requires of clients
("MUST NOT" encode printable ASCII, no adjacent shifted runs, no stray padding bits), so
a mailbox has exactly one wire name and two spellings can never name two mailboxes.
"""

from __future__ import annotations

import base64
import binascii
import re

_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"
_SHIFTED = re.compile(r"&([^-]*)-")


def _printable(ch: str) -> bool:
    return " " <= ch <= "~"


def _encode_run(run: str) -> str:
    data = run.encode("utf-16-be")
    text = base64.b64encode(data, altchars=b"+,").decode("ascii").rstrip("=")
    return "&" + text + "-"


def encode(name: str) -> str:
    """A mailbox name in modified UTF-7. ValueError for lone surrogates (not Unicode text)."""
    out: list[str] = []
    run: list[str] = []
    for ch in name:
        if _printable(ch):
            if run:
                out.append(_safe_run("".join(run)))
                run = []
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    if run:
        out.append(_safe_run("".join(run)))
    return "".join(out)


def _safe_run(run: str) -> str:
    try:
        return _encode_run(run)
    except UnicodeEncodeError as exc:
        raise ValueError(f"not encodable: {run!r}") from exc


def decode(text: str) -> str:
    """The Unicode name for a modified UTF-7 string; ValueError if it is malformed or not in
    the one canonical form (8-bit or control characters, "&" without its "-", a bad or
    padded BASE64 run, encoded printable ASCII, adjacent shifted runs, lone surrogates)."""
    if not all(_printable(ch) for ch in text):
        raise ValueError("modified UTF-7 is printable US-ASCII only")
    out: list[str] = []
    pos = 0
    for match in _SHIFTED.finditer(text):
        if "&" in text[pos : match.start()]:
            break  # caught below: an "&" that starts no complete shifted run
        out.append(text[pos : match.start()])
        out.append(_decode_run(match.group(1)))
        pos = match.end()
    tail = text[pos:]
    if "&" in tail:
        raise ValueError("'&' must start a shifted run ending in '-' (write '&-' for '&')")
    out.append(tail)
    name = "".join(out)
    if encode(name) != text:
        raise ValueError(f"not the canonical modified UTF-7 form of {name!r}")
    return name


def _decode_run(body: str) -> str:
    if not body:
        return "&"
    if any(c not in _B64_ALPHABET for c in body) or len(body) % 4 == 1:
        raise ValueError(f"bad modified BASE64: {body!r}")
    padded = body + "=" * (-len(body) % 4)
    try:
        data = base64.b64decode(padded, altchars=b"+,", validate=True)
    except binascii.Error as exc:
        raise ValueError(f"bad modified BASE64: {body!r}") from exc
    if len(data) % 2:
        raise ValueError("a shifted run must hold whole UTF-16 code units")
    try:
        return data.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise ValueError("lone UTF-16 surrogate") from exc
