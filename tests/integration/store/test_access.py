"""One account never reads, changes, or even learns of another's folders and items.

Every call is made as charlie against alice's objects and must behave exactly as if the
object did not exist (NotFound, the same error as for a made-up id).
"""

import pytest

from mailcore import store
from mailcore.store import FlagMode
from mailcore.store import criteria as c


@pytest.fixture
def alices(alice, message):
    inbox = store.find_folder(alice, "INBOX")
    secret = store.create_folder(alice, "Secret")
    result = store.append(alice, secret, message("salary", "confidential\n"))
    store.append(alice, inbox, message("hello"))
    return inbox, secret, result.item_id


def as_missing(fn, *args, **kwargs):
    with pytest.raises(store.NotFound):
        fn(*args, **kwargs)


def test_charlie_cannot_reach_alices_folders(alice, charlie, alices):
    _inbox, secret, item_id = alices
    archive = store.find_folder(charlie, "Archive")
    as_missing(store.get_folder, charlie, secret.pk)
    as_missing(store.find_folder, charlie, "Secret")
    as_missing(store.items, charlie, secret)
    as_missing(store.uid_list, charlie, secret)
    as_missing(store.folder_status, charlie, secret)
    as_missing(store.changes_since, charlie, secret, 0)
    as_missing(store.search, charlie, secret, c.All())
    as_missing(store.append, charlie, secret, b"Subject: x\r\n\r\ny")
    as_missing(store.store_flags, charlie, secret, [1], FlagMode.ADD, ["\\Seen"])
    as_missing(store.copy, charlie, secret, [1], archive)
    as_missing(store.copy, charlie, archive, [1], secret)
    as_missing(store.move, charlie, secret, [1], archive)
    as_missing(store.expunge, charlie, secret, [1], only_deleted=False)
    as_missing(store.rename_folder, charlie, secret, "Mine")
    as_missing(store.move_folder, charlie, store.create_folder(charlie, "Mine"), secret)
    as_missing(store.delete_folder, charlie, secret)
    as_missing(store.set_subscribed, charlie, secret, False)
    as_missing(store.get_item, charlie, item_id)
    as_missing(store.read_raw, charlie, item_id)


def test_errors_for_others_objects_equal_errors_for_nonexistent_ones(alice, charlie, alices):
    _, secret, item_id = alices
    for getter, real in [(store.get_folder, secret.pk), (store.get_item, item_id)]:
        messages = []
        for ident in (real, 10**12):
            with pytest.raises(store.NotFound) as exc:
                getter(charlie, ident)
            messages.append(str(exc.value))
        assert messages[0] == messages[1]


def test_nothing_of_alices_changed(alice, charlie, alices):
    _inbox, secret, _item_id = alices
    before = [(i.uid, store.flag_names(i)) for i in store.items(alice, secret)]
    with pytest.raises(store.NotFound):
        store.store_flags(charlie, secret, [1], FlagMode.ADD, ["\\Deleted"])
    with pytest.raises(store.NotFound):
        store.expunge(charlie, secret, [1], only_deleted=False)
    assert [(i.uid, store.flag_names(i)) for i in store.items(alice, secret)] == before
    assert "Secret" in [f.path for f in store.list_folders(alice)]


def test_listings_and_searches_show_only_own(alice, bob, charlie, alices):
    assert "Secret" not in [f.path for f in store.list_folders(charlie)]
    assert store.search_items(charlie, c.Contains("subject", "salary")) == []
    assert store.search_items(charlie, c.FullText("confidential")) == []
    assert len(store.search_items(alice, c.Contains("subject", "salary"))) == 1
    assert store.quota_usage(charlie) == 0
    assert store.hierarchy_changes_since(charlie, 0) != store.hierarchy_changes_since(alice, 0)


def test_a_folder_object_of_another_account_is_rechecked(alice, bob, alices):
    # Passing alice's Folder instance with bob as the actor must not work, even though
    # the caller holds a real model object.
    _, secret, _ = alices
    with pytest.raises(store.NotFound):
        store.items(bob, secret)
    with pytest.raises(store.NotFound):
        store.copy(bob, store.find_folder(bob, "INBOX"), [1], secret)
