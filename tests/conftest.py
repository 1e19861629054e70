"""Shared fixtures: personas (alice, bob, charlie), a private blob store per test, and
messages to deliver."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _isolated_blobs(settings, tmp_path):
    """Each test writes its blobs into its own directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {
            "BACKEND": "mailcore.store.blobs.DurableFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "blobs")},
        },
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttling counters (Redis in CI) never leak from one test or run to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_address_cache():
    """Addresses RCPT remembered (mailcore.delivery.address_cache) never outlive the test
    whose database held them: a rolled-back or flushed database sends no signal."""
    from mailcore.delivery import address_cache

    address_cache.forget()
    yield
    address_cache.forget()


@pytest.fixture(autouse=True)
def _no_real_dns(monkeypatch):
    """DNS is the outside world: no test ever queries a real resolver. The relay tests
    install their own table of answers over this."""
    from mailcore.delivery import mx

    def query(name, rdtype):
        raise mx.TemporaryDNSError(f"{name} {rdtype}: no DNS in tests")

    monkeypatch.setattr(mx, "query", query)


@pytest.fixture(autouse=True)
def _relay_inline(settings):
    settings.MAIL_RELAY_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tests run delivery tasks in-process even when REDIS_URL names a broker."""
    from webmail.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def make_message(
    subject: str = "Hello",
    body: str = "Hi there.\n",
    sender: str = "sender@remote.test",
    to: str = "alice@example.test",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = make_msgid(domain="remote.test")
    for name, value in headers.items():
        del msg[name.replace("_", "-")]
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


@pytest.fixture
def message():
    return make_message


def _persona(name: str):
    from mailcore.store import create_account

    return create_account(f"{name}@example.test", f"{name}-pw", display_name=name.title())


@pytest.fixture
def alice(db):
    return _persona("alice")


@pytest.fixture
def bob(db):
    return _persona("bob")


@pytest.fixture
def charlie(db):
    return _persona("charlie")
