"""A POP3 and a POP3S listener on free loopback ports, and alice with an Inbox to fill."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from django.conf import settings

# The loopback helpers live beside the SMTP tests; one copy serves every listener.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "smtp"))

from listeners import free_port, running

from mailcore import store
from mailcore.pop3 import server


@pytest.fixture
def pop_config(transactional_db, tmp_path):
    from mailcore.tls import ensure_certificate, server_context

    cert, key = ensure_certificate(tmp_path, "mail.example.test")
    config = dataclasses.replace(
        settings.MAIL,
        hostname="mail.example.test",
        pop3_port=free_port(),
        pop3s_port=free_port(),
        allow_plaintext_auth=False,
    )
    return config, server_context(cert, key)


@pytest.fixture
def ports(pop_config):
    config, tls = pop_config
    with running(server.pop3(config, tls)), running(server.pop3s(config, tls)):
        yield config


@pytest.fixture
def plaintext_port(pop_config):
    """A POP3 listener that allows USER/PASS without TLS (MAIL_ALLOW_PLAINTEXT_AUTH)."""
    config, tls = pop_config
    config = dataclasses.replace(config, allow_plaintext_auth=True, pop3_port=free_port())
    with running(server.pop3(config, tls)):
        yield config.pop3_port


@pytest.fixture
def mailbox(transactional_db):
    """alice, and a function putting messages into her Inbox through the store."""
    alice = store.create_account("alice@example.test", "alice-pw")
    inbox = store.find_folder(alice, store.INBOX)

    def put(*raws: bytes) -> list[int]:
        return [store.append(alice, inbox, raw).uid for raw in raws]

    return alice, inbox, put
