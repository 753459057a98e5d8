from datetime import timedelta

from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from scheduling.tasks import clear_expired_sessions


def test_nightly_housekeeping_is_scheduled_and_clears_only_expired_sessions(db):
    task = PeriodicTask.objects.get(task="scheduling.clear_expired_sessions")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("3", "15")

    now = timezone.now()
    Session.objects.create(session_key="expired" * 4, session_data="", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="current" * 4, session_data="", expire_date=now + timedelta(days=1))
    clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4]
