"""The live-update socket on the real ASGI server: session authentication, the Origin
check, and store events pushed to the open page."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from support.listeners import free_port, running
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import connect

from mailcore import store
from mailcore.runtime import WebListener


@pytest.fixture
def web_port(transactional_db):
    port = free_port()
    with running(WebListener("127.0.0.1", port)):
        yield port


def _cookie(account) -> str:
    client = Client()
    client.force_login(account.user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _open(port: int, origin: str, cookie: str | None = None):
    headers = {"Cookie": cookie} if cookie else {}
    return connect(
        f"ws://127.0.0.1:{port}/ws/mail/", origin=origin, additional_headers=headers, open_timeout=5
    )


def _refused(port: int, origin: str, cookie: str | None) -> bool:
    try:
        with _open(port, origin, cookie) as socket:
            socket.recv(timeout=2)
    except (InvalidStatus, WebSocketException, TimeoutError):
        return True
    return False


def test_anonymous_and_foreign_origins_are_refused(web_port):
    alice = store.create_account("alice@example.test", "alice-pw")
    cookie = _cookie(alice)
    assert _refused(web_port, "http://127.0.0.1", None)
    assert _refused(web_port, "http://evil.test", cookie)


def test_a_change_is_pushed_to_the_open_page(web_port):
    alice = store.create_account("alice@example.test", "alice-pw")
    inbox = store.find_folder(alice, store.INBOX)
    with _open(web_port, "http://127.0.0.1", _cookie(alice)) as socket:
        appended = store.append(alice, inbox, b"Subject: hi\r\n\r\nx\r\n")
        event = json.loads(socket.recv(timeout=5))
        assert event == {
            "scope": "folder",
            "folder": inbox.pk,
            "modseq": appended.modseq,
            "action": "added",
            "uid": appended.uid,
        }
        store.store_flags(alice, inbox, [appended.uid], store.FlagMode.ADD, ["\\Seen"])
        assert json.loads(socket.recv(timeout=5))["action"] == "flags"
