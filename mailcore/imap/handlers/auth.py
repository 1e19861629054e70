"""LOGIN and AUTHENTICATE PLAIN (RFC 3501 6.2, RFC 4616, RFC 4959 SASL-IR).

Both are refused before TLS unless MAIL_ALLOW_PLAINTEXT_AUTH is set (RFC 3501 6.2.3,
LOGINDISABLED). Failures are counted per peer by mailcore.auth.throttle, as for SMTP
and POP3, and a connection that fails too often is closed.
"""

from __future__ import annotations

from mailcore.auth import credentials, throttle

from .. import commands as c
from ..responses import (
    AUTHENTICATIONFAILED,
    NO,
    PRIVACYREQUIRED,
    Bad,
    No,
    Reply,
    status_line,
    untagged,
)
from ..session import MAX_AUTH_FAILURES, Session, decode_sasl

THROTTLE_SCOPE = "imap"


def login(session: Session, cmd: c.Login) -> Reply:
    if not session.auth_allowed:
        raise No("LOGIN is disabled before STARTTLS", PRIVACYREQUIRED)
    return _check(session, cmd.tag, cmd.username, cmd.password)


def authenticate(session: Session, cmd: c.Authenticate) -> Reply:
    if cmd.mechanism != "PLAIN":
        raise No(f"unsupported mechanism {cmd.mechanism}", "CANNOT")
    if not session.auth_allowed:
        raise No("authentication is disabled before STARTTLS", PRIVACYREQUIRED)
    if cmd.initial_response is not None:
        return _plain(session, cmd.tag, decode_sasl(cmd.initial_response))
    session.pending_tag = cmd.tag
    session.pending = lambda line: _plain(
        session, cmd.tag, decode_sasl(line.decode("ascii", "replace"))
    )
    return Reply(continuation=b"+ \r\n")


def _plain(session: Session, tag: str, data: bytes) -> Reply:
    # RFC 4616: [authzid] NUL authcid NUL passwd; acting as another user is not offered.
    try:
        authzid, authcid, password = data.decode("utf-8").split("\x00")
    except (UnicodeDecodeError, ValueError):
        raise Bad("malformed PLAIN response") from None
    if authzid and authzid.lower() != authcid.lower():
        raise No("authorization identity not permitted", AUTHENTICATIONFAILED)
    return _check(session, tag, authcid, password)


def _check(session: Session, tag: str, username: str, password: str) -> Reply:
    if throttle.is_blocked(THROTTLE_SCOPE, session.peer):
        raise No("too many failed attempts, try again later", "UNAVAILABLE")
    account = credentials.check_password(username, password)
    if account is None:
        verdict = throttle.record_failure(THROTTLE_SCOPE, session.peer)
        session.auth_failures += 1
        lines = [status_line(tag, NO, "invalid credentials", AUTHENTICATIONFAILED)]
        give_up = verdict.blocked or session.auth_failures >= MAX_AUTH_FAILURES
        if give_up:
            lines.append(untagged("BYE too many authentication failures"))
        return Reply(lines, close=give_up, delay=verdict.delay)
    throttle.record_success(THROTTLE_SCOPE, session.peer)
    session.login_as(account)
    caps = " ".join(session.capabilities())
    return session.ok(tag, "logged in", f"CAPABILITY {caps}")
