"""Sign-in (throttled), sign-out, and the three-pane page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from mailcore.auth import is_blocked, record_failure, record_success
from mailcore.models import FolderKind
from mailcore.store import list_folders

from .common import account_of, preference_of

SCOPE = "web"
# The app page loads only our own scripts, styles and frames; the message bodies have a
# stricter policy of their own (views.content).
APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; connect-src 'self' ws: wss:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


class SignInForm(AuthenticationForm):
    """Django's form, refusing an address that failed too often before checking anything."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-ins. Try again later.",
    }

    def clean(self):  # type: ignore[no-untyped-def]
        peer = client_address(self.request) if self.request else "unknown"
        if is_blocked(SCOPE, peer):
            from django.core.exceptions import ValidationError

            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except Exception:
            record_failure(SCOPE, peer)
            raise
        record_success(SCOPE, peer)
        return cleaned


class SignInView(auth_views.LoginView):
    template_name = "ui/signin.html"
    authentication_form = SignInForm
    redirect_authenticated_user = False
    next_page = "/"


@never_cache
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return SignInView.as_view()(request)
    account = account_of(request)
    if account is None:
        return render(request, "ui/nomailbox.html")
    folders = list_folders(account, FolderKind.MAIL)
    pref = preference_of(request)
    boot = {
        "address": account.address,
        "name": account.display_name,
        "signature": pref.signature,
        "conversations": pref.conversations,
        "folders": [folder_json(f) for f in folders],
        "sessionAge": settings.SESSION_COOKIE_AGE,
    }
    response = render(request, "ui/app.html", {"account": account, "boot": boot})
    response["Content-Security-Policy"] = APP_CSP
    return response


def folder_json(folder) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": folder.pk,
        "name": folder.name,
        "path": folder.path,
        "parent": folder.parent_id,
        "special": folder.special_use,
        "isDefault": folder.is_default,
        "total": folder.exists_count,
        "unread": folder.unseen_count,
    }
