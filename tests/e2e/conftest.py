"""Browser tests: the real ASGI app under uvicorn on a free loopback port (as `serve` runs
it), driven by Debian's Chromium through Playwright. One browser for all the browser
tests, a fresh context (cookies, storage) per test; skipped cleanly where Chromium is
missing.

Playwright's sync API keeps an asyncio loop running in the test thread for as long as it
is started. Django refuses ORM calls beside a running loop, so: the browser is started for the first
browser test and stopped after the last one (not at the end of the whole session, where
every later test in the run would have that loop in its thread), and only in between is
DJANGO_ALLOW_ASYNC_UNSAFE set, for the ORM calls the tests make around the page."""

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
_running: dict = {}


def _browser():
    """The browser, started on first use (with the ORM allowed beside Playwright's loop)."""
    if "browser" not in _running:
        from playwright.sync_api import sync_playwright

        _running["env"] = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        _running["playwright"] = sync_playwright().start()
        _running["browser"] = _running["playwright"].chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
    return _running["browser"]


def _stop_browser() -> None:
    if "browser" not in _running:
        return
    try:
        _running.pop("browser").close()
    finally:
        _running.pop("playwright").stop()
        previous = _running.pop("env")
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _is_browser_test(item) -> bool:
    return item is not None and "/e2e/" in str(item.fspath)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    if not _is_browser_test(nextitem):
        _stop_browser()


def pytest_unconfigure(config):
    _stop_browser()


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
            if _is_browser_test(item):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def web_server(django_db_setup) -> Iterator[str]:
    """uvicorn serving webmail.asgi in a background thread. Its requests reach the
    database only while a test holds it (transactional_db), like the test itself."""
    from mailcore.runtime import WebListener

    port = free_port()
    with running(WebListener("127.0.0.1", port)):
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
def page(web_server, transactional_db):
    context = _browser().new_context(base_url=web_server, viewport={"width": 1400, "height": 900})
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
