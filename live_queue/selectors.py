"""Reads of queues and entries. Every function takes the facility."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet

from booking import selectors as booking_selectors
from live_queue.models import OPEN_STATUSES, EntryStatus, Queue, QueueEntry
from live_queue.scoring import GRACE_MINUTES, ScoreParts, entry_score, ordered
from scheduling.errors import NotFound
from scheduling.parsing import parse_id


def queue_list(*, facility, day: dt.date | None = None) -> QuerySet[Queue]:
    """Queues with ``waiting_count``, the number of entries waiting in each."""
    queues = (
        Queue.objects.filter(facility=facility)
        .select_related("resource", "department")
        .annotate(waiting_count=Count("entries", filter=Q(entries__status=EntryStatus.WAITING)))
    )
    if day is not None:
        queues = queues.filter(day=day)
    return queues.order_by("-day", "name")


def queue_get(*, facility, queue_id, for_update: bool = False) -> Queue:
    if for_update:  # a locked read cannot carry the aggregate
        queues = Queue.objects.filter(facility=facility).select_for_update()
    else:
        queues = queue_list(facility=facility)
    try:
        return queues.get(pk=parse_id(queue_id))
    except (Queue.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Queue") from None


def entry_get(*, facility, entry_id, for_update: bool = False) -> QueueEntry:
    entries = QueueEntry.objects.filter(facility=facility).select_related("queue", "encounter")
    if for_update:
        entries = entries.select_for_update(of=("self",))
    try:
        return entries.get(pk=parse_id(entry_id))
    except (QueueEntry.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Queue entry") from None


def entry_list(*, facility, queue_id: int, statuses: list[str] | None = None) -> QuerySet[QueueEntry]:
    entries = QueueEntry.objects.filter(facility=facility, queue_id=queue_id).select_related(
        "encounter__patient", "encounter__appointment_type", "encounter__booking"
    )
    if statuses:
        entries = entries.filter(status__in=statuses)
    return entries


def queue_in_order(*, facility, queue_id: int, now: dt.datetime) -> list[tuple[QueueEntry, ScoreParts]]:
    """The waiting entries in the order they will be called, each with its score parts."""
    waiting = entry_list(facility=facility, queue_id=queue_id, statuses=[EntryStatus.WAITING])
    return [(entry, entry_score(entry, now=now)) for entry in ordered(waiting, now=now)]


def queue_board(*, facility, queue_id: int, now: dt.datetime) -> dict:
    """What the waiting-room screen shows: token numbers only, never names."""
    called = list(
        entry_list(facility=facility, queue_id=queue_id, statuses=[EntryStatus.CALLED])
        .order_by("-called_at")
        .values("token_number", "counter", "called_at")[:6]
    )
    waiting = [entry.token_number for entry, _ in queue_in_order(facility=facility, queue_id=queue_id, now=now)]
    return {"called": called, "waiting": waiting}


def entry_times(*, facility, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Check-in, called, start and end of each entry checked in during [start, end), with its
    queue's resource or department and the appointment type: the raw material of waiting-time
    and service-time analytics."""
    return QueueEntry.objects.filter(facility=facility, checked_in_at__gte=start, checked_in_at__lt=end).values(
        "id",
        "queue__resource_id",
        "queue__department_id",
        "queue__day",
        "encounter__appointment_type_id",
        "status",
        "checked_in_at",
        "called_at",
        "started_at",
        "ended_at",
    )


def patient_open_entry(*, facility, patient_id: int, day: dt.date) -> QueueEntry | None:
    """The patient's open entry of the facility-local ``day``: at most one, by constraint."""
    return (
        QueueEntry.objects.filter(facility=facility, patient_id=patient_id, day=day, status__in=OPEN_STATUSES)
        .select_related("queue", "patient")
        .first()
    )


def patient_visit_list(*, facility, patient_id: int) -> QuerySet[QueueEntry]:
    """The patient's queue entries, newest check-in first (a transfer makes a second entry of
    the same visit), each with its queue and its encounter's appointment type and booking."""
    return (
        QueueEntry.objects.filter(facility=facility, patient_id=patient_id)
        .select_related("queue", "encounter__appointment_type", "encounter__booking")
        .order_by("-checked_in_at", "-id")
    )


def day_entry_list(*, facility, day: dt.date, statuses: list[str] | None = None) -> QuerySet[QueueEntry]:
    """The entries of every queue of the facility-local ``day``, with their queue and patient, by
    queue and then by arrival (the order of each queue's call is ``queue_in_order``'s)."""
    entries = QueueEntry.objects.filter(facility=facility, day=day).select_related("queue", "patient")
    if statuses:
        entries = entries.filter(status__in=statuses)
    return entries.order_by("queue__name", "arrived_at", "id")


# --- lateness, and the check-in list ----------------------------------------------------------

# A patient is late for their appointment when they check in more than the score's grace after
# its start: the line at which they lose their place and are ordered by arrival
# (``scoring.GRACE_MINUTES``), so the "Late" badge explains the order the desk sees.
LATE_GRACE_MINUTES = GRACE_MINUTES
# The check-in list: booked patients starting within this time are due; one whose start passed
# more than MISSING_AFTER ago without a check-in is missing (a candidate for no-show).
DUE_WITHIN = dt.timedelta(minutes=60)
MISSING_AFTER = dt.timedelta(minutes=60)
# Booked and not yet arrived.
NOT_ARRIVED_STATUSES = ["scheduled", "approved"]


def entry_late_minutes(entry: QueueEntry) -> int | None:
    """Whole minutes the patient checked in after their appointment's start, when that is more
    than ``LATE_GRACE_MINUTES``; None for a walk-in or a patient on time."""
    if entry.appointment_at is None:
        return None
    late = entry.arrived_at - entry.appointment_at
    if late <= dt.timedelta(minutes=LATE_GRACE_MINUTES):
        return None
    return int(late.total_seconds() // 60)


def queue_board_waiting(*, facility, queue_id: int, now: dt.datetime) -> list[dict]:
    """The waiting tokens in call order, each with ``late_minutes`` (None if on time): what the
    waiting-room board shows beside a number, never a name."""
    return [
        {"token_number": entry.token_number, "late_minutes": entry_late_minutes(entry)}
        for entry, _ in queue_in_order(facility=facility, queue_id=queue_id, now=now)
    ]


@dataclass(frozen=True)
class Arrival:
    """A booking of today whose patient has not checked in, and how its start stands to now:
    ``minutes`` until the start (due, later) or since it (late, missing)."""

    booking: object
    minutes: int


def arrival_list(*, facility, now: dt.datetime) -> dict[str, list[Arrival]]:
    """Today's booked patients (in the facility's zone) who have not checked in, by start:
    ``late`` (start passed, at most MISSING_AFTER ago), ``due`` (start within DUE_WITHIN),
    ``later`` (later today) and ``missing`` (start more than MISSING_AFTER ago). A booking
    carried over from yesterday is not today's."""
    zone = ZoneInfo(facility.time_zone)
    today = now.astimezone(zone).date()
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    day_end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    groups: dict[str, list[Arrival]] = {"late": [], "due": [], "later": [], "missing": []}
    booked = booking_selectors.booking_list(
        facility=facility, start=day_start, end=day_end, statuses=NOT_ARRIVED_STATUSES
    ).filter(start__gte=day_start)
    for booking in booked.order_by("start", "pk"):
        if booking.start <= now:
            since = now - booking.start
            groups["missing" if since > MISSING_AFTER else "late"].append(
                Arrival(booking=booking, minutes=int(since.total_seconds() // 60))
            )
        else:
            until = booking.start - now
            groups["due" if until <= DUE_WITHIN else "later"].append(
                Arrival(booking=booking, minutes=int(until.total_seconds() // 60))
            )
    return groups
