"""IMAP benchmark: SELECT and FETCH on mailboxes of 1k, 10k and 100k messages, FETCH BODY[]
throughput, IDLE wake-up latency, and the memory of 1,000 connections in IDLE.

    .venv/bin/python bench/imap.py                 # SQLite in a temporary data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1/webmail_bench .venv/bin/python bench/imap.py

The database named by DATABASE_URL is created if missing and emptied first. Each mailbox
gets SAMPLE messages appended through the store (plain, multipart/alternative, one with an
attachment; varied flags), then a BENCH-ONLY bulk insert of rows that reuse the first
sample's blob and summary, with their own UIDs, MODSEQs, flags and change-log rows and the
folder's counters set to match (setup, not measured). The bench checks that a bulk row
renders exactly as the appended message it copies.

Everything measured goes through a real listener on loopback with a raw-socket client that
reads every response (literals included) up to the tagged line: server time plus the
network, and little client overhead. SELECT, the full `UID FETCH 1:*`, pages of 50, then
BODY[] throughput, IDLE wake-up (a delivery through the store in another thread until the
client reads EXISTS), and the RSS of `manage.py runmail` in a subprocess before and with
1,000 clients in IDLE. Prints Markdown tables for bench/README.md.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import queue
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from harness import ROOT, configure, serve_in_thread, setup_django

configure("imap")

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
IDLE_CONNECTIONS = int(os.environ.get("BENCH_IDLE_CONNECTIONS", "1000"))
WAKEUPS = int(os.environ.get("BENCH_WAKEUPS", "40"))
SAMPLE = 20  # messages per mailbox appended through the store
PAGE = 50
ITEMS = b"(UID FLAGS ENVELOPE BODYSTRUCTURE)"
PASSWORD = "bench-pw"
# The listener allows 50 sessions per account (server.MAX_PER_USER): spread the idle
# clients over enough accounts.
PER_ACCOUNT = 40
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
FLAG_COLUMNS = {"\\Seen": "seen", "\\Answered": "answered", "\\Flagged": "flagged"}


# --- messages ------------------------------------------------------------------------


def flags_for(uid: int) -> list[str]:
    """Two thirds read, some answered and flagged, a keyword now and then."""
    flags = [] if uid % 3 == 0 else ["\\Seen"]
    flags += ["\\Answered"] if uid % 7 == 0 else []
    flags += ["\\Flagged"] if uid % 10 == 0 else []
    return flags + (["$Work"] if uid % 50 == 0 else [])


def message(n: int) -> bytes:
    """A ~4 KiB message: multipart/alternative, plain text, or mixed with an attachment."""
    head = (
        f"From: Sender {n % 97} <sender{n % 97}@remote.test>\r\n"
        f"To: Alice <alice@example.test>\r\nCc: Bob <bob@example.test>\r\n"
        f"Subject: Benchmark message {n}\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <imapbench{n}@remote.test>\r\nIn-Reply-To: <imapbench{n - 1}@remote.test>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    text = (f"Line {n} of a benchmark message with some ordinary words in it.\r\n" * 30)[:1800]
    html = "<html><body>" + "<p>Paragraph with <b>bold</b> text.</p>" * 40 + "</body></html>"
    kind = n % 3
    if kind == 1:
        return (head + f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}").encode()
    if kind == 0:
        second = f"Content-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n"
        outer = "multipart/alternative"
    else:
        data = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\r\n" * 30
        second = (
            'Content-Type: application/pdf; name="report.pdf"\r\n'
            'Content-Disposition: attachment; filename="report.pdf"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n{data}"
        )
        outer = "multipart/mixed"
    return (
        head + f'Content-Type: {outer}; boundary="b{n}"\r\n\r\n--b{n}\r\n'
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--b{n}\r\n{second}--b{n}--\r\n"
    ).encode()


def sized_message(n: int, size: int) -> bytes:
    line = f"Line of body-throughput message {n} with some ordinary words in it, and more.\r\n"
    body = (line * (size // len(line) + 1))[:size]
    return (
        f"From: sender@remote.test\r\nTo: alice@example.test\r\nSubject: Body {n}\r\n"
        f"Message-ID: <imapbody{n}@remote.test>\r\n\r\n{body}"
    ).encode()


# --- filling mailboxes ------------------------------------------------------------------


def fill(account, folder, count: int) -> None:
    """SAMPLE appends through the store, then (BENCH-ONLY) bulk rows copying the first
    sample's blob and summary, with their own UIDs, MODSEQs, flags and change rows; the
    folder's counters are set from the rows so SELECT and STATUS see a consistent folder."""
    from django.db import transaction
    from django.db.models import Count, Q, Sum

    from mailcore import store
    from mailcore.models import Change, Folder, Item, ItemText

    for n in range(1, min(SAMPLE, count) + 1):
        store.append(account, folder, message(n - 1), flags=flags_for(n))
    template = store.items(account, folder, [1])[0]
    text = ItemText.objects.get(item=template)
    skip = {"id", "uid", "modseq", "keywords", *FLAG_COLUMNS.values()}
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Item._meta.concrete_fields
        if f.attname not in skip
    }
    status = store.folder_status(account, folder)
    uid, modseq, batch = status.uidnext, status.highestmodseq, 5000
    while uid <= count:
        rows = []
        for u in range(uid, min(uid + batch, count + 1)):
            flags = flags_for(u)
            columns = {col: name in flags for name, col in FLAG_COLUMNS.items()}
            keywords = " ".join(f for f in flags if not f.startswith("\\"))
            modseq += 1
            rows.append(Item(**fields, **columns, uid=u, modseq=modseq, keywords=f" {keywords} "))
        with transaction.atomic():
            Item.objects.bulk_create(rows)
            ItemText.objects.bulk_create(
                [
                    ItemText(item=r, subject=text.subject, from_text=text.from_text,
                             to_text=text.to_text, cc_text=text.cc_text,
                             headers=text.headers, body=text.body)
                    for r in rows
                ]
            )  # fmt: skip
            Change.objects.bulk_create(
                [
                    Change(
                        folder=folder,
                        modseq=r.modseq,
                        uid=r.uid,
                        action="added",
                        flags=" ".join(store.flag_names(r)),
                    )
                    for r in rows
                ]
            )
        uid += len(rows)
    totals = Item.objects.filter(folder=folder).aggregate(
        n=Count("pk"), unseen=Count("pk", filter=Q(seen=False)), size=Sum("size")
    )
    Folder.objects.filter(pk=folder.pk).update(
        uidnext=count + 1,
        highestmodseq=modseq,
        exists_count=totals["n"],
        unseen_count=totals["unseen"],
        size_total=totals["size"],
    )


# --- a raw-socket client -----------------------------------------------------------------


class Client:
    """Sends one command and reads every response up to its tagged line, literals included:
    enough protocol to time the server, nothing more."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pos = 0
        self.n = 0
        self.literal_bytes = 0
        self.response()  # greeting

    def _fill(self) -> None:
        if self.pos:
            del self.buf[: self.pos]
            self.pos = 0
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def _line(self) -> bytes:
        while (end := self.buf.find(b"\r\n", self.pos)) < 0:
            self._fill()
        line = bytes(self.buf[self.pos : end + 2])
        self.pos = end + 2
        return line

    def _exact(self, size: int) -> bytes:
        while len(self.buf) - self.pos < size:
            self._fill()
        data = bytes(self.buf[self.pos : self.pos + size])
        self.pos += size
        return data

    def response(self) -> bytes:
        """One whole response: its lines and the literals inside it."""
        parts = []
        while True:
            line = self._line()
            parts.append(line)
            literal = LITERAL.search(line) if line.endswith(b"}\r\n") else None
            if literal is None:
                return b"".join(parts)
            size = int(literal.group(1))
            self.literal_bytes += size
            parts.append(self._exact(size))

    def send(self, command: bytes) -> bytes:
        self.n += 1
        tag = b"b%d" % self.n
        self.sock.sendall(tag + b" " + command + b"\r\n")
        return tag

    def run(self, command: bytes) -> list[bytes]:
        """The untagged responses of a command that must end in OK."""
        tag = self.send(command)
        out = []
        while not (resp := self.response()).startswith(tag + b" "):
            out.append(resp)
        if not resp.startswith(tag + b" OK"):
            raise RuntimeError(f"{command[:60]!r} failed: {resp!r}")
        return out

    def timed(self, command: bytes) -> tuple[float, list[bytes]]:
        t0 = time.perf_counter()
        out = self.run(command)
        return time.perf_counter() - t0, out

    def login(self, user: str) -> None:
        self.run(f"LOGIN {user} {PASSWORD}".encode())

    def close(self) -> None:
        self.run(b"LOGOUT")
        self.sock.close()


# --- the measurements ---------------------------------------------------------------------


def ms(seconds: float) -> float:
    return seconds * 1000


def mailbox_numbers(port: int, mailboxes: dict[int, str]) -> dict[int, dict[str, float]]:
    """SELECT and FETCH timings per mailbox size. The repeated measurements take turns
    between the sizes, so whatever else loads the machine weighs on every size alike."""
    clients, samples = {}, {}
    for count, user in mailboxes.items():
        client = clients[count] = Client(port)
        client.login(user)
        first, selected = client.timed(b"SELECT INBOX")
        assert any(b"* %d EXISTS" % count in r for r in selected), selected
        samples[count] = {"select_first": [first], "select": [], "uid": [], "seq": [], "deep": []}
        # A bulk row renders exactly as the appended message it copies.
        pair = client.run(b"UID FETCH 1,%d (UID FLAGS ENVELOPE BODYSTRUCTURE)" % count)
        pair = [r for r in pair if b" FETCH " in r[:24]]
        pair = [re.sub(rb"^\* \d+ FETCH \(UID \d+ FLAGS \([^)]*\) ", b"", r) for r in pair]
        assert len(pair) == 2 and pair[0] == pair[1], pair
        raw = client.run(b"UID FETCH 1,%d BODY.PEEK[]" % count)
        assert raw[0].split(b"}", 1)[1] == raw[1].split(b"}", 1)[1]
        assert len(client.run(b"UID FETCH %d:* %s" % (count - PAGE + 1, ITEMS))) == PAGE
    rng = random.Random(7)
    for _ in range(ROUNDS):
        for count, client in clients.items():
            times = samples[count]
            times["select"].append(client.timed(b"SELECT INBOX")[0])
            last = (count - PAGE + 1, count, ITEMS)
            for _ in range(2):
                times["uid"].append(client.timed(b"UID FETCH %d:%d %s" % last)[0])
                times["seq"].append(client.timed(b"FETCH %d:%d %s" % last)[0])
                start = rng.randint(1, count - PAGE + 1)
                deep = (start, start + PAGE - 1, ITEMS)
                times["deep"].append(client.timed(b"FETCH %d:%d %s" % deep)[0])
    results = {}
    for count, client in clients.items():
        full = []
        for _ in range(1 if count >= 100_000 else 3):
            elapsed, lines = client.timed(b"UID FETCH 1:* " + ITEMS)
            assert len(lines) == count, (len(lines), count)
            full.append(elapsed)
        client.close()
        times = samples[count]
        results[count] = {
            "select_first": ms(times["select_first"][0]),
            "select": ms(statistics.median(times["select"])),
            "select_p95": ms(p95(times["select"])),
            "full": min(full),
            "full_rate": count / min(full),
            **{f"page_{k}": ms(statistics.median(times[k])) for k in ("uid", "seq", "deep")},
        }
    return results


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def body_throughput(port: int, user: str) -> dict[str, tuple[float, float, float]]:
    """(MB/s, messages/s, MB) of whole-message FETCHes."""
    out = {}
    client = Client(port)
    client.login(user)
    for mailbox, label, command in [
        (b"INBOX", "BODY.PEEK[], 1,000 x 20 KiB", b"UID FETCH 1:* BODY.PEEK[]"),
        (b"INBOX", "BODY[] (sets \\Seen), 1,000 x 20 KiB", b"FETCH 1:* BODY[]"),
        (b"Large", "BODY.PEEK[], 20 x 1 MiB", b"UID FETCH 1:* BODY.PEEK[]"),
    ]:
        client.run(b"SELECT " + mailbox)
        client.literal_bytes = 0
        elapsed, lines = client.timed(command)
        size = client.literal_bytes
        out[label] = (size / elapsed / 1e6, len(lines) / elapsed, size / 1e6)
    client.close()
    return out


def idle_wakeups(port: int, account, user: str) -> tuple[list[float], list[float]]:
    """Delivery (store.append in another thread) -> EXISTS read by an idling client:
    from the start of the append, and from its return (after commit). One delivery
    thread for all of them, keeping its database connection as a delivery worker does."""
    from django.db import connection

    from mailcore import store

    inbox = store.find_folder(account, store.INBOX)
    jobs: queue.Queue[int | None] = queue.Queue()
    times: list[tuple[float, float]] = []

    def deliver() -> None:
        while (n := jobs.get()) is not None:
            time.sleep(0.05)  # let the client's IDLE settle
            start = time.perf_counter()
            store.append(account, inbox, message(n))
            times.append((start, time.perf_counter()))
        connection.close()

    worker = threading.Thread(target=deliver)
    worker.start()
    client = Client(port)
    client.login(user)
    client.run(b"SELECT INBOX")
    from_start, from_commit = [], []
    for n in range(WAKEUPS):
        tag = client.send(b"IDLE")
        assert client.response().startswith(b"+"), "no IDLE continuation"
        jobs.put(n)
        while not client.response().endswith(b" EXISTS\r\n"):
            pass
        seen = time.perf_counter()
        while len(times) <= n:  # the append returns after its commit published the event
            time.sleep(0.001)
        start, done = times[n]
        from_start.append(ms(seen - start))
        from_commit.append(ms(max(0.0, seen - done)))
        client.sock.sendall(b"DONE\r\n")
        while not client.response().startswith(tag + b" "):
            pass
    jobs.put(None)
    worker.join()
    client.close()
    return from_start, from_commit


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def idle_client(port: int, user: str, gate: asyncio.Semaphore):
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await reader.readline()
        for tag, command in ((b"a", f"LOGIN {user} {PASSWORD}".encode()), (b"b", b"SELECT INBOX")):
            writer.write(tag + b" " + command + b"\r\n")
            while not (line := await reader.readline()).startswith(tag + b" "):
                pass
            assert line.startswith(tag + b" OK"), line
        writer.write(b"c IDLE\r\n")
        assert (await reader.readline()).startswith(b"+"), "no IDLE continuation"
    return reader, writer


async def hold_idle(port: int, users: list[str], measure: Callable[[], None]) -> float:
    """Open a connection in IDLE for each of `users`, call `measure()`, then end them all.
    Returns how long setting them up took."""
    gate = asyncio.Semaphore(50)
    t0 = time.perf_counter()
    clients = await asyncio.gather(*(idle_client(port, u, gate) for u in users))
    setup = time.perf_counter() - t0
    await asyncio.sleep(1)
    measure()
    for _, writer in clients:
        writer.write(b"DONE\r\nd LOGOUT\r\n")
    for reader, writer in clients:
        await reader.read()
        writer.close()
    return setup


def idle_memory(accounts: list[str]) -> dict[str, float]:
    """RSS of `manage.py runmail` (all mail listeners, as deployed) before and while
    IDLE_CONNECTIONS clients idle on their Inboxes."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE_CONNECTIONS * 2 + 256  # client and server ends (the child inherits it)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    ports = {
        name: str(free_port())
        for name in (
            "MAIL_IMAP_PORT",
            "MAIL_IMAPS_PORT",
            "MAIL_SMTP_PORT",
            "MAIL_SUBMISSION_PORT",
            "MAIL_SMTPS_PORT",
            "MAIL_POP3_PORT",
            "MAIL_POP3S_PORT",
        )
    }
    env = {**os.environ, **ports, "MAIL_ALLOW_PLAINTEXT_AUTH": "1"}
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runmail"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        while "ready" not in (line := child.stdout.readline()):
            if not line:
                raise RuntimeError("runmail did not start")
        port = int(ports["MAIL_IMAP_PORT"])
        # One session per account first: the password hash and the first queries are
        # paid, as on a server that has been running for a while.
        for user in accounts:
            c = Client(port)
            c.login(user)
            c.run(b"SELECT INBOX")
            c.close()
        time.sleep(1)
        before = rss_kib(child.pid)
        users = [accounts[i % len(accounts)] for i in range(IDLE_CONNECTIONS)]
        during: dict[str, int] = {}
        setup = asyncio.run(
            hold_idle(port, users, lambda: during.setdefault("rss", rss_kib(child.pid)))
        )
        time.sleep(1)
        after = rss_kib(child.pid)
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(30)
    return {
        "before": before / 1024,
        "during": during["rss"] / 1024,
        "after": after / 1024,
        "per_connection": (during["rss"] - before) / IDLE_CONNECTIONS,
        "setup": setup,
    }


# --- main --------------------------------------------------------------------------------


def main() -> None:
    engine = setup_django()
    from django.conf import settings
    from django.db import connection

    from mailcore import store
    from mailcore.imap import server
    from mailcore.store.items import append_many
    from mailcore.tls import ensure_certificate, server_context

    mailboxes = {}
    for size in SIZES:
        user = f"bench{size}@example.test"
        account = store.create_account(user, PASSWORD)
        t0 = time.perf_counter()
        fill(account, store.find_folder(account, store.INBOX), size)
        print(f"[{engine}] filled {size:,} in {time.perf_counter() - t0:.1f}s", flush=True)
        mailboxes[size] = user
    bodies = store.create_account("bodies@example.test", PASSWORD)
    inbox = store.find_folder(bodies, store.INBOX)
    append_many(bodies, inbox, [store.prepare(sized_message(n, 20 * 1024)) for n in range(1000)])
    large = store.create_folder(bodies, "Large")
    append_many(bodies, large, [store.prepare(sized_message(n, 1 << 20)) for n in range(20)])
    waker = store.create_account("idle@example.test", PASSWORD)
    idlers = []
    for i in range(-(-IDLE_CONNECTIONS // PER_ACCOUNT)):
        account = store.create_account(f"idle{i}@example.test", PASSWORD)
        inbox = store.find_folder(account, store.INBOX)
        append_many(account, inbox, [store.prepare(message(n)) for n in range(10)])
        idlers.append(f"idle{i}@example.test")

    if connection.vendor == "postgresql":
        # What autovacuum does to freshly loaded tables on a real server (the CI Postgres
        # runs with it off): statistics, and the visibility map that lets SELECT read the
        # UIDs from the (folder, uid) index alone instead of 20,000 heap pages at 100k.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    cert, key = ensure_certificate(settings.MAIL.data_dir, "localhost")
    config = dataclasses.replace(
        settings.MAIL, imap_port=free_port(), imaps_port=free_port(), allow_plaintext_auth=True
    )
    listener = server.imap(config, server_context(cert, key))
    serve_in_thread(listener.start, listener.stop)
    port = config.imap_port

    results = mailbox_numbers(port, mailboxes)
    throughput = body_throughput(port, "bodies@example.test")
    wake_start, wake_commit = idle_wakeups(port, waker, "idle@example.test")
    memory = idle_memory(idlers)

    lo, hi = min(SIZES), max(SIZES)
    print(f"\n| {engine} | " + " | ".join(f"{s:,} messages" for s in SIZES) + f" | {hi:,}/{lo:,} |")
    print("|---|" + "---|" * (len(SIZES) + 1))
    for key, label in [
        ("select_first", "first SELECT INBOX (claims \\Recent) (ms)"),
        ("select", f"SELECT INBOX, median of {ROUNDS} (ms)"),
        ("select_p95", f"SELECT INBOX, p95 of {ROUNDS} (ms)"),
        ("full", "UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE) (s)"),
        ("full_rate", "  messages/s"),
        ("page_uid", f"page of 50: UID FETCH <last 50>, median of {ROUNDS * 2} (ms)"),
        ("page_seq", f"page of 50: FETCH n-49:n, median of {ROUNDS * 2} (ms)"),
        ("page_deep", f"page of 50: FETCH at a random depth, median of {ROUNDS * 2} (ms)"),
    ]:
        cells = " | ".join(f"{results[s][key]:.2f}" for s in SIZES)
        print(f"| {label} | {cells} | {results[hi][key] / results[lo][key]:.2f} |")
    print(f"\n| {engine} | MB/s | messages/s | MB |\n|---|---|---|---|")
    for label, (rate, per_s, size) in throughput.items():
        print(f"| {label} | {rate:.1f} | {per_s:.0f} | {size:.1f} |")
    print(f"\n| {engine} | median | p95 |\n|---|---|---|")
    print(f"| IDLE wake-up from delivery start (ms) | {statistics.median(wake_start):.1f} | "
          f"{p95(wake_start):.1f} |")  # fmt: skip
    print(f"| IDLE wake-up from delivery commit (ms) | {statistics.median(wake_commit):.1f} | "
          f"{p95(wake_commit):.1f} |")  # fmt: skip
    print(f"\n| {engine}, runmail | RSS |\n|---|---|")
    print(f"| after one session per account (MiB) | {memory['before']:.1f} |")
    print(f"| with {IDLE_CONNECTIONS:,} clients in IDLE (MiB) | {memory['during']:.1f} |")
    print(f"| per idle connection (KiB) | {memory['per_connection']:.1f} |")
    print(f"| after they logged out (MiB) | {memory['after']:.1f} |")
    print(f"| time to open, log in, SELECT and IDLE all (s) | {memory['setup']:.1f} |")


if __name__ == "__main__":
    main()
