"""A POP3 and a POP3S listener on free loopback ports, and alice with an Inbox to fill."""

from __future__ import annotations

import dataclasses

import pytest
from support.listeners import free_port, loopback_config, running

from mailcore import store
from mailcore.pop3 import server


@pytest.fixture
def pop_config(transactional_db, tmp_path):
    return loopback_config(
        tmp_path,
        "mail.example.test",
        pop3_port=free_port(),
        pop3s_port=free_port(),
        allow_plaintext_auth=False,
    )


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
