"""The web app: sign-in page at /, sign-in, and Django admin."""

import pytest
from django.test import Client

from mailcore.models import Account


def test_signin_page(db):
    page = Client().get("/")
    assert page.status_code == 200
    assert b'name="username"' in page.content and b'name="password"' in page.content


def test_signin_shows_the_mailbox(alice):
    client = Client(enforce_csrf_checks=False)
    wrong = client.post("/", {"username": "alice@example.test", "password": "nope"})
    assert b"wrong" in wrong.content
    client.post("/", {"username": "alice@example.test", "password": "alice-pw"})
    home = client.get("/")
    assert b"INBOX" in home.content and b"Sent Items" in home.content


def test_csrf_is_enforced(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/", {"username": "alice@example.test", "password": "alice-pw"})
    assert response.status_code == 403


@pytest.fixture
def admin_client_(db, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.test", "admin-pw")
    client = Client()
    client.login(username="admin", password="admin-pw")
    return client


def test_admin_creates_account_with_folders(admin_client_):
    response = admin_client_.post(
        "/admin/mailcore/account/add/",
        {
            "address": "frank@example.test",
            "display_name": "Frank",
            "quota_bytes": "0",
            "enabled": "on",
            "password": "frank-pw-123",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    account = Account.objects.get(address="frank@example.test")
    assert account.user.check_password("frank-pw-123")
    assert account.folders.count() == 10


def test_admin_pages_render(admin_client_, alice, message):
    from mailcore.delivery import deliver

    queued = deliver(message(), "x@remote.test", ["alice@example.test", "far@remote.test"])
    for url in [
        "/admin/",
        "/admin/mailcore/domain/",
        "/admin/mailcore/account/",
        f"/admin/mailcore/account/{alice.pk}/change/",
        "/admin/mailcore/alias/",
        "/admin/mailcore/alias/add/",
        "/admin/mailcore/folder/",
        "/admin/mailcore/item/",
        "/admin/mailcore/queuedmessage/",
        f"/admin/mailcore/queuedmessage/{queued.message_id}/change/",
    ]:
        assert admin_client_.get(url).status_code == 200, url


def test_admin_sets_password(admin_client_, alice):
    response = admin_client_.post(
        f"/admin/mailcore/account/{alice.pk}/change/",
        {
            "display_name": "Alice",
            "quota_bytes": "1000",
            "enabled": "on",
            "password": "new-secret-1",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    alice.user.refresh_from_db()
    assert alice.user.check_password("new-secret-1")
    assert alice.quota_bytes == 1000
