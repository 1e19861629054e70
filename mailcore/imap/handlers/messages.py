"""Changing messages: STORE, COPY, MOVE (RFC 6851), EXPUNGE and UID EXPUNGE (RFC 4315),
CLOSE, UNSELECT (RFC 3691) and APPEND (with RFC 4315 APPENDUID)."""

from __future__ import annotations

from mailcore import store

from .. import commands as c
from ..responses import CANNOT, TRYCREATE, No, Reply, untagged
from ..session import Session, State
from ..wire import sequence_set
from .mailboxes import mail_folder, path_of, refusals

MODES = {
    "add": store.FlagMode.ADD,
    "remove": store.FlagMode.REMOVE,
    "replace": store.FlagMode.REPLACE,
}


def _writable(session: Session):
    view = session.selected
    assert view is not None
    if view.readonly:
        raise No("mailbox is read-only (EXAMINE)", CANNOT)
    return view


def store_(session: Session, cmd: c.Store) -> Reply:
    view = _writable(session)
    if cmd.unchanged_since is not None:
        session.enable_condstore()
    uids = view.resolve(cmd.numbers, cmd.uid)
    # \Recent is the server's to set (RFC 3501 2.3.2): ignore it in STORE, as others do.
    flags = [f for f in cmd.flags if f.lower() != "\\recent"]
    with refusals():
        result = store.store_flags(
            view.account,
            view.folder,
            uids,
            MODES[cmd.mode],
            flags,
            unchanged_since=cmd.unchanged_since,
        )
    changed = {ch.uid: ch for ch in result.changed}
    for ch in result.changed:
        view.own_modseqs.add(ch.modseq)
    lines = []
    if not cmd.silent:
        # Report every message of the set with its flags as they now are (6.4.6), not
        # only those that changed; one query for the unchanged ones.
        others = [u for u in uids if u not in changed and u not in set(result.modified)]
        current = {
            i.uid: i for i in store.items(view.account, view.folder, others, with_summary=False)
        }
        reported = []
        for uid in uids:
            if uid in changed:
                reported.append((uid, changed[uid].flags, changed[uid].modseq))
            elif uid in current:
                item = current[uid]
                reported.append((uid, store.flag_names(item), item.modseq))
        lines.extend(view.announce(name for _, names, _ in reported for name in names))
        for uid, names, modseq in reported:
            lines.append(view.flags_response(view.msn(uid), uid, names, modseq))
    elif view.condstore:
        # RFC 7162 3.2: with .SILENT the new MODSEQ is still reported.
        for uid, ch in changed.items():
            text = b"%d FETCH (UID %d MODSEQ (%d))" % (view.msn(uid), uid, ch.modseq)
            lines.append(untagged(text))
    if result.modified:
        numbers = result.modified if cmd.uid else [view.msn(u) for u in result.modified]
        code = "MODIFIED " + sequence_set(numbers).decode()
        return session.ok(cmd.tag, "Conditional STORE failed", code, lines)
    return session.ok(cmd.tag, "STORE completed", lines=lines)


def copy(session: Session, cmd: c.Copy) -> Reply:
    return _transfer(session, cmd.tag, cmd.numbers, cmd.mailbox, cmd.uid, move=False)


def move(session: Session, cmd: c.Move) -> Reply:
    _writable(session)
    return _transfer(session, cmd.tag, cmd.numbers, cmd.mailbox, cmd.uid, move=True)


def _transfer(session: Session, tag: str, numbers, mailbox: str, uid: bool, move: bool) -> Reply:
    view = session.selected
    assert view is not None
    target = mail_folder(view.account, path_of(session, mailbox), TRYCREATE)
    uids = view.resolve(numbers, uid)
    verb = "MOVE" if move else "COPY"
    if not uids:
        return session.ok(tag, f"{verb} completed (nothing to do)")
    with refusals():
        op = store.move if move else store.copy
        result = op(view.account, view.folder, uids, target)
    if not result.pairs:
        return session.ok(tag, f"{verb} completed")
    sources = sequence_set([s for s, _ in result.pairs]).decode()
    targets = sequence_set([d for _, d in result.pairs]).decode()
    code = f"COPYUID {result.uidvalidity} {sources} {targets}"
    if not move:
        return session.ok(tag, "COPY completed", code)
    # RFC 6851 4.3: COPYUID goes in an untagged OK before the EXPUNGE responses.
    lines = [untagged(f"OK [{code}] Moved"), *view.remove(s for s, _ in result.pairs)]
    return session.ok(tag, "MOVE completed", lines=lines)


def expunge(session: Session, cmd: c.Expunge) -> Reply:
    view = _writable(session)
    uids = None if cmd.uids is None else view.resolve(cmd.uids, True)
    if uids == []:
        return session.ok(cmd.tag, "EXPUNGE completed")
    removed = store.expunge(view.account, view.folder, uids)
    lines = view.remove(removed)
    return session.ok(cmd.tag, "EXPUNGE completed", lines=lines)


def close(session: Session, cmd: c.Close) -> Reply:
    # RFC 3501 6.4.2: expunge silently (not in a read-only mailbox), then deselect.
    view = session.selected
    assert view is not None
    if not view.readonly:
        store.expunge(view.account, view.folder)
    session.selected, session.state = None, State.AUTHENTICATED
    return session.ok(cmd.tag, "CLOSE completed")


def unselect(session: Session, cmd: c.Unselect) -> Reply:
    session.selected, session.state = None, State.AUTHENTICATED
    return session.ok(cmd.tag, "UNSELECT completed")


def append(session: Session, cmd: c.Append) -> Reply:
    account = session.require_account()
    folder = mail_folder(account, path_of(session, cmd.mailbox), TRYCREATE)
    flags = [f for f in cmd.flags if f.lower() != "\\recent"]
    if not cmd.message:
        raise No("empty message", CANNOT)
    with refusals():
        appended = store.append(
            account, folder, cmd.message, flags=flags, internal_date=cmd.internal_date
        )
    code = f"APPENDUID {appended.uidvalidity} {appended.uid}"
    return session.ok(cmd.tag, "APPEND completed", code)
