"""Compliance: ENABLE (RFC 5161) and CONDSTORE (RFC 7162 3.1): HIGHESTMODSEQ, MODSEQ in
FETCH, STORE and SEARCH, CHANGEDSINCE, UNCHANGEDSINCE with MODIFIED, and MODSEQ in every
FETCH response once enabled."""

from __future__ import annotations

import pytest
from support.imapwire import connect, fast_passwords, other_session  # noqa: F401 (fixtures)
from support.messages import message


@pytest.fixture
def wire(plain_imap, mailbox):
    _, put = mailbox
    put(message(1), message(2), message(3))
    with connect(plain_imap.imap_port) as w:
        yield w


def highestmodseq(response) -> int:
    (line,) = [line for line in response.untagged("OK") if line.code == "HIGHESTMODSEQ"]
    return int(line.code_args)


def modseqs(response) -> dict[int, int]:
    return {n: d["MODSEQ"] for n, d in response.fetch().items() if "MODSEQ" in d}


def test_enable(wire):
    assert wire.command("ENABLE CONDSTORE").ok().untagged("ENABLED")[0].value == ["CONDSTORE"]
    # Already enabled, or unknown: not listed again (RFC 5161 3.1).
    assert wire.command("ENABLE CONDSTORE X-UNKNOWN").ok().untagged("ENABLED")[0].value == []
    assert wire.command("ENABLE").status == "BAD"


def test_select_condstore_and_fetch_modseq(wire):
    response = wire.command("SELECT INBOX (CONDSTORE)").ok()
    highest = highestmodseq(response)
    values = modseqs(wire.command("FETCH 1:* (FLAGS MODSEQ)").ok())
    assert sorted(values) == [1, 2, 3] and max(values.values()) == highest
    assert wire.command("STATUS INBOX (HIGHESTMODSEQ)").ok().untagged("STATUS")[0].value[1] == {
        "HIGHESTMODSEQ": highest
    }


def test_store_reports_modseq_and_changedsince_finds_it(wire):
    highest = highestmodseq(wire.command("SELECT INBOX (CONDSTORE)").ok())
    stored = wire.command("STORE 2 +FLAGS (\\Flagged)").ok()
    (line,) = stored.untagged("FETCH")
    assert line.value["MODSEQ"] > highest and line.value["UID"] == 2  # 3.2: UID and MODSEQ
    silent = wire.command("STORE 3 +FLAGS.SILENT (\\Seen)").ok()
    assert [set(d) for d in silent.fetch().values()] == [{"UID", "MODSEQ"}]
    changed = wire.command(f"FETCH 1:* (FLAGS) (CHANGEDSINCE {highest})").ok().fetch()
    assert sorted(changed) == [2, 3] and all("MODSEQ" in d for d in changed.values())
    changed = wire.command(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {line.value['MODSEQ']})").ok()
    assert sorted(changed.fetch()) == [3]


def test_unchangedsince_refuses_what_changed(wire):
    highest = highestmodseq(wire.command("SELECT INBOX (CONDSTORE)").ok())
    wire.command("STORE 2 +FLAGS ($Seen2)").ok()
    response = wire.command(f"STORE 1:3 (UNCHANGEDSINCE {highest}) +FLAGS (\\Answered)").ok()
    assert response.code == "MODIFIED" and response.tagged.code_args == b"2"
    assert sorted(response.fetch()) == [1, 3]
    uid = wire.command(f"UID STORE 1:3 (UNCHANGEDSINCE {highest}) -FLAGS (\\Answered)").ok()
    assert uid.code == "MODIFIED" and uid.tagged.code_args == b"1:3"  # UIDs, all changed
    # UNCHANGEDSINCE 0 fails for every message (3.1.3).
    assert wire.command("STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\\Draft)").ok().code == "MODIFIED"


def test_search_modseq(wire):
    highest = highestmodseq(wire.command("SELECT INBOX (CONDSTORE)").ok())
    wire.command("STORE 1,3 +FLAGS (\\Seen)").ok()
    (line,) = wire.command(f"SEARCH MODSEQ {highest + 1}").ok().untagged("SEARCH")
    assert line.value == [1, 3] and line.raw == b"* SEARCH 1 3 (MODSEQ %d)\r\n" % (highest + 1)
    assert wire.command(f"SEARCH MODSEQ {highest + 5}").ok().untagged("SEARCH")[0].raw == (
        b"* SEARCH\r\n"
    )
    # The entry name and type may be given; without per-flag MODSEQs they narrow nothing.
    found = wire.command('SEARCH MODSEQ "/flags/\\\\seen" all 1').ok().search()
    assert found == [1, 2, 3]


def test_enabled_means_modseq_in_every_fetch_response(wire, other):
    wire.select().ok()
    response = wire.command("ENABLE CONDSTORE").ok()
    # Enabled with a mailbox selected: its HIGHESTMODSEQ comes at once (as Dovecot does).
    highest = highestmodseq(response)
    # 3.1: a FETCH that sets \Seen reports UID and MODSEQ with the new flags...
    (line,) = wire.command("FETCH 1 BODY[TEXT]").ok().untagged("FETCH")
    assert {"FLAGS", "UID", "MODSEQ"} <= set(line.value) and line.value["MODSEQ"] > highest
    # ... and so does a change another session made.
    other.command("STORE 2 +FLAGS (\\Flagged)").ok()
    (heard,) = wire.command("NOOP").ok().untagged("FETCH")
    assert {"FLAGS", "UID", "MODSEQ"} <= set(heard.value)
