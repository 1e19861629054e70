"""Compliance: SEARCH and UID SEARCH with every RFC 3501 key (6.4.4), OR/NOT nesting,
sequence sets, dates, sizes, headers, CHARSET UTF-8 and an unknown charset, and the RFC
4731 ESEARCH form. UIDs differ from sequence numbers here, so a mix-up shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support.imapwire import Lit, connect, fast_passwords  # noqa: F401 (autouse)

from mailcore import store


def _msg(headers: bytes, body: bytes) -> bytes:
    return headers.replace(b"\n", b"\r\n") + b"\r\n" + body


MESSAGES = [
    (  # 1: seen and answered, from Bob, with Cc and Bcc
        _msg(
            b"From: Bob <bob@example.test>\nTo: alice@example.test\nCc: carol@example.test\n"
            b"Bcc: secret@example.test\nSubject: Quarterly report\n"
            b"Date: Sun, 01 Mar 2026 12:00:00 +0000\n",
            b"The numbers are attached.\r\n",
        ),
        ["\\Seen", "\\Answered"],
        datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    ),
    (  # 2: flagged with a keyword, an encoded subject and a quoted-printable body
        _msg(
            b"From: Carol <carol@example.test>\nTo: alice@example.test\n"
            b"Subject: =?utf-8?q?Caf=C3=A9_menu?=\nX-Priority: 1\n"
            b"Date: Sun, 15 Mar 2026 08:00:00 +0000\nMIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=utf-8\n"
            b"Content-Transfer-Encoding: quoted-printable\n",
            b"cr=C3=A8me br=C3=BBl=C3=A9e\r\n",
        ),
        ["\\Flagged", "$Work"],
        datetime(2026, 3, 15, 8, 0, tzinfo=UTC),
    ),
    (  # 3: large, deleted and a draft
        _msg(
            b"From: dave@example.test\nTo: bob@example.test\nSubject: large\n"
            b"Date: Fri, 20 Mar 2026 23:30:00 +0000\n",
            b"x" * 5000 + b"\r\n",
        ),
        ["\\Deleted", "\\Draft"],
        datetime(2026, 3, 20, 23, 30, tzinfo=UTC),
    ),
    (  # 4: a reply, no flags
        _msg(
            b"From: Bob <bob@example.test>\nTo: alice@example.test\n"
            b"Subject: Re: Quarterly report\nDate: Wed, 01 Apr 2026 09:00:00 +0000\n",
            b"Thanks.\r\n",
        ),
        [],
        datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
    ),
]
UIDS = [2, 3, 4, 5]  # message n has UID n+1: UID 1 was expunged


@pytest.fixture
def wire(plain_imap, mailbox):
    alice, _ = mailbox
    inbox = store.find_folder(alice, "INBOX")
    store.append(alice, inbox, b"Subject: gone\r\n\r\nx\r\n")
    store.store_flags(alice, inbox, [1], store.FlagMode.ADD, ["\\Deleted"])
    store.expunge(alice, inbox)
    for raw, flags, when in MESSAGES:
        store.append(alice, inbox, raw, flags=flags, internal_date=when)
    with connect(plain_imap.imap_port, select="INBOX") as w:
        yield w


def search(wire, *criteria: str | bytes | Lit, uid: bool = False) -> list[int]:
    return wire.command("UID SEARCH " if uid else "SEARCH ", *criteria).ok().search()


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("ALL", [1, 2, 3, 4]),
        ("ANSWERED", [1]),
        ("UNANSWERED", [2, 3, 4]),
        ("DELETED", [3]),
        ("UNDELETED", [1, 2, 4]),
        ("DRAFT", [3]),
        ("UNDRAFT", [1, 2, 4]),
        ("FLAGGED", [2]),
        ("UNFLAGGED", [1, 3, 4]),
        ("SEEN", [1]),
        ("UNSEEN", [2, 3, 4]),
        ("KEYWORD $Work", [2]),
        ("KEYWORD $work", [2]),  # flags compare without regard to case
        ("UNKEYWORD $Work", [1, 3, 4]),
        ("KEYWORD $Never", []),
        ("RECENT", [1, 2, 3, 4]),
        ("NEW", [2, 3, 4]),
        ("OLD", []),
        ("BCC secret", [1]),
        ("CC carol", [1]),
        ("FROM bob", [1, 4]),
        ("FROM BOB@EXAMPLE", [1, 4]),  # substrings, any case
        ("TO bob", [3]),
        ("SUBJECT report", [1, 4]),
        ('SUBJECT "re: quarterly"', [4]),
        ("SUBJECT menu", [2]),  # the decoded subject
        ("BODY numbers", [1]),
        ("BODY Quarterly", []),  # BODY is the body only
        ("BODY bob", []),
        ("TEXT Quarterly", [1, 4]),  # TEXT is header and body
        ("TEXT carol", [1, 2]),
        ('HEADER X-Priority ""', [2]),  # an empty string: the field exists
        ("HEADER x-priority 1", [2]),
        ("HEADER Subject quarterly", [1, 4]),
        ("HEADER X-Absent x", []),
        ("BEFORE 15-Mar-2026", [1]),
        ("ON 15-Mar-2026", [2]),
        ('ON "20-Mar-2026"', [3]),
        ("SINCE 15-Mar-2026", [2, 3, 4]),
        ("SINCE 2-Apr-2026", []),
        ("SENTBEFORE 15-Mar-2026", [1]),
        ("SENTON 1-Apr-2026", [4]),
        ("SENTSINCE 20-Mar-2026", [3, 4]),
        ("LARGER 1000", [3]),
        ("SMALLER 1000", [1, 2, 4]),
        ("2", [2]),
        ("2:*", [2, 3, 4]),
        ("*", [4]),
        ("3:1", [1, 2, 3]),  # 4:2 is 2:4 (9: seq-range)
        ("1,4", [1, 4]),
        ("UID 3:4", [2, 3]),
        ("UID 4:3", [2, 3]),
        ("UID 1", []),  # expunged
        ("UID 5:*", [4]),
        ("UID 100:*", [4]),  # 6.4.8: n:* always includes the last UID
        ("NOT SEEN", [2, 3, 4]),
        ("NOT NOT SEEN", [1]),
        ("NOT (SEEN FROM bob)", [2, 3, 4]),
        ("(FROM bob NOT SEEN)", [4]),
        ("OR SEEN FLAGGED", [1, 2]),
        ("OR OR SEEN FLAGGED DELETED", [1, 2, 3]),
        ('OR (FROM bob SUBJECT "re:") (LARGER 1000 DRAFT)', [3, 4]),
        ("NOT OR SEEN FLAGGED", [3, 4]),
        ("OR NOT FROM bob 1", [1, 2, 3]),
        ("FROM bob SUBJECT report UNSEEN", [4]),
        ("((((SEEN))))", [1]),
        ("OR (NOT (OR 1 2)) (NOT (OR 3 4))", [1, 2, 3, 4]),
        ("99", []),
    ],
)
def test_search_keys(wire, criteria, expected):
    assert search(wire, criteria) == expected
    assert search(wire, criteria, uid=True) == [UIDS[n - 1] for n in expected]


def test_charsets(wire):
    # A literal carries the 8-bit string (6.4.4: CHARSET names its encoding).
    assert search(wire, "CHARSET UTF-8 SUBJECT ", Lit("café".encode())) == [2]
    assert search(wire, "CHARSET UTF-8 BODY ", Lit("brûlée".encode(), plus=True)) == [2]
    assert search(wire, "CHARSET utf-8 TEXT ", Lit("crème".encode())) == [2]
    assert search(wire, "CHARSET US-ASCII FROM carol") == [2]
    assert search(wire, "SUBJECT ", Lit("café".encode())) == [2]  # UTF-8 is the default
    response = wire.command("SEARCH CHARSET X-UNKNOWN SUBJECT x")
    assert (response.status, response.code) == ("NO", "BADCHARSET")
    assert b"UTF-8" in response.tagged.code_args  # the charsets we do take
    assert wire.command("SEARCH CHARSET UTF-8 SUBJECT ", Lit(b"\xff\xfe")).status == "BAD"


def test_an_empty_result_and_an_empty_mailbox(wire):
    assert wire.command("SEARCH FROM nobody").ok().untagged("SEARCH")[0].raw == b"* SEARCH\r\n"
    wire.command("CREATE Empty").ok()
    wire.select("Empty").ok()
    assert search(wire, "ALL") == [] and search(wire, "1:*", uid=True) == []


def test_esearch_return_options(wire):
    def esearch(command: str, tag: str) -> dict:
        (line,) = wire.command(command, tag=tag).ok().untagged("ESEARCH")
        return line.value

    # RFC 4731: the tag correlates; an empty RETURN () means ALL; MIN/MAX/ALL are left
    # out when nothing matched.
    assert esearch("SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN", "e1") == {
        "TAG": b"e1",
        "MIN": 2,
        "MAX": 4,
        "COUNT": 3,
        "ALL": [(2, 4)],
    }
    assert esearch("UID SEARCH RETURN () FROM bob", "e2") == {
        "TAG": b"e2",
        "UID": True,
        "ALL": [(2, 2), (5, 5)],
    }
    assert esearch("UID SEARCH RETURN (MIN COUNT) FROM nobody", "e3") == {
        "TAG": b"e3",
        "UID": True,
        "COUNT": 0,
    }


def test_sent_dates_disregard_time_and_zone(wire, mailbox):
    # 6.4.4: "disregarding time and timezone": the date as the Date field writes it (as
    # Dovecot reads it), 21 March here although it was 20 March in UTC.
    _, put = mailbox
    put(b"Subject: tz\r\nDate: Sat, 21 Mar 2026 01:30:00 +0200\r\n\r\nx\r\n")
    wire.command("NOOP").ok()
    assert search(wire, "SENTON 21-Mar-2026") == [5]
    assert search(wire, "SENTON 20-Mar-2026") == [3]
    assert search(wire, "SENTBEFORE 21-Mar-2026") == [1, 2, 3]
    assert search(wire, "SENTSINCE 21-Mar-2026") == [4, 5]


def test_internal_dates_disregard_time_and_zone(wire):
    # 6.4.4 again, for BEFORE/ON/SINCE: an APPEND date-time's own day, 21 March here
    # although it is 22 March in UTC; and FETCH gives the date-time back as it came.
    wire.command('APPEND INBOX "21-Mar-2026 22:30:00 -0500" ', Lit(b"Subject: z\r\n\r\nx\r\n")).ok()
    wire.command("NOOP").ok()
    assert search(wire, "ON 21-Mar-2026") == [5]
    assert search(wire, "ON 22-Mar-2026") == []
    assert search(wire, "BEFORE 22-Mar-2026") == [1, 2, 3, 5]
    assert search(wire, "SINCE 22-Mar-2026") == [4]
    data = wire.command("FETCH 5 INTERNALDATE").ok().fetch()[5]
    assert data["INTERNALDATE"] == '"21-Mar-2026 22:30:00 -0500"'


def test_arrival_dates_take_the_servers_zone(wire, mailbox, settings):
    # Mail that arrives (no APPEND date-time) is dated in the server's TIME_ZONE.
    settings.TIME_ZONE = "Pacific/Auckland"
    _, put = mailbox
    put(b"Subject: now\r\n\r\nx\r\n")
    wire.command("NOOP").ok()
    when = datetime.strptime(
        wire.command("FETCH 5 INTERNALDATE").ok().fetch()[5]["INTERNALDATE"],
        '"%d-%b-%Y %H:%M:%S %z"',
    )
    assert when.utcoffset() in {timedelta(hours=12), timedelta(hours=13)}
    assert search(wire, f"ON {when.day}-{when:%b-%Y}") == [5]


def test_matching_ignores_case_beyond_ascii(wire):
    assert search(wire, "CHARSET UTF-8 SUBJECT ", Lit("CAFÉ".encode())) == [2]
    assert search(wire, "CHARSET UTF-8 BODY ", Lit("CRÈME".encode())) == [2]
    assert search(wire, "CHARSET UTF-8 TEXT ", Lit("BRÛLÉE".encode())) == [2]
