"""Compliance: IDLE (RFC 2177). The continuation, updates while idling (new mail, flag
changes, EXPUNGE, which IDLE allows), DONE in any case, anything else refused."""

from __future__ import annotations

import pytest
from support.imapgrammar import Line
from support.imapwire import Wire, connect, fast_passwords, other_session  # noqa: F401 (fixtures)
from support.messages import message

from mailcore import store


@pytest.fixture
def wire(plain_imap, mailbox):
    _, put = mailbox
    put(message(1), message(2), message(3))
    with connect(plain_imap.imap_port, select="INBOX") as w:
        yield w


def wait_for(wire: Wire, name: str, seconds: float = 5.0) -> list[Line]:
    """Lines read while idling, up to and including the first `name` response."""
    lines = []
    for line in wire.lines_for(seconds):
        lines.append(line)
        if line.name == name:
            return lines
    raise AssertionError(f"no {name} while idling; got {[line.raw for line in lines]}")


def test_idle_reports_new_mail_and_ends_with_done(wire, mailbox):
    alice, _ = mailbox
    tag = wire.idle()  # "+ idling" was read and checked
    store.append(alice, store.find_folder(alice, "INBOX"), message(4))
    lines = wait_for(wire, "RECENT")
    assert [(line.name, line.number) for line in lines] == [("EXISTS", 4), ("RECENT", 4)]
    response = wire.done(tag).ok()
    assert response.untagged() == []
    assert wire.command("FETCH 4 UID").ok().fetch() == {4: {"UID": 4}}


def test_idle_reports_flags_and_expunges_of_another_session(wire, other):
    tag = wire.idle()
    other.command("STORE 2 +FLAGS ($Later)").ok()
    lines = wait_for(wire, "FETCH")
    # A new keyword comes announced in FLAGS first (RFC 3501 7.2.6).
    assert [line.name for line in lines] == ["FLAGS", "OK", "FETCH"]
    assert set(lines[-1].value["FLAGS"]) == {"$Later", "\\Recent"}
    other.command("STORE 1 +FLAGS.SILENT (\\Deleted)").ok()
    other.command("EXPUNGE").ok()
    # RFC 2177: unlike during FETCH, an EXPUNGE may come at any moment of IDLE.
    lines = wait_for(wire, "EXPUNGE")
    assert lines[-1].number == 1
    wire.done(tag).ok()
    assert wire.command("FETCH 1:* UID").ok().fetch() == {1: {"UID": 2}, 2: {"UID": 3}}


def test_done_in_any_case_and_idle_without_a_mailbox(plain_imap, mailbox):
    with connect(plain_imap.imap_port) as wire:
        tag = wire.idle()  # allowed in the authenticated state
        wire.send(b"done\r\n")
        assert wire.read_response(tag).ok().untagged() == []
        wire.select().ok()
        tag = wire.idle()
        wire.send(b"DoNe\r\n")
        wire.read_response(tag).ok()


def test_anything_but_done_ends_idle_with_bad(wire):
    tag = wire.idle()
    wire.send(b"t99 NOOP\r\n")
    response = wire.read_response(tag)
    assert response.status == "BAD"
    wire.command("NOOP").ok()  # the connection goes on


def test_idle_is_refused_before_login(plain_imap, mailbox):
    with connect(plain_imap.imap_port, login=False) as wire:
        assert wire.command("IDLE").status == "BAD"
