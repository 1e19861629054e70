"""RFC 3501 \\Recent: a message is recent to the first IMAP session that sees it.

The folder keeps one number, `recent_uid`: items with a UID at or above it have not been
seen by any session. A read-write SELECT (and each later check for new mail) claims the
range up to UIDNEXT under the folder's row lock, so two sessions never both report the
same message as recent. EXAMINE and STATUS only look (RFC 3501 6.3.2, 6.3.10).
"""

from __future__ import annotations

from django.db import transaction

from ..models import Account, Folder, Item
from .folders import lock_folder, owned_folder


@transaction.atomic
def claim_recent(account: Account, folder: Folder) -> tuple[int, int]:
    """Claim every not yet seen UID for the calling session: returns (first, uidnext);
    this session's recent messages are those with first <= UID < uidnext."""
    locked = lock_folder(account, folder)
    first = locked.recent_uid
    if first < locked.uidnext:
        Folder.objects.filter(pk=locked.pk).update(recent_uid=locked.uidnext)
    return first, locked.uidnext


def first_recent_uid(account: Account, folder: Folder) -> int:
    return owned_folder(account, folder.pk).recent_uid


def recent_count(account: Account, folder: Folder) -> int:
    """How many items no session has seen yet (STATUS RECENT)."""
    f = owned_folder(account, folder.pk)
    return Item.objects.filter(folder=f, uid__gte=f.recent_uid).count()
