"""Commands of the connection itself: any state (RFC 3501 6.1), not authenticated (6.2),
and the argument-less ones of the later states, with ID (RFC 2971), ENABLE (RFC 5161),
SASL-IR (RFC 4959), NAMESPACE (RFC 2342), IDLE (RFC 2177) and UNSELECT (RFC 3691)."""

from __future__ import annotations

import re
from collections.abc import Callable

from mailcore.imap import commands as c
from mailcore.imap.parser.lexer import Reader

# base64 = *(4base64-char) [base64-terminal] (RFC 3501 9); "=" is an empty response.
_BASE64 = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
# RFC 2971 3.3: at most 30 field-value pairs, fields of at most 30 octets, values of 1024.
MAX_ID_PAIRS = 30
MAX_ID_FIELD = 30
MAX_ID_VALUE = 1024


def no_arguments(cls: type[c.Command]) -> Callable[[Reader, str], c.Command]:
    """CAPABILITY, NOOP, LOGOUT, STARTTLS, NAMESPACE, IDLE, CHECK, CLOSE, UNSELECT,
    EXPUNGE: the command name is the whole command."""

    def parse(r: Reader, tag: str) -> c.Command:
        return cls(tag)

    return parse


def parse_id(r: Reader, tag: str) -> c.Id:
    """id = "ID" SP id-params-list; id-params-list = "(" *(string SP nstring) ")" / nil."""
    r.sp()
    if r.take(b"NIL"):
        return c.Id(tag, None)
    params = r.parenthesized(lambda: _id_pair(r))
    if len(params) > MAX_ID_PAIRS:
        r.fail("too many ID fields")
    return c.Id(tag, tuple(params))


def _id_pair(r: Reader) -> tuple[str, str | None]:
    field = r.text(r.string())
    r.sp()
    raw = r.nstring()
    value = None if raw is None else r.text(raw)
    if len(field) > MAX_ID_FIELD or (value is not None and len(value) > MAX_ID_VALUE):
        r.fail("ID field or value too long")
    return field, value


def parse_enable(r: Reader, tag: str) -> c.Enable:
    """enable = "ENABLE" 1*(SP capability)."""
    names: list[str] = []
    while not r.at_end():
        r.sp()
        names.append(r.keyword("a capability name"))
        r.items(len(names))
    if not names:
        r.fail("ENABLE needs at least one capability")
    return c.Enable(tag, tuple(names))


def parse_authenticate(r: Reader, tag: str) -> c.Authenticate:
    """authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")] (RFC 4959)."""
    r.sp()
    mechanism = r.keyword("a SASL mechanism")
    initial = None
    if not r.at_end():
        r.sp()
        if r.take(b"="):
            initial = "="
        else:
            raw = r.match(_BASE64, "a base64 initial response").group()
            if not raw:
                r.fail("expected a base64 initial response")
            initial = raw.decode("ascii")
    return c.Authenticate(tag, mechanism, initial)


def parse_login(r: Reader, tag: str) -> c.Login:
    """login = "LOGIN" SP userid SP password (both astrings)."""
    r.sp()
    user = r.text(r.astring("a user name"))
    r.sp()
    return c.Login(tag, user, r.text(r.astring("a password")))


COMMANDS: dict[str, Callable[[Reader, str], c.Command]] = {
    "CAPABILITY": no_arguments(c.Capability),
    "NOOP": no_arguments(c.Noop),
    "LOGOUT": no_arguments(c.Logout),
    "STARTTLS": no_arguments(c.StartTLS),
    "NAMESPACE": no_arguments(c.Namespace),
    "IDLE": no_arguments(c.Idle),
    "CHECK": no_arguments(c.Check),
    "CLOSE": no_arguments(c.Close),
    "UNSELECT": no_arguments(c.Unselect),
    "EXPUNGE": no_arguments(c.Expunge),
    "ID": parse_id,
    "ENABLE": parse_enable,
    "AUTHENTICATE": parse_authenticate,
    "LOGIN": parse_login,
}
