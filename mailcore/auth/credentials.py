"""Checking a user name and password, the same way for every door (SMTP, IMAP, POP3,
EWS, DAV). The user name is the account's primary address.

Django hashes passwords with PBKDF2 at a cost of about half a second on this hardware:
right for a web sign-in, ruinous for mail clients that log in on every poll and every
send. Successful checks are therefore remembered for a few minutes (as Dovecot's
auth_cache does), keyed by an HMAC of the credentials under the secret key, so the
cache never holds a password. A hit is honoured only while the account is enabled and its
password hash is unchanged, so a password change or a disabled account takes effect at
once; failures are never cached.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache

from ..models import Account

CACHE_SECONDS = 300


def _cache_key(username: str, password: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{username}\0{password}".encode(), hashlib.sha256
    ).hexdigest()
    return f"authok:{digest}"


def _cached(key: str) -> Account | None:
    hit = cache.get(key)
    if not hit:
        return None
    account_id, password_hash = hit
    account = (
        Account.objects.select_related("user")
        .filter(pk=account_id, enabled=True, user__is_active=True)
        .first()
    )
    if account is None or account.user.password != password_hash:
        cache.delete(key)
        return None
    return account


def check_password(username: str, password: str) -> Account | None:
    """The enabled account these credentials belong to, or None."""
    username = username.strip().lower()
    if not username or not password or len(username) > 320 or len(password) > 1024:
        return None
    key = _cache_key(username, password)
    if (account := _cached(key)) is not None:
        return account
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        return None
    account = Account.objects.filter(user=user, enabled=True).first()
    if account is not None:
        cache.set(key, (account.pk, user.password), CACHE_SECONDS)
    return account
