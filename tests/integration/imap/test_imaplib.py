"""The IMAP listener driven by the standard library's imaplib, over STARTTLS and IMAPS."""

from __future__ import annotations

import imaplib
import socket
import ssl
import time

import pytest
from support.listeners import client_tls, read_until
from support.messages import message

from mailcore import store


def login(client: imaplib.IMAP4) -> None:
    client.login("alice@example.test", "alice-pw")


def test_greeting_and_capabilities_before_and_after_starttls(imap_ports, mailbox):
    client = imaplib.IMAP4("127.0.0.1", imap_ports.imap_port)
    assert "STARTTLS" in client.capabilities and "LOGINDISABLED" in client.capabilities
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        client.login("alice@example.test", "alice-pw")
    client.starttls(ssl_context=client_tls())
    assert "AUTH=PLAIN" in client.capabilities and "STARTTLS" not in client.capabilities
    login(client)
    _typ, caps = client.capability()
    for cap in (b"IDLE", b"UIDPLUS", b"MOVE", b"CONDSTORE", b"QUOTA", b"SPECIAL-USE"):
        assert cap in caps[0]
    client.logout()


def test_authenticate_plain_with_initial_response(imaps_client, mailbox):
    typ, _ = imaps_client.authenticate("PLAIN", lambda _: b"\0alice@example.test\0alice-pw")
    assert typ == "OK"
    assert imaps_client.select("INBOX")[0] == "OK"


def test_fetch_is_byte_exact_and_sets_seen(imaps_client, mailbox):
    _alice, put = mailbox
    raw = message(1, b"line one\r\n\r\n\xc3\xa9t\xc3\xa9 8-bit\r\n")
    put(raw)
    login(imaps_client)
    assert imaps_client.select("INBOX") == ("OK", [b"1"])
    _, data = imaps_client.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert data[0][1] == b"Subject: message 1\r\n\r\n"
    assert b"\\Seen" not in data[1] if len(data) > 1 else b"\\Seen" not in data[0][0]
    _, data = imaps_client.uid("FETCH", "1", "(RFC822.SIZE BODY[])")
    assert data[0][1] == raw
    assert b"RFC822.SIZE %d" % len(raw) in data[0][0]
    _typ, data = imaps_client.fetch("1", "FLAGS")
    assert b"\\Seen" in data[0]


def test_append_with_flags_and_date_then_search_and_store(imaps_client, mailbox):
    login(imaps_client)
    raw = message(7)
    date = imaplib.Time2Internaldate(time.mktime((2025, 3, 4, 5, 6, 7, 0, 0, -1)))
    typ, data = imaps_client.append("INBOX", "(\\Flagged $Work)", date, raw)
    assert typ == "OK" and b"APPENDUID" in data[0]
    imaps_client.select("INBOX")
    typ, data = imaps_client.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[])")
    assert b"\\Flagged" in data[0][0] and b"$Work" in data[0][0]
    assert b'" 4-Mar-2025 ' in data[0][0] and data[0][1] == raw
    assert imaps_client.search(None, "FLAGGED", "SUBJECT", '"message 7"') == ("OK", [b"1"])
    assert imaps_client.search(None, "UNFLAGGED") == ("OK", [b""])
    typ, data = imaps_client.store("1", "-FLAGS", "(\\Flagged)")
    assert typ == "OK" and b"\\Flagged" not in data[0]


def test_folders_copy_move_expunge(imaps_client, mailbox):
    alice, put = mailbox
    put(message(1), message(2), message(3))
    login(imaps_client)
    # Names travel in modified UTF-7 (RFC 3501 5.1.3): "Été" is "&AMk-t&AOk-".
    assert imaps_client.create('"Projects/&AMk-t&AOk-"')[0] == "OK"
    typ, listing = imaps_client.list()
    names = b"\n".join(listing)
    assert b'"Projects/&AMk-t&AOk-"' in names and b"\\Sent" in names
    assert b"Projects" in names
    imaps_client.select("INBOX")
    typ, data = imaps_client.copy("1:2", "Projects/&AMk-t&AOk-")
    assert typ == "OK" and b"COPYUID" in data[0]
    typ, data = imaps_client.uid("MOVE", "3", "Archive")
    assert typ == "OK"
    assert store.folder_status(alice, store.find_folder(alice, "Archive")).exists == 1
    assert store.folder_status(alice, store.find_folder(alice, "Projects/Été")).exists == 2
    imaps_client.store("1", "+FLAGS.SILENT", "(\\Deleted)")
    typ, data = imaps_client.expunge()
    assert data == [b"3", b"1"]  # the MOVE's EXPUNGE of message 3, then this one
    assert imaps_client.rename("Projects/&AMk-t&AOk-", "Summer")[0] == "OK"
    assert imaps_client.status("Summer", "(MESSAGES UIDNEXT)")[1] == [
        b'"Summer" (MESSAGES 2 UIDNEXT 3)'
    ]
    assert imaps_client.delete("Summer")[0] == "OK"
    assert imaps_client.delete("INBOX")[0] == "NO"


def test_bad_input_gets_protocol_errors_not_a_dropped_connection(imap_ports, mailbox):
    with socket.create_connection(("127.0.0.1", imap_ports.imaps_port)) as raw_sock:
        conn = client_tls().wrap_socket(raw_sock, server_hostname="mail.example.test")
        assert read_until(conn, b"\r\n").startswith(b"* OK [CAPABILITY")
        conn.sendall(b"\x00\xff garbage\r\n")
        assert b"BAD" in read_until(conn, b"\r\n")
        conn.sendall(b"a1 FETCH 1:* (FLAGS\r\n")
        assert read_until(conn, b"\r\n").startswith(b"a1 BAD")
        conn.sendall(b"a2 LOGIN alice@example.test " + b"x" * 200_000 + b"\r\n")
        assert read_until(conn, b"\r\n").startswith(b"a2 BAD")
        conn.sendall(b"a3 APPEND INBOX {999999999}\r\n")
        assert read_until(conn, b"\r\n").startswith(b"a3 NO [TOOBIG]")
        conn.sendall(b"a4 NOOP\r\n")
        assert read_until(conn, b"\r\n") == b"a4 OK NOOP completed\r\n"
        conn.sendall(b"a5 LOGOUT\r\n")
        assert read_until(conn, b"a5 OK").startswith(b"* BYE")


def test_two_sessions_see_each_others_changes(imap_ports, mailbox):
    _alice, put = mailbox
    put(message(1), message(2))
    one = imaplib.IMAP4_SSL("127.0.0.1", imap_ports.imaps_port, ssl_context=client_tls())
    two = imaplib.IMAP4_SSL("127.0.0.1", imap_ports.imaps_port, ssl_context=client_tls())
    for client in (one, two):
        login(client)
        client.select("INBOX")
    two.store("1", "+FLAGS.SILENT", "(\\Deleted)")
    two.expunge()
    put(message(3))
    # FETCH may not announce the expunge (RFC 3501 7.4.1); NOOP does, then EXISTS.
    # FETCH may announce the new message but not the expunge (RFC 3501 7.4.1): the
    # count still includes the expunged message until NOOP reports it.
    typ, _ = one.fetch("1:2", "(UID)")
    assert typ == "NO"  # [EXPUNGEISSUED]: message 1 is gone, only message 2 was sent
    assert one.response("FETCH")[1] == [b"2 (UID 2)"]
    assert one.response("EXPUNGE") == ("EXPUNGE", [None])
    assert one.response("EXISTS")[1][-1] == b"3"
    one.noop()
    assert one.response("EXPUNGE")[1] == [b"1"]
    typ, data = one.fetch("1:*", "(UID)")
    assert data == [b"1 (UID 2)", b"2 (UID 3)"]
    for client in (one, two):
        client.logout()


def test_tls_is_required_for_implicit_port(imap_ports):
    with socket.create_connection(("127.0.0.1", imap_ports.imaps_port)) as sock:
        sock.sendall(b"a LOGIN x y\r\n")
        sock.settimeout(5)
        try:
            data = sock.recv(100)
        except (ConnectionError, TimeoutError, ssl.SSLError):
            data = b""
        assert b"OK" not in data


def test_commands_sent_with_starttls_are_not_run(imap_ports, mailbox):
    """CVE-2011-0411 style injection: plaintext sent after STARTTLS in the same flight
    must never be executed as if it came through TLS; the server hangs up."""
    with socket.create_connection(("127.0.0.1", imap_ports.imap_port)) as sock:
        read_until(sock, b"\r\n")
        sock.sendall(b"a STARTTLS\r\nb LOGIN alice@example.test alice-pw\r\n")
        rest = b""
        try:
            while chunk := sock.recv(4096):
                rest += chunk
        except (ConnectionError, TimeoutError):
            pass
        assert b"b OK" not in rest
