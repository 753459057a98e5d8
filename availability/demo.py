"""Demo weekly availability for the demo facilities' resources (``manage.py seed_demo``).
Idempotent: a resource that already has a schedule is left as it is."""

import datetime as dt

from availability import selectors, services
from availability.services import WindowInput
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind

WEEKDAYS = [0, 1, 2, 3, 4]
VALID_FROM = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _open(days, start, end) -> WindowInput:
    return WindowInput(weekdays=days, start_time=dt.time(start), end_time=dt.time(end), type="open")


def _tokens(days, start, end, minutes, tokens) -> WindowInput:
    return WindowInput(
        weekdays=days,
        start_time=dt.time(start),
        end_time=dt.time(end),
        type="tokens",
        slot_size_minutes=minutes,
        tokens_per_slot=tokens,
    )


# Doctors see patients by token in the morning (15-minute slots, two patients each) and book
# freely in the afternoon; chairs run six days a week; theatres, rooms and nurses weekdays.
WINDOWS = {
    ResourceKind.PRACTITIONER: [_tokens(WEEKDAYS, 9, 12, 15, 2), _open(WEEKDAYS, 13, 17)],
    ResourceKind.NURSE: [_open(WEEKDAYS, 8, 16)],
    ResourceKind.CHAIR: [_open([0, 1, 2, 3, 4, 5], 8, 18)],
    ResourceKind.THEATRE: [_open(WEEKDAYS, 8, 18)],
    ResourceKind.ROOM: [_open(WEEKDAYS, 8, 18)],
    ResourceKind.EQUIPMENT: [_open(WEEKDAYS, 8, 18)],
}
# The surgery department's surgeon, anaesthetist and scrub nurse work the theatre lists all day,
# so a theatre case finds its whole team free on weekdays.
THEATRE_TEAM_WINDOWS = [_open(WEEKDAYS, 8, 18)]
THEATRE_DEPARTMENT = "surg"


def _windows(resource) -> list[WindowInput]:
    on_theatre_team = resource.department is not None and resource.department.code == THEATRE_DEPARTMENT
    if on_theatre_team and resource.kind in (ResourceKind.PRACTITIONER, ResourceKind.NURSE):
        return THEATRE_TEAM_WINDOWS
    return WINDOWS[resource.kind]


def seed(*, facility, actor) -> int:
    """Gives every resource of ``facility`` without a schedule its demo week; returns how many."""
    made = 0
    for resource in kernel.resource_list(facility=facility):
        if selectors.schedule_list(facility=facility, resource_id=resource.pk).exists():
            continue
        services.schedule_create(
            facility=facility,
            actor=actor,
            resource_id=resource.pk,
            valid_from=VALID_FROM,
            name="Demo week",
            availabilities=_windows(resource),
        )
        made += 1
    return made
