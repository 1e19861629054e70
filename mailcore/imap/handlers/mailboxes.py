"""Mailbox commands (RFC 3501 6.3): SELECT/EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE,
UNSUBSCRIBE, LIST (with RFC 5258/6154 options), LSUB, NAMESPACE, STATUS; and RFC 9208
QUOTA. Only mail folders are IMAP mailboxes; calendars and contacts stay out of sight."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from mailcore import store
from mailcore.models import Account, Folder, FolderKind, SpecialUse

from .. import commands as c
from ..mutf7 import decode as mutf7_decode
from ..patterns import ancestors, parents
from ..patterns import compile as compile_pattern
from ..responses import (
    ALREADYEXISTS,
    CANNOT,
    NONEXISTENT,
    NOPERM,
    READ_ONLY,
    READ_WRITE,
    Bad,
    No,
    Reply,
    status_line,
    untagged,
)
from ..selected import SelectedMailbox
from ..session import Session, State
from ..wire import mailbox_name

DELIMITER = store.DELIMITER


# --- names --------------------------------------------------------------------------


def path_of(session: Session, name: str) -> str:
    """The store path for a mailbox name as the client sent it (modified UTF-7)."""
    if "UTF8=ACCEPT" in session.enabled:
        return name
    try:
        return mutf7_decode(name)
    except ValueError:
        raise Bad("mailbox name is not valid modified UTF-7") from None


def wire_name(session: Session, path: str) -> bytes:
    return mailbox_name(path, "UTF8=ACCEPT" in session.enabled)


def mail_folder(account: Account, path: str, missing_code: str = NONEXISTENT) -> Folder:
    try:
        folder = store.find_folder(account, path)
    except store.InvalidName:
        raise No("no such mailbox", missing_code) from None
    except store.NotFound:
        raise No("no such mailbox", missing_code) from None
    if folder.kind != FolderKind.MAIL:
        raise No("no such mailbox", missing_code)
    return folder


@contextlib.contextmanager
def refusals() -> Iterator[None]:
    """Turn a store refusal into the NO it becomes (RFC 5530 response codes)."""
    try:
        yield
    except store.StoreError as exc:
        raise store_failure(exc) from None


def store_failure(exc: store.StoreError) -> No:
    codes = {
        store.NotFound: NONEXISTENT,
        store.AlreadyExists: ALREADYEXISTS,
        store.NotPermitted: CANNOT,
        store.HasChildren: "INUSE",
        store.InvalidName: CANNOT,
        store.QuotaExceeded: "OVERQUOTA",
        store.TooLarge: "TOOBIG",
        store.InvalidFlag: CANNOT,
    }
    return No(str(exc) or "refused", codes.get(type(exc), CANNOT))


# --- SELECT / EXAMINE -------------------------------------------------------------------


def select(session: Session, cmd: c.Select) -> Reply:
    account = session.require_account()
    # A name that is not modified UTF-7 is a BAD command: like every BAD, and as in
    # Dovecot, it leaves the session as it was.
    path = path_of(session, cmd.mailbox)
    # RFC 3501 6.3.1: a SELECT that fails (NO) has deselected the current mailbox.
    session.selected, session.state = None, State.AUTHENTICATED
    folder = mail_folder(account, path)
    if cmd.condstore:
        session.enable_condstore()
    view = SelectedMailbox(
        account, folder, readonly=cmd.readonly, condstore="CONDSTORE" in session.enabled
    )
    lines = [
        *view.flags_lines(),
        untagged(b"%d EXISTS" % view.exists),
        untagged(b"%d RECENT" % len(view.recent)),
    ]
    unseen = store.first_unseen_uid(account, folder)
    if unseen is not None and view.msn(unseen):
        lines.append(untagged(b"OK [UNSEEN %d] First unseen" % view.msn(unseen)))
    lines += [
        untagged(b"OK [UIDVALIDITY %d] UIDs valid" % view.uidvalidity),
        untagged(b"OK [UIDNEXT %d] Predicted next UID" % view.uidnext),
        # RFC 7162 3.1.2.1: a CONDSTORE server reports HIGHESTMODSEQ on every SELECT.
        untagged(b"OK [HIGHESTMODSEQ %d] Highest" % view.modseq),
    ]
    session.selected, session.state = view, State.SELECTED
    verb = "EXAMINE" if cmd.readonly else "SELECT"
    return session.ok(
        cmd.tag, f"{verb} completed", READ_ONLY if cmd.readonly else READ_WRITE, lines
    )


# --- CREATE / DELETE / RENAME / SUBSCRIBE ------------------------------------------------

SPECIAL_USES = {
    value.lower(): value for value in SpecialUse.values if value and value != SpecialUse.INBOX
}


def create(session: Session, cmd: c.Create) -> Reply:
    account = session.require_account()
    # RFC 3501 6.3.3: a trailing delimiter says the name will hold children; we create
    # the folder either way.
    path = path_of(session, cmd.mailbox).rstrip(DELIMITER)
    special = ""
    for use in cmd.special_use:
        if use.lower() not in SPECIAL_USES or special:
            raise No(f"cannot create a mailbox with {use}", "USEATTR")
        special = SPECIAL_USES[use.lower()]
    with refusals():
        store.create_folder(account, path, FolderKind.MAIL, special)
    return session.ok(cmd.tag, "CREATE completed")


def delete(session: Session, cmd: c.Delete) -> Reply:
    account = session.require_account()
    folder = mail_folder(account, path_of(session, cmd.mailbox))
    with refusals():
        store.delete_folder(account, folder)
    if session.selected is not None and session.selected.folder.pk == folder.pk:
        # The session deleted its own selected mailbox: like Dovecot, it is closed (back
        # to the authenticated state) and the client hears the tagged OK, not the BYE
        # that ends a session whose mailbox another session deleted.
        session.selected, session.state = None, State.AUTHENTICATED
    return session.ok(cmd.tag, "DELETE completed")


def rename(session: Session, cmd: c.Rename) -> Reply:
    account = session.require_account()
    folder = mail_folder(account, path_of(session, cmd.old))
    with refusals():
        store.rename_folder(account, folder, path_of(session, cmd.new).rstrip(DELIMITER))
    return session.ok(cmd.tag, "RENAME completed")


def subscribe(session: Session, cmd: c.Subscribe) -> Reply:
    return _subscription(session, cmd.tag, cmd.mailbox, True)


def unsubscribe(session: Session, cmd: c.Unsubscribe) -> Reply:
    return _subscription(session, cmd.tag, cmd.mailbox, False)


def _subscription(session: Session, tag: str, name: str, on: bool) -> Reply:
    account = session.require_account()
    path = path_of(session, name)
    with refusals():
        if on:
            # RFC 3501 6.3.6: the server MAY refuse a name that is not a mailbox; we do.
            store.set_subscribed(account, mail_folder(account, path), True)
        else:
            # A subscription outlives its mailbox (6.3.6), so its name alone unsubscribes.
            store.set_subscribed(account, path, False)
    return session.ok(tag, ("SUBSCRIBE" if on else "UNSUBSCRIBE") + " completed")


# --- LIST / LSUB / NAMESPACE ------------------------------------------------------------


def _attributes(folder: Folder | None, path: str, parents: set[str]) -> list[str]:
    """A name's attributes; folder None: a subscribed name whose mailbox is gone."""
    if folder is None:
        # RFC 5258 3: \NonExistent (which implies \Noselect); no \HasNoChildren for a
        # name that is not a mailbox.
        return ["\\NonExistent", *(["\\HasChildren"] if path in parents else [])]
    attrs = ["\\HasChildren" if path in parents else "\\HasNoChildren"]
    if folder.special_use and folder.special_use != SpecialUse.INBOX:
        attrs.append(folder.special_use)
    return attrs


def _mailboxes(account: Account) -> tuple[dict[str, Folder], set[str]]:
    """The account's mail folders by path, and its subscribed names. A subscription on
    the path of a calendar or other non-mail folder is not IMAP's to show."""
    folders = store.list_folders(account)
    mail = {f.path: f for f in folders if f.kind == FolderKind.MAIL}
    hidden = {f.path for f in folders if f.kind != FolderKind.MAIL}
    return mail, store.subscriptions(account) - hidden


def _by_path(path: str) -> tuple[bool, str]:
    return (path != store.INBOX, path)


def list_(session: Session, cmd: c.List) -> Reply:
    account = session.require_account()
    if not cmd.extended and cmd.patterns == ("",):
        # RFC 3501 6.3.8: an empty name asks for the delimiter and the root.
        line = untagged(b'LIST (\\Noselect) "/" ""')
        return session.ok(cmd.tag, "LIST completed", lines=[line])
    mailboxes, subscribed = _mailboxes(account)
    with_children = parents(mailboxes)
    matchers = [
        compile_pattern(path_of(session, cmd.reference), path_of(session, p)) for p in cmd.patterns
    ]

    def matches(path: str) -> bool:
        return any(m(path) for m in matchers)

    show_subscribed = "SUBSCRIBED" in cmd.selection or "SUBSCRIBED" in cmd.returns
    names = set(mailboxes)
    childinfo: set[str] = set()
    if "SUBSCRIBED" in cmd.selection:
        # RFC 5258 3.1: SUBSCRIBED lists the subscribed names, mailboxes or not.
        names = set(subscribed)
        if "RECURSIVEMATCH" in cmd.selection:
            # RFC 5258 3.5: a mailbox with a subscribed descendant is listed too, with
            # CHILDINFO saying why; a name that is no mailbox only when that descendant
            # is not listed itself (RFC 5258 3, \NonExistent).
            childinfo = parents(subscribed)
            names |= {p for p in childinfo - subscribed if p in mailboxes}
            names |= {
                p
                for p in childinfo - subscribed - set(mailboxes)
                if any(not matches(s) for s in subscribed if s.startswith(p + DELIMITER))
            }
    lines = []
    for path in sorted(names, key=_by_path):
        if not matches(path):
            continue
        folder = mailboxes.get(path)
        if "SPECIAL-USE" in cmd.selection and (
            folder is None or folder.special_use in ("", SpecialUse.INBOX)
        ):
            continue
        attrs = _attributes(folder, path, with_children)
        if show_subscribed and path in subscribed:
            attrs.append("\\Subscribed")
        extra = b""
        if path in childinfo and path not in subscribed:
            extra = b' ("CHILDINFO" ("SUBSCRIBED"))'
        name = wire_name(session, path)
        lines.append(untagged(f'LIST ({" ".join(attrs)}) "/" '.encode() + name + extra))
    return session.ok(cmd.tag, "LIST completed", lines=lines)


def lsub(session: Session, cmd: c.Lsub) -> Reply:
    account = session.require_account()
    mailboxes, subscribed = _mailboxes(account)
    with_children = parents(mailboxes)
    reference, pattern = path_of(session, cmd.reference), path_of(session, cmd.pattern)
    matcher = compile_pattern(reference, pattern)
    found: dict[str, str] = {}
    for path in sorted(subscribed, key=_by_path):
        if matcher(path):
            folder = mailboxes.get(path)
            # A subscribed name whose mailbox is gone is listed plain: LSUB's \Noselect
            # means "not subscribed itself" (6.3.9), and 6.3.6 keeps the name listed.
            attrs = _attributes(folder, path, with_children) if folder is not None else []
            found[path] = " ".join(attrs)
        elif (reference + pattern).endswith("%"):
            # RFC 3501 6.3.9: "foo/bar" subscribed but not "foo": LSUB "" "%" returns
            # "foo", flagged \Noselect.
            for level in ancestors(path, DELIMITER):
                if matcher(level):
                    found.setdefault(level, "\\Noselect")
    lines = [
        untagged(f'LSUB ({found[path]}) "/" '.encode() + wire_name(session, path))
        for path in sorted(found, key=_by_path)
    ]
    return session.ok(cmd.tag, "LSUB completed", lines=lines)


def namespace(session: Session, cmd: c.Namespace) -> Reply:
    # RFC 2342: one personal namespace with no prefix; no other users', no shared.
    line = untagged('NAMESPACE (("" "/")) NIL NIL')
    return session.ok(cmd.tag, "NAMESPACE completed", lines=[line])


# --- STATUS ------------------------------------------------------------------------------


def status(session: Session, cmd: c.Status) -> Reply:
    account = session.require_account()
    folder = mail_folder(account, path_of(session, cmd.mailbox))
    st = store.folder_status(account, folder)
    values = {
        "MESSAGES": st.exists,
        "UIDNEXT": st.uidnext,
        "UIDVALIDITY": st.uidvalidity,
        "UNSEEN": st.unseen,
        "HIGHESTMODSEQ": st.highestmodseq,
        "SIZE": st.size,
    }
    parts = []
    for item in cmd.items:
        if item == "RECENT":
            parts.append(f"RECENT {store.recent.recent_count(account, folder)}")
        else:
            parts.append(f"{item} {values[item]}")
        if item == "HIGHESTMODSEQ":
            session.enable_condstore()
    line = untagged(b"STATUS " + wire_name(session, folder.path) + f" ({' '.join(parts)})".encode())
    return session.ok(cmd.tag, "STATUS completed", lines=[line])


# --- QUOTA (RFC 9208) -------------------------------------------------------------------

QUOTA_ROOT = '""'


def _quota_line(account: Account) -> bytes | None:
    """The QUOTA response of the account's one quota root, None when it has no limit:
    RFC 9208 9 gives a QUOTA response at least one resource, and a resource a limit, so
    an unlimited account has no quota root at all."""
    limit = store.quota_limit(account)
    if not limit:
        return None
    used = store.quota_usage(account)
    # STORAGE is counted in units of 1024 octets (RFC 9208 5.1).
    return untagged(f"QUOTA {QUOTA_ROOT} (STORAGE {(used + 1023) // 1024} {limit // 1024})")


def getquotaroot(session: Session, cmd: c.GetQuotaRoot) -> Reply:
    account = session.require_account()
    folder = mail_folder(account, path_of(session, cmd.mailbox))
    quota = _quota_line(account)
    root = b"QUOTAROOT " + wire_name(session, folder.path)
    if quota is None:
        return session.ok(cmd.tag, "GETQUOTAROOT completed", lines=[untagged(root)])
    lines = [untagged(root + b" " + QUOTA_ROOT.encode()), quota]
    return session.ok(cmd.tag, "GETQUOTAROOT completed", lines=lines)


def getquota(session: Session, cmd: c.GetQuota) -> Reply:
    account = session.require_account()
    quota = _quota_line(account) if cmd.root == "" else None
    if quota is None:
        raise No("no such quota root", NONEXISTENT)
    return session.ok(cmd.tag, "GETQUOTA completed", lines=[quota])


def setquota(session: Session, cmd: c.SetQuota) -> Reply:
    # Limits are the administrator's to set (Django admin), not the user's.
    return Reply([status_line(cmd.tag, b"NO", "quotas are set by the administrator", NOPERM)])
