"""What every UI endpoint shares: the signed-in account, JSON in and out, errors as JSON."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from mailcore.delivery.submit import SubmitError
from mailcore.mime.compose import ComposeError
from mailcore.models import Account
from mailcore.store import AlreadyExists, HasChildren, NotFound, NotPermitted, StoreError
from mailcore.store.accounts import account_for_user

from ..models import Preference

log = logging.getLogger(__name__)


class BadRequest(Exception):
    pass


def account_of(request: HttpRequest) -> Account | None:
    if not request.user.is_authenticated:
        return None
    cached = getattr(request, "_mail_account", None)
    if cached is None:
        cached = account_for_user(request.user)
        request._mail_account = cached  # type: ignore[attr-defined]
    return cached


def preference_of(request: HttpRequest) -> Preference:
    pref, _ = Preference.objects.get_or_create(user=request.user)
    return pref


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


_STATUS = [
    (NotFound, 404),
    (NotPermitted, 403),
    (AlreadyExists, 409),
    (HasChildren, 409),
    (StoreError, 400),
    (SubmitError, 400),
    (ComposeError, 400),
    (BadRequest, 400),
]


def api(methods: tuple[str, ...] = ("GET",)) -> Callable:
    """A JSON endpoint for the signed-in user's account: store errors become JSON with the
    matching status, anything unexpected a plain 500 (never a traceback to the browser)."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return error("method not allowed", 405)
            account = account_of(request)
            if account is None:
                status = 401 if not request.user.is_authenticated else 403
                return error("sign in first", status)
            try:
                return view(request, account, *args, **kwargs)
            except tuple(e for e, _ in _STATUS) as exc:
                status = next(s for e, s in _STATUS if isinstance(exc, e))
                return error(str(exc) or exc.__class__.__name__, status)

        return inner

    return wrap


def body_json(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the request is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def int_param(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def id_list(value: Any) -> list[int]:
    if not isinstance(value, list):
        raise BadRequest("ids must be a list")
    return [i for i in (int_param(v, -1) for v in value[:5000]) if i > 0]
