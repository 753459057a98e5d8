"""Weekly windows: add, edit and remove one, or act on some of its days only (a window that
covers several weekdays keeps the others). Each is a change applied by ``schedules._revise``: a
new version of a schedule in force, in place otherwise."""

from __future__ import annotations

import datetime as dt

from availability import selectors
from availability.models import Availability, Schedule
from availability.services.common import _invalid
from availability.services.schedules import _DAY_NAMES, WindowInput, _revise


def availability_add(
    *, facility, actor, schedule_id: int, window: WindowInput, effective_from: dt.datetime | None = None
) -> tuple[Schedule, Availability]:
    """Adds a weekly window. Returns the schedule version in force and the new window."""

    def add(current: list[WindowInput]) -> list[WindowInput]:
        window.source_id = None
        return [*current, window]

    schedule, created = _revise(
        facility=facility, actor=actor, schedule_id=schedule_id, effective_from=effective_from, change=add
    )
    return schedule, created[-1]


def availability_update(
    *,
    facility,
    actor,
    schedule_id: int,
    availability_id: int,
    window: WindowInput,
    effective_from: dt.datetime | None = None,
) -> tuple[Schedule, Availability]:
    """Edits a weekly window (a new schedule version if the schedule is in force). Returns the
    schedule version in force and the edited window (a new row in a new version)."""
    target = selectors.availability_get(facility=facility, schedule_id=schedule_id, availability_id=availability_id)

    def edit(current: list[WindowInput]) -> list[WindowInput]:
        window.source_id = target.pk
        return [window if item.source_id == target.pk else item for item in current]

    schedule, created = _revise(
        facility=facility, actor=actor, schedule_id=schedule_id, effective_from=effective_from, change=edit
    )
    return schedule, next(row for row in created if row.origin_id == target.pk)


def availability_remove(
    *, facility, actor, schedule_id: int, availability_id: int, effective_from: dt.datetime | None = None
) -> Schedule:
    """Removes a weekly window. Returns the schedule version in force."""
    target = selectors.availability_get(facility=facility, schedule_id=schedule_id, availability_id=availability_id)

    def remove(current: list[WindowInput]) -> list[WindowInput]:
        return [item for item in current if item.source_id != target.pk]

    schedule, _ = _revise(
        facility=facility, actor=actor, schedule_id=schedule_id, effective_from=effective_from, change=remove
    )
    return schedule


def availability_remove_days(
    *,
    facility,
    actor,
    schedule_id: int,
    availability_id: int,
    weekdays: list[int],
    effective_from: dt.datetime | None = None,
) -> Schedule:
    """Takes ``weekdays`` out of a weekly window that covers several: it keeps its other days
    (and is removed whole when none is left). Versioned as every window change. 400 on
    ``weekdays`` for a day the window does not cover. Returns the schedule version in force."""
    target = selectors.availability_get(facility=facility, schedule_id=schedule_id, availability_id=availability_id)
    days = _days_of(target, weekdays)

    def remove(current: list[WindowInput]) -> list[WindowInput]:
        kept = []
        for item in current:
            if item.source_id == target.pk:
                item.weekdays = [day for day in item.weekdays if day not in days]
                if not item.weekdays:
                    continue
            kept.append(item)
        return kept

    schedule, _ = _revise(
        facility=facility, actor=actor, schedule_id=schedule_id, effective_from=effective_from, change=remove
    )
    return schedule


def availability_update_days(
    *,
    facility,
    actor,
    schedule_id: int,
    availability_id: int,
    weekdays: list[int],
    window: WindowInput,
    effective_from: dt.datetime | None = None,
) -> tuple[Schedule, Availability]:
    """Edits a weekly window on ``weekdays`` only: those days split off into a window of their
    own with ``window``'s times and settings (its own weekdays are ignored), and the window keeps
    its other days as they were. Given every day of the window, it is ``availability_update``.
    Versioned as every window change; 400 on ``weekdays`` for a day the window does not cover.
    Returns the schedule version in force and the window now holding those days."""
    target = selectors.availability_get(facility=facility, schedule_id=schedule_id, availability_id=availability_id)
    days = _days_of(target, weekdays)
    window.weekdays = sorted(days)
    if days == set(target.weekdays):
        return availability_update(
            facility=facility,
            actor=actor,
            schedule_id=schedule_id,
            availability_id=availability_id,
            window=window,
            effective_from=effective_from,
        )

    def split(current: list[WindowInput]) -> list[WindowInput]:
        for item in current:
            if item.source_id == target.pk:
                item.weekdays = [day for day in item.weekdays if day not in days]
        window.source_id = None
        return [*current, window]

    schedule, created = _revise(
        facility=facility, actor=actor, schedule_id=schedule_id, effective_from=effective_from, change=split
    )
    return schedule, created[-1]


def _days_of(window: Availability, weekdays: list[int]) -> set[int]:
    days = set(weekdays)
    if not days or not days <= set(window.weekdays):
        covered = ", ".join(_DAY_NAMES[day] for day in sorted(window.weekdays))
        _invalid("weekdays", f"Choose among the days this window covers ({covered}).")
    return days
