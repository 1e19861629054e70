"""Web UI benchmark: server time for the inbox page and for opening a message, 100k mailbox.

    .venv/bin/python bench/webui.py                 # SQLite in a temporary data dir
    DATABASE_URL=postgresql://postgres@127.0.0.1/webmail_bench .venv/bin/python bench/webui.py

The Inbox is filled by bulk insert (BENCH-ONLY fast path: rows modelled on one message
appended through the store, each with its own date; not measured). The measured requests
go through Django's full stack (middleware, session, views, store) with the test client,
so the numbers are server time without the network: the inbox page is the three-pane page
plus the first page of the list; opening a message is the reading pane's data plus the
sanitized body document. Prints a Markdown table for bench/README.md.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import timedelta
from urllib.parse import quote

from harness import configure, setup_django

configure("webui")

SIZE = int(os.environ.get("BENCH_SIZE", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))


def message(n: int, html: bool = False) -> bytes:
    text = (f"Line {n} of a benchmark message with some ordinary words in it.\r\n" * 64)[:4000]
    if html:
        body = "".join(f"<p>Paragraph {i} with <b>bold</b> and a link.</p>" for i in range(60))
        content = f"Content-Type: text/html; charset=utf-8\r\n\r\n<html><body>{body}</body></html>"
    else:
        content = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"
    return (
        f"From: Sender {n % 97} <sender{n % 97}@remote.test>\r\n"
        f"To: alice@example.test\r\nSubject: Benchmark message {n}\r\n"
        f"Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench{n}@remote.test>\r\n"
        f"MIME-Version: 1.0\r\n{content}"
    ).encode()


def fill(account, folder, count: int) -> None:
    """BENCH-ONLY: bulk-insert `count` items like one appended through the store, one
    minute apart, a third of them unread."""
    from django.db import transaction
    from django.utils import timezone

    from mailcore import store
    from mailcore.models import Change, Folder, Item, ItemText

    template = store.get_item(account, store.append(account, folder, message(0)).item_id)
    text = ItemText.objects.get(item=template)
    skip = {"id", "uid", "modseq", "subject", "message_id", "seen"}
    skip |= {"internal_date", "internal_day", "sent_date", "sent_day"}
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Item._meta.concrete_fields
        if f.attname not in skip
    }
    start = timezone.now() - timedelta(minutes=count)
    uid, batch = 2, 2000
    while uid <= count:
        n = min(batch, count - uid + 1)
        with transaction.atomic():
            rows = [
                Item(
                    **fields,
                    uid=u,
                    modseq=u,
                    subject=f"Benchmark message {u}",
                    message_id=f"bench{u}@remote.test",
                    internal_date=start + timedelta(minutes=u),
                    internal_day=(start + timedelta(minutes=u)).date(),
                    sent_date=start + timedelta(minutes=u),
                    sent_day=(start + timedelta(minutes=u)).date(),
                    seen=u % 3 != 0,
                )
                for u in range(uid, uid + n)
            ]
            Item.objects.bulk_create(rows)
            ItemText.objects.bulk_create(
                [
                    ItemText(item=r, subject=r.subject, from_text=text.from_text,
                             to_text=text.to_text, headers=text.headers, body=text.body)
                    for r in rows
                ]
            )  # fmt: skip
            Change.objects.bulk_create(
                [Change(folder=folder, modseq=r.uid, uid=r.uid, action="added") for r in rows]
            )
        uid += n
    Folder.objects.filter(pk=folder.pk).update(
        uidnext=count + 1,
        highestmodseq=count + 1,
        exists_count=count,
        unseen_count=count // 3,
        size_total=count * template.size,
    )


def timed(client, url: str) -> float:
    t0 = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    engine = setup_django()
    from django.test import Client

    from mailcore import store

    account = store.create_account("alice@example.test", "alice-pw", display_name="Alice")
    inbox = store.find_folder(account, "INBOX")
    t0 = time.perf_counter()
    fill(account, inbox, SIZE)
    print(f"[{engine}] filled {SIZE} items in {time.perf_counter() - t0:.1f}s", flush=True)
    html_ids = [
        store.append(account, inbox, message(SIZE + i, html=True)).item_id for i in range(20)
    ]
    plain_ids = [i.pk for i in store.items(account, inbox, range(2, SIZE, SIZE // 50))]

    client = Client(HTTP_HOST="localhost")
    client.force_login(account.user)
    list_url = f"/api/folders/{inbox.pk}/messages?sort=date&dir=desc&offset=0&limit=50"
    for _ in range(5):  # warm caches and connections
        timed(client, "/")
        timed(client, list_url)
    rng = random.Random(7)
    shell, first_page, deep_page, deep_offset, by_sender = [], [], [], [], []
    open_html, open_plain = [], []
    for _ in range(ROUNDS):
        shell.append(timed(client, "/"))
        first_page.append(timed(client, list_url))
        offset = rng.randint(0, SIZE // 2)
        deep_url = list_url.replace("offset=0", f"offset={offset}")
        deep_offset.append(timed(client, deep_url))
        cursor = client.get(deep_url).json()["rows"][-1]["cursor"]
        deep_page.append(timed(client, f"{list_url}&after={quote(cursor)}"))
        by_sender.append(timed(client, list_url.replace("sort=date", "sort=from")))
        for ids, bucket in ((html_ids, open_html), (plain_ids, open_plain)):
            item_id = rng.choice(ids)
            bucket.append(
                timed(client, f"/api/messages/{item_id}?peek=1")
                + timed(client, f"/message/{item_id}/body")
            )
    inbox_page = [a + b for a, b in zip(shell, first_page, strict=True)]
    rows = [
        ("inbox page: shell + first 50 rows", inbox_page),
        ("  three-pane page (/)", shell),
        ("  first page of the list (JSON)", first_page),
        ("  next page after a row at a random depth < 50k (scrolling)", deep_page),
        ("  same page by OFFSET instead", deep_offset),
        ("  first page sorted by sender", by_sender),
        ("open an HTML message (data + body)", open_html),
        ("open a plain-text message (data + body)", open_plain),
    ]
    print(f"\n| {engine}, {SIZE:,} items | median ms | p95 ms |\n|---|---|---|")
    for name, samples in rows:
        median, p95 = stats(samples)
        print(f"| {name} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
