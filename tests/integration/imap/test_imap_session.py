"""The session state machine over the real store, without sockets (commands built
directly, replies read as bytes)."""

from __future__ import annotations

import pytest

from mailcore import store
from mailcore.imap import commands as c
from mailcore.imap.session import Session, Settings, State

ALL = c.SequenceSet((c.SeqRange(1, None),))


def seqset(lo: int, hi: int | None) -> c.SequenceSet:
    return c.SequenceSet((c.SeqRange(lo, hi),))


def run(session: Session, command: c.Command) -> bytes:
    reply = session.execute(command)
    out = b"".join(reply.lines)
    while reply.more:
        reply = reply.more()
        out += b"".join(reply.lines)
    return out


def logged_in(account, tls: bool = True) -> Session:
    session = Session(Settings("mail.example.test"), tls=tls, peer="127.0.0.9")
    session.login_as(account)
    return session


@pytest.fixture
def inbox(alice):
    folder = store.find_folder(alice, store.INBOX)
    for n in range(3):
        store.append(alice, folder, b"Subject: m%d\r\nFrom: a@b.test\r\n\r\nbody %d\r\n" % (n, n))
    return folder


def test_commands_are_gated_by_state(db):
    session = Session(Settings("mail.example.test"), tls=False)
    assert b"a BAD" in run(session, c.Select("a", "INBOX"))
    caps = run(session, c.Capability("b"))
    assert b"LOGINDISABLED" in caps and b"STARTTLS" in caps and b"AUTH=PLAIN" not in caps
    assert b"c NO [PRIVACYREQUIRED]" in run(session, c.Login("c", "alice@example.test", "x"))
    assert session.state is State.NOT_AUTHENTICATED


def test_login_after_tls_and_wrong_password(alice):
    session = Session(Settings("mail.example.test"), tls=True, peer="127.0.0.8")
    assert b"a NO [AUTHENTICATIONFAILED]" in run(session, c.Login("a", "alice@example.test", "no"))
    out = run(session, c.Login("b", "alice@example.test", "alice-pw"))
    assert out.startswith(b"b OK [CAPABILITY IMAP4rev1") and session.state is State.AUTHENTICATED


def test_select_reports_the_mailbox(alice, inbox):
    session = logged_in(alice)
    out = run(session, c.Select("s", "inbox"))
    assert b"* 3 EXISTS\r\n" in out and b"* 3 RECENT\r\n" in out
    assert b"* OK [UNSEEN 1]" in out and b"* OK [UIDNEXT 4]" in out
    assert b"[UIDVALIDITY %d]" % inbox.uidvalidity in out
    assert out.endswith(b"s OK [READ-WRITE] SELECT completed\r\n")
    # \Recent belongs to the first session: a second one sees none.
    other = logged_in(alice)
    assert b"* 0 RECENT" in run(other, c.Select("t", "INBOX"))


def test_examine_is_read_only_and_keeps_recent(alice, inbox):
    session = logged_in(alice)
    out = run(session, c.Select("e", "INBOX", readonly=True))
    assert b"* 3 RECENT" in out and b"[READ-ONLY]" in out
    assert b"NO [CANNOT]" in run(session, c.Store("f", ALL, "add", ("\\Seen",)))
    assert b"* 3 RECENT" in run(logged_in(alice), c.Select("g", "INBOX"))


def test_expunge_by_another_session_waits_for_an_allowed_moment(alice, inbox):
    reader, writer = logged_in(alice), logged_in(alice)
    run(reader, c.Select("a", "INBOX"))
    run(writer, c.Select("b", "INBOX"))
    run(writer, c.Store("c", seqset(2, 2), "add", ("\\Deleted",), silent=True))
    assert b"* 2 EXPUNGE" in run(writer, c.Expunge("d"))
    fetched = run(reader, c.Fetch("e", ALL, (c.FetchAtt("UID"),)))
    # RFC 3501 7.4.1: no EXPUNGE during FETCH; message 2 keeps its number meanwhile.
    assert b"* 2 EXPUNGE" not in fetched
    assert b"* 1 FETCH (UID 1)" in fetched and b"* 3 FETCH (UID 3)" in fetched
    assert b"e NO [EXPUNGEISSUED]" in fetched
    noop = run(reader, c.Noop("f"))
    assert b"* 2 EXPUNGE\r\n" in noop
    assert b"* 2 FETCH (UID 3)" in run(reader, c.Fetch("g", ALL, (c.FetchAtt("UID"),)))


def test_new_mail_and_flag_changes_reach_other_sessions(alice, inbox):
    watcher, actor = logged_in(alice), logged_in(alice)
    run(watcher, c.Select("a", "INBOX"))
    run(actor, c.Select("b", "INBOX"))
    store.append(alice, inbox, b"Subject: new\r\n\r\nx\r\n")
    run(actor, c.Store("c", seqset(1, 1), "add", ("\\Flagged",)))
    out = run(watcher, c.Noop("d"))
    # The actor's STORE saw the new message first, so it is recent to the actor only.
    assert b"* 4 EXISTS" in out and b"* 3 RECENT" in out
    assert b"* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))" in out


def test_store_reports_flags_and_condstore_modified(alice, inbox):
    session = logged_in(alice)
    run(session, c.Select("a", "INBOX", condstore=True))
    out = run(session, c.Store("b", seqset(1, 2), "add", ("\\Seen", "$Work")))
    assert b"* 1 FETCH (UID 1 FLAGS (\\Seen $Work \\Recent) MODSEQ (" in out
    stored = store.folder_status(alice, inbox).highestmodseq
    # Messages 1 and 2 changed at `stored`, message 3 before it.
    out = run(session, c.Store("c", ALL, "add", ("\\Flagged",), unchanged_since=stored - 1))
    assert b"c OK [MODIFIED 1:2]" in out
    assert b"* 3 FETCH (UID 3 FLAGS (\\Flagged \\Recent) MODSEQ (%d))" % (stored + 1) in out


def test_copy_move_append_and_uid_expunge(alice, inbox):
    session = logged_in(alice)
    run(session, c.Select("a", "INBOX"))
    out = run(session, c.Copy("b", seqset(1, 2), "Archive", uid=False))
    assert b"b OK [COPYUID " in out
    out = run(session, c.Move("c", seqset(3, 3), "Archive", uid=True))
    assert b"* OK [COPYUID " in out and b"* 3 EXPUNGE" in out and b"c OK MOVE" in out
    assert b"[TRYCREATE]" in run(session, c.Copy("d", seqset(1, 1), "Nope"))
    out = run(session, c.Append("e", "INBOX", b"Subject: x\r\n\r\ny\r\n", ("\\Seen",)))
    assert b"e OK [APPENDUID %d 4]" % inbox.uidvalidity in out
    assert b"* 3 EXISTS" in out
    run(session, c.Store("f", seqset(1, 2), "add", ("\\Deleted",), silent=True))
    out = run(session, c.Expunge("g", uids=seqset(2, 2)))
    assert b"* 2 EXPUNGE" in out and b"* 1 EXPUNGE" not in out


def test_search_by_number_uid_and_text(alice, inbox):
    session = logged_in(alice)
    run(session, c.Select("a", "INBOX"))
    key = c.SearchAnd((c.SearchText("SUBJECT", "m1"),))
    assert b"* SEARCH 2\r\n" in run(session, c.Search("b", key))
    key = c.SearchAnd((c.SearchNot(c.SearchSeq(seqset(1, 1))), c.SearchRecent()))
    assert b"* SEARCH 2 3\r\n" in run(session, c.Search("c", key, uid=True))
    esearch = run(session, c.Search("d", c.SearchAll(), returns=("MIN", "COUNT")))
    assert b'* ESEARCH (TAG "d") MIN 1 COUNT 3' in esearch


def test_another_account_is_invisible(alice, bob):
    session = logged_in(bob)
    assert b"NO [NONEXISTENT]" in run(session, c.Select("a", "Archive/../INBOX"))
    names = run(session, c.List("b", "", ("*",)))
    assert b"alice" not in names


def test_list_status_namespace_quota(alice, inbox):
    session = logged_in(alice)
    out = run(session, c.List("a", "", ("*",)))
    assert b'* LIST (\\HasNoChildren) "/" "INBOX"' in out
    assert b"\\Sent)" in out and b"\\Trash)" in out
    out = run(session, c.Status("b", "INBOX", ("MESSAGES", "UNSEEN", "RECENT", "UIDNEXT")))
    assert b'* STATUS "INBOX" (MESSAGES 3 UNSEEN 3 RECENT 3 UIDNEXT 4)' in out
    assert b'NAMESPACE (("" "/")) NIL NIL' in run(session, c.Namespace("c"))
    out = run(session, c.GetQuotaRoot("d", "INBOX"))
    assert b'* QUOTAROOT "INBOX"\r\n' in out  # unlimited: no quota root (RFC 9208 9)


def test_a_deleted_selected_mailbox_ends_the_session(alice, inbox):
    session = logged_in(alice)
    run(session, c.Create("a", "Projects"))
    run(session, c.Select("b", "Projects"))
    store.delete_folder(alice, store.find_folder(alice, "Projects"))
    reply = session.execute(c.Noop("c"))
    assert reply.close and b"BYE" in b"".join(reply.lines)
