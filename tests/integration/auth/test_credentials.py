"""Password checks shared by every door, with the cache of recent successes."""

import pytest

from mailcore.auth import check_password


def test_right_and_wrong_passwords(alice):
    assert check_password("Alice@Example.TEST", "alice-pw") == alice
    assert check_password("alice@example.test", "wrong") is None
    assert check_password("nobody@example.test", "alice-pw") is None
    assert check_password("", "") is None
    assert check_password("alice@example.test", "x" * 5000) is None


def test_a_repeated_login_is_answered_from_the_cache(alice, monkeypatch):
    from mailcore.auth import credentials

    assert check_password("alice@example.test", "alice-pw") == alice

    def no_hashing(**kwargs):
        raise AssertionError("the password was hashed again")

    monkeypatch.setattr(credentials, "authenticate", no_hashing)
    assert check_password("alice@example.test", "alice-pw") == alice
    with pytest.raises(AssertionError):  # a different password is never a cache hit
        check_password("alice@example.test", "alice-pw2")


def test_password_change_takes_effect_at_once(alice):
    assert check_password("alice@example.test", "alice-pw") == alice
    alice.user.set_password("new-secret")
    alice.user.save()
    assert check_password("alice@example.test", "alice-pw") is None
    assert check_password("alice@example.test", "new-secret") == alice


def test_disabled_account_is_refused_even_when_cached(alice):
    assert check_password("alice@example.test", "alice-pw") == alice
    alice.enabled = False
    alice.save()
    assert check_password("alice@example.test", "alice-pw") is None


def test_the_cache_key_reveals_nothing():
    from mailcore.auth.credentials import _cache_key

    key = _cache_key("alice@example.test", "alice-pw")
    assert "alice" not in key and key == _cache_key("alice@example.test", "alice-pw")
    assert key != _cache_key("alice@example.test", "alice-pw ")
