"""SMTP ingest: this server's durable ingest against an fsync-only aiosmtpd baseline.

    .venv/bin/python bench/smtp_ingest.py            # SQLite in a temporary data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1/webmail_bench .venv/bin/python \
        bench/smtp_ingest.py

Both servers run in this process on loopback, one after the other, each fed by 8
concurrent smtplib clients sending 4 KiB messages. Ours: the real MTA listener; a message
is acknowledged after it is committed to the queue and (tasks in-process, the embedded
default) stored in the mailbox. Baseline: aiosmtpd whose handler only writes each message
to a file and fsyncs it. Prints messages/s for both and the ratio.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import smtplib
import tempfile
import threading
import time
from pathlib import Path

from harness import configure, serve_in_thread, setup_django

configure("smtp")

CLIENTS = 8
PER_CLIENT = int(os.environ.get("BENCH_MESSAGES", "100"))


def message(n: int) -> bytes:
    body = ("A line of an ordinary benchmark message, nothing special here.\r\n" * 64)[:4000]
    return (
        f"From: bench@remote.test\r\nTo: alice@example.test\r\nSubject: ingest {n}\r\n"
        f"Message-ID: <ingest{n}@remote.test>\r\n\r\n{body}"
    ).encode()


class FsyncHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        path = self.directory / f"{self.count}.eml"
        data = envelope.original_content

        def write() -> None:
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())

        await asyncio.get_running_loop().run_in_executor(None, write)
        return "250 2.0.0 OK"


def drive(port: int) -> float:
    """Messages per second for CLIENTS clients sending PER_CLIENT messages each."""
    errors: list[BaseException] = []

    def client(n: int) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
                for i in range(PER_CLIENT):
                    smtp.sendmail(
                        "bench@remote.test", ["alice@example.test"], message(n * PER_CLIENT + i)
                    )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return CLIENTS * PER_CLIENT / elapsed


def main() -> None:
    engine = setup_django()
    from aiosmtpd.smtp import SMTP
    from django.conf import settings

    from mailcore import store
    from mailcore.smtp import server as smtp_server
    from mailcore.tls import ensure_certificate, server_context

    account = store.create_account("alice@example.test", "pw")
    cert, key = ensure_certificate(settings.MAIL.data_dir, "localhost")
    config = dataclasses.replace(settings.MAIL, smtp_port=0)

    # Ours.
    listener = smtp_server.mta(config, server_context(cert, key))
    loop, thread = serve_in_thread(listener.start, listener.stop)
    port = listener.server.sockets[0].getsockname()[1]
    ours = drive(port)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(30)
    stored = store.folder_status(account, store.find_folder(account, "INBOX")).exists
    assert stored == CLIENTS * PER_CLIENT, stored

    # Baseline: write + fsync only.
    directory = Path(tempfile.mkdtemp(prefix="bench-fsync-"))
    handler = FsyncHandler(directory)
    holder: dict[str, asyncio.base_events.Server] = {}

    async def start() -> None:
        loop = asyncio.get_running_loop()
        holder["server"] = await loop.create_server(
            lambda: SMTP(handler, loop=loop, hostname="localhost"), "127.0.0.1", 0
        )

    async def stop() -> None:
        holder["server"].close()

    loop, thread = serve_in_thread(start, stop)
    baseline = drive(holder["server"].sockets[0].getsockname()[1])
    loop.call_soon_threadsafe(loop.stop)
    thread.join(30)

    print(f"| {engine} | {ours:.0f} msg/s | {baseline:.0f} msg/s | {ours / baseline:.2f} |")


if __name__ == "__main__":
    main()
