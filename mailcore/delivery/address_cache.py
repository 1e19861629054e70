"""An in-process memory of the local addresses and domains recently found to exist.

Nearly every RCPT on the MTA names an existing local account. Remembering that answer
for a few seconds lets the listener accept such a recipient on its event loop, without
the worker-thread hop and the queries of a full check (about 0.4 ms of CPU a message),
and lets the queue mark recipients local without a query per batch.

What may be stale, and why that is safe (docs/decisions/0008-address-cache.md):

- Only "it exists" is remembered, never "unknown": an address or domain that starts to
  exist is accepted at once, in every process.
- Everything is forgotten at once when this process saves or deletes an Account, Alias or
  Domain or changes an alias's members, and each answer after TTL seconds in any case
  (a change made by another process, or by a queryset `update()`, which sends no
  signal). Within that window a recipient that has gone is still accepted at RCPT;
  delivery resolves every address afresh and bounces it with a DSN, as if it had gone a
  moment after RCPT.
- Quota is never remembered: only the limit is, and an account with one still has its
  usage checked at every RCPT.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from ..models import Account, Alias, Domain

TTL = 5.0  # seconds an answer is trusted without a signal from this process
MAX_ENTRIES = 10_000  # past this, start again (a flood of distinct valid addresses)


@dataclass(frozen=True)
class Accepted:
    """What RCPT found for a local recipient it accepted."""

    final: bool  # delivered here and nowhere else (to accounts only)
    account_id: int | None = None  # the one account it leads to, if that has a quota
    quota_bytes: int = 0  # that account's limit (0: none, nothing to check)


class _Memory:
    """Answers with an expiry time. A lookup that began before a change must not store
    its (possibly older) answer after the change has cleared the memory: `remember`
    takes the generation read before the lookup and drops the answer if it moved."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0
        self._entries: dict[tuple[str, str], tuple[float, Any]] = {}

    def generation(self) -> int:
        return self._generation

    def get(self, key: tuple[str, str]) -> Any:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: tuple[str, str], value: Any, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + TTL, value)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


_memory = _Memory()


def generation() -> int:
    """Read before looking anything up that is to be remembered."""
    return _memory.generation()


def accepted(address: str) -> Accepted | None:
    """What RCPT found for exactly this address a moment ago, or None (ask the database)."""
    value = _memory.get(("rcpt", address))
    return value if isinstance(value, Accepted) else None


def remember_accepted(address: str, answer: Accepted, since: int) -> None:
    _memory.put(("rcpt", address), answer, since)


def known_local_domain(domain: str) -> bool:
    """True if `domain` (lower case) was an active local domain a moment ago; False means
    "ask the database", not "not local"."""
    return _memory.get(("domain", domain)) is True


def remember_local_domain(domain: str, since: int) -> None:
    _memory.put(("domain", domain), True, since)


def inbox_of(account_id: int) -> int | None:
    """The id of the account's Inbox a moment ago, or None (ask the database). An Inbox
    is never deleted or replaced while its account exists (renaming it moves its items
    out, RFC 3501 6.3.5), so a stale id can only belong to a deleted account, and locking
    that folder fails with NotFound."""
    value = _memory.get(("inbox", str(account_id)))
    return value if isinstance(value, int) else None


def remember_inbox(account_id: int, folder_id: int, since: int) -> None:
    _memory.put(("inbox", str(account_id)), folder_id, since)


def forget() -> None:
    """Forget everything (directory changes in this process; tests between cases)."""
    _memory.clear()


def _changed(**kwargs: Any) -> None:
    forget()


for _model in (Account, Alias, Domain):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"address-cache-save-{_model.__name__}")
    post_delete.connect(
        _changed, sender=_model, dispatch_uid=f"address-cache-delete-{_model.__name__}"
    )
m2m_changed.connect(_changed, sender=Alias.accounts.through, dispatch_uid="address-cache-m2m")
