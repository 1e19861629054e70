"""POP3 with poplib against the real listeners: TLS and login, exact octet counts,
byte-stuffing, UIDL stability, deletion only at QUIT, the maildrop lock, errors."""

from __future__ import annotations

import base64
import poplib
import socket
import time

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from support.listeners import client_tls, running

from mailcore import store
from mailcore.pop3 import responses as r
from mailcore.pop3 import server
from mailcore.pop3.maildrop import StoreMaildrop

CRLF_MESSAGE = (
    b"From: Bob <bob@remote.test>\r\nTo: alice@example.test\r\nSubject: crlf\r\n\r\n"
    b"Hello Alice.\r\nSecond line.\r\n"
)
LF_MESSAGE = (
    b"From: bob@remote.test\nTo: alice@example.test\nSubject: bare lf\n\n"
    b"one\n.leading dot\n..two dots\n.\nlast line without newline"
)
DOT_MESSAGE = b"From: bob@remote.test\r\nSubject: dots\r\n\r\n.\r\n.hidden\r\n...\r\nend\r\n"


def wire(raw: bytes) -> bytes:
    out = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return out if out.endswith(b"\r\n") else out + b"\r\n"


def connect(port: int) -> poplib.POP3:
    client = poplib.POP3("127.0.0.1", port, timeout=10)
    client.stls(context=client_tls())
    return client


def login(port: int) -> poplib.POP3:
    client = connect(port)
    client.user("alice@example.test")
    client.pass_("alice-pw")
    return client


def err_of(call, *args) -> str:
    with pytest.raises(poplib.error_proto) as exc:
        call(*args)
    return exc.value.args[0].decode()


def test_capa_offers_stls_then_user_and_sasl(ports):
    client = poplib.POP3("127.0.0.1", ports.pop3_port, timeout=10)
    caps = client.capa()
    assert "STLS" in caps and "USER" not in caps and "SASL" not in caps
    for cap in ("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE"):
        assert cap in caps
    assert caps["EXPIRE"] == ["NEVER"] and caps["IMPLEMENTATION"]
    client.stls(context=client_tls())
    caps = client.capa()
    assert "USER" in caps and caps["SASL"] == ["PLAIN"] and "STLS" not in caps
    client.quit()


def test_plaintext_login_refused_before_tls(ports, mailbox):
    client = poplib.POP3("127.0.0.1", ports.pop3_port, timeout=10)
    assert err_of(client.user, "alice@example.test") == r.TLS_REQUIRED
    assert err_of(client.pass_, "alice-pw") == r.TLS_REQUIRED
    assert err_of(client._shortcmd, "AUTH PLAIN AGEAYg==") == r.TLS_REQUIRED
    client.quit()


def test_plaintext_login_when_allowed(plaintext_port, mailbox):
    client = poplib.POP3("127.0.0.1", plaintext_port, timeout=10)
    assert "USER" in client.capa()
    client.user("alice@example.test")
    assert client.pass_("alice-pw").startswith(b"+OK")
    client.quit()


def test_user_pass_after_stls_and_exact_counts(ports, mailbox):
    _, _, put = mailbox
    raws = [CRLF_MESSAGE, LF_MESSAGE, DOT_MESSAGE]
    put(*raws)
    client = login(ports.pop3_port)
    count, octets = client.stat()
    assert (count, octets) == (3, sum(len(wire(raw)) for raw in raws))
    _, listing, _ = client.list()
    sizes = [int(line.split()[1]) for line in listing]
    assert sizes == [len(wire(raw)) for raw in raws]
    assert client.list(2) == f"+OK 2 {sizes[1]}".encode()
    for n, raw in enumerate(raws, 1):
        resp, lines, received = client.retr(n)
        assert received == sizes[n - 1]
        assert resp == f"+OK {received} octets".encode()
        assert b"\r\n".join(lines) + b"\r\n" == wire(raw)
    client.quit()


def test_auth_plain_with_and_without_initial_response(ports, mailbox):
    token = base64.b64encode(b"\x00alice@example.test\x00alice-pw").decode()
    client = connect(ports.pop3_port)
    assert client._shortcmd(f"AUTH PLAIN {token}").startswith(b"+OK")
    client.quit()
    client = connect(ports.pop3_port)
    client._putcmd("AUTH PLAIN")
    assert client._getline()[0] == b"+ "
    assert client._shortcmd(token).startswith(b"+OK")
    client.quit()
    client = connect(ports.pop3_port)
    bad = base64.b64encode(b"\x00alice@example.test\x00wrong").decode()
    assert err_of(client._shortcmd, f"AUTH PLAIN {bad}") == r.AUTH_FAILED
    client.quit()


def test_pop3s_implicit_tls(ports, mailbox):
    _, _, put = mailbox
    put(CRLF_MESSAGE)
    client = poplib.POP3_SSL("127.0.0.1", ports.pop3s_port, timeout=10, context=client_tls())
    assert "STLS" not in client.capa()
    client.user("alice@example.test")
    client.pass_("alice-pw")
    assert client.stat() == (1, len(CRLF_MESSAGE))
    client.quit()


def test_top(ports, mailbox):
    _, _, put = mailbox
    put(LF_MESSAGE)
    client = login(ports.pop3_port)
    _, lines, _ = client.top(1, 0)
    assert lines[-1] == b"" and lines[0] == b"From: bob@remote.test"
    _, lines, _ = client.top(1, 2)
    assert lines[-2:] == [b"one", b".leading dot"]
    client.quit()


def test_uidl_is_stable_across_sessions(ports, mailbox):
    _alice, inbox, put = mailbox
    uids = put(CRLF_MESSAGE, DOT_MESSAGE, LF_MESSAGE)
    client = login(ports.pop3_port)
    _, first, _ = client.uidl()
    assert first == [f"{n} {inbox.uidvalidity}.{uid}".encode() for n, uid in enumerate(uids, 1)]
    client.dele(1)
    client.quit()
    put(CRLF_MESSAGE)
    client = login(ports.pop3_port)
    _, second, _ = client.uidl()
    assert [line.split()[1] for line in second[:2]] == [line.split()[1] for line in first[1:]]
    assert client.uidl(1).split()[2] == first[1].split()[1]
    client.quit()


def test_dele_and_quit_expunge_through_the_store(ports, mailbox):
    alice, inbox, put = mailbox
    uids = put(CRLF_MESSAGE, DOT_MESSAGE, LF_MESSAGE)
    # An IMAP-style observer remembers where it was, as an IMAP session does.
    seen = store.folder_status(alice, inbox).highestmodseq
    client = login(ports.pop3_port)
    client.dele(1)
    client.dele(3)
    assert err_of(client.retr, 1) == r.ALREADY_DELETED.format(msg=1)
    assert client.stat() == (1, len(DOT_MESSAGE))
    assert store.uid_list(alice, inbox) == uids  # nothing happens before QUIT
    assert client.quit() == b"+OK bye, 2 messages deleted"
    assert store.uid_list(alice, inbox) == [uids[1]]
    changes = store.changes_since(alice, inbox, seen)
    assert sorted(c.uid for c in changes if c.action == "expunged") == [uids[0], uids[2]]


def test_dropped_connection_keeps_everything(ports, mailbox):
    alice, inbox, put = mailbox
    uids = put(CRLF_MESSAGE, DOT_MESSAGE)
    client = login(ports.pop3_port)
    client.dele(1)
    client.dele(2)
    client.sock.close()  # no QUIT
    assert store.uid_list(alice, inbox) == uids
    # The lock goes with the connection: the next session gets in.
    deadline = time.monotonic() + 5
    while True:
        client = connect(ports.pop3_port)
        client.user("alice@example.test")
        try:
            client.pass_("alice-pw")
            break
        except poplib.error_proto:
            assert time.monotonic() < deadline
            client.quit()
            time.sleep(0.05)
    assert client.stat()[0] == 2
    client.quit()
    assert store.uid_list(alice, inbox) == uids


def test_rset_undeletes(ports, mailbox):
    alice, inbox, put = mailbox
    uids = put(CRLF_MESSAGE, DOT_MESSAGE)
    client = login(ports.pop3_port)
    client.dele(1)
    assert client.rset().startswith(b"+OK maildrop has 2 messages")
    assert client.stat()[0] == 2
    assert client.quit() == b"+OK bye, 0 messages deleted"
    assert store.uid_list(alice, inbox) == uids


def test_second_session_is_refused_in_use(ports, mailbox):
    first = login(ports.pop3_port)
    second = connect(ports.pop3_port)
    second.user("alice@example.test")
    assert err_of(second.pass_, "alice-pw") == r.IN_USE
    first.quit()
    second.user("alice@example.test")
    assert second.pass_("alice-pw").startswith(b"+OK")
    second.quit()


def test_bad_commands_get_err_and_the_session_continues(ports, mailbox):
    _, _, put = mailbox
    put(CRLF_MESSAGE)
    client = login(ports.pop3_port)
    assert err_of(client._shortcmd, "XYZZY") == r.UNKNOWN_COMMAND
    assert err_of(client._shortcmd, "RETR x").startswith("-ERR syntax error")
    assert err_of(client._shortcmd, "RETR 0").startswith("-ERR syntax error")
    assert err_of(client.retr, 5) == r.NO_SUCH_MESSAGE
    assert err_of(client._shortcmd, "NOOP " + "x" * 2000).startswith("-ERR syntax error")
    assert err_of(client._shortcmd, "NOOP " + "x" * 20000).startswith("-ERR syntax error")
    assert err_of(client._shortcmd, "STLS") == r.NOT_IN_STATE
    assert client.noop() == b"+OK"
    assert client.stat()[0] == 1
    client.quit()


def test_repeated_garbage_drops_the_connection(ports):
    with socket.create_connection(("127.0.0.1", ports.pop3_port), timeout=10) as sock:
        sock.sendall(b"garbage\r\n" * 20)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.count(b"-ERR") == 10 and data.rstrip().endswith(r.TOO_MANY_ERRORS.encode())


def test_commands_pipelined_after_stls_are_not_honoured(ports):
    with socket.create_connection(("127.0.0.1", ports.pop3_port), timeout=10) as sock:
        sock.recv(1024)
        sock.sendall(b"STLS\r\nCAPA\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data == b""  # hung up: no TLS, and CAPA never answered


def test_failed_login_throttled(ports, mailbox):
    client = connect(ports.pop3_port)
    client.user("alice@example.test")
    assert err_of(client.pass_, "wrong") == r.AUTH_FAILED
    cache.set("authfail:pop3:127.0.0.1:blocked", 1, 60)
    client.user("alice@example.test")
    assert err_of(client.pass_, "alice-pw") == r.AUTH_BLOCKED
    client.close()


def test_store_failures_are_sys_temp_and_no_traceback_reaches_the_client(
    ports, mailbox, monkeypatch
):
    def broken(self):
        raise DatabaseError("disk on fire")

    monkeypatch.setattr(StoreMaildrop, "_snapshot", broken)
    client = connect(ports.pop3_port)
    client.user("alice@example.test")
    assert err_of(client.pass_, "alice-pw") == r.TEMPORARY_FAILURE

    def buggy(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(StoreMaildrop, "_snapshot", buggy)
    client.user("alice@example.test")
    assert err_of(client.pass_, "alice-pw") == r.INTERNAL_ERROR
    monkeypatch.undo()
    client.user("alice@example.test")  # the lock was given back both times
    assert client.pass_("alice-pw").startswith(b"+OK")
    client.quit()


def test_connection_limit(pop_config, mailbox):
    config, tls = pop_config
    listener = server.pop3(config, tls)
    listener.max_connections = 1
    with running(listener):
        first = poplib.POP3("127.0.0.1", config.pop3_port, timeout=10)
        with pytest.raises(poplib.error_proto) as exc:
            poplib.POP3("127.0.0.1", config.pop3_port, timeout=10)
        assert exc.value.args[0].decode() == r.TOO_MANY_CONNECTIONS
        first.quit()


def test_autologout(pop_config):
    config, tls = pop_config
    listener = server.pop3(config, tls)
    listener.timeout = 0.3
    with (
        running(listener),
        socket.create_connection(("127.0.0.1", config.pop3_port), timeout=10) as sock,
    ):
        data = b""
        while chunk := sock.recv(1024):
            data += chunk
    assert data.endswith(r.AUTOLOGOUT.encode() + b"\r\n")
