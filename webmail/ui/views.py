"""Sign-in and the mailbox landing page (the web UI issue builds the three panes)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mailcore.models import FolderKind
from mailcore.store import list_folders
from mailcore.store.accounts import account_for_user


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return auth_views.LoginView.as_view(template_name="ui/signin.html")(request)
    account = account_for_user(request.user)
    folders = list_folders(account, FolderKind.MAIL) if account else []
    return render(request, "ui/home.html", {"account": account, "folders": folders})
