"""Push: a store change reaches a listener waiting in another thread's event loop, and
\\Recent is claimed by exactly one session."""

from __future__ import annotations

import asyncio
import threading

from channels.layers import get_channel_layer

from mailcore import store
from mailcore.store.events import group_name


def test_an_append_wakes_a_listener_in_another_loop(transactional_db):
    alice = store.create_account("alice@example.test", "alice-pw")
    inbox = store.find_folder(alice, store.INBOX)
    layer = get_channel_layer()
    joined, received = threading.Event(), []

    async def listen() -> None:
        channel = await layer.new_channel()
        await layer.group_add(group_name(alice.pk), channel)
        joined.set()
        # Events are sent from their own thread after commit, so the account's creation
        # may still be on its way when we join: skip events without a message.
        while not received or "uid" not in received[-1]:
            received.append(await asyncio.wait_for(layer.receive(channel), 5))

    thread = threading.Thread(target=lambda: asyncio.run(listen()))
    thread.start()
    assert joined.wait(5)
    appended = store.append(alice, inbox, b"Subject: hi\r\n\r\nx\r\n")
    thread.join(6)
    assert received and received[-1]["uid"] == appended.uid
    assert received[-1]["type"] == "mailbox.change" and received[-1]["folder"] == inbox.pk


def test_recent_is_claimed_once(alice):
    inbox = store.find_folder(alice, store.INBOX)
    store.append(alice, inbox, b"Subject: 1\r\n\r\nx\r\n")
    assert store.recent.recent_count(alice, inbox) == 1
    assert store.recent.claim_recent(alice, inbox) == (1, 2)
    assert store.recent.claim_recent(alice, inbox) == (2, 2)
    assert store.recent.recent_count(alice, inbox) == 0
    store.append(alice, inbox, b"Subject: 2\r\n\r\nx\r\n")
    assert store.recent.first_recent_uid(alice, inbox) == 2
    assert store.recent.recent_count(alice, inbox) == 1
