"""SMTP ingest: this server's durable ingest against an fsync-only aiosmtpd baseline.

    .venv/bin/python bench/smtp_ingest.py            # SQLite in a temporary data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1/webmail_bench .venv/bin/python \
        bench/smtp_ingest.py

Both servers run in this process on loopback, each fed by 8 concurrent smtplib clients
sending 4 KiB messages, in alternating rounds (BENCH_ROUNDS, default 3; BENCH_MESSAGES
per client, default 100). Ours: the real MTA listener; "250" means committed to the queue,
and a round ends when the last message is also stored in the mailbox (tasks in-process,
the embedded default). Baseline: aiosmtpd whose handler only writes each message to a
file and fsyncs it. Prints the median messages/s of both, the ratio, the CPU time this
process spent per message on each side (clients included), and every round.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import smtplib
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from harness import configure, serve_in_thread, setup_django

configure("smtp")

CLIENTS = 8
PER_CLIENT = int(os.environ.get("BENCH_MESSAGES", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


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


@dataclasses.dataclass(frozen=True)
class Run:
    rate: float  # messages per second
    cpu: float  # CPU time of this whole process per message, in ms (clients included)


def drive(port: int, settled: Callable[[], bool] = lambda: True) -> Run:
    """CLIENTS clients sending PER_CLIENT messages each, timed until the last reply and
    until `settled()` (every message stored) holds."""
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
    t0, cpu0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    deadline = time.monotonic() + 60
    while not settled() and time.monotonic() < deadline:
        time.sleep(0.002)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    if errors:
        raise errors[0]
    count = CLIENTS * PER_CLIENT
    return Run(count / elapsed, cpu / count * 1000)


def main() -> None:
    engine = setup_django()
    from aiosmtpd.smtp import SMTP
    from django.conf import settings

    from mailcore import runtime, store
    from mailcore.smtp import server as smtp_server
    from mailcore.tls import ensure_certificate, server_context

    account = store.create_account("alice@example.test", "pw")
    cert, key = ensure_certificate(settings.MAIL.data_dir, "localhost")
    config = dataclasses.replace(settings.MAIL, smtp_port=0)

    # Ours.
    listener = smtp_server.mta(config, server_context(cert, key))
    serve_in_thread(listener.start, listener.stop)
    assert listener.server is not None
    port = listener.server.sockets[0].getsockname()[1]
    inbox = store.find_folder(account, "INBOX")

    def stored() -> int:
        return store.folder_status(account, inbox).exists

    # Baseline: write + fsync only.
    handler = FsyncHandler(Path(tempfile.mkdtemp(prefix="bench-fsync-")))
    holder: dict[str, asyncio.base_events.Server] = {}

    async def start() -> None:
        loop = asyncio.get_running_loop()
        holder["server"] = await loop.create_server(
            lambda: SMTP(handler, loop=loop, hostname="localhost"), "127.0.0.1", 0
        )

    async def stop() -> None:
        holder["server"].close()

    serve_in_thread(start, stop)
    baseline_port = holder["server"].sockets[0].getsockname()[1]

    # As `serve` and `runmail` do once their listeners are up (for both servers alike).
    runtime.freeze_heap()

    # Alternate rounds, so that load from elsewhere on the machine falls on both alike;
    # the medians are compared.
    ours: list[Run] = []
    baseline: list[Run] = []
    for n in range(1, ROUNDS + 1):
        ours.append(drive(port, lambda n=n: stored() == n * CLIENTS * PER_CLIENT))
        assert stored() == n * CLIENTS * PER_CLIENT, stored()
        baseline.append(drive(baseline_port))
    mine = statistics.median(r.rate for r in ours)
    theirs = statistics.median(r.rate for r in baseline)
    cpu = statistics.median(r.cpu for r in ours) / statistics.median(r.cpu for r in baseline)
    rounds = ", ".join(f"{a.rate:.0f}/{b.rate:.0f}" for a, b in zip(ours, baseline, strict=True))
    print(
        f"| {engine} | {mine:.0f} msg/s | {theirs:.0f} msg/s | {mine / theirs:.2f} "
        f"| {statistics.median(r.cpu for r in ours):.2f} / "
        f"{statistics.median(r.cpu for r in baseline):.2f} ms ({cpu:.1f}x) | {rounds} |"
    )


if __name__ == "__main__":
    main()
