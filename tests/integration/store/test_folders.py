"""Folder operations of the store."""

import pytest

from mailcore import store
from mailcore.models import FolderKind, SpecialUse


def paths(account):
    return [f.path for f in store.list_folders(account)]


def test_new_account_has_the_default_folders(alice):
    folders = {f.path: f for f in store.list_folders(alice)}
    assert set(folders) == {
        "INBOX",
        "Drafts",
        "Sent Items",
        "Deleted Items",
        "Junk Email",
        "Archive",
        "Calendar",
        "Contacts",
        "Tasks",
        "Notes",
    }
    assert paths(alice)[0] == "INBOX"
    assert folders["Sent Items"].special_use == SpecialUse.SENT
    assert folders["Deleted Items"].special_use == SpecialUse.TRASH
    assert folders["Calendar"].kind == FolderKind.CALENDAR
    assert folders["Contacts"].kind == FolderKind.CONTACTS
    assert folders["Tasks"].kind == FolderKind.TASKS
    assert folders["Notes"].kind == FolderKind.NOTES
    assert len({f.uidvalidity for f in folders.values()}) == 10
    assert store.list_folders(alice, FolderKind.CALENDAR)[0].path == "Calendar"


def test_create_makes_superiors_and_finds_by_path(alice):
    folder = store.create_folder(alice, "Projects/2026/Q4")
    assert folder.path == "Projects/2026/Q4"
    assert {"Projects", "Projects/2026", "Projects/2026/Q4"} <= set(paths(alice))
    assert store.find_folder(alice, "Projects/2026").name == "2026"
    assert store.find_folder(alice, "inbox").special_use == SpecialUse.INBOX
    with pytest.raises(store.AlreadyExists):
        store.create_folder(alice, "Projects/2026")
    with pytest.raises(store.AlreadyExists):
        store.create_folder(alice, "Inbox")


def test_subfolder_of_inbox(alice):
    folder = store.create_folder(alice, "INBOX/Receipts")
    assert folder.path == "INBOX/Receipts"
    assert store.find_folder(alice, "Inbox/Receipts").pk == folder.pk


@pytest.mark.parametrize(
    "bad", ["", "a//b", "/a", "a/", ".", "a/../b", "x\x00y", "x\ny", "n" * 256]
)
def test_invalid_names_are_refused(alice, bad):
    with pytest.raises(store.InvalidName):
        store.create_folder(alice, bad)


def test_rename_moves_the_subtree(alice):
    store.create_folder(alice, "A/B/C")
    a = store.find_folder(alice, "A")
    store.rename_folder(alice, a, "Z/Y")
    assert "Z/Y/B/C" in paths(alice)
    assert "A" not in paths(alice)
    with pytest.raises(store.InvalidName):
        store.rename_folder(alice, store.find_folder(alice, "Z"), "Z/Y/B/C/Z")


def test_rename_keeps_uidvalidity_and_items(alice, message):
    folder = store.create_folder(alice, "Old")
    store.append(alice, folder, message())
    renamed = store.rename_folder(alice, folder, "New")
    assert renamed.uidvalidity == folder.uidvalidity
    assert renamed.exists_count == 1


def test_rename_inbox_moves_its_messages(alice, message):
    inbox = store.find_folder(alice, "INBOX")
    for n in range(3):
        store.append(alice, inbox, message(f"m{n}"))
    target = store.rename_folder(alice, inbox, "Old Inbox")
    assert target.exists_count == 3
    assert store.find_folder(alice, "INBOX").exists_count == 0
    assert [i.subject for i in store.items(alice, target)] == ["m0", "m1", "m2"]


def test_default_folders_cannot_be_renamed_or_deleted(alice):
    sent = store.find_folder(alice, "Sent Items")
    with pytest.raises(store.NotPermitted):
        store.rename_folder(alice, sent, "Sent")
    with pytest.raises(store.NotPermitted):
        store.delete_folder(alice, sent)
    with pytest.raises(store.NotPermitted):
        store.delete_folder(alice, store.find_folder(alice, "INBOX"))


def test_delete_with_children_needs_recursive(alice, message):
    store.create_folder(alice, "P/Q")
    p = store.find_folder(alice, "P")
    store.append(alice, store.find_folder(alice, "P/Q"), message())
    with pytest.raises(store.HasChildren):
        store.delete_folder(alice, p)
    store.delete_folder(alice, p, recursive=True)
    assert "P" not in paths(alice) and "P/Q" not in paths(alice)


def test_recreated_folder_gets_new_uidvalidity(alice):
    first = store.create_folder(alice, "Again")
    store.delete_folder(alice, first)
    second = store.create_folder(alice, "Again")
    assert second.uidvalidity != first.uidvalidity


def test_move_folder(alice):
    x = store.create_folder(alice, "X")
    y = store.create_folder(alice, "Y")
    moved = store.move_folder(alice, x, y)
    assert moved.path == "Y/X"
    assert store.move_folder(alice, moved, None).path == "X"


def test_subscriptions(alice):
    folder = store.create_folder(alice, "S")
    assert "S" in store.subscriptions(alice)  # new mail folders start subscribed
    store.set_subscribed(alice, folder, False)
    assert "S" not in store.subscriptions(alice)
    store.set_subscribed(alice, folder, False)  # twice is fine
    store.set_subscribed(alice, "S", True)
    store.set_subscribed(alice, "S", True)
    assert "S" in store.subscriptions(alice)
    assert "INBOX" in store.subscriptions(alice)
    store.create_folder(alice, "Cal", kind="calendar")
    assert "Cal" not in store.subscriptions(alice)  # only IMAP reads subscriptions


def test_a_subscription_outlives_its_folder(alice):
    """RFC 3501 6.3.6: deleting a folder leaves its name subscribed; the name alone
    unsubscribes it; a name that is neither a folder nor subscribed is NotFound."""
    store.delete_folder(alice, store.create_folder(alice, "Gone"))
    assert "Gone" in store.subscriptions(alice)
    store.set_subscribed(alice, "Gone", False)
    assert "Gone" not in store.subscriptions(alice)
    with pytest.raises(store.NotFound):
        store.set_subscribed(alice, "Gone", False)
    with pytest.raises(store.NotFound):
        store.set_subscribed(alice, "Gone", True)  # subscribing needs the folder
    store.delete_folder(alice, store.create_folder(alice, "Back"))
    store.create_folder(alice, "Back")  # re-created under a subscribed name: one row
    assert "Back" in store.subscriptions(alice)


def test_rename_moves_subscriptions_with_the_folder(alice):
    store.create_folder(alice, "A/B/C")
    store.create_folder(alice, "AB")  # a sibling sharing the prefix stays put
    store.set_subscribed(alice, store.find_folder(alice, "A/B"), False)
    store.create_folder(alice, "Z/B")
    store.delete_folder(alice, store.find_folder(alice, "Z/B"))  # "Z/B" stays subscribed
    store.rename_folder(alice, store.find_folder(alice, "A"), "Z/A")
    store.rename_folder(alice, store.find_folder(alice, "Z/A/B"), "Z/B")
    names = store.subscriptions(alice)
    assert {"Z/A", "Z/B/C", "AB", "Z/B", "Z"} <= names
    assert not {"A", "A/B", "A/B/C", "Z/A/B", "Z/A/B/C"} & names
    store.rename_folder(alice, store.find_folder(alice, "INBOX"), "Old Inbox")
    assert {"INBOX", "Old Inbox"} <= store.subscriptions(alice)


def test_hierarchy_changes_are_logged(alice):
    start = max((m for m, _, _ in store.hierarchy_changes_since(alice, 0)), default=0)
    f = store.create_folder(alice, "H")
    store.rename_folder(alice, f, "H2")
    store.delete_folder(alice, store.find_folder(alice, "H2"))
    changes = store.hierarchy_changes_since(alice, start)
    assert [(fid, action) for _, fid, action in changes] == [
        (f.pk, "created"),
        (f.pk, "renamed"),
        (f.pk, "deleted"),
    ]
    assert [m for m, _, _ in changes] == sorted(m for m, _, _ in changes)
