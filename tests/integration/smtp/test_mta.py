"""The MTA listener against a real smtplib client on loopback."""

from __future__ import annotations

import smtplib
import socket

import pytest
from smtp_helpers import inbox_raw
from support.listeners import client_tls

from mailcore import store
from mailcore.smtp import codes

RAW = (
    b"From: Remote <someone@remote.test>\r\nTo: alice@example.test\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <m1@remote.test>\r\n\r\n"
    b"Line one\r\n.dot-stuffed line\r\n\xc3\xa9 8-bit\r\n"
)


def test_local_delivery_is_byte_exact(mta, alice_tx):
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.ehlo("client.remote.test")
        assert client.has_extn("8bitmime") and client.has_extn("starttls")
        code, reply = client.mail("someone@remote.test")
        assert code == 250
        client.rcpt("alice@example.test")
        code, reply = client.data(RAW)
        assert code == 250 and b"2.0.0" in reply
    [stored] = inbox_raw(alice_tx)
    assert stored.startswith(b"Return-Path: <someone@remote.test>\r\nReceived: from client")
    assert b"by mx.example.test with ESMTP id" in stored
    assert stored.endswith(b"\r\n\r\n" + RAW.split(b"\r\n\r\n", 1)[1])
    assert RAW in stored


def test_small_mail_commits_in_its_row_and_large_mail_in_a_file(mta, alice_tx, settings, tmp_path):
    """Either side of MAIL_INLINE_BLOB_MAX the bytes are kept differently (the row, or a
    file written before the row commits) and delivered the same: byte-exact, stored
    once for the queue and the Inbox."""
    from mailcore.models import Blob

    settings.MAIL_INLINE_BLOB_MAX = 8 * 1024
    small = RAW
    large = RAW + b"a longer line of the large message\r\n" * 400
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.sendmail("someone@remote.test", ["alice@example.test"], small)
        client.sendmail("someone@remote.test", ["alice@example.test"], large)
    stored = inbox_raw(alice_tx)
    assert [s.endswith(RAW.split(b"\r\n\r\n", 1)[1]) for s in stored] == [True, False]
    assert stored[1].endswith(large.split(b"\r\n\r\n", 1)[1])
    blobs = {b.size: b for b in Blob.objects.all()}
    assert sorted(blobs) == [len(stored[0]), len(stored[1])]  # one blob each: queue = Inbox
    files = [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert blobs[len(stored[0])].data is not None
    assert blobs[len(stored[1])].data is None and files == [blobs[len(stored[1])].sha256]


def test_unknown_local_user_and_relay_are_refused(mta, alice_tx):
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.ehlo("x")
        client.mail("someone@remote.test")
        assert client.rcpt("nobody@example.test") == (550, codes.NO_SUCH_USER[4:].encode())
        code, reply = client.rcpt("victim@elsewhere.test")
        assert code == 550 and reply.startswith(b"5.7.1")
        assert client.rcpt("alice@example.test")[0] == 250
        assert client.data(RAW)[0] == 250
    assert len(inbox_raw(alice_tx)) == 1


def test_open_relay_attempt_delivers_nothing(mta, alice_tx):
    with (
        smtplib.SMTP("127.0.0.1", mta, timeout=10) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        client.sendmail("spammer@remote.test", ["victim@elsewhere.test"], RAW)
    from mailcore.models import QueuedMessage

    assert not QueuedMessage.objects.exists()


def test_full_mailbox_gets_a_temporary_refusal(mta, alice_tx):
    store.append(alice_tx, store.find_folder(alice_tx, "INBOX"), RAW)
    alice_tx.quota_bytes = 10
    alice_tx.save()
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.ehlo("x")
        client.mail("someone@remote.test")
        code, reply = client.rcpt("alice@example.test")
        assert code == 452 and reply.startswith(b"4.2.2")


def test_starttls(mta, alice_tx):
    with smtplib.SMTP("127.0.0.1", mta, timeout=10) as client:
        client.starttls(context=client_tls())
        client.sendmail("someone@remote.test", ["alice@example.test"], RAW)
    [stored] = inbox_raw(alice_tx)
    assert b"with ESMTPS id" in stored


def test_garbage_gets_errors_not_a_dropped_connection(mta, alice_tx):
    with socket.create_connection(("127.0.0.1", mta), timeout=10) as sock:
        f = sock.makefile("rwb")
        assert f.readline().startswith(b"220 ")
        for line in [
            b"HELLO\r\n",
            b"\x00\xff\xfe\r\n",
            b"RCPT TO:<a@example.test>\r\n",
            b"MAIL FROM:<<<>\r\n",
        ]:
            f.write(line)
            f.flush()
            reply = f.readline()
            assert reply[:1] in (b"5", b"4"), (line, reply)
        f.write(b"NOOP\r\n")
        f.flush()
        assert f.readline().startswith(b"250")
