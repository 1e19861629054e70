"""mbsync (isync) syncing alice's mailbox to a local Maildir and back, as a desktop client
would (../shared/CLIENTS.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support.messages import message

from mailcore import store

pytestmark = pytest.mark.skipif(shutil.which("mbsync") is None, reason="isync not installed")


def mbsync(tmp_path: Path, port: int) -> subprocess.CompletedProcess[str]:
    maildir = tmp_path / "maildir"
    maildir.mkdir(exist_ok=True)
    rc = tmp_path / "mbsyncrc"
    rc.write_text(
        f"""IMAPAccount a
Host 127.0.0.1
Port {port}
User alice@example.test
Pass alice-pw
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account a

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel c
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
"""
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(
        ["mbsync", "-c", str(rc), "-a"], env=env, capture_output=True, text=True, timeout=60
    )


def as_sent(data: bytes) -> bytes:
    """mbsync stores messages with LF line ends and adds its X-TUID tracking header."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    return b"\n".join(line for line in lines if not line.startswith(b"X-TUID: "))


def files(folder: Path) -> list[Path]:
    return sorted(p for sub in ("cur", "new") for p in (folder / sub).glob("*"))


def test_mbsync_both_ways(plain_imap, mailbox, tmp_path):
    alice, put = mailbox
    raws = [message(n) for n in range(1, 4)]
    put(*raws)
    put(message(10), folder="Archive")
    done = mbsync(tmp_path, plain_imap.imap_port)
    assert done.returncode == 0, done.stdout + done.stderr
    inbox = tmp_path / "maildir" / "INBOX"
    local = files(inbox)
    assert sorted(as_sent(p.read_bytes()) for p in local) == sorted(map(as_sent, raws))
    assert len(files(tmp_path / "maildir" / "Archive")) == 1

    # Locally: mark one seen, delete another, add a new message and a new folder.
    seen, deleted = local[0], local[1]
    seen.rename(inbox / "cur" / (seen.name.split(":")[0] + ":2,S"))
    deleted.rename(inbox / "cur" / (deleted.name.split(":")[0] + ":2,T"))
    new_raw = message(42)
    (inbox / "new" / "1700000000.42.host").write_bytes(new_raw)
    (tmp_path / "maildir" / "Local" / "cur").mkdir(parents=True)
    (tmp_path / "maildir" / "Local" / "new").mkdir()
    (tmp_path / "maildir" / "Local" / "tmp").mkdir()
    (tmp_path / "maildir" / "Local" / "new" / "1700000001.1.host").write_bytes(message(43))

    done = mbsync(tmp_path, plain_imap.imap_port)
    assert done.returncode == 0, done.stdout + done.stderr
    folder = store.find_folder(alice, "INBOX")
    items = store.items(alice, folder)
    raw_by_uid = {i.uid: store.read_raw(alice, i) for i in items}
    assert as_sent(new_raw) in map(as_sent, raw_by_uid.values())
    assert len(items) == 3  # three left after the deletion, plus the new one
    assert sum(1 for i in items if i.seen) == 1
    assert store.folder_status(alice, store.find_folder(alice, "Local")).exists == 1

    # And a third run changes nothing.
    done = mbsync(tmp_path, plain_imap.imap_port)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(store.items(alice, folder)) == 3
