"""Item.sent_day: the day of the Date field in its own zone (RFC 3501 6.4.4 SENTBEFORE,
SENTON, SENTSINCE compare dates "disregarding time and timezone").

Existing rows take it from the stored summary, whose date keeps the field's own offset, so
the day is exact. A row whose summary has no date but which has a sent_date (rows written
by hand, such as benchmark fixtures) takes the UTC day of sent_date: an approximation that
is a day off for messages sent near midnight away from UTC.
"""

from datetime import UTC, date, datetime

from django.db import migrations, models

CHUNK = 1000


def _day(summary_date, sent_date) -> date | None:
    if isinstance(summary_date, str) and summary_date:
        try:
            return datetime.fromisoformat(summary_date).date()
        except ValueError:
            pass
    if sent_date is not None:
        return sent_date.astimezone(UTC).date()
    return None


def fill_sent_day(apps, schema_editor):
    Item = apps.get_model("mailcore", "Item")
    rows = Item.objects.filter(sent_day__isnull=True).order_by("pk")
    ids = list(rows.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = Item.objects.filter(pk__in=ids[start : start + CHUNK])
        updates = []
        for pk, summary_date, sent_date in chunk.values_list("pk", "summary__date", "sent_date"):
            day = _day(summary_date, sent_date)
            if day is not None:
                updates.append(Item(pk=pk, sent_day=day))
        Item.objects.bulk_update(updates, ["sent_day"])


class Migration(migrations.Migration):
    dependencies = [("mailcore", "0004_search_text_body_only")]

    operations = [
        migrations.AddField(
            model_name="item",
            name="sent_day",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(fields=["folder", "sent_day"], name="item_folder_sent_day"),
        ),
        migrations.RunPython(fill_sent_day, migrations.RunPython.noop),
    ]
