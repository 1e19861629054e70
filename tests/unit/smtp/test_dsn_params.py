"""RFC 3461 DSN parameters and BODY=BINARYMIME, parsed without a server."""

from __future__ import annotations

import pytest

from mailcore.smtp.params import (
    MailParams,
    ParamError,
    RcptParams,
    decode_xtext,
    encode_xtext,
    parse_mail_params,
    parse_rcpt_params,
)


@pytest.mark.parametrize(
    ("xtext", "text"),
    [
        ("", ""),
        ("plain", "plain"),
        ("a+2Bb", "a+b"),
        ("a+3Db", "a=b"),
        ("+20", " "),
        ("a+2bb", "a+b"),  # lower-case hex is accepted from lenient clients
        ("!~", "!~"),
        ("MiXeD", "MiXeD"),
    ],
)
def test_xtext_decodes(xtext, text):
    assert decode_xtext(xtext) == text


@pytest.mark.parametrize("xtext", ["a+", "a+2", "a+zz", "a=b", "a b", "é", "a\x00", "+2"])
def test_bad_xtext_is_refused(xtext):
    with pytest.raises(ParamError):
        decode_xtext(xtext)


@pytest.mark.parametrize("text", ["", "a+b=c d", "alice@example.test", "~!\t"])
def test_xtext_round_trips(text):
    assert decode_xtext(encode_xtext(text)) == text


def test_xtext_encoding_escapes_plus_equals_and_space():
    assert encode_xtext("a+b=c d") == "a+2Bb+3Dc+20d"
    with pytest.raises(ParamError):
        encode_xtext("é")


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ([], MailParams()),
        (["RET=FULL"], MailParams(ret="FULL")),
        (["ret=hdrs"], MailParams(ret="HDRS")),
        (["ENVID=QQ+2B1"], MailParams(envid="QQ+1")),
        (["envid=CaseKept"], MailParams(envid="CaseKept")),
        (["ENVID=" + "x" * 100], MailParams(envid="x" * 100)),
        (["BODY=BINARYMIME"], MailParams(binarymime=True)),
        (["body=binarymime"], MailParams(binarymime=True)),
        (["BODY=8BITMIME"], MailParams(rest=("BODY=8BITMIME",))),
        (
            ["SIZE=10", "RET=HDRS", "SMTPUTF8", "ENVID=x"],
            MailParams(ret="HDRS", envid="x", rest=("SIZE=10", "SMTPUTF8")),
        ),
    ],
)
def test_mail_parameters(tokens, expected):
    assert parse_mail_params(tokens) == expected


@pytest.mark.parametrize(
    "tokens",
    [
        ["RET"],
        ["RET="],
        ["RET=NONE"],
        ["RET=FULL", "RET=HDRS"],
        ["ENVID"],
        ["ENVID="],
        ["ENVID=a b"],
        ["ENVID=a=b"],
        ["ENVID=+zz"],
        ["ENVID=" + "x" * 101],
        ["ENVID=+00"],  # decodes to a control character
        ["ENVID=a", "ENVID=b"],
        ["BODY=BINARYMIME", "BODY=8BITMIME"],
    ],
)
def test_bad_mail_parameters(tokens):
    with pytest.raises(ParamError):
        parse_mail_params(tokens)


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        ([], RcptParams()),
        (["NOTIFY=NEVER"], RcptParams(notify="NEVER")),
        (["notify=never"], RcptParams(notify="NEVER")),
        (["NOTIFY=SUCCESS"], RcptParams(notify="SUCCESS")),
        (["NOTIFY=delay,Failure"], RcptParams(notify="FAILURE,DELAY")),
        (["NOTIFY=DELAY,SUCCESS,FAILURE"], RcptParams(notify="SUCCESS,FAILURE,DELAY")),
        (["ORCPT=rfc822;alice@example.test"], RcptParams(orcpt="rfc822;alice@example.test")),
        (["orcpt=RFC822;Bob+2Bx@Example.TEST"], RcptParams(orcpt="RFC822;Bob+x@Example.TEST")),
        (["ORCPT=utf-8;a+40b"], RcptParams(orcpt="utf-8;a@b")),
        (
            ["NOTIFY=FAILURE", "ORCPT=rfc822;a@b", "X-OTHER"],
            RcptParams(notify="FAILURE", orcpt="rfc822;a@b", rest=("X-OTHER",)),
        ),
    ],
)
def test_rcpt_parameters(tokens, expected):
    assert parse_rcpt_params(tokens) == expected


@pytest.mark.parametrize(
    "tokens",
    [
        ["NOTIFY"],
        ["NOTIFY="],
        ["NOTIFY=ALWAYS"],
        ["NOTIFY=NEVER,DELAY"],
        ["NOTIFY=SUCCESS,"],
        ["NOTIFY=,SUCCESS"],
        ["NOTIFY=SUCCESS,SUCCESS"],
        ["NOTIFY=SUCCESS", "NOTIFY=DELAY"],
        ["ORCPT"],
        ["ORCPT="],
        ["ORCPT=alice@example.test"],  # no addr-type
        ["ORCPT=;alice@example.test"],
        ["ORCPT=rfc822;"],
        ["ORCPT=rfc 822;a@b"],
        ["ORCPT=rfc822;a=b"],
        ["ORCPT=rfc822;" + "a" * 500],
        ["ORCPT=rfc822;a@b", "ORCPT=rfc822;c@d"],
    ],
)
def test_bad_rcpt_parameters(tokens):
    with pytest.raises(ParamError):
        parse_rcpt_params(tokens)
