"""IMAP and IMAPS listeners on free loopback ports, and alice with messages to read."""

from __future__ import annotations

import contextlib
import dataclasses
import imaplib

import pytest
from support.listeners import client_tls, free_port, loopback_config, running

from mailcore import store
from mailcore.imap import server


@pytest.fixture
def imap_config(transactional_db, tmp_path):
    return loopback_config(
        tmp_path,
        "mail.example.test",
        imap_port=free_port(),
        imaps_port=free_port(),
        allow_plaintext_auth=False,
    )


@pytest.fixture
def imap_ports(imap_config):
    config, tls = imap_config
    with running(server.imap(config, tls)), running(server.imaps(config, tls)):
        yield config


@pytest.fixture
def plain_imap(imap_config):
    """An IMAP listener that allows LOGIN without TLS (MAIL_ALLOW_PLAINTEXT_AUTH), as
    mbsync and the compliance-style tests use it."""
    config, tls = imap_config
    config = dataclasses.replace(config, allow_plaintext_auth=True, imap_port=free_port())
    with running(server.imap(config, tls)):
        yield config


@pytest.fixture
def mailbox(transactional_db):
    """alice, and a function putting messages into one of her folders through the store."""
    alice = store.create_account("alice@example.test", "alice-pw")

    def put(*raws: bytes, folder: str = store.INBOX) -> list[int]:
        target = store.find_folder(alice, folder)
        return [store.append(alice, target, raw).uid for raw in raws]

    return alice, put


@pytest.fixture
def imaps_client(imap_ports):
    client = imaplib.IMAP4_SSL("127.0.0.1", imap_ports.imaps_port, ssl_context=client_tls())
    yield client
    with contextlib.suppress(Exception):
        client.logout()
