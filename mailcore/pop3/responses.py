"""POP3 replies as named constants, shared by the session and the tests.

Response codes in brackets are RFC 2449 section 8 (IN-USE, LOGIN-DELAY), RFC 3206 (SYS/TEMP,
SYS/PERM, AUTH). Every reply is one line without its CRLF; the session adds it.
"""

from __future__ import annotations

OK = "+OK"
ERR = "-ERR"

GREETING = "+OK POP3 server ready"
BYE = "+OK bye"
CAPA_FOLLOWS = "+OK capability list follows"
USER_OK = "+OK send your password"
LOGGED_IN = "+OK maildrop locked and ready, {count} messages ({octets} octets)"
STLS_OK = "+OK begin TLS negotiation"
AUTH_CONTINUE = "+ "
AUTH_MECHANISMS = "+OK SASL mechanisms follow"
MESSAGE_FOLLOWS = "+OK {octets} octets"
TOP_FOLLOWS = "+OK top of message follows"
LIST_FOLLOWS = "+OK {count} messages ({octets} octets)"
UIDL_FOLLOWS = "+OK unique-id listing follows"
DELETED = "+OK message {msg} deleted"
RSET_OK = "+OK maildrop has {count} messages ({octets} octets)"
NOOP_OK = "+OK"
QUIT_OK = "+OK bye, {deleted} messages deleted"

# -ERR replies. The bracketed codes are machine-readable (RFC 2449 8, RFC 3206).
UNKNOWN_COMMAND = "-ERR unknown command"
SYNTAX = "-ERR syntax error: {detail}"
NOT_IN_STATE = "-ERR command not valid in this state"
TLS_REQUIRED = "-ERR [AUTH] authentication requires TLS; use STLS first"
ALREADY_TLS = "-ERR TLS already active"
USER_FIRST = "-ERR send USER first"
AUTH_FAILED = "-ERR [AUTH] invalid user name or password"
AUTH_BLOCKED = "-ERR [AUTH] too many failed logins, try again later"
AUTH_CANCELLED = "-ERR authentication cancelled"
AUTH_BAD_RESPONSE = "-ERR [AUTH] malformed SASL response"
UNSUPPORTED_MECHANISM = "-ERR unsupported SASL mechanism"
APOP_UNSUPPORTED = "-ERR APOP not supported; use USER/PASS or AUTH PLAIN"
IN_USE = "-ERR [IN-USE] maildrop already locked by another session"
NO_SUCH_MESSAGE = "-ERR no such message"
ALREADY_DELETED = "-ERR message {msg} already deleted"
MESSAGE_GONE = "-ERR message {msg} was removed by another session"
TEMPORARY_FAILURE = "-ERR [SYS/TEMP] temporary failure, try again later"
QUIT_FAILED = "-ERR [SYS/TEMP] could not remove deleted messages; they are kept"
TOO_MANY_ERRORS = "-ERR too many bad commands, closing connection"
TOO_MANY_CONNECTIONS = "-ERR [SYS/TEMP] too many connections, try again later"
AUTOLOGOUT = "-ERR autologout: idle for too long"
INTERNAL_ERROR = "-ERR [SYS/TEMP] internal error"
