"""Without a broker, relaying runs on background threads: the SMTP session (or web
request) that queued a message is never held up by DNS or a slow remote server."""

import threading
import time

import pytest

from mailcore.delivery import enqueue, mx
from mailcore.models import QueueRecipient, RecipientState


@pytest.mark.django_db(transaction=True)
def test_enqueue_returns_before_the_relay_finishes(settings, monkeypatch, message):
    settings.MAIL_RELAY_IN_BACKGROUND = True
    release, asked = threading.Event(), threading.Event()

    def slow_dns(name, rdtype):
        asked.set()
        release.wait(10)
        raise mx.TemporaryDNSError("resolver timed out")

    monkeypatch.setattr(mx, "query", slow_dns)
    enqueue(message(), "sender@remote.test", ["friend@far.test"])
    assert asked.wait(10), "the relay never started"
    assert QueueRecipient.objects.get().state == RecipientState.QUEUED
    release.set()
    deadline = time.monotonic() + 10
    while QueueRecipient.objects.get().state == RecipientState.QUEUED:
        assert time.monotonic() < deadline, "the background relay did not finish"
        time.sleep(0.05)
    recipient = QueueRecipient.objects.get()
    assert recipient.state == RecipientState.DEFERRED
    assert recipient.last_error.startswith("4")
