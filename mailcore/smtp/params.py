"""ESMTP parameters aiosmtpd does not know: RFC 3461 DSN (RET, ENVID, NOTIFY, ORCPT) and
RFC 3030 BODY=BINARYMIME. Pure: strings in, typed values or `ParamError` out.

Keywords are case-insensitive (RFC 5321 2.4); the values of ENVID and ORCPT are not, so
they are parsed from the command line as the client sent it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# RFC 3461 4: xtext = *( xchar / hexchar ); xchar is "!".."~" except "+" and "=";
# hexchar is "+" and two hex digits (upper case in the grammar; lower case accepted).
_XTEXT = re.compile(r"(?:[!-*,-<>-~]|\+[0-9A-Fa-f]{2})*")
_HEXCHAR = re.compile(r"\+([0-9A-Fa-f]{2})")
# RFC 3461 4.2: addr-type = atom (RFC 5321 Atom: 1*atext).
_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+")

ENVID_MAX = 100  # RFC 3461 4.4
ORCPT_MAX = 500  # RFC 3461 4.2
NOTIFY_ORDER = ("SUCCESS", "FAILURE", "DELAY")  # RFC 3461 4.1
RET_VALUES = ("FULL", "HDRS")  # RFC 3461 4.3


class ParamError(ValueError):
    """A parameter is malformed; the text is the SMTP reply text after "501 5.5.4"."""


@dataclass(frozen=True)
class MailParams:
    """DSN and BODY=BINARYMIME from MAIL FROM; `rest` is left for aiosmtpd."""

    ret: str = ""  # "FULL", "HDRS" or "" when absent
    envid: str = ""  # decoded xtext, original case
    binarymime: bool = False
    rest: tuple[str, ...] = ()


@dataclass(frozen=True)
class RcptParams:
    """DSN parameters from RCPT TO; `rest` is left for aiosmtpd."""

    notify: str = ""  # "NEVER", or a subset of "SUCCESS,FAILURE,DELAY" in that order
    orcpt: str = ""  # "addr-type;decoded-address", e.g. "rfc822;alice@example.test"
    rest: tuple[str, ...] = ()


def decode_xtext(value: str) -> str:
    """RFC 3461 4: undo the "+XX" escapes of an xtext."""
    if not _XTEXT.fullmatch(value):
        raise ParamError("Invalid xtext")
    return _HEXCHAR.sub(lambda m: chr(int(m.group(1), 16)), value)


def encode_xtext(value: str) -> str:
    """RFC 3461 4: "+" and "=" and anything outside "!".."~" become "+XX" (ASCII only)."""
    if not value.isascii():
        raise ParamError("xtext carries US-ASCII only")
    return "".join(c if "!" <= c <= "~" and c not in "+=" else f"+{ord(c):02X}" for c in value)


def _split(tokens: Iterable[str]) -> Iterable[tuple[str, str | None, str]]:
    for token in tokens:
        keyword, eq, value = token.partition("=")
        yield keyword.upper(), (value if eq else None), token


def _once(seen: set[str], keyword: str) -> None:
    # RFC 3461 4.1-4.4: each parameter may appear at most once per command.
    if keyword in seen:
        raise ParamError(f"Duplicate {keyword} parameter")
    seen.add(keyword)


def parse_ret(value: str | None) -> str:
    if value is None or value.upper() not in RET_VALUES:
        raise ParamError("RET must be FULL or HDRS")
    return value.upper()


def parse_envid(value: str | None) -> str:
    if not value or len(value) > ENVID_MAX:
        raise ParamError(f"ENVID must be 1 to {ENVID_MAX} characters of xtext")
    envid = decode_xtext(value)
    # RFC 3461 4.4: printable US-ASCII (graphic and white space) before xtext encoding.
    if not all(c == " " or c == "\t" or "!" <= c <= "~" for c in envid):
        raise ParamError("ENVID must be printable US-ASCII")
    return envid


def parse_notify(value: str | None) -> str:
    if not value:
        raise ParamError("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY")
    items = [item.upper() for item in value.split(",")]
    if items == ["NEVER"]:
        return "NEVER"
    # RFC 3461 4.1: NEVER stands alone; the other keywords combine in any order.
    if any(item not in NOTIFY_ORDER for item in items) or len(set(items)) < len(items):
        raise ParamError("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY")
    return ",".join(keyword for keyword in NOTIFY_ORDER if keyword in items)


def parse_orcpt(value: str | None) -> str:
    if not value or len(value) > ORCPT_MAX:
        raise ParamError(f"ORCPT must be addr-type;xtext of at most {ORCPT_MAX} characters")
    addr_type, semicolon, address = value.partition(";")
    if not semicolon or not _ATOM.fullmatch(addr_type) or not address:
        raise ParamError("ORCPT must be addr-type;xtext")
    return f"{addr_type};{decode_xtext(address)}"


def parse_mail_params(tokens: Iterable[str]) -> MailParams:
    """Take RET, ENVID and BODY=BINARYMIME out of MAIL FROM's parameters."""
    ret = envid = ""
    binarymime = False
    rest: list[str] = []
    seen: set[str] = set()
    for keyword, value, token in _split(tokens):
        if keyword == "RET":
            _once(seen, keyword)
            ret = parse_ret(value)
        elif keyword == "ENVID":
            _once(seen, keyword)
            envid = parse_envid(value)
        elif keyword == "BODY":
            _once(seen, keyword)
            if value is not None and value.upper() == "BINARYMIME":
                binarymime = True
            else:
                rest.append(token)  # 7BIT and 8BITMIME stay aiosmtpd's business
        else:
            rest.append(token)
    return MailParams(ret=ret, envid=envid, binarymime=binarymime, rest=tuple(rest))


def parse_rcpt_params(tokens: Iterable[str]) -> RcptParams:
    """Take NOTIFY and ORCPT out of RCPT TO's parameters."""
    notify = orcpt = ""
    rest: list[str] = []
    seen: set[str] = set()
    for keyword, value, token in _split(tokens):
        if keyword == "NOTIFY":
            _once(seen, keyword)
            notify = parse_notify(value)
        elif keyword == "ORCPT":
            _once(seen, keyword)
            orcpt = parse_orcpt(value)
        else:
            rest.append(token)
    return RcptParams(notify=notify, orcpt=orcpt, rest=tuple(rest))
