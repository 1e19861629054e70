"""The Postgres full-text vector is computed after delivery instead of inside it.

`search_tsv` stops being a generated column (computing it was half of what the database
spent delivering a message, docs/decisions/0010-search-index-after-delivery.md) and
becomes a plain one that `mailcore.store.fulltext` fills in shortly after each commit,
with `mailcore_search_tsv()`, the same expression as before. Rows keep their vectors.
Until a row has one (NULL, which the partial index finds), full-text search computes it
on the fly, so nothing is ever missing from results. Changing a row's text sets its
vector back to NULL (trigger), as the generated column recomputed it.
"""

from django.db import migrations

FORWARD = [
    "CREATE FUNCTION mailcore_search_tsv(text, text, text, text, text) RETURNS tsvector"
    " LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT to_tsvector('simple', left("
    "coalesce($1, '') || ' ' || coalesce($2, '') || ' ' || coalesce($3, '') || ' ' || "
    "coalesce($4, '') || ' ' || coalesce($5, ''), 1000000)) $$",
    "ALTER TABLE mailcore_itemtext ALTER COLUMN search_tsv DROP EXPRESSION",
    "CREATE INDEX mailcore_itemtext_unindexed ON mailcore_itemtext (item_id)"
    " WHERE search_tsv IS NULL",
    "CREATE FUNCTION mailcore_itemtext_reindex() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN NEW.search_tsv := NULL; RETURN NEW; END $$",
    "CREATE TRIGGER mailcore_itemtext_reindex BEFORE UPDATE OF subject, from_text, to_text,"
    " cc_text, body ON mailcore_itemtext FOR EACH ROW WHEN ("
    "OLD.subject IS DISTINCT FROM NEW.subject OR OLD.from_text IS DISTINCT FROM NEW.from_text"
    " OR OLD.to_text IS DISTINCT FROM NEW.to_text OR OLD.cc_text IS DISTINCT FROM NEW.cc_text"
    " OR OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION mailcore_itemtext_reindex()",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS mailcore_itemtext_reindex ON mailcore_itemtext",
    "DROP FUNCTION IF EXISTS mailcore_itemtext_reindex()",
    "DROP INDEX IF EXISTS mailcore_itemtext_unindexed",
    "DROP FUNCTION IF EXISTS mailcore_search_tsv(text, text, text, text, text)",
    # Back to the generated column of 0004 (the GIN index goes with the old column).
    "ALTER TABLE mailcore_itemtext DROP COLUMN search_tsv",
    "ALTER TABLE mailcore_itemtext ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', left(coalesce(subject, '') || ' ' || coalesce(from_text, '') "
    "|| ' ' || coalesce(to_text, '') || ' ' || coalesce(cc_text, '') "
    "|| ' ' || coalesce(body, ''), 1000000))) STORED",
    "CREATE INDEX mailcore_itemtext_search_tsv ON mailcore_itemtext USING GIN (search_tsv)",
]


def _on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("mailcore", "0010_blob_data")]
    operations = [migrations.RunPython(_on_postgres(FORWARD), _on_postgres(BACKWARD))]
