"""The MAIL/RCPT address parser: aiosmtpd's answers, faster for the usual <a@b.c>, and a
syntax error (never an exception) for what the stdlib parser cannot take."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtpd.smtp import SMTP
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcore.smtp.protocol import MailSMTP


@pytest.fixture(scope="module")
def reference() -> SMTP:
    loop = asyncio.new_event_loop()
    yield SMTP(object(), loop=loop)
    loop.close()


def aiosmtpd_answer(server: SMTP, arg: str) -> tuple[str | None, str | None]:
    try:
        return server._getaddr(arg)
    except Exception:  # the stdlib parser is not total; we answer those with a 501
        return None, None


@pytest.mark.parametrize(
    "arg",
    [
        "<a@b.c>",
        "<alice.smith+tag@Example.TEST> SIZE=4000 BODY=8BITMIME",
        "  <a@b.c>\tNOTIFY=SUCCESS ORCPT=rfc822;a@b.c",
        "<a@b.c>   ",
        "<a@b.c> (comment) X",
        '<"quoted local"@b.c>',
        "<@route:a@b.c>",
        "<a@[192.0.2.1]>",
        "<a..b@c>",
        "a@b.c",
        "<>",
        "<é@b.c>",
        "<",
        '"',
    ],
)
def test_same_answer_as_aiosmtpd(reference, arg):
    assert MailSMTP._getaddr(reference, arg) == aiosmtpd_answer(reference, arg)


@settings(max_examples=3000, deadline=None)
@given(st.text(st.sampled_from(list('ab.@<> \t()"[]:;,=+-\\é')), max_size=24))
def test_same_answer_as_aiosmtpd_for_any_argument(reference, arg):
    assert MailSMTP._getaddr(reference, arg) == aiosmtpd_answer(reference, arg)


def test_local_part_limit_applies_to_both_paths(reference):
    long_local = "x" * 65
    reference.local_part_limit = 64
    try:
        assert MailSMTP._getaddr(reference, f"<{long_local}@b.c>") == (None, None)
        assert MailSMTP._getaddr(reference, f'<"{long_local}"@b.c>') == (None, None)
    finally:
        reference.local_part_limit = 0
