"""Fixtures of the SMTP tests: the real MTA listener on a free port, and alice."""

from __future__ import annotations

import pytest
from support.listeners import free_port, loopback_config, running

from mailcore import store
from mailcore.smtp import server


@pytest.fixture
def mta(transactional_db, tmp_path):
    config, tls = loopback_config(tmp_path, "mx.example.test", smtp_port=free_port())
    with running(server.mta(config, tls)):
        yield config.smtp_port


@pytest.fixture
def alice_tx(transactional_db):
    return store.create_account("alice@example.test", "alice-pw")


@pytest.fixture(autouse=True)
def _settled():
    """No delivery of one test's mail runs on into the next test's database."""
    yield
    from mailcore.delivery import ingest

    assert ingest.settle(30), "accepted mail was not delivered in time"
