"""Fixtures of the SMTP tests: the real MTA listener on a free port, and alice."""

from __future__ import annotations

import dataclasses

import pytest
from django.conf import settings
from listeners import free_port, running

from mailcore import store
from mailcore.smtp import server


@pytest.fixture
def mta(transactional_db, tmp_path):
    from mailcore.tls import ensure_certificate, server_context

    cert, key = ensure_certificate(tmp_path, "mx.example.test")
    config = dataclasses.replace(settings.MAIL, smtp_port=free_port(), hostname="mx.example.test")
    with running(server.mta(config, server_context(cert, key))):
        yield config.smtp_port


@pytest.fixture
def alice_tx(transactional_db):
    return store.create_account("alice@example.test", "alice-pw")
