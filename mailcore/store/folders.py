"""Folders: list, find, create, rename/move, delete; subscriptions.

Paths join folder names with DELIMITER. "INBOX" in any case names the Inbox (RFC 3501
5.1). Every function takes the acting account and only ever sees that account's folders.
"""

from __future__ import annotations

import unicodedata

from django.db import IntegrityError, transaction

from ..models import Account, Folder, FolderChange, FolderKind, SpecialUse, Subscription
from .errors import AlreadyExists, HasChildren, InvalidName, NotFound, NotPermitted
from .events import publish_on_commit

DELIMITER = "/"
INBOX = "INBOX"


def split_path(path: str) -> list[str]:
    """Validate a folder path and return its names, top first."""
    if not path:
        raise InvalidName("empty folder name")
    names = path.split(DELIMITER)
    for name in names:
        if not name or name in {".", ".."} or len(name) > 255:
            raise InvalidName(f"invalid folder name {path!r}")
        if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs"} for ch in name):
            raise InvalidName("folder names may not contain control characters")
    return names


def _with_paths(folders: list[Folder]) -> list[Folder]:
    by_id = {f.pk: f for f in folders}

    def path_of(folder: Folder) -> str:
        names = []
        node: Folder | None = folder
        seen = 0
        while node is not None and seen < 256:
            names.append(INBOX if node.special_use == SpecialUse.INBOX else node.name)
            node = by_id.get(node.parent_id) if node.parent_id else None
            seen += 1
        return DELIMITER.join(reversed(names))

    for folder in folders:
        folder.path = path_of(folder)
    return sorted(folders, key=lambda f: (f.path != INBOX, f.path))


def list_folders(account: Account, kind: str | None = None) -> list[Folder]:
    """All folders of the account (each with a `.path`), Inbox first, then by path."""
    folders = _with_paths(list(Folder.objects.filter(account=account)))
    return [f for f in folders if kind is None or f.kind == kind]


def owned_folder(account: Account, folder_id: int) -> Folder:
    """The account's folder row, or NotFound: the authorization check of every folder
    operation. One indexed query; no `.path` (reading items does not need it)."""
    try:
        return Folder.objects.get(pk=folder_id, account=account)
    except (Folder.DoesNotExist, ValueError, TypeError):
        raise NotFound("no such folder") from None


def get_folder(account: Account, folder_id: int) -> Folder:
    """The account's folder with its `.path`."""
    return _attach_path(account, owned_folder(account, folder_id))


def _attach_path(account: Account, folder: Folder) -> Folder:
    for f in list_folders(account):
        if f.pk == folder.pk:
            folder.path = f.path
    return folder


def find_folder(account: Account, path: str) -> Folder:
    """The folder at `path`; "INBOX" is case-insensitive."""
    wanted = _normalise(path)
    for folder in list_folders(account):
        if folder.path == wanted:
            return folder
    raise NotFound("no such folder")


def special_folder(account: Account, special_use: str) -> Folder:
    folder = Folder.objects.filter(account=account, special_use=special_use).order_by("pk").first()
    if folder is None:
        raise NotFound(f"no {special_use} folder")
    return _attach_path(account, folder)


def _normalise(path: str) -> str:
    names = path.split(DELIMITER)
    if names and names[0].upper() == INBOX:
        names[0] = INBOX
    return DELIMITER.join(names)


def _lock_account(account: Account) -> int:
    """Lock the account row and take the next hierarchy MODSEQ."""
    locked = Account.objects.select_for_update().only("pk", "hierarchy_modseq").get(pk=account.pk)
    locked.hierarchy_modseq += 1
    Account.objects.filter(pk=account.pk).update(hierarchy_modseq=locked.hierarchy_modseq)
    return locked.hierarchy_modseq


def _log_hierarchy(account: Account, folder_id: int, action: str) -> None:
    modseq = _lock_account(account)
    FolderChange.objects.create(
        account=account, modseq=modseq, folder_id_value=folder_id, action=action
    )
    publish_on_commit(account.pk, {"scope": "hierarchy", "folder": folder_id, "action": action})


def _resolve_parent(account: Account, names: list[str], create: bool, kind: str) -> Folder | None:
    """The folder that will hold names[-1], creating missing superiors if asked."""
    parent: Folder | None = None
    for i, name in enumerate(names[:-1]):
        if i == 0 and name.upper() == INBOX:
            parent = Folder.objects.get(account=account, special_use=SpecialUse.INBOX)
            continue
        child = Folder.objects.filter(account=account, parent=parent, name=name).first()
        if child is None:
            if not create:
                raise NotFound("no such parent folder")
            child = _insert(account, parent, name, kind, "")
        parent = child
    return parent


def _insert(
    account: Account,
    parent: Folder | None,
    name: str,
    kind: str,
    special_use: str,
    is_default: bool = False,
) -> Folder:
    try:
        with transaction.atomic():
            folder = Folder.objects.create(
                account=account,
                parent=parent,
                name=name,
                kind=kind,
                special_use=special_use,
                is_default=is_default,
            )
    except IntegrityError:
        raise AlreadyExists("a folder of that name exists") from None
    # UIDVALIDITY from the never-reused primary key: a folder deleted and re-created under
    # the same name always gets a new one (RFC 3501 2.3.1.1).
    folder.uidvalidity = folder.pk % (2**32 - 1) + 1
    Folder.objects.filter(pk=folder.pk).update(uidvalidity=folder.uidvalidity)
    if kind == FolderKind.MAIL:
        # New mail folders start subscribed, as users of this product expect; the name
        # may already be subscribed from a folder deleted earlier (RFC 3501 6.3.6).
        _subscribe(account, _path_of(folder))
    _log_hierarchy(account, folder.pk, "created")
    return folder


def _path_of(folder: Folder) -> str:
    """A folder's path by walking its parents (one query per level)."""
    names: list[str] = []
    node: Folder | None = folder
    while node is not None and len(names) < 256:
        names.append(INBOX if node.special_use == SpecialUse.INBOX else node.name)
        node = node.parent
    return DELIMITER.join(reversed(names))


@transaction.atomic
def create_folder(
    account: Account,
    path: str,
    kind: str = FolderKind.MAIL,
    special_use: str = "",
    *,
    is_default: bool = False,
) -> Folder:
    """Create a folder, and any missing superior folders (RFC 3501 6.3.3)."""
    names = split_path(path)
    if _normalise(path) == INBOX:
        raise AlreadyExists("INBOX always exists")
    if kind not in FolderKind.values:
        raise InvalidName(f"unknown folder kind {kind!r}")
    parent = _resolve_parent(account, names, create=True, kind=kind)
    folder = _insert(account, parent, names[-1], kind, special_use, is_default)
    return _attach_path(account, folder)


@transaction.atomic
def rename_folder(account: Account, folder: Folder, new_path: str) -> Folder:
    """Rename and/or move a folder with everything below it.

    Renaming the Inbox moves its items into a new folder of that name and leaves the
    Inbox empty, as RFC 3501 6.3.5 requires.
    """
    from .items import move_all  # items imports folders; keep the cycle local

    folder = get_folder(account, folder.pk)
    names = split_path(new_path)
    if folder.special_use == SpecialUse.INBOX:
        target = create_folder(account, new_path, folder.kind)
        move_all(account, folder, target)
        return get_folder(account, target.pk)
    if folder.is_default:
        raise NotPermitted("default folders cannot be renamed")
    old_path = folder.path
    if _normalise(new_path) == INBOX:
        raise AlreadyExists("INBOX always exists")
    parent = _resolve_parent(account, names, create=True, kind=folder.kind)
    node = parent
    while node is not None:
        if node.pk == folder.pk:
            raise InvalidName("a folder cannot be moved inside itself")
        node = node.parent
    try:
        with transaction.atomic():
            Folder.objects.filter(pk=folder.pk).update(parent=parent, name=names[-1])
    except IntegrityError:
        raise AlreadyExists("a folder of that name exists") from None
    _log_hierarchy(account, folder.pk, "renamed")
    renamed = get_folder(account, folder.pk)
    _move_subscriptions(account, old_path, renamed.path)
    return renamed


def _move_subscriptions(account: Account, old: str, new: str) -> None:
    """The subscriptions of a renamed folder and of everything below it follow it. A
    name already subscribed under the new path (left by a deleted folder) is kept and
    the moving one dropped."""
    below = old + DELIMITER
    moving = [
        s
        for s in Subscription.objects.filter(account=account, name__startswith=old)
        if s.name == old or s.name.startswith(below)
    ]
    if not moving:
        return
    targets = {s.pk: new + s.name[len(old) :] for s in moving}
    taken = set(
        Subscription.objects.filter(account=account, name__in=targets.values()).values_list(
            "name", flat=True
        )
    )
    for sub in moving:
        if targets[sub.pk] in taken or len(targets[sub.pk]) > _NAME_MAX:
            sub.delete()
        else:
            Subscription.objects.filter(pk=sub.pk).update(name=targets[sub.pk])


def move_folder(account: Account, folder: Folder, new_parent: Folder | None) -> Folder:
    """Move a folder under another (None: to the top), keeping its name."""
    folder = get_folder(account, folder.pk)
    if new_parent is None:
        return rename_folder(account, folder, folder.name)
    new_parent = get_folder(account, new_parent.pk)
    return rename_folder(account, folder, f"{new_parent.path}{DELIMITER}{folder.name}")


@transaction.atomic
def delete_folder(account: Account, folder: Folder, *, recursive: bool = False) -> None:
    """Delete a folder and its items; with recursive=True also everything below it."""
    folder = owned_folder(account, folder.pk)
    if folder.is_default:
        raise NotPermitted("default folders cannot be deleted")
    descendants = _descendants(account, folder)
    if descendants and not recursive:
        raise HasChildren("the folder has subfolders")
    if any(f.is_default for f in descendants):
        raise NotPermitted("a default folder is inside")
    for victim in [*reversed(descendants), folder]:
        victim_id = victim.pk
        Folder.objects.filter(pk=victim_id).delete()
        _log_hierarchy(account, victim_id, "deleted")


def _descendants(account: Account, folder: Folder) -> list[Folder]:
    children: dict[int | None, list[Folder]] = {}
    for f in Folder.objects.filter(account=account):
        children.setdefault(f.parent_id, []).append(f)
    out: list[Folder] = []
    stack = list(children.get(folder.pk, []))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(children.get(node.pk, []))
    return out


_NAME_MAX = Subscription._meta.get_field("name").max_length or 1000


def subscriptions(account: Account) -> set[str]:
    """The account's subscribed names (RFC 3501 6.3.6), whether their folders exist or not."""
    return set(Subscription.objects.filter(account=account).values_list("name", flat=True))


def _subscribe(account: Account, path: str) -> None:
    if len(path) > _NAME_MAX:
        raise InvalidName("folder path too long to subscribe to")
    # ignore_conflicts: subscribing twice, or in two sessions at once, is one subscription.
    Subscription.objects.bulk_create(
        [Subscription(account=account, name=path)], ignore_conflicts=True
    )


@transaction.atomic
def set_subscribed(account: Account, folder: Folder | str, subscribed: bool) -> None:
    """Subscribe to a folder, or unsubscribe from a folder or a name.

    Subscribing needs the folder (RFC 3501 6.3.6 lets the server refuse a name that does
    not exist). A subscription outlives its folder ("MUST NOT unilaterally remove"), so
    unsubscribing also takes the path of a folder that is gone; NotFound only when the
    path is neither subscribed nor a folder.
    """
    if isinstance(folder, Folder):
        path = get_folder(account, folder.pk).path
    elif subscribed:
        path = find_folder(account, folder).path
    else:
        path = _normalise(folder)
    if subscribed:
        _subscribe(account, path)
        return
    removed, _ = Subscription.objects.filter(account=account, name=path).delete()
    if not removed and not isinstance(folder, Folder):
        find_folder(account, path)


def lock_folder(account: Account, folder: Folder | int) -> Folder:
    """Lock an account's folder row for the rest of the transaction.

    Every UID and MODSEQ allocation happens under this lock, so concurrent writers to
    one folder are serialised and writers to other folders are not (row lock on
    Postgres; SQLite's IMMEDIATE transactions serialise all writers anyway).
    """
    folder_id = folder if isinstance(folder, int) else folder.pk
    try:
        return Folder.objects.select_for_update().get(pk=folder_id, account=account)
    except Folder.DoesNotExist:
        raise NotFound("no such folder") from None
