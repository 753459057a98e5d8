"""Thin tasks: primitive ids in, one service call. The beat entries fan out one task per
facility, so one facility's failure or slowness never holds up another's night."""

import datetime as dt
import smtplib

from celery import shared_task
from django.db import OperationalError

from analytics import services
from scheduling import selectors as kernel

RETRY = {"autoretry_for": (OperationalError, ConnectionError), "retry_backoff": True, "max_retries": 3}


@shared_task(name="analytics.nightly_everywhere", ignore_result=True, soft_time_limit=60, time_limit=90, **RETRY)
def nightly_everywhere() -> int:
    """Hourly from beat: each facility aggregates its own yesterday once its clock is past 01:00,
    and catches up on missed or failed days."""
    facility_ids = kernel.facility_ids()
    for facility_id in facility_ids:
        nightly.delay(facility_id=facility_id)
    return len(facility_ids)


@shared_task(
    name="analytics.nightly",
    ignore_result=True,
    soft_time_limit=1700,
    time_limit=1800,
    autoretry_for=(OperationalError, ConnectionError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=3,
)
def nightly(*, facility_id: int) -> int:
    return len(services.nightly_pass(facility_id=facility_id))


@shared_task(name="analytics.refresh_everywhere", ignore_result=True, soft_time_limit=60, time_limit=90, **RETRY)
def refresh_everywhere() -> int:
    """Every five minutes from beat: today's figures and the at-risk days ahead."""
    facility_ids = kernel.facility_ids()
    for facility_id in facility_ids:
        refresh.delay(facility_id=facility_id)
    return len(facility_ids)


@shared_task(name="analytics.refresh", ignore_result=True, soft_time_limit=240, time_limit=300, **RETRY)
def refresh(*, facility_id: int) -> None:
    services.aggregates_refresh(facility_id=facility_id)


@shared_task(name="analytics.rerun", ignore_result=True, soft_time_limit=1700, time_limit=1800, **RETRY)
def rerun(*, facility_id: int, day: str) -> str:
    """A manager's re-run of one day from the analytics page."""
    return services.nightly_run(facility_id=facility_id, day=dt.date.fromisoformat(day), trigger="rerun").status


@shared_task(name="analytics.rebuild_days", ignore_result=True, soft_time_limit=1700, time_limit=1800, **RETRY)
def rebuild_days(*, facility_id: int, first: str, last: str) -> int:
    """Queued when a load commits: the aggregates of the days it touched."""
    return services.aggregates_rebuild_days(
        facility_id=facility_id, first=dt.date.fromisoformat(first), last=dt.date.fromisoformat(last)
    )
