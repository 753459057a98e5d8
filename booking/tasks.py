"""Thin tasks: primitive ids in, one service call, idempotent, with their retry policy."""

import datetime as dt
import smtplib

from celery import shared_task
from django.db import OperationalError

from booking import services
from scheduling import selectors as kernel

RETRY = {"autoretry_for": (OperationalError, ConnectionError), "retry_backoff": True, "max_retries": 5}


# Queued after commit through scheduling.outbox; nobody reads its result. Retried when the mail
# server fails too: the service gives back the claim of the email it could not send.
@shared_task(
    name="booking.notify_booking_event",
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OperationalError, ConnectionError, smtplib.SMTPException),
    retry_backoff=True,
    max_retries=5,
)
def notify_booking_event(
    *,
    facility_id: int,
    booking_id: int,
    event: str,
    event_id: str,
    recipient_ids: list[int] | None = None,
    actor_id: int | None = None,
) -> int:
    # recipient_ids and actor_id default to None: messages queued before they were passed
    # (kept in the outbox across a deploy) still run.
    return services.notify_booking_event(
        facility_id=facility_id,
        booking_id=booking_id,
        event=event,
        event_id=event_id,
        recipient_ids=recipient_ids,
        actor_id=actor_id,
    )


@shared_task(name="booking.mark_no_shows_everywhere", soft_time_limit=60, time_limit=90, **RETRY)
def mark_no_shows_everywhere() -> int:
    """Hourly from beat: one sweep per facility, each for its own yesterday."""
    facility_ids = kernel.facility_ids()
    for facility_id in facility_ids:
        mark_no_shows.delay(facility_id=facility_id)
    return len(facility_ids)


@shared_task(name="booking.mark_no_shows", soft_time_limit=240, time_limit=300, **RETRY)
def mark_no_shows(*, facility_id: int, day: str | None = None) -> int:
    return services.bookings_mark_no_show(
        facility=kernel.facility_get(facility_id=facility_id), day=dt.date.fromisoformat(day) if day else None
    )
