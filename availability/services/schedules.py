"""Schedules: create, replace (a new version), close, delete; and ``_revise``, how every change
of a schedule's windows is applied (a new version of a schedule in force, in place otherwise;
the window services are in ``windows``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from availability import booking_source, selectors
from availability.models import (
    Availability,
    Schedule,
    WindowType,
)
from availability.services.common import (
    CLOCK_SKEW,
    KEEP,
    _check_in_range,
    _check_validity,
    _invalid,
    _lock_resource,
    _refuse_stranding,
    _save,
    _save_schedule,
    max_slots_per_window,
)
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.history import audited_delete


@dataclass
class WindowInput:
    """One weekly window as a client describes it."""

    weekdays: list[int]
    start_time: dt.time
    end_time: dt.time
    type: str
    slot_size_minutes: int | None = None
    tokens_per_slot: int | None = None
    appointment_type_ids: list[int] = field(default_factory=list)
    daily_patient_limit: int | None = None
    name: str = ""
    #: the row this input stands for, when copied from an existing window
    source_id: int | None = None

    @classmethod
    def of(cls, window: Availability) -> WindowInput:
        return cls(
            weekdays=list(window.weekdays),
            start_time=window.start_time,
            end_time=window.end_time,
            type=window.type,
            slot_size_minutes=window.slot_size_minutes,
            tokens_per_slot=window.tokens_per_slot,
            appointment_type_ids=sorted(t.pk for t in window.appointment_types.all()),
            daily_patient_limit=window.daily_patient_limit,
            name=window.name,
            source_id=window.pk,
        )

    def row_fields(self) -> dict:
        return {
            "name": self.name,
            "weekdays": sorted(set(self.weekdays)),
            "start_time": self.start_time,
            "end_time": self.end_time,
            "type": self.type,
            "slot_size_minutes": self.slot_size_minutes,
            "tokens_per_slot": self.tokens_per_slot,
            "daily_patient_limit": self.daily_patient_limit,
        }


def schedule_create(
    *,
    facility,
    actor,
    resource_id: int,
    valid_from: dt.datetime,
    valid_till: dt.datetime | None = None,
    name: str = "",
    booking_horizon_days: int | None = None,
    booking_notice_minutes: int | None = None,
    availabilities: list[WindowInput] = (),
) -> Schedule:
    """A new schedule of the resource with its windows. Refused (409 ``schedule_overlap``) if
    another schedule of the resource is in force during any of [valid_from, valid_till): to
    change a configuration, replace or close the schedule in force. A schedule wholly in the
    past is refused (400 on ``valid_till``), as a past exception is: the past is kept as it was."""
    _check_in_range(valid_from=valid_from, valid_till=valid_till)
    with transaction.atomic():
        resource = _lock_resource(facility, actor, resource_id)
        _check_validity(valid_from, valid_till)
        if valid_till is not None and valid_till <= timezone.now():
            _invalid("valid_till", "Past availability is kept as it was: the schedule must end in the future.")
        windows = _validated_windows(facility, availabilities, prefix="availabilities")
        schedule = Schedule(
            facility=facility,
            resource=resource,
            name=name,
            valid_from=valid_from,
            valid_till=valid_till,
            booking_horizon_days=booking_horizon_days,
            booking_notice_minutes=booking_notice_minutes,
        )
        _save_schedule(schedule, actor)
        for window in windows:
            _create_window(schedule, window, actor)
        _refuse_stranding(facility, resource)
    return selectors.schedule_get(facility=facility, schedule_id=schedule.pk)


def schedule_replace(
    *,
    facility,
    actor,
    schedule_id: int,
    availabilities: Any = KEEP,
    effective_from: dt.datetime | None = None,
    name: str | None = None,
    valid_till: Any = KEEP,
    booking_horizon_days: Any = KEEP,
    booking_notice_minutes: Any = KEEP,
) -> Schedule:
    """A new version of the schedule from ``effective_from`` (default now) with these windows
    and settings (a setting or the windows left at ``KEEP`` are kept, so a partial update is the
    same call). Returns the version in force from then."""

    def replace(current: list[WindowInput]) -> list[WindowInput]:
        return current if availabilities is KEEP else list(availabilities)

    settings_changes = {
        key: value
        for key, value in {
            "name": name,
            "valid_till": valid_till,
            "booking_horizon_days": booking_horizon_days,
            "booking_notice_minutes": booking_notice_minutes,
        }.items()
        if value is not KEEP and not (key == "name" and value is None)
    }
    schedule, _ = _revise(
        facility=facility,
        actor=actor,
        schedule_id=schedule_id,
        effective_from=effective_from,
        change=replace,
        settings_changes=settings_changes,
        prefix="availabilities",
    )
    return schedule


def schedule_close(*, facility, actor, schedule_id: int, valid_till: dt.datetime | None = None) -> Schedule:
    """Ends the schedule at ``valid_till`` (default now; not in the past, not before it starts,
    not later than it already ends). Refused if future bookings would be left outside availability."""
    _check_in_range(valid_till=valid_till)
    with transaction.atomic():
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id)
        resource = _lock_resource(facility, actor, schedule.resource_id)
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id, for_update=True)
        now = timezone.now()
        valid_till = valid_till or now
        if valid_till < schedule.valid_from:
            _invalid("valid_till", "A schedule cannot end before it starts.")
        if schedule.valid_from < now and valid_till < now:
            if valid_till < now - CLOCK_SKEW:
                _invalid("valid_till", "Past configurations are kept: close the schedule now or later.")
            valid_till = now
        if schedule.valid_till is not None and valid_till > schedule.valid_till:
            _invalid("valid_till", "Closing cannot extend a schedule: replace it instead.")
        schedule.valid_till = valid_till
        _save_schedule(schedule, actor)
        _refuse_stranding(facility, resource)
    return selectors.schedule_get(facility=facility, schedule_id=schedule.pk)


def schedule_delete(*, facility, actor, schedule_id: int) -> None:
    """Deletes a schedule that never took a booking, with its windows (history keeps them and
    who deleted them), as CARE allows. 409 ``schedule_has_bookings`` if any booking of the
    resource, in any status, falls in the schedule's validity: it is the record of what made
    them bookable. A later version that named it as ``previous`` names its predecessor instead.
    Locks the resource row, then the schedule row, so no booking can slip in meanwhile."""
    with transaction.atomic():
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id)
        resource = _lock_resource(facility, actor, schedule.resource_id)
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id, for_update=True)
        if booking_source.any_booking(
            facility=facility, resource_id=resource.pk, start=schedule.valid_from, end=schedule.valid_till
        ):
            raise ApplicationError(
                "schedule_has_bookings",
                "This schedule has taken bookings, so it is kept: close it instead.",
                status_code=409,
            )
        for successor in Schedule.objects.filter(facility=facility, previous=schedule):
            successor.previous_id = schedule.previous_id
            _save_schedule(successor, actor)
        for window in schedule.availabilities.all():
            audited_delete(window, actor=actor)
        audited_delete(schedule, actor=actor)
        _refuse_stranding(facility, resource)


def _revise(
    *,
    facility,
    actor,
    schedule_id: int,
    effective_from: dt.datetime | None,
    change: Callable[[list[WindowInput]], list[WindowInput]],
    settings_changes: dict | None = None,
    prefix: str = "",
) -> tuple[Schedule, list[Availability]]:
    """Applies ``change`` to the schedule's windows, in place or as a new version (see the
    module docstring). Locks the resource row, then the schedule row. Returns the schedule in
    force from ``effective_from`` and its windows, each with ``origin_id`` (the row it came from)."""
    settings_changes = dict(settings_changes or {})
    _check_in_range(effective_from=effective_from, valid_till=settings_changes.get("valid_till"))
    with transaction.atomic():
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id)
        resource = _lock_resource(facility, actor, schedule.resource_id)
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id, for_update=True)
        now = timezone.now()
        effective = max(effective_from or now, now, schedule.valid_from)
        if effective_from is not None and effective_from < now - CLOCK_SKEW:
            _invalid("effective_from", "Past configurations are kept: a change takes effect now or later.")
        if schedule.valid_till is not None and effective >= schedule.valid_till:
            raise ApplicationError(
                "schedule_closed",
                "This schedule has ended by then; change the schedule in force instead.",
                fields={"effective_from": ["The schedule is not in force at this time."]},
                status_code=409,
            )
        current = [WindowInput.of(window) for window in schedule.availabilities.all()]
        windows = _validated_windows(facility, change(current), prefix=prefix)
        valid_till = settings_changes.pop("valid_till", schedule.valid_till)
        _check_validity(effective, valid_till)
        if effective <= schedule.valid_from:
            result = _edit_in_place(schedule, windows, settings_changes, valid_till, actor)
        else:
            result = _new_version(schedule, effective, windows, settings_changes, valid_till, actor)
        _refuse_stranding(facility, resource)
    schedule = selectors.schedule_get(facility=facility, schedule_id=result[0].pk)
    return schedule, result[1]


def _edit_in_place(schedule, windows, settings_changes, valid_till, actor):
    for name, value in settings_changes.items():
        setattr(schedule, name, value)
    schedule.valid_till = valid_till
    _save_schedule(schedule, actor)
    kept = {window.source_id for window in windows if window.source_id is not None}
    for row in schedule.availabilities.all():
        if row.pk not in kept:
            audited_delete(row, actor=actor)
    rows = []
    existing = {row.pk: row for row in schedule.availabilities.all()}
    for window in windows:
        row = existing.get(window.source_id)
        if row is None:
            rows.append(_create_window(schedule, window, actor))
            continue
        if WindowInput.of(row) != window:
            for name, value in window.row_fields().items():
                setattr(row, name, value)
            _save(row, actor)
            row.appointment_types.set(window.appointment_type_ids)
        row.origin_id = row.pk
        rows.append(row)
    return schedule, rows


def _new_version(schedule, effective, windows, settings_changes, valid_till, actor):
    schedule.valid_till = effective
    _save_schedule(schedule, actor)
    successor = Schedule(
        facility=schedule.facility,
        resource_id=schedule.resource_id,
        name=schedule.name,
        valid_from=effective,
        valid_till=valid_till,
        booking_horizon_days=schedule.booking_horizon_days,
        booking_notice_minutes=schedule.booking_notice_minutes,
        previous=schedule,
    )
    for name, value in settings_changes.items():
        setattr(successor, name, value)
    _save_schedule(successor, actor)
    return successor, [_create_window(successor, window, actor) for window in windows]


def _create_window(schedule: Schedule, window: WindowInput, actor) -> Availability:
    row = Availability(facility=schedule.facility, schedule=schedule, **window.row_fields())
    _save(row, actor)
    if window.appointment_type_ids:
        row.appointment_types.set(window.appointment_type_ids)
    row.origin_id = window.source_id
    return row


def _validated_windows(facility, windows: list[WindowInput], *, prefix: str) -> list[WindowInput]:
    """Field errors are named ``<prefix>[<index>].<field>`` (or just ``<field>`` without a
    prefix, for single-window operations, where the changed window is the one in error)."""
    errors: dict[str, list[str]] = {}
    cap = max_slots_per_window()
    known_types = set(kernel.appointment_type_list(facility=facility).values_list("pk", flat=True))

    def name(index: int, field_name: str) -> str:
        return f"{prefix}[{index}].{field_name}" if prefix else field_name

    def error(index: int, field_name: str, message: str) -> None:
        errors.setdefault(name(index, field_name), []).append(message)

    spans = []
    for index, window in enumerate(windows):
        weekdays = set(window.weekdays)
        if not weekdays or not weekdays <= set(range(7)) or len(weekdays) != len(window.weekdays):
            error(index, "weekdays", "Give distinct weekdays from 0 (Monday) to 6 (Sunday).")
        start = selectors.minute_of_day(window.start_time)
        end = selectors.minute_of_day(window.end_time, end=True)
        if window.start_time.second or window.end_time.second or window.start_time.microsecond:
            error(index, "start_time", "Times are whole minutes.")
        if start >= end:
            error(index, "end_time", "The window must end after it starts (00:00 as an end means midnight).")
        if window.type == WindowType.TOKENS:
            if not window.slot_size_minutes:
                error(index, "slot_size_minutes", "A tokens window needs a slot size.")
            if not window.tokens_per_slot:
                error(index, "tokens_per_slot", "A tokens window needs the number of tokens per slot.")
            if window.slot_size_minutes and start < end:
                if (end - start) % window.slot_size_minutes:
                    error(
                        index,
                        "slot_size_minutes",
                        f"The window lasts {end - start} minutes, not a multiple of {window.slot_size_minutes}.",
                    )
                elif (end - start) // window.slot_size_minutes > cap:
                    error(index, "slot_size_minutes", f"A window may hold at most {cap} slots.")
        elif window.type == WindowType.OPEN:
            if window.slot_size_minutes or window.tokens_per_slot:
                error(index, "type", "Only tokens windows have a slot size and tokens per slot.")
        else:
            error(index, "type", "Choose tokens or open.")
        if window.daily_patient_limit is not None and window.daily_patient_limit < 1:
            error(index, "daily_patient_limit", "A daily limit is at least 1.")
        if not set(window.appointment_type_ids) <= known_types:
            error(index, "appointment_types", "Appointment type not found.")
        spans.append((weekdays, start, end))
    for index, (weekdays, start, end) in enumerate(spans):
        for other in range(index):
            other_days, other_start, other_end = spans[other]
            shared = weekdays & other_days
            if shared and start < other_end and other_start < end:
                day_names = ", ".join(_DAY_NAMES[day] for day in sorted(shared))
                error(
                    index if prefix or windows[index].source_id is None else other,
                    "start_time",
                    f"Overlaps another window on {day_names} "
                    f"({windows[other].start_time:%H:%M}–{windows[other].end_time:%H:%M}).",
                )
    if errors:
        raise ApplicationError("invalid", "Invalid availability: " + ", ".join(errors) + ".", fields=errors)
    return windows


_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
