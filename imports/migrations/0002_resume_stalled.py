"""Registers with Celery beat the minute's check for imports whose worker died."""

from django.db import migrations

from scheduling.beat import crontab_entry


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        crontab_entry(
            name="Every minute: hand on imports whose worker stopped",
            task="imports.resume_stalled",
            minute="*",
            expire_seconds=55,
        )
    ]
