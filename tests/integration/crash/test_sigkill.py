"""Nothing acknowledged is ever lost: clients keep sending while `serve` is SIGKILLed and
restarted; afterwards every message that got "250" is in the mailbox exactly once.

The server runs as a real process on its own SQLite data dir (the embedded default), and
on a Postgres database of its own when the tests run on Postgres, so a kill really
interrupts writes, fsyncs and transactions wherever they are.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.listeners import free_port

ROOT = Path(__file__).resolve().parents[3]
MANAGE = [sys.executable, str(ROOT / "manage.py")]
CLIENTS = 6


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [*MANAGE, "serve"],
            env=self.env,
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if "ready" in line:
                break
            assert line, "serve exited during start-up"
        # Keep draining output so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)


def mailbox_state(env: dict[str, str]) -> tuple[list[str], int]:
    """(subjects in alice's Inbox, local recipients still queued), read by a subprocess."""
    code = (
        "import json; from mailcore import store; from mailcore.models import *;"
        "a = Account.objects.get(address='alice@example.test');"
        "s = [i.subject for i in store.items(a, store.find_folder(a, 'INBOX'))];"
        "q = QueueRecipient.objects.filter(state='queued', is_local=True).count();"
        "print(json.dumps([s, q]))"
    )
    out = subprocess.run(
        [*MANAGE, "shell", "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    subjects, queued = json.loads(out.strip().splitlines()[-1])
    return subjects, queued


@pytest.fixture(params=["sqlite", "postgresql"])
def server_database(request, tmp_path):
    """DATABASE_URL for the server process: a fresh SQLite file, or (when the tests run
    on Postgres) a fresh database of its own on the same server."""
    if request.param == "sqlite":
        yield None
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("the Postgres crash run needs DATABASE_URL pointing at Postgres")
    base, _, _ = url.rpartition("/")
    name = f"crash_{os.getpid()}_{int(time.time())}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"CREATE DATABASE {name}", "postgres"], check=True)
    yield f"{base}/{name}"
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", "postgres"])


def test_acknowledged_mail_survives_sigkill_exactly_once(tmp_path, server_database):
    port = free_port()
    env = {
        **os.environ,
        "MAIL_DATA_DIR": str(tmp_path),
        "MAIL_HTTP_PORT": str(free_port()),
        "MAIL_SMTP_PORT": str(port),
        "MAIL_SUBMISSION_PORT": str(free_port()),
        "MAIL_SMTPS_PORT": str(free_port()),
        "MAIL_POP3_PORT": str(free_port()),
        "MAIL_POP3S_PORT": str(free_port()),
        "MAIL_LOG_LEVEL": "ERROR",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    if server_database:
        env["DATABASE_URL"] = server_database
    subprocess.run([*MANAGE, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run(
        [*MANAGE, "addmailbox", "alice@example.test", "--password", "pw"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )

    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        seq = 0
        while not stop.is_set():
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                    while not stop.is_set():
                        seq += 1  # never resend a token: a retry may rightly duplicate
                        token = f"c{n}-m{seq}"
                        raw = (
                            f"From: c{n}@remote.test\r\nTo: alice@example.test\r\n"
                            f"Subject: {token}\r\nMessage-ID: <{token}@remote.test>\r\n"
                            f"\r\n{'body line ' * 40}\r\n"
                        ).encode()
                        smtp.sendmail(f"c{n}@remote.test", ["alice@example.test"], raw)
                        with lock:
                            acknowledged.append(token)
            except (OSError, smtplib.SMTPException):
                time.sleep(0.05)

    server = Server(env)
    server.start()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        for _ in range(3):
            time.sleep(1.5)
            server.kill()
            server.start()
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    try:
        deadline = time.monotonic() + 60
        while True:
            subjects, queued = mailbox_state(env)
            if queued == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
    finally:
        server.stop()
    print(f"{len(acknowledged)} acknowledged, {len(subjects)} stored")
    assert len(acknowledged) > 20, "the clients barely got through; the test proves nothing"
    assert queued == 0
    counts: dict[str, int] = {}
    for subject in subjects:
        counts[subject] = counts.get(subject, 0) + 1
    missing = [t for t in acknowledged if t not in counts]
    assert missing == [], f"{len(missing)} acknowledged messages lost"
    duplicated = [t for t in acknowledged if counts[t] > 1]
    assert duplicated == []
