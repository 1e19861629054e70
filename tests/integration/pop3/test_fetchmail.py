"""fetchmail (Debian's package) pulling alice's Inbox, as CLIENTS.md shows, with `keep`
and without. The mda writes one file per message; fetchmail delivers LF line endings and
puts its own Received header on top, and otherwise every byte is what was stored."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from mailcore import store

pytestmark = pytest.mark.skipif(shutil.which("fetchmail") is None, reason="needs fetchmail")

MESSAGES = [
    b"From: bob@remote.test\r\nTo: alice@example.test\r\nSubject: one\r\n\r\nHello.\r\n",
    b"From: bob@remote.test\nTo: alice@example.test\nSubject: lf\n\n.dot\n..two\nbye\n",
    b"From: carol@remote.test\r\nSubject: three\r\n\r\n" + b"x" * 70 + b"\r\n" * 500,
]
# fetchmail's trace header: "Received: from ... by ... with POP3 (fetchmail-6.4.x)" with
# folded continuation lines.
FETCHMAIL_RECEIVED = re.compile(rb"\AReceived: from [^\n]*\n(?:[ \t][^\n]*\n)*")


def fetch(tmp_path, port: int, *, keep: bool) -> tuple[subprocess.CompletedProcess, list[bytes]]:
    out = tmp_path / "out"
    out.mkdir()
    mda = tmp_path / "mda.sh"
    mda.write_text(f'#!/bin/sh\nf=$(mktemp {out}/m.XXXXXX) && cat > "$f"\n')
    mda.chmod(0o755)
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        "set no syslog\n"
        f"poll 127.0.0.1 service {port} protocol POP3 auth password timeout 30\n"
        '  user "alice@example.test" there with password "alice-pw" is "root" here\n'
        # This listener allows plaintext; do not let fetchmail try STLS with a
        # certificate it cannot verify.
        "  sslproto ''\n"
        f"  {'keep' if keep else 'nokeep'}\n"
        f'  mda "{mda}"\n'
    )
    rc.chmod(0o600)
    result = subprocess.run(
        ["fetchmail", "-f", str(rc), "--idfile", str(tmp_path / "ids"), "--all", "--nodetach"],
        capture_output=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    files = sorted(out.iterdir(), key=lambda f: f.stat().st_mtime_ns)
    return result, [f.read_bytes() for f in files]


def as_stored(delivered: bytes) -> bytes:
    match = FETCHMAIL_RECEIVED.match(delivered)
    assert match and b"fetchmail" in match.group(0)
    return delivered[match.end() :]


@pytest.mark.parametrize("keep", [True, False], ids=["keep", "nokeep"])
def test_fetchmail_pulls_the_inbox(plaintext_port, mailbox, tmp_path, keep):
    alice, inbox, put = mailbox
    uids = put(*MESSAGES)
    result, delivered = fetch(tmp_path, plaintext_port, keep=keep)
    assert result.returncode == 0, result.stderr.decode() + result.stdout.decode()
    assert len(delivered) == len(MESSAGES)
    expected = sorted(raw.replace(b"\r\n", b"\n") for raw in MESSAGES)
    assert sorted(as_stored(d) for d in delivered) == expected
    assert store.uid_list(alice, inbox) == (uids if keep else [])
