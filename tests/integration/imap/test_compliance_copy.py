"""Compliance: COPY, MOVE (RFC 6851) and APPEND with the UIDPLUS response codes (RFC
4315), and EXPUNGE: message numbers and ordering, with two sessions on one mailbox (RFC
3501 6.3.11, 6.4.3, 6.4.7, 7.4.1)."""

from __future__ import annotations

import random

import pytest
from support.imapwire import Lit, connect, fast_passwords, other_session  # noqa: F401 (fixtures)
from support.messages import message

from mailcore import store


@pytest.fixture
def wire(plain_imap, mailbox):
    _, put = mailbox
    put(*[message(n) for n in range(1, 7)])
    with connect(plain_imap.imap_port, select="INBOX") as w:
        yield w


def uidvalidity(wire, mailbox: str) -> int:
    (line,) = wire.command(f'STATUS "{mailbox}" (UIDVALIDITY)').ok().untagged("STATUS")
    return line.value[1]["UIDVALIDITY"]


def code_args(response) -> list[bytes]:
    return response.tagged.code_args.split()


def test_copy_reports_copyuid_and_keeps_flags_and_dates(wire, plain_imap):
    wire.command("STORE 2 +FLAGS ($Work \\Flagged)").ok()
    dates = {
        n: d["INTERNALDATE"] for n, d in wire.command("FETCH 2,4 INTERNALDATE").ok().fetch().items()
    }
    response = wire.command("COPY 4,2 Archive").ok()
    assert response.code == "COPYUID"
    # RFC 4315 3: COPYUID uidvalidity source-uids dest-uids, in corresponding order.
    assert code_args(response) == [b"%d" % uidvalidity(wire, "Archive"), b"2,4", b"1:2"]
    with connect(plain_imap.imap_port) as archive:
        selected = archive.select("Archive").ok()
        assert b"* 2 RECENT\r\n" in selected.raw  # 6.4.7: \Recent in the copy
        data = archive.command("FETCH 1:2 (FLAGS INTERNALDATE)").ok().fetch()
        assert set(data[1]["FLAGS"]) == {"$Work", "\\Flagged", "\\Recent"}
        assert [data[1]["INTERNALDATE"], data[2]["INTERNALDATE"]] == [dates[2], dates[4]]
    # The source is unchanged.
    assert wire.command("UID SEARCH ALL").ok().search() == [1, 2, 3, 4, 5, 6]


def test_copy_refusals(wire):
    response = wire.command("COPY 1 Nowhere")
    assert (response.status, response.code) == ("NO", "TRYCREATE")  # 6.4.7
    assert wire.command("COPY 9 Archive").status == "BAD"
    response = wire.command("UID COPY 90:99 Archive").ok()
    assert response.code is None  # nothing copied: no COPYUID
    assert wire.command("STATUS Archive (MESSAGES)").ok().untagged("STATUS")[0].value[1] == {
        "MESSAGES": 0
    }


def test_move_sends_copyuid_then_expunges(wire, other):
    response = wire.command("MOVE 2:3 Archive").ok()
    # RFC 6851 4.3: COPYUID in an untagged OK before the EXPUNGE responses.
    names = [(line.name, line.code, line.number) for line in response.lines]
    assert names[0] == ("OK", "COPYUID", None) and names[-1] == ("OK", None, None)
    assert sorted(n for name, _, n in names if name == "EXPUNGE") in ([2, 2], [2, 3])
    assert response.lines[0].code_args.split()[1:] == [b"2:3", b"1:2"]
    assert wire.command("UID SEARCH ALL").ok().search() == [1, 4, 5, 6]
    # The other session hears of it at its next command.
    heard = other.command("NOOP").ok()
    assert len(heard.untagged("EXPUNGE")) == 2
    assert other.command("UID FETCH 4 UID").ok().fetch() == {2: {"UID": 4}}
    response = wire.command("UID MOVE 6 Archive").ok()
    assert [line.number for line in response.untagged("EXPUNGE")] == [4]
    assert wire.command("MOVE 1 Nowhere").code == "TRYCREATE"


def test_append_reports_appenduid_and_the_new_message(wire):
    v = uidvalidity(wire, "INBOX")
    response = wire.command(
        'APPEND INBOX (\\Seen $Sent) " 5-May-2025 10:11:12 +0200" ', Lit(message(7))
    )
    assert response.ok().code == "APPENDUID"
    assert code_args(response) == [b"%d" % v, b"7"]
    # Appended to the selected mailbox: the session learns of it in this response.
    assert [(line.name, line.number) for line in response.untagged()][-2:] == [
        ("EXISTS", 7),
        ("RECENT", 7),
    ]
    data = wire.command("FETCH 7 (FLAGS INTERNALDATE BODY.PEEK[])").ok().fetch()[7]
    assert set(data["FLAGS"]) == {"\\Seen", "$Sent", "\\Recent"}
    # The date-time comes back as it was given, zone included.
    assert data["INTERNALDATE"] == '" 5-May-2025 10:11:12 +0200"' and data["BODY[]"] == message(7)
    response = wire.command("APPEND Archive ", Lit(message(8), plus=True)).ok()
    assert code_args(response) == [b"%d" % uidvalidity(wire, "Archive"), b"1"]


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        (("APPEND Nowhere ", Lit(b"Subject: x\r\n\r\nx\r\n")), "NO", "TRYCREATE"),
        (("APPEND INBOX ", Lit(b"")), "NO", None),
        (("APPEND INBOX (\\Bogus) ", Lit(b"Subject: x\r\n\r\nx\r\n")), "NO", None),
        (('APPEND INBOX "31-Feb-2025 10:00:00 +0000" ', Lit(b"x\r\n")), "BAD", None),
        (('APPEND INBOX "5-May-2025 10:00:00" ', Lit(b"x\r\n")), "BAD", None),
        (("APPEND INBOX (\\Seen", Lit(b"x\r\n")), "BAD", None),
    ],
)
def test_append_refusals(wire, args, status, code):
    response = wire.command(*args)
    assert response.status == status, response.raw
    if code:
        assert response.code == code
    assert wire.command("STATUS INBOX (MESSAGES)").ok().untagged("STATUS")[0].value[1] == {
        "MESSAGES": 6
    }


def test_append_keeps_recent_out_of_stored_flags(wire, plain_imap):
    wire.command("APPEND Archive (\\Recent \\Draft) ", Lit(message(9))).ok()
    with connect(plain_imap.imap_port) as archive:
        archive.command("EXAMINE Archive").ok()
        flags = archive.command("FETCH 1 FLAGS").ok().fetch()[1]["FLAGS"]
        assert set(flags) == {"\\Draft", "\\Recent"}  # recent because new, not because asked


def test_expunge_numbers_with_two_sessions(wire, other, mailbox):
    alice, _ = mailbox
    # Messages 2, 3 and 5 of 6 go; each EXPUNGE names a number valid when it is read.
    wire.command("STORE 2,3,5 +FLAGS.SILENT (\\Deleted)").ok()
    response = wire.command("EXPUNGE").ok()
    numbers = [line.number for line in response.untagged("EXPUNGE")]
    assert numbers in ([5, 3, 2], [2, 2, 3])  # highest first (ours), or ascending-adjusted
    assert wire.command("UID SEARCH ALL").ok().search() == [1, 4, 6]
    # The other session: no EXPUNGE during FETCH, STORE or SEARCH (7.4.1); messages
    # keep their numbers meanwhile, and an expunged one is answered as gone.
    fetched = other.command("FETCH 1:6 UID")
    assert fetched.untagged("EXPUNGE") == [] and fetched.code == "EXPUNGEISSUED"
    assert sorted(fetched.fetch()) == [1, 4, 6]
    assert other.command("STORE 4 +FLAGS (\\Seen)").ok().untagged("EXPUNGE") == []
    assert other.command("SEARCH ALL").ok().search() == [1, 4, 6]
    heard = other.command("NOOP").ok()
    assert len(heard.untagged("EXPUNGE")) == 3
    assert other.command("FETCH 1:* UID").ok().fetch() == {
        1: {"UID": 1},
        2: {"UID": 4},
        3: {"UID": 6},
    }
    # Messages delivered meanwhile arrive after the expunges, with numbers past them.
    store.append(alice, store.find_folder(alice, "INBOX"), message(10))
    heard = other.command("NOOP").ok()
    assert [(line.name, line.number) for line in heard.untagged()][:1] == [("EXISTS", 4)]


def test_uid_expunge_removes_only_the_named_messages(wire, other):
    wire.command("STORE 1:3 +FLAGS.SILENT (\\Deleted)").ok()
    response = wire.command("UID EXPUNGE 2:3,5").ok()  # RFC 4315 2.1
    assert sorted(line.number for line in response.untagged("EXPUNGE")) in ([2, 2], [2, 3])
    assert wire.command("UID SEARCH DELETED").ok().search() == [1]
    # A UID command may carry the other session's EXPUNGE responses (7.4.1).
    response = other.command("UID SEARCH ALL").ok()
    assert len(response.untagged("EXPUNGE")) == 2 and response.search() == [1, 4, 5, 6]


def test_expunge_with_nothing_deleted_and_in_a_read_only_mailbox(wire):
    assert wire.command("EXPUNGE").ok().untagged() == []
    wire.command("STORE 1 +FLAGS (\\Deleted)").ok()
    wire.command("EXAMINE INBOX").ok()
    assert wire.command("EXPUNGE").status == "NO"
    wire.command("CLOSE").ok()  # no expunge from a read-only CLOSE
    wire.select().ok()
    assert wire.command("SEARCH DELETED").ok().search() == [1]


def test_random_work_of_three_sessions_stays_consistent(plain_imap, mailbox):
    # imaptest's core check: sessions on one mailbox do random work; every response goes
    # through each session's view (numbers, UIDs, no EXPUNGE during FETCH/STORE/SEARCH),
    # and at the end every session sees exactly what the store holds.
    alice, put = mailbox
    put(*[message(n) for n in range(1, 11)])
    rng = random.Random(7162)  # 30 other seeds pass as well
    with (
        connect(plain_imap.imap_port, select="INBOX") as a,
        connect(plain_imap.imap_port, select="INBOX") as b,
        connect(plain_imap.imap_port, select="INBOX") as c,
    ):
        for step in range(150):
            wire = rng.choice([a, b, c])
            exists = wire.view.exists or 0
            n = rng.randint(1, exists) if exists else 0
            commands = [
                ("NOOP",),
                ("APPEND INBOX ", Lit(message(100 + step), plus=True)),
                ("FETCH 1:* (UID FLAGS)",) if exists else ("NOOP",),
                ("SEARCH ALL",),
                (f"STORE {n} +FLAGS (\\Deleted $K{step % 3})",) if n else ("CHECK",),
                (f"STORE {n} -FLAGS.SILENT (\\Deleted)",) if n else ("CHECK",),
                ("EXPUNGE",),
                ("UID FETCH 1:* FLAGS",),
                (f"COPY {n} INBOX",) if n else ("NOOP",),
                (f"MOVE {n} Archive",) if n else ("NOOP",),
            ]
            response = wire.command(*rng.choice(commands))
            assert response.status in ("OK", "NO"), response.raw
            assert response.code in (None, "EXPUNGEISSUED", "COPYUID", "APPENDUID"), response.raw
        held = store.uid_list(alice, store.find_folder(alice, "INBOX"))
        for wire in (a, b, c):
            wire.command("NOOP").ok()  # hears of every change
            fetched = wire.command("UID FETCH 1:* UID").ok()
            assert [d["UID"] for d in fetched.fetch().values()] == held
            assert wire.view.uids == held
