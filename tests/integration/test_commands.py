"""Management commands: addmailbox, demo, and serve as a real process."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from support.listeners import free_port

from mailcore import store
from mailcore.models import Account

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def test_addmailbox_creates_account_and_domain(db, capsys):
    call_command(
        "addmailbox", "Dora@New.Example", "--password", "pw", "--name", "Dora", "--quota", "500M"
    )
    account = Account.objects.get(address="dora@new.example")
    assert account.quota_bytes == 500 * 1024**2
    assert account.user.check_password("pw")
    assert store.find_folder(account, "INBOX")
    assert "created dora@new.example" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["not-an-address"],
        ["a@b"],
        ["a b@example.test"],
        ["@example.test"],
        ["x@example.test", "--quota", "lots"],
    ],
)
def test_addmailbox_refuses_bad_input_with_exit_2(db, args):
    with pytest.raises(CommandError) as exc:
        call_command("addmailbox", *args, "--password", "pw")
    assert exc.value.returncode == 2


def test_addmailbox_refuses_duplicates(db):
    call_command("addmailbox", "eve@example.test", "--password", "pw")
    with pytest.raises(CommandError) as exc:
        call_command("addmailbox", "EVE@example.test", "--password", "pw")
    assert exc.value.returncode == 2
    assert "already exists" in str(exc.value)


def fresh_data_dir(tmp_path, **extra: str) -> dict[str, str]:
    """Environment for a manage.py subprocess on a new, migrated SQLite data dir."""
    ports = {
        name: str(free_port())
        for name in (
            "MAIL_SMTP_PORT",
            "MAIL_SUBMISSION_PORT",
            "MAIL_SMTPS_PORT",
            "MAIL_IMAP_PORT",
            "MAIL_IMAPS_PORT",
            "MAIL_POP3_PORT",
            "MAIL_POP3S_PORT",
        )
    }
    env = {**os.environ, "MAIL_DATA_DIR": str(tmp_path), **ports, **extra}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([*MANAGE, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    return env


def test_addmailbox_exit_status_from_the_shell(tmp_path):
    env = fresh_data_dir(tmp_path)
    args = [*MANAGE, "addmailbox", "x@example.test", "--password", "pw"]
    ok, bad = (
        subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True) for _ in range(2)
    )
    assert ok.returncode == 0, ok.stderr
    assert bad.returncode == 2 and "already exists" in bad.stderr


def test_demo_creates_a_mailbox_with_a_welcome_message(db, capsys, settings, tmp_path):
    call_command("demo")
    out = capsys.readouterr().out
    assert "demo@example.test" in out and "password:" in out
    account = Account.objects.get(address="demo@example.test")
    assert [i.subject for i in store.items(account, store.find_folder(account, "INBOX"))] == [
        "Welcome to your new mailbox"
    ]
    call_command("demo")  # a second run creates nothing
    assert Account.objects.count() == 1


def start(command: str, env: dict[str, str]) -> tuple[subprocess.Popen, list[str]]:
    """Start `manage.py <command>` and read what it prints up to "ready"."""
    proc = subprocess.Popen(
        [*MANAGE, command],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "ready" in line or not line:
            break
    return proc, lines


def test_serve_answers_and_stops_on_sigterm(tmp_path):
    port = free_port()
    smtp_port = free_port()
    env = fresh_data_dir(tmp_path, MAIL_HTTP_PORT=str(port), MAIL_SMTP_PORT=str(smtp_port))
    proc, lines = start("serve", env)
    try:
        assert any(f"127.0.0.1:{port}" in line for line in lines), lines
        assert any(f"127.0.0.1:{smtp_port}" in line for line in lines), lines
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as resp:
            page = resp.read().decode()
        assert 'name="username"' in page and 'name="password"' in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/") as resp:
            assert resp.status == 200
        assert (tmp_path / "tls" / "cert.pem").exists()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_runmail_runs_listeners_only_and_stops_on_sigterm(tmp_path):
    smtp_port = free_port()
    env = fresh_data_dir(tmp_path, MAIL_SMTP_PORT=str(smtp_port))
    proc, lines = start("runmail", env)
    try:
        assert any(f"127.0.0.1:{smtp_port}" in line for line in lines), lines
        assert not any("http://" in line for line in lines), lines
        for name in ("submission", "smtps", "pop3", "pop3s", "imap", "imaps"):
            assert any(line.startswith(name) for line in lines), lines
        with socket.create_connection(("127.0.0.1", int(env["MAIL_POP3_PORT"])), 10) as sock:
            assert sock.recv(100).startswith(b"+OK")
        with socket.create_connection(("127.0.0.1", int(env["MAIL_IMAP_PORT"])), 10) as sock:
            assert sock.recv(100).startswith(b"* OK [CAPABILITY IMAP4rev1")
        with socket.create_connection(("127.0.0.1", smtp_port), timeout=10) as sock:
            assert sock.recv(100).startswith(b"220 ")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
