"""Demo infusion center (``manage.py seed_demo``, after the imports and booking demos): every demo
facility gets the study's defaults; the cancer centre also gets its ratio and usual staffing,
chemotherapy and infusion bookings on the weekdays of the next days (through the booking
service, so every rule applies), and a manager's entries of the nurses on duty those days (a
morning and a late shift), made after the bookings as a manager would when the rota is known,
so the day view shows a busy morning and an afternoon where the nurses fall short.
Idempotent: a day that has nurse entries already is left as it is. All data is fictitious."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from booking import services as booking
from infusion.selectors import capacity
from infusion.services import configuration
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind, Role
from scheduling.errors import ApplicationError

INFUSION_FACILITY = "hillcrest"
DAYS = 5
RATIO = Decimal("2.5")
USUAL_NURSES = 4
# A morning and a late shift, overlapping over lunch: 3 × 2.5 → 7 chairs, then 12, then 5.
SHIFTS = [
    {"start_time": dt.time(8), "end_time": dt.time(14), "nurses": 3, "note": "Morning shift"},
    {"start_time": dt.time(12), "end_time": dt.time(18), "nurses": 2, "note": "Late shift"},
]
# (appointment type code, local start): a day's chair bookings.
BOOKINGS = [
    ("chemo-long", "08:00"),
    ("chemo-short", "08:30"),
    ("chemo-short", "09:00"),
    ("infusion-long", "09:00"),
    ("infusion-short", "10:00"),
    ("chemo-short", "11:00"),
    ("chemo-long", "12:00"),
    ("infusion-long", "13:00"),
    ("chemo-short", "14:00"),
    ("infusion-long", "14:00"),
    ("chemo-short", "15:00"),
    ("infusion-short", "16:00"),
]


def seed(*, facility, actor) -> int:
    """Returns the rows created now (defaults, bookings and nurse entries)."""
    created = sum(configuration.infusion_defaults_ensure(facility=facility, actor=actor).values())
    if facility.slug != INFUSION_FACILITY:
        return created
    settings = capacity.settings_for(facility=facility)
    if settings.default_nurses is None:
        configuration.settings_update(
            facility=facility, actor=actor, chairs_per_nurse=RATIO, default_nurses=USUAL_NURSES
        )
    zone = ZoneInfo(facility.time_zone)
    today = dt.datetime.now(zone).date()
    start_of_today = dt.datetime.combine(today, dt.time(0), tzinfo=zone)
    entered = {
        shift.date
        for shift in capacity.nurse_shift_list(facility=facility, first=today, last=today + dt.timedelta(days=DAYS))
    }
    types = {t.code: t for t in kernel.appointment_type_list(facility=facility)}
    chairs = list(kernel.resource_list(facility=facility).filter(kind=ResourceKind.CHAIR, active=True).order_by("name"))
    patients = list(kernel.patient_list(facility=facility).values_list("pk", flat=True))
    for offset in range(DAYS):
        day = today + dt.timedelta(days=offset)
        if day.weekday() > 4 or day in entered:
            continue
        for index, (code, start) in enumerate(BOOKINGS):
            if code in types and chairs and patients:
                patient = patients[(offset * len(BOOKINGS) + index) % len(patients)]
                created += _book(facility, actor, types[code], chairs, patient, day, start, zone, start_of_today)
        configuration.nurses_on_duty_replace(facility=facility, day=day, shifts=SHIFTS, source="manual", actor=actor)
        created += len(SHIFTS)
    return created


def _book(facility, actor, appointment_type, chairs, patient_id, day, start, zone, now) -> int:
    """Books the first chair free at ``start`` for the type's minutes; 0 when none is (or the
    patient is busy then)."""
    begin = dt.datetime.combine(day, dt.time.fromisoformat(start), tzinfo=zone)
    end = begin + dt.timedelta(minutes=appointment_type.default_minutes)
    for chair in chairs:
        request = booking.BookingRequest(
            patient_id=patient_id,
            appointment_type_id=appointment_type.pk,
            start=begin,
            end=end,
            resources=(booking.ResourceRequest(chair.pk),),
        )
        try:
            booking.booking_create(facility=facility, actor=actor, actor_role=Role.ADMIN, request=request, now=now)
        except ApplicationError:
            continue
        return 1
    return 0
