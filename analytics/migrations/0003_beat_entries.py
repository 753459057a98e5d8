"""Registers with Celery beat the nightly aggregates (hourly: each facility runs its own
yesterday once its clock is past 01:00) and the five-minute refresh of today and the days ahead."""

from django.db import migrations

from scheduling.beat import crontab_entry


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_nightly_aggregates"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        crontab_entry(
            name="Hourly: nightly analytics of each facility's yesterday (after its local 01:00)",
            task="analytics.nightly_everywhere",
            minute="20",
            expire_seconds=3000,
        ),
        crontab_entry(
            name="Every 5 minutes: analytics of today and the 14 days ahead",
            task="analytics.refresh_everywhere",
            minute="*/5",
            expire_seconds=280,
        ),
    ]
