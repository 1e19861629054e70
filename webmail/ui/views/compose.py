"""Composing: address completion, uploads, reply/forward/draft pre-fill, drafts, sending."""

from __future__ import annotations

from datetime import timedelta
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone

from mailcore import store
from mailcore.delivery.submit import owned_addresses, submit
from mailcore.mime.compose import (
    Draft,
    Upload,
    build,
    clean_html,
    forward_subject,
    quote_html,
    recipients,
    reply_recipients,
    reply_subject,
    thread_headers,
)
from mailcore.mime.headers import parse_header_block
from mailcore.mime.macfiles import download_for
from mailcore.models import Account, SpecialUse
from mailcore.store import FlagMode, NotFound, listing

from ..models import Upload as UploadRow
from ..render import display_parts, render_body
from .common import BadRequest, api, body_json, int_param

# Headers only drafts carry, so a reopened draft still knows what it answers.
REPLY_OF = "X-Webmail-Reply-Of"
FORWARD_OF = "X-Webmail-Forward-Of"
ATTACH_ORIGINAL = "X-Webmail-Attach-Original"


@api()
def addresses(request: HttpRequest, account: Account) -> JsonResponse:
    """?q=prefix: accounts of this server, then recent correspondents."""
    q = request.GET.get("q", "").strip()
    if not q:
        return JsonResponse({"addresses": []})
    found = [
        formataddr((name, address))
        for name, address in Account.objects.filter(
            Q(address__istartswith=q) | Q(display_name__icontains=q), enabled=True
        ).values_list("display_name", "address")[:8]
    ]
    known = {f.lower() for f in found}
    for entry in listing.correspondents(account, q, limit=10):
        if entry.lower() not in known:
            known.add(entry.lower())
            found.append(entry)
    return JsonResponse({"addresses": found[:12]})


def upload_json(row: UploadRow) -> dict:
    return {"id": row.pk, "name": row.filename, "size": row.size, "type": row.content_type}


def _save_upload(request: HttpRequest, name: str, content_type: str, data: bytes) -> UploadRow:
    row = UploadRow(
        user=request.user,
        filename=name[:255] or "attachment",
        content_type=content_type[:127] or "application/octet-stream",
        size=len(data),
    )
    row.file.save("upload", ContentFile(data), save=True)
    return row


@api(("POST",))
def upload(request: HttpRequest, account: Account) -> JsonResponse:
    """A multipart POST with one `file`: kept until the message is sent or discarded."""
    sent = request.FILES.get("file")
    if sent is None:
        raise BadRequest("no file")
    if sent.size and sent.size > settings.MAIL_MAX_MESSAGE_SIZE:
        raise BadRequest("the file is too large")
    row = _save_upload(
        request, sent.name or "attachment", sent.content_type or "", b"".join(sent.chunks())
    )
    _forget_stale_uploads(request)
    return JsonResponse(upload_json(row))


# A draft refers to its uploads until it is sent; after this long an upload nobody sent
# belongs to a compose window that was closed without saving or a browser that went away.
STALE_UPLOAD = timedelta(days=7)


def _forget_stale_uploads(request: HttpRequest) -> None:
    stale = UploadRow.objects.filter(user=request.user, created__lt=timezone.now() - STALE_UPLOAD)
    for old in stale[:100]:
        old.file.delete(save=False)
        old.delete()


@api(("POST",))
def discard_upload(request: HttpRequest, account: Account, upload_id: int) -> JsonResponse:
    for row in UploadRow.objects.filter(pk=upload_id, user=request.user):
        row.file.delete(save=False)
        row.delete()
    return JsonResponse({"ok": True})


def _copy_attachments(request: HttpRequest, account: Account, item) -> list[dict]:  # type: ignore[no-untyped-def]
    """The item's attachments as new uploads (a forward or a reopened draft keeps them)."""
    summary = store.summary_of(item)
    raw = store.read_raw(account, item.pk)
    out = []
    for att in summary.attachments:
        if att.related:
            continue
        try:
            name, content_type, data = download_for(summary, raw, att.section)
        except LookupError:
            continue
        out.append(upload_json(_save_upload(request, name, content_type, data)))
    return out


def _original_html(account: Account, item) -> str:  # type: ignore[no-untyped-def]
    raw = store.read_raw(account, item.pk)
    summary = store.summary_of(item)

    def part_url(section: str) -> str:
        return reverse("ui:part", args=[item.pk, section]) + "?inline=1"

    return render_body(raw, summary, part_url, allow_remote=False).html


@api()
def prefill(request: HttpRequest, account: Account, item_id: int) -> JsonResponse:
    """?mode=reply|replyall|forward|forward-attach|edit: the compose form's starting state."""
    mode = request.GET.get("mode", "reply")
    item = store.get_item(account, item_id)
    summary = store.summary_of(item)
    state: dict = {"to": "", "cc": "", "bcc": "", "attachments": [], "importance": "normal"}
    if mode in ("reply", "replyall"):
        to, cc = reply_recipients(summary, owned_addresses(account.pk), reply_all=mode != "reply")
        in_reply_to, refs = thread_headers(summary)
        state.update(
            to=", ".join(to),
            cc=", ".join(cc),
            subject=reply_subject(summary.subject),
            html=quote_html(summary, _original_html(account, item)),
            inReplyTo=in_reply_to,
            references=refs,
            replyOf=item.pk,
        )
    elif mode in ("forward", "forward-attach"):
        attach = mode == "forward-attach"
        state.update(
            subject=forward_subject(summary.subject),
            html="" if attach else quote_html(summary, _original_html(account, item)),
            attachments=[] if attach else _copy_attachments(request, account, item),
            forwardOf=item.pk,
            attachOriginal=attach,
            originalName=(summary.subject or "message") + ".eml",
        )
    elif mode == "edit":
        state.update(_draft_state(request, account, item))
    else:
        raise BadRequest("unknown mode")
    return JsonResponse(state)


def _draft_state(request: HttpRequest, account: Account, item) -> dict:  # type: ignore[no-untyped-def]
    summary = store.summary_of(item)
    raw = store.read_raw(account, item.pk)
    head = parse_header_block(raw[: summary.body.body_start])
    body = ""
    for part in display_parts(summary.body):
        from mailcore.mime import part_text

        text = part_text(raw, part)
        body += clean_html(text) if part.subtype == "html" else clean_html(_paragraphs(text))
    in_reply_to, refs = (
        (f"<{summary.in_reply_to[0]}>" if summary.in_reply_to else None),
        [f"<{r}>" for r in summary.references],
    )
    joined = ", ".join
    return {
        "draftId": item.pk,
        "to": joined(formataddr(p) for p in summary.to),
        "cc": joined(formataddr(p) for p in summary.cc),
        "bcc": joined(formataddr(p) for p in summary.bcc),
        "subject": summary.subject,
        "html": body,
        "importance": summary.importance,
        "receipt": head.get("Disposition-Notification-To") is not None,
        "attachments": _copy_attachments(request, account, item),
        "inReplyTo": in_reply_to,
        "references": refs,
        "replyOf": int_param(head.get(REPLY_OF), 0) or None,
        "forwardOf": int_param(head.get(FORWARD_OF), 0) or None,
        "attachOriginal": head.get(ATTACH_ORIGINAL) == "yes",
    }


def _paragraphs(text: str) -> str:
    import html

    return "".join(f"<p>{html.escape(line) or '<br>'}</p>" for line in text.splitlines())


def _draft_from(request: HttpRequest, account: Account, data: dict) -> Draft:
    uploads = UploadRow.objects.filter(
        pk__in=[int_param(i, 0) for i in data.get("attachments") or []], user=request.user
    )
    attachments = []
    for row in uploads:
        with row.file.open("rb") as fh:
            attachments.append(Upload(row.filename, row.content_type, fh.read()))
    forwarded = []
    forward_of = int_param(data.get("forwardOf"), 0)
    if forward_of and data.get("attachOriginal"):
        forwarded.append(store.read_raw(account, forward_of))
    importance = data.get("importance") if data.get("importance") in ("high", "low") else "normal"
    return Draft(
        from_name=account.display_name,
        from_address=account.address,
        to=[str(data.get("to", ""))],
        cc=[str(data.get("cc", ""))],
        bcc=[str(data.get("bcc", ""))],
        subject=str(data.get("subject", ""))[:998].replace("\r", " ").replace("\n", " "),
        html=str(data.get("html", "")),
        attachments=attachments,
        forwarded=forwarded,
        importance=importance,
        read_receipt=bool(data.get("receipt")),
        in_reply_to=_msg_id(data.get("inReplyTo")),
        references=[r for r in (_msg_id(x) for x in data.get("references") or []) if r],
    )


def _msg_id(value: object) -> str | None:
    text = str(value or "").strip()
    if not text.startswith("<") or not text.endswith(">") or any(c in text for c in "\r\n "):
        return None
    return text


def _message_id(account: Account) -> str:
    return make_msgid(domain=account.address.rpartition("@")[2])


def _drop_old_draft(account: Account, draft_id: int) -> None:
    if not draft_id:
        return
    try:
        old = store.get_item(account, draft_id)
    except NotFound:
        return
    if old.folder.special_use == SpecialUse.DRAFTS:
        store.expunge(account, old.folder, [old.uid], only_deleted=False)


@api(("POST",))
def save_draft(request: HttpRequest, account: Account) -> JsonResponse:
    """Store the draft in Drafts (\\Draft \\Seen) and remove the version it replaces."""
    data = body_json(request)
    draft = _draft_from(request, account, data)
    raw = build(draft, message_id=_message_id(account), date=timezone.now())
    extra = b""
    for header, key in ((REPLY_OF, "replyOf"), (FORWARD_OF, "forwardOf")):
        if int_param(data.get(key), 0):
            extra += f"{header}: {int_param(data.get(key), 0)}\r\n".encode()
    if data.get("attachOriginal"):
        extra += f"{ATTACH_ORIGINAL}: yes\r\n".encode()
    drafts = store.special_folder(account, SpecialUse.DRAFTS)
    prepared = store.prepare(extra + raw)  # blob written before the transaction
    # One transaction: other clients (IMAP, a second tab) see the old version or the new
    # one, never both.
    with transaction.atomic():
        appended = store.append(account, drafts, prepared, flags=["\\Draft", "\\Seen"])
        _drop_old_draft(account, int_param(data.get("draftId"), 0))
    return JsonResponse({"draftId": appended.item_id})


@api(("POST",))
def send(request: HttpRequest, account: Account) -> JsonResponse:
    """Build, submit through the outbound queue (copy in Sent Items), then tidy up: the
    draft goes, the original is marked answered or forwarded, uploads are released."""
    data = body_json(request)
    draft = _draft_from(request, account, data)
    rcpts = recipients(draft)
    if not rcpts:
        raise BadRequest("add at least one recipient")
    raw = build(draft, message_id=_message_id(account), date=timezone.now())
    submit(account, raw, account.address, rcpts)
    _drop_old_draft(account, int_param(data.get("draftId"), 0))
    for key, flag in (("replyOf", "\\Answered"), ("forwardOf", "$Forwarded")):
        original_id = int_param(data.get(key), 0)
        if original_id:
            try:
                original = store.get_item(account, original_id)
            except NotFound:
                continue
            store.store_flags(account, original.folder, [original.uid], FlagMode.ADD, [flag])
    ids = [int_param(i, 0) for i in data.get("attachments") or []]
    for row in UploadRow.objects.filter(pk__in=ids, user=request.user):
        row.file.delete(save=False)
        row.delete()
    return JsonResponse({"ok": True})
