"""ItemText.body holds the body only (RFC 3501 6.4.4 SEARCH BODY); the subject gets a
column of its own, and the Postgres tsvector covers subject, from, to, cc and body, so
full-text search still finds a sender's name or a word of the subject.

Existing rows are rebuilt from their blobs: every stored message is read and summarised
again (a few milliseconds each; run it in a maintenance window on a large store). An item
whose blob cannot be read keeps its old text, which also holds the subject and addresses:
it stays searchable, and SEARCH BODY may match its header words.
"""

from django.db import migrations, models

from mailcore.mime import summarize

OLD_TSV = (
    "ALTER TABLE mailcore_itemtext ADD COLUMN body_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', left(coalesce(from_text, '') || ' ' || coalesce(to_text, '') "
    "|| ' ' || coalesce(body, ''), 1000000))) STORED",
    "CREATE INDEX mailcore_itemtext_body_tsv ON mailcore_itemtext USING GIN (body_tsv)",
)
DROP_OLD_TSV = (
    "DROP INDEX IF EXISTS mailcore_itemtext_body_tsv",
    "ALTER TABLE mailcore_itemtext DROP COLUMN IF EXISTS body_tsv",
)
NEW_TSV = (
    "ALTER TABLE mailcore_itemtext ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', left(coalesce(subject, '') || ' ' || coalesce(from_text, '') "
    "|| ' ' || coalesce(to_text, '') || ' ' || coalesce(cc_text, '') "
    "|| ' ' || coalesce(body, ''), 1000000))) STORED",
    "CREATE INDEX mailcore_itemtext_search_tsv ON mailcore_itemtext USING GIN (search_tsv)",
)
DROP_NEW_TSV = (
    "DROP INDEX IF EXISTS mailcore_itemtext_search_tsv",
    "ALTER TABLE mailcore_itemtext DROP COLUMN IF EXISTS search_tsv",
)
CHUNK = 500


def _on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


def rebuild_texts(apps, schema_editor):
    from django.core.files.storage import storages

    ItemText = apps.get_model("mailcore", "ItemText")
    storage = storages["blobs"]
    # Ids first: the loop updates the table it walks.
    ids = list(ItemText.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        rows = list(
            ItemText.objects.filter(pk__in=ids[start : start + CHUNK])
            .select_related("item")
            .only("pk", "subject", "body", "item__blob_id", "item__subject")
        )
        for row in rows:
            digest = row.item.blob_id
            try:
                with storage.open(f"{digest[:2]}/{digest[2:4]}/{digest}", "rb") as f:
                    summary = summarize(f.read())
            except Exception:  # a missing blob: each storage backend raises its own error
                row.subject = row.item.subject
                continue
            row.subject = summary.subject
            row.body = summary.search_text
        ItemText.objects.bulk_update(rows, ["subject", "body"])


class Migration(migrations.Migration):
    dependencies = [("mailcore", "0003_folder_recent_uid")]
    operations = [
        migrations.AddField(
            model_name="itemtext", name="subject", field=models.TextField(blank=True)
        ),
        # The old tsvector goes before the rows change, so each row is rewritten once.
        migrations.RunPython(_on_postgres(DROP_OLD_TSV), _on_postgres(OLD_TSV)),
        # Backwards the rows keep their body-only text: still searchable by body.
        migrations.RunPython(rebuild_texts, migrations.RunPython.noop),
        migrations.RunPython(_on_postgres(NEW_TSV), _on_postgres(DROP_NEW_TSV)),
    ]
