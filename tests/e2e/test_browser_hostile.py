"""Hostile mail in the reading pane: no script runs and nothing remote is fetched until
the user asks for images. Every request the page makes is routed through the test, so a
request to any host but the app's is seen (and refused) however it was triggered."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import deliver, sign_in
from playwright.sync_api import expect

HOSTILE = Path(__file__).resolve().parent.parent / "data" / "hostile"
# Messages of our own whose scripts would announce themselves to the app's own origin
# (a local request the remote-host check would not catch) and write the top page's title.
SENTINEL = b"""From: Mallory <mallory@attacker.invalid>
To: alice@example.test
Subject: Sentinel %d
Content-Type: text/html; charset=utf-8

<p>sentinel</p>
<script>fetch('/sentinel/script'); top.document.title='PWNED'</script>
<img src="/no-such-image.png" onerror="fetch('/sentinel/onerror'); top.document.title='PWNED'">
<iframe srcdoc="<script>parent.parent.document.title='PWNED'</script>"></iframe>
<svg onload="fetch('/sentinel/svg')"><script>fetch('/sentinel/svg-script')</script></svg>
<a href="javascript:fetch('/sentinel/link')">click</a>
<meta http-equiv="refresh" content="0; url=/sentinel/refresh">
<img src="http://tracker.invalid/pixel-%d.gif">
"""


def _corpus() -> list[bytes]:
    messages = [SENTINEL % (n, n) for n in (1, 2)]
    messages += [p.read_bytes() for p in sorted(HOSTILE.glob("*.eml"))]
    return messages


def _sentinels(page) -> list[str]:
    return [u for u in page.local_requests if "/sentinel/" in u]


@pytest.fixture
def watched(page):
    """The page, recording dialogs and every local request too."""
    page.dialogs = []
    page.local_requests = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: page.local_requests.append(r.url))
    return page


def _open_each(page, count: int) -> None:
    rows = page.locator("#message-list li")
    expect(rows).to_have_count(count)
    for index in range(count):
        with page.expect_response(lambda r: "/body" in r.url):
            rows.nth(index).click()
        page.frame_locator("#r-body").locator("body").wait_for(state="attached")
        # Let the frame try whatever it would: lazy images, timers, refreshes.
        page.wait_for_timeout(150)


def _assert_nothing_ran(page) -> None:
    assert page.requests.remote == []
    assert _sentinels(page) == []
    assert page.dialogs == []
    assert "PWNED" not in page.title()
    # The browser reports what its policy refused (quoting the URL); anything else that
    # mentions the marker would come from a script.
    assert not [
        m for m in page.console_messages if "PWNED" in m and "Content Security Policy" not in m
    ]
    for frame in page.frames:
        try:
            title = frame.title()
        except Exception:  # a frame gone while asking
            continue
        assert "PWNED" not in title, frame.url


def test_hostile_messages_run_nothing_and_fetch_nothing(watched, accounts):
    corpus = _corpus()
    for raw in corpus:
        deliver(raw)
    sign_in(watched)
    _open_each(watched, len(corpus))
    _assert_nothing_ran(watched)
    # The blocked images are announced, and the cid: image of the related message shows.
    watched.locator("#message-list li", has_text="Tracking pixels").click()
    expect(watched.locator("#r-images")).to_be_visible()
    watched.locator("#message-list li", has_text="Inline cid image").click()
    image = watched.frame_locator("#r-body").locator("img[src*='/part/']").first
    expect(image).to_be_attached()
    for _ in range(30):
        if image.evaluate("img => img.complete && img.naturalWidth > 0"):
            break
        watched.wait_for_timeout(100)
    else:
        pytest.fail(f"the cid: image did not load from {image.get_attribute('src')}")


def test_remote_images_load_only_when_asked_and_per_sender(watched, accounts):
    deliver(SENTINEL % (1, 1))
    deliver(SENTINEL % (2, 2))
    sign_in(watched)
    watched.locator("#message-list li", has_text="Sentinel 1").click()
    expect(watched.locator("#r-images")).to_be_visible()
    watched.wait_for_timeout(300)
    assert watched.requests.remote == []
    watched.get_by_role("button", name="Show images").click()
    expect(watched.locator("#r-images")).to_be_hidden()
    watched.wait_for_timeout(500)
    assert any("tracker.invalid/pixel-1" in u for u in watched.requests.remote)
    # Showing images never lets a script run.
    assert _sentinels(watched) == [] and "PWNED" not in watched.title()
    # "Always allow" is remembered for the sender: from then on images load by themselves.
    watched.locator("#message-list li", has_text="Sentinel 2").click()
    expect(watched.locator("#r-images")).to_be_visible()
    assert not any("pixel-2" in u for u in watched.requests.remote)
    watched.get_by_role("button", name="Always allow for this address").click()
    watched.wait_for_timeout(500)
    assert any("tracker.invalid/pixel-2" in u for u in watched.requests.remote)
    watched.requests.remote.clear()
    watched.locator("#message-list li", has_text="Sentinel 1").click()
    watched.wait_for_timeout(500)
    assert any("tracker.invalid/pixel-1" in u for u in watched.requests.remote)
    expect(watched.locator("#r-images")).to_be_hidden()


def test_browser_defences_hold_even_without_the_sanitizer(watched, accounts, monkeypatch):
    """Defence in depth: with sanitizing switched off (in this process, where the server
    runs), the frame's sandbox and the body's Content-Security-Policy alone still stop
    every script and every remote fetch."""
    from mailcore.mime.html import SafeHtml
    from webmail.ui import render

    monkeypatch.setattr(render, "sanitize_html", lambda html, **kw: SafeHtml(html, 1))
    corpus = _corpus()
    for raw in corpus:
        deliver(raw)
    sign_in(watched)
    _open_each(watched, len(corpus))
    _assert_nothing_ran(watched)
    # The scripts really reached the browser this time: only the browser stopped them.
    watched.locator("#message-list li", has_text="Sentinel 1").click()
    expect(watched.frame_locator("#r-body").locator("script").first).to_be_attached()
    watched.wait_for_timeout(300)
    _assert_nothing_ran(watched)
