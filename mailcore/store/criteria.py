"""Search criteria as typed values, translated to one query.

The criteria cover IMAP SEARCH (RFC 3501 6.4.4), the web UI and EWS restrictions. Text
matches are case-insensitive substrings as IMAP requires; FullText uses Postgres full-text
search (a GIN-indexed tsvector over subject, addresses and body, migrations 0004 and
0011, filled in just after each commit by fulltext.py) and falls back to substrings of
the same columns on SQLite.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.db import connection, models
from django.db.models import Q
from django.db.models.lookups import IContains

from ..models import Account, Folder, Item, ItemText
from .errors import InvalidFlag
from .flags import SYSTEM_FLAGS
from .folders import owned_folder
from .uids import UidSet


class Criterion:
    """Base of all search criteria."""


@dataclass(frozen=True)
class All(Criterion):
    pass


@dataclass(frozen=True)
class HasFlag(Criterion):
    flag: str  # "\\Seen", ... or a keyword
    present: bool = True


TextField = Literal["from", "to", "cc", "bcc", "subject", "body", "text"]


@dataclass(frozen=True)
class Contains(Criterion):
    field: TextField
    value: str


@dataclass(frozen=True)
class Header(Criterion):
    name: str
    value: str  # "" matches every item that has the header


@dataclass(frozen=True)
class Size(Criterion):
    larger: int | None = None
    smaller: int | None = None


@dataclass(frozen=True)
class DateCmp(Criterion):
    field: Literal["internal", "sent"]
    op: Literal["before", "on", "since"]
    day: date


@dataclass(frozen=True)
class Uids(Criterion):
    uids: UidSet


@dataclass(frozen=True)
class ModSeq(Criterion):
    at_least: int


@dataclass(frozen=True)
class FullText(Criterion):
    query: str


@dataclass(frozen=True)
class Not(Criterion):
    criterion: Criterion


@dataclass(frozen=True)
class And(Criterion):
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Or(Criterion):
    criteria: tuple[Criterion, ...]


_TEXT_COLUMNS = {
    "from": ["text__from_text"],
    "to": ["text__to_text"],
    "cc": ["text__cc_text"],
    "bcc": ["text__bcc_text"],
    "subject": ["text__subject"],
    # RFC 3501 6.4.4: BODY is the body only; TEXT is the header and the body.
    "body": ["text__body"],
    "text": ["text__headers", "text__body"],
}


def fold(text: str | None) -> str | None:
    """Case-fold for matching (full Unicode folding, then NFC so composed and decomposed
    accents compare equal). Registered on SQLite connections as mail_casefold."""
    if text is None:
        return None
    return unicodedata.normalize("NFC", str(text).casefold())


@models.CharField.register_lookup
@models.TextField.register_lookup
class FoldedContains(IContains):
    """`icontains` that ignores case beyond ASCII on SQLite too (RFC 3501 6.4.4: text
    matches ignore case; SQLite's LIKE folds ASCII only). Postgres's ILIKE folds by the
    database's LC_CTYPE (any UTF-8 locale folds "É"; the C locale does not)."""

    lookup_name = "foldedcontains"

    def as_sql(self, compiler, connection):
        # Every other database: exactly icontains (its operators are keyed by that name).
        return compiler.compile(IContains(self.lhs, self.rhs))

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        pattern = "%" + connection.ops.prep_for_like_query(fold(self.rhs)) + "%"
        return f"mail_casefold({lhs}) LIKE %s ESCAPE '\\'", [*lhs_params, pattern]


def _contains(column: str, value: str) -> Q:
    # An ASCII needle keeps the plain lookup: folding every row in Python costs more.
    lookup = "icontains" if value.isascii() else "foldedcontains"
    return Q(**{f"{column}__{lookup}": value})


def to_q(criterion: Criterion) -> Q:
    """Translate criteria into one Django Q over Item (post-filters are never needed)."""
    match criterion:
        case All():
            return Q()
        case HasFlag(flag=flag, present=present):
            lowered = flag.lower()
            if lowered in SYSTEM_FLAGS:
                q = Q(**{SYSTEM_FLAGS[lowered][1]: True})
            elif flag.startswith("\\"):
                raise InvalidFlag(f"cannot search for {flag}")
            else:
                q = Q(keywords__icontains=f" {flag} ")
            return q if present else ~q
        case Contains(field=field, value=value):
            q = Q()
            for column in _TEXT_COLUMNS[field]:
                q |= _contains(column, value)
            return q
        case Header(name=name, value=value):
            pattern = rf"(^|\n){re.escape(name)}:[^\n]*{re.escape(value)}"
            return Q(text__headers__iregex=pattern)
        case Size(larger=larger, smaller=smaller):
            q = Q()
            if larger is not None:
                q &= Q(size__gt=larger)
            if smaller is not None:
                q &= Q(size__lt=smaller)
            return q
        case DateCmp(field="sent", op=op, day=day):
            # RFC 3501 6.4.4: the Date field's own day, "disregarding time and timezone".
            lookup = {"before": "lt", "on": "exact", "since": "gte"}[op]
            return Q(**{f"sent_day__{lookup}": day})
        case DateCmp(op=op, day=day):
            # The internal date's day in the zone it was given in (Item.internal_day).
            lookup = {"before": "lt", "on": "exact", "since": "gte"}[op]
            return Q(**{f"internal_day__{lookup}": day})
        case Uids(uids=uids):
            return uids.q()[0]
        case ModSeq(at_least=at_least):
            return Q(modseq__gte=at_least)
        case FullText(query=query):
            return _fulltext_q(query)
        case Not(criterion=inner):
            return ~to_q(inner)
        case And(criteria=criteria):
            q = Q()
            for c in criteria:
                q &= to_q(c)
            return q
        case Or(criteria=criteria):
            q = Q(pk__in=[])
            for c in criteria:
                q |= to_q(c)
            return q
    raise TypeError(f"unknown criterion {criterion!r}")


def _fulltext_q(query: str) -> Q:
    if connection.vendor == "postgresql":
        # A row not yet indexed (fulltext.py) has its vector computed here instead.
        matching = ItemText.objects.extra(
            where=[
                "(search_tsv @@ websearch_to_tsquery('simple', %s) OR (search_tsv IS NULL"
                " AND mailcore_search_tsv(subject, from_text, to_text, cc_text, body)"
                " @@ websearch_to_tsquery('simple', %s)))"
            ],
            params=[query, query],
        ).values("item_id")
        return Q(pk__in=matching) | Q(subject__icontains=query)
    q = Q()
    for word in query.split()[:8]:
        q &= (
            _contains("text__subject", word)
            | _contains("text__from_text", word)
            | _contains("text__to_text", word)
            | _contains("text__cc_text", word)
            | _contains("text__body", word)
        )
    return q


def search(account: Account, folder: Folder, criterion: Criterion) -> list[int]:
    """UIDs of the folder's items matching the criteria, ascending."""
    folder = owned_folder(account, folder.pk)
    uids = (
        Item.objects.filter(folder=folder)
        .filter(to_q(criterion))
        .order_by("uid")
        .values_list("uid", flat=True)
        .distinct()
    )
    return list(uids)


def search_items(
    account: Account, criterion: Criterion, folders: list[Folder] | None = None, limit: int = 200
) -> list[Item]:
    """Items across the account's folders (or the given ones), newest first."""
    qs = Item.objects.filter(folder__account=account)
    if folders is not None:
        qs = qs.filter(folder__in=[owned_folder(account, f.pk) for f in folders])
    return list(
        qs.filter(to_q(criterion))
        .defer("summary")
        .order_by("-internal_date", "-pk")
        .distinct()[:limit]
    )
