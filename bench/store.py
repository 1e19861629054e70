"""Store benchmark: append/s and summary-fetch/s on folders of 1k and 100k items.

    .venv/bin/python bench/store.py                 # SQLite in a temporary data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1/webmail_bench .venv/bin/python bench/store.py

The database named by DATABASE_URL is created if missing and emptied first. Folders are
filled by bulk insert (setup, not measured); the measured operations go through the
store API exactly as a door calls it. Prints a Markdown table for bench/README.md.
"""

from __future__ import annotations

import os
import random
import statistics
import time

from harness import configure, setup_django

configure("store")

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000").split(",")]
APPENDS = int(os.environ.get("BENCH_APPENDS", "300"))
FETCH_ROUNDS = int(os.environ.get("BENCH_FETCHES", "200"))
PAGE = 50


def message(n: int) -> bytes:
    body = (f"Line {n} of a benchmark message with some ordinary words in it.\r\n" * 64)[:4000]
    return (
        f"From: Sender {n % 97} <sender{n % 97}@remote.test>\r\n"
        f"To: alice@example.test\r\nSubject: Benchmark message {n}\r\n"
        f"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench{n}@remote.test>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()


def fill(account, folder, count: int) -> None:
    """Bulk-insert `count` items modelled on one appended through the store."""
    from django.db import transaction

    from mailcore import store
    from mailcore.models import Change, Folder, Item, ItemText

    template = store.get_item(account, store.append(account, folder, message(0)).item_id)
    text = ItemText.objects.get(item=template)
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Item._meta.concrete_fields
        if f.attname not in {"id", "uid", "modseq", "subject", "message_id"}
    }
    uid = 2
    batch = 2000
    while uid <= count:
        n = min(batch, count - uid + 1)
        with transaction.atomic():
            rows = [
                Item(
                    **{
                        **fields,
                        "uid": u,
                        "modseq": u,
                        "subject": f"Benchmark message {u}",
                        "message_id": f"bench{u}@remote.test",
                    }
                )
                for u in range(uid, uid + n)
            ]
            Item.objects.bulk_create(rows)
            ItemText.objects.bulk_create(
                [
                    ItemText(
                        item=r,
                        from_text=text.from_text,
                        to_text=text.to_text,
                        headers=text.headers,
                        body=text.body,
                    )
                    for r in rows
                ]
            )
            Change.objects.bulk_create(
                [Change(folder=folder, modseq=r.uid, uid=r.uid, action="added") for r in rows]
            )
        uid += n
    Folder.objects.filter(pk=folder.pk).update(
        uidnext=count + 1,
        highestmodseq=count + 1,
        exists_count=count,
        unseen_count=count,
        size_total=count * template.size,
    )


def measure(account, folder, count: int) -> dict[str, float]:
    from mailcore import store

    raws = [message(count + i) for i in range(APPENDS)]
    t0 = time.perf_counter()
    for raw in raws:
        store.append(account, folder, raw)
    append_s = (time.perf_counter() - t0) / APPENDS

    top = count + APPENDS
    rng = random.Random(7)
    page_times, single_times = [], []
    for _ in range(FETCH_ROUNDS):
        start = rng.randint(1, top - PAGE)
        t0 = time.perf_counter()
        page = store.items(account, folder, store.UidSet.from_ranges([(start, start + PAGE - 1)]))
        summaries = [store.summary_of(i) for i in page]
        page_times.append(time.perf_counter() - t0)
        assert len(summaries) == PAGE
        uid = rng.randint(1, top)
        t0 = time.perf_counter()
        item = store.items(account, folder, [uid])[0]
        store.summary_of(item)
        single_times.append(time.perf_counter() - t0)
    return {
        "append_ms": append_s * 1000,
        "appends_per_s": 1 / append_s,
        "page50_ms": statistics.median(page_times) * 1000,
        "summaries_per_s": PAGE / statistics.median(page_times),
        "single_ms": statistics.median(single_times) * 1000,
    }


def main() -> None:
    engine = setup_django()
    from mailcore import store

    results = {}
    for size in SIZES:
        account = store.create_account(f"bench{size}@example.test", "pw")
        folder = store.find_folder(account, "INBOX")
        t0 = time.perf_counter()
        fill(account, folder, size)
        print(f"[{engine}] filled {size} items in {time.perf_counter() - t0:.1f}s", flush=True)
        results[size] = measure(account, folder, size)
        print(f"[{engine}] {size}: {results[size]}", flush=True)
    lo, hi = min(SIZES), max(SIZES)
    print(f"\n| {engine} | " + " | ".join(f"{s:,} items" for s in SIZES) + f" | {hi:,}/{lo:,} |")
    print("|---|" + "---|" * (len(SIZES) + 1))
    for key, label in [
        ("append_ms", "append (ms/op)"),
        ("appends_per_s", "appends/s"),
        ("page50_ms", "page of 50 summaries (ms)"),
        ("summaries_per_s", "summaries/s"),
        ("single_ms", "one summary (ms)"),
    ]:
        cells = " | ".join(f"{results[s][key]:.2f}" for s in SIZES)
        print(f"| {label} | {cells} | {results[hi][key] / results[lo][key]:.2f} |")


if __name__ == "__main__":
    main()
