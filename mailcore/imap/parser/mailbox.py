"""Commands of the authenticated state that name mailboxes (RFC 3501 6.3), with the
extensions' parameters: SELECT (CONDSTORE) (RFC 7162), CREATE (USE (...)) (RFC 6154),
extended LIST (RFC 5258, 6154), STATUS HIGHESTMODSEQ/SIZE (RFC 7162, 8438), QUOTA (RFC
9208)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import cast

from mailcore.imap import commands as c
from mailcore.imap.parser.lexer import MAX_NUMBER64, Reader

STATUS_ITEMS = frozenset(
    {"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE"}
)
# RFC 5258 3: an unknown selection or return option is a BAD. RFC 6154 adds SPECIAL-USE
# to both lists.
LIST_SELECTION = frozenset({"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"})
LIST_RETURN = frozenset({"SUBSCRIBED", "CHILDREN", "SPECIAL-USE"})
# RFC 6154 2: use-attr, spelled as the RFC spells them.
USE_ATTRIBUTES = {
    a.upper(): a
    for a in ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
}


def parse_select(r: Reader, tag: str, *, readonly: bool) -> c.Select:
    """select = "SELECT" SP mailbox [select-params] (RFC 4466); CONDSTORE is the only
    parameter we know (RFC 7162 3.1.8)."""
    r.sp()
    mailbox = r.mailbox()
    condstore = False
    if not r.at_end():
        r.sp()
        params = r.paren_list()
        if not params or any(p != "CONDSTORE" for p in params):
            r.fail("unknown SELECT parameter")
        condstore = True
    return c.Select(tag, mailbox, readonly, condstore)


def parse_create(r: Reader, tag: str) -> c.Create:
    """create = "CREATE" SP mailbox [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"]."""
    r.sp()
    mailbox = r.mailbox()
    uses: tuple[str, ...] = ()
    if not r.at_end():
        r.sp()
        r.expect(b"(")
        r.expect(b"USE", "USE")
        r.sp()
        attributes = r.flag_list()
        r.expect(b")")
        if any(not a.startswith("\\") for a in attributes):
            r.fail("special-use attributes start with a backslash")
        uses = tuple(USE_ATTRIBUTES.get(a.upper(), a) for a in attributes)
    return c.Create(tag, mailbox, uses)


def _mailbox_only(
    cls: type[c.Delete | c.Subscribe | c.Unsubscribe | c.GetQuotaRoot],
) -> Callable[[Reader, str], c.Command]:
    def parse(r: Reader, tag: str) -> c.Command:
        r.sp()
        return cls(tag, r.mailbox())

    return parse


def parse_rename(r: Reader, tag: str) -> c.Rename:
    r.sp()
    old = r.mailbox()
    r.sp()
    return c.Rename(tag, old, r.mailbox())


def parse_list(r: Reader, tag: str) -> c.List:
    """list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
    (RFC 5258 6). The reference is kept as sent (it is not a mailbox to normalise)."""
    r.sp()
    extended = False
    selection: frozenset[str] = frozenset()
    if r.peek() == b"(":
        extended = True
        selection = frozenset(r.paren_list())
        if not selection <= LIST_SELECTION:
            r.fail("unknown LIST selection option")
        # RFC 5258 3: RECURSIVEMATCH alone (or with REMOTE only) is a BAD.
        if "RECURSIVEMATCH" in selection and not selection - {"RECURSIVEMATCH", "REMOTE"}:
            r.fail("RECURSIVEMATCH needs another selection option")
        r.sp()
    reference = r.text(r.astring("a reference"))
    r.sp()
    if r.peek() == b"(":
        extended = True
        patterns = r.parenthesized(r.list_mailbox, empty=False)
    else:
        patterns = [r.list_mailbox()]
    returns: frozenset[str] = frozenset()
    if not r.at_end():
        r.sp()
        r.expect(b"RETURN", "RETURN")
        r.sp()
        extended = True
        returns = frozenset(r.paren_list())
        if not returns <= LIST_RETURN:
            r.fail("unknown LIST return option")
    return c.List(tag, reference, tuple(patterns), selection, returns, extended)


def parse_lsub(r: Reader, tag: str) -> c.Lsub:
    r.sp()
    reference = r.text(r.astring("a reference"))
    r.sp()
    return c.Lsub(tag, reference, r.list_mailbox())


def parse_status(r: Reader, tag: str) -> c.Status:
    """status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"."""
    r.sp()
    mailbox = r.mailbox()
    r.sp()
    items = r.paren_list()
    if not items:
        r.fail("STATUS needs at least one item")
    if not STATUS_ITEMS.issuperset(items):
        r.fail("unknown STATUS item")
    return c.Status(tag, mailbox, tuple(cast(c.StatusItem, i) for i in items))


def parse_append(r: Reader, tag: str) -> c.Append:
    """append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal."""
    r.sp()
    mailbox = r.mailbox()
    r.sp()
    flags: tuple[str, ...] = ()
    when: datetime | None = None
    if r.peek() == b"(":
        flags = r.flag_list()
        r.sp()
    if r.peek() == b'"':
        when = r.date_time()
        r.sp()
    return c.Append(tag, mailbox, r.literal(), flags, when)


def parse_getquota(r: Reader, tag: str) -> c.GetQuota:
    r.sp()
    return c.GetQuota(tag, r.text(r.astring("a quota root")))


def parse_setquota(r: Reader, tag: str) -> c.SetQuota:
    """setquota = "SETQUOTA" SP quota-root-name SP "(" [resource-name SP number64 *(SP
    resource-name SP number64)] ")" (RFC 9208 7)."""
    r.sp()
    root = r.text(r.astring("a quota root"))
    r.sp()
    return c.SetQuota(tag, root, tuple(r.parenthesized(lambda: _resource_limit(r))))


def _resource_limit(r: Reader) -> tuple[str, int]:
    name = r.keyword("a resource name")
    r.sp()
    return name, r.number(MAX_NUMBER64, "resource limit")


COMMANDS: dict[str, Callable[[Reader, str], c.Command]] = {
    "SELECT": partial(parse_select, readonly=False),
    "EXAMINE": partial(parse_select, readonly=True),
    "CREATE": parse_create,
    "DELETE": _mailbox_only(c.Delete),
    "RENAME": parse_rename,
    "SUBSCRIBE": _mailbox_only(c.Subscribe),
    "UNSUBSCRIBE": _mailbox_only(c.Unsubscribe),
    "LIST": parse_list,
    "LSUB": parse_lsub,
    "STATUS": parse_status,
    "APPEND": parse_append,
    "GETQUOTA": parse_getquota,
    "GETQUOTAROOT": _mailbox_only(c.GetQuotaRoot),
    "SETQUOTA": parse_setquota,
}
