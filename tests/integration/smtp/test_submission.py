"""Submission (RFC 6409) on both ports: STARTTLS then AUTH, sender rules, header
completion, implicit TLS (RFC 8314), and throttling of failed logins."""

from __future__ import annotations

import smtplib
from email.parser import BytesParser

import pytest
from smtp_helpers import inbox_raw
from support.listeners import client_tls, free_port, loopback_config, running

from mailcore import store
from mailcore.models import Alias, QueuedMessage, QueueRecipient
from mailcore.smtp import server


@pytest.fixture
def ports(transactional_db, tmp_path):
    config, tls = loopback_config(
        tmp_path,
        "mail.example.test",
        smtp_port=free_port(),
        submission_port=free_port(),
        smtps_port=free_port(),
    )
    with (
        running(server.submission(config, tls)),
        running(server.smtps(config, tls)),
        running(server.mta(config, tls)),
    ):
        yield config


@pytest.fixture
def people(transactional_db):
    alice = store.create_account("alice@example.test", "alice-pw")
    bob = store.create_account("bob@example.test", "bob-pw")
    team = Alias.objects.create(domain=alice.domain, address="team@example.test")
    team.accounts.set([alice])
    return alice, bob


def submit(port: int) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", port, timeout=10)
    client.starttls(context=client_tls())
    return client


def message(
    sender: str = "alice@example.test",
    to: str = "bob@example.test",
    extra: str = "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <given@example.test>\r\n",
) -> bytes:
    return (
        f"From: Alice <{sender}>\r\nTo: {to}\r\nSubject: Hi\r\n{extra}\r\nHello Bob.\r\n"
    ).encode()


def plain(client: smtplib.SMTP, user: str, password: str) -> None:
    """One AUTH PLAIN attempt (smtplib's login() would try every mechanism in turn)."""
    client.ehlo_or_helo_if_needed()
    client.user, client.password = user, password
    client.auth("PLAIN", client.auth_plain)


def test_auth_required_and_only_after_tls(ports, people):
    with smtplib.SMTP("127.0.0.1", ports.submission_port, timeout=10) as client:
        client.ehlo("c")
        assert not client.has_extn("auth")
        assert client.mail("alice@example.test")[0] == 530
        client.starttls(context=client_tls())
        client.ehlo("c")
        assert "PLAIN" in client.esmtp_features["auth"].upper()
        assert client.mail("alice@example.test")[0] == 530
        client.rset()
        client.login("alice@example.test", "alice-pw")
        assert client.mail("alice@example.test")[0] == 250


def test_submitted_mail_reaches_local_and_queues_remote(ports, people):
    alice, bob = people
    raw = message(to="bob@example.test, friend@remote.test")
    with submit(ports.submission_port) as client:
        client.login("alice@example.test", "alice-pw")
        refused = client.sendmail(
            "alice@example.test", ["bob@example.test", "friend@remote.test"], raw
        )
    assert refused == {}
    [stored] = inbox_raw(bob)
    assert stored.endswith(raw)
    assert b"with ESMTPSA id" in stored
    remote = QueueRecipient.objects.get(address="friend@remote.test")
    assert remote.is_local is False
    queued = QueuedMessage.objects.get(source="submission")
    assert (queued.source, queued.account_id) == ("submission", alice.pk)


def test_missing_date_and_message_id_are_added(ports, people):
    _, bob = people
    with submit(ports.submission_port) as client:
        client.login("alice@example.test", "alice-pw")
        client.sendmail("alice@example.test", ["bob@example.test"], message(extra=""))
    parsed = BytesParser().parsebytes(inbox_raw(bob)[0])
    assert parsed["Date"] and parsed["Message-ID"].endswith("@mail.example.test>")


def test_given_date_and_message_id_are_kept(ports, people):
    _, bob = people
    with submit(ports.submission_port) as client:
        client.login("alice@example.test", "alice-pw")
        client.sendmail("alice@example.test", ["bob@example.test"], message())
    parsed = BytesParser().parsebytes(inbox_raw(bob)[0])
    assert parsed.get_all("Message-ID") == ["<given@example.test>"]


def test_spoofing_is_refused(ports, people):
    _, bob = people
    with submit(ports.submission_port) as client:
        client.login("alice@example.test", "alice-pw")
        code, reply = client.mail("bob@example.test")
        assert code == 550 and reply.startswith(b"5.7.1")
        client.rset()
        with pytest.raises(smtplib.SMTPDataError) as exc:
            client.sendmail(
                "alice@example.test", ["bob@example.test"], message(sender="ceo@example.test")
            )
        assert exc.value.smtp_code == 550 and b"5.7.1" in exc.value.smtp_error
    assert inbox_raw(bob) == []


def test_own_alias_and_subaddress_may_be_used(ports, people):
    _, bob = people
    with submit(ports.submission_port) as client:
        client.login("alice@example.test", "alice-pw")
        client.sendmail(
            "team@example.test", ["bob@example.test"], message(sender="team@example.test")
        )
        client.sendmail(
            "alice+news@example.test",
            ["bob@example.test"],
            message(sender="alice+news@example.test"),
        )
    assert len(inbox_raw(bob)) == 2


def test_implicit_tls_submission_with_auth_login(ports, people):
    _, bob = people
    with smtplib.SMTP_SSL(
        "127.0.0.1", ports.smtps_port, timeout=10, context=client_tls()
    ) as client:
        client.ehlo("c")
        assert not client.has_extn("starttls")
        client.user, client.password = "alice@example.test", "alice-pw"
        code, _ = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
        assert code == 235
        client.sendmail("alice@example.test", ["bob@example.test"], message())
    assert len(inbox_raw(bob)) == 1


def test_authenticated_user_may_relay_through_the_mta(ports, people):
    with smtplib.SMTP("127.0.0.1", ports.smtp_port, timeout=10) as client:
        client.ehlo("c")
        assert client.mail("x@remote.test")[0] == 250
        assert client.rcpt("far@elsewhere.test")[0] == 550  # not without AUTH
        client.rset()
        client.starttls(context=client_tls())
        client.login("alice@example.test", "alice-pw")
        assert client.sendmail("alice@example.test", ["far@elsewhere.test"], message()) == {}
    assert QueueRecipient.objects.filter(address="far@elsewhere.test").count() == 1


def test_failed_logins_slow_down_then_block(ports, people, monkeypatch):
    from mailcore.auth import throttle

    monkeypatch.setattr(throttle, "BLOCK_AFTER", 3)
    monkeypatch.setattr(throttle, "MAX_DELAY", 0.05)
    client = submit(ports.submission_port)
    for _ in range(2):
        with pytest.raises(smtplib.SMTPAuthenticationError) as exc:
            plain(client, "alice@example.test", "wrong")
        assert exc.value.smtp_code == 535
    # The third failure blocks the address: 421 and the connection is closed.
    with pytest.raises(smtplib.SMTPAuthenticationError) as exc:
        plain(client, "alice@example.test", "wrong")
    assert exc.value.smtp_code == 421
    client.close()
    # Blocked now, even with the right password, until the block expires.
    client = submit(ports.submission_port)
    with pytest.raises(smtplib.SMTPAuthenticationError) as exc:
        plain(client, "alice@example.test", "alice-pw")
    assert exc.value.smtp_code == 421
    client.close()


def test_auth_plain_with_bad_base64_and_cancel(ports, people):
    with submit(ports.submission_port) as client:
        client.ehlo("c")
        assert client.docmd("AUTH", "PLAIN !!!notbase64")[0] == 501
        assert client.docmd("AUTH", "CRAM-MD5")[0] == 504
        assert client.docmd("AUTH", "PLAIN")[0] == 334
        assert client.docmd("*")[0] == 501
        assert client.noop()[0] == 250
