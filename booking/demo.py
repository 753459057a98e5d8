"""Demo bookings for today and the next days (``manage.py seed_demo``), made through the
booking service like the front desk's, so availability and every rule apply. Idempotent: a
facility that has any booking is left as it is."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from availability import selectors as availability
from booking import selectors, services
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind, Role
from scheduling.errors import ApplicationError

DAYS = 4
BOOKINGS_PER_DAY = 12


def seed(*, facility, actor) -> int:
    if selectors.booking_list(facility=facility).exists():
        return 0
    zone = ZoneInfo(facility.time_zone)
    today = dt.datetime.now(zone).date()
    # Book from the start of today, so the day board and the queue have this morning's patients.
    day_start = dt.datetime.combine(today, dt.time(0), tzinfo=zone)
    rng = random.Random(f"{facility.slug}-{today}")
    patients = list(kernel.patient_list(facility=facility).values_list("pk", flat=True))
    visit_types = {t.code: t.pk for t in kernel.appointment_type_list(facility=facility)}
    resources = [
        r for r in kernel.resource_list(facility=facility).filter(active=True) if r.kind != ResourceKind.THEATRE
    ]
    made = 0
    for offset in range(DAYS):
        day = today + dt.timedelta(days=offset)
        slots = [
            slot
            for slot in availability.slot_list(
                facility=facility,
                resource_ids=[r.pk for r in resources],
                start_date=day,
                end_date=day,
                appointment_type_id=visit_types.get("follow-up"),
                now=day_start,
            )
            if slot.remaining > 0
        ]
        for slot in rng.sample(slots, min(BOOKINGS_PER_DAY, len(slots))):
            request = services.BookingRequest(
                patient_id=rng.choice(patients),
                appointment_type_id=visit_types["follow-up"],
                start=slot.start,
                end=slot.end,
                resources=(services.ResourceRequest(slot.resource_id),),
            )
            try:
                services.booking_create(
                    facility=facility, actor=actor, actor_role=Role.ADMIN, request=request, now=day_start
                )
            except ApplicationError:
                continue  # the random patient is busy then: the demo simply has one booking fewer
            made += 1
    return made
