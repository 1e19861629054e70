"""Resolving recipient addresses: local accounts, aliases and distribution groups."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Sum

from ..models import Account, Alias, Domain, Folder
from ..store import InvalidAddress, normalise_address

# Aliases may name other aliases; stop expanding past this depth (a loop or a mistake).
MAX_ALIAS_DEPTH = 8


@dataclass
class Resolution:
    """Where one recipient address leads."""

    accounts: list[Account] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    local_domain: bool = False

    @property
    def unknown_local(self) -> bool:
        """A local domain, but nobody there: refuse with 5.1.1."""
        return self.local_domain and not self.accounts and not self.external


def is_local_domain(domain: str) -> bool:
    return Domain.objects.filter(name=domain.lower().rstrip("."), active=True).exists()


def over_quota(account_id: int, quota_bytes: int) -> bool:
    """The account's committed usage has reached its limit (0: no limit)."""
    if not quota_bytes:
        return False
    usage = Folder.objects.filter(account_id=account_id).aggregate(s=Sum("size_total"))["s"]
    return (usage or 0) >= quota_bytes


def _split(address: str) -> tuple[str, str] | None:
    try:
        return normalise_address(address)
    except InvalidAddress:
        return None


def resolve(address: str) -> Resolution:
    """Expand an address: an account (also with a "+tag" sub-address), an alias (to
    accounts, external addresses or further aliases), or nothing local."""
    parts = _split(address)
    if parts is not None:
        # The common case, an enabled account of an active local domain, in one query.
        account = _enabled_account(f"{parts[0]}@{parts[1]}", parts[1])
        if account is not None:
            return Resolution(accounts=[account], local_domain=True)
    result = Resolution()
    seen_accounts: set[int] = set()
    _expand(address, result, seen_accounts, set(), 0)
    return result


# Placeholders for the two values of the account query, compiled once per database.
_ADDRESS, _DOMAIN = "\x00address", "\x00domain"
_account_sql: dict[str, tuple[str, tuple]] = {}
# The columns it reads: plain numbers and text, which no database converts. The others
# are left deferred (read if ever used); `enabled` is known, the query asks for it.
_ACCOUNT_FIELDS = ("id", "user_id", "domain_id", "address", "display_name", "quota_bytes")


def _enabled_account(address: str, domain: str) -> Account | None:
    """The enabled account with this address in this active domain. The ORM compiles a
    query anew on every call and builds its result through a RawQuerySet, which cost
    four times what running it does (338 against 76 us here); delivery asks this for
    every recipient, so it is compiled once and its row made into an Account directly."""
    alias = Account.objects.db
    if alias not in _account_sql:
        query = Account.objects.using(alias).filter(
            address=_ADDRESS, enabled=True, domain__name=_DOMAIN, domain__active=True
        )
        _account_sql[alias] = (
            query.order_by("pk").values_list(*_ACCOUNT_FIELDS)[:1].query.sql_with_params()
        )
    sql, template = _account_sql[alias]
    values = {_ADDRESS: address, _DOMAIN: domain}
    params = [values.get(p, p) if isinstance(p, str) else p for p in template]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return Account.from_db(alias, [*_ACCOUNT_FIELDS, "enabled"], [*row, True])


def _expand(
    address: str, result: Resolution, seen_accounts: set[int], seen: set[str], depth: int
) -> None:
    parts = _split(address)
    if parts is None:
        return
    local, domain = parts
    if not is_local_domain(domain):
        if depth > 0 and address not in result.external:
            result.external.append(address.strip())
        return
    if depth == 0:
        result.local_domain = True
    full = f"{local}@{domain}"
    if full in seen or depth > MAX_ALIAS_DEPTH:
        return
    seen.add(full)
    candidates = [full]
    if "+" in local:  # RFC 5233 sub-addressing: alice+lists@ reaches alice@
        candidates.append(f"{local.split('+', 1)[0]}@{domain}")
    for candidate in candidates:
        account = Account.objects.filter(address=candidate, enabled=True).first()
        if account is not None:
            if account.pk not in seen_accounts:
                seen_accounts.add(account.pk)
                result.accounts.append(account)
            return
        alias = Alias.objects.filter(address=candidate, enabled=True).first()
        if alias is not None:
            for target in alias.accounts.filter(enabled=True):
                if target.pk not in seen_accounts:
                    seen_accounts.add(target.pk)
                    result.accounts.append(target)
            for external in alias.external_addresses:
                _expand(external, result, seen_accounts, seen, depth + 1)
            return
