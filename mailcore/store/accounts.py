"""Creating accounts with their default folders, and checking addresses."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Account, Alias, Domain, FolderKind, SpecialUse
from .errors import AlreadyExists, StoreError
from .folders import _insert


class InvalidAddress(StoreError):
    pass


# (name, kind, special use): what Exchange gives every new mailbox.
DEFAULT_FOLDERS: list[tuple[str, str, str]] = [
    ("Inbox", FolderKind.MAIL, SpecialUse.INBOX),
    ("Drafts", FolderKind.MAIL, SpecialUse.DRAFTS),
    ("Sent Items", FolderKind.MAIL, SpecialUse.SENT),
    ("Deleted Items", FolderKind.MAIL, SpecialUse.TRASH),
    ("Junk Email", FolderKind.MAIL, SpecialUse.JUNK),
    ("Archive", FolderKind.MAIL, SpecialUse.ARCHIVE),
    ("Calendar", FolderKind.CALENDAR, ""),
    ("Contacts", FolderKind.CONTACTS, ""),
    ("Tasks", FolderKind.TASKS, ""),
    ("Notes", FolderKind.NOTES, ""),
]

# RFC 5321 4.1.2 dot-atom local part, with UTF-8 allowed (RFC 6531).
_LOCAL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+"
    r"(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\U0010ffff]+)*$"
)
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_address(address: str) -> tuple[str, str]:
    """Check an address and return (local part, domain), lower-cased, domain in IDNA."""
    address = address.strip()
    local, sep, domain = address.rpartition("@")
    if not sep or not local or not domain:
        raise InvalidAddress(f"{address!r} is not an address (local@domain)")
    if len(local) > 64 or not _LOCAL.match(local):
        raise InvalidAddress(f"invalid local part {local!r}")
    try:
        domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidAddress(f"invalid domain {domain!r}") from None
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(x) for x in labels):
        raise InvalidAddress(f"invalid domain {domain!r}")
    return local.lower(), domain


@transaction.atomic
def create_account(
    address: str, password: str | None, *, display_name: str = "", quota_bytes: int = 0
) -> Account:
    """Create the Django user, the account and its default folders (creating the domain
    if it is new). Raises InvalidAddress or AlreadyExists."""
    local, domain_name = normalise_address(address)
    address = f"{local}@{domain_name}"
    User = get_user_model()
    if (
        Account.objects.filter(address=address).exists()
        or Alias.objects.filter(address=address).exists()
        or User.objects.filter(username=address).exists()
    ):
        raise AlreadyExists(f"{address} already exists")
    domain, _ = Domain.objects.get_or_create(name=domain_name)
    user = User.objects.create_user(username=address, email=address, password=password)
    account = Account.objects.create(
        user=user,
        domain=domain,
        address=address,
        display_name=display_name,
        quota_bytes=quota_bytes,
    )
    for name, kind, special_use in DEFAULT_FOLDERS:
        _insert(account, None, name, kind, special_use, is_default=True)
    return account


def account_for_user(user) -> Account | None:
    return Account.objects.filter(user=user, enabled=True).first()


def quota_limit(account: Account) -> int:
    """The account's storage limit in octets as it is now (0: unlimited)."""
    return Account.objects.filter(pk=account.pk).values_list("quota_bytes", flat=True).first() or 0
