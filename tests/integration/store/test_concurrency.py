"""Concurrent appends to one folder: unique, increasing UIDs and MODSEQs, no lost writes,
and a change log that replays to exactly the final state.

Run on Postgres in CI (row locks) and on SQLite locally (IMMEDIATE transactions).
"""

import threading

import pytest
from django.db import close_old_connections, connection

from mailcore import store
from mailcore.store import FlagMode

THREADS = 8
PER_THREAD = 15


def run_threads(target, count=THREADS):
    errors: list[BaseException] = []

    def wrapper(n):
        try:
            target(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=wrapper, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_parallel_appends_to_one_folder(message):
    from mailcore.store import create_account

    alice = create_account("alice@example.test", "pw")
    inbox = store.find_folder(alice, "INBOX")
    results: list[store.Appended] = []
    lock = threading.Lock()

    def append(n):
        for i in range(PER_THREAD):
            r = store.append(
                alice, inbox, message(f"t{n}-{i}"), flags=["\\Seen"] if i % 3 == 0 else []
            )
            with lock:
                results.append(r)

    run_threads(append)
    total = THREADS * PER_THREAD
    uids = sorted(r.uid for r in results)
    assert uids == list(range(1, total + 1))  # unique, no gaps
    # A later UID always carries a later MODSEQ: no reordering between the two counters.
    by_uid = sorted(results, key=lambda r: r.uid)
    assert [r.modseq for r in by_uid] == sorted({r.modseq for r in results})
    status = store.folder_status(alice, inbox)
    assert (status.exists, status.uidnext) == (total, total + 1)
    assert status.unseen == total - THREADS * len(range(0, PER_THREAD, 3))
    assert status.highestmodseq == max(r.modseq for r in results)


@pytest.mark.django_db(transaction=True)
def test_parallel_flag_changes_and_expunges_replay(message):
    from mailcore.store import create_account

    alice = create_account("alice@example.test", "pw")
    inbox = store.find_folder(alice, "INBOX")
    for i in range(40):
        store.append(alice, inbox, message(f"m{i}"))

    def work(n):
        for i in range(10):
            uid = (n * 5 + i) % 40 + 1
            store.store_flags(alice, inbox, [uid], FlagMode.ADD, [f"k{n}"])
            if i == 9 and n % 2:
                store.expunge(alice, inbox, [uid], only_deleted=False)
            else:
                store.append(alice, inbox, message(f"late{n}-{i}"))

    run_threads(work)
    state: dict[int, list[str]] = {}
    changes = store.changes_since(alice, inbox, 0)
    modseqs = [c.modseq for c in changes]
    assert modseqs == sorted(modseqs)
    for change in changes:
        if change.action == "expunged":
            state.pop(change.uid, None)
        else:
            state[change.uid] = sorted(change.flags)
    final = {i.uid: sorted(store.flag_names(i)) for i in store.items(alice, inbox)}
    assert state == final
    status = store.folder_status(alice, inbox)
    assert status.exists == len(final)
    assert status.highestmodseq == modseqs[-1]
