"""Celery beat's schedule lives in the database (django-celery-beat); data migrations add each
periodic task with ``crontab_entry``, so a fresh install and every test database have them."""

from django.db import migrations


def crontab_entry(
    *, name: str, task: str, minute: str, hour: str = "*", expire_seconds: int | None = None
) -> migrations.RunPython:
    """A migration operation that runs ``task`` at ``minute`` of ``hour`` (crontab fields, UTC)
    under the name ``name``, and removes it again when the migration is reversed. Re-running it
    updates the entry rather than adding a second one. ``expire_seconds``: a message not picked
    up by a worker within that time is dropped (the next run does its work)."""

    def add(apps, schema_editor):
        CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={"task": task, "crontab": crontab, "enabled": True, "expire_seconds": expire_seconds},
        )

    def remove(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()

    return migrations.RunPython(add, remove)
