"""The IMAP command parser: bytes -> commands.Command, sans-IO and total.

Three pieces, none of which imports Django or touches a socket:

- `CommandAssembler` (framing): fed the octets as they arrive, it cuts them into whole
  commands (lines and literals concatenated verbatim), asks for "+ " continuations of
  synchronizing literals, and reports lines and literals over the limits (`events`).
- `literal_request(line)`: whether one line ends in a literal announcement {n} / {n+}.
- `parse(data)`: one whole command -> a Command, or ParseError (and nothing else, for any
  input; the unit tests fuzz it). The error carries the tag when one could be read.

Grammar: RFC 3501 section 9 and the extensions' ABNF, each cited where it is parsed.
Limits, beyond those of the grammar itself:
- MAX_DEPTH (32): nesting of parentheses and NOT/OR in SEARCH.
- MAX_ITEMS (10,000): elements of any one list (sequence-set ranges, FETCH items, SEARCH
  keys in one list, flags, patterns, header names, section parts).
- numbers: nz-number and number below 2^32, mod-sequences and quota limits below 2^63.
- literals: NUL octets are refused (CHAR8); literal8 ("~{n}") is refused (no BINARY).

Not the parser's business: whether a command is allowed in the session's state, whether
a mailbox exists, whether a flag may be set. The session decides those.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mailcore.imap import commands as c
from mailcore.imap.parser import events, general, mailbox
from mailcore.imap.parser.assembler import CommandAssembler, literal_request
from mailcore.imap.parser.events import Complete, Continue, Event, LineTooLong, TooLarge
from mailcore.imap.parser.fetch import parse_fetch
from mailcore.imap.parser.lexer import (
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_NUMBER,
    MAX_NUMBER64,
    Reader,
    tag_of,
)
from mailcore.imap.parser.messages import parse_copy, parse_store, parse_uid_expunge
from mailcore.imap.parser.search import parse_search

__all__ = [
    "COMMANDS",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "MAX_NUMBER",
    "MAX_NUMBER64",
    "UID_COMMANDS",
    "CommandAssembler",
    "Complete",
    "Continue",
    "Event",
    "LineTooLong",
    "TooLarge",
    "events",
    "literal_request",
    "parse",
    "tag_of",
]

Handler = Callable[[Reader, str], c.Command]

COMMANDS: dict[str, Handler] = {
    **general.COMMANDS,
    **mailbox.COMMANDS,
    "SEARCH": parse_search,
    "FETCH": parse_fetch,
    "STORE": parse_store,
    "COPY": parse_copy,
    "MOVE": partial(parse_copy, move=True),
}
# RFC 3501 6.4.8 UID, RFC 4315 UID EXPUNGE, RFC 6851 UID MOVE.
UID_COMMANDS: dict[str, Handler] = {
    "SEARCH": partial(parse_search, uid=True),
    "FETCH": partial(parse_fetch, uid=True),
    "STORE": partial(parse_store, uid=True),
    "COPY": partial(parse_copy, uid=True),
    "MOVE": partial(parse_copy, uid=True, move=True),
    "EXPUNGE": parse_uid_expunge,
}


def parse(data: bytes) -> c.Command:
    """command = tag SP (command-any / command-auth / command-nonauth / command-select)
    CRLF. `data` is the whole command as the assembler delivered it."""
    r = Reader(data)
    tag = r.read_tag()
    r.sp()
    name = r.keyword("a command name")
    handlers = COMMANDS
    if name == "UID":
        r.sp()
        name = r.keyword("a command name")
        handlers = UID_COMMANDS
    handler = handlers.get(name)
    if handler is None:
        r.fail("unknown command")
    command = handler(r, tag)
    r.end()
    return command
