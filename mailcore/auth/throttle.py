"""Slowing down and then refusing clients that keep failing to authenticate.

Counts live in Django's cache: per process with the local-memory cache of the embedded
default, shared by every process when REDIS_URL configures the Redis cache. The key is the
client's address, so one attacker cannot lock a user out from everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

WINDOW = 15 * 60  # seconds a failure is remembered
BLOCK_AFTER = 10  # failures within WINDOW before the address is refused
BLOCK_FOR = 15 * 60
MAX_DELAY = 8.0


@dataclass(frozen=True)
class Verdict:
    blocked: bool
    delay: float  # seconds to wait before answering a failed attempt


def _key(scope: str, peer: str) -> str:
    return f"authfail:{scope}:{peer}"


def is_blocked(scope: str, peer: str) -> bool:
    return cache.get(_key(scope, peer) + ":blocked") is not None


def record_failure(scope: str, peer: str) -> Verdict:
    key = _key(scope, peer)
    cache.add(key, 0, WINDOW)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW)
        failures = 1
    if failures >= BLOCK_AFTER:
        cache.set(key + ":blocked", 1, BLOCK_FOR)
        return Verdict(True, MAX_DELAY)
    # 0.5 s, 1 s, 2 s, ... : harmless for a typo, slow for a password guesser.
    return Verdict(False, min(MAX_DELAY, 0.25 * 2**failures))


def record_success(scope: str, peer: str) -> None:
    cache.delete(_key(scope, peer))
