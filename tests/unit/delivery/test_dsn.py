"""Building DSNs (RFC 3464 inside RFC 6522) and the SMTP client's small encoders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest

from mailcore.delivery import dsn
from mailcore.delivery.client import crlf, orcpt_param, xtext

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORIGINAL = (
    b"From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\n"
    b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nBody text\r\n"
)


def report(*recipients: dsn.RecipientStatus, ret: str = "", envid: str = "") -> dsn.Report:
    return dsn.Report(
        reporting_mta="mx.example.test",
        sender="alice@example.test",
        arrival=NOW - timedelta(hours=5),
        recipients=list(recipients),
        original=ORIGINAL,
        envid=envid,
        ret=ret,
    )


def parse(raw: bytes):
    msg = message_from_bytes(raw, policy=policy.default)
    human, status, returned = msg.iter_parts()
    return msg, human, status.get_payload(), returned


FAILED = dsn.RecipientStatus(
    address="bob@remote.test",
    action=dsn.FAILED,
    status="5.1.1",
    reply="550 5.1.1 no such user",
    original="rfc822;Bob@Remote.test",
    remote_mta="mx.remote.test",
    last_attempt=NOW,
)


def test_failure_report_fields():
    raw = dsn.build(report(FAILED, envid="E1"), now=NOW)
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    msg, human, (per_message, per_rcpt), returned = parse(raw)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "delivery-status"
    assert msg["Subject"] == "Undelivered Mail Returned to Sender"
    assert msg["From"].addresses[0].addr_spec == "MAILER-DAEMON@mx.example.test"
    assert msg["Date"].datetime == NOW
    text = human.get_content()
    assert "<bob@remote.test>: mx.remote.test said: 550 5.1.1 no such user" in text
    assert "Subject of your message: Grüße" in text
    assert per_message["Reporting-MTA"] == "dns; mx.example.test"
    assert per_message["Original-Envelope-Id"] == "E1"
    assert per_message["Arrival-Date"] == "Sun, 01 Mar 2026 07:00:00 +0000"
    assert dict(per_rcpt.items()) == {
        "Original-Recipient": "rfc822; Bob@Remote.test",
        "Final-Recipient": "rfc822; bob@remote.test",
        "Action": "failed",
        "Status": "5.1.1",
        "Remote-MTA": "dns; mx.remote.test",
        "Diagnostic-Code": "smtp; 550 5.1.1 no such user",
        "Last-Attempt-Date": "Sun, 01 Mar 2026 12:00:00 +0000",
    }
    assert returned.get_content_type() == "text/rfc822-headers"
    assert "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=" in returned.get_content()
    assert "Body text" not in returned.get_content()


def test_ret_full_only_for_failures():
    full = parse(dsn.build(report(FAILED, ret="FULL"), now=NOW))[3]
    assert full.get_content_type() == "message/rfc822"
    assert "Body text" in full.get_payload()[0].get_content()
    success = dsn.RecipientStatus("bob@remote.test", dsn.RELAYED, "2.0.0")
    headers_only = parse(dsn.build(report(success, ret="FULL"), now=NOW))[3]
    assert headers_only.get_content_type() == "text/rfc822-headers"  # RFC 3461 4.3


def test_delay_report():
    delayed = dsn.RecipientStatus(
        "bob@remote.test",
        dsn.DELAYED,
        "4.2.0",
        reply="451 4.2.0 greylisted",
        last_attempt=NOW,
        will_retry_until=NOW + timedelta(days=4),
    )
    msg, human, (_, per_rcpt), _ = parse(dsn.build(report(delayed), now=NOW))
    assert msg["Subject"] == "Delayed Mail (still being retried)"
    assert per_rcpt["Will-Retry-Until"] == "Thu, 05 Mar 2026 12:00:00 +0000"
    assert "Delivery will be tried until Thu, 05 Mar 2026" in human.get_content()


def test_several_recipients_one_block_each():
    other = dsn.RecipientStatus("carol@remote.test", dsn.FAILED, "5.2.2", reply="552 5.2.2 full")
    _, human, blocks, _ = parse(dsn.build(report(FAILED, other), now=NOW))
    assert [b["Final-Recipient"] for b in blocks[1:]] == [
        "rfc822; bob@remote.test",
        "rfc822; carol@remote.test",
    ]
    assert "Original-Recipient" not in blocks[2]
    assert "<carol@remote.test>: 552 5.2.2 full" in human.get_content()


def test_long_and_multiline_diagnostics_fold_but_parse_back():
    reply = "550 5.7.1 " + "policy rejection " * 20
    status = dsn.RecipientStatus("bob@remote.test", dsn.FAILED, "5.7.1", reply=reply)
    raw = dsn.build(report(status), now=NOW)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert parse(raw)[2][1]["Diagnostic-Code"] == "smtp; " + " ".join(reply.split())


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        ("550 5.1.1 no such user", "5.1.1"),
        ("451 4.7.1 greylisted", "4.7.1"),
        ("554 rejected", "5.0.0"),
        ("421 service not available", "4.0.0"),
        ("250 2.0.0 ok", "2.0.0"),
        ("550 5.1.10 null MX", "5.1.10"),
        ("garbage", "5.0.0"),
    ],
)
def test_status_of(reply, status):
    assert dsn.status_of(reply) == status


def test_typed_addresses():
    assert dsn.typed_address("bob@x.test") == "rfc822; bob@x.test"
    assert dsn.typed_address("rfc822;bob@x.test") == "rfc822; bob@x.test"
    assert dsn.typed_address("utf-8;bøb@x.test") == "utf-8; bøb@x.test"


def test_xtext_and_orcpt():
    assert xtext("a+b=c d") == "a+2Bb+3Dc+20d"
    assert xtext("é") == "+C3+A9"
    assert orcpt_param("bob+tag@x.test") == "rfc822;bob+2Btag@x.test"
    assert orcpt_param("rfc822;bob@x.test") == "rfc822;bob@x.test"


def test_crlf_only_mends_bare_newlines():
    assert crlf(b"a\r\nb\r\n") == b"a\r\nb\r\n"
    assert crlf(b"a\nb\r\nc\n") == b"a\r\nb\r\nc\r\n"


def test_internationalised_sender():
    status = dsn.RecipientStatus("bob@remote.test", dsn.FAILED, "5.1.1", reply="550 5.1.1 no")
    intl = dsn.Report(
        reporting_mta="mx.example.test",
        sender="jörg@example.test",
        arrival=NOW,
        recipients=[status],
        original=ORIGINAL,
    )
    raw = dsn.build(intl, now=NOW)
    assert "To: jörg@example.test".encode() in raw
