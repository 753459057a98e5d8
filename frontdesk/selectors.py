"""Reads that compose several apps for the pages of the front desk: a patient's record across
bookings and queues, and each role's today. Nothing here touches another app's tables: every
row comes from that app's selectors, scoped to the facility."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from booking import selectors as bookings
from live_queue import selectors as queues
from scheduling import selectors as kernel

# Booked and not yet arrived: what the desk can check in.
AWAITED_STATUSES = ["scheduled", "approved"]
# A chair or theatre holding one of these is in use.
IN_USE_STATUSES = ["checked_in", "in_progress"]
FLOOR_KINDS = ("chair", "theatre")


@dataclass(frozen=True)
class LocalDay:
    """One facility-local day as the instants that bound it, and now."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    now: dt.datetime


def local_day(*, facility, now: dt.datetime) -> LocalDay:
    zone = ZoneInfo(facility.time_zone)
    day = now.astimezone(zone).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return LocalDay(day=day, start=start, end=end, now=now)


def booking_resources(booking) -> str:
    """The names of what a booking holds (its token's resource for a token booking)."""
    return ", ".join(row.resource.name for row in booking.resources.all())


# --- one patient ------------------------------------------------------------------------------


def patient_upcoming_bookings(*, facility, patient_id: int, now: dt.datetime):
    """The patient's bookings not yet over, soonest first."""
    return bookings.booking_list(facility=facility, patient_id=patient_id, start=now).order_by("start", "pk")


def patient_past_bookings(*, facility, patient_id: int, now: dt.datetime):
    """The patient's bookings that have ended, latest first."""
    return (
        bookings.booking_list(facility=facility, patient_id=patient_id).filter(end__lte=now).order_by("-start", "-pk")
    )


def patient_check_in_bookings(*, facility, patient_id: int, now: dt.datetime) -> list:
    """The patient's bookings of today (facility-local) that the desk can still check in."""
    today = local_day(facility=facility, now=now)
    return [
        booking
        for booking in bookings.booking_list(
            facility=facility, patient_id=patient_id, start=today.start, end=today.end, statuses=AWAITED_STATUSES
        ).order_by("start", "pk")
        if booking.start >= today.start  # begins today, not carried over from yesterday
    ]


def patient_visits(*, facility, patient_id: int):
    return queues.patient_visit_list(facility=facility, patient_id=patient_id)


# --- today, per role --------------------------------------------------------------------------


def today_bookings(*, facility, today: LocalDay, resource_id: int | None = None):
    """The bookings that begin today (of one resource, if given), by start."""
    return (
        bookings.booking_list(facility=facility, start=today.start, end=today.end, resource_id=resource_id)
        .filter(start__gte=today.start)
        .order_by("start", "pk")
    )


def desk_today(*, facility, today: LocalDay) -> dict:
    """The desk's day besides its bookings (``today_bookings``): who is waiting in the queues now,
    and who has not checked in though their start has passed, ``late`` or, past the queue's
    limit, ``missing`` (the queue's check-in list says the same)."""
    arrivals = queues.arrival_list(facility=facility, now=today.now)
    waiting = list(queues.day_entry_list(facility=facility, day=today.day, statuses=["waiting"]))
    return {"late": arrivals["late"], "missing": arrivals["missing"], "waiting": waiting}


def clinician_today(*, facility, user, today: LocalDay) -> dict:
    """A clinician's own day: the bookings of the resources that stand for them, and who waits
    in those resources' queues now."""
    resources = list(kernel.resource_list(facility=facility).filter(user=user, active=True))
    mine = {}  # a team booking may hold two of their resources: listed once
    for resource in resources:
        for booking in today_bookings(facility=facility, today=today, resource_id=resource.pk):
            mine[booking.pk] = booking
    resource_ids = {resource.pk for resource in resources}
    my_queues = [
        queue for queue in queues.queue_list(facility=facility, day=today.day) if queue.resource_id in resource_ids
    ]
    waiting = []
    for queue in my_queues:
        in_order = queues.queue_in_order(facility=facility, queue_id=queue.pk, now=today.now)
        waiting.append({"queue": queue, "entries": [entry for entry, _ in in_order]})
    return {
        "resources": resources,
        "bookings": sorted(mine.values(), key=lambda booking: (booking.start, booking.pk)),
        "queues": waiting,
    }


def status_counts(*, facility, today: LocalDay) -> list[dict]:
    """Today's bookings counted by status (label and count), most frequent first."""
    labels = {}
    counts = Counter()
    for booking in today_bookings(facility=facility, today=today).prefetch_related(None):
        labels[booking.status] = booking.get_status_display()
        counts[booking.status] += 1
    return [{"status": status, "label": labels[status], "count": count} for status, count in counts.most_common()]


def floor_now(*, facility, today: LocalDay) -> dict:
    """Chairs and theatres in use now (holding a checked-in or in-progress booking of now, or
    an in-progress one of today that is running over) out of the active ones, per kind."""
    totals = Counter(
        kernel.resource_list(facility=facility).filter(active=True, kind__in=FLOOR_KINDS).values_list("kind", flat=True)
    )
    in_use: dict[str, set[int]] = {kind: set() for kind in FLOOR_KINDS}
    held = bookings.booking_list(facility=facility, start=today.start, end=today.end, statuses=IN_USE_STATUSES)
    for booking in held:
        running_over = booking.status == "in_progress" and booking.end <= today.now
        if not (booking.start <= today.now < booking.end or running_over):
            continue
        for row in booking.resources.all():
            if row.resource.kind in in_use:
                in_use[row.resource.kind].add(row.resource_id)
    return {
        "chairs": {"in_use": len(in_use["chair"]), "total": totals["chair"]},
        "theatres": {"in_use": len(in_use["theatre"]), "total": totals["theatre"]},
    }


def queue_lengths(*, facility, today: LocalDay):
    """Today's queues with ``waiting_count``."""
    return queues.queue_list(facility=facility, day=today.day)
