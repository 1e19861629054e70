"""Reading the change log, and folder status from the counters kept beside it."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Account, Change, Folder, FolderChange, Item
from .folders import owned_folder


@dataclass(frozen=True)
class ChangeRecord:
    modseq: int
    uid: int
    action: str  # added, flags, modified, expunged
    flags: list[str]


@dataclass(frozen=True)
class FolderStatus:
    exists: int
    unseen: int
    uidnext: int
    uidvalidity: int
    highestmodseq: int
    size: int


def changes_since(account: Account, folder: Folder, modseq: int) -> list[ChangeRecord]:
    """Every change with a MODSEQ above `modseq`, oldest first."""
    folder = owned_folder(account, folder.pk)
    rows = (
        Change.objects.filter(folder=folder, modseq__gt=modseq)
        .order_by("modseq", "pk")
        .values_list("modseq", "uid", "action", "flags")
    )
    return [ChangeRecord(m, u, a, f.split()) for m, u, a, f in rows]


def hierarchy_changes_since(account: Account, modseq: int) -> list[tuple[int, int, str]]:
    """(modseq, folder id, action) of folder creations, renames and deletions."""
    return list(
        FolderChange.objects.filter(account=account, modseq__gt=modseq)
        .order_by("modseq")
        .values_list("modseq", "folder_id_value", "action")
    )


def folder_status(account: Account, folder: Folder) -> FolderStatus:
    f = owned_folder(account, folder.pk)
    return FolderStatus(
        f.exists_count, f.unseen_count, f.uidnext, f.uidvalidity, f.highestmodseq, f.size_total
    )


def first_unseen_uid(account: Account, folder: Folder) -> int | None:
    """The lowest UID without \\Seen (IMAP's [UNSEEN n]); uses the (folder, seen) index."""
    f = owned_folder(account, folder.pk)
    return (
        Item.objects.filter(folder=f, seen=False)
        .order_by("uid")
        .values_list("uid", flat=True)
        .first()
    )
