"""Small test messages with predictable headers."""

from __future__ import annotations


def message(n: int, body: bytes = b"") -> bytes:
    """Message number n from bob to alice, with CRLF line endings."""
    return (
        b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
        b"Subject: message %d\r\nMessage-ID: <m%d@example.test>\r\n"
        b"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n" % (n, n)
    ) + (body or b"body of message %d\r\n" % n)
