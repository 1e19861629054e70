"""Subscriptions become names of their own (RFC 3501 6.3.6: a subscription outlives its
mailbox). Every subscribed mail folder's path is copied into Subscription; subscriptions
of calendars, contacts and other non-mail folders are dropped (only IMAP reads them, and
IMAP shows mail folders only).
"""

import django.db.models.deletion
from django.db import migrations, models

INBOX = "INBOX"
DELIMITER = "/"


def _paths(folders) -> dict[int, str]:
    by_id = {f.pk: f for f in folders}
    paths: dict[int, str] = {}
    for folder in folders:
        names, node, depth = [], folder, 0
        while node is not None and depth < 256:
            names.append(INBOX if node.special_use == "\\Inbox" else node.name)
            node = by_id.get(node.parent_id) if node.parent_id else None
            depth += 1
        paths[folder.pk] = DELIMITER.join(reversed(names))
    return paths


def _folders_by_account(Folder):
    accounts: dict[int, list] = {}
    for folder in Folder.objects.only("pk", "account_id", "parent_id", "name", "special_use",
                                      "kind", "subscribed"):
        accounts.setdefault(folder.account_id, []).append(folder)
    return accounts


def copy_subscriptions(apps, schema_editor):
    Folder = apps.get_model("mailcore", "Folder")
    Subscription = apps.get_model("mailcore", "Subscription")
    rows = []
    for account_id, folders in _folders_by_account(Folder).items():
        paths = _paths(folders)
        rows += [
            Subscription(account_id=account_id, name=paths[f.pk][:1000])
            for f in folders
            if f.subscribed and f.kind == "mail"
        ]
    Subscription.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)


def restore_subscribed(apps, schema_editor):
    Folder = apps.get_model("mailcore", "Folder")
    Subscription = apps.get_model("mailcore", "Subscription")
    for account_id, folders in _folders_by_account(Folder).items():
        names = set(Subscription.objects.filter(account_id=account_id).values_list("name", flat=True))
        paths = _paths(folders)
        unsubscribed = [f.pk for f in folders if f.kind == "mail" and paths[f.pk] not in names]
        Folder.objects.filter(pk__in=unsubscribed).update(subscribed=False)


class Migration(migrations.Migration):
    dependencies = [("mailcore", "0005_item_sent_day")]

    operations = [
        migrations.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=1000)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="subscriptions",
                        to="mailcore.account",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("account", "name"), name="subscription_unique_name"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_subscriptions, restore_subscribed),
        migrations.RemoveField(model_name="folder", name="subscribed"),
    ]
