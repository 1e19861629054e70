"""The IMAP parser, command by command: exact command values for the commands of the
connection and of mailboxes (RFC 3501 6.1-6.3 and the extensions'), and their errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mailcore.imap import commands as c
from mailcore.imap.parser import parse, tag_of

CEST = timezone(timedelta(hours=2))
TRAILING = "unexpected characters at the end of the command"
DATE_TIME = 'expected a date-time ("dd-Mon-yyyy hh:mm:ss +zzzz")'
RECURSIVE = "RECURSIVEMATCH needs another selection option"


def _set(*ranges):
    return c.SequenceSet(tuple(c.SeqRange(lo, hi) for lo, hi in ranges))


@pytest.mark.parametrize(
    ("data", "command"),
    [
        (b"a1 CAPABILITY\r\n", c.Capability("a1")),
        (b"a1 capability\r\n", c.Capability("a1")),
        (b"a1 NOOP\r\n", c.Noop("a1")),
        (b"a1 NOOP\n", c.Noop("a1")),
        (b"a1 NOOP", c.Noop("a1")),
        (b"x.y]z LOGOUT\r\n", c.Logout("x.y]z")),  # "]" is an ASTRING-CHAR, so a tag char
        (b"a1 STARTTLS\r\n", c.StartTLS("a1")),
        (b"a1 NAMESPACE\r\n", c.Namespace("a1")),
        (b"a1 IDLE\r\n", c.Idle("a1")),
        (b"a1 CHECK\r\n", c.Check("a1")),
        (b"a1 CLOSE\r\n", c.Close("a1")),
        (b"a1 UNSELECT\r\n", c.Unselect("a1")),
        (b"a1 EXPUNGE\r\n", c.Expunge("a1")),
        (b"a1 UID EXPUNGE 3:5,9\r\n", c.Expunge("a1", _set((3, 5), (9, 9)))),
        # ID (RFC 2971)
        (b"a1 ID NIL\r\n", c.Id("a1", None)),
        (b"a1 ID ()\r\n", c.Id("a1", ())),
        (
            b'a1 ID ("name" "Thunderbird" "version" NIL)\r\n',
            c.Id("a1", (("name", "Thunderbird"), ("version", None))),
        ),
        (b'a1 ID ({4}\r\nname "x")\r\n', c.Id("a1", (("name", "x"),))),
        # ENABLE (RFC 5161)
        (b"a1 ENABLE CONDSTORE\r\n", c.Enable("a1", ("CONDSTORE",))),
        (b"a1 ENABLE condstore UTF8=ACCEPT\r\n", c.Enable("a1", ("CONDSTORE", "UTF8=ACCEPT"))),
        # AUTHENTICATE with and without SASL-IR (RFC 4959)
        (b"a1 AUTHENTICATE plain\r\n", c.Authenticate("a1", "PLAIN")),
        (b"a1 AUTHENTICATE PLAIN =\r\n", c.Authenticate("a1", "PLAIN", "=")),
        (
            b"a1 AUTHENTICATE PLAIN AGFsaWNlAHB3\r\n",
            c.Authenticate("a1", "PLAIN", "AGFsaWNlAHB3"),
        ),
        (b"a1 AUTHENTICATE PLAIN AGFsaWNlAHB=\r\n", c.Authenticate("a1", "PLAIN", "AGFsaWNlAHB=")),
        # LOGIN: atoms, quoted strings with escapes, literals, LITERAL+
        (b"a1 LOGIN alice secret\r\n", c.Login("a1", "alice", "secret")),
        (b'a1 LOGIN "alice" "p\\"w\\\\d"\r\n', c.Login("a1", "alice", 'p"w\\d')),
        (b"a1 LOGIN {5}\r\nalice {6+}\r\nse cr\r\n", c.Login("a1", "alice", "se cr\r")),
        (b"a1 LOGIN {5}\nalice pw]x\n", c.Login("a1", "alice", "pw]x")),
        (b'a1 LOGIN "" ""\r\n', c.Login("a1", "", "")),
        (b"a1 LOGIN ~me pw\r\n", c.Login("a1", "~me", "pw")),
        ('a1 LOGIN "jürgen" pw\r\n'.encode(), c.Login("a1", "jürgen", "pw")),
        # SELECT / EXAMINE (RFC 7162 CONDSTORE)
        (b"a1 SELECT INBOX\r\n", c.Select("a1", "INBOX")),
        (b"a1 select inbox\r\n", c.Select("a1", "INBOX")),
        (b'a1 SELECT "InBox"\r\n', c.Select("a1", "INBOX")),
        (b"a1 SELECT INBOX/Sub\r\n", c.Select("a1", "INBOX/Sub")),
        (b"a1 EXAMINE Archive\r\n", c.Select("a1", "Archive", readonly=True)),
        (b"a1 SELECT INBOX (CONDSTORE)\r\n", c.Select("a1", "INBOX", condstore=True)),
        (b"a1 EXAMINE x (condstore)\r\n", c.Select("a1", "x", True, True)),
        (b'a1 SELECT "&AOQ-rger"\r\n', c.Select("a1", "&AOQ-rger")),
        # CREATE (RFC 6154 USE)
        (b"a1 CREATE Work\r\n", c.Create("a1", "Work")),
        (b"a1 CREATE Drafts2 (USE (\\drafts))\r\n", c.Create("a1", "Drafts2", ("\\Drafts",))),
        (
            b"a1 CREATE x (USE (\\Sent \\Archive \\Other))\r\n",
            c.Create("a1", "x", ("\\Sent", "\\Archive", "\\Other")),
        ),
        (b"a1 CREATE x (USE ())\r\n", c.Create("a1", "x", ())),
        (b"a1 DELETE Work\r\n", c.Delete("a1", "Work")),
        (b'a1 RENAME "Old name" {3}\r\nNew\r\n', c.Rename("a1", "Old name", "New")),
        (b"a1 RENAME inbox Old\r\n", c.Rename("a1", "INBOX", "Old")),
        (b"a1 SUBSCRIBE Work\r\n", c.Subscribe("a1", "Work")),
        (b"a1 UNSUBSCRIBE Work\r\n", c.Unsubscribe("a1", "Work")),
        # LIST, basic and extended (RFC 5258, RFC 6154)
        (b'a1 LIST "" *\r\n', c.List("a1", "", ("*",))),
        (b'a1 LIST "" %\r\n', c.List("a1", "", ("%",))),
        (b"a1 LIST Work/ %/x]*\r\n", c.List("a1", "Work/", ("%/x]*",))),
        (b'a1 LIST "" "Work/*"\r\n', c.List("a1", "", ("Work/*",))),
        (b'a1 LIST "" ""\r\n', c.List("a1", "", ("",))),
        (b'a1 LIST "" {3}\r\na b\r\n', c.List("a1", "", ("a b",))),
        (
            b'a1 LIST (SPECIAL-USE) "" "*"\r\n',
            c.List("a1", "", ("*",), frozenset({"SPECIAL-USE"}), extended=True),
        ),
        (b'a1 LIST () "" "*"\r\n', c.List("a1", "", ("*",), extended=True)),
        (
            b'a1 LIST "" ("INBOX" Work/%)\r\n',
            c.List("a1", "", ("INBOX", "Work/%"), extended=True),
        ),
        (
            b'a1 LIST (subscribed RECURSIVEMATCH) "" * RETURN (CHILDREN special-use)\r\n',
            c.List(
                "a1",
                "",
                ("*",),
                frozenset({"SUBSCRIBED", "RECURSIVEMATCH"}),
                frozenset({"CHILDREN", "SPECIAL-USE"}),
                True,
            ),
        ),
        (b'a1 LIST "" * RETURN ()\r\n', c.List("a1", "", ("*",), extended=True)),
        (b'a1 LSUB "" *\r\n', c.Lsub("a1", "", "*")),
        (b"a1 LSUB Work %\r\n", c.Lsub("a1", "Work", "%")),
        # STATUS
        (
            b"a1 STATUS INBOX (MESSAGES unseen UIDNEXT)\r\n",
            c.Status("a1", "INBOX", ("MESSAGES", "UNSEEN", "UIDNEXT")),
        ),
        (
            b"a1 STATUS x (RECENT UIDVALIDITY HIGHESTMODSEQ SIZE)\r\n",
            c.Status("a1", "x", ("RECENT", "UIDVALIDITY", "HIGHESTMODSEQ", "SIZE")),
        ),
        # APPEND: flags, date-time, literal and LITERAL+ message
        (b"a1 APPEND INBOX {5}\r\nHello\r\n", c.Append("a1", "INBOX", b"Hello")),
        (b"a1 APPEND INBOX {0}\r\n\r\n", c.Append("a1", "INBOX", b"")),
        (
            b"a1 APPEND Sent (\\Seen $Forwarded) {7+}\r\nA\r\n\r\nB\xff\r\n",
            c.Append("a1", "Sent", b"A\r\n\r\nB\xff", ("\\Seen", "$Forwarded")),
        ),
        (
            b'a1 APPEND Sent () "05-Jun-2024 13:05:09 +0200" {1}\r\nx\r\n',
            c.Append("a1", "Sent", b"x", (), datetime(2024, 6, 5, 13, 5, 9, tzinfo=CEST)),
        ),
        (
            b'a1 APPEND Sent " 5-jun-2024 13:05:09 -0000" {1}\r\nx\r\n',
            c.Append("a1", "Sent", b"x", (), datetime(2024, 6, 5, 13, 5, 9, tzinfo=UTC)),
        ),
        (
            b'a1 APPEND Sent "5-Jun-2024 13:05:09 -0230" {1}\r\nx\r\n',
            c.Append(
                "a1",
                "Sent",
                b"x",
                (),
                datetime(2024, 6, 5, 13, 5, 9, tzinfo=timezone(-timedelta(hours=2, minutes=30))),
            ),
        ),
        # QUOTA (RFC 9208)
        (b'a1 GETQUOTA ""\r\n', c.GetQuota("a1", "")),
        (b"a1 GETQUOTAROOT INBOX\r\n", c.GetQuotaRoot("a1", "INBOX")),
        (
            b'a1 SETQUOTA "" (STORAGE 512 message 9223372036854775807)\r\n',
            c.SetQuota("a1", "", (("STORAGE", 512), ("MESSAGE", 2**63 - 1))),
        ),
        (b'a1 SETQUOTA "" ()\r\n', c.SetQuota("a1", "", ())),
    ],
)
def test_command(data, command):
    assert parse(data) == command


def test_literal_octets_are_kept_verbatim():
    message = b'From: a@b\r\nSubject: {5}\r\n\r\nbody "quoted" \\ (x)\r\n'
    data = b"A APPEND INBOX {%d}\r\n%s\r\n" % (len(message), message)
    assert parse(data) == c.Append("A", "INBOX", message)


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"a1 FROB\r\n", "unknown command"),
        (b"a1 UID NOOP\r\n", "unknown command"),
        (b"a1 UID\r\n", "expected SP"),
        (b"a1 NOOP x\r\n", TRAILING),
        (b"a1 NOOP \r\n", TRAILING),
        (b"a1  NOOP\r\n", "expected a command name"),
        (b"a1 NOOP\r\n\r\n", TRAILING),
        (b"a1 NOOP\rx\r\n", TRAILING),
        (b"a1 LOGIN alice\r\n", "expected SP"),
        (b"a1 LOGIN alice pw extra\r\n", TRAILING),
        (b'a1 LOGIN "alice pw\r\n', "expected a quoted string"),
        (b'a1 LOGIN "a\\lice" pw\r\n', "expected a quoted string"),  # only \\ and \" escape
        (b'a1 LOGIN "a\x00" pw\r\n', "expected a quoted string"),
        (b"a1 LOGIN {9}\r\nalice\r\n", "literal is shorter than announced"),
        (b"a1 LOGIN {5}\r\nal\x00ce pw\r\n", "NUL in a literal"),
        (b"a1 LOGIN {5x}\r\nalice pw\r\n", "expected a literal"),
        (b"a1 LOGIN {99999999999}\r\nalice pw\r\n", "literal size is too large"),
        (b"a1 LOGIN ~{5}\r\nalice pw\r\n", "literal8 is not supported (no BINARY)"),
        (b"a1 LOGIN al(ce pw\r\n", "expected SP"),
        (b"a1 LOGIN al%ce pw\r\n", "expected SP"),
        (b"a1 LOGIN \xc3\xa4 pw\r\n", "expected a user name"),
        (b'a1 LOGIN "\xff" pw\r\n', "string is not valid utf-8"),
        (b"a1 ID\r\n", "expected SP"),
        (b"a1 ID (name x)\r\n", "expected a literal"),
        (b'a1 ID ("name")\r\n', "expected SP"),
        (b'a1 ID ("a" "b""c" "d")\r\n', "expected SP"),
        (b'a1 ID ("%s" NIL)\r\n' % (b"x" * 31), "ID field or value too long"),
        (b"a1 ENABLE\r\n", "ENABLE needs at least one capability"),
        (b"a1 ENABLE \r\n", "expected a capability name"),
        (b"a1 AUTHENTICATE\r\n", "expected SP"),
        (b"a1 AUTHENTICATE PLAIN AGFsaWNlAHB\r\n", TRAILING),
        (b"a1 AUTHENTICATE PLAIN ===\r\n", TRAILING),
        (b"a1 AUTHENTICATE PLAIN !\r\n", "expected a base64 initial response"),
        (b"a1 SELECT\r\n", "expected SP"),
        (b"a1 SELECT INBOX ()\r\n", "unknown SELECT parameter"),
        (b"a1 SELECT INBOX (QRESYNC (1 2))\r\n", "expected a keyword"),
        (b"a1 SELECT INBOX (QRESYNC)\r\n", "unknown SELECT parameter"),
        (b"a1 CREATE x (USE (Drafts))\r\n", "special-use attributes start with a backslash"),
        (b"a1 CREATE x (FOO (\\Drafts))\r\n", "expected USE"),
        (b"a1 RENAME a\r\n", "expected SP"),
        (b'a1 LIST ""\r\n', "expected SP"),
        (b'a1 LIST "" a b\r\n', "expected RETURN"),
        (b'a1 LIST (REMOTE) "" ()\r\n', "expected a mailbox pattern"),
        (b'a1 LIST (FOO) "" *\r\n', "unknown LIST selection option"),
        (b'a1 LIST (RECURSIVEMATCH) "" *\r\n', RECURSIVE),
        (b'a1 LIST (REMOTE RECURSIVEMATCH) "" *\r\n', RECURSIVE),
        (b'a1 LIST "" * RETURN (STATUS (MESSAGES))\r\n', "expected a keyword"),
        (b'a1 LIST "" * RETURN (MYRIGHTS)\r\n', "unknown LIST return option"),
        (b'a1 LIST "" * RETURN\r\n', "expected SP"),
        (b"a1 STATUS INBOX ()\r\n", "STATUS needs at least one item"),
        (b"a1 STATUS INBOX (MESSAGES FOO)\r\n", "unknown STATUS item"),
        (b"a1 STATUS INBOX MESSAGES\r\n", "expected ("),
        (b"a1 APPEND INBOX\r\n", "expected SP"),
        (b"a1 APPEND INBOX hello\r\n", "expected a literal"),
        (b'a1 APPEND INBOX "hello"\r\n', DATE_TIME),
        (b"a1 APPEND INBOX ~{5}\r\nhello\r\n", "literal8 is not supported (no BINARY)"),
        (b"a1 APPEND INBOX (\\Seen) (\\Seen) {1}\r\nx\r\n", "expected a literal"),
        (b'a1 APPEND x "31-Feb-2024 00:00:00 +0000" {1}\r\nx\r\n', "invalid date-time"),
        (b'a1 APPEND x "01-Feb-2024 24:00:00 +0000" {1}\r\nx\r\n', "invalid date-time"),
        (b'a1 APPEND x "01-Feb-2024 00:00:00 +0060" {1}\r\nx\r\n', "invalid date-time"),
        (b'a1 APPEND x "01-Feb-2024 00:00:00 +2400" {1}\r\nx\r\n', "invalid date-time"),
        (b'a1 APPEND x "01-Foo-2024 00:00:00 +0000" {1}\r\nx\r\n', "invalid month"),
        (b'a1 APPEND x "01-Feb-0000 00:00:00 +0000" {1}\r\nx\r\n', "invalid date-time"),
        (b'a1 APPEND x "01-Feb-2024 00:00:00" {1}\r\nx\r\n', DATE_TIME),
        (b"a1 APPEND x {1}\r\nxy\r\n", TRAILING),
        (b"a1 SETQUOTA x (STORAGE)\r\n", "expected SP"),
        (b"a1 SETQUOTA x (STORAGE 9223372036854775808)\r\n", "resource limit is too large"),
        (b"a1 SETQUOTA x (STORAGE -1)\r\n", "expected a resource limit"),
    ],
)
def test_error(data, text):
    with pytest.raises(c.ParseError) as raised:
        parse(data)
    assert raised.value == c.ParseError("a1", text)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n",
        b" a1 NOOP\r\n",
        b"+a NOOP\r\n",
        b"a+ NOOP\r\n",
        b"a* NOOP\r\n",
        b"a% NOOP\r\n",
        b'a" NOOP\r\n',
        b"a\\ NOOP\r\n",
        b"a{ NOOP\r\n",
        b"a( NOOP\r\n",
        b"\xc3\xa4 NOOP\r\n",
        b"a1\r\n",
    ],
)
def test_error_without_a_tag(data):
    with pytest.raises(c.ParseError) as raised:
        parse(data)
    tag = raised.value.tag
    assert tag == tag_of(data)
    assert tag in (None, "a1", "a")


def test_error_carries_the_tag_when_only_the_command_is_wrong():
    with pytest.raises(c.ParseError) as raised:
        parse(b"a+b NOOP\r\n")
    assert raised.value.tag is None
    with pytest.raises(c.ParseError) as raised:
        parse(b"A001\r\n")
    assert raised.value.tag == "A001"


@pytest.mark.parametrize(
    ("data", "tag"),
    [
        (b"a1 NOOP\r\n", "a1"),
        (b"a1\r\n", "a1"),
        (b"a1", "a1"),
        (b"A.1] garbage (((\r\n", "A.1]"),
        (b"a+1 NOOP\r\n", None),
        (b"a1(NOOP\r\n", None),
        (b" a1 NOOP\r\n", None),
        (b"", None),
    ],
)
def test_tag_of(data, tag):
    assert tag_of(data) == tag
