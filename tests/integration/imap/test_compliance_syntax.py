"""Compliance: the connection itself. Greeting and capabilities, every command in every
state, malformed input, limits, literals in any argument position, AUTHENTICATE PLAIN
(RFC 4959 SASL-IR), STARTTLS and LOGOUT (RFC 3501 6.1, 6.2, 7.1, 9; RFC 7888)."""

from __future__ import annotations

import base64
import random

import pytest
from support.imapwire import (  # noqa: F401 (fast_passwords: autouse)
    ALICE,
    Lit,
    MailboxView,
    Wire,
    connect,
    fast_passwords,
)
from support.messages import message

PLAIN = base64.b64encode(b"\0alice@example.test\0alice-pw").decode()

# A command of each kind, well formed, for the state checks.
NOT_AUTHENTICATED_ONLY = ["LOGIN a b", "AUTHENTICATE PLAIN", "STARTTLS"]
AUTHENTICATED = [
    "SELECT INBOX",
    "EXAMINE INBOX",
    "CREATE x",
    "DELETE x",
    "RENAME x y",
    "SUBSCRIBE INBOX",
    "UNSUBSCRIBE INBOX",
    'LIST "" *',
    'LSUB "" *',
    "STATUS INBOX (MESSAGES)",
    "APPEND INBOX {1+}\r\nx",
    "NAMESPACE",
    "ENABLE CONDSTORE",
    "GETQUOTAROOT INBOX",
    "IDLE",
]
SELECTED = [
    "CHECK",
    "CLOSE",
    "UNSELECT",
    "EXPUNGE",
    "SEARCH ALL",
    "FETCH 1 FLAGS",
    "STORE 1 +FLAGS (\\Seen)",
    "COPY 1 INBOX",
    "MOVE 1 INBOX",
    "UID FETCH 1 FLAGS",
    "UID SEARCH ALL",
    "UID STORE 1 FLAGS ()",
    "UID COPY 1 INBOX",
    "UID MOVE 1 INBOX",
    "UID EXPUNGE 1",
]


@pytest.fixture
def wire(plain_imap, mailbox):
    with connect(plain_imap.imap_port, login=False) as w:
        yield w


def test_greeting_and_capability(wire):
    # RFC 3501 7.1.1: the greeting may carry CAPABILITY; CAPABILITY answers with exactly
    # one untagged CAPABILITY listing IMAP4rev1, then OK.
    assert wire.greeting.code == "CAPABILITY"
    caps = wire.greeting.code_args.split()
    assert caps[0] == b"IMAP4rev1" and b"AUTH=PLAIN" in caps and b"LITERAL+" in caps
    response = wire.command("CAPABILITY").ok()
    (line,) = response.untagged()
    assert line.name == "CAPABILITY" and [c.encode() for c in line.value] == [
        c.upper() for c in caps
    ]
    wire.login()
    after = wire.command("CAPABILITY").ok().untagged("CAPABILITY")[0].value
    assert {"UIDPLUS", "MOVE", "IDLE", "CONDSTORE", "NAMESPACE"} <= set(after)
    assert not {"STARTTLS", "AUTH=PLAIN", "LOGINDISABLED"} & set(after)


def test_commands_in_the_wrong_state_are_refused_without_changing_it(wire, mailbox):
    _, put = mailbox
    put(message(1))
    for command in AUTHENTICATED + SELECTED:
        response = wire.command(command)
        assert response.status == "BAD", response.raw  # nothing is executed
    wire.login()
    for command in NOT_AUTHENTICATED_ONLY + SELECTED:
        assert wire.command(command).status == "BAD"
    wire.select().ok()
    for command in NOT_AUTHENTICATED_ONLY:
        assert wire.command(command).status == "BAD"
    # Still selected, with the message untouched.
    assert wire.command("FETCH 1 FLAGS").ok().fetch() == {1: {"FLAGS": ["\\Recent"]}}


def test_commands_valid_in_every_state(wire):
    for enter_next_state in (wire.login, wire.select, lambda: None):
        for command in ("CAPABILITY", "NOOP", 'ID ("name" "compliance")', "ID NIL"):
            wire.command(command).ok()
        enter_next_state()
    assert wire.command("ID NIL").ok().untagged("ID")[0].value[0] == (b"name", b"webmail")


@pytest.mark.parametrize(
    "command",
    [
        b"NOOP extra",
        b"FROB",
        b"LOGIN onlyuser",
        b"LOGIN  two spaces",
        b"SELECT",
        b'LIST ""',
        b"STATUS INBOX MESSAGES",
        b"STATUS INBOX (MESSAGES",
        b"STATUS INBOX (BOGUS)",
        b"FETCH 1 (FLAGS",
        b"FETCH 1 FLAGS)",
        b"FETCH 1 (FLAGS))",
        b"FETCH 0 FLAGS",
        b"FETCH 1:0 FLAGS",
        b"FETCH 1,,2 FLAGS",
        b"FETCH 1 BODY[1",
        b"FETCH 1 BODY[MIME]",
        b"FETCH 1 BODY[]<1>",
        b"FETCH 1 BINARY[1]",
        b"FETCH 1 BOGUS",
        b"STORE 1 +FLAGS (\\Seen",
        b"STORE 1 FLAGZ (\\Seen)",
        b"SEARCH (ALL",
        b"SEARCH ALL)",
        b"SEARCH BOGUS",
        b"SEARCH OR ALL",
        b"SEARCH NOT",
        b"SEARCH BEFORE 32-Jan-2020",
        b"SEARCH LARGER x",
        b'SEARCH SUBJECT "unterminated',
        b"UID",
        b"UID FROB 1",
        b'APPEND INBOX "1-Foo-2020 00:00:00 +0000" {1+}\r\nx',
        b"ENABLE",
        b"a",
    ],
)
def test_malformed_commands_get_bad_and_the_connection_goes_on(wire, command):
    wire.login()
    wire.select().ok()
    response = wire.command(command)
    assert response.status == "BAD", response.raw
    wire.command("NOOP").ok()


def test_lines_without_a_usable_tag_get_an_untagged_bad(wire):
    for raw in (b"\r\n", b"*\r\n", b"+ NOOP\r\n", b"(x NOOP\r\n", b"a\x00b NOOP\r\n"):
        wire.send(raw)
        line = wire.read_line()
        assert (line.kind, line.tag, line.name) == ("untagged", None, "BAD"), (raw, line.raw)
    wire.command("NOOP").ok()


def test_commands_and_keywords_are_case_insensitive(wire, mailbox):
    _, put = mailbox
    put(message(1))
    wire.command("login ", f'"{ALICE[0]}" {ALICE[1]}').ok()
    assert wire.command("sElEcT inbox").ok().tagged.code == "READ-WRITE"
    fetched = wire.command("uid fetch 1:* (flags body.peek[header.fields (subject)])").ok()
    assert fetched.fetch()[1]["BODY[HEADER.FIELDS (SUBJECT)]"] == b"Subject: message 1\r\n\r\n"
    assert wire.command("search subject MESSAGE").ok().search() == [1]


def test_too_many_bad_commands_end_the_connection_with_bye(wire):
    # Like Dovecot: a client sending only garbage is told BYE and disconnected.
    for n in range(19):
        assert wire.command("FROB").status == "BAD", n
    assert wire.command("FROB").status == "BAD"
    assert wire.read_line().name == "BYE" and wire.closed()


def test_a_line_over_the_limit_gets_bad_and_the_next_command_works(wire):
    wire.login()
    response = wire.command(b"SEARCH SUBJECT " + b"x" * 70_000)
    assert response.status == "BAD" and response.tagged.tag == response.tag
    wire.command("NOOP").ok()


def test_a_huge_synchronizing_literal_is_refused_before_it_is_sent(wire):
    # No "+" continuation: the client never sends the octets (RFC 7888 4, [TOOBIG]).
    wire.login()
    wire.send(b"big APPEND INBOX {999999999}\r\n")
    line = wire.read_line()
    assert (line.tag, line.name, line.code) == ("big", "NO", "TOOBIG")
    wire.command("NOOP").ok()


def test_a_huge_nonsynchronizing_literal_is_read_away_and_refused(plain_imap, mailbox, settings):
    settings.MAIL_MAX_MESSAGE_SIZE = 1000  # read when the connection opens
    with connect(plain_imap.imap_port) as small:
        response = small.command("APPEND INBOX ", Lit(b"y" * 3000, plus=True))
        assert (response.status, response.code) == ("NO", "TOOBIG")
        small.command("NOOP").ok()
        assert small.command("STATUS INBOX (MESSAGES)").ok().untagged("STATUS")[0].value == (
            b"INBOX",
            {"MESSAGES": 0},
        )
        # Too large even to read away (over 4 times the limit): BYE, then the end.
        response = small.command("APPEND INBOX ", Lit(b"y" * 5000, plus=True))
        assert (response.status, response.code) == ("NO", "TOOBIG")
        assert small.read_line().name == "BYE" and small.closed()


def test_nul_and_8bit_octets_in_commands(wire, plain_imap):
    wire.login()
    for bad in (
        (b"SELECT IN\x00BOX",),
        (b'SELECT "IN\x00BOX"',),
        (b"SELECT \xc3\x9cber",),
        (b"STATUS ", Lit(b"IN\x00OX"), b" (MESSAGES)"),
        (b"FETCH\x00 1 FLAGS",),
    ):
        response = wire.command(*bad)
        assert response.status == "BAD", (bad, response.raw)
        wire.command("NOOP").ok()
    # 8-bit inside a quoted string is refused as a name (not modified UTF-7), not a crash.
    assert wire.command('CREATE "\xc3\x9cber"'.encode("latin-1")).status in ("BAD", "NO")
    # UTF-8 in a LOGIN string is just a wrong user name.
    with Wire(plain_imap.imap_port) as other:
        response = other.command('LOGIN "\xc3\xa5lice" x'.encode("latin-1"))
        assert (response.status, response.code) == ("NO", "AUTHENTICATIONFAILED")


@pytest.mark.parametrize("plus", [False, True], ids=["synchronizing", "LITERAL+"])
def test_literals_in_any_argument_position(wire, mailbox, plus):
    _, put = mailbox
    put(message(1))

    def lit(data: str | bytes) -> Lit:
        return Lit(data.encode() if isinstance(data, str) else data, plus)

    wire.command("LOGIN ", lit(ALICE[0]), " ", lit(ALICE[1])).ok()
    wire.command("CREATE ", lit("Lit Box")).ok()
    wire.command("RENAME ", lit("Lit Box"), " ", lit("Lit Box 2")).ok()
    wire.command("SUBSCRIBE ", lit("Lit Box 2")).ok()
    listed = wire.command("LIST ", lit(""), " ", lit("Lit*")).ok().untagged("LIST")
    assert [line.value[2] for line in listed] == [b"Lit Box 2"]
    status = wire.command("STATUS ", lit("Lit Box 2"), " (MESSAGES)").ok().untagged("STATUS")
    assert status[0].value == (b"Lit Box 2", {"MESSAGES": 0})
    wire.command("APPEND ", lit("Lit Box 2"), " (\\Seen) ", lit(message(2))).ok()
    wire.command("SELECT ", lit("INBOX")).ok()
    assert wire.command("SEARCH HEADER ", lit("Subject"), " ", lit("message 1")).ok().search() == [
        1
    ]
    fetched = wire.command("FETCH 1 BODY.PEEK[HEADER.FIELDS (", lit("Message-ID"), ")]").ok()
    assert fetched.fetch()[1]["BODY[HEADER.FIELDS (MESSAGE-ID)]"] == (
        b"Message-ID: <m1@example.test>\r\n\r\n"
    )
    wire.command("COPY 1 ", lit("Lit Box 2")).ok()
    assert wire.command("UNSELECT").ok()
    wire.command("DELETE ", lit("Lit Box 2")).ok()


def test_authenticate_plain_with_initial_response(wire):
    # RFC 4959: the initial response rides on the command; no "+" round trip.
    response = wire.command("AUTHENTICATE PLAIN " + PLAIN).ok()
    assert [line.kind for line in response.lines] == ["tagged"]
    assert response.code == "CAPABILITY"
    wire.select().ok()


def test_authenticate_plain_after_a_continuation(wire):
    first = wire.command("AUTHENTICATE PLAIN", tag="au")
    assert first.lines[-1].raw == b"+ \r\n"  # RFC 3501 7.5: an empty challenge
    wire.send(PLAIN.encode() + b"\r\n")
    assert wire.read_response("au").ok().code == "CAPABILITY"


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (b"*", "BAD"),  # RFC 3501 6.2.2: cancelled
        (b"not base64!", "BAD"),
        (b"=", "BAD"),  # an empty response is no PLAIN message
        (base64.b64encode(b"\0alice@example.test\0wrong"), "NO"),
    ],
)
def test_authenticate_cancelled_or_failed(wire, answer, status):
    assert wire.command("AUTHENTICATE PLAIN", tag="au").lines[-1].kind == "continuation"
    wire.send(answer + b"\r\n")
    response = wire.read_response("au")
    assert response.status == status, response.raw
    if status == "NO":
        assert response.code == "AUTHENTICATIONFAILED"
    # Not authenticated; the connection goes on.
    assert wire.command('LIST "" *').status == "BAD"
    wire.login()


def test_authenticate_refusals(wire):
    assert wire.command("AUTHENTICATE CRAM-MD5").status == "NO"
    assert wire.command("AUTHENTICATE PLAIN not!base64").status == "BAD"
    wire.command("AUTHENTICATE PLAIN " + PLAIN).ok()
    assert wire.command("AUTHENTICATE PLAIN " + PLAIN).status == "BAD"  # already in


@pytest.mark.parametrize("state", ["not authenticated", "authenticated", "selected"])
def test_logout_sends_bye_before_the_tagged_ok_and_closes(wire, state):
    if state != "not authenticated":
        wire.login()
    if state == "selected":
        wire.select().ok()
    response = wire.command("LOGOUT").ok()
    assert [line.name for line in response.lines] == ["BYE", "OK"]
    assert wire.closed()


def test_starttls_and_logindisabled(imap_ports, mailbox):
    # RFC 3501 6.2.1, 6.2.3: LOGIN is refused before TLS; after STARTTLS the capabilities
    # change and STARTTLS is not offered again.
    with Wire(imap_ports.imap_port) as wire:
        caps = wire.greeting.code_args.split()
        assert b"STARTTLS" in caps and b"LOGINDISABLED" in caps and b"AUTH=PLAIN" not in caps
        refused = wire.command("LOGIN ", f"{ALICE[0]} {ALICE[1]}")
        assert (refused.status, refused.code) == ("NO", "PRIVACYREQUIRED")
        assert wire.command("AUTHENTICATE PLAIN " + PLAIN).status == "NO"
        wire.starttls()
        caps = wire.command("CAPABILITY").ok().untagged("CAPABILITY")[0].value
        assert "AUTH=PLAIN" in caps and "STARTTLS" not in caps and "LOGINDISABLED" not in caps
        assert wire.command("STARTTLS").status == "BAD"
        wire.login()
        wire.select().ok()
    with Wire(imap_ports.imaps_port, tls=True) as wire:
        assert b"STARTTLS" not in wire.greeting.code_args
        wire.login()


def test_pipelined_commands_are_answered_in_order_with_their_tags(wire, mailbox):
    _, put = mailbox
    put(message(1), message(2))
    wire.login()
    # Any ASTRING-CHAR but "+" may be in a tag (9), "]" and "~" included.
    tags = ["p1", "x]y", "~t", "A.b-C_0", "007"]
    wire.send(
        b"p1 SELECT INBOX\r\nx]y FETCH 1 FLAGS\r\n~t STORE 2 +FLAGS (\\Seen)\r\n"
        b"A.b-C_0 SEARCH SEEN\r\n007 CHECK\r\n"
    )
    wire.view = MailboxView()  # the pipelined SELECT, as command() would do
    responses = [wire.read_response(tag) for tag in tags]
    assert [r.tagged.tag for r in responses] == tags
    assert all(r.status == "OK" for r in responses)
    assert responses[3].search() == [2]


VERBS = [
    "NOOP", "CAPABILITY", "CHECK", "FETCH", "UID FETCH", "STORE", "UID STORE", "SEARCH",
    "UID SEARCH", "COPY", "LIST", "LSUB", "STATUS", "SELECT", "EXAMINE", "EXPUNGE", "ID",
    "NAMESPACE", "GETQUOTAROOT", "CREATE", "RENAME", "SUBSCRIBE", "ENABLE", "FROB",
]  # fmt: skip
WORDS = [
    "1", "2", "*", "1:*", "3:1", "0", "4294967296", "INBOX", "Archive", '"a b"', "NIL", '""',
    "(", ")", "FLAGS", "+FLAGS.SILENT", "-FLAGS", "\\Seen", "\\Deleted", "$Kw", "(\\Seen)",
    "BODY[]", "BODY.PEEK[1.MIME]", "BODY[HEADER.FIELDS", "(SUBJECT)]", "<0.5>", "ENVELOPE",
    "BODYSTRUCTURE", "UID", "RFC822.SIZE", "ALL", "OR", "NOT", "SUBJECT", "x", "SINCE",
    "1-Jan-2020", "CHARSET", "UTF-8", "MODSEQ", "(CHANGEDSINCE", "1)", "(MESSAGES", "UNSEEN)",
    "%", "*/%", "CONDSTORE", "RETURN", "(MIN)", "\\", '"', "]", "\x00", "\xff", "\t",
]  # fmt: skip


def test_random_commands_always_get_a_well_formed_answer(wire, mailbox):
    # In the spirit of imaptest's random mode: commands built from real tokens in random
    # order. Every reply goes through the grammar; none may be a server error.
    _, put = mailbox
    put(message(1), message(2), message(3))
    wire.login()
    wire.select().ok()
    rng = random.Random(3501)  # 40 other seeds pass too; one is enough for every run
    for n in range(300):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 6))]
        line = " ".join([rng.choice(VERBS), *words]).encode("latin-1")
        response = wire.command(line)
        assert response.status in ("OK", "NO", "BAD"), (line, response.raw)
        assert response.code != "SERVERBUG", (line, response.raw)
        if n % 10 == 9:  # keep clear of the limit on consecutive bad commands
            wire.command("NOOP").ok()
    wire.command("LOGOUT").ok()
