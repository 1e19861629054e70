"""Commands valid in any state (RFC 3501 6.1), ENABLE, CHECK, STARTTLS and IDLE."""

from __future__ import annotations

from .. import commands as c
from ..responses import Bad, Reply, status_line, untagged
from ..session import IMPLEMENTATION, Session, State
from ..wire import nstring, quoted

# RFC 2971 3.3: keep it short, no secrets.
SERVER_ID = (("name", IMPLEMENTATION), ("vendor", "webmail project"), ("support-url", None))


def capability(session: Session, cmd: c.Capability) -> Reply:
    line = untagged("CAPABILITY " + " ".join(session.capabilities()))
    return session.ok(cmd.tag, "CAPABILITY completed", lines=[line])


def noop(session: Session, cmd: c.Noop) -> Reply:
    return session.ok(cmd.tag, "NOOP completed")


def check(session: Session, cmd: c.Check) -> Reply:
    # Every change is committed when its command completes: nothing to checkpoint.
    return session.ok(cmd.tag, "CHECK completed")


def logout(session: Session, cmd: c.Logout) -> Reply:
    session.state = State.LOGOUT
    session.selected = None
    lines = [untagged("BYE logging out"), status_line(cmd.tag, b"OK", "LOGOUT completed")]
    return Reply(lines, close=True)


def id_(session: Session, cmd: c.Id) -> Reply:
    fields = b" ".join(quoted(k) + b" " + nstring(v) for k, v in SERVER_ID)
    return session.ok(cmd.tag, "ID completed", lines=[untagged(b"ID (" + fields + b")")])


def enable(session: Session, cmd: c.Enable) -> Reply:
    # RFC 5161: only extensions that need enabling and that we have are reported.
    enabled = []
    for name in cmd.capabilities:
        if name.upper() == "CONDSTORE" and "CONDSTORE" not in session.enabled:
            session.enable_condstore()
            enabled.append("CONDSTORE")
    line = untagged(" ".join(["ENABLED", *enabled]))
    return session.ok(cmd.tag, "ENABLE completed", lines=[line])


def starttls(session: Session, cmd: c.StartTLS) -> Reply:
    if session.tls or not session.settings.tls_available:
        raise Bad("TLS is already active")
    reply = session.ok(cmd.tag, "Begin TLS negotiation now")
    reply.starttls = True
    return reply


def idle(session: Session, cmd: c.Idle) -> Reply:
    # RFC 2177: the server sends "+ idling", then reports updates as they happen until
    # the client sends DONE; the server drives that loop (mailcore.imap.server).
    return Reply([b"+ idling\r\n"], idle=True)


def idle_updates(session: Session) -> list[bytes]:
    """Untagged updates while idling: EXPUNGE is allowed (no command is a FETCH)."""
    if session.selected is None:
        return []
    return session.selected.poll(allow_expunge=True)


def idle_done(session: Session, tag: str) -> Reply:
    lines = idle_updates(session)
    return Reply([*lines, status_line(tag, b"OK", "IDLE terminated")])
