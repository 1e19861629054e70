"""RFC 2034 enhanced codes added to replies that were written without one."""

from __future__ import annotations

import pytest

from mailcore.smtp.enhanced import with_enhanced_code


@pytest.mark.parametrize(
    ("reply", "command", "expected"),
    [
        ("250 OK", "MAIL", "250 2.1.0 OK"),
        ("250 OK", "RCPT", "250 2.1.5 OK"),
        ("250 OK", "DATA", "250 2.0.0 OK"),
        ("250 OK", "RSET", "250 2.0.0 OK"),
        ("250 OK", "NOOP", "250 2.0.0 OK"),
        ("221 Bye", "QUIT", "221 2.0.0 Bye"),
        ("220 Ready to start TLS", "STARTTLS", "220 2.0.0 Ready to start TLS"),
        ("503 Error: need MAIL command", "RCPT", "503 5.5.1 Error: need MAIL command"),
        ("501 Syntax: RSET", "RSET", "501 5.5.4 Syntax: RSET"),
        (
            '500 Error: command "X" not recognized',
            None,
            '500 5.5.2 Error: command "X" not recognized',
        ),
        ("500 Command line too long", None, "500 5.5.6 Command line too long"),
        ("502 EXPN not implemented", "EXPN", "502 5.5.1 EXPN not implemented"),
        ("552 Error: Too much mail data", "DATA", "552 5.3.4 Error: Too much mail data"),
        ("451 Try later", "DATA", "451 4.3.0 Try later"),
        ("421 timeout", None, "421 4.4.2 timeout"),
        ("459 Odd", "MAIL", "459 4.0.0 Odd"),
        ("250", "NOOP", "250 2.0.0"),
    ],
)
def test_codes_are_added(reply, command, expected):
    assert with_enhanced_code(reply, command) == expected


@pytest.mark.parametrize(
    ("reply", "command"),
    [
        ("250 2.1.5 Recipient OK", "RCPT"),  # the handler's own code is kept
        ("550 5.7.1 Relaying denied", "RCPT"),
        ("354 End data with <CR><LF>.<CR><LF>", "DATA"),  # intermediate
        ("334 VXNlcm5hbWU6", "AUTH"),
        ("250-mx.example.test", "EHLO"),  # RFC 2034 3: not the EHLO reply
        ("250 HELP", "EHLO"),
        ("250 mx.example.test", "HELO"),
    ],
)
def test_replies_left_alone(reply, command):
    assert with_enhanced_code(reply, command) == reply


def test_every_line_of_a_multiline_reply_gets_the_code():
    reply = "550-First line\r\n550-5.1.1 Already coded\r\n550 Last line"
    assert with_enhanced_code(reply, "RCPT") == (
        "550-5.0.0 First line\r\n550-5.1.1 Already coded\r\n550 5.0.0 Last line"
    )
