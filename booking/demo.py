"""Demo bookings for today and the next days (``manage.py seed_demo``), made through the
booking service like the front desk's, so availability and every rule apply: follow-ups with the
doctors and nurses, short infusions in the chairs, and on weekdays one theatre case with its
whole team (theatre, surgeon, anaesthetist, scrub nurse), so the day board shows a case on each
of its rows. Idempotent: a facility that has any booking is left as it is."""

import datetime as dt
import random
from zoneinfo import ZoneInfo

from availability import selectors as availability
from booking import selectors, services
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind, Role
from scheduling.errors import ApplicationError

DAYS = 4
# Random bookings per day and type: (appointment type code, how many).
BOOKINGS_PER_DAY = [("follow-up", 8), ("infusion-short", 4)]
THEATRE_CASE = "theatre-case"
THEATRE_DEPARTMENT = "surg"


def seed(*, facility, actor) -> int:
    if selectors.booking_list(facility=facility).exists():
        return 0
    zone = ZoneInfo(facility.time_zone)
    today = dt.datetime.now(zone).date()
    # Book from the start of today, so the day board and the queue have this morning's patients.
    day_start = dt.datetime.combine(today, dt.time(0), tzinfo=zone)
    rng = random.Random(f"{facility.slug}-{today}")
    patients = list(kernel.patient_list(facility=facility).values_list("pk", flat=True))
    visit_types = {t.code: t for t in kernel.appointment_type_list(facility=facility)}
    resources = list(kernel.resource_list(facility=facility).filter(active=True))
    team = _theatre_team(resources)
    made = 0
    for offset in range(DAYS):
        day = today + dt.timedelta(days=offset)
        for code, count in BOOKINGS_PER_DAY:
            kind = visit_types.get(code)
            fitting = [r.pk for r in resources if kind and _fits(kind, r) and r not in team]
            for resource_id, slot in _random_slots(facility, kind, fitting, day, day_start, rng, count):
                made += _book(facility, actor, rng.choice(patients), kind, [resource_id], slot, day_start)
        case = visit_types.get(THEATRE_CASE)
        if case is not None and len(team) == len(case.resource_needs):
            times = selectors.team_slot_list(
                facility=facility, resource_ids=[r.pk for r in team], date=day, appointment_type=case, now=day_start
            )
            if times:
                made += _book(facility, actor, rng.choice(patients), case, [r.pk for r in team], times[0], day_start)
    return made


def _random_slots(facility, appointment_type, resource_ids, day, now, rng, count) -> list:
    """Up to ``count`` free slots of the resources on ``day``, long enough for the type, at random."""
    if not resource_ids:
        return []
    length = dt.timedelta(minutes=appointment_type.default_minutes)
    slots = [
        slot
        for slot in availability.slot_list(
            facility=facility,
            resource_ids=resource_ids,
            start_date=day,
            end_date=day,
            appointment_type_id=appointment_type.pk,
            now=now,
        )
        if slot.remaining > 0 and slot.end - slot.start >= length
    ]
    return [(slot.resource_id, slot) for slot in rng.sample(slots, min(count, len(slots)))]


def _fits(appointment_type, resource) -> bool:
    needs = appointment_type.resource_needs
    return not needs or (len(needs) == 1 and resource.kind in needs[0]["kinds"])


def _theatre_team(resources) -> list:
    """The first theatre, the surgery department's two doctors (surgeon, anaesthetist) and its
    nurse; empty when the demo facility has no such team."""
    theatres = [r for r in resources if r.kind == ResourceKind.THEATRE]
    surgical = [r for r in resources if r.department is not None and r.department.code == THEATRE_DEPARTMENT]
    doctors = [r for r in surgical if r.kind == ResourceKind.PRACTITIONER]
    nurses = [r for r in surgical if r.kind == ResourceKind.NURSE]
    if not theatres or len(doctors) < 2 or not nurses:
        return []
    return [theatres[0], doctors[0], doctors[1], nurses[0]]


def _book(facility, actor, patient_id, appointment_type, resource_ids, slot, now) -> int:
    request = services.BookingRequest(
        patient_id=patient_id,
        appointment_type_id=appointment_type.pk,
        start=slot.start,
        end=slot.end,
        resources=tuple(services.ResourceRequest(resource_id) for resource_id in resource_ids),
    )
    try:
        services.booking_create(facility=facility, actor=actor, actor_role=Role.ADMIN, request=request, now=now)
    except ApplicationError:
        return 0  # the random patient is busy then: the demo simply has one booking fewer
    return 1
