"""Message content: the sanitized body document for the sandboxed frame, attachments and
inline parts, the source, and a print view.

The body document is the one place hostile HTML reaches a browser, so three layers stand
in its way: the sanitizer (mailcore.mime.html), a Content-Security-Policy that allows no
script and no remote fetch (images only from us unless the user asked), and a sandbox
without allow-scripts, both as the frame's attribute and as the CSP sandbox directive (so
the document is sandboxed even when opened on its own).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin

from mailcore import store
from mailcore.mime.macfiles import download_for
from mailcore.models import Account

from ..render import render_body
from .common import account_of, preference_of

BODY_CSP = (
    "default-src 'none'; img-src 'self' data:{remote}; style-src 'unsafe-inline'; "
    "font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
    "sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"
)
# Types a browser may render from our origin; everything else downloads.
_INLINE_TYPES = {"image/png", "image/gif", "image/jpeg", "image/webp", "image/bmp"}
_BODY_STYLE = (
    "body{font:14px/1.45 system-ui,sans-serif;margin:12px;color:#222;background:#fff;"
    "overflow-wrap:anywhere}img{max-width:100%;height:auto}"
    ".plain{white-space:pre-wrap}"
    "blockquote{margin:0 0 0 .8ex;border-left:2px solid #ccc;padding-left:1ex}"
)


def _item(request: HttpRequest, item_id: int):  # type: ignore[no-untyped-def]
    account = account_of(request)
    if account is None:
        raise Http404
    try:
        item = store.get_item(account, item_id)
    except store.NotFound:
        raise Http404 from None
    return account, item


def body_document(account: Account, item, allow_remote: bool) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    raw = store.read_raw(account, item.pk)
    summary = store.summary_of(item)

    def part_url(section: str) -> str:
        return reverse("ui:part", args=[item.pk, section]) + "?inline=1"

    rendered = render_body(raw, summary, part_url, allow_remote=allow_remote)
    document = (
        '<!doctype html><html><head><meta charset="utf-8">'
        f'<meta name="remote-blocked" content="{rendered.remote_blocked}">'
        f'<base target="_blank"><style>{_BODY_STYLE}</style></head>'
        f"<body>{rendered.html}</body></html>"
    )
    return document, rendered.remote_blocked


@login_required
@xframe_options_sameorigin
def body(request: HttpRequest, item_id: int) -> HttpResponse:
    """?images=1 shows remote images (also when the sender is trusted)."""
    account, item = _item(request, item_id)
    summary = store.summary_of(item)
    sender = summary.from_[0][1].lower() if summary.from_ else ""
    allow_remote = request.GET.get("images") == "1" or (
        bool(sender) and sender in preference_of(request).trusted
    )
    document, _ = body_document(account, item, allow_remote)
    response = HttpResponse(document, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = BODY_CSP.format(
        remote=" https: http:" if allow_remote else ""
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def part(request: HttpRequest, item_id: int, section: str) -> HttpResponse:
    """An attachment (download) or an inline image (?inline=1, for cid: references).

    BinHex, AppleSingle and AppleDouble come out as the Mac file's data fork under its
    real name (RFC 1740, 1741), names decoded from RFC 2231/2047 (mime.macfiles)."""
    account, item = _item(request, item_id)
    summary = store.summary_of(item)
    raw = store.read_raw(account, item.pk)
    try:
        name, content_type, data = download_for(summary, raw, section)
    except LookupError:
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and content_type in _INLINE_TYPES
    response = HttpResponse(data, content_type=content_type if inline else _safe_type(content_type))
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _safe_type(content_type: str) -> str:
    # A download never renders in our origin: text/html or SVG would be script-capable.
    if content_type.startswith("text/") or "xml" in content_type or "html" in content_type:
        return "application/octet-stream"
    return content_type


@login_required
def source(request: HttpRequest, item_id: int) -> HttpResponse:
    account, item = _item(request, item_id)
    raw = store.read_raw(account, item.pk)
    response = HttpResponse(raw, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def print_view(request: HttpRequest, item_id: int) -> HttpResponse:
    """A page with the headers and the body, laid out for paper."""
    _, item = _item(request, item_id)
    summary = store.summary_of(item)
    rows = [
        ("From", ", ".join(f"{n} <{a}>" if n else a for n, a in summary.from_)),
        ("To", ", ".join(f"{n} <{a}>" if n else a for n, a in summary.to)),
        ("Cc", ", ".join(f"{n} <{a}>" if n else a for n, a in summary.cc)),
        ("Date", (summary.date or item.internal_date).strftime("%A, %B %d, %Y %H:%M")),
    ]
    response = render(
        request,
        "ui/print.html",
        {
            "subject": summary.subject,
            "rows": [(k, v) for k, v in rows if v],
            "body_url": reverse("ui:body", args=[item.pk]),
            "attachments": [a.filename for a in summary.attachments if not a.related],
        },
    )
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-src 'self'"
    )
    return response
