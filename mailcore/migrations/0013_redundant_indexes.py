"""Nine index entries fewer for every message stored: indexes that another index already
serves, or that serve a query nobody makes.

- A foreign key's own index where a composite index leads with the same column:
  Item.folder (item_unique_uid and nine others), Change.folder (change_folder_modseq),
  LocalDelivery.message (local_delivery_once).
- On Postgres, the varchar_pattern_ops twin Django adds beside the index of every
  character column with db_index=True, for LIKE 'prefix%': Item.blob, message_id,
  thread_id, ical_uid, QueuedMessage.blob and Blob's primary key. These are hashes and
  identifiers, looked up by equality only. The plain indexes stay, declared in Meta now
  (item_blob, item_message_id, item_thread_id, item_ical_uid, queuedmessage_blob).

The database side is written out rather than left to AlterField: AlterField of a foreign
key drops and re-adds the constraint, which re-checks every row of a large mailbox
table, and rebuilds the kept indexes under new names. Here the kept indexes are renamed
(Postgres) or re-created (SQLite, which cannot rename an index), and nothing else is
touched. The old names are Django's own, which depend only on table and column names.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, Django's name for the column's index, its new name or None to drop it)
INDEXES = [
    ("mailcore_item", "folder_id", "mailcore_item_folder_id_44b4c796", None),
    ("mailcore_change", "folder_id", "mailcore_change_folder_id_057802c2", None),
    ("mailcore_localdelivery", "message_id", "mailcore_localdelivery_message_id_dab01a58", None),
    ("mailcore_item", "blob_id", "mailcore_item_blob_id_ce8b6804", "item_blob"),
    ("mailcore_item", "message_id", "mailcore_item_message_id_d1c4f290", "item_message_id"),
    ("mailcore_item", "thread_id", "mailcore_item_thread_id_67ac2062", "item_thread_id"),
    ("mailcore_item", "ical_uid", "mailcore_item_ical_uid_260ef7f5", "item_ical_uid"),
    (
        "mailcore_queuedmessage",
        "blob_id",
        "mailcore_queuedmessage_blob_id_9f7a3c0b",
        "queuedmessage_blob",
    ),
]
# Postgres only: the varchar_pattern_ops twins (table, column, name).
LIKE_INDEXES = [
    ("mailcore_item", "blob_id", "mailcore_item_blob_id_ce8b6804_like"),
    ("mailcore_item", "message_id", "mailcore_item_message_id_d1c4f290_like"),
    ("mailcore_item", "thread_id", "mailcore_item_thread_id_67ac2062_like"),
    ("mailcore_item", "ical_uid", "mailcore_item_ical_uid_260ef7f5_like"),
    ("mailcore_queuedmessage", "blob_id", "mailcore_queuedmessage_blob_id_9f7a3c0b_like"),
    ("mailcore_blob", "sha256", "mailcore_blob_sha256_44e692e4_like"),
]


def forwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    q = schema_editor.quote_name
    for table, column, old, new in INDEXES:
        if new and postgres:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {q(old)} RENAME TO {q(new)}")
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {q(old)}")
        if new:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {q(new)} ON {q(table)} ({q(column)})"
            )
    if postgres:
        for _table, _column, name in LIKE_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {q(name)}")


def backwards(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    q = schema_editor.quote_name
    for table, column, old, new in INDEXES:
        if new and postgres:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {q(new)} RENAME TO {q(old)}")
        elif new:
            schema_editor.execute(f"DROP INDEX IF EXISTS {q(new)}")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {q(old)} ON {q(table)} ({q(column)})")
    if postgres:
        for table, column, name in LIKE_INDEXES:
            columns = f"{q(column)} varchar_pattern_ops"
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(table)} ({columns})")


class Migration(migrations.Migration):
    dependencies = [
        ("mailcore", "0012_lz4_compression"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="change",
                    name="folder",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="changes",
                        to="mailcore.folder",
                    ),
                ),
                migrations.AlterField(
                    model_name="item",
                    name="blob",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="items",
                        to="mailcore.blob",
                    ),
                ),
                migrations.AlterField(
                    model_name="item",
                    name="folder",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="mailcore.folder",
                    ),
                ),
                migrations.AlterField(
                    model_name="item",
                    name="ical_uid",
                    field=models.CharField(blank=True, max_length=255),
                ),
                migrations.AlterField(
                    model_name="item",
                    name="message_id",
                    field=models.CharField(blank=True, max_length=255),
                ),
                migrations.AlterField(
                    model_name="item",
                    name="thread_id",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AlterField(
                    model_name="localdelivery",
                    name="message",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="mailcore.queuedmessage",
                    ),
                ),
                migrations.AlterField(
                    model_name="queuedmessage",
                    name="blob",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="queued",
                        to="mailcore.blob",
                    ),
                ),
                migrations.AddIndex(
                    model_name="item",
                    index=models.Index(fields=["blob"], name="item_blob"),
                ),
                migrations.AddIndex(
                    model_name="item",
                    index=models.Index(fields=["message_id"], name="item_message_id"),
                ),
                migrations.AddIndex(
                    model_name="item",
                    index=models.Index(fields=["thread_id"], name="item_thread_id"),
                ),
                migrations.AddIndex(
                    model_name="item",
                    index=models.Index(fields=["ical_uid"], name="item_ical_uid"),
                ),
                migrations.AddIndex(
                    model_name="queuedmessage",
                    index=models.Index(fields=["blob"], name="queuedmessage_blob"),
                ),
            ],
        ),
    ]
