"""Our SMTP protocol engine: aiosmtpd's, extended where it lacks something.

aiosmtpd gives us the command loop, HELO/EHLO, MAIL/RCPT/DATA, SIZE, 8BITMIME, SMTPUTF8,
STARTTLS, AUTH and its limits. On top of that this module adds:

- PIPELINING (RFC 2920): aiosmtpd reads commands one line at a time and answers in order
  already; it only never said so in EHLO;
- ENHANCEDSTATUSCODES (RFC 2034): `push` gives every reply an RFC 3463 code (enhanced.py);
- DSN (RFC 3461): RET/ENVID on MAIL and NOTIFY/ORCPT on RCPT are taken out of the command
  line before aiosmtpd (which upper-cases and refuses them) sees it (params.py);
- CHUNKING and BINARYMIME (RFC 3030): BDAT (bdat.py), ending in the handler's DATA hook;
- DATA read in pieces rather than one line per read (data.py), the same text for less.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from email._header_value_parser import get_addr_spec, get_angle_addr
from typing import Any, AnyStr

from aiosmtpd.smtp import ALLOWED_BEFORE_STARTTLS, MISSING, SMTP, Envelope, Session, syntax

from ..delivery import ingest
from .bdat import READ_PIECE, BdatCommand, BdatSyntaxError, Chunks, parse_bdat
from .data import read_data
from .enhanced import with_enhanced_code
from .params import ParamError, parse_mail_params, parse_rcpt_params

log = logging.getLogger(__name__)

BDAT_SYNTAX = "501 5.5.4 Syntax: BDAT chunk-size [LAST]"
BDAT_RECEIVED = "250 2.0.0 {size} octets received"
BAD_PARAMETER = "501 5.5.4 {reason}"
BINARYMIME_UNSUPPORTED = "555 5.5.4 BODY=BINARYMIME not supported"
DATA_AFTER_BDAT = "503 5.5.1 Error: DATA after BDAT in the same transaction"
BINARYMIME_NEEDS_BDAT = "503 5.5.1 Error: BODY=BINARYMIME requires BDAT"
NEED_HELO = "503 5.5.1 Error: send HELO first"
NEED_MAIL = "503 5.5.1 Error: need MAIL command"
NEED_RCPT = "503 5.5.1 Error: need RCPT command"
AUTH_REQUIRED = "530 5.7.0 Authentication required"
STARTTLS_FIRST = "530 5.7.0 Must issue a STARTTLS command first"
TOO_MUCH_DATA = "552 5.3.4 Error: Too much mail data"
TIMEOUT = "421 4.4.2 {hostname} Error: timeout exceeded"

# Per-connection budgets for aiosmtpd's command_call_limit: generous for the commands
# that carry mail, tight for those a flood would repeat (NOOP, HELP, VRFY, ...).
DEFAULT_CALL_LIMITS = {
    "NOOP": 100,
    "HELP": 20,
    "VRFY": 20,
    "EXPN": 20,
    "HELO": 20,
    "EHLO": 20,
    "STARTTLS": 3,
    "AUTH": 20,
    "RSET": 1000,
    "*": 10_000,
}

# RFC 1869 4.1.2 / RFC 3461 5: each extension may lengthen MAIL and RCPT command lines.
# aiosmtpd's stream reader still caps every line at SMTP.line_length_limit.
MAIL_LINE_LIMIT = 512 + 26 + 10 + 17 + 9 + 107  # SIZE, SMTPUTF8, BODY, RET, ENVID
RCPT_LINE_LIMIT = 512 + 30 + 507  # NOTIFY, ORCPT

CommandMethod = Callable[[Any], Awaitable[None]]

# RFC 5321 4.1.2 Path = "<" Mailbox ">", for a dot-atom local part and domain (no quoted
# strings, literals or comments: those go to the full parser), and what follows it
# after any white space.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_PATH = re.compile(
    rf"[ \t]*<({_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*)>[ \t]*([^(\s].*)?\Z"
)


class MailEnvelope(Envelope):
    """aiosmtpd's envelope plus what the extensions here learn about the transaction."""

    def __init__(self) -> None:
        super().__init__()
        self.dsn_ret = ""  # RFC 3461 RET: "FULL", "HDRS" or ""
        self.dsn_envid = ""  # RFC 3461 ENVID, xtext-decoded
        # RFC 3461 NOTIFY and ORCPT per accepted recipient, keyed by the address that
        # was given to handle_RCPT: (notify, orcpt), e.g. ("FAILURE,DELAY", "rfc822;a@b").
        self.dsn_rcpt: dict[str, tuple[str, str]] = {}
        self.binarymime = False  # MAIL FROM had BODY=BINARYMIME (RFC 3030 3)
        # Every accepted recipient is delivered here, to accounts only (nothing relayed
        # or forwarded): the handler may add the final-delivery Return-Path at once.
        self.final_delivery = True


class MailSMTP(SMTP):
    """aiosmtpd's SMTP with the extensions this server owes (see STANDARDS.md).

    Handlers read `envelope.dsn_ret`, `dsn_envid`, `dsn_rcpt` and `binarymime`
    (`MailEnvelope`); a message sent with BDAT reaches `handle_DATA` exactly as one sent
    with DATA does.
    """

    def __init__(self, handler: Any, *, command_call_limit: Any = None, **kwargs: Any) -> None:
        super().__init__(
            handler, command_call_limit=command_call_limit or DEFAULT_CALL_LIMITS, **kwargs
        )
        # aiosmtpd keeps these limits in a dict shared by every instance, and grows it on
        # each EHLO; one dict per connection keeps connections from moving each other's.
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit)
        self._command: str | None = None
        self._composing = False
        self._idle_deadline = 0.0  # see _reset_timeout
        self._timer_due: float | None = None
        self._chunks = Chunks(self.data_size_limit)
        # RFC 3207 4: before STARTTLS only NOOP, EHLO, STARTTLS and QUIT. aiosmtpd refuses
        # the others before it dispatches them, which for BDAT would leave the chunk's
        # octets to be read as commands (RFC 3030 2); the gate is ours instead (_tracked).
        self._starttls_first = bool(self.require_starttls)
        self.require_starttls = False
        # Which command a reply answers decides its enhanced code (2.1.0 after MAIL, ...).
        self._smtp_methods = {
            name: self._tracked(name, method) for name, method in self._smtp_methods.items()
        }
        # The extensions join EHLO through aiosmtpd's own EHLO hook; a handler's hook
        # (the 5-argument kind) still runs after ours.
        self._handler_ehlo: Callable[..., Awaitable[list[str]]] | None = None
        if self._ehlo_hook_ver != "old":
            self._handler_ehlo = self._handle_hooks.get("EHLO")
            self._handle_hooks["EHLO"] = self._ehlo_extensions
            self._ehlo_hook_ver = "new"

    # -- plumbing -------------------------------------------------------------------

    def _tracked(self, name: str, method: CommandMethod) -> CommandMethod:
        @functools.wraps(method)
        async def run(arg: Any) -> None:
            self._command = name
            try:
                if self._needs_starttls(name):
                    await self._refuse_before_starttls(name, arg)
                    return
                await method(arg)
            finally:
                self._command = None

        return run

    def _needs_starttls(self, name: str) -> bool:
        return (
            self._starttls_first and not self._tls_protocol and name not in ALLOWED_BEFORE_STARTTLS
        )

    async def _refuse_before_starttls(self, name: str, arg: str | None) -> None:
        if name == "BDAT":
            command = await self._bdat_command(arg)
            if command is None:
                return
            await self._read_chunk(command.size, keep=False)
        await self.push(STARTTLS_FIRST)

    def _create_envelope(self) -> MailEnvelope:
        return MailEnvelope()

    def _set_post_data_state(self) -> None:
        super()._set_post_data_state()
        self._chunks = Chunks(self.data_size_limit)
        self._set_composing(False)

    def _set_composing(self, composing: bool) -> None:
        """Tell the group commit whether this session is in the middle of a message
        (MAIL accepted, data not yet complete): while some are, a commit waits a moment
        for them (ingest.ACCEPT_GATHER)."""
        if composing != self._composing:
            self._composing = composing
            ingest.composing(1 if composing else -1)

    def connection_lost(self, error: Exception | None) -> None:
        self._set_composing(False)
        super().connection_lost(error)

    async def push(self, status: AnyStr) -> None:
        session = self.session
        if session is not None and session.extended_smtp:
            if isinstance(status, bytes):
                text = status.decode("utf-8", "surrogateescape")
                status = with_enhanced_code(text, self._command).encode("utf-8", "surrogateescape")
            else:
                status = with_enhanced_code(status, self._command)
        await super().push(status)

    def _reset_timeout(self, duration: float | None = None) -> None:
        """Every command moves the idle deadline on (RFC 5321 4.5.3.2). aiosmtpd cancels
        its timer and schedules a new one each time, a fresh heap entry per command
        (9 % of the event loop's time in bench/smtp_ingest.py); here a command only
        moves the deadline, and the one timer, when it comes due early, waits again
        for the rest. A shorter deadline than the timer's (the PROXY header's) takes
        a timer of its own."""
        deadline = self.loop.time() + (duration or self._timeout_duration)
        self._idle_deadline = deadline
        if self._timer_due is None or deadline < self._timer_due:
            if self._timeout_handle is not None:
                self._timeout_handle.cancel()
            self._arm_timer()

    def _arm_timer(self) -> None:
        self._timer_due = self._idle_deadline
        self._timeout_handle = self.loop.call_at(self._idle_deadline, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer_due = None
        if self.loop.time() < self._idle_deadline:  # a command came meanwhile
            self._arm_timer()
            return
        self._timeout_cb()

    def _timeout_cb(self) -> None:
        # RFC 5321 4.5.3.2: say why before closing; aiosmtpd closes silently.
        if self.transport is not None and not self.transport.is_closing():
            reply = TIMEOUT.format(hostname=self.hostname)
            if not (self.session and self.session.extended_smtp):
                reply = reply.replace(" 4.4.2", "", 1)
            self._writer.write(reply.encode() + b"\r\n")
        super()._timeout_cb()

    async def _ehlo_extensions(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list
    ) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to an EHLO hook
        extensions = ["PIPELINING", "ENHANCEDSTATUSCODES", "DSN", "CHUNKING"]
        if not self._decode_data:
            extensions.append("BINARYMIME")  # binary bodies cannot be decoded to str
        responses[-1:-1] = [f"250-{keyword}" for keyword in extensions]
        self.command_size_limits["MAIL"] = MAIL_LINE_LIMIT
        self.command_size_limits["RCPT"] = RCPT_LINE_LIMIT
        if self._handler_ehlo is not None:
            return await self._handler_ehlo(server, session, envelope, hostname, responses)
        return responses

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """aiosmtpd's address parser, less the typing class it defines on every call
        (two thirds of its cost, and MAIL and RCPT each parse twice here), and with a
        quick path for the usual <dot-atom@dot-atom> that gives what the parser gives."""
        if not arg:
            return "", ""
        if plain := _PLAIN_PATH.match(arg):
            addr, rest = plain[1], plain[2] or ""
        else:
            parse: Callable[[str], tuple[Any, str]]
            parse = get_angle_addr if arg.lstrip().startswith("<") else get_addr_spec
            try:
                token, rest = parse(arg)
                addr = token.addr_spec
            except Exception:
                # HeaderParseError, and the IndexError or AttributeError the stdlib
                # parser raises on some malformed input ("<", '"'): a syntax error, not
                # a 500 that names an exception.
                return None, None
        if self.local_part_limit and len(addr.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return addr, rest

    def _split_parameters(self, arg: str | None, keyword: str) -> tuple[str, str, list[str]]:
        """("FROM:<address>", address, [parameters]) from an ESMTP MAIL/RCPT argument, or
        ("", "", []) when aiosmtpd should see the command untouched (and report it)."""
        if arg is None or self.session is None or not self.session.extended_smtp:
            return "", "", []
        rest = self._strip_command_keyword(keyword, arg)
        if rest is None:
            return "", "", []
        address, params = self._getaddr(rest)
        if not address or params is None:
            return "", "", []
        head = rest[: len(rest) - len(params)].rstrip()
        return f"{keyword}{head}", address, params.split()

    # -- RFC 3461 DSN on MAIL and RCPT ----------------------------------------------

    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        head, _, tokens = self._split_parameters(arg, "FROM:")
        envelope = self.envelope
        if not head or not isinstance(envelope, MailEnvelope) or envelope.mail_from:
            await super().smtp_MAIL(arg)
            return
        try:
            params = parse_mail_params(tokens)
        except ParamError as error:
            await self.push(BAD_PARAMETER.format(reason=error))
            return
        if params.binarymime and self._decode_data:
            await self.push(BINARYMIME_UNSUPPORTED)
            return
        # Set before the hooks run so handle_MAIL can see them; undone on refusal.
        envelope.dsn_ret, envelope.dsn_envid = params.ret, params.envid
        envelope.binarymime = params.binarymime
        await super().smtp_MAIL(" ".join((head, *params.rest)))
        if self.envelope is envelope and not envelope.mail_from:
            envelope.dsn_ret = envelope.dsn_envid = ""
            envelope.binarymime = False
        self._set_composing(self.envelope is envelope and bool(envelope.mail_from))

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        head, address, tokens = self._split_parameters(arg, "TO:")
        envelope = self.envelope
        if not head or not isinstance(envelope, MailEnvelope) or not envelope.mail_from:
            await super().smtp_RCPT(arg)
            return
        try:
            params = parse_rcpt_params(tokens)
        except ParamError as error:
            await self.push(BAD_PARAMETER.format(reason=error))
            return
        previous = envelope.dsn_rcpt.get(address)
        accepted_before = len(envelope.rcpt_tos)
        envelope.dsn_rcpt[address] = (params.notify, params.orcpt)
        await super().smtp_RCPT(" ".join((head, *params.rest)))
        # A handler accepts by appending to rcpt_tos (aiosmtpd's convention).
        if len(envelope.rcpt_tos) == accepted_before:
            if previous is None:
                envelope.dsn_rcpt.pop(address, None)
            else:
                envelope.dsn_rcpt[address] = previous

    # -- RFC 3030 CHUNKING and BINARYMIME -------------------------------------------

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        envelope = self.envelope
        if isinstance(envelope, MailEnvelope) and envelope.mail_from:
            # RFC 3030 2: one transaction uses DATA or BDAT, never both; 3: BINARYMIME
            # content cannot be sent with DATA.
            if self._chunks.started:
                await self.push(DATA_AFTER_BDAT)
                return
            if envelope.binarymime:
                await self.push(BINARYMIME_NEEDS_BDAT)
                return
        # aiosmtpd's own checks and replies, in its order; then the text is read in
        # pieces (data.py) rather than by aiosmtpd's loop of one line per read.
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            text = await read_data(
                self._reader, size_limit=self.data_size_limit, line_limit=self.line_length_limit
            )
        except asyncio.IncompleteReadError:
            raise self._client_left("DATA") from None
        if text.too_much or text.too_long:
            self._set_post_data_state()
            # aiosmtpd's wording; `push` adds the enhanced codes in an EHLO session.
            if text.too_much:
                await self.push("552 Error: Too much mail data")
            else:
                await self.push("500 Line too long (see RFC5321 4.5.3.1.6)")
            return
        await self._end_of_data(text.content)

    @syntax("BDAT chunk-size [LAST]")
    async def smtp_BDAT(self, arg: str | None) -> None:
        command = await self._bdat_command(arg)
        if command is None:
            return
        refusal = self._bdat_refusal()
        if refusal is None and self._chunks.would_overflow(command.size):
            refusal = TOO_MUCH_DATA
        # RFC 3030 2: the chunk is read even when it is refused, so the next command
        # is found where the client put it.
        await self._read_chunk(command.size, keep=refusal is None)
        if refusal is not None:
            if refusal == TOO_MUCH_DATA:
                self._set_post_data_state()  # the transaction has failed (RFC 3030 2)
            await self.push(refusal)
            return
        self._chunks.started = True
        if command.last:
            await self._end_of_data(self._chunks.content())
        else:
            await self.push(BDAT_RECEIVED.format(size=command.size))

    async def _bdat_command(self, arg: str | None) -> BdatCommand | None:
        """The parsed BDAT argument, or None once the session has been ended for it."""
        try:
            return parse_bdat(arg)
        except BdatSyntaxError:
            # Without a size the chunk cannot be told apart from the commands after it;
            # reading on would run message data as commands, so the session ends here.
            await self.push(BDAT_SYNTAX)
            assert self.transport is not None
            self.transport.close()
            return None

    def _bdat_refusal(self) -> str | None:
        assert self.session is not None and self.envelope is not None
        if not self.session.host_name:
            return NEED_HELO
        if self._auth_required and not self.session.authenticated:
            return AUTH_REQUIRED
        if not self.envelope.mail_from:
            return NEED_MAIL
        if not self.envelope.rcpt_tos:
            return NEED_RCPT
        return None

    async def _read_chunk(self, size: int, *, keep: bool) -> None:
        remaining = size
        try:
            while remaining:
                piece = await self._reader.readexactly(min(remaining, READ_PIECE))
                remaining -= len(piece)
                if keep:
                    self._chunks.add(piece)
        except asyncio.IncompleteReadError:
            raise self._client_left("BDAT") from None

    def _client_left(self, command: str) -> asyncio.CancelledError:
        """The client left in the middle of a message: log it, close, and give the
        cancellation that ends the session quietly (as aiosmtpd does for DATA)."""
        assert self.session is not None
        log.info("%r connection lost during %s", self.session.peer, command)
        if self.transport is not None:
            self.transport.close()
        return asyncio.CancelledError()

    async def _end_of_data(self, original: bytes) -> None:
        """The tail of aiosmtpd's smtp_DATA: content to the envelope, the DATA hook,
        a fresh transaction, the hook's reply."""
        envelope = self.envelope
        assert envelope is not None
        content: bytes | str = original
        if self._decode_data:
            encoding = "utf-8" if self.enable_SMTPUTF8 else "ascii"
            try:
                content = original.decode(
                    encoding, "surrogateescape" if self.enable_SMTPUTF8 else "strict"
                )
            except UnicodeDecodeError:
                self._set_post_data_state()
                await self.push("500 Error: strict ASCII mode")
                return
        envelope.content, envelope.original_content = content, original
        self._set_composing(False)  # complete: the handler submits it now
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)
