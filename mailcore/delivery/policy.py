"""Outbound relay settings, read once per use from Django settings (see the "Outbound
relay" block in webmail/settings.py): retry schedule, queue lifetime, delay notices,
timeouts and the optional smarthost."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

DEFAULT_RETRY_SCHEDULE = "5m,10m,30m,1h,2h,4h"
DEFAULT_MAX_QUEUE_LIFETIME = "5d"
DEFAULT_DELAY_DSN_AFTER = "4h"

_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_duration(value: str | float | timedelta) -> timedelta:
    """ "300", "5m", "4h", "5d" (a bare number is seconds) or a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = _DURATION.match(value)
    if match is None:
        raise ValueError(f"not a duration: {value!r} (use e.g. 300, 5m, 4h, 5d)")
    return timedelta(seconds=float(match[1]) * _UNITS[match[2].lower()])


def parse_schedule(value: str | list | tuple) -> list[timedelta]:
    """A comma list of durations: the waits after the 1st, 2nd, ... failed attempt; the
    last one repeats until the message expires."""
    items = value.split(",") if isinstance(value, str) else list(value)
    schedule = [parse_duration(item) for item in items if str(item).strip()]
    if not schedule or any(step <= timedelta(0) for step in schedule):
        raise ValueError(f"MAIL_RETRY_SCHEDULE needs positive durations, not {value!r}")
    return schedule


def retry_delay(attempts: int, schedule: list[timedelta] | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1-based)."""
    steps = schedule if schedule is not None else retry_schedule()
    return steps[min(max(attempts, 1), len(steps)) - 1]


def retry_schedule() -> list[timedelta]:
    return parse_schedule(getattr(settings, "MAIL_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE))


def max_queue_lifetime() -> timedelta:
    return parse_duration(getattr(settings, "MAIL_MAX_QUEUE_LIFETIME", DEFAULT_MAX_QUEUE_LIFETIME))


def delay_dsn_after() -> timedelta:
    return parse_duration(getattr(settings, "MAIL_DELAY_DSN_AFTER", DEFAULT_DELAY_DSN_AFTER))


def relay_timeout() -> float:
    return parse_duration(getattr(settings, "MAIL_RELAY_TIMEOUT", 60)).total_seconds()


def relay_port() -> int:
    """The port of MX hosts: 25 in production; tests point it at their fake remote MTA."""
    return int(getattr(settings, "MAIL_RELAY_PORT", 25))


def lease() -> timedelta:
    """How long a claimed recipient stays out of other workers' reach: longer than any
    one attempt can take, short enough that a crashed worker's recipients come back."""
    return max(timedelta(minutes=15), timedelta(seconds=relay_timeout() * 20))


def hostname() -> str:
    return settings.MAIL.hostname


@dataclass(frozen=True)
class Smarthost:
    host: str
    port: int


def smarthost() -> Smarthost | None:
    """MAIL_RELAY_HOST: "host", "host:port", "[192.0.2.1]:port" or "[2001:db8::1]:port"."""
    spec = (getattr(settings, "MAIL_RELAY_HOST", None) or "").strip()
    if not spec:
        return None
    return parse_hostport(spec, 25)


def parse_hostport(spec: str, default_port: int) -> Smarthost:
    if spec.startswith("["):
        host, _, rest = spec[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif spec.count(":") == 1:
        host, port = spec.split(":")
    else:  # a bare name, IPv4 address or unbracketed IPv6 address
        host, port = spec, ""
    if not host or (port and not port.isdigit()):
        raise ValueError(f"MAIL_RELAY_HOST must be host or host:port, not {spec!r}")
    return Smarthost(host, int(port) if port else default_port)
