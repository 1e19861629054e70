"""Browser tests: the real ASGI app under uvicorn on a free loopback port (as `serve` runs
it), driven by Debian's Chromium through Playwright. One browser for the whole session, a
fresh context (cookies, storage) per test; skipped cleanly where Chromium is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import off_loop
from support.listeners import free_port, running

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests
# make around it (set-up, checks) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    # WhiteNoise serves static files with a sync iterator; Django warns on each under ASGI.
    config.addinivalue_line("filterwarnings", "ignore:StreamingHttpResponse must consume")


def pytest_collection_modifyitems(items):
    missing = not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = True
    if missing:
        skip = pytest.mark.skip(reason=f"{CHROMIUM} or Playwright is not installed")
        for item in items:
            if "/e2e/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def web_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """uvicorn serving webmail.asgi in a background thread, for the whole session."""
    from mailcore.runtime import WebListener

    port = free_port()
    with django_db_blocker.unblock(), running(WebListener("127.0.0.1", port)):
        yield f"http://127.0.0.1:{port}"


class Requests:
    """Every request the page made, so a test can prove nothing left for another host."""

    def __init__(self, base_url: str) -> None:
        self.local = urlsplit(base_url).netloc
        self.remote: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.local:
            self.remote.append(url)
            route.abort()
        else:
            route.continue_()


@pytest.fixture
def page(browser, web_server, transactional_db):
    context = browser.new_context(base_url=web_server, viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    requests = Requests(web_server)
    context.route("**/*", requests.route)
    page = context.new_page()
    page.requests = requests
    page.console_messages = []
    page.on("console", lambda m: page.console_messages.append(m.text))
    yield page
    context.close()


@pytest.fixture
def accounts(transactional_db):
    from mailcore.store import create_account

    return {
        name: off_loop(
            create_account, f"{name}@example.test", f"{name}-pw", display_name=name.title()
        )
        for name in ("alice", "bob")
    }
