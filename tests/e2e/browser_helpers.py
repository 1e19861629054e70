"""Helpers for the browser tests (a module of its own: every test directory has a
conftest, so `from conftest import ...` would be ambiguous)."""

from __future__ import annotations


def off_loop(fn, *args, **kwargs):
    """Run a store call on a thread of its own and return its result.

    Playwright's sync API keeps an event loop in the test thread, beside which Django
    refuses ORM calls; a worker thread is also what the real writers (SMTP, IMAP, the web
    app) are.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def call():
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result(30)


def sign_in(page, name: str = "alice") -> None:
    page.goto("/")
    page.get_by_label("Email address").fill(f"{name}@example.test")
    page.get_by_label("Password").fill(f"{name}-pw")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="New message").wait_for()
    page.locator("body[data-ready=yes]").wait_for(state="attached")


def deliver(raw: bytes, to: str = "alice@example.test") -> None:
    """Mail arriving from outside, through the queue like SMTP delivery."""
    from mailcore.delivery import deliver as queue_deliver

    report = off_loop(queue_deliver, raw, "sender@remote.test", [to])
    assert report.delivered == [to], report
