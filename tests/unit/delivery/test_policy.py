"""Retry schedule, durations and the smarthost setting."""

from datetime import timedelta

import pytest

from mailcore.delivery import policy
from mailcore.delivery.notify import notify_set, wants


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("300", 300), ("5m", 300), ("4h", 14400), ("5d", 432000), (" 1.5H ", 5400), (90, 90)],
)
def test_durations(text, seconds):
    assert policy.parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "5 minutes", "-5m", "m"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        policy.parse_duration(bad)


def test_schedule_steps_then_repeats_the_last():
    schedule = policy.parse_schedule("5m,10m,30m,1h,2h,4h")
    waits = [policy.retry_delay(n, schedule) for n in range(1, 10)]
    assert waits[:6] == [timedelta(minutes=m) for m in (5, 10, 30, 60, 120, 240)]
    assert waits[6:] == [timedelta(hours=4)] * 3
    assert policy.parse_schedule("60, 600") == [timedelta(seconds=60), timedelta(seconds=600)]


@pytest.mark.parametrize("bad", ["", ",", "0", "5m,0"])
def test_bad_schedules(bad):
    with pytest.raises(ValueError):
        policy.parse_schedule(bad)


def test_default_schedule_keeps_trying_for_the_whole_lifetime(settings):
    for name in ("MAIL_RETRY_SCHEDULE", "MAIL_MAX_QUEUE_LIFETIME", "MAIL_DELAY_DSN_AFTER"):
        if hasattr(settings, name):
            delattr(settings, name)
    assert policy.max_queue_lifetime() == timedelta(days=5)
    assert policy.delay_dsn_after() == timedelta(hours=4)
    elapsed, attempts = timedelta(0), 0
    while elapsed < policy.max_queue_lifetime():
        attempts += 1
        elapsed += policy.retry_delay(attempts)
    assert 30 <= attempts <= 40  # every 4 hours once the early steps are done


@pytest.mark.parametrize(
    ("spec", "host", "port"),
    [
        ("smtp.provider.test", "smtp.provider.test", 25),
        ("smtp.provider.test:2525", "smtp.provider.test", 2525),
        ("[192.0.2.7]:587", "192.0.2.7", 587),
        ("[2001:db8::1]", "2001:db8::1", 25),
        ("2001:db8::1", "2001:db8::1", 25),
    ],
)
def test_smarthost_spec(spec, host, port, settings):
    settings.MAIL_RELAY_HOST = spec
    assert policy.smarthost() == policy.Smarthost(host, port)


def test_no_smarthost_and_bad_spec(settings):
    settings.MAIL_RELAY_HOST = None
    assert policy.smarthost() is None
    settings.MAIL_RELAY_HOST = "host:port"
    with pytest.raises(ValueError):
        policy.smarthost()


@pytest.mark.parametrize(
    ("notify", "expected"),
    [
        ("", {"FAILURE", "DELAY"}),  # RFC 3461 absent NOTIFY: our default
        ("NEVER", set()),
        ("success,failure", {"SUCCESS", "FAILURE"}),
        ("DELAY", {"DELAY"}),
    ],
)
def test_notify_conditions(notify, expected):
    assert notify_set(notify) == expected
    assert wants(notify, "failed") == ("FAILURE" in expected)
    assert wants(notify, "relayed") == ("SUCCESS" in expected)
