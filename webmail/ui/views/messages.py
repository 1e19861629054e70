"""The message list (paged, sorted), search, the reading pane's data, and actions."""

from __future__ import annotations

from email.utils import getaddresses, make_msgid

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone

from mailcore import store
from mailcore.delivery.submit import owned_addresses, submit
from mailcore.mime.compose import build_mdn
from mailcore.mime.headers import parse_header_block
from mailcore.models import Account, SpecialUse
from mailcore.store import FlagMode, criteria, listing
from mailcore.store.listing import ListRow

from .common import BadRequest, api, body_json, id_list, int_param, preference_of

PAGE = 50


def row_json(row: ListRow, folder_names: dict[int, str] | None = None) -> dict:
    out = {
        "id": row.id,
        "uid": row.uid,
        "folder": row.folder_id,
        "subject": row.subject,
        "from": row.sender,
        "preview": row.preview,
        "date": row.date.isoformat(),
        "size": row.size,
        "seen": row.seen,
        "answered": row.answered,
        "flagged": row.flagged,
        "draft": row.draft,
        "forwarded": "$Forwarded" in row.keywords,
        "attachment": row.has_attachments,
        "thread": row.thread_id,
        "cursor": row.cursor,
    }
    if folder_names is not None:
        out["folderName"] = folder_names.get(row.folder_id, "")
    return out


@api()
def message_list(request: HttpRequest, account: Account, folder_id: int) -> JsonResponse:
    """?sort=date|from|subject|size&dir=asc|desc&limit=&unread=1, and after=<cursor of
    the last row shown> for the next page (or offset=)."""
    q = request.GET
    result = listing.page(
        account,
        folder_id,
        sort=q.get("sort", "date"),
        descending=q.get("dir", "desc") != "asc",
        offset=int_param(q.get("offset"), 0),
        limit=int_param(q.get("limit"), PAGE),
        unread_only=q.get("unread") == "1",
        after=q.get("after"),
    )
    return JsonResponse(
        {
            "rows": [row_json(r) for r in result.rows],
            "total": result.total,
            "unread": result.unseen,
            "offset": result.offset,
            "modseq": result.highestmodseq,
        }
    )


@api()
def search(request: HttpRequest, account: Account) -> JsonResponse:
    """?q=words&folder=id (absent: every folder). Each word must match the sender,
    a recipient, the subject or the body."""
    words = request.GET.get("q", "").split()[:8]
    if not words:
        return JsonResponse({"rows": [], "total": 0})
    fields = ("from", "to", "cc", "subject", "body")
    criterion = criteria.And(
        tuple(criteria.Or(tuple(criteria.Contains(f, w) for f in fields)) for w in words)
    )
    folder_id = int_param(request.GET.get("folder"), 0)
    scope = [store.get_folder(account, folder_id)] if folder_id else None
    found = criteria.search_items(account, criterion, scope, limit=200)
    rows = listing.rows_by_id(account, [i.pk for i in found])
    names = {f.pk: f.path for f in store.list_folders(account)}
    return JsonResponse({"rows": [row_json(r, names) for r in rows], "total": len(rows)})


def _pairs(pairs: list[tuple[str, str]]) -> list[dict]:
    return [{"name": n, "address": a} for n, a in pairs]


@api()
def message(request: HttpRequest, account: Account, item_id: int) -> JsonResponse:
    """What the reading pane shows around the body frame; opening marks the item read."""
    item = store.get_item(account, item_id)
    summary = store.summary_of(item)
    if not item.seen and request.GET.get("peek") != "1":
        store.store_flags(account, item.folder, [item.uid], FlagMode.ADD, ["\\Seen"])
    sender = summary.from_[0][1].lower() if summary.from_ else ""
    trusted = sender in preference_of(request).trusted
    attachments = [
        {
            "section": a.section,
            "name": a.filename,
            "type": a.content_type,
            "size": a.decoded_size or a.size,
            "url": reverse("ui:part", args=[item.pk, a.section]),
        }
        for a in summary.attachments
        if not a.related
    ]
    return JsonResponse(
        {
            "id": item.pk,
            "folder": item.folder_id,
            "subject": summary.subject,
            "from": _pairs(summary.from_),
            "to": _pairs(summary.to),
            "cc": _pairs(summary.cc),
            "bcc": _pairs(summary.bcc),
            "date": (summary.date or item.internal_date).isoformat(),
            "importance": summary.importance,
            "flagged": item.flagged,
            "draft": item.draft,
            "thread": item.thread_id,
            "receiptRequested": _receipt_to(account, item) is not None,
            "attachments": attachments,
            "imagesTrusted": trusted,
            "bodyUrl": reverse("ui:body", args=[item.pk]),
            "sourceUrl": reverse("ui:source", args=[item.pk]),
            "printUrl": reverse("ui:print", args=[item.pk]),
        }
    )


MDN_SENT = "$MDNSent"  # RFC 3503: a receipt was sent, or the user declined to send one


def _receipt_to(account: Account, item) -> str | None:  # type: ignore[no-untyped-def]
    """Where the sender wants a read receipt (RFC 8098 2.1), if one is still owed."""
    if MDN_SENT in item.keyword_list or item.draft:
        return None
    summary = store.summary_of(item)
    head = store.read_raw(account, item.pk)[: summary.body.body_start]
    value = parse_header_block(head).get("Disposition-Notification-To")
    addresses = [a for _, a in getaddresses([value])] if value else []
    own = owned_addresses(account.pk)
    return addresses[0] if addresses and addresses[0].lower() not in own else None


_FLAG_ACTIONS = {
    "read": (FlagMode.ADD, "\\Seen"),
    "unread": (FlagMode.REMOVE, "\\Seen"),
    "flag": (FlagMode.ADD, "\\Flagged"),
    "unflag": (FlagMode.REMOVE, "\\Flagged"),
}


@api(("POST",))
def actions(request: HttpRequest, account: Account) -> JsonResponse:
    """POST {action, ids, target?}: read, unread, flag, unflag, delete, purge, junk,
    notjunk, move, copy. Items are grouped by folder; other accounts' ids are ignored."""
    data = body_json(request)
    action = data.get("action")
    by_folder = listing.locate(account, id_list(data.get("ids")))
    target = None
    if action in ("move", "copy"):
        target = store.get_folder(account, int_param(data.get("target"), 0))
    elif action == "junk":
        target = store.special_folder(account, SpecialUse.JUNK)
    elif action == "notjunk":
        target = store.special_folder(account, SpecialUse.INBOX)
    trash = store.special_folder(account, SpecialUse.TRASH)
    for folder_id, uids in by_folder.items():
        folder = store.get_folder(account, folder_id)
        if action in _FLAG_ACTIONS:
            mode, flag = _FLAG_ACTIONS[action]
            store.store_flags(account, folder, uids, mode, [flag])
        elif action == "purge" or (action == "delete" and folder.pk == trash.pk):
            store.expunge(account, folder, uids, only_deleted=False)
        elif action == "delete":
            store.move(account, folder, uids, trash)
        elif action == "copy" and target is not None:
            store.copy(account, folder, uids, target)
        elif action in ("move", "junk", "notjunk") and target is not None:
            if target.pk != folder.pk:
                store.move(account, folder, uids, target)
        else:
            raise BadRequest("unknown action")
    return JsonResponse({"ok": True})


@api(("POST",))
def receipt(request: HttpRequest, account: Account, item_id: int) -> JsonResponse:
    """POST {send: true|false}: send the read receipt the sender asked for, or decline;
    either way it is not asked again ($MDNSent)."""
    item = store.get_item(account, item_id)
    to = _receipt_to(account, item)
    if to and body_json(request).get("send"):
        raw = build_mdn(
            store.summary_of(item),
            from_name=account.display_name,
            from_address=account.address,
            to=to,
            reporting_ua=f"{settings.MAIL.hostname}; webmail",
            message_id=make_msgid(domain=account.address.rpartition("@")[2]),
            date=timezone.now(),
        )
        submit(account, raw, "", [to], notification=True)
    store.store_flags(account, item.folder, [item.uid], FlagMode.ADD, [MDN_SENT])
    return JsonResponse({"ok": True})


@api(("POST",))
def trust_sender(request: HttpRequest, account: Account) -> JsonResponse:
    """POST {address}: always show remote images from this sender."""
    address = str(body_json(request).get("address", "")).strip().lower()
    if "@" not in address or "\n" in address:
        raise BadRequest("not an address")
    pref = preference_of(request)
    if address not in pref.trusted:
        pref.trusted_senders = "\n".join(sorted(pref.trusted | {address}))
        pref.save(update_fields=["trusted_senders"])
    return JsonResponse({"ok": True})


@api(("POST",))
def preferences(request: HttpRequest, account: Account) -> JsonResponse:
    """POST {signature?, conversations?}."""
    data = body_json(request)
    pref = preference_of(request)
    if "signature" in data:
        from mailcore.mime.compose import clean_html

        pref.signature = clean_html(str(data["signature"]))[:20000]
    if "conversations" in data:
        pref.conversations = bool(data["conversations"])
    pref.save()
    return JsonResponse({"signature": pref.signature, "conversations": pref.conversations})
