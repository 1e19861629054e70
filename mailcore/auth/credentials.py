"""Checking a user name and password, the same way for every door (SMTP, IMAP, POP3,
EWS, DAV). The user name is the account's primary address."""

from __future__ import annotations

from django.contrib.auth import authenticate

from ..models import Account


def check_password(username: str, password: str) -> Account | None:
    """The enabled account these credentials belong to, or None."""
    username = username.strip().lower()
    if not username or not password or len(username) > 320 or len(password) > 1024:
        return None
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        return None
    return Account.objects.filter(user=user, enabled=True).first()
