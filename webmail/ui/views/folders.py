"""Folder tree: list with counts, create, rename, move, delete, empty."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from mailcore import store
from mailcore.models import Account, FolderKind, SpecialUse
from mailcore.store import DELIMITER, UidSet

from .common import BadRequest, api, body_json, int_param
from .pages import folder_json


def _tree(account: Account) -> JsonResponse:
    folders = store.list_folders(account, FolderKind.MAIL)
    return JsonResponse({"folders": [folder_json(f) for f in folders]})


@api(("GET", "POST"))
def folders(request: HttpRequest, account: Account) -> JsonResponse:
    """GET: the mail folders with total and unread counts; POST {name, parent}: create."""
    if request.method == "POST":
        data = body_json(request)
        name = str(data.get("name", "")).strip()
        if not name or DELIMITER in name:
            raise BadRequest("a folder name may not be empty or contain /")
        parent_id = int_param(data.get("parent"), 0)
        path = name
        if parent_id:
            path = f"{store.get_folder(account, parent_id).path}{DELIMITER}{name}"
        store.create_folder(account, path)
    return _tree(account)


@api(("POST",))
def folder_action(request: HttpRequest, account: Account, folder_id: int) -> JsonResponse:
    """POST {action: rename|move|delete|empty, name?, parent?}."""
    data = body_json(request)
    folder = store.get_folder(account, folder_id)
    action = data.get("action")
    if action == "rename":
        name = str(data.get("name", "")).strip()
        if not name or DELIMITER in name:
            raise BadRequest("a folder name may not be empty or contain /")
        parent, _, _ = folder.path.rpartition(DELIMITER)
        store.rename_folder(account, folder, f"{parent}{DELIMITER}{name}" if parent else name)
    elif action == "move":
        parent_id = int_param(data.get("parent"), 0)
        target = store.get_folder(account, parent_id) if parent_id else None
        store.move_folder(account, folder, target)
    elif action == "delete":
        _delete(account, folder)
    elif action == "empty":
        store.expunge(account, folder, UidSet.everything(), only_deleted=False)
    else:
        raise BadRequest("unknown folder action")
    return _tree(account)


def _delete(account: Account, folder) -> None:  # type: ignore[no-untyped-def]
    """As in Outlook: a folder goes to Deleted Items first; deleted from there, for good."""
    if folder.is_default:
        raise store.NotPermitted("default folders cannot be deleted")
    trash = store.special_folder(account, SpecialUse.TRASH)
    if folder.path.startswith(trash.path + DELIMITER):
        store.delete_folder(account, folder, recursive=True)
    else:
        store.move_folder(account, folder, trash)
