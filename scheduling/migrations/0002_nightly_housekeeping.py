"""Registers the nightly housekeeping with Celery beat's database scheduler."""

from django.db import migrations

from scheduling.beat import crontab_entry


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        crontab_entry(
            name="Nightly: clear expired sessions", task="scheduling.clear_expired_sessions", minute="15", hour="3"
        )
    ]
