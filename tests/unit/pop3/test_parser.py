"""The POP3 parser: every command, malformed input, and a fuzzer proving it is total."""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcore.pop3 import parser as p
from mailcore.pop3.parser import ProtocolError, parse, parse_sasl_response


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (b"USER alice@example.test\r\n", p.User("alice@example.test")),
        (b"user alice\r\n", p.User("alice")),
        (b"PASS secret with spaces\r\n", p.Pass("secret with spaces")),
        (b"PASS  lead\r\n", p.Pass(" lead")),
        (
            b"APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n",
            p.Apop("alice", "c4c9334bac560ecc979e58001b3e22fb"),
        ),
        (b"AUTH\r\n", p.Auth()),
        (b"AUTH plain\r\n", p.Auth("PLAIN")),
        (b"AUTH PLAIN AGEAYg==\r\n", p.Auth("PLAIN", b"\x00a\x00b")),
        (b"AUTH PLAIN =\r\n", p.Auth("PLAIN", b"")),
        (b"CAPA\r\n", p.Capa()),
        (b"STLS\r\n", p.Stls()),
        (b"STAT\r\n", p.Stat()),
        (b"LIST\r\n", p.List()),
        (b"LIST 3\r\n", p.List(3)),
        (b"RETR 1\r\n", p.Retr(1)),
        (b"DELE 12\r\n", p.Dele(12)),
        (b"NOOP\r\n", p.Noop()),
        (b"RSET\r\n", p.Rset()),
        (b"QUIT\r\n", p.Quit()),
        (b"quit", p.Quit()),
        (b"QUIT\n", p.Quit()),
        (b"TOP 1 0\r\n", p.Top(1, 0)),
        (b"TOP 2 10\r\n", p.Top(2, 10)),
        (b"UIDL\r\n", p.Uidl()),
        (b"UIDL 5\r\n", p.Uidl(5)),
    ],
)
def test_every_command(line, command):
    assert parse(line) == command


@pytest.mark.parametrize(
    "line",
    [
        b"\r\n",
        b"",
        b"LIST 0\r\n",
        b"LIST -1\r\n",
        b"LIST +1\r\n",
        b"LIST 1 2\r\n",
        b"LIST x\r\n",
        b"RETR\r\n",
        b"RETR 1 2\r\n",
        b"RETR 99999999999\r\n",
        b"DELE\r\n",
        b"TOP 1\r\n",
        b"TOP 1 -1\r\n",
        b"TOP 0 1\r\n",
        b"STAT now\r\n",
        b"QUIT please\r\n",
        b"USER\r\n",
        b"USER a b\r\n",
        b"USER \xff\r\n",
        b"PASS\r\n",
        b"PASS \xff\xfe\r\n",
        b"APOP alice\r\n",
        b"AUTH PLAIN not*base64\r\n",
        b"AUTH PLAIN a b\r\n",
        b"AUTH PL@IN\r\n",
        b"RETR 1\x00\r\n",
        b"RETR 1\rRSET\r\n",
        b"LIST " + b"1" * 41 + b"\r\n",
        b"NOOP " + b"x" * 300 + b"\r\n",
    ],
)
def test_malformed_lines_are_protocol_errors(line):
    with pytest.raises(ProtocolError) as exc:
        parse(line)
    assert not exc.value.unknown


@pytest.mark.parametrize("line", [b"HELO x\r\n", b"XYZZY\r\n", b"\xff\xfe\r\n", b"RETRX 1\r\n"])
def test_unknown_commands(line):
    with pytest.raises(ProtocolError) as exc:
        parse(line)
    assert exc.value.unknown


def test_command_line_limit_is_255_octets_with_crlf():
    assert parse(b"USER " + b"a" * 248 + b"\r\n") == p.User("a" * 248)
    with pytest.raises(ProtocolError):
        parse(b"USER " + b"a" * 249 + b"\r\n")


def test_sasl_responses():
    encoded = base64.b64encode(b"\x00alice\x00pw")
    assert parse_sasl_response(encoded + b"\r\n") == b"\x00alice\x00pw"
    assert parse_sasl_response(b"*\r\n") is None
    assert parse_sasl_response(b"=\r\n") == b""
    with pytest.raises(ProtocolError):
        parse_sasl_response(b"!!!\r\n")
    with pytest.raises(ProtocolError):
        parse_sasl_response(b"A" * 9000 + b"\r\n")


@given(st.binary(max_size=400))
def test_parser_is_total(data):
    try:
        command = parse(data)
    except ProtocolError:
        return
    assert isinstance(command, p.Command)


_VERBS = [v.encode() for v in ("USER", "PASS", "APOP", "AUTH", "LIST", "RETR", "TOP", "UIDL")]


@given(st.sampled_from(_VERBS), st.binary(max_size=80), st.sampled_from([b"\r\n", b"\n", b""]))
def test_parser_is_total_on_known_verbs(verb, rest, eol):
    with contextlib.suppress(ProtocolError):
        parse(verb + b" " + rest + eol)


@given(st.binary(max_size=300))
def test_sasl_response_parser_is_total(data):
    with contextlib.suppress(ProtocolError):
        parse_sasl_response(data)
