"""Items: append (the one way anything enters a folder), read, copy, move, expunge."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import Sum
from django.utils import timezone

from ..mime import MessageSummary, summarize
from ..models import Account, Change, Folder, Item, ItemText
from . import bulk, fulltext
from .blobs import blob_rows, read_blob, stage_bytes
from .errors import NotFound, QuotaExceeded, TooLarge
from .events import publish_on_commit
from .flags import SYSTEM_FLAGS, FlagSet, flag_names
from .folders import lock_folder, owned_folder
from .uids import UidSet


@dataclass(frozen=True)
class PreparedMessage:
    """Bytes already durable in blob storage, with their summary: computed once and
    shared when one message is appended to many folders (delivery to several accounts)."""

    raw: bytes
    digest: str
    summary: MessageSummary
    stored: bool = False  # a Blob row holds these bytes already (the queue's)

    @property
    def size(self) -> int:
        return len(self.raw)


@dataclass(frozen=True)
class GroupwareFields:
    ical_uid: str = ""
    start: datetime | None = None
    end: datetime | None = None
    recurrence_end: datetime | None = None


@dataclass(frozen=True)
class Appended:
    folder_id: int
    item_id: int
    uid: int
    uidvalidity: int
    modseq: int


@dataclass(frozen=True)
class Copied:
    uidvalidity: int
    # (source UID, destination UID) pairs in source-UID order, for RFC 4315 COPYUID.
    pairs: list[tuple[int, int]] = field(default_factory=list)


def prepare(raw: bytes, *, stored_as: str = "") -> PreparedMessage:
    """Check the size, summarise, and make the bytes ready to commit (`stage_bytes`:
    large ones are written durably now, outside any transaction).

    `stored_as` is the digest of a committed Blob row that holds exactly these bytes
    (the queue's): they are then neither hashed nor stored again."""
    if len(raw) > settings.MAIL_MAX_MESSAGE_SIZE:
        raise TooLarge(f"message larger than {settings.MAIL_MAX_MESSAGE_SIZE} bytes")
    summary = summarize(raw)
    if stored_as:
        return PreparedMessage(raw, stored_as, summary, stored=True)
    return PreparedMessage(raw, stage_bytes(raw), summary)


def quota_usage(account: Account) -> int:
    return Folder.objects.filter(account=account).aggregate(s=Sum("size_total"))["s"] or 0


def _check_quota(account: Account, needed: int) -> None:
    limit = Account.objects.filter(pk=account.pk).values_list("quota_bytes", flat=True).first()
    if limit:
        _refuse_over_quota(quota_usage(account), limit, needed)


def _refuse_over_quota(usage: int, limit: int, needed: int) -> None:
    """QuotaExceeded if `needed` more bytes would pass the account's limit (0: none).
    Checked against committed usage: two appends racing into different folders can
    overshoot it by one message, which is the usual soft-quota behaviour."""
    if limit and usage + needed > limit:
        raise QuotaExceeded(usage, limit, needed)


def _thread_id(account: Account, summary: MessageSummary, earlier: dict[str, str]) -> str:
    """The thread of a parent named in References/In-Reply-To (stored, or appended
    earlier in the same batch: `earlier` maps their Message-IDs to threads), else one
    rooted at the first reference or at this message. No query without references."""
    refs = [*summary.references, *summary.in_reply_to]
    if refs:
        parent = (
            Item.objects.filter(folder__account=account, message_id__in=refs[-20:])
            .exclude(thread_id="")
            .values_list("thread_id", flat=True)
            .first()
        ) or next((earlier[r] for r in reversed(refs) if earlier.get(r)), "")
        if parent:
            return parent
    root = refs[0] if refs else (summary.message_id or "")
    if not root:
        return ""
    return hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _addresses(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(f"{name} <{addr}>" if name else addr for name, addr in pairs)


@dataclass(frozen=True)
class _NewItem:
    prepared: PreparedMessage
    flag_set: FlagSet
    internal_date: datetime | None
    item_class: str
    groupware: GroupwareFields


def append(
    account: Account,
    folder: Folder,
    message: bytes | PreparedMessage,
    *,
    flags: Iterable[str] = (),
    internal_date: datetime | None = None,
    item_class: str = "IPM.Note",
    groupware: GroupwareFields | None = None,
) -> Appended:
    """Store one item in a folder. Every way anything enters a mailbox ends here:
    SMTP delivery, IMAP APPEND, the web UI's drafts and sent copies, EWS, DAV PUT."""
    prepared = message if isinstance(message, PreparedMessage) else prepare(message)
    new = _NewItem(
        prepared, FlagSet.parse(flags), internal_date, item_class, groupware or GroupwareFields()
    )
    with transaction.atomic():
        return _append_locked(account, folder, [new])[0]


def append_many(
    account: Account, folder: Folder, messages: list[PreparedMessage], *, savepoint: bool = True
) -> list[Appended]:
    """Store several messages in a folder in one transaction: exactly what `append` of
    each in turn would store (ascending UIDs and MODSEQs in list order, a change row and
    an event per item, the counters), with one folder lock, one quota check and one
    insert per table. All or nothing: if the quota cannot take them all, QuotaExceeded
    and nothing is stored (the caller may then append them one by one). Inside a
    transaction that is a savepoint of its own; with savepoint=False, a caller that has
    one already (or nothing to keep) saves its two statements, and a failure then fails
    the caller's transaction or savepoint."""
    entries = [
        _NewItem(m, FlagSet.parse(()), None, "IPM.Note", GroupwareFields()) for m in messages
    ]
    if not entries:
        return []
    with transaction.atomic(savepoint=savepoint):
        return _append_locked(account, folder, entries)


def _append_locked(account: Account, folder: Folder, entries: list[_NewItem]) -> list[Appended]:
    total = sum(e.prepared.size for e in entries)
    unseen = sum(1 for e in entries if "seen" not in e.flag_set.system)
    # Lock the folder, take the UIDs and MODSEQs and count the new items in, all in one
    # statement; over quota, raising undoes it with the rest of the transaction.
    locked = _reserve(account, folder.pk, len(entries), unseen, total)
    _refuse_over_quota(locked.usage, locked.quota_bytes, total)
    # The rows pointing at these bytes commit in this transaction, and with them the
    # Blob rows that `prepare` staged (the queue's are there already).
    staged = {e.prepared.digest: e.prepared.raw for e in entries if not e.prepared.stored}
    bulk.insert(blob_rows(staged), ignore_conflicts=True)
    received = timezone.localtime()  # the internal date of what comes without one
    threads: dict[str, str] = {}
    rows: list[Item] = []
    for n, entry in enumerate(entries):
        summary = entry.prepared.summary
        item = _new_item(folder.pk, entry, locked.uidnext + n, locked.highestmodseq + 1 + n)
        _set_internal_date(item, entry.internal_date or received)
        item.thread_id = _thread_id(account, summary, threads)
        if summary.message_id and item.thread_id:
            threads[summary.message_id] = item.thread_id
        rows.append(item)
    # The ORM's bulk_create spends more on compiling these rows than the database does
    # on storing them (bulk.py).
    bulk.insert(rows)
    bulk.insert(
        [_item_text(item, entry.prepared) for item, entry in zip(rows, entries, strict=True)],
        keys=False,
    )
    bulk.insert(
        [
            bulk.new(
                Change,
                folder_id=folder.pk,
                modseq=item.modseq,
                uid=item.uid,
                action="added",
                flags=" ".join(flag_names(item)),
            )
            for item in rows
        ],
        keys=False,
    )
    fulltext.schedule_on_commit()  # the rows' full-text vectors, once they are in
    last = rows[-1]
    # One event per call, as `copy` does: listeners read the change log from their own
    # MODSEQ on, so one wake-up serves any number of new items.
    event = {"scope": "folder", "folder": folder.pk, "modseq": last.modseq, "action": "added"}
    if len(rows) == 1:
        event["uid"] = last.uid
    publish_on_commit(account.pk, event)
    return [Appended(folder.pk, i.pk, i.uid, locked.uidvalidity, i.modseq) for i in rows]


def _set_internal_date(item: Item, when: datetime) -> None:
    """The internal date, with the zone it is given in and its day there."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset()
    item.internal_date = when
    item.internal_offset = int(offset.total_seconds() // 60) if offset else 0
    item.internal_day = when.date()


@dataclass(frozen=True)
class _Reserved:
    """What `_reserve` took: the first UID and the MODSEQ before it, with the folder's
    UIDVALIDITY, its account's quota and its usage before the new items."""

    uidvalidity: int
    uidnext: int
    highestmodseq: int
    quota_bytes: int
    usage: int


def _reserve(account: Account, folder_id: int, added: int, unseen: int, size: int) -> _Reserved:
    """Lock the folder row by updating it: UIDNEXT and HIGHESTMODSEQ move past the new
    items and the counters take them in, returning what the items need and the quota's
    two figures. One statement where the ORM ran four and spent ten times as long
    compiling them as the database did running them (bench/README.md)."""
    connection = connections[router.db_for_write(Folder)]
    with connection.cursor() as cursor:
        cursor.execute(
            _reserve_sql(connection.alias),
            [added, added, added, unseen, size, folder_id, account.pk],
        )
        rows = cursor.fetchall()  # to the end: the statement is done before anything else
    if not rows:
        raise NotFound("no such folder")
    uidvalidity, uidnext, modseq, quota, size_total, others = (int(v or 0) for v in rows[0])
    before = others + size_total - size
    return _Reserved(uidvalidity, uidnext - added, modseq - added, quota, before)


_reserve_statements: dict[str, str] = {}


def _reserve_sql(alias: str) -> str:
    """The UPDATE ... RETURNING of `_reserve`, written from the models' metadata. The
    usage adds the other folders (unchanged by it, which is what both databases let
    a subquery of RETURNING see) to this one's new total."""
    if alias not in _reserve_statements:
        q = connections[alias].ops.quote_name

        def col(model: type[models.Model], name: str) -> str:
            return q(model._meta.get_field(name).column)

        folder, account = q(Folder._meta.db_table), q(Account._meta.db_table)
        uidvalidity, uidnext = col(Folder, "uidvalidity"), col(Folder, "uidnext")
        modseq, exists = col(Folder, "highestmodseq"), col(Folder, "exists_count")
        unseen, size = col(Folder, "unseen_count"), col(Folder, "size_total")
        owner, pk, account_pk = col(Folder, "account"), col(Folder, "id"), col(Account, "id")
        _reserve_statements[alias] = (
            f"UPDATE {folder} SET {uidnext} = {uidnext} + %s, {modseq} = {modseq} + %s,"
            f" {exists} = {exists} + %s, {unseen} = {unseen} + %s, {size} = {size} + %s"
            f" WHERE {pk} = %s AND {owner} = %s"
            f" RETURNING {uidvalidity}, {uidnext}, {modseq},"
            f" (SELECT a.{col(Account, 'quota_bytes')} FROM {account} a"
            f" WHERE a.{account_pk} = {folder}.{owner}), {size},"
            f" (SELECT SUM(u.{size}) FROM {folder} u"
            f" WHERE u.{owner} = {folder}.{owner} AND u.{pk} <> {folder}.{pk})"
        )
    return _reserve_statements[alias]


def _new_item(folder_id: int, entry: _NewItem, uid: int, modseq: int) -> Item:
    summary = entry.prepared.summary
    groupware = entry.groupware
    return bulk.new(
        Item,
        folder_id=folder_id,
        uid=uid,
        modseq=modseq,
        item_class=entry.item_class,
        keywords=entry.flag_set.keyword_column(),
        size=entry.prepared.size,
        blob_id=entry.prepared.digest,
        summary=_stored_summary(summary),
        message_id=(summary.message_id or "")[:255],
        subject=summary.subject[:255],
        sender=_addresses(summary.from_[:1])[:255],
        sent_date=summary.date,
        # The Date field's day in its own zone (RFC 3501 6.4.4 SENTON and friends).
        sent_day=summary.date.date() if summary.date else None,
        preview=summary.preview[:255],
        has_attachments=summary.has_attachments,
        ical_uid=groupware.ical_uid[:255],
        start=groupware.start,
        end=groupware.end,
        recurrence_end=groupware.recurrence_end,
        **{col: col in entry.flag_set.system for _, col in SYSTEM_FLAGS.values()},
    )


def _item_text(item: Item, prepared: PreparedMessage) -> ItemText:
    summary = prepared.summary
    return bulk.new(
        ItemText,
        item_id=item.pk,
        from_text=_addresses(summary.from_),
        to_text=_addresses(summary.to),
        cc_text=_addresses(summary.cc),
        bcc_text=_addresses(summary.bcc),
        subject=summary.subject,
        headers=_header_text(prepared.raw, summary),
        body=summary.search_text,
    )


def _stored_summary(summary: MessageSummary) -> dict:
    # The search text lives in ItemText (up to 256 KiB); keep Item rows narrow.
    stored = summary.to_dict()
    stored.pop("search_text", None)
    return stored


def _header_text(raw: bytes, summary: MessageSummary) -> str:
    """The header block as text, unfolded, for HEADER searches."""
    head = raw[: summary.body.body_start].decode("utf-8", "replace")
    return head.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ")[:65536]


def items(
    account: Account,
    folder: Folder,
    uids: Iterable[int] | UidSet | None = None,
    *,
    with_summary: bool = True,
) -> list[Item]:
    """Items of a folder in UID order (all, or those in `uids`)."""
    folder = owned_folder(account, folder.pk)
    qs = Item.objects.filter(folder=folder).order_by("uid")
    if not with_summary:
        qs = qs.defer("summary")
    if uids is None:
        return list(qs)
    uid_set = UidSet.of(uids)
    cond, post_filter = uid_set.q()
    found = list(qs.filter(cond))
    return [i for i in found if i.uid in uid_set] if post_filter else found


def uid_list(account: Account, folder: Folder) -> list[int]:
    folder = owned_folder(account, folder.pk)
    return list(Item.objects.filter(folder=folder).order_by("uid").values_list("uid", flat=True))


def get_item(account: Account, item_id: int) -> Item:
    try:
        return Item.objects.select_related("folder").get(pk=item_id, folder__account=account)
    except (Item.DoesNotExist, ValueError, TypeError):
        raise NotFound("no such item") from None


def read_raw(account: Account, item: Item | int) -> bytes:
    """The item's bytes exactly as stored."""
    item_id = item if isinstance(item, int) else item.pk
    digest = (
        Item.objects.filter(pk=item_id, folder__account=account)
        .values_list("blob_id", flat=True)
        .first()
    )
    if digest is None:
        raise NotFound("no such item")
    return read_blob(digest)


def summary_of(item: Item) -> MessageSummary:
    return MessageSummary.from_dict(item.summary)


_COPY_FIELDS = [
    "item_class",
    "seen",
    "answered",
    "flagged",
    "deleted",
    "draft",
    "keywords",
    "internal_date",
    "internal_offset",
    "internal_day",
    "size",
    "blob_id",
    "summary",
    "message_id",
    "thread_id",
    "subject",
    "sender",
    "sent_date",
    "sent_day",
    "preview",
    "has_attachments",
    "ical_uid",
    "start",
    "end",
    "recurrence_end",
]
_TEXT_FIELDS = ["from_text", "to_text", "cc_text", "bcc_text", "subject", "headers", "body"]


def _lock_pair(account: Account, a: Folder, b: Folder) -> tuple[Folder, Folder]:
    # Always lock in primary-key order, so two opposite copies cannot deadlock.
    first, second = sorted([a.pk, b.pk])
    locked = {first: lock_folder(account, first)}
    if second != first:
        locked[second] = lock_folder(account, second)
    return locked[a.pk], locked[b.pk]


@transaction.atomic
def copy(
    account: Account,
    source: Folder,
    uids: Iterable[int] | UidSet,
    target: Folder,
    *,
    _moving: bool = False,
) -> Copied:
    """Copy items to another folder of the account (new UIDs, same flags and bytes)."""
    src, dst = _lock_pair(account, source, target)
    originals = items(account, src, uids)
    if not originals:
        return Copied(dst.uidvalidity)
    needed = sum(i.size for i in originals)
    if not _moving:
        _check_quota(account, needed)
    texts = {t.item_id: t for t in ItemText.objects.filter(item__in=originals)}
    modseq = dst.highestmodseq + 1
    new_items = []
    for n, original in enumerate(originals):
        clone = Item(
            folder=dst,
            uid=dst.uidnext + n,
            modseq=modseq,
            **{f: getattr(original, f) for f in _COPY_FIELDS},
        )
        new_items.append(clone)
    Item.objects.bulk_create(new_items, batch_size=500)
    ItemText.objects.bulk_create(
        [
            ItemText(item=clone, **{f: getattr(texts[o.pk], f) for f in _TEXT_FIELDS})
            for o, clone in zip(originals, new_items, strict=True)
            if o.pk in texts
        ],
        batch_size=500,
    )
    fulltext.schedule_on_commit()
    Change.objects.bulk_create(
        [
            Change(
                folder=dst, modseq=modseq, uid=c.uid, action="added", flags=" ".join(flag_names(c))
            )
            for c in new_items
        ],
        batch_size=500,
    )
    Folder.objects.filter(pk=dst.pk).update(
        uidnext=dst.uidnext + len(new_items),
        highestmodseq=modseq,
        exists_count=dst.exists_count + len(new_items),
        unseen_count=dst.unseen_count + sum(1 for c in new_items if not c.seen),
        size_total=dst.size_total + needed,
    )
    publish_on_commit(
        account.pk, {"scope": "folder", "folder": dst.pk, "modseq": modseq, "action": "added"}
    )
    return Copied(
        dst.uidvalidity, [(o.uid, c.uid) for o, c in zip(originals, new_items, strict=True)]
    )


@transaction.atomic
def move(account: Account, source: Folder, uids: Iterable[int] | UidSet, target: Folder) -> Copied:
    """Move items atomically (RFC 6851): copy, then expunge from the source."""
    result = copy(account, source, uids, target, _moving=True)
    expunge(account, source, [s for s, _ in result.pairs], only_deleted=False)
    return result


def move_all(account: Account, source: Folder, target: Folder) -> Copied:
    return move(account, source, UidSet.everything(), target)


@transaction.atomic
def expunge(
    account: Account,
    folder: Folder,
    uids: Iterable[int] | UidSet | None = None,
    *,
    only_deleted: bool = True,
) -> list[int]:
    """Remove items for good and return their UIDs in ascending order.

    By default only items flagged \\Deleted (IMAP EXPUNGE; with `uids`, UID EXPUNGE);
    with only_deleted=False the given items whatever their flags (POP3 DELE at QUIT,
    MOVE, deleting for good from the web UI).
    """
    locked = lock_folder(account, folder)
    qs = Item.objects.filter(folder=locked)
    if only_deleted:
        qs = qs.filter(deleted=True)
    uid_set = UidSet.of(uids) if uids is not None else None
    if uid_set is not None:
        cond, _ = uid_set.q()
        qs = qs.filter(cond)
    rows = [
        r
        for r in qs.values_list("pk", "uid", "seen", "size").order_by("uid")
        if uid_set is None or r[1] in uid_set
    ]
    if not rows:
        return []
    modseq = locked.highestmodseq + 1
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 500):
        Item.objects.filter(pk__in=ids[start : start + 500]).delete()
    Change.objects.bulk_create(
        [Change(folder=locked, modseq=modseq, uid=r[1], action="expunged") for r in rows],
        batch_size=500,
    )
    Folder.objects.filter(pk=locked.pk).update(
        highestmodseq=modseq,
        exists_count=locked.exists_count - len(rows),
        unseen_count=locked.unseen_count - sum(1 for r in rows if not r[2]),
        size_total=locked.size_total - sum(r[3] for r in rows),
    )
    publish_on_commit(
        account.pk, {"scope": "folder", "folder": locked.pk, "modseq": modseq, "action": "expunged"}
    )
    return [r[1] for r in rows]
