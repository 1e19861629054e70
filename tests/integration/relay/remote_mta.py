"""A fake remote MTA: a real aiosmtpd server on 127.0.0.1 that records what it receives
and answers as told (4xx/5xx per recipient, temporary failures at DATA, refused
sessions), plus a DNS table that replaces mailcore.delivery.mx.query."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from mailcore.delivery.mx import NoSuchDomain, TemporaryDNSError
from mailcore.smtp.protocol import MailSMTP


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    mail_options: list[str]
    tls: bool
    # RFC 3461 parameters as sent, when the peer offers DSN: {"RET": ..., "ENVID": ...}
    # and {recipient: {"NOTIFY": ..., "ORCPT": ...}}.
    dsn_mail: dict[str, str] = field(default_factory=dict)
    dsn_rcpt: dict[str, dict[str, str]] = field(default_factory=dict)
    binary: bool = False  # sent with BDAT and BODY=BINARYMIME


@dataclass
class RemoteHandler:
    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> reply
    data_failures: int = 0  # answer DATA with 451 this many times
    data_reply: str = ""  # a fixed reply to DATA (e.g. a 5xx)
    refuse_sessions: int = 0  # greet this many sessions with 421 and hang up
    sessions: int = 0
    dsn: bool = False  # offer DSN (RFC 3461) and take its parameters
    chunking: bool = False  # be our own SMTP engine: CHUNKING and BINARYMIME (RFC 3030)
    sni: list[str | None] = field(default_factory=list)  # the names TLS clients asked for

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.dsn:
            responses.insert(-1, "250-DSN")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_failures > 0:
            self.data_failures -= 1
            return "451 4.3.0 temporary trouble, try again"
        if self.data_reply:
            return self.data_reply
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                list(envelope.mail_options),
                session.ssl is not None,
                dict(getattr(envelope, "dsn_mail", {})),
                dict(getattr(envelope, "dsn_rcpt", {})),
                getattr(envelope, "binarymime", False),
            )
        )
        return "250 2.0.0 queued as R1"


_DSN_MAIL = ("RET", "ENVID")
_DSN_RCPT = ("NOTIFY", "ORCPT")


def _take_params(arg: str | None, names: tuple[str, ...]) -> tuple[str | None, dict[str, str]]:
    """The command argument without the named ESMTP parameters, and those parameters."""
    if not arg:
        return arg, {}
    kept, taken = [], {}
    for word in arg.split(" "):
        name, eq, value = word.partition("=")
        if eq and name.upper() in names:
            taken[name.upper()] = value
        else:
            kept.append(word)
    return " ".join(kept), taken


class _RemoteSMTP(SMTP):
    """aiosmtpd, plus the RFC 3461 parameters when the handler offers DSN (aiosmtpd
    itself refuses them): recorded on the envelope, the rest left to aiosmtpd."""

    async def smtp_MAIL(self, arg):
        arg, params = _take_params(arg, _DSN_MAIL if self.event_handler.dsn else ())
        await super().smtp_MAIL(arg)
        if self.envelope is not None and self.envelope.mail_from is not None:
            self.envelope.dsn_mail = params

    async def smtp_RCPT(self, arg):
        arg, params = _take_params(arg, _DSN_RCPT if self.event_handler.dsn else ())
        before = list(self.envelope.rcpt_tos) if self.envelope else []
        await super().smtp_RCPT(arg)
        if self.envelope is not None and len(self.envelope.rcpt_tos) > len(before):
            rcpts = getattr(self.envelope, "dsn_rcpt", {})
            rcpts[self.envelope.rcpt_tos[-1]] = params
            self.envelope.dsn_rcpt = rcpts

    async def _handle_client(self) -> None:
        handler: RemoteHandler = self.event_handler
        handler.sessions += 1
        if handler.refuse_sessions > 0:
            handler.refuse_sessions -= 1
            await self.push("421 4.3.2 too busy, try another host")
            self.transport.close()
            return
        await super()._handle_client()


class RemoteController(Controller):
    def factory(self):
        if self.handler.chunking:
            return MailSMTP(self.handler, **self.SMTP_kwargs)
        return _RemoteSMTP(self.handler, **self.SMTP_kwargs)


class FakeDNS:
    """Answers from a table: {(name, type): [records]}; a name without the asked type
    gives no records, an unknown name NXDOMAIN, a name in `broken` a temporary error."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.broken: set[str] = set()
        self.asked: list[tuple[str, str]] = []

    def add(self, name: str, rdtype: str, *values: str) -> None:
        self.records.setdefault((name, rdtype), []).extend(values)

    def query(self, name: str, rdtype: str) -> list[str]:
        name = name.lower().rstrip(".")
        self.asked.append((name, rdtype))
        if name in self.broken:
            raise TemporaryDNSError(f"{name}: SERVFAIL")
        if (name, rdtype) in self.records:
            return list(self.records[(name, rdtype)])
        if any(known == name for known, _ in self.records):
            return []
        raise NoSuchDomain(name)
