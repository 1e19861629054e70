"""The indexes of the tables every delivered message writes to: each one serves something
no other index already serves (migration 0013)."""

from __future__ import annotations

import pytest
from django.db import connection

from mailcore.models import Blob, Change, Item, ItemText, LocalDelivery, QueuedMessage
from mailcore.models.queue import QueueRecipient

pytestmark = pytest.mark.django_db

PER_MESSAGE = [Blob, Item, ItemText, Change, QueuedMessage, QueueRecipient, LocalDelivery]


def _partial_index_names(table: str) -> set[str]:
    """Indexes with a WHERE clause: a partial index on a leading part of another index
    (mailcore_itemtext_unindexed, say) is small and serves its own query."""
    if connection.vendor == "postgresql":
        sql = "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s"
    else:
        sql = (
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql LIKE %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [table, "% WHERE %"])
        return {name for (name,) in cursor.fetchall()}


def _indexes(table: str) -> dict[str, tuple[list[str], bool]]:
    """name -> (columns, unique) of every index on `table`, primary key included."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: (info["columns"], bool(info["unique"] or info["primary_key"]))
        for name, info in constraints.items()
        if info["index"] or info["unique"] or info["primary_key"]
    }


@pytest.mark.parametrize("model", PER_MESSAGE, ids=lambda m: m.__name__)
def test_no_index_is_a_leading_part_of_another(model):
    partial = _partial_index_names(model._meta.db_table)
    indexes = _indexes(model._meta.db_table)
    redundant = [
        (name, other)
        for name, (columns, unique) in indexes.items()
        if not unique and name not in partial
        for other, (other_columns, _) in indexes.items()
        if other != name and other_columns[: len(columns)] == columns
    ]
    assert redundant == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="varchar_pattern_ops: Postgres")
@pytest.mark.parametrize("model", PER_MESSAGE, ids=lambda m: m.__name__)
def test_no_pattern_ops_twin_for_prefix_like(model):
    """Django adds a varchar_pattern_ops index beside every indexed character column, for
    LIKE 'prefix%'; on these tables the columns are hashes and identifiers, looked up by
    equality only."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s"
            " AND indexdef LIKE '%%pattern_ops%%'",
            [model._meta.db_table],
        )
        assert cursor.fetchall() == []
