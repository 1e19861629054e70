"""Compliance: mailboxes (RFC 3501 5.1, 6.3.3-6.3.9). LIST and LSUB wildcards ("%"
against "*", the reference argument, INBOX in any case), hierarchy and CHILDREN (RFC
3348), LIST-EXTENDED and SPECIAL-USE (RFC 5258, 6154), CREATE/DELETE/RENAME including the
INBOX rename, SUBSCRIBE, NAMESPACE (RFC 2342) and QUOTA (RFC 9208)."""

from __future__ import annotations

import pytest
from support.imapwire import connect, fast_passwords  # noqa: F401 (autouse)
from support.messages import message

from mailcore.models import Account

DEFAULTS = ["INBOX", "Archive", "Deleted Items", "Drafts", "Junk Email", "Sent Items"]
MINE = ["Pro Forma", "Projects", "Projects/2026", "Projects/2026/Q1", "Projects/Old", "Travel"]
ALL = [DEFAULTS[0], *sorted(DEFAULTS[1:] + MINE)]  # as LIST sends them: INBOX first


@pytest.fixture
def wire(plain_imap, mailbox):
    with connect(plain_imap.imap_port) as w:
        for name in ("Projects/2026/Q1", "Projects/Old", "Pro Forma", "Travel"):
            w.command(f'CREATE "{name}"').ok()  # superiors are created too (6.3.3)
        yield w


def listing(wire, *args: str, verb: str = "LIST") -> dict[str, list[str]]:
    """Mailbox name -> attributes, in the order sent."""
    lines = wire.command(f"{verb} " + " ".join(args)).ok().untagged(verb)
    for line in lines:
        assert line.value[1] == b"/"
    return {line.value[2].decode(): line.value[0] for line in lines}


@pytest.mark.parametrize(
    ("reference", "pattern", "expected"),
    [
        ('""', "*", ALL),
        ('""', "%", ["INBOX", *sorted([*DEFAULTS[1:], "Pro Forma", "Projects", "Travel"])]),
        ('""', "Projects/%", ["Projects/2026", "Projects/Old"]),
        ('""', "Projects/*", ["Projects/2026", "Projects/2026/Q1", "Projects/Old"]),
        ('"Projects/"', "%", ["Projects/2026", "Projects/Old"]),  # reference + pattern
        ('"Projects/"', "*", ["Projects/2026", "Projects/2026/Q1", "Projects/Old"]),
        ('"Projects"', '"/%"', ["Projects/2026", "Projects/Old"]),
        (
            '""',
            "Pro*",
            ["Pro Forma", "Projects", "Projects/2026", "Projects/2026/Q1", "Projects/Old"],
        ),
        ('""', "Pro%", ["Pro Forma", "Projects"]),
        ('""', "%/%", ["Projects/2026", "Projects/Old"]),
        ('""', "*/Q1", ["Projects/2026/Q1"]),
        ('""', "*e*", [n for n in ALL if "e" in n]),  # case-sensitive but for INBOX
        ('""', "inbox", ["INBOX"]),  # 5.1: INBOX in any case
        ('""', "InBoX", ["INBOX"]),
        ('""', "Travel", ["Travel"]),
        ('""', "travel", []),  # other names are case-sensitive
        ('""', "Nothing*", []),
    ],
)
def test_list_patterns(wire, reference, pattern, expected):
    assert list(listing(wire, reference, pattern)) == expected


def test_list_children_and_special_use(wire):
    found = listing(wire, '""', "*")
    assert found["Projects"] == ["\\HasChildren"]
    assert found["Projects/2026"] == ["\\HasChildren"]
    assert found["Projects/Old"] == ["\\HasNoChildren"]
    # RFC 6154: special-use attributes, sent with every LIST as Dovecot does.
    assert found["Sent Items"] == ["\\HasNoChildren", "\\Sent"]
    assert found["Deleted Items"] == ["\\HasNoChildren", "\\Trash"]
    wire.command('DELETE "Projects/2026/Q1"').ok()
    assert listing(wire, '""', "Projects/2026")["Projects/2026"] == ["\\HasNoChildren"]


def test_list_root_and_delimiter(wire):
    # 6.3.8: an empty pattern asks for the delimiter and the root of the reference.
    for reference in ('""', '"Projects/"'):
        (line,) = wire.command(f'LIST {reference} ""').ok().untagged("LIST")
        assert line.raw == b'* LIST (\\Noselect) "/" ""\r\n'


def test_list_extended_and_special_use_selection(wire):
    wire.command("UNSUBSCRIBE Travel").ok()
    special = listing(wire, "(SPECIAL-USE)", '""', "*")
    assert set(special) == {"Archive", "Deleted Items", "Drafts", "Junk Email", "Sent Items"}
    subscribed = listing(wire, "(SUBSCRIBED)", '""', "*")
    assert "Travel" not in subscribed and all("\\Subscribed" in a for a in subscribed.values())
    returned = listing(wire, '""', "*", "RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)")
    assert "\\Subscribed" not in returned["Travel"] and "\\Subscribed" in returned["Projects"]
    # RFC 5258 3.5: RECURSIVEMATCH lists an unsubscribed parent of a subscribed mailbox,
    # with CHILDINFO.
    wire.command('UNSUBSCRIBE "Projects"').ok()
    lines = wire.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"').ok().untagged("LIST")
    (parent,) = [line for line in lines if line.value[2] == b"Projects"]
    assert parent.raw.endswith(b' "Projects" ("CHILDINFO" ("SUBSCRIBED"))\r\n')
    assert "\\Subscribed" not in parent.value[0]
    assert "Projects" not in listing(wire, "(SUBSCRIBED)", '""', "%")
    several = listing(wire, '""', '("INBOX" "Projects/%")')  # RFC 5258: several patterns
    assert list(several) == ["INBOX", "Projects/2026", "Projects/Old"]
    assert wire.command('LIST (BOGUS) "" *').status == "BAD"
    assert wire.command('LIST "" * RETURN (BOGUS)').status == "BAD"


def test_lsub_and_the_percent_rule(wire):
    for name in ("Projects", "Projects/2026", "Projects/Old", "Pro Forma"):
        wire.command(f'UNSUBSCRIBE "{name}"').ok()
    assert "Projects/2026/Q1" in listing(wire, '""', "*", verb="LSUB")
    # 6.3.9: "foo/bar" subscribed but not "foo": LSUB "%" returns foo, \Noselect.
    top = listing(wire, '""', "%", verb="LSUB")
    assert top["Projects"] == ["\\Noselect"] and "Pro Forma" not in top
    assert listing(wire, '""', "Projects/%", verb="LSUB") == {"Projects/2026": ["\\Noselect"]}
    assert listing(wire, '""', "Projects/*", verb="LSUB") == {
        "Projects/2026/Q1": ["\\HasNoChildren"]
    }
    wire.command('SUBSCRIBE "Projects"').ok()
    assert listing(wire, '""', "%", verb="LSUB")["Projects"] == ["\\HasChildren"]


def test_a_subscription_outlives_its_mailbox(wire):
    # 6.3.6: the server "MUST NOT unilaterally remove an existing mailbox name from the
    # subscription list even if a mailbox by that name no longer exists".
    wire.command("DELETE Travel").ok()
    assert listing(wire, '""', "*", verb="LSUB")["Travel"] == []  # plain: see 6.3.9
    assert "Travel" not in listing(wire, '""', "*")
    # RFC 5258 3: LIST (SUBSCRIBED) gives it \NonExistent (which implies \Noselect).
    assert listing(wire, "(SUBSCRIBED)", '""', "T*") == {
        "Travel": ["\\NonExistent", "\\Subscribed"]
    }
    assert "Travel" not in listing(wire, '""', "*", "RETURN (SUBSCRIBED)")
    assert wire.command("SELECT Travel").status == "NO"
    # Re-created, it is the same subscribed name.
    wire.command("CREATE Travel").ok()
    assert listing(wire, '""', "Travel", verb="LSUB") == {"Travel": ["\\HasNoChildren"]}
    wire.command("DELETE Travel").ok()
    # The name alone unsubscribes it; then it is gone for good.
    wire.command("UNSUBSCRIBE Travel").ok()
    assert "Travel" not in listing(wire, '""', "*", verb="LSUB")
    response = wire.command("UNSUBSCRIBE Travel")
    assert (response.status, response.code) == ("NO", "NONEXISTENT")


def test_a_deleted_parent_of_a_subscribed_name(wire):
    # Projects/Old deleted while subscribed, then Projects/2026 and Projects: "Projects"
    # is no mailbox, its subscribed descendant is. RFC 5258 3: with RECURSIVEMATCH and a
    # pattern the descendant does not match, "Projects" is listed \NonExistent with
    # CHILDINFO; with "*" the descendant is listed itself and "Projects" is not.
    for name in ("Projects/Old", "Projects/2026/Q1", "Projects/2026"):
        wire.command(f'DELETE "{name}"').ok()
    wire.command("UNSUBSCRIBE Projects").ok()
    wire.command("DELETE Projects").ok()
    for name in ("Projects/2026/Q1", "Projects/2026"):
        wire.command(f'UNSUBSCRIBE "{name}"').ok()
    lines = wire.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"').ok().untagged("LIST")
    (parent,) = [line for line in lines if line.value[2] == b"Projects"]
    assert parent.raw == b'* LIST (\\NonExistent) "/" "Projects" ("CHILDINFO" ("SUBSCRIBED"))\r\n'
    everything = listing(wire, "(SUBSCRIBED RECURSIVEMATCH)", '""', "*")
    assert "Projects" not in everything
    assert everything["Projects/Old"] == ["\\NonExistent", "\\Subscribed"]
    assert listing(wire, '""', "%", verb="LSUB")["Projects"] == ["\\Noselect"]  # 6.3.9


def test_rename_takes_subscriptions_along(wire):
    wire.command('UNSUBSCRIBE "Projects/Old"').ok()
    wire.command('RENAME "Projects" "Work/Projects"').ok()
    subscribed = listing(wire, '""', "*", verb="LSUB")
    assert {"Work/Projects", "Work/Projects/2026", "Work/Projects/2026/Q1"} <= set(subscribed)
    assert "Work/Projects/Old" not in subscribed
    assert not [name for name in subscribed if name.startswith("Projects")]


@pytest.mark.parametrize(
    ("command", "status", "code"),
    [
        ("CREATE Travel", "NO", "ALREADYEXISTS"),
        ("CREATE INBOX", "NO", "ALREADYEXISTS"),
        ("CREATE inbox", "NO", "ALREADYEXISTS"),
        ('CREATE ""', "NO", "CANNOT"),
        ('CREATE "a//b"', "NO", "CANNOT"),
        ('CREATE "&Jjo"', "BAD", None),  # not modified UTF-7
        ("DELETE Nowhere", "NO", "NONEXISTENT"),
        ("DELETE INBOX", "NO", "CANNOT"),
        ("DELETE Projects", "NO", "INUSE"),  # has inferiors; refusing is allowed (6.3.4)
        ("RENAME Nowhere Else", "NO", "NONEXISTENT"),
        ("RENAME Travel Projects", "NO", "ALREADYEXISTS"),
        ("RENAME Travel INBOX", "NO", "ALREADYEXISTS"),
        ('RENAME Projects "Projects/Inside"', "NO", "CANNOT"),
        ("SUBSCRIBE Nowhere", "NO", "NONEXISTENT"),  # may be validated (6.3.6)
    ],
)
def test_mailbox_refusals(wire, command, status, code):
    response = wire.command(command)
    assert (response.status, response.code) == (status, code)
    assert list(listing(wire, '""', "*")) == ALL


def test_create_names(wire):
    wire.command('CREATE "New/"').ok()  # 6.3.3: a trailing delimiter names a parent-to-be
    wire.command('CREATE "&AMk-t&AOk-"').ok()  # "Été" in modified UTF-7
    wire.command('CREATE "Say \\"hi\\" \\\\ bye"').ok()
    wire.command("CREATE NIL").ok()
    wire.command("CREATE 123").ok()
    found = wire.command('LIST "" *').ok()
    raw = found.raw
    assert b'"/" "New"\r\n' in raw and b'"/" "&AMk-t&AOk-"\r\n' in raw
    assert b'"/" "Say \\"hi\\" \\\\ bye"\r\n' in raw
    # Names that look like other tokens are quoted, never bare (9: mailbox is astring).
    assert b'"/" "NIL"\r\n' in raw and b'"/" "123"\r\n' in raw


def test_rename_moves_inferiors_and_creates_superiors(wire):
    wire.command("RENAME Projects Work").ok()
    wire.command('RENAME Travel "Trips/2026"').ok()
    names = list(listing(wire, '""', "*"))
    assert {"Work", "Work/2026", "Work/2026/Q1", "Work/Old", "Trips", "Trips/2026"} <= set(names)
    assert not {"Projects", "Projects/Old", "Travel"} & set(names)


def test_renaming_inbox_moves_its_messages_and_leaves_it_empty(wire, mailbox, plain_imap):
    _, put = mailbox
    put(message(1), message(2))
    wire.command('CREATE "INBOX/Sub"').ok()
    before = wire.command("STATUS INBOX (UIDVALIDITY UIDNEXT)").ok().untagged("STATUS")[0]
    with connect(plain_imap.imap_port) as watcher:
        watcher.select().ok()
        wire.command('RENAME INBOX "Old Mail"').ok()
        # 6.3.5: the messages move to the new mailbox; INBOX stays, empty; its
        # inferiors are unaffected.
        heard = watcher.command("NOOP").ok()
        assert len(heard.untagged("EXPUNGE")) == 2
    names = listing(wire, '""', "*")
    assert "INBOX" in names and "Old Mail" in names and "INBOX/Sub" in names
    after = wire.command("STATUS INBOX (MESSAGES UIDVALIDITY UIDNEXT)").ok().untagged("STATUS")
    assert after[0].value[1]["MESSAGES"] == 0
    assert after[0].value[1]["UIDVALIDITY"] == before.value[1]["UIDVALIDITY"]
    assert after[0].value[1]["UIDNEXT"] >= before.value[1]["UIDNEXT"]  # UIDs never reused
    wire.select("Old Mail").ok()
    data = wire.command("FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]").ok().fetch()
    assert [d["BODY[HEADER.FIELDS (SUBJECT)]"] for d in data.values()] == [
        b"Subject: message 1\r\n\r\n",
        b"Subject: message 2\r\n\r\n",
    ]


def test_deleting_the_selected_mailbox(wire, plain_imap):
    wire.command("SELECT Travel").ok()
    # The session's own selected mailbox: closed first, as Dovecot does; the client gets
    # its tagged OK and is back in the authenticated state.
    response = wire.command("DELETE Travel").ok()
    assert response.untagged() == []
    assert wire.command("FETCH 1 FLAGS").status == "BAD"
    wire.command("NOOP").ok()
    # Another session's selected mailbox: that session is told BYE (as Dovecot does).
    wire.command("SELECT Archive").ok()
    with connect(plain_imap.imap_port) as other:
        other.command("CREATE Gone").ok()
        wire.command("SELECT Gone").ok()
        other.command("DELETE Gone").ok()
    response = wire.command("NOOP")
    assert [line.name for line in response.lines] == ["BYE"] and wire.closed()


def test_namespace(wire):
    (line,) = wire.command("NAMESPACE").ok().untagged("NAMESPACE")
    assert line.raw == b'* NAMESPACE (("" "/")) NIL NIL\r\n'


def test_quota_without_and_with_a_limit(wire, mailbox):
    alice, put = mailbox
    # No limit: INBOX has no quota root (RFC 9208 9: a QUOTA response lists at least
    # one resource, and a resource has a limit).
    response = wire.command("GETQUOTAROOT INBOX").ok()
    assert [line.raw for line in response.untagged()] == [b'* QUOTAROOT "INBOX"\r\n']
    assert wire.command('GETQUOTA ""').code == "NONEXISTENT"
    Account.objects.filter(pk=alice.pk).update(quota_bytes=10 * 1024 * 1024)
    put(b"x" * 3000)
    response = wire.command("GETQUOTAROOT INBOX").ok()
    assert [line.raw for line in response.untagged()] == [
        b'* QUOTAROOT "INBOX" ""\r\n',
        b'* QUOTA "" (STORAGE 3 10240)\r\n',
    ]
    assert wire.command('GETQUOTA ""').ok().untagged("QUOTA")[0].value == (
        b"",
        [("STORAGE", 3, 10240)],
    )
    assert wire.command('SETQUOTA "" (STORAGE 1)').code == "NOPERM"
    assert wire.command("GETQUOTAROOT Nowhere").code == "NONEXISTENT"
