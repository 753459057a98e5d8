"""Registers the hourly no-show sweep with Celery beat's database scheduler."""

from django.db import migrations

from scheduling.beat import crontab_entry


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        crontab_entry(
            name="Hourly: mark yesterday's unattended bookings as no-show",
            task="booking.mark_no_shows_everywhere",
            minute="5",
        )
    ]
