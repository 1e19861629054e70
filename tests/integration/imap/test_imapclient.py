"""The IMAP listener driven by IMAPClient: structures parsed back, CONDSTORE, IDLE."""

from __future__ import annotations

import contextlib
import threading
import time

import pytest
from imapclient import IMAPClient
from support.listeners import client_tls
from support.messages import message

from mailcore import store

MULTIPART = (
    b"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.test>\r\nTo: alice@example.test, "
    b"team: a@x.test, b@x.test;\r\nSubject: =?utf-8?q?R=C3=A9sum=C3=A9?=\r\n"
    b"Date: Sat, 28 Nov 2026 10:00:00 +0100\r\nMessage-ID: <mp@example.test>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"
    b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n"
    b"--XX\r\nContent-Type: application/pdf; name=a.pdf\r\n"
    b"Content-Disposition: attachment; filename=a.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--XX--\r\n"
)


@pytest.fixture
def client(imap_ports, mailbox):
    c = IMAPClient("127.0.0.1", port=imap_ports.imaps_port, ssl=True, ssl_context=client_tls())
    c.login("alice@example.test", "alice-pw")
    yield c
    with contextlib.suppress(Exception):
        c.logout()


def test_envelope_and_bodystructure(client, mailbox):
    _, put = mailbox
    put(MULTIPART)
    client.select_folder("INBOX")
    data = client.fetch([1], ["ENVELOPE", "BODYSTRUCTURE", "BODY[1]", "BODY.PEEK[2.MIME]"])[1]
    env = data[b"ENVELOPE"]
    assert env.subject == b"=?utf-8?q?R=C3=A9sum=C3=A9?="
    assert env.from_[0].mailbox == b"jorg" and env.from_[0].host == b"example.test"
    assert env.message_id == b"<mp@example.test>"
    structure = data[b"BODYSTRUCTURE"]
    assert structure.is_multipart and structure[1].lower() == b"mixed"
    text, pdf = structure[0]
    assert (text[0].lower(), text[1].lower()) == (b"text", b"plain")
    assert (pdf[0].lower(), pdf[1].lower()) == (b"application", b"pdf")
    assert data[b"BODY[1]"] == b"Hello"
    assert data[b"BODY[2.MIME]"].startswith(b"Content-Type: application/pdf")


def test_condstore_changedsince(client, mailbox):
    _, put = mailbox
    put(message(1), message(2))
    client.enable("CONDSTORE")
    info = client.select_folder("INBOX")
    modseq = info[b"HIGHESTMODSEQ"]
    client.add_flags([2], [b"\\Answered"])
    changed = client.fetch([1, 2], ["FLAGS"], modifiers=[f"CHANGEDSINCE {modseq}"])
    assert list(changed) == [2] and changed[2][b"MODSEQ"][0] > modseq


def test_idle_is_woken_by_a_delivery_in_another_thread(client, mailbox):
    """Pushed, not polled: the server's safety-net poll runs every IDLE_POLL (60 s), so
    an answer within the 5 s waited here came from the store's change event. The wake-up
    latency itself is measured by bench/imap.py."""
    _alice, put = mailbox
    client.select_folder("INBOX")
    client.idle()

    def deliver() -> None:
        time.sleep(0.3)
        put(message(1))

    thread = threading.Thread(target=deliver)
    thread.start()
    responses = client.idle_check(timeout=5)
    thread.join()
    client.idle_done()
    assert (1, b"EXISTS") in responses


def test_idle_hears_of_deliveries_from_the_queue(client, mailbox, settings):
    """Delivery through SMTP's queue (another code path and thread) also wakes IDLE."""
    from mailcore.delivery.queue import enqueue

    alice, _ = mailbox
    client.select_folder("INBOX")
    client.idle()
    enqueue(message(9), "bob@example.test", ["alice@example.test"])
    responses = client.idle_check(timeout=5)
    client.idle_done()
    assert (1, b"EXISTS") in responses
    assert store.folder_status(alice, store.find_folder(alice, "INBOX")).exists == 1


def test_quota_and_namespace(client, mailbox):
    alice, put = mailbox
    alice.quota_bytes = 10 * 1024 * 1024
    alice.save(update_fields=["quota_bytes"])
    put(message(1))
    _roots, quotas = client.get_quota_root("INBOX")
    assert quotas and quotas[0].resource == "STORAGE" and quotas[0].limit == 10240
    ns = client.namespace()
    assert ns.personal == (("", "/"),)


def test_special_use_and_move(client, mailbox):
    _, put = mailbox
    put(message(1))
    folders = {name: flags for flags, _, name in client.list_folders()}
    assert b"\\Sent" in folders["Sent Items"] and b"\\Trash" in folders["Deleted Items"]
    client.select_folder("INBOX")
    client.move([1], "Deleted Items")
    assert client.folder_status("Deleted Items", ["MESSAGES"])[b"MESSAGES"] == 1
