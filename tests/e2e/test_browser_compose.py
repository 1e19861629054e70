"""Composing in Chromium: a new message with an attachment to another local account (read
back over IMAP), replying, forwarding, and drafts saved on their own."""

from __future__ import annotations

import imaplib
import re

import pytest
from browser_helpers import deliver, sign_in
from playwright.sync_api import expect
from support.listeners import free_port, loopback_config, running

from mailcore import store
from mailcore.imap.server import imap
from mailcore.models import SpecialUse


def _compose(page):
    return page.get_by_role("dialog", name="Compose")


def _field(page, name: str):
    return _compose(page).get_by_label(name, exact=True)


def _inbox(account):
    return store.items(account, store.find_folder(account, store.INBOX))


def _wait_for(page, predicate, timeout: float = 10.0):
    """Poll the store while letting Playwright run (its request routing lives on the test
    thread's event loop: a plain sleep would hold every request of the page)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        page.wait_for_timeout(100)


@pytest.fixture
def imap_reader(tmp_path, transactional_db):
    """Reads an account's Inbox over IMAP, from a real IMAP listener."""
    config, tls = loopback_config(
        tmp_path, "mail.example.test", imap_port=free_port(), allow_plaintext_auth=True
    )
    with running(imap(config, tls)):

        def over_imap(account, password):
            client = imaplib.IMAP4("127.0.0.1", config.imap_port)
            try:
                client.login(account.address, password)
                client.select("INBOX", readonly=True)
                _, data = client.uid("SEARCH", "ALL")
                messages = []
                for uid in data[0].split():
                    _, fetched = client.uid("FETCH", uid, "(BODY.PEEK[])")
                    messages.append(fetched[0][1])
                return messages
            finally:
                client.logout()

        yield over_imap


def test_compose_with_an_attachment_to_a_local_account(page, accounts, imap_reader, tmp_path):
    attachment = tmp_path / "plan ü.txt"
    attachment.write_bytes(b"step one\nstep two\n")
    sign_in(page)
    page.get_by_role("button", name="New message").click()
    _field(page, "To").fill("bob@example.test")
    _field(page, "Subject").fill("The plan")
    _field(page, "Message body").fill("Here is the plan, Bob.")
    page.locator("#attach-input").set_input_files(str(attachment))
    expect(_compose(page).locator("#c-attachments")).to_contain_text("plan ü.txt")
    # A file dropped on the compose window is attached too.
    _compose(page).evaluate(
        """panel => {
            const files = new DataTransfer();
            files.items.add(new File(["dropped"], "dropped.txt", {type: "text/plain"}));
            panel.dispatchEvent(new DragEvent("drop", {dataTransfer: files, bubbles: true}));
        }"""
    )
    expect(_compose(page).locator("#c-attachments")).to_contain_text("dropped.txt")
    expect(_compose(page).locator("#c-attachments progress")).to_have_count(0)
    _compose(page).get_by_role("button", name="Send", exact=True).click()
    expect(_compose(page)).to_be_hidden()
    bob = accounts["bob"]
    messages = _wait_for(page, lambda: imap_reader(bob, "bob-pw"))
    assert len(messages) == 1
    from mailcore.mime import summarize

    summary = summarize(messages[0])
    assert summary.subject == "The plan"
    assert summary.from_ == [("Alice", "alice@example.test")]
    assert [a.filename for a in summary.attachments] == ["plan ü.txt", "dropped.txt"]
    assert "Here is the plan, Bob." in summary.preview
    assert summary.body.content_type == "multipart/mixed"
    assert summary.body.parts[0].content_type == "multipart/alternative"
    alice = accounts["alice"]
    (sent,) = store.items(alice, store.special_folder(alice, SpecialUse.SENT))
    assert sent.subject == "The plan"
    assert store.items(alice, store.special_folder(alice, SpecialUse.DRAFTS)) == []


def _original(subject: str) -> bytes:
    return (
        f"From: Bob <bob@example.test>\r\nTo: Alice <alice@example.test>\r\n"
        f"Cc: carol@remote.test\r\nSubject: {subject}\r\nMessage-ID: <orig-1@example.test>\r\n"
        f"Date: Mon, 02 Feb 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
        f"Shall we meet on Friday?\r\n"
    ).encode()


def test_replying(page, accounts):
    deliver(_original("Meeting"))
    sign_in(page)
    page.locator("#message-list li", has_text="Meeting").click()
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(_field(page, "To")).to_have_value("Bob <bob@example.test>")
    expect(_field(page, "Subject")).to_have_value("RE: Meeting")
    body = _field(page, "Message body")
    expect(body).to_contain_text("Shall we meet on Friday?")
    body.press("Control+Home")
    body.type("Friday works.")
    _compose(page).get_by_role("button", name="Send", exact=True).click()
    expect(_compose(page)).to_be_hidden()
    bob = accounts["bob"]
    (reply,) = _wait_for(page, lambda: _inbox(bob))
    raw = store.read_raw(bob, reply)
    assert reply.subject == "RE: Meeting"
    assert b"In-Reply-To: <orig-1@example.test>" in raw
    assert b"References: <orig-1@example.test>" in raw
    summary = store.summary_of(reply)
    assert "Friday works." in summary.preview and "Shall we meet" in summary.preview
    alice = accounts["alice"]
    (original,) = _inbox(alice)
    assert original.answered
    expect(page.locator("#message-list li", has_text="Meeting")).to_contain_text("↩")


def test_forwarding_inline_and_as_attachment(page, accounts):
    deliver(_original("Figures"))
    sign_in(page)
    page.locator("#message-list li", has_text="Figures").click()
    page.get_by_role("button", name="Forward", exact=True).click()
    expect(_field(page, "Subject")).to_have_value("FW: Figures")
    expect(_field(page, "Message body")).to_contain_text("Shall we meet on Friday?")
    _field(page, "To").fill("bob@example.test")
    _compose(page).get_by_role("button", name="Send", exact=True).click()
    expect(_compose(page)).to_be_hidden()
    page.get_by_role("button", name="Forward as attachment").click()
    expect(_compose(page).locator("#c-attachments")).to_contain_text("Figures.eml")
    _field(page, "To").fill("bob@example.test")
    _compose(page).get_by_role("button", name="Send", exact=True).click()
    expect(_compose(page)).to_be_hidden()
    bob = accounts["bob"]
    received = _wait_for(page, lambda: len(_inbox(bob)) == 2 and _inbox(bob))
    inline, attached = sorted(received, key=lambda i: i.uid)
    assert inline.subject == attached.subject == "FW: Figures"
    assert "Shall we meet on Friday?" in store.summary_of(inline).preview
    (part,) = store.summary_of(attached).attachments
    assert part.content_type == "message/rfc822"
    assert b"Message-ID: <orig-1@example.test>" in store.read_raw(bob, attached)
    alice = accounts["alice"]
    assert "$Forwarded" in _inbox(alice)[0].keyword_list


def test_drafts_are_saved_and_reopened(page, accounts):
    sign_in(page)
    page.get_by_role("button", name="New message").click()
    _field(page, "To").fill("bob@example.test")
    _field(page, "Subject").fill("Unfinished thoughts")
    _field(page, "Message body").fill("First line")
    expect(_compose(page).locator("#draft-status")).to_contain_text("Draft saved", timeout=8000)
    _field(page, "Message body").press("End")
    _field(page, "Message body").type(" and a second")
    alice = accounts["alice"]
    drafts = store.special_folder(alice, SpecialUse.DRAFTS)

    def latest_draft():
        found = store.items(alice, drafts)
        return found if any("second" in store.summary_of(d).preview for d in found) else None

    (draft,) = _wait_for(page, latest_draft)  # the new version replaced the first
    assert draft.draft and draft.subject == "Unfinished thoughts"
    _compose(page).press("Escape")
    expect(_compose(page)).to_be_hidden()
    page.locator("#folder-tree .folder", has_text="Drafts").click()
    page.locator("#message-list li", has_text="Unfinished thoughts").click()
    expect(_field(page, "Subject")).to_have_value("Unfinished thoughts")
    expect(_field(page, "To")).to_have_value(re.compile("bob@example.test"))
    expect(_field(page, "Message body")).to_contain_text("First line and a second")
    _compose(page).get_by_role("button", name="Send", exact=True).click()
    expect(_compose(page)).to_be_hidden()
    assert _wait_for(page, lambda: store.items(alice, drafts) == [])
    bob = accounts["bob"]
    (received,) = _wait_for(page, lambda: _inbox(bob))
    assert received.subject == "Unfinished thoughts"
    assert b"X-Webmail" not in store.read_raw(bob, received)
