"""The response-grammar checker of the compliance suite, checked itself: it accepts the
server lines of RFC 3501's own examples and rejects what section 9 does not allow, so a
suite that passes through it proves something."""

from __future__ import annotations

import pytest
from support.imapgrammar import GrammarError, check_line
from support.imapwire import MailboxView

# Server lines from RFC 3501 (section 8's sample session and the examples of 6 and 7).
RFC_EXAMPLES = [
    b"* OK IMAP4rev1 Service Ready",
    b"a001 OK LOGIN completed",
    b"* 18 EXISTS",
    b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)",
    b"* 2 RECENT",
    b"* OK [UNSEEN 17] Message 17 is the first unseen message",
    b"* OK [UIDVALIDITY 3857529045] UIDs valid",
    b"a002 OK [READ-WRITE] SELECT completed",
    b'* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 '
    b'ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" '
    b'"cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL '
    b'"imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" '
    b'NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" '
    b'"PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))',
    b"* 12 FETCH (BODY[HEADER] {342}\r\n" + b"x" * 340 + b"\r\n)",
    b"* 172 EXISTS",
    b"* 1 RECENT",
    b"* OK [UNSEEN 12] Message 12 is first unseen",
    b"* OK [UIDNEXT 4392] Predicted next UID",
    b"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited",
    b'* LIST (\\Noselect) "/" ""',
    b'* LIST (\\Noselect) "." #news.',
    b'* LIST () "." #news.comp.mail.misc',
    b'* LIST (\\Noselect) "/" ~/Mail/foo',
    b'* LSUB () "." #news.comp.mail.mime',
    b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)",
    b"* SEARCH 2 84 882",
    b"* SEARCH",
    b"* 3 EXPUNGE",
    b"* 23 FETCH (FLAGS (\\Seen) UID 4827313)",
    b'* 2 FETCH (BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))',
    b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED",
    b"* BYE IMAP4rev1 Server logging out",
    b"+ Ready for additional command text",
    b"+ YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP2CWY0SR0fAQAgAAQEBAQ=",
    b"+ ",
    b"A142 NO [TRYCREATE] no such mailbox",
    b"* BAD command unknown or arguments invalid",
    # Extensions we offer.
    b"a1 OK [APPENDUID 38505 3955] APPEND completed",
    b"a2 OK [COPYUID 38505 304,319:320 3956:3958] Done",
    b"* OK [HIGHESTMODSEQ 715194045007] Highest",
    b"a3 OK [MODIFIED 7,9] Conditional STORE failed",
    b"* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))",
    b"* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)",
    b'* ESEARCH (TAG "A283") UID MIN 7 MAX 3800 COUNT 15 ALL 7,10:12',
    b"* ENABLED CONDSTORE",
    b'* ID ("name" "Cyrus" "version" "1.5" "support-url" NIL)',
    b'* NAMESPACE (("" "/")) (("~" "/")) (("#shared/" "/")("#public/" "/"))',
    b'* QUOTA "" (STORAGE 10 512)',
    b'* QUOTAROOT INBOX ""',
    b"* QUOTAROOT INBOX",
    b'* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"',
    b'* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))',  # RFC 5258 5
    b"a4 NO [TOOBIG] literal too large",
]

VIOLATIONS = [
    (b"* OK", "resp-text needs text"),
    (b"* OK [UIDNEXT 12]", "text after a response code"),
    (b"* 0 EXPUNGE", "EXPUNGE of message 0"),
    (b"* 1 FETCH (UID 0)", "UID is a nz-number"),
    (b"* 1 FETCH ()", "an empty msg-att"),
    (b"* 1 FETCH (UID 1 UID 1)", "an item twice"),
    (b"* 1 FETCH (FLAGS (\\Seen)", "unbalanced parentheses"),
    (b"* 1 FETCH (FLAGS (\\Seen))  ", "trailing spaces"),
    (b'* 1 FETCH (INTERNALDATE "7-Jul-1996 02:44:25 -0700")', "unpadded day"),
    (b'* 1 FETCH (BODY[1] "\xc3\xa9")', "8-bit in a quoted string"),
    (b"* 1 FETCH (BODY[1] {3}\r\na\x00b)", "NUL in a literal"),
    (b"* 1 FETCH (BODY[1] {5}\r\nab)", "a short literal"),
    (b'* 1 FETCH (BODY ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 3 1 NIL NIL NIL NIL))', "ext in BODY"),
    (b'* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 3))', "no body-fld-lines"),
    (b"* FLAGS (\\Seen \\*)", "\\* outside PERMANENTFLAGS"),
    (b"* OK [PERMANENTFLAGS (\\Seen \\Recent)] x", "\\Recent as a permanent flag"),
    (b'* LIST (\\Noselect \\Marked) "/" x', "two selectability flags"),
    (b'* LIST (\\HasChildren \\HasNoChildren) "/" x', "children and none"),
    (b'* LIST () "//" x', "a two-character delimiter"),
    (b'* LIST () "/" "Caf\xc3\xa9"', "a name that is not modified UTF-7"),
    (b'* LIST () "/" "a&b"', "a lone & in a name"),
    (b"* CAPABILITY IMAP4 IDLE", "no IMAP4rev1"),
    (b"a1 OK [UIDVALIDITY 0] x", "UIDVALIDITY 0"),
    (b"a1 OK [FOO] x", "an unknown response code"),
    (b"a1 DONE fine", "a tagged response other than OK NO BAD"),
    (b"a+1 OK x", "'+' in a tag"),
    (b"* SEARCH 0", "SEARCH result 0"),
    (b"* SEARCH (MODSEQ 5)", "MODSEQ without results"),
    (b'* QUOTA "" ()', "a QUOTA response without resources (RFC 9208)"),
    (b"* OK [HIGHESTMODSEQ 0] x", "HIGHESTMODSEQ is a mod-sequence-value, 1 at least"),
    (b"* STATUS INBOX (MESSAGES 1 MESSAGES 2)", "a STATUS item twice"),
    (b"* NAMESPACE () NIL NIL", "an empty namespace list"),
    (b"* XYZZY", "an unknown response"),
    (b"* 1 EXISTS\n", "a bare LF"),
]


@pytest.mark.parametrize("line", RFC_EXAMPLES)
def test_the_rfc_examples_pass(line):
    check_line(line + b"\r\n")


@pytest.mark.parametrize(("line", "why"), VIOLATIONS, ids=[why for _, why in VIOLATIONS])
def test_violations_are_caught(line, why):
    with pytest.raises(GrammarError):
        check_line(line if line.endswith(b"\n") else line + b"\r\n")


def test_fetch_items_are_read_with_their_bytes():
    line = check_line(b"* 3 FETCH (UID 9 BODY[1.HEADER.FIELDS (A B)]<0> {2}\r\nhi FLAGS ())\r\n")
    assert line.number == 3 and line.value["UID"] == 9
    assert line.value["BODY[1.HEADER.FIELDS (A B)]<0>"] == b"hi"
    assert line.spans["BODY[1.HEADER.FIELDS (A B)]<0>"] == b"{2}\r\nhi"


def _view(*raws: bytes) -> MailboxView:
    view = MailboxView()
    for raw in raws:
        view.apply(check_line(raw + b"\r\n"))
    return view


def test_the_view_follows_numbers_and_uids():
    view = _view(b"* 3 EXISTS", b"* 1 FETCH (UID 4)", b"* 3 FETCH (UID 9)", b"* 2 EXPUNGE")
    assert view.exists == 2 and view.uids == [4, 9]
    for bad in (
        [b"* 3 EXISTS", b"* 2 EXISTS"],  # EXISTS may not shrink the mailbox (7.3.1)
        [b"* 3 EXISTS", b"* 4 EXPUNGE"],
        [b"* 3 EXISTS", b"* 4 FETCH (FLAGS ())"],
        [b"* 3 EXISTS", b"* 1 FETCH (UID 5)", b"* 2 FETCH (UID 5)"],  # UIDs ascend
        [b"* 3 EXISTS", b"* 1 FETCH (UID 5)", b"* 1 FETCH (UID 6)"],  # and stay put
    ):
        with pytest.raises(GrammarError):
            _view(*bad)
