"""The production path: with REDIS_URL set, delivery runs in a real Celery worker process
fed through Redis (CI sets REDIS_URL; skipped on the embedded default)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from mailcore import store
from mailcore.delivery import enqueue

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not settings.MAIL.redis_url, reason="needs REDIS_URL")


@pytest.fixture
def worker(tmp_path, settings):
    from webmail.celery import app

    # The worker and this test must share the database and the blob directory.
    blobs = tmp_path / "data" / "blobs"
    settings.STORAGES = {
        **settings.STORAGES,
        "blobs": {**settings.STORAGES["blobs"], "OPTIONS": {"location": str(blobs)}},
    }
    db = connection.settings_dict
    env = {
        **os.environ,
        "MAIL_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
    }
    queue = f"test-{os.getpid()}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "webmail",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        cwd=ROOT,
    )
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    yield proc
    app.conf.task_default_queue = "celery"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_enqueued_mail_is_delivered_by_a_celery_worker(worker, message):
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can share (Postgres)")
    alice = store.create_account("alice@example.test", "pw")
    inbox = store.find_folder(alice, "INBOX")
    enqueue(message("Through Redis"), "x@remote.test", ["alice@example.test"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not store.uid_list(alice, inbox):
        assert worker.poll() is None, "the worker died"
        time.sleep(0.2)
    assert [i.subject for i in store.items(alice, inbox)] == ["Through Redis"]
