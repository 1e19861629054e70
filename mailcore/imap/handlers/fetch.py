"""FETCH and UID FETCH (RFC 3501 6.4.5, 6.4.8; RFC 7162 MODSEQ and CHANGEDSINCE).

Everything but the message text comes from the item row and its cached summary
(ENVELOPE and BODYSTRUCTURE are never recomputed). Messages are fetched in batches: the
reply for one batch is written before the next is read, so FETCH 1:* on a large mailbox
needs the memory of one batch, and a slow reader holds no database connection.
"""

from __future__ import annotations

from mailcore import store
from mailcore.models import Item

from .. import commands as c
from ..fetchbody import body_item, rfc822_item, sets_seen
from ..responses import EXPUNGEISSUED, NO, OK, Reply, status_line, untagged
from ..session import Session
from ..structure import body_structure, envelope
from ..wire import date_time, flag_list

BATCH = 200
SUMMARY_ITEMS = {"ENVELOPE", "BODYSTRUCTURE", "BODY"}
RAW_ITEMS = {"RFC822", "RFC822.HEADER", "RFC822.TEXT"}


def fetch(session: Session, cmd: c.Fetch) -> Reply:
    view = session.selected
    assert view is not None
    items = list(cmd.items)
    names = {a.name for a in items}
    if (cmd.uid or cmd.changed_since is not None) and "UID" not in names:
        items.insert(0, c.FetchAtt("UID"))  # RFC 3501 6.4.8: UID FETCH always reports UID
    if cmd.changed_since is not None or "MODSEQ" in names:
        session.enable_condstore()
    if view.condstore and "MODSEQ" not in names and cmd.changed_since is not None:
        items.append(c.FetchAtt("MODSEQ"))
    uids = view.resolve(cmd.numbers, cmd.uid)
    plan = _Plan(session, items, cmd.changed_since)
    return _batch(session, cmd, plan, uids, 0, gone=False)


class _Plan:
    def __init__(self, session: Session, items: list[c.FetchAtt], changed_since: int | None):
        self.session, self.items, self.changed_since = session, items, changed_since
        names = {a.name for a in items}
        self.raw = bool(names & RAW_ITEMS) or any(a.section for a in items)
        # Cutting sections out of the raw message needs the summary's offsets.
        self.summary = bool(names & SUMMARY_ITEMS) or self.raw
        view = session.selected
        assert view is not None
        self.sets_seen = not view.readonly and any(sets_seen(a) for a in items)
        self.flags = "FLAGS" in names


def _batch(session: Session, cmd: c.Fetch, plan: _Plan, uids: list[int], start: int, gone: bool):
    view = session.selected
    assert view is not None
    chunk = uids[start : start + BATCH]
    found = (
        store.items(view.account, view.folder, chunk, with_summary=plan.summary) if chunk else []
    )
    gone = gone or len(found) < len(chunk)
    if plan.changed_since is not None:
        found = [i for i in found if i.modseq > plan.changed_since]
    if plan.sets_seen:
        _mark_seen(session, found)
    shown = [item for item in found if view.msn(item.uid)]
    lines = view.announce(_keywords(plan, shown))
    lines += [_render(session, plan, item) for item in shown]
    rest = start + BATCH
    if rest < len(uids):
        return Reply(lines, more=lambda: _batch(session, cmd, plan, uids, rest, gone))
    if gone:
        # RFC 5530: some messages were expunged by another session meanwhile; their
        # numbers stay valid until this session may be told (7.4.1).
        lines.append(status_line(cmd.tag, NO, "Some messages were expunged", EXPUNGEISSUED))
    else:
        lines.append(status_line(cmd.tag, OK, "FETCH completed"))
    return session._with_updates(cmd, Reply(lines)) if start else Reply(lines)


def _keywords(plan: _Plan, items: list[Item]) -> list[str]:
    """The keywords the FETCH responses of `items` will show (FLAGS asked for, or sent
    because \\Seen was set), for SelectedMailbox.announce."""
    if plan.flags or plan.sets_seen:
        return [k for item in items for k in item.keywords.split()]
    return []


def _mark_seen(session: Session, found: list[Item]) -> None:
    view = session.selected
    assert view is not None
    unseen = [i for i in found if not i.seen]
    if not unseen:
        return
    result = store.store_flags(
        view.account, view.folder, [i.uid for i in unseen], store.FlagMode.ADD, ["\\Seen"]
    )
    for change in result.changed:
        view.own_modseqs.add(change.modseq)
    modseqs = {ch.uid: ch.modseq for ch in result.changed}
    for item in unseen:
        item.seen = True
        item.modseq = modseqs.get(item.uid, item.modseq)
        item.flags_changed = True  # report FLAGS with the response (6.4.5)


def _render(session: Session, plan: _Plan, item: Item) -> bytes:
    view = session.selected
    assert view is not None
    msn = view.msn(item.uid)
    parts: list[bytes] = []
    summary = store.summary_of(item) if plan.summary else None
    # The item came from store.items for this account, so its blob is known and owned;
    # read_raw would look both up again, one query per message.
    raw = store.read_blob(item.blob_id) if plan.raw else b""
    wants_flags = False
    for att in plan.items:
        name = att.name
        if att.section is not None:
            assert summary is not None
            parts.append(body_item(raw, summary, att.section))
        elif name == "UID":
            parts.append(b"UID %d" % item.uid)
        elif name == "FLAGS":
            wants_flags = True
            parts.append(b"FLAGS " + _flags(session, item))
        elif name == "INTERNALDATE":
            parts.append(b"INTERNALDATE " + date_time(item.internal_date_as_given))
        elif name == "RFC822.SIZE":
            parts.append(b"RFC822.SIZE %d" % item.size)
        elif name == "MODSEQ":
            parts.append(b"MODSEQ (%d)" % item.modseq)
        elif name == "ENVELOPE":
            assert summary is not None
            parts.append(b"ENVELOPE " + envelope(summary.envelope))
        elif name in ("BODYSTRUCTURE", "BODY"):
            assert summary is not None
            extensible = name == "BODYSTRUCTURE"
            parts.append(name.encode() + b" " + body_structure(summary.body, extensible))
        elif name == "RFC822" or name == "RFC822.HEADER" or name == "RFC822.TEXT":
            assert summary is not None
            parts.append(rfc822_item(raw, summary, name))
    if getattr(item, "flags_changed", False):
        if not wants_flags:
            parts.append(b"FLAGS " + _flags(session, item))
        if view.condstore:
            # RFC 7162 3.1: once CONDSTORE is enabled, a FETCH that sets \\Seen reports
            # the message's UID and new MODSEQ with its flags.
            asked = {a.name for a in plan.items}
            parts += [b"UID %d" % item.uid] if "UID" not in asked else []
            parts += [b"MODSEQ (%d)" % item.modseq] if "MODSEQ" not in asked else []
    return untagged(b"%d FETCH (" % msn + b" ".join(parts) + b")")


def _flags(session: Session, item: Item) -> bytes:
    view = session.selected
    assert view is not None
    names = view.spelled(store.flag_names(item))
    if item.uid in view.recent:
        names.append("\\Recent")
    return flag_list(names)
