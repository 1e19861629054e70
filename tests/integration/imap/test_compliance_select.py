"""Compliance: SELECT and EXAMINE responses, \\Recent across sessions, UIDVALIDITY and
UIDNEXT, CLOSE and UNSELECT, STATUS (RFC 3501 2.3.1, 2.3.2, 6.3.1, 6.3.2, 6.3.10, 6.4.2,
7.1, 7.3; RFC 3691; RFC 7162 3.1.2.1)."""

from __future__ import annotations

import pytest
from support.imapwire import connect, fast_passwords  # noqa: F401 (autouse)
from support.messages import message

from mailcore import store

SYSTEM_FLAGS = b"\\Answered \\Flagged \\Deleted \\Seen \\Draft"


@pytest.fixture
def wire(plain_imap, mailbox):
    with connect(plain_imap.imap_port) as w:
        yield w


@pytest.fixture
def other(plain_imap, mailbox):
    with connect(plain_imap.imap_port) as w:
        yield w


def status(wire, mailbox: str = "INBOX", items: str = "MESSAGES RECENT UIDNEXT UNSEEN"):
    (line,) = wire.command(f'STATUS "{mailbox}" ({items})').ok().untagged("STATUS")
    return line.value[1]


def test_select_sends_every_required_response_exactly(wire, mailbox):
    alice, put = mailbox
    put(message(1), message(2), message(3))
    inbox = store.find_folder(alice, "INBOX")
    store.store_flags(alice, inbox, [1], store.FlagMode.ADD, ["\\Seen"])
    highest = store.folder_status(alice, inbox).highestmodseq
    response = wire.select()
    v = inbox.uidvalidity
    # RFC 3501 6.3.1: FLAGS, EXISTS, RECENT, OK [UNSEEN], OK [PERMANENTFLAGS], OK
    # [UIDNEXT], OK [UIDVALIDITY], then OK [READ-WRITE]. The order of the untagged ones is
    # free; this is ours.
    assert response.raw == (
        b"* FLAGS (" + SYSTEM_FLAGS + b")\r\n"
        b"* OK [PERMANENTFLAGS (" + SYSTEM_FLAGS + b" \\*)] Limited\r\n"
        b"* 3 EXISTS\r\n"
        b"* 3 RECENT\r\n"
        b"* OK [UNSEEN 2] First unseen\r\n"
        b"* OK [UIDVALIDITY %d] UIDs valid\r\n"
        b"* OK [UIDNEXT 4] Predicted next UID\r\n"
        b"* OK [HIGHESTMODSEQ %d] Highest\r\n"
        b"t2 OK [READ-WRITE] SELECT completed\r\n" % (v, highest)
    )


def test_select_of_an_empty_mailbox(wire):
    wire.command("CREATE Empty").ok()
    response = wire.select("Empty").ok()
    assert [
        (line.name, line.number) for line in response.untagged() if line.number is not None
    ] == [
        ("EXISTS", 0),
        ("RECENT", 0),
    ]
    assert not [line for line in response.untagged("OK") if line.code == "UNSEEN"]
    codes = {line.code: line.code_args for line in response.untagged("OK")}
    assert codes["UIDNEXT"] == b"1" and int(codes["HIGHESTMODSEQ"]) >= 1


def test_examine_is_read_only(wire, other, mailbox):
    _, put = mailbox
    put(message(1), message(2))
    response = wire.select(verb="EXAMINE").ok()
    assert response.code == "READ-ONLY"
    assert [
        line.code_args for line in response.untagged("OK") if line.code == "PERMANENTFLAGS"
    ] == [b"()"]
    assert b"* 2 RECENT\r\n" in response.raw
    # Reading a body does not set \Seen in a read-only mailbox (6.3.2).
    fetched = wire.command("FETCH 1 (BODY[TEXT] FLAGS)").ok().fetch()
    assert fetched[1]["FLAGS"] == ["\\Recent"]
    for command in ("STORE 1 +FLAGS (\\Deleted)", "EXPUNGE", "MOVE 1 Archive", "UID EXPUNGE 1"):
        assert wire.command(command).status == "NO", command
    assert wire.command("COPY 1 Archive").status == "OK"
    # EXAMINE did not take \Recent: the first SELECT still gets it, CLOSE expunges nothing.
    wire.command("CLOSE").ok()
    assert b"* 2 RECENT\r\n" in other.select().ok().raw


def test_a_failed_select_leaves_no_mailbox_selected(wire, mailbox):
    _, put = mailbox
    put(message(1))
    wire.select().ok()
    response = wire.select("Nonexistent")
    assert (response.status, response.code) == ("NO", "NONEXISTENT")
    assert wire.command("FETCH 1 FLAGS").status == "BAD"  # 6.3.1: deselected anyway


def test_a_bad_select_changes_nothing(wire, mailbox):
    _, put = mailbox
    put(message(1))
    wire.select().ok()
    # Not carried out, like every BAD (as in Dovecot): INBOX stays selected.
    for command in ('SELECT "&Jjo"', "SELECT", "SELECT INBOX (BOGUS)"):
        assert wire.command(command).status == "BAD"
        assert wire.command("FETCH 1 UID").ok().fetch() == {1: {"UID": 1}}


def test_inbox_is_case_insensitive_and_reselecting_starts_over(wire, mailbox):
    _, put = mailbox
    put(message(1))
    assert b"* 1 EXISTS" in wire.select("iNbOx").ok().raw
    wire.command("STORE 1 +FLAGS (\\Deleted)").ok()
    put(message(2))
    assert b"* 2 EXISTS" in wire.select("inbox").ok().raw


def test_recent_belongs_to_the_first_session_that_sees_a_message(wire, other, mailbox, plain_imap):
    _, put = mailbox
    put(message(1), message(2))
    assert status(wire)["RECENT"] == 2  # STATUS does not take \Recent (6.3.10)
    assert b"* 2 RECENT\r\n" in wire.select().ok().raw
    assert b"* 0 RECENT\r\n" in other.select().ok().raw
    assert wire.command("SEARCH RECENT").ok().search() == [1, 2]
    assert other.command("SEARCH RECENT").ok().search() == []
    assert other.command("FETCH 1 FLAGS").ok().fetch()[1]["FLAGS"] == []
    # A new message is recent to whichever session hears of it first.
    put(message(3))
    heard = other.command("NOOP").ok()
    assert [(line.name, line.number) for line in heard.untagged()] == [("EXISTS", 3), ("RECENT", 1)]
    later = wire.command("NOOP").ok()
    assert [(line.name, line.number) for line in later.untagged()] == [("EXISTS", 3), ("RECENT", 2)]
    assert other.command("SEARCH NEW").ok().search() == [3]
    assert wire.command("SEARCH OLD").ok().search() == [3]
    assert other.command("FETCH 3 FLAGS").ok().fetch()[3]["FLAGS"] == ["\\Recent"]
    # Seen by a session, never recent again: not to a third one, not after a re-SELECT.
    with connect(plain_imap.imap_port) as third:
        assert status(third)["RECENT"] == 0
        assert b"* 0 RECENT\r\n" in third.select().ok().raw
    wire.command("CLOSE").ok()
    assert b"* 0 RECENT\r\n" in wire.select().ok().raw


def test_recent_survives_store_and_cannot_be_stored(wire, mailbox):
    _, put = mailbox
    put(message(1))
    wire.select().ok()
    # \Recent is the server's (2.3.2): a client cannot set or clear it.
    response = wire.command("STORE 1 FLAGS (\\Seen \\Recent)").ok()
    assert response.fetch()[1]["FLAGS"] == ["\\Seen", "\\Recent"]
    response = wire.command("STORE 1 -FLAGS (\\Recent)").ok()
    assert response.fetch()[1]["FLAGS"] == ["\\Seen", "\\Recent"]


def test_uidvalidity_changes_when_a_name_is_reused_and_uids_never_go_back(wire, mailbox):
    _, put = mailbox
    wire.command("CREATE Reused").ok()
    first = status(wire, "Reused", "UIDVALIDITY")["UIDVALIDITY"]
    wire.command("APPEND Reused {5+}\r\nx\r\n\r\n").ok()
    wire.command("DELETE Reused").ok()
    wire.command("CREATE Reused").ok()
    again = status(wire, "Reused", "UIDVALIDITY UIDNEXT")
    assert again["UIDVALIDITY"] != first and again["UIDNEXT"] == 1  # 2.3.1.1
    # Expunging the highest UID does not make it available again.
    put(message(1), message(2))
    wire.select().ok()
    wire.command("STORE 2 +FLAGS.SILENT (\\Deleted)").ok()
    wire.command("EXPUNGE").ok()
    assert status(wire, "INBOX", "UIDNEXT")["UIDNEXT"] == 3
    response = wire.command("APPEND INBOX {5+}\r\ny\r\n\r\n").ok()
    assert response.tagged.code_args.endswith(b" 3")


def test_unseen_and_uidnext_follow_the_mailbox(wire, mailbox):
    _, put = mailbox
    put(message(1), message(2))
    wire.select().ok()
    wire.command("STORE 1:2 +FLAGS (\\Seen)").ok()
    assert status(wire) == {"MESSAGES": 2, "RECENT": 0, "UIDNEXT": 3, "UNSEEN": 0}
    response = wire.select().ok()
    assert not [line for line in response.untagged("OK") if line.code == "UNSEEN"]
    wire.command("STORE 2 -FLAGS (\\Seen)").ok()
    unseen = [line for line in wire.select().ok().untagged("OK") if line.code == "UNSEEN"]
    assert unseen[0].code_args == b"2"


def test_close_expunges_silently_and_unselect_does_not(wire, other, mailbox):
    _, put = mailbox
    put(message(1), message(2), message(3))
    wire.select().ok()
    other.select().ok()
    wire.command("STORE 1,3 +FLAGS.SILENT (\\Deleted)").ok()
    response = wire.command("UNSELECT").ok()
    assert response.untagged() == []
    wire.select().ok()
    response = wire.command("CLOSE").ok()
    assert response.untagged() == []  # 6.4.2: no EXPUNGE responses
    assert wire.command("FETCH 1 FLAGS").status == "BAD"  # back in authenticated state
    assert [line.number for line in other.command("NOOP").ok().untagged("EXPUNGE")] == [3, 1]
    assert status(wire)["MESSAGES"] == 1


def test_status_items_and_refusals(wire, mailbox):
    alice, put = mailbox
    put(message(1))
    folder = store.find_folder(alice, "INBOX")
    items = "MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ"
    (line,) = wire.command(f"STATUS INBOX ({items})").ok().untagged("STATUS")
    assert line.value == (
        b"INBOX",
        {
            "MESSAGES": 1,
            "RECENT": 1,
            "UIDNEXT": 2,
            "UIDVALIDITY": folder.uidvalidity,
            "UNSEEN": 1,
            "HIGHESTMODSEQ": store.folder_status(alice, folder).highestmodseq,
        },
    )
    # The answer keeps the order asked for; STATUS of the selected mailbox is allowed.
    wire.select().ok()
    (line,) = wire.command("STATUS INBOX (UNSEEN MESSAGES)").ok().untagged("STATUS")
    assert line.raw == b'* STATUS "INBOX" (UNSEEN 1 MESSAGES 1)\r\n'
    response = wire.command("STATUS Nowhere (MESSAGES)")
    assert (response.status, response.code) == ("NO", "NONEXISTENT")
