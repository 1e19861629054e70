"""Relaying to a real (fake) remote MTA on loopback: byte-exact transfer over STARTTLS,
MX/A fallback, retries with backoff, and the DSNs that come back to the sender."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime

from django.db.models import F
from django.utils import timezone
from relay_helpers import RAW, dsns, inbox, make_due, rcpt, report_parts, travel

from mailcore import store
from mailcore.delivery import Recipient, enqueue
from mailcore.delivery.tasks import sweep_queue
from mailcore.models import QueuedMessage, QueueRecipient


def test_relay_is_byte_exact_over_starttls(remote, alice_tx):
    queued = enqueue(RAW, "alice@example.test", ["bob@remote.test"], source="submission")
    [got] = remote.received
    assert got.content == RAW
    assert (got.mail_from, got.rcpt_tos, got.tls) == (
        "alice@example.test",
        ["bob@remote.test"],
        True,
    )
    assert "BODY=8BITMIME" in got.mail_options and f"SIZE={len(RAW)}" in got.mail_options
    assert remote.sni == ["mx.remote.test"]  # TLS named the MX host, not its address
    row = rcpt("bob@remote.test")
    assert (row.state, row.attempts, row.last_error, row.next_attempt) == ("relayed", 1, "", None)
    assert QueuedMessage.objects.get() == queued  # no DSN: NOTIFY did not ask for success
    assert inbox(alice_tx) == []


def test_one_transaction_per_domain_and_local_first(remote, alice_tx, dns):
    store.create_account("carol@example.test", "pw")
    dns.add("other.test", "MX", "5 mx.remote.test.")
    enqueue(
        RAW,
        "alice@example.test",
        ["bob@remote.test", "carol@example.test", "dave@remote.test", "erin@other.test"],
    )
    assert sorted(r.rcpt_tos for r in remote.received) == [
        ["bob@remote.test", "dave@remote.test"],
        ["erin@other.test"],
    ]
    assert rcpt("carol@example.test").state == "delivered"
    assert set(QueueRecipient.objects.values_list("state", flat=True)) == {"relayed", "delivered"}


def test_temporary_failure_is_retried_by_the_sweep(remote, alice_tx):
    remote.data_failures = 1
    before = timezone.now()
    enqueue(RAW, "alice@example.test", ["bob@remote.test"])
    row = rcpt("bob@remote.test")
    assert (row.state, row.attempts) == ("deferred", 1)
    assert row.last_error == "451 4.3.0 temporary trouble, try again"
    # The first step of the schedule: 5 minutes.
    assert (
        before + timedelta(minutes=5) <= row.next_attempt <= timezone.now() + timedelta(minutes=5)
    )
    assert sweep_queue() == 0  # not due yet
    make_due()
    assert sweep_queue() == 1
    row = rcpt("bob@remote.test")
    assert (row.state, row.attempts, row.last_error) == ("relayed", 2, "")
    assert [r.content for r in remote.received] == [RAW]
    assert inbox(alice_tx) == []  # no delay notice before 4 hours


def test_backoff_follows_the_schedule(remote, alice_tx, relay_settings):
    relay_settings.MAIL_RETRY_SCHEDULE = "60,600"
    remote.rcpt_replies["bob@remote.test"] = "450 4.2.1 mailbox busy"
    enqueue(RAW, "alice@example.test", ["bob@remote.test"])
    waits = []
    for _ in range(3):
        row = rcpt("bob@remote.test")
        waits.append(round((row.next_attempt - row.updated).total_seconds()))
        make_due()
        sweep_queue()
    assert waits == [60, 600, 600]
    assert rcpt("bob@remote.test").attempts == 4


def test_permanent_failure_sends_a_failure_dsn(remote, alice_tx):
    remote.rcpt_replies["nobody@remote.test"] = "550 5.1.1 <nobody@remote.test>: no such user"
    enqueue(
        RAW,
        "alice@example.test",
        [Recipient("nobody@remote.test", orcpt="rfc822;Nobody@Remote.test"), "bob@remote.test"],
        envid="ENV-42",
        ret="HDRS",
    )
    assert rcpt("nobody@remote.test").state == "failed"
    assert rcpt("nobody@remote.test").last_error.startswith("550 5.1.1")
    assert rcpt("bob@remote.test").state == "relayed"
    assert remote.received[0].rcpt_tos == ["bob@remote.test"]
    [dsn] = dsns(alice_tx)
    assert dsn["From"] == "Mail Delivery System <MAILER-DAEMON@mx.example.test>"
    assert dsn["To"] == "alice@example.test"
    assert dsn["Auto-Submitted"] == "auto-replied"
    text, per_message, [failed], returned = report_parts(dsn)
    assert "could not be delivered" in text
    assert "<nobody@remote.test>: mx.remote.test said: 550 5.1.1" in text
    assert "no such user" in text and "Subject of your message: Lunch" in text
    assert per_message["Reporting-MTA"] == "dns; mx.example.test"
    assert per_message["Original-Envelope-Id"] == "ENV-42"
    assert per_message["Arrival-Date"]
    assert failed["Final-Recipient"] == "rfc822; nobody@remote.test"
    assert failed["Original-Recipient"] == "rfc822; Nobody@Remote.test"
    assert failed["Action"] == "failed"
    assert failed["Status"] == "5.1.1"
    assert failed["Remote-MTA"] == "dns; mx.remote.test"
    assert failed["Diagnostic-Code"] == "smtp; 550 5.1.1 <nobody@remote.test>: no such user"
    assert failed["Last-Attempt-Date"]
    assert returned.get_content_type() == "text/rfc822-headers"
    assert "Subject: Lunch" in returned.get_content()
    assert "leading dot" not in returned.get_content()
    # The DSN itself went through the queue with a null sender.
    notice = QueuedMessage.objects.get(source="dsn")
    assert notice.mail_from == ""
    assert notice.recipients.get().state == "delivered"


def test_ret_full_returns_the_whole_message(remote, alice_tx):
    remote.data_reply = "554 5.6.0 content rejected"
    enqueue(RAW, "alice@example.test", ["bob@remote.test"], ret="FULL")
    [dsn] = dsns(alice_tx)
    _, per_message, [failed], returned = report_parts(dsn)
    assert "Original-Envelope-Id" not in per_message
    assert "Original-Recipient" not in failed
    assert (failed["Status"], failed["Diagnostic-Code"]) == (
        "5.6.0",
        "smtp; 554 5.6.0 content rejected",
    )
    assert returned.get_content_type() == "message/rfc822"
    [original] = returned.iter_parts()
    assert original["Subject"] == "Lunch"
    assert "leading dot" in original.get_content()


def test_delay_dsn_once_after_four_hours(remote, alice_tx):
    remote.rcpt_replies["bob@remote.test"] = "451 4.2.0 greylisted, come back later"
    enqueue(RAW, "alice@example.test", ["bob@remote.test"])
    assert inbox(alice_tx) == []
    travel(timedelta(hours=5))
    make_due()
    sweep_queue()
    [dsn] = dsns(alice_tx)
    assert dsn["Subject"].startswith("Delayed Mail")
    text, _, [delayed], returned = report_parts(dsn)
    assert "not been delivered yet" in text and "greylisted" in text
    assert (delayed["Action"], delayed["Status"]) == ("delayed", "4.2.0")
    assert delayed["Diagnostic-Code"] == "smtp; 451 4.2.0 greylisted, come back later"
    assert delayed["Will-Retry-Until"]
    assert returned.get_content_type() == "text/rfc822-headers"
    make_due()
    sweep_queue()
    make_due()
    sweep_queue()
    assert len(inbox(alice_tx)) == 1  # once, not at every attempt
    assert rcpt("bob@remote.test").attempts == 4


def test_first_attempt_after_four_hours_sends_the_delay_notice(remote, alice_tx, relay_settings):
    relay_settings.MAIL_RELAY_PORT = 1  # nothing listens: connection refused
    queued = enqueue(RAW, "alice@example.test", ["bob@remote.test"], schedule=False)
    QueuedMessage.objects.filter(pk=queued.pk).update(created=F("created") - timedelta(hours=5))
    sweep_queue()
    row = rcpt("bob@remote.test")
    assert row.state == "deferred" and row.last_error.startswith("451 4.4.1 connection failed")
    [dsn] = dsns(alice_tx)
    _, _, [delayed], _ = report_parts(dsn)
    assert (delayed["Action"], delayed["Status"]) == ("delayed", "4.4.1")
    assert "Remote-MTA" not in delayed


def test_expiry_turns_into_a_failure(remote, alice_tx):
    remote.rcpt_replies["bob@remote.test"] = "452 4.2.2 over quota"
    enqueue(RAW, "alice@example.test", ["bob@remote.test"])
    travel(timedelta(days=5, minutes=1))
    make_due()
    sweep_queue()
    row = rcpt("bob@remote.test")
    assert (row.state, row.last_error) == ("failed", "452 4.2.2 over quota")
    [dsn] = dsns(alice_tx)  # the failure only: expiry wins over the delay notice
    text, _, [failed], _ = report_parts(dsn)
    assert (failed["Action"], failed["Status"]) == ("failed", "4.4.7")
    assert failed["Diagnostic-Code"] == "smtp; 452 4.2.2 over quota"
    assert "expired" in text
    assert sweep_queue() == 0


def test_notify_never_and_success(remote, alice_tx):
    remote.rcpt_replies["nobody@remote.test"] = "550 5.1.1 no such user"
    enqueue(
        RAW,
        "alice@example.test",
        [
            Recipient("nobody@remote.test", notify="NEVER"),
            Recipient("bob@remote.test", notify="SUCCESS,FAILURE"),
        ],
    )
    assert rcpt("nobody@remote.test").state == "failed"
    [dsn] = dsns(alice_tx)  # only the success one
    _, _, [relayed], returned = report_parts(dsn)
    # aiosmtpd does not offer DSN, so we say "relayed" (RFC 3461 5.2.2).
    assert (relayed["Final-Recipient"], relayed["Action"]) == ("rfc822; bob@remote.test", "relayed")
    assert relayed["Status"] == "2.0.0"
    assert returned.get_content_type() == "text/rfc822-headers"


def test_null_sender_never_gets_a_dsn(remote, alice_tx):
    remote.rcpt_replies["nobody@remote.test"] = "550 5.1.1 no such user"
    enqueue(RAW, "", [Recipient("nobody@remote.test", notify="SUCCESS,FAILURE,DELAY")])
    assert rcpt("nobody@remote.test").state == "failed"
    assert QueuedMessage.objects.count() == 1


def test_bounce_of_a_bounce_stops(remote, alice_tx, dns):
    """A remote sender whose own server refuses everything: the DSN to it fails too,
    and that failure (null sender) ends the story."""
    dns.add("far.test", "MX", "10 mx.remote.test.")
    remote.rcpt_replies["someone@far.test"] = "550 5.7.1 go away"
    remote.rcpt_replies["nobody@remote.test"] = "550 5.1.1 no such user"
    enqueue(RAW, "someone@far.test", ["nobody@remote.test"])
    assert QueuedMessage.objects.count() == 2
    notice = QueuedMessage.objects.get(source="dsn")
    assert notice.mail_from == "" and notice.recipients.get().state == "failed"
    assert sweep_queue() == 0
    assert QueuedMessage.objects.count() == 2


def test_no_mx_falls_back_to_the_address_record(remote, alice_tx, dns):
    dns.add("plain.test", "A", "127.0.0.1")
    enqueue(RAW, "alice@example.test", ["bob@plain.test"])
    assert remote.received[0].rcpt_tos == ["bob@plain.test"]
    assert ("plain.test", "MX") in dns.asked and ("plain.test", "A") in dns.asked


def test_second_mx_is_used_when_the_first_refuses(remote, alice_tx, dns):
    dns.records.clear()
    dns.add("remote.test", "MX", "10 mx1.remote.test.", "20 mx2.remote.test.")
    dns.add("mx1.remote.test", "A", "127.0.0.1")
    dns.add("mx2.remote.test", "A", "127.0.0.1")
    remote.refuse_sessions = 1
    enqueue(RAW, "alice@example.test", ["bob@remote.test"])
    assert remote.sessions == 2
    assert [r.content for r in remote.received] == [RAW]
    assert rcpt("bob@remote.test").state == "relayed"


def test_unreachable_hosts_defer(remote, alice_tx, relay_settings):
    relay_settings.MAIL_RELAY_PORT = 1
    enqueue(RAW, "alice@example.test", ["bob@remote.test"])
    row = rcpt("bob@remote.test")
    assert row.state == "deferred" and "mx.remote.test[127.0.0.1]" in row.last_error


def test_null_mx_fails_at_once(remote, alice_tx, dns):
    dns.add("nomail.test", "MX", "0 .")
    enqueue(RAW, "alice@example.test", ["bob@nomail.test"])
    row = rcpt("bob@nomail.test")
    assert (row.state, row.attempts) == ("failed", 1)
    assert "5.1.10" in row.last_error
    assert remote.sessions == 0
    _, _, [failed], _ = report_parts(dsns(alice_tx)[0])
    assert failed["Status"] == "5.1.10"


def test_dns_trouble_defers_and_nxdomain_fails(remote, alice_tx, dns):
    dns.broken.add("flaky.test")
    enqueue(RAW, "alice@example.test", ["bob@flaky.test", "bob@no-such-domain.test"])
    assert rcpt("bob@flaky.test").state == "deferred"
    assert rcpt("bob@flaky.test").last_error.startswith("451 4.4.3")
    assert rcpt("bob@no-such-domain.test").state == "failed"
    assert rcpt("bob@no-such-domain.test").last_error.startswith("550 5.1.2")


def test_smarthost_takes_everything(remote, alice_tx, relay_settings, dns):
    dns.records.clear()  # no MX is looked up at all
    relay_settings.MAIL_RELAY_HOST = f"127.0.0.1:{relay_settings.MAIL_RELAY_PORT}"
    relay_settings.MAIL_RELAY_PORT = 1
    enqueue(RAW, "alice@example.test", ["bob@remote.test", "carol@elsewhere.test"])
    [got] = remote.received
    assert got.rcpt_tos == ["bob@remote.test", "carol@elsewhere.test"]
    assert got.content == RAW
    assert dns.asked == []


def test_international_recipient_uses_smtputf8(remote, alice_tx):
    enqueue(RAW, "alice@example.test", ["jörg@remote.test"])
    [got] = remote.received
    assert got.rcpt_tos == ["jörg@remote.test"] and "SMTPUTF8" in got.mail_options


def test_mail_from_a_door_without_trace_gets_a_received_field_as_it_leaves(remote, alice_tx):
    # RFC 5321 4.4. The SMTP listeners add Received at acceptance (source "submission"
    # above arrives untouched); mail the web UI queued has none until the relay adds it.
    queued = enqueue(RAW, "alice@example.test", ["bob@remote.test"], source="web")
    [got] = remote.received
    trace, rest = got.content.split(b"\r\n\t", 1)
    assert trace == b"Received: by mx.example.test (web) id %d;" % queued.pk
    date, original = rest.split(b"\r\n", 1)
    assert parsedate_to_datetime(date.decode()).tzinfo is not None
    assert original == RAW
    assert f"SIZE={len(got.content)}" in got.mail_options


def _send_with_dsn_parameters(remote):
    """Relay one message with every RFC 3461 parameter set; what the peer received."""
    enqueue(
        RAW,
        "alice@example.test",
        [Recipient("bob@remote.test", orcpt="rfc822;bob+old@example.org", notify="SUCCESS,DELAY")],
        source="submission",
        envid="trip 1+2",
        ret="HDRS",
    )
    [got] = remote.received
    return got


def test_dsn_parameters_reach_a_peer_that_speaks_dsn(remote, alice_tx):
    remote.dsn = True
    got = _send_with_dsn_parameters(remote)
    # RFC 3461 4: ENVID and ORCPT travel as xtext; RET and NOTIFY as given.
    assert got.dsn_mail == {"RET": "HDRS", "ENVID": "trip+201+2B2"}
    assert got.dsn_rcpt == {
        "bob@remote.test": {"NOTIFY": "SUCCESS,DELAY", "ORCPT": "rfc822;bob+2Bold@example.org"}
    }
    # The peer notifies from now on (RFC 3461 5.2.2): no "relayed" DSN from us.
    assert rcpt("bob@remote.test").state == "relayed"
    assert QueuedMessage.objects.count() == 1 and inbox(alice_tx) == []


def test_no_dsn_parameters_for_a_peer_without_dsn(remote, alice_tx):
    got = _send_with_dsn_parameters(remote)
    assert got.dsn_mail == {} and got.dsn_rcpt == {"bob@remote.test": {}}
    assert not any(o.startswith(("RET=", "ENVID=")) for o in got.mail_options)
    # Without DSN at the peer, NOTIFY=SUCCESS is ours to honour: a "relayed" DSN.
    [notice] = dsns(alice_tx)
    _, _, [status], _ = report_parts(notice)
    assert status["Action"] == "relayed"


BINARY = (
    b"From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    b"\x00\x01bare\nLF and bare\rCR\r\n.\r\n\xff"
)


def test_binary_content_goes_by_bdat_exactly(remote, alice_tx):
    remote.chunking = True
    enqueue(BINARY, "alice@example.test", ["bob@remote.test"], source="submission", binary=True)
    [got] = remote.received
    assert got.content == BINARY and got.binary and got.tls
    assert rcpt("bob@remote.test").state == "relayed"


def test_binary_content_to_a_peer_without_binarymime_is_returned(remote, alice_tx):
    enqueue(BINARY, "alice@example.test", ["bob@remote.test"], source="submission", binary=True)
    assert remote.received == []  # never sent mangled by DATA
    row = rcpt("bob@remote.test")
    assert (row.state, row.last_error[:9]) == ("failed", "554 5.6.3")
    [dsn] = dsns(alice_tx)
    _, _, [failed], _ = report_parts(dsn)
    assert failed["Status"] == "5.6.3"


def test_an_address_literal_is_reached_over_tls_without_a_name(remote, alice_tx):
    enqueue(RAW, "alice@example.test", ["bob@[127.0.0.1]"])
    [got] = remote.received
    assert got.rcpt_tos == ["bob@[127.0.0.1]"] and got.tls
    assert remote.sni == [None]  # no host name to send
