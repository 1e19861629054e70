"""The IMAP session: RFC 3501's state machine over the store, without sockets.

The server hands it one parsed command at a time and writes what comes back (a `Reply`).
Every call runs in a database worker thread (the async seam), so handlers use the store
directly. States (RFC 3501 3): NOT_AUTHENTICATED, AUTHENTICATED, SELECTED, LOGOUT; one
gate, `_gate`, decides whether a command is allowed in the current state. Handlers live
in mailcore/imap/handlers, one module per family of commands.
"""

from __future__ import annotations

import base64
import binascii
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mailcore.models import Account

from . import commands as c
from .responses import BAD, NO, OK, Bad, Failure, No, Reply, status_line, untagged

if TYPE_CHECKING:
    from .selected import SelectedMailbox

log = logging.getLogger(__name__)

IMPLEMENTATION = "webmail"
MAX_AUTH_FAILURES = 3  # per connection, then BYE


class State(enum.Enum):
    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


ANY = {State.NOT_AUTHENTICATED, State.AUTHENTICATED, State.SELECTED}
AUTHED = {State.AUTHENTICATED, State.SELECTED}
ALLOWED: dict[type[c.Command], set[State]] = {
    c.Capability: ANY,
    c.Noop: ANY,
    c.Logout: ANY,
    c.Id: ANY,
    c.StartTLS: {State.NOT_AUTHENTICATED},
    c.Authenticate: {State.NOT_AUTHENTICATED},
    c.Login: {State.NOT_AUTHENTICATED},
    c.Enable: AUTHED,
    c.Select: AUTHED,
    c.Create: AUTHED,
    c.Delete: AUTHED,
    c.Rename: AUTHED,
    c.Subscribe: AUTHED,
    c.Unsubscribe: AUTHED,
    c.List: AUTHED,
    c.Lsub: AUTHED,
    c.Namespace: AUTHED,
    c.Status: AUTHED,
    c.Append: AUTHED,
    c.GetQuota: AUTHED,
    c.GetQuotaRoot: AUTHED,
    c.SetQuota: AUTHED,
    c.Idle: AUTHED,
    c.Check: {State.SELECTED},
    c.Close: {State.SELECTED},
    c.Unselect: {State.SELECTED},
    c.Expunge: {State.SELECTED},
    c.Search: {State.SELECTED},
    c.Fetch: {State.SELECTED},
    c.Store: {State.SELECTED},
    c.Copy: {State.SELECTED},
    c.Move: {State.SELECTED},
}
# RFC 3501 7.4.1: no EXPUNGE response while answering FETCH, STORE or SEARCH (the UID
# forms may send them).
NO_EXPUNGE_DURING = (c.Fetch, c.Store, c.Search)


@dataclass(frozen=True)
class Settings:
    hostname: str
    tls_available: bool = True  # STARTTLS can be offered (not on the implicit TLS port)
    plaintext_auth: bool = False  # MAIL_ALLOW_PLAINTEXT_AUTH


class Session:
    def __init__(self, settings: Settings, *, tls: bool, peer: str = "") -> None:
        self.settings, self.tls, self.peer = settings, tls, peer
        self.state = State.NOT_AUTHENTICATED
        self.account: Account | None = None
        self.selected: SelectedMailbox | None = None  # in the SELECTED state
        self.enabled: set[str] = set()
        self.auth_failures = 0
        self.pending: Callable[[bytes], Reply] | None = None  # awaits a continuation line
        self.pending_tag: str | None = None
        # Untagged lines a handler queued for the current command's response.
        self.notices: list[bytes] = []

    # --- capabilities -----------------------------------------------------------------

    @property
    def auth_allowed(self) -> bool:
        return self.tls or self.settings.plaintext_auth

    def capabilities(self) -> list[str]:
        caps = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE"]
        if self.state is State.NOT_AUTHENTICATED:
            if not self.tls and self.settings.tls_available:
                caps.append("STARTTLS")
            caps += ["AUTH=PLAIN"] if self.auth_allowed else ["LOGINDISABLED"]
            return caps
        return [
            *caps,
            "UIDPLUS",
            "MOVE",
            "SPECIAL-USE",
            "CHILDREN",
            "UNSELECT",
            "CONDSTORE",
            "ESEARCH",
            "QUOTA",
            "QUOTA=RES-STORAGE",
            "LIST-EXTENDED",
        ]

    def greeting(self) -> bytes:
        caps = " ".join(self.capabilities())
        return untagged(f"OK [CAPABILITY {caps}] {self.settings.hostname} IMAP4rev1 ready")

    # --- dispatch --------------------------------------------------------------------

    def execute(self, command: c.Command) -> Reply:
        """Run one command; never raises (a bug becomes NO [SERVERBUG])."""
        try:
            self._gate(command)
            reply = self._dispatch(command)
        except Failure as failure:
            reply = Reply([status_line(command.tag, failure.status, failure.text, failure.code)])
        except Exception:
            log.exception("IMAP command %s failed", type(command).__name__)
            reply = Reply([status_line(command.tag, NO, "internal error", "SERVERBUG")])
        if self.notices:
            reply.lines[:0], self.notices = self.notices, []
        return self._with_updates(command, reply)

    def _gate(self, command: c.Command) -> None:
        allowed = ALLOWED.get(type(command), set())
        if self.state not in allowed:
            raise Bad(f"{type(command).__name__.upper()} not allowed now", "CLIENTBUG")

    def _dispatch(self, command: c.Command) -> Reply:
        from .handlers import HANDLERS

        return HANDLERS[type(command)](self, command)

    def _with_updates(self, command: c.Command, reply: Reply) -> Reply:
        """Put the updates other sessions caused before the tagged line of a reply."""
        if self.selected is None or reply.more or reply.continuation or reply.idle:
            return reply
        if isinstance(command, c.Select | c.Logout | c.Close | c.Unselect):
            return reply
        allow = not isinstance(command, NO_EXPUNGE_DURING) or bool(getattr(command, "uid", 0))
        try:
            updates = self.selected.poll(allow_expunge=allow)
        except Exception:
            return self._mailbox_gone(reply)
        if updates:
            reply.lines[-1:-1] = updates
        return reply

    def _mailbox_gone(self, reply: Reply) -> Reply:
        # The selected folder was deleted by another session: RFC 3501 leaves the way
        # out to the server; like Dovecot, say why and close the connection.
        self.selected = None
        self.state = State.LOGOUT
        return Reply([untagged("BYE Selected mailbox was deleted, have to disconnect")], close=True)

    def continue_with(self, line: bytes) -> Reply:
        """The client's line after a "+ " continuation (AUTHENTICATE)."""
        step, self.pending = self.pending, None
        if step is None:
            return Reply([status_line(None, BAD, "unexpected continuation")])
        try:
            return step(line)
        except Failure as failure:
            tag = self.pending_tag
            return Reply([status_line(tag, failure.status, failure.text, failure.code)])

    # --- helpers for handlers ---------------------------------------------------------

    def ok(self, tag: str, text: str, code: str | None = None, lines: list[bytes] | None = None):
        return Reply([*(lines or []), status_line(tag, OK, text, code)])

    def require_account(self) -> Account:
        if self.account is None:
            raise No("not authenticated")
        return self.account

    def login_as(self, account: Account) -> None:
        self.account = account
        self.state = State.AUTHENTICATED

    def enable_condstore(self) -> None:
        if "CONDSTORE" in self.enabled:
            return
        self.enabled.add("CONDSTORE")
        if self.selected is not None:
            self.selected.condstore = True
            # Enabled with a mailbox selected (RFC 7162 3.1): like Dovecot, tell the
            # client the mailbox's HIGHESTMODSEQ with this command's response.
            self.notices.append(untagged(b"OK [HIGHESTMODSEQ %d] Highest" % self.selected.modseq))


def decode_sasl(text: str) -> bytes:
    """A SASL response line: base64, or "=" for an empty one (RFC 4959); "*" cancels."""
    text = text.strip()
    if text == "*":
        raise Bad("authentication cancelled")
    if text == "=":
        return b""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Bad("invalid base64 in SASL response") from None
