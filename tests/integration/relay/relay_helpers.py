"""Shared helpers of the relay tests: a message to send, the sender's Inbox read back as
parsed DSNs, and moving the queue's clock."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

from django.db.models import F
from django.utils import timezone

from mailcore import store
from mailcore.delivery import ingest
from mailcore.models import QueuedMessage, QueueRecipient, RecipientState

RAW = (
    b"From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: Lunch\r\n"
    b"Message-ID: <lunch@example.test>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"Caf\xc3\xa9 at noon?\r\n.a line with a leading dot\r\n..two\r\n"
)


def inbox(account) -> list[bytes]:
    """The Inbox's messages, once everything the listener accepted has been delivered."""
    assert ingest.settle(30), "accepted mail was not delivered in time"
    folder = store.find_folder(account, "INBOX")
    return [store.read_raw(account, i) for i in store.items(account, folder)]


def dsns(account):
    return [message_from_bytes(raw, policy=policy.default) for raw in inbox(account)]


def rcpt(address: str):
    return QueueRecipient.objects.get(address=address)


def make_due() -> None:
    QueueRecipient.objects.filter(state=RecipientState.DEFERRED).update(
        next_attempt=timezone.now() - timedelta(seconds=1)
    )


def travel(delta: timedelta) -> None:
    """Let time pass: every timestamp of the queue moves back by `delta`."""
    QueuedMessage.objects.update(created=F("created") - delta)
    QueueRecipient.objects.update(
        updated=F("updated") - delta, next_attempt=F("next_attempt") - delta
    )


def report_parts(dsn):
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    human, status, returned = dsn.iter_parts()
    assert human.get_content_type() == "text/plain"
    assert status.get_content_type() == "message/delivery-status"
    per_message, *per_recipient = status.get_payload()
    return human.get_content(), per_message, per_recipient, returned
