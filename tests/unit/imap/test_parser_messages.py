"""STORE (with UNCHANGEDSINCE), COPY, MOVE, UID EXPUNGE, and sequence sets."""

from __future__ import annotations

import pytest

from mailcore.imap import commands as c
from mailcore.imap.parser import MAX_ITEMS, parse


def numbers(*ranges):
    return c.SequenceSet(tuple(c.SeqRange(lo, hi) for lo, hi in ranges))


ONE = numbers((1, 1))


@pytest.mark.parametrize(
    ("data", "command"),
    [
        (b"a1 STORE 1 FLAGS (\\Seen)\r\n", c.Store("a1", ONE, "replace", ("\\Seen",))),
        (b"a1 STORE 1 FLAGS ()\r\n", c.Store("a1", ONE, "replace", ())),
        (b"a1 STORE 1 +FLAGS \\seen\r\n", c.Store("a1", ONE, "add", ("\\Seen",))),
        (
            b"a1 STORE 1 -flags.silent \\Deleted $Junk\r\n",
            c.Store("a1", ONE, "remove", ("\\Deleted", "$Junk"), silent=True),
        ),
        (
            b"a1 STORE 2:4 +FLAGS.SILENT (\\ANSWERED \\Flagged \\Draft \\Ext Foo)\r\n",
            c.Store(
                "a1",
                numbers((2, 4)),
                "add",
                ("\\Answered", "\\Flagged", "\\Draft", "\\Ext", "Foo"),
                silent=True,
            ),
        ),
        (
            b"a1 UID STORE 1:* (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n",
            c.Store(
                "a1",
                numbers((1, None)),
                "add",
                ("\\Deleted",),
                silent=True,
                uid=True,
                unchanged_since=320162338,
            ),
        ),
        (
            b"a1 STORE 7 (unchangedsince 0) FLAGS ()\r\n",
            c.Store("a1", numbers((7, 7)), "replace", (), unchanged_since=0),
        ),
        (b"a1 COPY 1:3 Archive\r\n", c.Copy("a1", numbers((1, 3)), "Archive")),
        (b'a1 UID COPY 5 "My Box"\r\n', c.Copy("a1", numbers((5, 5)), "My Box", True)),
        (b"a1 COPY * inbox\r\n", c.Copy("a1", numbers((None, None)), "INBOX")),
        (b"a1 MOVE 2,4 Trash\r\n", c.Move("a1", numbers((2, 2), (4, 4)), "Trash")),
        (b"a1 uid move 9:7 {5}\r\nTrash\r\n", c.Move("a1", numbers((9, 7)), "Trash", True)),
        (b"a1 UID EXPUNGE 1:*\r\n", c.Expunge("a1", numbers((1, None)))),
        (
            b"a1 UID FETCH 4294967295,1:4294967295 UID\r\n",
            c.Fetch(
                "a1",
                numbers((2**32 - 1, 2**32 - 1), (1, 2**32 - 1)),
                (c.FetchAtt("UID"),),
                uid=True,
            ),
        ),
    ],
)
def test_command(data, command):
    assert parse(data) == command


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"a1 STORE 1 FLAGS\r\n", "expected FLAGS, +FLAGS or -FLAGS"),
        (b"a1 STORE 1 FLAGS \r\n", "expected a flag"),
        (b"a1 STORE 1 FLAGS (\\Seen\r\n", "expected SP"),
        (b"a1 STORE 1 FLAGS \\*\r\n", "expected a flag"),
        (b"a1 STORE 1 FLAGS (\\*)\r\n", "expected a flag"),
        (b"a1 STORE 1 FLAGS (a b] c)\r\n", "expected SP"),
        (b"a1 STORE 1 LABELS (a)\r\n", "expected FLAGS, +FLAGS or -FLAGS"),
        (b"a1 STORE 1 *FLAGS (a)\r\n", "expected FLAGS, +FLAGS or -FLAGS"),
        (b"a1 STORE 1 FLAGS.LOUD (a)\r\n", "expected FLAGS, +FLAGS or -FLAGS"),
        (b"a1 STORE 1 +FLAGS(a)\r\n", "expected FLAGS, +FLAGS or -FLAGS"),
        (b"a1 STORE 1 (UNCHANGEDSINCE) FLAGS (a)\r\n", "expected SP"),
        (b"a1 STORE 1 (UNCHANGEDSINCE -1) FLAGS (a)\r\n", "expected a mod-sequence"),
        (b"a1 STORE 1 (FOO 1) FLAGS (a)\r\n", "expected UNCHANGEDSINCE"),
        (b"a1 STORE 1 (UNCHANGEDSINCE 1)FLAGS (a)\r\n", "expected SP"),
        (
            b"a1 STORE 1 FLAGS (a) (UNCHANGEDSINCE 1)\r\n",
            "unexpected characters at the end of the command",
        ),
        (b"a1 STORE FLAGS (a)\r\n", "expected a sequence set"),
        (b"a1 COPY 1\r\n", "expected SP"),
        (b"a1 COPY 1 \r\n", "expected a mailbox name"),
        (b"a1 COPY $ x\r\n", "the saved search result ($) is not supported"),
        (b"a1 MOVE 1 a b\r\n", "unexpected characters at the end of the command"),
        (b"a1 UID EXPUNGE\r\n", "expected SP"),
        (b"a1 UID EXPUNGE 0\r\n", "expected a sequence set"),
        (b"a1 FETCH 01 UID\r\n", "expected a sequence set"),
        (b"a1 FETCH 1:01 UID\r\n", "invalid sequence set"),
        (b"a1 FETCH 4294967296 UID\r\n", "number is too large"),
        (b"a1 FETCH 99999999999999999999999 UID\r\n", "number is too large"),
        (b"a1 FETCH -1 UID\r\n", "expected a sequence set"),
        (b"a1 FETCH 1:2:3 UID\r\n", "invalid sequence set"),
        (b"a1 FETCH 1,,2 UID\r\n", "invalid sequence set"),
    ],
)
def test_error(data, text):
    with pytest.raises(c.ParseError) as raised:
        parse(data)
    assert raised.value == c.ParseError("a1", text)


def test_sequence_set_limit():
    ok = b",".join(b"%d" % n for n in range(1, MAX_ITEMS + 1))
    assert len(parse(b"a1 FETCH " + ok + b" UID\r\n").numbers.ranges) == MAX_ITEMS
    with pytest.raises(c.ParseError) as raised:
        parse(b"a1 FETCH " + ok + b",1 UID\r\n")
    assert raised.value == c.ParseError("a1", "too many items in a list")


def test_flag_list_limit():
    flags = b" ".join(b"k%d" % n for n in range(MAX_ITEMS))
    assert len(parse(b"a1 STORE 1 FLAGS (" + flags + b")\r\n").flags) == MAX_ITEMS
    assert len(parse(b"a1 STORE 1 FLAGS " + flags + b"\r\n").flags) == MAX_ITEMS
    for data in (b"a1 STORE 1 FLAGS (%s x)\r\n", b"a1 STORE 1 FLAGS %s x\r\n"):
        with pytest.raises(c.ParseError) as raised:
            parse(data % flags)
        assert raised.value == c.ParseError("a1", "too many items in a list")


def test_sequence_set_resolves():
    command = parse(b"a1 FETCH 5:3,*,1 UID\r\n")
    assert command.numbers.resolve(10) == [(1, 1), (3, 5), (10, 10)]
