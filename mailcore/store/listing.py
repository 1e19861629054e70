"""Paged, sorted listings of a folder for list views (web UI, later EWS FindItem).

A page is one indexed query with LIMIT/OFFSET over narrow columns (no summary JSON, no
search text), and the total comes from the folder's counters, so a page of a folder with
100,000 items costs the same as one of a folder with 100. Every function takes the acting
account and authorizes through owned_folder, like the rest of the store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from ..models import Account, Folder, Item, ItemText
from .folders import owned_folder

# Sort keys a list may ask for, and the columns they order by. The (folder, internal_date)
# index serves the default; uid breaks ties so paging is stable.
SORT_COLUMNS = {
    "date": "internal_date",
    "from": "sender",
    "subject": "subject",
    "size": "size",
}
MAX_PAGE = 200

LIST_FIELDS = (
    "pk",
    "uid",
    "folder_id",
    "subject",
    "sender",
    "preview",
    "internal_date",
    "sent_date",
    "size",
    "seen",
    "answered",
    "flagged",
    "draft",
    "keywords",
    "has_attachments",
    "thread_id",
    "modseq",
)


@dataclass(frozen=True)
class ListRow:
    """One line of a message list."""

    id: int
    uid: int
    folder_id: int
    subject: str
    sender: str
    preview: str
    date: datetime
    size: int
    seen: bool
    answered: bool
    flagged: bool
    draft: bool
    keywords: list[str]
    has_attachments: bool
    thread_id: str
    modseq: int
    cursor: str = ""  # where the next page starts (see `page`)


@dataclass(frozen=True)
class ListPage:
    rows: list[ListRow]
    total: int
    unseen: int
    offset: int
    highestmodseq: int


def _row(values: dict, column: str | None = None) -> ListRow:
    cursor = ""
    if column is not None:
        key = values[column]
        if isinstance(key, datetime):  # UTC; "Z" keeps "+" (a space in a query) out
            key = key.isoformat().replace("+00:00", "Z")
        cursor = f"{key}|{values['uid']}"
    return ListRow(
        cursor=cursor,
        id=values["pk"],
        uid=values["uid"],
        folder_id=values["folder_id"],
        subject=values["subject"],
        sender=values["sender"],
        preview=values["preview"],
        date=values["sent_date"] or values["internal_date"],
        size=values["size"],
        seen=values["seen"],
        answered=values["answered"],
        flagged=values["flagged"],
        draft=values["draft"],
        keywords=values["keywords"].split(),
        has_attachments=values["has_attachments"],
        thread_id=values["thread_id"],
        modseq=values["modseq"],
    )


def page(
    account: Account,
    folder: Folder | int,
    *,
    sort: str = "date",
    descending: bool = True,
    offset: int = 0,
    limit: int = 50,
    unread_only: bool = False,
    after: str | None = None,
) -> ListPage:
    """One page of a folder's items, sorted; total and unread from the folder counters.

    `after` is the `cursor` of the last row already shown: the page then starts right
    after it by a range condition on the sort column (keyset paging), so page 2,000
    costs what page 1 costs, where an OFFSET would walk every row before it.
    """
    folder = owned_folder(account, folder if isinstance(folder, int) else folder.pk)
    column = SORT_COLUMNS.get(sort, "internal_date")
    sign = "-" if descending else ""
    offset = max(0, offset)
    limit = max(1, min(limit, MAX_PAGE))
    qs = Item.objects.filter(folder=folder)
    if unread_only:
        qs = qs.filter(seen=False)
    start = _after(column, after, descending)
    if start is not None:
        qs, offset = qs.filter(start), 0
    rows = qs.order_by(f"{sign}{column}", f"{sign}uid").values(*LIST_FIELDS)[
        offset : offset + limit
    ]
    return ListPage(
        rows=[_row(r, column) for r in rows],
        total=folder.unseen_count if unread_only else folder.exists_count,
        unseen=folder.unseen_count,
        offset=offset,
        highestmodseq=folder.highestmodseq,
    )


def _after(column: str, cursor: str | None, descending: bool) -> Q | None:
    """The rows after `cursor` in the page order; None for a missing or malformed cursor."""
    if not cursor or "|" not in cursor:
        return None
    text, _, uid_text = cursor.rpartition("|")
    try:
        uid = int(uid_text)
        value: object = (
            datetime.fromisoformat(text)
            if column == "internal_date"
            else int(text)
            if column == "size"
            else text
        )
    except ValueError:
        return None
    # "column <= value" is the indexable range; the tie on the same value is cut by uid.
    if descending:
        return Q(**{f"{column}__lte": value}) & ~Q(**{column: value, "uid__gte": uid})
    return Q(**{f"{column}__gte": value}) & ~Q(**{column: value, "uid__lte": uid})


def rows_by_id(account: Account, ids: list[int]) -> list[ListRow]:
    """List rows for items of the account (search results, selections), in the given order."""
    found = {
        r["pk"]: _row(r)
        for r in Item.objects.filter(pk__in=ids[:MAX_PAGE], folder__account=account).values(
            *LIST_FIELDS
        )
    }
    return [found[i] for i in ids if i in found]


def locate(account: Account, item_ids: list[int]) -> dict[int, list[int]]:
    """Group the account's items by folder: {folder id: [uid, ...]} (others are ignored)."""
    out: dict[int, list[int]] = {}
    rows = Item.objects.filter(pk__in=item_ids, folder__account=account).values_list(
        "folder_id", "uid"
    )
    for folder_id, uid in rows:
        out.setdefault(folder_id, []).append(uid)
    return out


def correspondents(account: Account, prefix: str, limit: int = 10) -> list[str]:
    """Recent addresses the account wrote to or heard from that start with `prefix`
    (name or address), newest first, for address completion."""
    prefix = prefix.strip().lower()
    if len(prefix) < 1:
        return []
    recent = (
        ItemText.objects.filter(item__folder__account=account)
        .filter(Q(to_text__icontains=prefix) | Q(from_text__icontains=prefix))
        .order_by("-item__internal_date")
        .values_list("from_text", "to_text", "cc_text")[:200]
    )
    out: list[str] = []
    seen: set[str] = set()
    for texts in recent:
        for text in texts:
            for entry in _split_addresses(text):
                key = entry.lower()
                if prefix in key and key not in seen:
                    seen.add(key)
                    out.append(entry)
                    if len(out) >= limit:
                        return out
    return out


# The stored form is "Name <addr>, addr2" as the store's _addresses writes it; a name
# with a comma stays whole because the pattern takes everything up to the closing ">".
_ADDRESS = re.compile(r"[^,<]*<[^>]*>|[^,]+")


def _split_addresses(text: str) -> list[str]:
    return [m.group(0).strip() for m in _ADDRESS.finditer(text) if m.group(0).strip()]
