"""Building outgoing messages: alternatives, attachments (RFC 2231 names), replies, forwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailcore.mime import summarize
from mailcore.mime.compose import (
    ComposeError,
    Draft,
    Upload,
    build,
    forward_subject,
    parse_recipients,
    quote_html,
    recipients,
    reply_recipients,
    reply_subject,
    thread_headers,
)
from mailcore.mime.text import part_text

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _build(draft: Draft) -> bytes:
    return build(draft, message_id="<m1@example.test>", date=WHEN)


def _draft(**kw) -> Draft:
    base = dict(from_name="Alice", from_address="alice@example.test", to=["bob@example.test"])
    return Draft(**{**base, **kw})


def test_rich_text_travels_with_a_plain_alternative():
    raw = _build(_draft(subject="Hi", html="<p>Hello <b>Bob</b></p><script>x()</script>"))
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    summary = summarize(raw)
    assert summary.body.content_type == "multipart/alternative"
    plain, rich = summary.body.parts
    assert plain.content_type == "text/plain" and "Hello Bob" in part_text(raw, plain)
    html = part_text(raw, rich)
    assert "<b>Bob</b>" in html and "script" not in html
    assert summary.subject == "Hi" and summary.from_ == [("Alice", "alice@example.test")]


def test_attachment_names_use_rfc_2231_and_read_back():
    name = "résumé final, 2026.pdf"
    raw = _build(_draft(html="<p>cv</p>", attachments=[Upload(name, "application/pdf", b"%PDF")]))
    assert b"filename*=utf-8''" in raw
    summary = summarize(raw)
    assert [a.filename for a in summary.attachments] == [name]
    assert summary.has_attachments


def test_headers_for_importance_receipt_and_threading():
    raw = _build(
        _draft(
            cc=["Carol <carol@example.test>"],
            bcc=["dave@example.test"],
            importance="high",
            read_receipt=True,
            in_reply_to="<a@x>",
            references=["<r@x>", "<a@x>"],
        )
    )
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert b"Importance: High" in head and b"X-Priority: 1" in head
    assert b"Disposition-Notification-To: Alice <alice@example.test>" in head
    assert b"In-Reply-To: <a@x>" in head and b"References: <r@x> <a@x>" in head
    assert b"Bcc: dave@example.test" in head
    summary = summarize(raw)
    assert summary.importance == "high" and summary.in_reply_to == ["a@x"]


def test_envelope_recipients_and_bad_addresses():
    draft = _draft(to=["bob@example.test; Carol <carol@example.test>"], bcc=["bob@example.test"])
    assert recipients(draft) == ["bob@example.test", "carol@example.test"]
    with pytest.raises(ComposeError):
        parse_recipients(["not an address"])


def test_forward_as_attachment_is_message_rfc822():
    original = _build(_draft(subject="Plans", html="<p>see</p>"))
    raw = _build(_draft(subject=forward_subject("Plans"), forwarded=[original]))
    summary = summarize(raw)
    assert summary.subject == "FW: Plans"
    assert [(a.content_type, a.filename) for a in summary.attachments] == [
        ("message/rfc822", "Plans.eml")
    ]


def test_reply_helpers():
    original = summarize(
        b"From: Bob <bob@example.test>\r\nTo: alice@example.test, carol@example.test\r\n"
        b"Cc: dave@example.test\r\nSubject: RE: Re: lunch\r\nMessage-ID: <b1@x>\r\n"
        b"References: <a0@x>\r\n\r\nHello <there>\r\n"
    )
    assert reply_subject(original.subject) == "RE: lunch"
    assert forward_subject("Re: lunch") == "FW: lunch"
    own = {"alice@example.test"}
    assert reply_recipients(original, own, reply_all=False) == (["Bob <bob@example.test>"], [])
    to, cc = reply_recipients(original, own, reply_all=True)
    assert to == ["Bob <bob@example.test>"]
    assert cc == ["carol@example.test", "dave@example.test"]
    assert thread_headers(original) == ("<b1@x>", ["<a0@x>", "<b1@x>"])
    quoted = quote_html(original, "<p>Hello &lt;there&gt;</p><img src=x onerror=alert(1)>")
    assert "blockquote" in quoted and "onerror" not in quoted and "Bob" in quoted


def test_read_receipt_is_an_rfc_8098_report():
    from mailcore.mime.compose import build_mdn

    original = summarize(
        b"From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: Contract\r\n"
        b"Message-ID: <c1@x>\r\nDisposition-Notification-To: bob@example.test\r\n\r\nx\r\n"
    )
    raw = build_mdn(
        original, from_name="Alice", from_address="alice@example.test", to="bob@example.test",
        reporting_ua="mail.example.test; webmail", message_id="<r1@example.test>", date=WHEN,
    )  # fmt: skip
    summary = summarize(raw)
    assert summary.subject == "Read: Contract" and summary.in_reply_to == ["c1@x"]
    assert summary.body.content_type == "multipart/report"
    assert summary.body.param("report-type") == "disposition-notification"
    human, report = summary.body.parts
    assert "was read on" in part_text(raw, human)
    assert report.content_type == "message/disposition-notification"
    fields = raw[report.body_start : report.body_end]
    assert b"Final-Recipient: rfc822;alice@example.test" in fields
    assert b"Original-Message-ID: <c1@x>" in fields
    assert b"Disposition: manual-action/MDN-sent-manually; displayed" in fields
