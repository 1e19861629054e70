"""The UI's JSON endpoints and content views through Django's test client, over the store."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from mailcore import store
from mailcore.models import SpecialUse


@pytest.fixture
def web(alice):
    client = Client()
    client.force_login(alice.user)
    return client


def _put(account, message, n=1, **kw):
    inbox = store.find_folder(account, store.INBOX)
    return [store.append(account, inbox, message(**kw)) for _ in range(n)]


def _post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_api_needs_a_session(db):
    assert Client().get("/api/folders").status_code == 401


def test_folders_list_and_paging(web, alice, message):
    for i in range(7):
        _put(alice, message, subject=f"n{i}")
    folders = web.get("/api/folders").json()["folders"]
    inbox = next(f for f in folders if f["special"] == "\\Inbox")
    assert inbox["total"] == 7 and inbox["unread"] == 7
    first = web.get(f"/api/folders/{inbox['id']}/messages?limit=5").json()
    assert first["total"] == 7 and [r["subject"] for r in first["rows"]][:2] == ["n6", "n5"]
    rest = web.get(f"/api/folders/{inbox['id']}/messages?limit=5&offset=5").json()
    assert [r["subject"] for r in rest["rows"]] == ["n1", "n0"]
    after = first["rows"][-1]["cursor"]
    keyset = web.get(f"/api/folders/{inbox['id']}/messages", {"limit": 5, "after": after}).json()
    assert keyset["rows"] == rest["rows"]
    by_subject = web.get(f"/api/folders/{inbox['id']}/messages?sort=subject&dir=asc").json()
    assert by_subject["rows"][0]["subject"] == "n0"
    url = f"/api/folders/{inbox['id']}/messages"
    url_args = {"sort": "subject", "dir": "asc", "limit": 3}
    second = web.get(url, {**url_args, "after": by_subject["rows"][2]["cursor"]}).json()
    assert [r["subject"] for r in second["rows"]] == ["n3", "n4", "n5"]
    garbage = web.get(url, {**url_args, "after": "garbage|x"}).json()
    assert garbage["rows"] == by_subject["rows"][:3]


def test_other_accounts_items_do_not_exist(web, bob, message):
    (appended,) = _put(bob, message)
    assert web.get(f"/api/messages/{appended.item_id}").status_code == 404
    assert web.get(f"/message/{appended.item_id}/body").status_code == 404
    assert web.get(f"/api/folders/{appended.folder_id}/messages").status_code == 404
    _post(web, "/api/actions", {"action": "delete", "ids": [appended.item_id]})
    assert store.get_item(bob, appended.item_id)


def test_opening_marks_read_and_body_is_locked_down(web, alice):
    raw = (
        b"From: m@remote.test\r\nTo: alice@example.test\r\nSubject: hi\r\n"
        b"Content-Type: text/html\r\n\r\n<p onclick=x()>Hello<script>evil()</script>"
        b'<img src="http://tracker.invalid/p.gif"></p>\r\n'
    )
    inbox = store.find_folder(alice, store.INBOX)
    appended = store.append(alice, inbox, raw)
    data = web.get(f"/api/messages/{appended.item_id}").json()
    assert data["subject"] == "hi" and store.get_item(alice, appended.item_id).seen
    body = web.get(data["bodyUrl"])
    csp = body["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "sandbox" in csp
    assert "http:" not in csp and body["X-Frame-Options"] == "SAMEORIGIN"
    html = body.content.decode()
    assert "Hello" in html and "evil" not in html and "onclick" not in html
    assert ' src="http://tracker.invalid' not in html
    assert '<meta name="remote-blocked" content="1">' in html
    shown = web.get(data["bodyUrl"] + "?images=1")
    assert "https: http:" in shown["Content-Security-Policy"]


def test_attachment_download_keeps_the_real_name(web, alice):
    from mailcore.mime.compose import Draft, Upload, build

    name = "Überblick 2026.txt"
    raw = build(
        Draft("M", "m@remote.test", to=["alice@example.test"], html="<p>see</p>",
              attachments=[Upload(name, "text/html", b"<script>x</script>")]),
        message_id="<a@x>", date=_now(),
    )  # fmt: skip
    appended = store.append(alice, store.find_folder(alice, store.INBOX), raw)
    (att,) = web.get(f"/api/messages/{appended.item_id}").json()["attachments"]
    assert att["name"] == name
    response = web.get(att["url"])
    assert response.content == b"<script>x</script>"
    assert response["Content-Type"] == "application/octet-stream"  # never rendered as HTML
    assert (
        "attachment" in response["Content-Disposition"]
        and "utf-8''" in response["Content-Disposition"]
    )


def _now():
    from django.utils import timezone

    return timezone.now()


def test_actions_move_delete_flag(web, alice, message):
    a, b = _put(alice, message, 2)
    archive = store.special_folder(alice, SpecialUse.ARCHIVE)
    trash = store.special_folder(alice, SpecialUse.TRASH)
    assert _post(web, "/api/actions", {"action": "flag", "ids": [a.item_id]}).status_code == 200
    assert store.get_item(alice, a.item_id).flagged
    _post(web, "/api/actions", {"action": "move", "ids": [a.item_id], "target": archive.pk})
    assert store.folder_status(alice, archive).exists == 1
    _post(web, "/api/actions", {"action": "delete", "ids": [b.item_id]})
    assert store.folder_status(alice, trash).exists == 1
    (in_trash,) = store.items(alice, trash)
    _post(web, "/api/actions", {"action": "delete", "ids": [in_trash.pk]})
    assert store.folder_status(alice, trash).exists == 0


def test_search_across_folders(web, alice, message):
    _put(alice, message, subject="quarterly numbers", body="the budget")
    _put(alice, message, subject="lunch")
    rows = web.get("/api/search?q=budget").json()["rows"]
    assert [r["subject"] for r in rows] == ["quarterly numbers"]
    assert rows[0]["folderName"] == "INBOX"


def test_folder_create_rename_delete(web, alice):
    folders = _post(web, "/api/folders", {"name": "Projects"}).json()["folders"]
    projects = next(f for f in folders if f["name"] == "Projects")
    _post(web, f"/api/folders/{projects['id']}", {"action": "rename", "name": "Work"})
    assert store.find_folder(alice, "Work")
    _post(web, f"/api/folders/{projects['id']}", {"action": "delete"})
    assert store.find_folder(alice, "Deleted Items/Work")
    default = store.find_folder(alice, store.INBOX)
    refused = _post(web, f"/api/folders/{default.pk}", {"action": "delete"})
    assert refused.status_code in (403, 409)


def test_send_to_a_local_account_with_a_copy_in_sent(
    web, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
        web,
        "/api/send",
            {"to": "bob@example.test", "bcc": "charlie@elsewhere.test", "subject": "Plan",
             "html": "<p>Hello <b>Bob</b></p>", "importance": "high", "receipt": True},
        )  # fmt: skip
    assert response.status_code == 200, response.content
    (received,) = store.items(bob, store.find_folder(bob, store.INBOX))
    raw = store.read_raw(bob, received)
    assert b"Subject: Plan" in raw and b"charlie" not in raw.split(b"\r\n\r\n")[0].lower()
    assert b"Disposition-Notification-To" in raw
    (sent,) = store.items(alice, store.special_folder(alice, SpecialUse.SENT))
    assert sent.seen and b"Bcc" not in store.read_raw(alice, sent)


def test_send_refuses_nothing_to_send_to(web, alice):
    assert _post(web, "/api/send", {"subject": "x"}).status_code == 400


def test_drafts_replace_the_previous_version(web, alice):
    drafts = store.special_folder(alice, SpecialUse.DRAFTS)
    first = _post(web, "/api/drafts", {"to": "bob@example.test", "subject": "v1"}).json()
    second = _post(
        web, "/api/drafts", {"draftId": first["draftId"], "subject": "v2", "html": "<p>x</p>"}
    ).json()
    (only,) = store.items(alice, drafts)
    assert only.pk == second["draftId"] and only.subject == "v2" and only.draft
    state = web.get(f"/api/messages/{only.pk}/compose?mode=edit").json()
    assert state["subject"] == "v2" and state["draftId"] == only.pk


def test_reply_prefill_and_answered_flag(
    web, alice, bob, message, django_capture_on_commit_callbacks
):
    (original,) = _put(alice, message, subject="Lunch?", sender="Bob <bob@example.test>")
    state = web.get(f"/api/messages/{original.item_id}/compose?mode=reply").json()
    assert state["to"] == "Bob <bob@example.test>" and state["subject"] == "RE: Lunch?"
    assert state["inReplyTo"].startswith("<") and "blockquote" in state["html"]
    with django_capture_on_commit_callbacks(execute=True):
        _post(web, "/api/send", state)
    assert store.get_item(alice, original.item_id).answered
    (reply,) = store.items(bob, store.find_folder(bob, store.INBOX))
    assert reply.subject == "RE: Lunch?"


def test_address_completion(web, alice, bob):
    found = web.get("/api/addresses?q=bo").json()["addresses"]
    assert "Bob <bob@example.test>" in found


def test_sign_in_throttling(db, alice):
    client = Client()
    for _ in range(10):
        client.post("/", {"username": "alice@example.test", "password": "wrong"})
    blocked = client.post("/", {"username": "alice@example.test", "password": "alice-pw"})
    assert b"Too many failed sign-ins" in blocked.content
    assert "_auth_user_id" not in client.session


def test_app_page_has_the_accessible_names(web):
    page = web.get("/").content.decode()
    for needle in ['>New message<', '<label for="c-to">To<', '<label for="c-cc">Cc<',
                   '<label for="c-bcc">Bcc<', '<label for="c-subject">Subject<',
                   'aria-label="Message body"', '>Send<']:  # fmt: skip
        assert needle in page, needle


def test_binhex_attachment_downloads_as_the_mac_file(web, alice):
    from pathlib import Path

    from mailcore.mime.macfiles import decode_binhex

    hqx = (Path(__file__).parents[2] / "data" / "mac" / "readme-rle.hqx").read_bytes()
    raw = (
        b"From: m@remote.test\r\nTo: alice@example.test\r\nSubject: mac\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n"
        b'Content-Type: application/mac-binhex40; name="readme.hqx"\r\n'
        b'Content-Disposition: attachment; filename="readme.hqx"\r\n\r\n' + hqx + b"\r\n--b--\r\n"
    )
    appended = store.append(alice, store.find_folder(alice, store.INBOX), raw)
    (att,) = web.get(f"/api/messages/{appended.item_id}").json()["attachments"]
    response = web.get(att["url"])
    mac = decode_binhex(hqx)
    assert response.content == mac.data_fork
    from urllib.parse import quote

    assert quote(mac.name) in response["Content-Disposition"]  # RFC 6266 filename*


def test_source_and_print_views(web, alice, message):
    (appended,) = _put(alice, message, subject="Printable")
    data = web.get(f"/api/messages/{appended.item_id}").json()
    source = web.get(data["sourceUrl"])
    assert source.content == store.read_raw(alice, appended.item_id)
    assert source["Content-Type"].startswith("text/plain")
    printed = web.get(data["printUrl"]).content.decode()
    assert "<h1>Printable</h1>" in printed and f'src="{data["bodyUrl"]}"' in printed
    assert 'sandbox="allow-same-origin' in printed


def test_json_posts_need_the_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    refused = _post(client, "/api/folders", {"name": "Nope"})
    assert refused.status_code == 403
    client.get("/")  # the page sets the csrftoken cookie the scripts send back
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        "/api/folders",
        json.dumps({"name": "Yes"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert allowed.status_code == 200


def test_an_expired_session_is_signed_out(web, alice, settings):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    Session.objects.update(expire_date=timezone.now())
    assert web.get("/api/folders").status_code == 401
    assert b'name="password"' in web.get("/").content


def test_read_receipt_sent_once_on_request(web, alice, bob, django_capture_on_commit_callbacks):
    raw = (
        b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Contract\r\n"
        b"Message-ID: <c1@example.test>\r\nDisposition-Notification-To: bob@example.test\r\n"
        b"\r\nPlease confirm.\r\n"
    )
    appended = store.append(alice, store.find_folder(alice, store.INBOX), raw)
    assert web.get(f"/api/messages/{appended.item_id}").json()["receiptRequested"]
    with django_capture_on_commit_callbacks(execute=True):
        _post(web, f"/api/messages/{appended.item_id}/receipt", {"send": True})
    (receipt,) = store.items(bob, store.find_folder(bob, store.INBOX))
    assert receipt.subject == "Read: Contract"
    assert store.read_raw(bob, receipt).startswith(b"Return-Path: <>")
    assert "$MDNSent" in store.get_item(alice, appended.item_id).keyword_list
    assert not web.get(f"/api/messages/{appended.item_id}").json()["receiptRequested"]
    assert store.items(alice, store.special_folder(alice, SpecialUse.SENT)) == []
