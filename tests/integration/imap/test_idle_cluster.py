"""IDLE in a cluster: a message delivered by another process (a Celery worker, another
`runmail`) wakes an IDLE client through the Channels layer over Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from imapclient import IMAPClient
from support.listeners import client_tls

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: cross-process push is Redis's job"
)

DELIVER = """
import django
django.setup()
from mailcore import store
from mailcore.models import Account
alice = Account.objects.get(address="alice@example.test")
inbox = store.find_folder(alice, store.INBOX)
store.append(alice, inbox, b"Subject: from another process\\r\\n\\r\\nhello\\r\\n")
"""


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    return (
        f"postgresql://{db.get('USER') or 'postgres'}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def test_delivery_in_another_process_wakes_idle(imap_ports, mailbox, tmp_path):
    client = IMAPClient("127.0.0.1", port=imap_ports.imaps_port, ssl=True, ssl_context=client_tls())
    client.login("alice@example.test", "alice-pw")
    client.select_folder("INBOX")
    client.idle()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "webmail.settings",
        "DATABASE_URL": database_url(),
        "MAIL_DATA_DIR": str(tmp_path / "other"),
    }
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", DELIVER], env=env, cwd=ROOT, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode()
    responses = client.idle_check(timeout=10)
    client.idle_done()
    client.logout()
    assert (1, b"EXISTS") in responses
