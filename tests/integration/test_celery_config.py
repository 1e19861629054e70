"""The Celery app finds the delivery tasks, and beat's schedule names real ones."""

from webmail.celery import app


def test_beat_schedule_names_registered_tasks(settings):
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry
    for name in ("deliver_queued", "relay_queued", "sweep_queue"):
        assert f"mailcore.delivery.tasks.{name}" in app.tasks
