"""Reads of bookings, token slots and notifications. Every function takes the facility."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from availability import selectors as availability
from booking.lifecycle import HOLDING, can_move
from booking.models import Booking, BookingResource, Notification, PatientMessage, TokenBooking
from scheduling import selectors as kernel
from scheduling.errors import NotFound
from scheduling.parsing import parse_id


def booking_list(
    *,
    facility,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    resource_id: int | None = None,
    patient_id: int | None = None,
    statuses: list[str] | None = None,
) -> QuerySet[Booking]:
    """Bookings of the facility overlapping [start, end), optionally of one resource (held
    exclusively or through a token), one patient, or some statuses; each with
    ``rescheduled_to_id``, the booking that replaced it (or None)."""
    bookings = Booking.objects.filter(facility=facility)
    if start is not None:
        bookings = bookings.filter(end__gt=start)
    if end is not None:
        bookings = bookings.filter(start__lt=end)
    if resource_id is not None:
        bookings = bookings.filter(
            Exists(BookingResource.objects.filter(booking=OuterRef("pk"), resource_id=resource_id))
            | Exists(TokenBooking.objects.filter(booking=OuterRef("pk"), slot__resource_id=resource_id))
        )
    if patient_id is not None:
        bookings = bookings.filter(patient_id=patient_id)
    if statuses:
        bookings = bookings.filter(status__in=statuses)
    replacement = Booking.objects.filter(replaces=OuterRef("pk")).values("pk")[:1]
    return (
        bookings.select_related("patient", "appointment_type", "booked_by", "token__slot")
        .prefetch_related(Prefetch("resources", queryset=BookingResource.objects.select_related("resource")))
        .annotate(rescheduled_to_id=Subquery(replacement))
    )


def booking_get(*, facility, booking_id, for_update: bool = False) -> Booking:
    bookings = Booking.objects.filter(facility=facility)
    if for_update:
        bookings = bookings.select_for_update(of=("self",))
    try:
        return bookings.get(pk=parse_id(booking_id))
    except (Booking.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Booking") from None


def booking_detail(*, facility, booking_id) -> Booking:
    """One booking with its patient, type, resources and token loaded for display."""
    try:
        return booking_list(facility=facility).get(pk=parse_id(booking_id))
    except (Booking.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Booking") from None


def booking_resource_rows(*, facility, booking_id) -> list[BookingResource]:
    """The resource rows of one booking (token rows included), by start; empty for an unknown id."""
    try:
        booking_id = int(booking_id)
    except (TypeError, ValueError):
        return []
    if not 0 < booking_id < 2**63:
        return []
    return list(
        BookingResource.objects.filter(facility=facility, booking_id=booking_id).order_by("start", "resource_id")
    )


def transition_allowed(*, booking: Booking, to_status: str) -> bool:
    """Whether the life cycle lets ``booking`` move to ``to_status`` now."""
    return can_move(booking.status, to_status)


def bookings_to_mark_no_show(*, facility, start: dt.datetime, end: dt.datetime) -> QuerySet[Booking]:
    """Bookings starting in [start, end) that nobody checked in."""
    return Booking.objects.filter(
        facility=facility, start__gte=start, start__lt=end, status__in=["scheduled", "approved"]
    ).order_by("start", "id")


def patient_for_booking(*, facility, patient_id, start, end, now: dt.datetime):
    """The patient row, locked FOR UPDATE for the caller's transaction (so two bookings of one
    patient are checked in turn), annotated in the same query with ``overlapping`` (a booking
    of theirs holds time in [start, end)) and ``future_bookings`` (how many time-holding
    bookings they have from ``now`` on). 404 for another facility's patient."""
    mine = Booking.objects.filter(facility=facility, patient_id=OuterRef("pk"), holds_time=True)
    future = (
        mine.filter(start__gte=now, status__in=[s.value for s in HOLDING])
        .order_by()
        .values("patient_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    patients = (
        kernel.patient_list(facility=facility)
        .select_for_update(of=("self",))
        .annotate(
            overlapping=Exists(mine.filter(start__lt=end, end__gt=start)),
            future_bookings=Coalesce(Subquery(future), 0),
        )
    )
    try:
        return patients.get(pk=parse_id(patient_id))
    except (patients.model.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("Patient") from None


def notification_list(*, facility, recipient, unread_only: bool = False) -> QuerySet[Notification]:
    notices = Notification.objects.filter(facility=facility, recipient=recipient).select_related("booking")
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def notification_unread_count(*, facility, recipient) -> int:
    return Notification.objects.filter(facility=facility, recipient=recipient, read_at__isnull=True).count()


class ActiveBookings:
    """What availability is told is booked (registered in BookingConfig.ready): every
    time-holding ``BookingResource`` row, one unit each; token rows say they are ``shared``."""

    def active_intervals(self, *, facility, resource_ids: list[int], start, end) -> list[tuple]:
        moving = _moving_booking.get()
        return [
            as_interval(row)
            for row in held_time(facility=facility, resource_ids=resource_ids, start=start, end=end)
            if row.booking_id != moving
        ]

    def any_booking(self, *, facility, resource_id: int, start, end) -> bool:
        return resource_ever_booked(facility=facility, resource_id=resource_id, start=start, end=end)


def resource_ever_booked(*, facility, resource_id: int, start: dt.datetime, end: dt.datetime | None) -> bool:
    """Whether any booking, in any status, has held or holds the resource over [start, end)
    (``end`` None: open-ended)."""
    rows = BookingResource.objects.filter(facility=facility, resource_id=resource_id, end__gt=start)
    if end is not None:
        rows = rows.filter(start__lt=end)
    return rows.exists()


@dataclass(frozen=True, slots=True)
class HeldTime:
    """One resource's time held by one booking: exclusively, or as a token of ``token_slot_id``."""

    booking_id: int
    resource_id: int
    start: dt.datetime
    end: dt.datetime
    token_slot_id: int | None


def held_time(*, facility, resource_ids: list[int], start, end) -> list[HeldTime]:
    """The time-holding rows of the resources overlapping [start, end), in one query."""
    rows = BookingResource.objects.filter(
        facility=facility, resource_id__in=list(resource_ids), holds_time=True, start__lt=end, end__gt=start
    ).values_list("booking_id", "resource_id", "start", "end", "token_slot_id")
    return [HeldTime(*row) for row in rows]


def as_interval(held: HeldTime) -> tuple:
    """The shape availability reads: (resource_id, start, end, units, shared)."""
    return (held.resource_id, held.start, held.end, 1, held.token_slot_id is not None)


def bookings_for_facts(*, facility, start: dt.datetime, end: dt.datetime, resource_kinds: list[str]) -> list[dict]:
    """One row per (booking, resource of ``resource_kinds``) for the bookings starting in
    [start, end): what analytics turns into facts of the day of care. Each row: ``booking_id``,
    ``status``, ``start``, ``end``, ``actual_start``, ``actual_end``, ``appointment_type_id``,
    ``appointment_type_code``, ``appointment_type_name``, ``resource_id``, ``resource_name``,
    ``resource_kind``."""
    return list(
        Booking.objects.filter(
            facility=facility,
            start__gte=start,
            start__lt=end,
            resources__resource__kind__in=resource_kinds,
        )
        .order_by("start", "pk", "resources__resource_id")
        .values(
            "status",
            "start",
            "end",
            "actual_start",
            "actual_end",
            "appointment_type_id",
            booking_id=F("pk"),
            appointment_type_code=F("appointment_type__code"),
            appointment_type_name=F("appointment_type__name"),
            resource_id=F("resources__resource_id"),
            resource_name=F("resources__resource__name"),
            resource_kind=F("resources__resource__kind"),
        )
    )


# --- calendars: the day board, the week and the month -------------------------------------------


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One chip of a calendar cell on local day ``day``: a free slot of the resource (``slot``),
    or a booking's time on it (``booking``; ``continued`` on the days after the one it starts)."""

    resource_id: int
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    slot: availability.Slot | None = None
    booking: Booking | None = None
    continued: bool = False

    @property
    def free(self) -> bool:
        return self.booking is None


@dataclass(frozen=True)
class CalendarBoard:
    """``entries`` by (resource id, local day), each by start with a free slot before a booking
    starting with it; ``bookings``: every booking of the range on the resources, any status (a
    cancelled one too, though it holds no time), by start."""

    days: list[dt.date]
    entries: dict[tuple[int, dt.date], list[CalendarEntry]]
    bookings: list[Booking]

    def cell(self, resource_id: int, day: dt.date) -> list[CalendarEntry]:
        return self.entries.get((resource_id, day), [])


def calendar_board(
    *, facility, resource_ids: list[int], start_date: dt.date, end_date: dt.date, now: dt.datetime | None = None
) -> CalendarBoard:
    """What the day board, the week and the month show of the resources over the facility-local
    dates ``start_date``..``end_date``: their free slots (bookable, with room left) and the time
    each booking holds on each of them, so a team booking is on every one of its resources. A
    booking over midnight is on each day it covers. Two reads whatever the number of days or
    resources, one ``slot_list`` and one ``booking_list`` over the whole range
    (tests/booking/test_calendar.py). Resource ids of another facility show nothing."""
    zone = ZoneInfo(facility.time_zone)
    days = [start_date + dt.timedelta(days=n) for n in range((end_date - start_date).days + 1)]
    if not resource_ids:
        return CalendarBoard(days=days, entries={}, bookings=[])
    entries: dict[tuple[int, dt.date], list[CalendarEntry]] = defaultdict(list)
    slots = availability.slot_list(
        facility=facility, resource_ids=list(resource_ids), start_date=start_date, end_date=end_date, now=now
    )
    for slot in slots:
        if slot.bookable and slot.remaining > 0:
            day = timezone.localtime(slot.start, zone).date()
            entries[(slot.resource_id, day)].append(CalendarEntry(slot.resource_id, day, slot.start, slot.end, slot))

    range_start = dt.datetime.combine(start_date, dt.time.min, tzinfo=zone)
    range_end = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    on_resources = Exists(
        BookingResource.objects.filter(booking=OuterRef("pk"), resource_id__in=list(resource_ids))
    ) | Exists(TokenBooking.objects.filter(booking=OuterRef("pk"), slot__resource_id__in=list(resource_ids)))
    bookings = list(
        booking_list(facility=facility, start=range_start, end=range_end).filter(on_resources).order_by("start", "pk")
    )
    shown = set(resource_ids)
    for booking in bookings:
        # A row that no longer holds time (cancelled, or a completed visit's unused part) leaves
        # the grid; the booking stays in ``bookings`` for the list under it.
        for row in booking.resources.all():
            if not row.holds_time or row.resource_id not in shown:
                continue
            first = timezone.localtime(row.start, zone).date()
            day = max(first, start_date)
            last = timezone.localtime(min(row.end, range_end) - dt.timedelta(microseconds=1), zone).date()
            while day <= last:
                entries[(row.resource_id, day)].append(
                    CalendarEntry(row.resource_id, day, row.start, row.end, booking=booking, continued=day > first)
                )
                day += dt.timedelta(days=1)
    for cell in entries.values():
        cell.sort(key=lambda entry: (entry.start, not entry.free))
    return CalendarBoard(days=days, entries=dict(entries), bookings=bookings)


# --- team bookings: when is every resource of a team free ------------------------------------


def team_slot_list(
    *,
    facility,
    resource_ids: list[int],
    date: dt.date,
    appointment_type,
    now: dt.datetime | None = None,
    length: dt.timedelta | None = None,
) -> list[availability.Slot]:
    """The times on local ``date`` when every one of ``resource_ids`` (a team: a theatre with its
    surgeon, anaesthetist and nurse) can take ``appointment_type`` together, earliest first.

    Each is a free, bookable open slot of the first resource, at least ``length`` long (by
    default the type's minutes; a reschedule keeps the booking's own) and cut to
    [start, start + length), kept when each other resource has free,
    bookable open slots of one window (or extra time) that together cover that interval: nothing
    of theirs is booked then and their availability takes the type. Token slots are left out,
    since a token slot is booked for one resource at a time. What the booking service will
    accept, in one slot read (a fixed number of queries) whatever the size of the team."""
    if not resource_ids:
        return []
    length = length or dt.timedelta(minutes=appointment_type.default_minutes)
    free: dict[int, list] = defaultdict(list)
    for slot in availability.slot_list(
        facility=facility,
        resource_ids=list(resource_ids),
        start_date=date,
        end_date=date,
        appointment_type_id=appointment_type.pk,
        now=now,
    ):
        if slot.type == "open" and slot.bookable and slot.remaining > 0:
            free[slot.resource_id].append(slot)
    first, others = resource_ids[0], resource_ids[1:]
    runs = {resource_id: _free_runs(free[resource_id]) for resource_id in others}
    team_slots = []
    for slot in free[first]:
        start, end = slot.start, slot.start + length
        if slot.end - slot.start < length:
            continue
        if all(any(s <= start and end <= e for s, e in runs[resource_id]) for resource_id in others):
            team_slots.append(
                availability.Slot(first, start, end, slot.type, 1, 0, 1, True, slot.availability_id, slot.exception_id)
            )
    return team_slots


# --- rescheduling: the moved booking's own time counts as free -----------------------------------

_moving_booking: ContextVar[int | None] = ContextVar("moving_booking", default=None)


@contextmanager
def own_time_free(*, booking_id: int) -> Iterator[None]:
    """Within it, the slot reads (``availability.slot_list``, ``team_slot_list``) do not count
    ``booking_id``'s time as booked, nor its units towards a daily limit: what
    ``booking_reschedule`` does, since it releases the old booking before it books the new time,
    so a booking moved by less than its length may overlap its old time
    (tests/booking/test_reschedule_team.py). For reads only: the services read ``held_time``."""
    token = _moving_booking.set(int(booking_id))
    try:
        yield
    finally:
        _moving_booking.reset(token)


def _free_runs(slots) -> list[tuple[dt.datetime, dt.datetime]]:
    """Back-to-back free slots of one window (or extra time) merged into the spans they cover:
    the service admits an interval that lies inside one window."""
    runs: list[list] = []
    for slot in sorted(slots, key=lambda slot: slot.start):
        source = (slot.availability_id, slot.exception_id)
        if runs and runs[-1][1] == slot.start and runs[-1][2] == source:
            runs[-1][1] = slot.end
        else:
            runs.append([slot.start, slot.end, source])
    return [(start, end) for start, end, _ in runs]


def patient_message_list(*, facility, booking_id: int) -> QuerySet[PatientMessage]:
    """What the patient was told about this booking, newest first."""
    return PatientMessage.objects.filter(facility=facility, booking_id=booking_id)
