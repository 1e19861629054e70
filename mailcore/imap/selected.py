"""The selected mailbox as one session sees it (RFC 3501 2.3.1, 5.2, 7.4.1).

Message sequence numbers belong to the session: the view keeps its own ascending UID
list and changes it only when the RFC allows. New mail and flag changes made by others
are read from the store's change log (everything above the MODSEQ this view has
reached) and reported at the next command; expunges by others are held back while a
FETCH, STORE or SEARCH runs (7.4.1: an EXPUNGE then would shift the numbers under the
client) and reported at the next command that allows them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from mailcore import store
from mailcore.models import Account, Folder

from .commands import SequenceSet
from .responses import Bad, untagged
from .wire import flag_list

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")


class SelectedMailbox:
    def __init__(
        self, account: Account, folder: Folder, *, readonly: bool, condstore: bool
    ) -> None:
        self.account, self.folder, self.readonly = account, folder, readonly
        self.condstore = condstore
        # Keywords this session was told of in a FLAGS response, as first spelled.
        self.keywords: list[str] = []
        self.recent: set[int] = set()
        self.pending_expunge: set[int] = set()
        # MODSEQs of changes this session made and already reported itself.
        self.own_modseqs: set[int] = set()
        # Read the MODSEQ before the UIDs: a change between the two reads is then seen
        # again by the first poll, which ignores what the list already reflects.
        status = store.folder_status(account, folder)
        self.modseq = status.highestmodseq
        self.uids: list[int] = store.uid_list(account, folder)
        self.uidnext = max(status.uidnext, self.uids[-1] + 1 if self.uids else 1)
        self.uidvalidity = status.uidvalidity
        if readonly:
            first = store.recent.first_recent_uid(account, folder)
        else:
            first, _ = store.recent.claim_recent(account, folder)
        self.recent = {u for u in self.uids[bisect.bisect_left(self.uids, first) :]}

    # --- numbers ------------------------------------------------------------------------

    @property
    def exists(self) -> int:
        return len(self.uids)

    def msn(self, uid: int) -> int:
        """The sequence number of a UID in the view (1-based), 0 when absent."""
        i = bisect.bisect_left(self.uids, uid)
        return i + 1 if i < len(self.uids) and self.uids[i] == uid else 0

    def resolve(self, numbers: SequenceSet, uid: bool) -> list[int]:
        """The UIDs a sequence set names, ascending.

        UID sets name only UIDs in the view (nonexistent ones are ignored, RFC 3501 6.4.8);
        a message sequence number beyond EXISTS is an error (BAD, as RFC 3501 9 says a
        seq-number is a valid message number).
        """
        if uid:
            largest = self.uids[-1] if self.uids else 0
            out: list[int] = []
            for lo, hi in numbers.resolve(largest):
                start = bisect.bisect_left(self.uids, lo)
                stop = bisect.bisect_right(self.uids, hi)
                out.extend(self.uids[start:stop])
            return out
        spans = numbers.resolve(self.exists)
        if any(hi > self.exists or lo < 1 for lo, hi in spans):
            raise Bad("invalid message sequence number")
        result: list[int] = []
        for lo, hi in spans:
            result.extend(self.uids[lo - 1 : hi])
        return result

    # --- applying changes ----------------------------------------------------------------

    def remove(self, uids: Iterable[int]) -> list[bytes]:
        """Drop expunged UIDs now and return their EXPUNGE responses (highest first, so
        every number is right when the client reads it)."""
        lines = []
        for uid in sorted(set(uids), reverse=True):
            n = self.msn(uid)
            if n:
                del self.uids[n - 1]
                self.recent.discard(uid)
                lines.append(untagged(b"%d EXPUNGE" % n))
            self.pending_expunge.discard(uid)
        return lines

    def poll(self, *, allow_expunge: bool) -> list[bytes]:
        """Read the change log and report what the client may be told now."""
        changes = store.changes_since(self.account, self.folder, self.modseq)
        lines: list[bytes] = []
        flags: dict[int, tuple[int, list[str]]] = {}
        added: list[int] = []
        last = self.uids[-1] if self.uids else 0
        for change in changes:
            self.modseq = max(self.modseq, change.modseq)
            if change.action == "added":
                if change.uid > last:
                    added.append(change.uid)
                    last = change.uid
            elif change.action == "expunged":
                flags.pop(change.uid, None)
                if self.msn(change.uid) or change.uid in added:
                    self.pending_expunge.add(change.uid)
            elif change.modseq not in self.own_modseqs:
                flags[change.uid] = (change.modseq, change.flags)
        self.own_modseqs = {m for m in self.own_modseqs if m > self.modseq}
        reported = [
            (n, uid, modseq, names)
            for uid, (modseq, names) in sorted(flags.items())
            if (n := self.msn(uid)) and uid not in self.pending_expunge
        ]
        lines.extend(self.announce(name for *_, names in reported for name in names))
        for n, uid, modseq, names in reported:
            lines.append(self.flags_response(n, uid, names, modseq))
        if allow_expunge and self.pending_expunge:
            gone = set(self.pending_expunge)
            added = [u for u in added if u not in gone]
            lines.extend(self.remove(gone))
        if added:
            self.uids.extend(added)
            self.uidnext = max(self.uidnext, added[-1] + 1)
            if not self.readonly:
                first, _ = store.recent.claim_recent(self.account, self.folder)
                self.recent.update(u for u in added if u >= first)
            lines.append(untagged(b"%d EXISTS" % self.exists))
            lines.append(untagged(b"%d RECENT" % len(self.recent)))
        return lines

    def flags_lines(self) -> list[bytes]:
        """FLAGS and PERMANENTFLAGS (RFC 3501 6.3.1, 7.2.6): the system flags and the
        keywords announced so far; any keyword may be created (\\*) unless read-only."""
        names = [*SYSTEM_FLAGS, *self.keywords]
        permanent = b"()" if self.readonly else flag_list([*names, "\\*"])
        return [
            untagged(b"FLAGS " + flag_list(names)),
            untagged(b"OK [PERMANENTFLAGS " + permanent + b"] Limited"),
        ]

    def announce(self, names: Iterable[str]) -> list[bytes]:
        """Updated FLAGS and PERMANENTFLAGS when `names` hold a keyword this session has
        not been told of, to send before the FETCH that uses it. RFC 3501 7.2.6 makes
        FLAGS the list of the mailbox's flags; like Dovecot (and as imaptest checks), a
        client never meets a keyword in FETCH that no FLAGS response listed. Keywords are
        announced as they are met rather than all at SELECT, which would read every
        message of the mailbox."""
        before = len(self.keywords)
        known = {k.lower() for k in self.keywords}
        for name in names:
            if not name.startswith("\\") and name.lower() not in known:
                self.keywords.append(name)
                known.add(name.lower())
        return self.flags_lines() if len(self.keywords) > before else []

    def spelled(self, names: Iterable[str]) -> list[str]:
        """Flag names with each keyword spelled as FLAGS announced it: keywords compare
        without regard to case, and messages may hold other spellings of one."""
        if not self.keywords:
            return list(names)
        spelling = {k.lower(): k for k in self.keywords}
        return [spelling.get(name.lower(), name) for name in names]

    def flags_response(self, msn: int, uid: int, names: list[str], modseq: int) -> bytes:
        flags = self.spelled(names) + (["\\Recent"] if uid in self.recent else [])
        text = b"%d FETCH (UID %d FLAGS %s" % (msn, uid, flag_list(flags))
        if self.condstore:
            text += b" MODSEQ (%d)" % modseq
        return untagged(text + b")")
