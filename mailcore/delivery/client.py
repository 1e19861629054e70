"""One outbound SMTP transaction with smtplib: connect (falling back across addresses),
opportunistic STARTTLS, MAIL/RCPT/DATA, and a reply for every recipient.

No Django here: the relay hands in the hops, the envelope and the bytes, and records what
comes back.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field

from .mx import Hop

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """One envelope recipient with its RFC 3461 parameters, inbound and outbound."""

    address: str
    orcpt: str = ""
    notify: str = ""


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    recipients: list[Recipient]
    envid: str = ""
    ret: str = ""
    binary: bool = False  # BODY=BINARYMIME: BDAT to a peer with BINARYMIME, or nothing


# RFC 3030 3 leaves a relay that cannot pass binary content on two ways: convert it or
# return it. Converting would rewrite the sender's MIME (and break any signature).
BINARY_REFUSED = (
    "554 5.6.3 the receiving server does not accept binary content (BINARYMIME, RFC 3030)"
)


@dataclass
class Attempt:
    """What one delivery attempt to one destination gave."""

    replies: dict[str, str] = field(default_factory=dict)  # address -> "250 2.0.0 ok"
    remote_mta: str = ""  # the host that answered, for Remote-MTA
    dsn_passed: bool = False  # the peer speaks DSN: it notifies from now on (RFC 3461 4)
    tls: bool = False


class _NoConnection(Exception):
    pass


def tls_context() -> ssl.SSLContext:
    """Opportunistic TLS (RFC 3207, RFC 7435): no certificate check, since an MX host's
    name cannot be authenticated without DANE or MTA-STS, but never below TLS 1.2."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def xtext(value: str) -> str:
    """RFC 3461 4: xtext, for ENVID and ORCPT parameters."""
    return "".join(
        ch if "!" <= ch <= "~" and ch not in "+=" else "".join(f"+{b:02X}" for b in ch.encode())
        for ch in value
    )


_ADDR_TYPE = re.compile(r"^[A-Za-z0-9-]+;")


def orcpt_param(orcpt: str) -> str:
    """ORCPT=addr-type;xtext (RFC 3461 4.2) from a stored value with or without type."""
    if _ADDR_TYPE.match(orcpt):
        kind, _, value = orcpt.partition(";")
    else:
        kind, value = "rfc822", orcpt
    return f"{kind};{xtext(value.strip())}"


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


def _needs_smtputf8(envelope: Envelope) -> bool:
    addresses = [envelope.mail_from] + [r.address for r in envelope.recipients]
    return not all(a.isascii() for a in addresses)


def crlf(raw: bytes) -> bytes:
    """SMTP lines end in CRLF (RFC 5321 2.3.8); mend bare LF from a sloppy source.
    Anything already CRLF passes unchanged, byte for byte."""
    if b"\n" not in raw.replace(b"\r\n", b""):
        return raw
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _connect(hop: Hop, helo: str, timeout: float, starttls: bool) -> tuple[smtplib.SMTP, bool]:
    client = smtplib.SMTP(local_hostname=helo, timeout=timeout)
    try:
        code, text = client.connect(hop.address, hop.port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, text)
        # TLS names the peer by its host name (SNI), not the address we reached it at
        # (an address literal has no name to give): smtplib's STARTTLS sends _host.
        named = hop.host and not hop.host.startswith("[")
        client._host = hop.host if named else hop.address  # type: ignore[attr-defined]
        code, text = client.ehlo()
        if not 200 <= code < 300:
            code, text = client.helo()
            if not 200 <= code < 300:
                raise smtplib.SMTPHeloError(code, text)
        tls = False
        if starttls and client.has_extn("starttls"):
            code, _ = client.starttls(context=tls_context())
            if code == 220:  # smtplib goes on in plain text after a refusal (454)
                client.ehlo()
                tls = True
        return client, tls
    except BaseException:
        client.close()
        raise


def _open(hops: list[Hop], helo: str, timeout: float) -> tuple[smtplib.SMTP, Hop, bool]:
    """The first hop that greets us, in order (RFC 5321 5.1: try the next address when
    one cannot be reached or refuses the session)."""
    errors: list[str] = []
    for hop in hops:
        for starttls in (True, False):
            try:
                client, tls = _connect(hop, helo, timeout, starttls)
                return client, hop, tls
            except ssl.SSLError as exc:
                # A broken TLS stack on the peer: opportunistic TLS falls back to plain.
                errors.append(f"{hop.host}[{hop.address}]: TLS failed: {exc}")
                continue
            except smtplib.SMTPResponseException as exc:
                errors.append(f"{hop.host}[{hop.address}]: {_reply(exc.smtp_code, exc.smtp_error)}")
            except (OSError, smtplib.SMTPException) as exc:
                errors.append(f"{hop.host}[{hop.address}]: {exc or type(exc).__name__}")
            break
    raise _NoConnection("; ".join(errors) or "no address to try")


def send(hops: list[Hop], envelope: Envelope, raw: bytes, *, helo: str, timeout: float) -> Attempt:
    """Deliver `raw` to every recipient of `envelope` through the first reachable hop, in
    one transaction. Every recipient gets a reply; 4xx ones for anything temporary."""
    attempt = Attempt()
    try:
        client, hop, attempt.tls = _open(hops, helo, timeout)
    except _NoConnection as exc:
        reply = f"451 4.4.1 connection failed: {exc}"
        attempt.replies = {r.address: reply for r in envelope.recipients}
        return attempt
    attempt.remote_mta = hop.host
    try:
        _transaction(client, envelope, raw if envelope.binary else crlf(raw), attempt)
    except (OSError, smtplib.SMTPException) as exc:
        # Lost mid-transaction: whatever has no final answer yet is tried again later.
        reply = f"451 4.4.2 connection to {hop.host}[{hop.address}] lost: {exc}"
        for r in envelope.recipients:
            if not attempt.replies.get(r.address, "").startswith("5"):
                attempt.replies[r.address] = reply
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return attempt


def _transaction(client: smtplib.SMTP, envelope: Envelope, raw: bytes, attempt: Attempt) -> None:
    options: list[str] = []
    if client.has_extn("size"):
        options.append(f"SIZE={len(raw)}")
    if envelope.binary:
        if not (client.has_extn("chunking") and client.has_extn("binarymime")):
            attempt.replies = {r.address: BINARY_REFUSED for r in envelope.recipients}
            return
        options.append("BODY=BINARYMIME")
    elif any(b > 0x7F for b in raw) and client.has_extn("8bitmime"):
        # RFC 6152. A peer without 8BITMIME still gets the 8-bit bytes, as most MTAs
        # do: converting to 7 bits would break signatures and the byte-exact promise.
        options.append("BODY=8BITMIME")
    if _needs_smtputf8(envelope):
        if not client.has_extn("smtputf8"):
            # RFC 6531 3.2: non-ASCII addresses cannot be downgraded.
            reply = "553 5.6.7 the receiving server does not accept non-ASCII addresses"
            attempt.replies = {r.address: reply for r in envelope.recipients}
            return
        options.append("SMTPUTF8")
    attempt.dsn_passed = client.has_extn("dsn")
    if attempt.dsn_passed:
        if envelope.ret:
            options.append(f"RET={envelope.ret.upper()}")
        if envelope.envid:
            options.append(f"ENVID={xtext(envelope.envid)}")
    code, text = client.mail(envelope.mail_from, options)
    if code != 250:
        reply = _reply(code, text)
        attempt.replies = {r.address: reply for r in envelope.recipients}
        client.rset()
        return
    accepted: list[str] = []
    for rcpt in envelope.recipients:
        rcpt_options: list[str] = []
        if attempt.dsn_passed:
            if rcpt.notify:
                rcpt_options.append(f"NOTIFY={rcpt.notify.upper()}")
            if rcpt.orcpt:
                rcpt_options.append(f"ORCPT={orcpt_param(rcpt.orcpt)}")
        code, text = client.rcpt(rcpt.address, rcpt_options)
        attempt.replies[rcpt.address] = _reply(code, text)
        if code in (250, 251):
            accepted.append(rcpt.address)
    if not accepted:
        client.rset()
        return
    try:
        code, answer = _bdat(client, raw) if envelope.binary else client.data(raw)
        reply = _reply(code, answer)
    except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354)
        reply = _reply(exc.smtp_code, exc.smtp_error)
    for address in accepted:
        attempt.replies[address] = reply


def _bdat(client: smtplib.SMTP, raw: bytes) -> tuple[int, bytes]:
    """RFC 3030 BDAT: the whole message as one last chunk, its bytes as they are
    (smtplib has no BDAT of its own)."""
    client.putcmd("BDAT", f"{len(raw)} LAST")
    client.send(raw)
    return client.getreply()
