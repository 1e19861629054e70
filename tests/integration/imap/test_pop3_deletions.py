"""POP3 and IMAP on one mailbox: deletions made by a POP3 session at QUIT reach a
concurrent IMAP session as EXPUNGE (issue 5's acceptance, RFC 1939 UPDATE state)."""

from __future__ import annotations

import poplib

from imapclient import IMAPClient
from support.listeners import client_tls, running
from support.messages import message

from mailcore.pop3 import server as pop3_server


def test_imap_session_sees_pop3_deletions(imap_ports, imap_config, mailbox):
    _, put = mailbox
    put(message(1), message(2), message(3))
    config, tls = imap_config
    imap = IMAPClient("127.0.0.1", port=config.imaps_port, ssl=True, ssl_context=client_tls())
    imap.login("alice@example.test", "alice-pw")
    imap.select_folder("INBOX")
    with running(pop3_server.pop3s(config, tls)):
        pop = poplib.POP3_SSL("127.0.0.1", config.pop3s_port, context=client_tls())
        pop.user("alice@example.test")
        pop.pass_("alice-pw")
        pop.dele(1)
        pop.dele(3)
        # Nothing happens before QUIT (RFC 1939 UPDATE state).
        assert imap.noop()[1] == []
        pop.quit()
    untagged = imap.noop()[1]
    assert (3, b"EXPUNGE") in untagged and (1, b"EXPUNGE") in untagged
    assert imap.search() == [2]  # IMAPClient speaks UIDs: message 2 kept its UID
    assert imap.fetch([2], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])[2][
        b"BODY[HEADER.FIELDS (SUBJECT)]"
    ].startswith(b"Subject: message 2")
    imap.logout()
