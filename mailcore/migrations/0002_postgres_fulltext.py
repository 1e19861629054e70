"""Full-text search on Postgres: a generated tsvector over the search text, GIN-indexed.

SQLite has no equivalent worth its cost; there the store falls back to substring search.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE mailcore_itemtext ADD COLUMN body_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', left(coalesce(from_text, '') || ' ' || coalesce(to_text, '') "
    "|| ' ' || coalesce(body, ''), 1000000))) STORED",
    "CREATE INDEX mailcore_itemtext_body_tsv ON mailcore_itemtext USING GIN (body_tsv)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS mailcore_itemtext_body_tsv",
    "ALTER TABLE mailcore_itemtext DROP COLUMN IF EXISTS body_tsv",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("mailcore", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
