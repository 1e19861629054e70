"""The SMTP protocol extensions (ENHANCEDSTATUSCODES, DSN, CHUNKING/BINARYMIME, limits)
against the real MTA listener on loopback: smtplib where it can say it, raw sockets where
it cannot (smtplib has no BDAT)."""

from __future__ import annotations

import asyncio
import logging
import re
import smtplib
import socket
import struct
import time

import pytest
from smtp_helpers import inbox_raw
from support.listeners import client_tls, free_port, loopback_config, running

from mailcore.models import QueuedMessage, QueueRecipient
from mailcore.smtp import protocol, server
from mailcore.smtp.protocol import MailSMTP

ENHANCED = re.compile(rb"^\d{3}[ -]\d\.\d{1,3}\.\d{1,3} ")
HEADERS = b"From: Remote <someone@remote.test>\r\nTo: alice@example.test\r\nSubject: bin\r\n\r\n"


class Raw:
    """A line-level SMTP client that can send anything, including BDAT chunks."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.greeting = self.reply()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> list[bytes]:
        lines = []
        while True:
            line = self.file.readline()
            assert line, f"connection closed after {lines!r}"
            lines.append(line.rstrip(b"\r\n"))
            if line[3:4] != b"-":
                return lines

    def command(self, line: bytes) -> list[bytes]:
        self.send(line + b"\r\n")
        return self.reply()

    def bdat(self, arg: bytes, chunk: bytes = b"") -> list[bytes]:
        self.send(b"BDAT " + arg + b"\r\n" + chunk)
        return self.reply()

    def closed(self) -> bool:
        return self.file.read() == b""

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def raw(mta):
    clients: list[Raw] = []

    def connect() -> Raw:
        clients.append(Raw(mta))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


def transaction(client: Raw, *rcpt_params: bytes) -> None:
    assert client.command(b"EHLO client.remote.test")[-1].startswith(b"250 ")
    assert client.command(b"MAIL FROM:<someone@remote.test>")[0].startswith(b"250 2.1.0")
    rcpt = b" ".join((b"RCPT TO:<alice@example.test>", *rcpt_params))
    assert client.command(rcpt)[0].startswith(b"250 2.1.5")


def test_ehlo_advertises_the_extensions(mta):
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.ehlo("client.remote.test")
        for keyword in [
            "enhancedstatuscodes",
            "dsn",
            "chunking",
            "binarymime",
            "8bitmime",
            "smtputf8",
            "size",
            "pipelining",
            "starttls",
        ]:
            assert client.has_extn(keyword), keyword


def test_every_reply_after_ehlo_carries_an_enhanced_code(raw, alice_tx):
    client = raw()
    assert not ENHANCED.match(client.greeting[0])  # RFC 2034 3: not the greeting
    assert not any(ENHANCED.match(line) for line in client.command(b"EHLO x"))
    sequence = [
        b"NOOP",
        b"HELP",
        b"HELP MAIL",
        b"HELP NOSUCH",
        b"RCPT TO:<alice@example.test>",
        b"DATA",
        b"MAIL FROM:",
        b"MAIL FROM:<someone@remote.test> FOO=BAR",
        b"MAIL FROM:<someone@remote.test> SIZE=999999999999",
        b"MAIL FROM:<someone@remote.test> RET=BOGUS",
        b"MAIL FROM:<someone@remote.test> RET=HDRS ENVID=abc",
        b"MAIL FROM:<again@remote.test>",
        b"RCPT TO:<nobody@example.test>",
        b"RCPT TO:<victim@elsewhere.test>",
        b"RCPT TO:<alice@example.test> NOTIFY=NEVER,SUCCESS",
        b"RCPT TO:<<<>",
        b"RCPT TO:<alice@example.test> NOTIFY=FAILURE",
        b"VRFY alice@example.test",
        b"VRFY",
        b"EXPN staff",
        b"XYZZY",
        b"\x00\xff",
        b"NOOP " + b"x" * 2000,
        b"RSET x",
        b"RSET",
        b"STARTTLS now",
        b"AUTH PLAIN",
        b"QUIT now",
    ]
    replies = {}
    for line in sequence:
        replies[line] = client.command(line)
        for reply_line in replies[line]:
            assert ENHANCED.match(reply_line), (line, reply_line)
    assert replies[b"RCPT TO:<alice@example.test>"] == [b"503 5.5.1 Error: need MAIL command"]
    assert replies[b"MAIL FROM:<again@remote.test>"][0].startswith(b"503 5.5.1")
    assert replies[b"XYZZY"][0].startswith(b"500 5.5.2")
    assert replies[b"NOOP " + b"x" * 2000][0].startswith(b"500 5.5.6")
    assert replies[b"MAIL FROM:<someone@remote.test> RET=BOGUS"][0].startswith(b"501 5.5.4")
    assert replies[b"MAIL FROM:<someone@remote.test> SIZE=999999999999"][0].startswith(b"552 5.3.4")

    # A message by DATA: 354 is intermediate and carries no code (RFC 2034 3).
    assert client.command(b"MAIL FROM:<someone@remote.test>")[0].startswith(b"250 2.1.0")
    assert client.command(b"RCPT TO:<alice@example.test>")[0].startswith(b"250 2.1.5")
    assert client.command(b"DATA") == [b"354 End data with <CR><LF>.<CR><LF>"]
    assert ENHANCED.match(client.command(HEADERS + b"Hi\r\n.")[0])
    assert client.command(b"QUIT") == [b"221 2.0.0 Bye"]
    assert len(inbox_raw(alice_tx)) == 1


def test_starttls_reply_and_the_session_after_it_carry_codes(mta, alice_tx):
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.ehlo("x")
        code, text = client.docmd("STARTTLS")
        assert (code, text[:6]) == (220, b"2.0.0 ")
        client.sock = client_tls().wrap_socket(client.sock)
        client.file = None
        client.helo_resp = client.ehlo_resp = None
        client.esmtp_features = {}
        client.does_esmtp = False
        client.ehlo("x")
        assert client.has_extn("chunking") and not client.has_extn("starttls")
        assert client.noop() == (250, b"2.0.0 OK")


def test_helo_sessions_get_plain_replies(mta):
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.helo("old.remote.test")
        assert client.noop() == (250, b"OK")
        assert client.docmd("RCPT TO:<alice@example.test>") == (503, b"Error: need MAIL command")


BINARY = bytes(range(256)) * 4 + b"bare\rCR bare\nLF\r\n.\r\n..\r\n.\r\nno final newline"


def test_bdat_delivers_binary_bytes_exactly(raw, alice_tx):
    client = raw()
    transaction(client)
    message = HEADERS + BINARY
    first, second = message[:700], message[700:]
    assert client.bdat(b"%d" % len(first), first) == [b"250 2.0.0 %d octets received" % len(first)]
    reply = client.bdat(b"%d LAST" % len(second), second)
    assert reply[0].startswith(b"250 2.0.0 OK: queued as")
    assert client.command(b"NOOP") == [b"250 2.0.0 OK"]  # the stream is still in step
    [stored] = inbox_raw(alice_tx)
    assert stored.startswith(b"Return-Path: <someone@remote.test>\r\nReceived: ")
    assert stored.endswith(message)


def test_large_chunks_arrive_whole(raw, alice_tx):
    client = raw()
    transaction(client)
    body = bytes(range(256)) * 4096  # 1 MiB per chunk
    assert client.bdat(b"%d" % (len(HEADERS) + len(body)), HEADERS + body)[0].startswith(b"250")
    assert client.bdat(b"%d LAST" % len(body), body)[0].startswith(b"250 2.0.0 OK: queued")
    [stored] = inbox_raw(alice_tx)
    assert stored.endswith(HEADERS + body + body)


def test_bdat_with_binarymime_and_an_empty_last_chunk(raw, alice_tx):
    client = raw()
    client.command(b"EHLO x")
    assert client.command(b"MAIL FROM:<someone@remote.test> BODY=BINARYMIME")[0].startswith(
        b"250 2.1.0"
    )
    client.command(b"RCPT TO:<alice@example.test>")
    assert client.command(b"DATA") == [protocol.BINARYMIME_NEEDS_BDAT.encode()]
    message = HEADERS + BINARY
    assert client.bdat(b"%d" % len(message), message)[0].startswith(b"250")
    assert client.bdat(b"0 LAST")[0].startswith(b"250 2.0.0 OK: queued")
    [stored] = inbox_raw(alice_tx)
    assert stored.endswith(message)
    # The queue remembers it: relayed on, it may only go by BDAT (RFC 3030 3).
    assert QueuedMessage.objects.get().binary


def test_bdat_chunks_pipelined_back_to_back(raw, alice_tx):
    client = raw()
    client.command(b"EHLO x")
    one, two = HEADERS + b"first\r\n", HEADERS + b"second\r\n"
    client.send(
        b"MAIL FROM:<someone@remote.test>\r\nRCPT TO:<alice@example.test>\r\n"
        + b"BDAT 10\r\n"
        + one[:10]
        + b"BDAT %d\r\n" % (len(one) - 10)
        + one[10:]
        + b"BDAT 0 LAST\r\n"
        + b"MAIL FROM:<someone@remote.test>\r\nRCPT TO:<alice@example.test>\r\n"
        + b"BDAT %d LAST\r\n" % len(two)
        + two
        + b"NOOP\r\n"
    )
    replies = [client.reply()[0] for _ in range(9)]
    assert [r[:9] for r in replies] == [
        b"250 2.1.0",
        b"250 2.1.5",
        b"250 2.0.0",
        b"250 2.0.0",
        b"250 2.0.0",
        b"250 2.1.0",
        b"250 2.1.5",
        b"250 2.0.0",
        b"250 2.0.0",
    ]
    assert replies[4].startswith(b"250 2.0.0 OK: queued")
    stored = inbox_raw(alice_tx)
    assert len(stored) == 2
    assert any(m.endswith(one) for m in stored) and any(m.endswith(two) for m in stored)


def test_size_limit_applies_across_chunks(settings, raw, alice_tx):
    settings.MAIL_MAX_MESSAGE_SIZE = 1000
    client = raw()
    transaction(client)
    client.send(b"BDAT 600\r\n" + b"a" * 600 + b"BDAT 600\r\n" + b"NOOP\r\n" * 100)
    assert client.reply()[0].startswith(b"250 2.0.0")
    assert client.reply() == [protocol.TOO_MUCH_DATA.encode()]
    # The transaction failed (RFC 3030 2): a pipelined next chunk is read and refused.
    assert client.bdat(b"5 LAST", b"hello")[0].startswith(b"503 5.5.1")
    assert client.command(b"NOOP") == [b"250 2.0.0 OK"]
    assert inbox_raw(alice_tx) == []


def test_bdat_outside_a_transaction_is_read_then_refused(raw):
    client = raw()
    client.command(b"EHLO x")
    # The chunk holds commands: they must be swallowed as data, never run.
    smuggled = b"RSET\r\nQUIT\r\n"
    assert client.bdat(b"%d" % len(smuggled), smuggled) == [protocol.NEED_MAIL.encode()]
    client.command(b"MAIL FROM:<someone@remote.test>")
    assert client.bdat(b"4 LAST", b"QUIT") == [protocol.NEED_RCPT.encode()]
    assert client.command(b"NOOP") == [b"250 2.0.0 OK"]


def test_bdat_before_starttls_is_read_then_refused(transactional_db, tmp_path):
    # Submission insists on STARTTLS first (RFC 3207 4): a BDAT refused for that must
    # still swallow its chunk (RFC 3030 2), or the chunk's lines would run as commands.
    config, tls = loopback_config(
        tmp_path, "mail.example.test", submission_port=free_port(), allow_plaintext_auth=False
    )
    with running(server.submission(config, tls)):
        client = Raw(config.submission_port)
        try:
            client.command(b"EHLO x")
            smuggled = b"QUIT\r\nRSET\r\n"
            assert client.bdat(b"%d" % len(smuggled), smuggled) == [
                protocol.STARTTLS_FIRST.encode()
            ]
            assert client.bdat(b"4 LAST", b"QUIT") == [protocol.STARTTLS_FIRST.encode()]
            assert client.command(b"MAIL FROM:<a@example.test>") == [
                protocol.STARTTLS_FIRST.encode()
            ]
            assert client.command(b"NOOP") == [b"250 2.0.0 OK"]
        finally:
            client.close()


def test_data_after_bdat_is_refused(raw, alice_tx):
    client = raw()
    transaction(client)
    client.bdat(b"3", b"abc")
    assert client.command(b"DATA") == [protocol.DATA_AFTER_BDAT.encode()]
    assert client.command(b"RSET") == [b"250 2.0.0 OK"]


@pytest.mark.parametrize(
    "arg", [b"", b" abc", b" -1", b" 12x", b" 99999999999999999999 LAST", b" 5 FINAL"]
)
def test_bdat_without_a_readable_size_ends_the_session(raw, arg):
    client = raw()
    client.command(b"EHLO x")
    assert client.command(b"BDAT" + arg) == [protocol.BDAT_SYNTAX.encode()]
    assert client.closed()


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
def test_client_leaving_mid_chunk_logs_no_error(raw, alice_tx, caplog, reset):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="mail.log")  # aiosmtpd, WARNING in settings
    client = raw()
    transaction(client)
    client.send(b"BDAT 100000\r\n" + b"x" * 5000)
    if reset:
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    time.sleep(0.3)
    other = raw()
    assert other.command(b"NOOP") == [b"250 OK"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    # The listener's records do reach caplog: the departure was noticed, at INFO.
    assert any("lost" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    assert inbox_raw(alice_tx) == []


def test_command_flood_is_cut_off(raw):
    client = raw()
    client.command(b"EHLO x")
    client.send(b"NOOP\r\n" * (protocol.DEFAULT_CALL_LIMITS["NOOP"] + 1))
    replies = [client.reply()[0] for _ in range(protocol.DEFAULT_CALL_LIMITS["NOOP"] + 1)]
    assert replies[-1].startswith(b"421 4.7.0")
    assert client.closed()


def test_dsn_parameters_reach_the_queue(raw, alice_tx):
    client = raw()
    client.command(b"EHLO x")
    assert client.command(b"MAIL FROM:<someone@remote.test> RET=hdrs ENVID=QQ+2B314")[0].startswith(
        b"250 2.1.0"
    )
    assert client.command(
        b"RCPT TO:<alice@example.test> NOTIFY=delay,failure ORCPT=rfc822;Alice+40Example.TEST"
    )[0].startswith(b"250 2.1.5")
    client.command(b"DATA")
    assert client.command(HEADERS + b"Hi\r\n.")[0].startswith(b"250 2.0.0")
    message = QueuedMessage.objects.get()
    assert (message.ret, message.envid) == ("HDRS", "QQ+314")
    rcpt = QueueRecipient.objects.get(message=message)
    assert (rcpt.notify, rcpt.orcpt) == ("FAILURE,DELAY", "rfc822;Alice@Example.TEST")


class Recording:
    """A handler that keeps the envelopes it is given."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse, self.envelopes = refuse, []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address == self.refuse:
            return "550 5.1.1 No"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 2.0.0 Queued"


class BareListener:
    """MailSMTP with a test handler, outside the server's listeners."""

    def __init__(self, handler, port: int, **options) -> None:
        self.handler, self.port, self.options, self.server = handler, port, options, None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: MailSMTP(self.handler, hostname="mx.test", loop=loop, **self.options),
            "127.0.0.1",
            self.port,
        )

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()


def test_dsn_parameters_on_the_envelope_per_accepted_recipient():
    handler, port = Recording(refuse="no@x.test"), free_port()
    with running(BareListener(handler, port)):
        client = Raw(port)
        client.command(b"EHLO x")
        client.command(b"MAIL FROM:<a@x.test> ENVID=Id+2B1 RET=FULL BODY=BINARYMIME")
        assert client.command(b"RCPT TO:<b@x.test> NOTIFY=SUCCESS ORCPT=rfc822;B+40x.test")[
            0
        ].startswith(b"250")
        assert client.command(b"RCPT TO:<no@x.test> NOTIFY=NEVER")[0].startswith(b"550")
        assert client.command(b"RCPT TO:<c@x.test>")[0].startswith(b"250")
        assert client.bdat(b"3 LAST", b"abc") == [b"250 2.0.0 Queued"]
        client.command(b"MAIL FROM:<a@x.test>")
        client.command(b"RCPT TO:<b@x.test>")
        client.bdat(b"0 LAST")
        client.close()
    first, second = handler.envelopes
    assert (first.dsn_ret, first.dsn_envid, first.binarymime) == ("FULL", "Id+1", True)
    assert first.dsn_rcpt == {"b@x.test": ("SUCCESS", "rfc822;B@x.test"), "c@x.test": ("", "")}
    assert first.original_content == first.content == b"abc"
    assert (second.dsn_ret, second.dsn_envid, second.binarymime) == ("", "", False)
    assert second.dsn_rcpt == {"b@x.test": ("", "")}
    assert second.original_content == b""


def test_smtputf8_and_8bitmime_still_work(mta, alice_tx):
    raw_message = HEADERS + "Grüße\r\n".encode()
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.ehlo("x")
        client.sendmail(
            "jürgen@remote.test",
            ["alice@example.test"],
            raw_message,
            mail_options=["SMTPUTF8", "BODY=8BITMIME"],
        )
    [stored] = inbox_raw(alice_tx)
    assert stored.endswith(raw_message)


def test_idle_client_is_told_before_the_timeout_closes_the_session():
    port = free_port()
    with running(BareListener(Recording(), port, timeout=0.3)):
        client = Raw(port)
        client.command(b"EHLO x")
        assert client.reply() == [b"421 4.4.2 mx.test Error: timeout exceeded"]
        assert client.closed()
        client.close()


def test_each_command_moves_the_idle_timeout_on():
    port = free_port()
    with running(BareListener(Recording(), port, timeout=0.5)):
        client = Raw(port)
        client.command(b"EHLO x")
        start = time.monotonic()
        while time.monotonic() - start < 1.2:  # busy for more than twice the timeout
            time.sleep(0.15)
            assert client.command(b"NOOP") == [b"250 2.0.0 OK"]
            last = time.monotonic()
        assert client.reply() == [b"421 4.4.2 mx.test Error: timeout exceeded"]
        assert 0.45 < time.monotonic() - last < 5  # counted from the last command
        assert client.closed()
        client.close()


@pytest.mark.parametrize("path", [b"<", b'"', b"<@"])
def test_an_address_the_parser_chokes_on_is_a_syntax_error(raw, path):
    client = raw()
    client.command(b"EHLO x")
    [reply] = client.command(b"MAIL FROM:" + path)
    assert reply.startswith(b"5") and b"Error: (" not in reply, reply
    assert client.command(b"NOOP") == [b"250 2.0.0 OK"]


def test_data_refusals_read_to_the_end_mark_and_the_session_goes_on(settings, raw, alice_tx):
    settings.MAIL_MAX_MESSAGE_SIZE = 2000
    client = raw()
    transaction(client)
    assert client.command(b"DATA")[0].startswith(b"354")
    client.send(HEADERS + b"x" * 1000 + b"\r\n.\r\n")  # 1002 octets with the CRLF
    assert client.reply() == [b"500 5.5.6 Line too long (see RFC5321 4.5.3.1.6)"]
    assert client.command(b"MAIL FROM:<someone@remote.test>")[0].startswith(b"250 2.1.0")
    assert client.command(b"RCPT TO:<alice@example.test>")[0].startswith(b"250 2.1.5")
    assert client.command(b"DATA")[0].startswith(b"354")
    client.send(HEADERS + (b"y" * 70 + b"\r\n") * 40 + b".\r\n")
    assert client.reply() == [protocol.TOO_MUCH_DATA.encode()]
    assert client.command(b"NOOP") == [b"250 2.0.0 OK"]
    assert inbox_raw(alice_tx) == []


def test_data_end_mark_with_pipelined_commands_behind_it(raw, alice_tx):
    client = raw()
    transaction(client)
    assert client.command(b"DATA")[0].startswith(b"354")
    body = b"..leading dot\r\n..\r\n\r\n.x\r\nlast"
    # The end mark, then the next transaction, all in one write: nothing of it may be
    # taken for message text.
    client.send(
        HEADERS + body + b"\r\n.\r\nMAIL FROM:<someone@remote.test>\r\n"
        b"RCPT TO:<alice@example.test>\r\nDATA\r\n"
    )
    assert client.reply()[0].startswith(b"250 2.0.0")
    assert client.reply()[0].startswith(b"250 2.1.0")
    assert client.reply()[0].startswith(b"250 2.1.5")
    assert client.reply()[0].startswith(b"354")
    client.send(b".\r\n")  # an empty message
    assert client.reply()[0].startswith(b"250 2.0.0")
    stored = inbox_raw(alice_tx)
    assert len(stored) == 2
    assert any(m.endswith(HEADERS + b".leading dot\r\n.\r\n\r\nx\r\nlast\r\n") for m in stored)
