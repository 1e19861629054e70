"""Compliance: STORE and flags (RFC 3501 2.3.2, 6.4.6, 7.2.6), keywords and
PERMANENTFLAGS, and UID behaviour (2.3.1.1, 6.4.8, 9): UID FETCH of "*" in an empty
mailbox, reversed ranges, n:* beyond the last UID, UIDs of expunged messages."""

from __future__ import annotations

import pytest
from support.imapwire import connect, fast_passwords, other_session  # noqa: F401 (fixtures)
from support.messages import message

SYSTEM = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"]


@pytest.fixture
def wire(plain_imap, mailbox):
    _, put = mailbox
    put(message(1), message(2), message(3))
    with connect(plain_imap.imap_port, select="INBOX") as w:
        yield w


def flags(response) -> dict[int, set[str]]:
    """The FLAGS of each FETCH response, as sets (the order within a list is free)."""
    return {n: set(data["FLAGS"]) for n, data in response.fetch().items() if "FLAGS" in data}


def test_store_modes_report_the_new_flags(wire):
    r = wire.command("STORE 1 FLAGS (\\Seen \\Flagged)").ok()
    assert flags(r) == {1: {"\\Flagged", "\\Seen", "\\Recent"}}
    r = wire.command("STORE 1:2 +FLAGS (\\Answered)").ok()
    assert flags(r) == {
        1: {"\\Answered", "\\Flagged", "\\Seen", "\\Recent"},
        2: {"\\Answered", "\\Recent"},
    }
    r = wire.command("STORE 1 -FLAGS (\\Flagged \\Draft)").ok()
    assert flags(r) == {1: {"\\Answered", "\\Seen", "\\Recent"}}
    r = wire.command("STORE 1 FLAGS ()").ok()
    assert flags(r) == {1: {"\\Recent"}}
    # 6.4.6: the response reports every message of the set, changed or not.
    r = wire.command("STORE 1:3 +FLAGS (\\Draft)").ok()
    assert sorted(flags(r)) == [1, 2, 3]
    r = wire.command("STORE 1:3 +FLAGS (\\Draft)").ok()
    assert sorted(flags(r)) == [1, 2, 3]


def test_silent_store_answers_nothing_but_others_hear_of_it(wire, other):
    r = wire.command("STORE 2 +FLAGS.SILENT (\\Deleted)").ok()
    assert r.untagged() == []
    assert wire.command("FETCH 2 FLAGS").ok().fetch()[2]["FLAGS"] == ["\\Deleted", "\\Recent"]
    heard = other.command("NOOP").ok()
    assert flags(heard) == {2: {"\\Deleted"}}  # \Recent belongs to the first session
    r = wire.command("STORE 2 -FLAGS.SILENT (\\Deleted)").ok()
    assert r.untagged() == []


def test_single_flags_without_parentheses_and_case(wire):
    # store-att-flags = ... SP (flag-list / (flag *(SP flag)))
    r = wire.command("STORE 1 +FLAGS \\seen \\FLAGGED").ok()
    assert flags(r) == {1: {"\\Flagged", "\\Seen", "\\Recent"}}
    assert flags(wire.command("FETCH 1 FLAGS").ok()) == flags(r)


def test_keywords_are_announced_in_flags_before_use(wire, other):
    # PERMANENTFLAGS has \* (keywords may be created); a new keyword reaches every
    # session in an updated FLAGS response before any FETCH uses it (7.2.6).
    r = wire.command("STORE 1 +FLAGS ($Work Junk)").ok()
    (listed,) = r.untagged("FLAGS")
    assert listed.value == [*SYSTEM, "$Work", "Junk"]
    permanent = [line for line in r.untagged("OK") if line.code == "PERMANENTFLAGS"]
    assert (
        permanent[0].code_args == b"(" + " ".join([*SYSTEM, "$Work", "Junk", "\\*"]).encode() + b")"
    )
    assert flags(r) == {1: {"$Work", "Junk", "\\Recent"}}
    heard = other.command("NOOP").ok()
    assert heard.untagged("FLAGS")[0].value == [*SYSTEM, "$Work", "Junk"]
    assert flags(heard) == {1: {"$Work", "Junk"}}
    # Keywords compare without regard to case and keep their first spelling.
    r = wire.command("STORE 2 +FLAGS ($work)").ok()
    assert r.untagged("FLAGS") == [] and flags(r) == {2: {"$Work", "\\Recent"}}
    assert wire.command("SEARCH KEYWORD $WORK").ok().search() == [1, 2]
    r = wire.command("STORE 1:2 -FLAGS ($WORK)").ok()
    assert flags(r) == {1: {"Junk", "\\Recent"}, 2: {"\\Recent"}}


def test_keywords_a_new_session_meets_in_fetch(wire, plain_imap):
    wire.command("STORE 3 +FLAGS (NonJunk)").ok()
    with connect(plain_imap.imap_port) as late:
        late.select().ok()
        r = late.command("FETCH 1:3 FLAGS").ok()
        assert r.untagged("FLAGS")[0].value == [*SYSTEM, "NonJunk"]
        assert flags(r)[3] == {"NonJunk"}


@pytest.mark.parametrize(
    ("command", "status"),
    [
        ("STORE 4 +FLAGS (\\Seen)", "BAD"),  # no message 4: a bad number (9)
        ("STORE * +FLAGS (\\Seen", "BAD"),
        ("STORE 1 +FLAGS (\\Bogus)", "NO"),  # a flag-extension we do not know
        ("STORE 1 +FLAGS (bad%keyword)", "BAD"),
    ],
)
def test_store_refusals(wire, command, status):
    assert wire.command(command).status == status
    assert wire.command("FETCH 1 FLAGS").ok().fetch()[1]["FLAGS"] == ["\\Recent"]


def test_uid_store_of_missing_uids_is_quietly_nothing(wire):
    r = wire.command("UID STORE 7:9 +FLAGS (\\Seen)").ok()
    assert r.untagged() == []
    r = wire.command("UID STORE 2,9 +FLAGS (\\Seen)").ok()
    assert r.fetch() == {2: {"UID": 2, "FLAGS": ["\\Seen", "\\Recent"]}}


def test_uid_fetch_in_an_empty_mailbox(wire):
    wire.command("CREATE Empty").ok()
    wire.select("Empty").ok()
    # 9: in a UID set "*" is the last UID, here none: nothing, and OK.
    for command in ("UID FETCH * FLAGS", "UID FETCH 1:* FLAGS", "UID SEARCH UID *"):
        r = wire.command(command).ok()
        assert r.untagged("FETCH") == [] and r.untagged("EXPUNGE") == []
    # A message sequence number in an empty mailbox is invalid, "*" included (9).
    assert wire.command("FETCH 1:* FLAGS").status == "BAD"
    assert wire.command("FETCH * FLAGS").status == "BAD"


def test_ranges_and_star(wire):
    def uids(command: str) -> list[int]:
        return [d["UID"] for d in wire.command(command).ok().fetch().values()]

    assert uids("FETCH 3:1 UID") == [1, 2, 3]  # 4:2 is 2:4
    assert uids("FETCH *:2 UID") == [2, 3]
    assert uids("FETCH 2,1,2 UID") == [1, 2]  # each message once
    assert uids("UID FETCH 3:2 UID") == [2, 3]
    # 6.4.8: "a UID range of 559:* always includes the UID of the last message in the
    # mailbox, even if 559 is higher than any assigned UID value".
    assert uids("UID FETCH 100:* UID") == [3]
    assert uids("UID FETCH 3:* UID") == [3]
    assert uids("UID FETCH 4:5 UID") == []  # a range with no messages is fine
    assert wire.command("FETCH 2:4 UID").status == "BAD"  # not a message number


def test_uids_of_expunged_messages_stay_unused(wire, other):
    wire.command("STORE 2 +FLAGS.SILENT (\\Deleted)").ok()
    wire.command("EXPUNGE").ok()
    r = wire.command("UID FETCH 1:* UID").ok()
    assert [(n, d["UID"]) for n, d in r.fetch().items()] == [(1, 1), (2, 3)]
    assert wire.command("UID FETCH 2 UID").ok().fetch() == {}
    # The other session still knows message 2 until it may hear of the expunge; a UID
    # command may tell it (7.4.1), and then its numbers shift.
    r = other.command("UID FETCH 1:* UID")
    assert [line.number for line in r.untagged("EXPUNGE")] == [2]
    # Its view still held UID 2 when the command began, so, like Dovecot, it says some
    # messages were expunged (RFC 5530); the view checks every number on the way.
    assert (r.status, r.code) in (("OK", None), ("NO", "EXPUNGEISSUED"))
    assert other.command("UID FETCH 1:* UID").ok().fetch() == {1: {"UID": 1}, 2: {"UID": 3}}
