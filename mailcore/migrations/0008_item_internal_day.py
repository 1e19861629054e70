"""Item.internal_offset and Item.internal_day: the zone an internal date was given in
and its day there (RFC 3501 6.4.4 BEFORE, ON, SINCE compare dates "disregarding time and
timezone"; FETCH INTERNALDATE gives the date back in its zone).

Existing rows kept no zone: they were stored and searched in UTC, so they get offset 0
and the UTC day of their internal date, which is what they answered before.
"""

from datetime import UTC

from django.db import migrations, models
from django.db.models.functions import TruncDate


def fill_internal_day(apps, schema_editor):
    Item = apps.get_model("mailcore", "Item")
    Item.objects.filter(internal_day__isnull=True).update(
        internal_day=TruncDate("internal_date", tzinfo=UTC)
    )


class Migration(migrations.Migration):
    dependencies = [("mailcore", "0007_item_sort_indexes")]

    operations = [
        migrations.AddField(
            model_name="item",
            name="internal_day",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="item",
            name="internal_offset",
            field=models.SmallIntegerField(default=0),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(fields=["folder", "internal_day"], name="item_folder_internal_day"),
        ),
        migrations.RunPython(fill_internal_day, migrations.RunPython.noop),
    ]
