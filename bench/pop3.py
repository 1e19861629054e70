"""POP3 benchmark: RETR throughput (MB/s) of a 1,000-message maildrop.

    .venv/bin/python bench/pop3.py                 # SQLite in a temporary data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1/webmail_bench .venv/bin/python bench/pop3.py

The database named by DATABASE_URL is created if missing and emptied first. 1,000
messages of ~20 KiB are appended to alice's Inbox through the store (setup, not
measured); then a real listener on loopback serves poplib: the login (lock + snapshot +
octet counts), and RETR of every message, over plaintext and over implicit TLS.
Prints a Markdown table for bench/README.md.
"""

from __future__ import annotations

import dataclasses
import os
import poplib
import socket
import ssl
import time

from harness import configure, serve_in_thread, setup_django

configure("pop3")

COUNT = int(os.environ.get("BENCH_MESSAGES", "1000"))
SIZE = 20 * 1024


def message(n: int) -> bytes:
    line = f"Line of benchmark message {n} with some ordinary words in it, and more.\r\n"
    body = (line * (SIZE // len(line) + 1))[:SIZE]
    return (
        f"From: Sender <sender{n % 97}@remote.test>\r\nTo: alice@example.test\r\n"
        f"Subject: Benchmark message {n}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <pop3bench{n}@remote.test>\r\n\r\n{body}"
    ).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session(client: poplib.POP3) -> dict[str, float]:
    start = time.perf_counter()
    client.user("alice@example.test")
    client.pass_("alice-pw")
    login = time.perf_counter() - start
    count, octets = client.stat()
    start = time.perf_counter()
    received = 0
    for n in range(1, count + 1):
        received += client.retr(n)[2]
    elapsed = time.perf_counter() - start
    client.quit()
    assert received == octets, (received, octets)
    return {
        "login (ms)": login * 1000,
        "RETR all (s)": elapsed,
        "MB/s": octets / elapsed / 1e6,
        "messages/s": count / elapsed,
        "MB": octets / 1e6,
    }


def main() -> None:
    vendor = setup_django()
    from django.conf import settings

    from mailcore import store
    from mailcore.pop3 import server
    from mailcore.tls import ensure_certificate, server_context

    alice = store.create_account("alice@example.test", "alice-pw")
    inbox = store.find_folder(alice, store.INBOX)
    for n in range(COUNT):
        store.append(alice, inbox, message(n))
    mail = settings.MAIL
    cert, key = ensure_certificate(mail.data_dir, "localhost")
    config = dataclasses.replace(
        mail, pop3_port=free_port(), pop3s_port=free_port(), allow_plaintext_auth=True
    )
    tls = server_context(cert, key)
    listeners = [server.pop3(config, tls), server.pop3s(config, tls)]

    async def start() -> None:
        for listener in listeners:
            await listener.start()

    async def stop() -> None:
        for listener in listeners:
            await listener.stop()

    serve_in_thread(start, stop)
    client_tls = ssl.create_default_context()
    client_tls.check_hostname, client_tls.verify_mode = False, ssl.CERT_NONE

    runs = {
        "plaintext, 1st login": session(poplib.POP3("127.0.0.1", config.pop3_port)),
        "plaintext, 2nd login": session(poplib.POP3("127.0.0.1", config.pop3_port)),
        "implicit TLS": session(
            poplib.POP3_SSL("127.0.0.1", config.pop3s_port, context=client_tls)
        ),
    }
    print(f"| {vendor}, {COUNT} x ~{SIZE // 1024} KiB | " + " | ".join(runs) + " |")
    print("|---|" + "---|" * len(runs))
    for metric in next(iter(runs.values())):
        print(f"| {metric} | " + " | ".join(f"{r[metric]:.2f}" for r in runs.values()) + " |")


if __name__ == "__main__":
    main()
