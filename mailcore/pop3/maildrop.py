"""The maildrop behind a POP3 session: the account's Inbox, through the store.

- Every store call runs in a worker thread that closes its database connection
  afterwards (one call per POP3 command, never a transaction across an await).
- The snapshot taken at login fixes message numbers 1..n for the session (RFC 1939 7).
- UIDL is "<UIDVALIDITY>.<UID>": both are fixed for a message's life in the Inbox, so
  the value never changes and is never reused (RFC 1939 7, UIDL).
- The octet counts are those of the CRLF wire form (wire.py). Blobs are content-addressed
  and never rewritten, so the wire size is a function of the digest: it is computed once
  and cached under the digest.
- The exclusive lock (RFC 1939 8: "the POP3 server acquires an exclusive-access lock on
  the maildrop") is a lease in Django's cache: `cache.add` succeeds for one session only,
  holds a random token, and expires by itself if the process dies. The session refreshes
  it while it works. In a cluster the cache is Redis, shared by every listener process;
  in the single-process embedded default it is local memory, which is every POP3 listener
  there is. No table or migration is needed, and no DB transaction stays open.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError

from mailcore import store
from mailcore.auth import check_password, is_blocked, record_failure, record_success
from mailcore.models import Account
from mailcore.seam import in_db_thread

from .session import InUse, LoginResult, Message, MessageGone, TemporaryFailure
from .wire import wire_form, wire_size

log = logging.getLogger(__name__)

SCOPE = "pop3"  # the throttling scope
REFRESH_EVERY = 60.0  # seconds between lease refreshes while the session is busy
SIZE_CACHE_SECONDS = 30 * 24 * 3600


def _in_db_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a store call through the seam, mapping store and database failures to
    TemporaryFailure ([SYS/TEMP])."""

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except (store.StoreError, DatabaseError, OSError) as exc:
            log.warning("pop3 store call %s failed: %r", getattr(fn, "__name__", fn), exc)
            raise TemporaryFailure(str(exc)) from exc

    return in_db_thread(call)


def uidl_of(uidvalidity: int, uid: int) -> str:
    return f"{uidvalidity}.{uid}"


class StoreMaildrop:
    """The store-backed `session.Maildrop` of one connection."""

    def __init__(self, lease_seconds: int) -> None:
        self.lease_seconds = lease_seconds
        self.account: Account | None = None
        self.folder_id: int | None = None
        self.token = secrets.token_hex(16)
        self.locked = False
        self.refreshed = 0.0

    @property
    def _lock_key(self) -> str:
        assert self.account is not None
        return f"pop3:lock:{self.account.pk}"

    async def blocked(self, peer: str) -> bool:
        return await _in_db_thread(is_blocked)(SCOPE, peer)

    async def login(self, username: str, password: str, peer: str) -> LoginResult:
        account = await _in_db_thread(check_password)(username, password)
        if account is None:
            verdict = await _in_db_thread(record_failure)(SCOPE, peer)
            return LoginResult(False, verdict.delay, verdict.blocked)
        await _in_db_thread(record_success)(SCOPE, peer)
        self.account = account
        return LoginResult(True)

    async def open(self) -> list[Message]:
        if not await _in_db_thread(self._acquire)():
            raise InUse()
        self.locked, self.refreshed = True, time.monotonic()
        try:
            return await _in_db_thread(self._snapshot)()
        except BaseException:
            await self.release()
            raise

    async def keep_alive(self) -> None:
        if self.locked and time.monotonic() - self.refreshed > REFRESH_EVERY:
            self.refreshed = time.monotonic()
            await _in_db_thread(self._refresh)()

    async def retrieve(self, message: Message) -> bytes:
        return await _in_db_thread(self._read)(message.item_id)

    async def remove(self, uids: list[int]) -> int:
        return await _in_db_thread(self._expunge)(uids)

    async def release(self) -> None:
        if not self.locked:
            return
        self.locked = False
        try:
            await _in_db_thread(self._release)()
        except Exception:
            # The lease expires by itself; a cache outage must not hide the QUIT reply.
            log.exception("releasing the POP3 lock failed")

    # In the worker thread --------------------------------------------------------------

    def _acquire(self) -> bool:
        return cache.add(self._lock_key, self.token, self.lease_seconds)

    def _refresh(self) -> None:
        if cache.get(self._lock_key) == self.token:
            cache.touch(self._lock_key, self.lease_seconds)
        else:
            log.warning("POP3 lease of account %s was lost", self.account and self.account.pk)

    def _release(self) -> None:
        # Only our own lease: after a lost lease another session's must stay.
        if cache.get(self._lock_key) == self.token:
            cache.delete(self._lock_key)

    def _snapshot(self) -> list[Message]:
        assert self.account is not None
        inbox = store.find_folder(self.account, store.INBOX)
        self.folder_id = inbox.pk
        rows = store.items(self.account, inbox, with_summary=False)
        sizes = self._wire_sizes([(i.pk, i.blob_id) for i in rows])
        return [
            Message(i.uid, sizes[i.blob_id], uidl_of(inbox.uidvalidity, i.uid), i.pk) for i in rows
        ]

    def _wire_sizes(self, rows: list[tuple[int, str]]) -> dict[str, int]:
        keys = {digest: f"pop3:wire-size:{digest}" for _, digest in rows}
        cached = cache.get_many(list(keys.values()))
        sizes = {d: cached[k] for d, k in keys.items() if k in cached}
        fresh: dict[str, int] = {}
        for item_id, digest in rows:
            if digest not in sizes:
                assert self.account is not None
                sizes[digest] = fresh[keys[digest]] = wire_size(
                    store.read_raw(self.account, item_id)
                )
        if fresh:
            cache.set_many(fresh, SIZE_CACHE_SECONDS)
        return sizes

    def _read(self, item_id: int) -> bytes:
        assert self.account is not None
        try:
            return wire_form(store.read_raw(self.account, item_id))
        except store.NotFound:
            raise MessageGone() from None

    def _expunge(self, uids: list[int]) -> int:
        assert self.account is not None and self.folder_id is not None
        inbox = store.get_folder(self.account, self.folder_id)
        # only_deleted=False: POP3 DELE does not use \Deleted; the change log records
        # "expunged" rows, which IMAP sessions turn into EXPUNGE responses.
        return len(store.expunge(self.account, inbox, uids, only_deleted=False))
