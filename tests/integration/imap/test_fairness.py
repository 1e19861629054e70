"""One slow client never stalls another: a client that asks for a large FETCH and does
not read it holds no database connection and no other session waits for it."""

from __future__ import annotations

import socket
import time

from imapclient import IMAPClient
from support.listeners import client_tls, read_until
from support.messages import message


def test_a_client_that_stops_reading_does_not_stall_others(imap_ports, mailbox):
    _, put = mailbox
    small = message(99)
    body = b"".join(b"%06d " % n + b"y" * 990 + b"\r\n" for n in range(500))  # ~500 KB
    put(*[message(n, body) for n in range(40)], small)  # ~20 MB to FETCH
    with socket.create_connection(("127.0.0.1", imap_ports.imap_port)) as raw:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        read_until(raw, b"\r\n")
        raw.sendall(b"a STARTTLS\r\n")
        read_until(raw, b"a OK")
        slow = client_tls().wrap_socket(raw, server_hostname="mail.example.test")
        slow.sendall(b"b LOGIN alice@example.test alice-pw\r\n")
        read_until(slow, b"b OK")
        slow.sendall(b"c SELECT INBOX\r\nd FETCH 1:* (BODY.PEEK[])\r\n")
        time.sleep(0.5)  # the server is now blocked writing to this client only

        other = IMAPClient(
            "127.0.0.1", port=imap_ports.imaps_port, ssl=True, ssl_context=client_tls(), timeout=10
        )
        other.login("alice@example.test", "alice-pw")
        other.select_folder("INBOX")
        assert len(other.search()) == 41
        fetched = other.fetch([41], ["BODY.PEEK[]"])
        assert fetched[41][b"BODY[]"] == small
        other.logout()
