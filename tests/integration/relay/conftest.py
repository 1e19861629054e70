"""Fixtures of the relay tests: fake DNS for every test (no lookup leaves the process),
a fake remote MTA on loopback, and the sender alice whose Inbox receives the DSNs."""

from __future__ import annotations

import dataclasses

import pytest
from remote_mta import FakeDNS, RemoteController, RemoteHandler
from support.listeners import free_port

from mailcore import store
from mailcore.delivery import mx


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> FakeDNS:
    table = FakeDNS()
    monkeypatch.setattr(mx, "query", table.query)
    return table


@pytest.fixture(autouse=True)
def relay_settings(settings):
    settings.MAIL = dataclasses.replace(settings.MAIL, hostname="mx.example.test")
    settings.MAIL_RELAY_HOST = None
    settings.MAIL_RETRY_SCHEDULE = "5m,10m,30m,1h,2h,4h"
    settings.MAIL_MAX_QUEUE_LIFETIME = "5d"
    settings.MAIL_DELAY_DSN_AFTER = "4h"
    settings.MAIL_RELAY_TIMEOUT = "5"
    return settings


def _start(tmp_path, tls: bool) -> RemoteController:
    kwargs = {}
    handler = RemoteHandler()
    if tls:
        from mailcore.tls import ensure_certificate, server_context

        cert, key = ensure_certificate(tmp_path / "remote", "mx.remote.test")
        context = server_context(cert, key)
        context.sni_callback = lambda _conn, name, _context: handler.sni.append(name)
        kwargs["tls_context"] = context
    controller = RemoteController(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="mx.remote.test", **kwargs
    )
    controller.start()
    handler.sessions = 0  # the controller's own start-up probe
    return controller


@pytest.fixture
def remote(tmp_path, dns, relay_settings):
    """The remote MTA of remote.test, with STARTTLS; MX hosts are reached on its port."""
    controller = _start(tmp_path, tls=True)
    relay_settings.MAIL_RELAY_PORT = controller.port
    dns.add("remote.test", "MX", "10 mx.remote.test.")
    dns.add("mx.remote.test", "A", "127.0.0.1")
    yield controller.handler
    controller.stop()


@pytest.fixture
def alice_tx(transactional_db):
    return store.create_account("alice@example.test", "alice-pw", display_name="Alice")


@pytest.fixture(autouse=True)
def _settled():
    """No delivery of one test's mail runs on into the next test's database."""
    yield
    from mailcore.delivery import ingest

    assert ingest.settle(30), "accepted mail was not delivered in time"
