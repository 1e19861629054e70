"""The POP3 state machine driven line by line, without sockets, over a fake maildrop."""

from __future__ import annotations

import asyncio
import base64

import pytest

from mailcore.pop3 import responses as r
from mailcore.pop3.session import (
    MAX_BAD_COMMANDS,
    InUse,
    LoginResult,
    Message,
    MessageGone,
    Session,
    State,
    TemporaryFailure,
)
from mailcore.pop3.wire import wire_form

MESSAGES = [
    b"Subject: one\r\n\r\nfirst body\r\n",
    b"Subject: two\n\n.dotted\nline\n",
    b"Subject: three\r\n\r\n1\r\n2\r\n3\r\n",
]


class FakeMaildrop:
    def __init__(self, raws=MESSAGES, *, in_use=False, fail_remove=False) -> None:
        self.raws = {n: raw for n, raw in enumerate(raws, 1)}
        self.in_use, self.fail_remove = in_use, fail_remove
        self.removed: list[int] = []
        self.released = 0
        self.failures = 0

    async def blocked(self, peer: str) -> bool:
        return self.failures >= 3

    async def login(self, username: str, password: str, peer: str) -> LoginResult:
        if (username, password) == ("alice@example.test", "alice-pw"):
            return LoginResult(True)
        self.failures += 1
        return LoginResult(False, 0.0, self.failures >= 3)

    async def open(self) -> list[Message]:
        if self.in_use:
            raise InUse()
        return [
            Message(uid, len(wire_form(raw)), f"7.{uid}", uid) for uid, raw in self.raws.items()
        ]

    async def keep_alive(self) -> None:
        pass

    async def retrieve(self, message: Message) -> bytes:
        if message.uid not in self.raws:
            raise MessageGone()
        return wire_form(self.raws[message.uid])

    async def remove(self, uids: list[int]) -> int:
        if self.fail_remove:
            raise TemporaryFailure("db down")
        self.removed += uids
        return len(uids)

    async def release(self) -> None:
        self.released += 1


def run(session: Session, line: str | bytes) -> bytes:
    data = line if isinstance(line, bytes) else line.encode() + b"\r\n"
    return asyncio.run(session.handle(data)).data


def login(session: Session) -> None:
    run(session, "USER alice@example.test")
    assert run(session, "PASS alice-pw").startswith(b"+OK")


@pytest.fixture
def drop():
    return FakeMaildrop()


@pytest.fixture
def session(drop):
    return Session(drop, tls=True)


def test_greeting_and_capa_before_and_after_login(drop):
    s = Session(drop, tls=False, plaintext_auth=False)
    assert s.greeting().startswith(b"+OK")
    capa = run(s, "CAPA").decode()
    assert "STLS\r\n" in capa and "USER" not in capa and "SASL" not in capa
    for cap in ("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER"):
        assert f"{cap}\r\n" in capa
    assert "IMPLEMENTATION " in capa and capa.endswith(".\r\n")
    s.tls_started()
    capa = run(s, "CAPA").decode()
    assert "USER\r\n" in capa and "SASL PLAIN\r\n" in capa and "STLS" not in capa
    login(s)
    capa = run(s, "CAPA").decode()
    assert "USER" not in capa and "SASL" not in capa and "TOP\r\n" in capa


def test_credentials_refused_before_tls(drop):
    s = Session(drop, tls=False)
    assert run(s, "USER alice@example.test").decode().rstrip() == r.TLS_REQUIRED
    assert run(s, "PASS alice-pw").decode().rstrip() == r.TLS_REQUIRED
    assert run(s, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1wdw==").decode().rstrip() == (
        r.TLS_REQUIRED
    )
    stls = asyncio.run(s.handle(b"STLS\r\n"))
    assert stls.start_tls and stls.data.startswith(b"+OK")
    s.tls_started()
    assert run(s, "STLS").decode().rstrip() == r.ALREADY_TLS
    login(s)


def test_plaintext_allowed_by_config(drop):
    s = Session(drop, tls=False, plaintext_auth=True)
    assert b"USER\r\n" in run(s, "CAPA")
    login(s)
    assert s.state is State.TRANSACTION


def test_user_pass_failure_is_auth_coded_and_needs_user_again(session):
    assert run(session, "PASS x").decode().rstrip() == r.USER_FIRST
    run(session, "USER alice@example.test")
    assert run(session, "PASS wrong").decode().rstrip() == r.AUTH_FAILED
    assert run(session, "PASS alice-pw").decode().rstrip() == r.USER_FIRST
    assert session.state is State.AUTHORIZATION


def test_blocked_after_repeated_failures(session):
    for _ in range(2):
        run(session, "USER alice@example.test")
        run(session, "PASS wrong")
    run(session, "USER alice@example.test")
    reply = asyncio.run(session.handle(b"PASS wrong\r\n"))
    assert reply.close and reply.data.decode().rstrip() == r.AUTH_BLOCKED


def test_auth_plain_initial_response_and_continuation(drop):
    token = base64.b64encode(b"\x00alice@example.test\x00alice-pw").decode()
    s = Session(drop, tls=True)
    assert run(s, f"AUTH PLAIN {token}").startswith(b"+OK maildrop locked")
    s = Session(drop, tls=True)
    assert run(s, "AUTH PLAIN") == b"+ \r\n"
    assert run(s, token).startswith(b"+OK")
    s = Session(drop, tls=True)
    run(s, "AUTH PLAIN")
    assert run(s, "*").decode().rstrip() == r.AUTH_CANCELLED
    run(s, "AUTH PLAIN")
    assert run(s, "@@@").decode().rstrip() == r.AUTH_BAD_RESPONSE
    assert run(s, "AUTH CRAM-MD5").decode().rstrip() == r.UNSUPPORTED_MECHANISM
    assert run(s, "AUTH") == b"+OK SASL mechanisms follow\r\nPLAIN\r\n.\r\n"
    other = base64.b64encode(b"bob@example.test\x00alice@example.test\x00alice-pw").decode()
    assert run(s, f"AUTH PLAIN {other}").decode().rstrip() == r.AUTH_FAILED


def test_in_use(session):
    s = Session(FakeMaildrop(in_use=True), tls=True)
    run(s, "USER alice@example.test")
    assert run(s, "PASS alice-pw").decode().rstrip() == r.IN_USE
    assert s.state is State.AUTHORIZATION


def test_transaction_commands_refused_before_login(session):
    for cmd in ("STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "TOP 1 1", "UIDL"):
        assert run(session, cmd).decode().rstrip() == r.NOT_IN_STATE


def test_stat_list_uidl_counts_match_retr(session):
    login(session)
    sizes = [len(wire_form(raw)) for raw in MESSAGES]
    assert run(session, "STAT") == f"+OK 3 {sum(sizes)}\r\n".encode()
    listing = run(session, "LIST").decode().split("\r\n")
    assert listing[1:4] == [f"{n} {s}" for n, s in enumerate(sizes, 1)]
    assert run(session, "LIST 2") == f"+OK 2 {sizes[1]}\r\n".encode()
    assert run(session, "UIDL 3") == b"+OK 3 7.3\r\n"
    assert run(session, "UIDL").endswith(b"1 7.1\r\n2 7.2\r\n3 7.3\r\n.\r\n")
    retr = run(session, "RETR 2")
    assert retr == f"+OK {sizes[1]} octets\r\n".encode() + (
        b"Subject: two\r\n\r\n..dotted\r\nline\r\n.\r\n"
    )


def test_top(session):
    login(session)
    assert run(session, "TOP 3 0") == b"+OK top of message follows\r\nSubject: three\r\n\r\n.\r\n"
    assert run(session, "TOP 3 2").endswith(b"\r\n\r\n1\r\n2\r\n.\r\n")


def test_dele_rset_and_quit_remove_in_update_state(session, drop):
    login(session)
    assert run(session, "DELE 1") == b"+OK message 1 deleted\r\n"
    assert run(session, "DELE 1").decode().rstrip() == r.ALREADY_DELETED.format(msg=1)
    assert run(session, "RETR 1").decode().rstrip() == r.ALREADY_DELETED.format(msg=1)
    assert run(session, "STAT").startswith(b"+OK 2 ")
    assert b"\r\n1 " not in run(session, "LIST")
    assert run(session, "RSET").startswith(b"+OK maildrop has 3 messages")
    run(session, "DELE 2")
    run(session, "DELE 3")
    reply = asyncio.run(session.handle(b"QUIT\r\n"))
    assert reply.close and reply.data == b"+OK bye, 2 messages deleted\r\n"
    assert drop.removed == [2, 3] and drop.released == 1
    assert session.state is State.UPDATE


def test_dropped_connection_removes_nothing(session, drop):
    login(session)
    run(session, "DELE 1")
    asyncio.run(session.close())
    assert drop.removed == [] and drop.released == 1


def test_quit_failure_is_sys_temp(drop):
    s = Session(FakeMaildrop(fail_remove=True), tls=True)
    login(s)
    run(s, "DELE 1")
    reply = asyncio.run(s.handle(b"QUIT\r\n"))
    assert reply.close and reply.data.decode().rstrip() == r.QUIT_FAILED


def test_quit_in_authorization(session, drop):
    reply = asyncio.run(session.handle(b"QUIT\r\n"))
    assert reply.close and reply.data == b"+OK bye\r\n"
    assert drop.removed == []


def test_no_such_message_and_message_gone(session, drop):
    login(session)
    assert run(session, "RETR 4").decode().rstrip() == r.NO_SUCH_MESSAGE
    assert run(session, "LIST 9").decode().rstrip() == r.NO_SUCH_MESSAGE
    del drop.raws[2]
    assert run(session, "RETR 2").decode().rstrip() == r.MESSAGE_GONE.format(msg=2)


def test_bad_commands_get_err_then_the_connection_drops(session):
    login(session)
    assert run(session, "FOO").decode().rstrip() == r.UNKNOWN_COMMAND
    assert run(session, "RETR x").startswith(b"-ERR syntax error")
    assert run(session, "NOOP") == b"+OK\r\n"  # a good command resets the count
    for _ in range(MAX_BAD_COMMANDS - 1):
        assert not asyncio.run(session.handle(b"garbage\r\n")).close
    reply = asyncio.run(session.handle(b"garbage\r\n"))
    assert reply.close and reply.data.decode().rstrip() == r.TOO_MANY_ERRORS


def test_apop_is_refused_clearly(session):
    assert run(session, "APOP alice 0123456789abcdef").decode().rstrip() == r.APOP_UNSUPPORTED
