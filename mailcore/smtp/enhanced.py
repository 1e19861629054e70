"""RFC 2034 / RFC 3463 enhanced status codes for replies that were written without one
(aiosmtpd's own "250 OK", "503 Error: need MAIL command", ...). Pure.

RFC 2034 3: once a client has said EHLO, every 2xx, 4xx and 5xx reply line carries an
enhanced code, except the greeting and the reply to HELO/EHLO itself; 3xx replies
(354, 334) are intermediate and carry none. The codes come from the RFC 5248 registry.
"""

from __future__ import annotations

import re

_REPLY = re.compile(r"(?P<code>[245]\d\d)(?P<sep>[ -]|$)(?P<text>.*)", re.DOTALL)
_HAS_ENHANCED = re.compile(r"[245]\.\d{1,3}\.\d{1,3}(?: |$)")

# Replies to these commands carry no enhanced code (RFC 2034 3).
EXEMPT_COMMANDS = frozenset({"EHLO", "HELO"})

# The texts aiosmtpd emits where the reply code alone says too little.
_BY_TEXT = {
    "Command line too long": "5.5.6",
    "Line too long": "5.5.6",
    "Command refused due to lack of security": "5.7.0",
}

_BY_COMMAND = {
    ("250", "MAIL"): "2.1.0",  # X.1.0 other address status: sender accepted
    ("250", "RCPT"): "2.1.5",  # X.1.5 destination address valid
    ("553", "MAIL"): "5.1.7",  # X.1.7 bad sender's mailbox address syntax
    ("553", "RCPT"): "5.1.3",  # X.1.3 bad destination mailbox address syntax
    ("502", "VRFY"): "5.5.4",
}

_BY_CODE = {
    "221": "2.0.0",
    "235": "2.7.0",
    "250": "2.0.0",
    "252": "2.0.0",
    "421": "4.4.2",  # X.4.2 bad connection (timeouts, shutting down)
    "450": "4.2.0",
    "451": "4.3.0",  # X.3.0 other mail system problem
    "452": "4.3.1",  # X.3.1 mail system full
    "454": "4.7.0",
    "500": "5.5.2",  # X.5.2 syntax error: command not recognised
    "501": "5.5.4",  # X.5.4 invalid command arguments
    "502": "5.5.1",  # X.5.1 invalid command: not implemented
    "503": "5.5.1",  # X.5.1 invalid command: out of sequence
    "504": "5.5.4",
    "530": "5.7.0",
    "534": "5.7.9",
    "535": "5.7.8",
    "538": "5.7.11",
    "550": "5.0.0",
    "551": "5.1.6",
    "552": "5.3.4",  # X.3.4 message too big for system
    "553": "5.1.3",
    "554": "5.0.0",
    "555": "5.5.4",
}


def enhanced_code(code: str, text: str, command: str | None) -> str:
    """The RFC 3463 code fitting reply `code` to `command` (None: no command ran)."""
    for prefix, enhanced in _BY_TEXT.items():
        if text.startswith(prefix):
            return enhanced
    return _BY_COMMAND.get((code, command or "")) or _BY_CODE.get(code) or f"{code[0]}.0.0"


def with_enhanced_code(reply: str, command: str | None) -> str:
    """`reply` with an enhanced code after the reply code of each line that lacks one."""
    if command in EXEMPT_COMMANDS:
        return reply
    lines = []
    for line in reply.split("\r\n"):
        match = _REPLY.fullmatch(line)
        if match and not _HAS_ENHANCED.match(match["text"]):
            code, sep, text = match["code"], match["sep"] or " ", match["text"]
            line = f"{code}{sep}{enhanced_code(code, text, command)} {text}".rstrip()
        lines.append(line)
    return "\r\n".join(lines)
