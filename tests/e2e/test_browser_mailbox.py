"""Signing in, reading, moving by drag and drop, search, and live arrival, in Chromium."""

from __future__ import annotations

import re

from browser_helpers import deliver, off_loop, sign_in
from playwright.sync_api import expect

from mailcore import store
from mailcore.mime.compose import Draft, Upload, build
from mailcore.models import SpecialUse


def _message(subject: str, html: str, *, attachments=(), sender="Carol <carol@remote.test>"):
    from django.utils import timezone

    name, _, address = sender.partition(" <")
    draft = Draft(
        name, address.rstrip(">"), to=["Alice <alice@example.test>"], subject=subject, html=html,
        attachments=list(attachments),
    )  # fmt: skip
    return build(draft, message_id=f"<{abs(hash(subject))}@remote.test>", date=timezone.now())


def _row(page, subject: str):
    return page.locator("#message-list li", has_text=subject)


def test_sign_in_and_out(page, accounts):
    page.goto("/")
    page.get_by_label("Email address").fill("alice@example.test")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong")
    sign_in(page)
    expect(page.get_by_role("tree", name="Folder list")).to_contain_text("Sent Items")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.context.request.get("/api/folders").status == 401


def test_reading_a_message_with_an_attachment(page, accounts):
    raw = _message(
        "Quarterly report",
        "<h1>Numbers</h1><p>Revenue is <b>up</b>. See https://example.test/q3</p>",
        attachments=[Upload("Übersicht Q3.pdf", "application/pdf", b"%PDF-1.4 test")],
    )
    deliver(raw)
    sign_in(page)
    expect(page.locator("#folder-tree")).to_contain_text("1")  # Inbox unread badge
    row = _row(page, "Quarterly report")
    expect(row).to_have_class(re.compile("unread"))
    # The list names the sender as a person; the address is in the tooltip.
    expect(row.locator(".from")).to_have_text("Carol")
    expect(row.locator(".from")).to_have_attribute("title", "Carol <carol@remote.test>")
    row.click()
    expect(page.locator("#r-subject")).to_have_text("Quarterly report")
    expect(page.locator("#r-from")).to_contain_text("carol@remote.test")
    body = page.frame_locator("#r-body")
    expect(body.locator("h1")).to_have_text("Numbers")
    expect(body.locator("b")).to_have_text("up")
    link = page.get_by_role("link", name="Übersicht Q3.pdf")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Übersicht Q3.pdf"
    expect(row).not_to_have_class(re.compile("unread"))
    alice = accounts["alice"]
    (item,) = store.items(alice, store.find_folder(alice, store.INBOX))
    assert item.seen


def test_moving_by_drag_and_drop(page, accounts):
    deliver(_message("Move me", "<p>to the archive</p>"))
    deliver(_message("Stay here", "<p>in the inbox</p>"))
    sign_in(page)
    archive = page.locator("#folder-tree .folder", has_text="Archive")
    _row(page, "Move me").drag_to(archive)
    expect(_row(page, "Move me")).to_have_count(0)
    expect(_row(page, "Stay here")).to_have_count(1)
    alice = accounts["alice"]
    moved = store.items(alice, store.special_folder(alice, SpecialUse.ARCHIVE))
    assert [i.subject for i in moved] == ["Move me"]
    archive.click()
    expect(_row(page, "Move me")).to_have_count(1)


def test_search_across_folders(page, accounts):
    deliver(_message("Budget 2027", "<p>the spreadsheet is attached</p>"))
    deliver(_message("Lunch", "<p>pizza?</p>"))
    alice = accounts["alice"]
    inbox = store.find_folder(alice, store.INBOX)
    budget = next(i for i in store.items(alice, inbox) if i.subject == "Budget 2027")
    off_loop(
        store.move, alice, inbox, [budget.uid], store.special_folder(alice, SpecialUse.ARCHIVE)
    )
    sign_in(page)
    page.get_by_label("Search mail").fill("spreadsheet")
    page.get_by_label("Search mail").press("Enter")
    expect(page.locator("#list-title")).to_contain_text("spreadsheet")
    expect(page.locator("#message-list li")).to_have_count(1)
    expect(_row(page, "Budget 2027")).to_contain_text("Archive")
    _row(page, "Budget 2027").click()
    expect(page.frame_locator("#r-body").locator("p")).to_contain_text("spreadsheet")


def test_live_arrival_of_new_mail(page, accounts):
    sign_in(page)
    expect(page.locator("body")).to_have_attribute("data-live", "on")
    expect(page.locator("#list-empty")).to_be_visible()
    deliver(_message("Fresh off the wire", "<p>hello</p>"))
    expect(_row(page, "Fresh off the wire")).to_be_visible(timeout=5000)
    expect(page.locator("#folder-tree .folder", has_text="Inbox")).to_contain_text("1")
    # A flag change made by another client shows up too.
    alice = accounts["alice"]
    inbox = store.find_folder(alice, store.INBOX)
    (item,) = store.items(alice, inbox)
    off_loop(
        store.store_flags, alice, inbox, [item.uid], store.FlagMode.ADD, ["\\Seen", "\\Flagged"]
    )
    expect(_row(page, "Fresh off the wire")).not_to_have_class(re.compile("unread"))
    expect(_row(page, "Fresh off the wire")).to_contain_text("⚑")


def test_keyboard_conversations_dark_mode_and_phone(page, accounts):
    first = _message("Trip", "<p>first</p>")
    deliver(first)
    reply = first.replace(b"Subject: Trip", b"Subject: RE: Trip").replace(
        b"Message-ID: <", b"In-Reply-To: " + first.split(b"Message-ID: ")[1].split(b"\r\n")[0]
        + b"\r\nMessage-ID: <x"
    )  # fmt: skip
    deliver(reply)
    deliver(_message("Other", "<p>other</p>"))
    sign_in(page)
    rows = page.locator("#message-list li")
    expect(rows).to_have_count(3)
    # Conversations: the two messages of the trip thread collapse into one line.
    page.get_by_label("Conversations").check()
    expect(rows).to_have_count(2)
    expect(page.locator("#message-list .thread-count")).to_have_text("(2)")
    page.get_by_label("Conversations").uncheck()
    expect(rows).to_have_count(3)
    # Keyboard: j opens the next item, Delete moves it to Deleted Items, n composes.
    page.locator("#message-list").focus()
    page.keyboard.press("j")
    expect(page.locator("#r-subject")).to_have_text("Other")
    page.keyboard.press("Delete")
    expect(_row(page, "Other")).to_have_count(0)
    page.keyboard.press("n")
    expect(page.get_by_role("dialog", name="Compose")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Compose")).to_be_hidden()
    # Dark mode: the system's preference, and a toggle that overrides it.
    page.emulate_media(color_scheme="dark")
    background = "getComputedStyle(document.body).backgroundColor"
    assert page.evaluate(background) == "rgb(31, 31, 31)"
    page.get_by_role("button", name="Dark mode").click()
    assert page.evaluate(background) == "rgb(255, 255, 255)"
    # Phone: one pane at a time, with a way back.
    page.set_viewport_size({"width": 390, "height": 800})
    expect(page.locator("#reading-pane")).to_be_visible()
    page.locator("#reading-pane").get_by_role("button", name="Back").click()
    expect(page.locator("#list-pane")).to_be_visible()
    expect(page.locator("#folders-pane")).to_be_hidden()
    expect(page.locator("#reading-pane")).to_be_hidden()
    _row(page, "Trip").first.click()
    expect(page.locator("#reading-pane")).to_be_visible()
    expect(page.locator("#list-pane")).to_be_hidden()
    page.locator("#reading-pane").get_by_role("button", name="Back").click()
    expect(page.locator("#list-pane")).to_be_visible()
    # The folder pane is out of sight, so the list has its own button to write mail.
    page.get_by_role("button", name="New message").click()
    expect(page.get_by_role("textbox", name="Subject")).to_be_visible()


def test_the_list_pages_in_as_it_scrolls(page, accounts):
    alice = accounts["alice"]
    inbox = store.find_folder(alice, store.INBOX)

    def fill():
        for n in range(60):
            store.append(alice, inbox, f"Subject: Item {n:02d}\r\n\r\nbody\r\n".encode())

    off_loop(fill)
    sign_in(page)
    rows = page.locator("#message-list li")
    expect(rows).to_have_count(50)
    expect(page.locator("#list-count")).to_have_text("60")
    page.locator("#list-pane").evaluate("pane => pane.scrollTo(0, pane.scrollHeight)")
    expect(rows).to_have_count(60)
    expect(rows.last).to_contain_text("Item 00")


def test_folders_create_rename_move_delete(page, accounts):
    sign_in(page)
    answers = []
    page.on("dialog", lambda d: d.accept(answers.pop(0)) if answers else d.accept())
    tree = page.locator("#folder-tree")

    def row(name: str):
        return page.locator(".folder", has=page.locator(".name", has_text=re.compile(f"^{name}$")))

    def folder(name: str):
        return tree.locator(row(name))

    def children(name: str):
        return tree.locator("li", has=row(name)).locator("ul")

    answers.append("Projects")
    page.get_by_role("button", name="New folder").click()
    expect(folder("Projects")).to_be_visible()
    answers.append("Clients")
    page.get_by_role("button", name="New folder").click()
    expect(folder("Clients")).to_be_visible()
    folder("Projects").click()
    answers.append("Work")
    page.get_by_role("button", name="Rename").click()
    expect(folder("Work")).to_be_visible()
    expect(folder("Projects")).to_have_count(0)
    folder("Work").drag_to(folder("Clients"))
    alice = accounts["alice"]
    expect(children("Clients")).to_contain_text("Work")
    assert store.find_folder(alice, "Clients/Work")
    folder("Work").click()
    page.get_by_role("button", name="Delete folder").click()
    expect(children("Deleted Items")).to_contain_text("Work")
    assert store.find_folder(alice, "Deleted Items/Work")
