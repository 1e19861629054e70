"""The Postgres full-text index kept after the commit (store/fulltext.py, migration 0011):
an item is found by full-text search before its vector exists and after; the indexer
fills the vectors in once the append commits; changed text is indexed again."""

from __future__ import annotations

import pytest
from django.db import connection

from mailcore import store
from mailcore.models import ItemText
from mailcore.store import criteria as s
from mailcore.store import fulltext

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="vectors and their index are Postgres's"
)


def _unindexed(folder) -> list[int]:
    """UIDs of the folder's items whose text has no vector yet."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.uid FROM mailcore_item i JOIN mailcore_itemtext t ON t.item_id = i.id"
            " WHERE i.folder_id = %s AND t.search_tsv IS NULL ORDER BY i.uid",
            [folder.pk],
        )
        return [uid for (uid,) in cursor.fetchall()]


@pytest.fixture
def inbox(alice, message):
    inbox = store.find_folder(alice, "INBOX")
    store.append(alice, inbox, message("Quarterly report", "Numbers are up.\n"))
    store.append(alice, inbox, message("Lunch?", "Pizza at noon.\n", sender="dave@pizza.test"))
    return inbox


def test_found_before_and_after_indexing(alice, inbox):
    # Inside the test's transaction nothing has committed: no vectors yet.
    assert _unindexed(inbox) == [1, 2]
    assert store.search(alice, inbox, s.FullText("pizza noon")) == [2]
    assert store.search(alice, inbox, s.FullText("dave@pizza.test")) == [2]
    assert store.search(alice, inbox, s.FullText("numbers -pizza")) == [1]

    assert fulltext.index_all() == 2
    assert _unindexed(inbox) == []
    assert store.search(alice, inbox, s.FullText("pizza noon")) == [2]
    assert store.search(alice, inbox, s.FullText("dave@pizza.test")) == [2]
    assert store.search(alice, inbox, s.FullText("numbers -pizza")) == [1]
    assert fulltext.index_all() == 0


def test_changed_text_is_indexed_again(alice, inbox):
    fulltext.index_all()
    item = store.items(alice, inbox, [2])[0]
    ItemText.objects.filter(item_id=item.pk).update(body="Anchovies after all.")
    assert _unindexed(inbox) == [2]
    assert store.search(alice, inbox, s.FullText("anchovies")) == [2]
    assert store.search(alice, inbox, s.FullText("pizza")) == []
    # A change that leaves the text as it was keeps the vector.
    ItemText.objects.filter(item_id=item.pk).update(headers="X-Other: 1")
    fulltext.index_all()
    ItemText.objects.filter(item_id=item.pk).update(body="Anchovies after all.")
    assert _unindexed(inbox) == []
    assert store.search(alice, inbox, s.FullText("anchovies")) == [2]


def test_copies_are_found_and_indexed(alice, inbox):
    archive = store.create_folder(alice, "Kept")
    store.copy(alice, inbox, [1, 2], archive)
    assert store.search(alice, archive, s.FullText("pizza")) == [2]
    fulltext.index_all()
    assert _unindexed(archive) == []
    assert store.search(alice, archive, s.FullText("pizza")) == [2]


@pytest.mark.django_db(transaction=True)
def test_the_indexer_runs_once_the_append_commits(message):
    alice = store.create_account("alice@example.test", "alice-pw")
    inbox = store.find_folder(alice, "INBOX")
    store.append(alice, inbox, message("Lunch?", "Pizza at noon.\n"))
    assert fulltext.settle(10)
    assert _unindexed(inbox) == []
    assert store.search(alice, inbox, s.FullText("pizza")) == [1]
