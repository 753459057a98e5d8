"""Housekeeping run by Celery beat. Tasks are thin: they call one service and are idempotent."""

from celery import shared_task
from django.db import OperationalError

from scheduling import outbox, services


@shared_task(
    name="scheduling.clear_expired_sessions",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=240,
    time_limit=300,
)
def clear_expired_sessions() -> None:
    services.sessions_clear_expired()


# No retry policy of its own: beat sends it again every minute.
@shared_task(name="scheduling.drain_outbox", ignore_result=True, soft_time_limit=50, time_limit=55)
def drain_outbox() -> int:
    return outbox.outbox_drain()
