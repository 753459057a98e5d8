"""Writes of availability: schedules and their weekly windows, exceptions, booking policies, slot
durations and delegations. The only code that writes these tables.

Every service takes the facility and the acting user, checks that the user may manage the
resource (``selectors.management_reason``), runs in one transaction that first locks the
resource row (so two changes to one resource's availability are serialised, and booking may
lock the same row to serialise against them), records the actor in history, and refuses a
change that would leave future active bookings outside availability (``would_strand_bookings``,
409, counting them) by rolling the whole change back.

Versioning: a schedule already in force is never rewritten. A change takes effect from
``effective_from`` (default: now): the schedule is closed there (``valid_till``) and a new
version, with the windows copied and the change applied, starts at the same instant. A schedule
not yet in force at ``effective_from`` is edited in place (history keeps each edit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from availability import engine, selectors
from availability.booking_source import register_booking_source, unregister_booking_source
from availability.models import (
    Availability,
    AvailabilityException,
    BookingPolicy,
    Schedule,
    ScheduleDelegation,
    SlotDuration,
    WindowType,
)
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError, NotFound
from scheduling.permissions import Action, role_allows

__all__ = [
    "KEEP",
    "WindowInput",
    "availability_add",
    "availability_remove",
    "availability_update",
    "booking_policy_set",
    "delegation_grant",
    "delegation_revoke",
    "exception_create",
    "exception_remove",
    "max_slots_per_window",
    "register_booking_source",
    "schedule_close",
    "schedule_create",
    "schedule_replace",
    "slot_duration_remove",
    "slot_duration_set",
    "unregister_booking_source",
]

DEFAULT_MAX_SLOTS_PER_WINDOW = 96
#: "leave this setting as it is" in ``schedule_replace``
KEEP: Any = object()
#: "Now" sent by a client is a little in the past by the time it arrives.
CLOCK_SKEW = dt.timedelta(minutes=1)


def max_slots_per_window() -> int:
    """The cap on slots in one token window (``AVAILABILITY_MAX_SLOTS_PER_WINDOW``)."""
    return int(getattr(settings, "AVAILABILITY_MAX_SLOTS_PER_WINDOW", DEFAULT_MAX_SLOTS_PER_WINDOW))


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


# --- schedules ----------------------------------------------------------------------------


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
    change a configuration, replace or close the schedule in force."""
    with transaction.atomic():
        resource = _lock_resource(facility, actor, resource_id)
        _check_validity(valid_from, valid_till)
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
    availabilities: list[WindowInput],
    effective_from: dt.datetime | None = None,
    name: str | None = None,
    valid_till: Any = KEEP,
    booking_horizon_days: Any = KEEP,
    booking_notice_minutes: Any = KEEP,
) -> Schedule:
    """A new version of the schedule from ``effective_from`` (default now) with these windows
    and settings (a setting left at ``KEEP`` is kept). Returns the version in force from then."""

    def replace(_current: list[WindowInput]) -> list[WindowInput]:
        return list(availabilities)

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


def schedule_close(*, facility, actor, schedule_id: int, valid_till: dt.datetime) -> Schedule:
    """Ends the schedule at ``valid_till`` (not in the past, not before it starts, not later
    than it already ends). Refused if future bookings would be left outside availability."""
    with transaction.atomic():
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id)
        resource = _lock_resource(facility, actor, schedule.resource_id)
        schedule = selectors.schedule_get(facility=facility, schedule_id=schedule_id, for_update=True)
        now = timezone.now()
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


# --- weekly windows -----------------------------------------------------------------------


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
            row._history_user = actor
            row.delete()
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


# --- exceptions ---------------------------------------------------------------------------


def exception_create(
    *,
    facility,
    actor,
    resource_id: int,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    is_available: bool = False,
    type: str = WindowType.OPEN,
    slot_size_minutes: int | None = None,
    tokens_per_slot: int | None = None,
) -> AvailabilityException:
    """Removes [start, end) from the resource's availability, or with ``is_available`` adds it
    outside the weekly pattern (refused where it overlaps weekly windows or other extra time).
    A removal that covers future active bookings is refused (409, counting them)."""
    with transaction.atomic():
        resource = _lock_resource(facility, actor, resource_id)
        reason = (reason or "").strip()
        if not reason:
            _invalid("reason", "Say why (leave, a meeting, a compensating day…).")
        if end <= start:
            _invalid("end", "The end must be after the start.")
        if end <= timezone.now():
            _invalid("end", "Past availability is kept as it was: the exception must end in the future.")
        if is_available:
            _check_extra_time(facility, resource, start, end, type, slot_size_minutes, tokens_per_slot)
        else:
            type, slot_size_minutes, tokens_per_slot = WindowType.OPEN, None, None
        exception = AvailabilityException(
            facility=facility,
            resource=resource,
            start=start,
            end=end,
            reason=reason,
            is_available=is_available,
            type=type,
            slot_size_minutes=slot_size_minutes,
            tokens_per_slot=tokens_per_slot,
        )
        _save(exception, actor)
        _refuse_stranding(facility, resource)
    return exception


def exception_remove(*, facility, actor, exception_id: int) -> None:
    """Deletes an exception (history keeps it). Removing extra time that holds future bookings
    is refused; an exception that has ended stays, as part of the past."""
    with transaction.atomic():
        exception = selectors.exception_get(facility=facility, exception_id=exception_id)
        resource = _lock_resource(facility, actor, exception.resource_id)
        exception = selectors.exception_get(facility=facility, exception_id=exception_id, for_update=True)
        if exception.end <= timezone.now():
            raise ApplicationError(
                "exception_past", "This exception has ended; it stays as a record of the past.", status_code=409
            )
        exception._history_user = actor
        exception.delete()
        _refuse_stranding(facility, resource)


def _check_extra_time(facility, resource, start, end, kind, slot_size_minutes, tokens_per_slot) -> None:
    if kind == WindowType.TOKENS:
        if not slot_size_minutes or not tokens_per_slot:
            raise ApplicationError(
                "invalid",
                "Tokens extra time needs a slot size and tokens per slot.",
                fields={
                    name: ["Required for tokens."]
                    for name, value in (("slot_size_minutes", slot_size_minutes), ("tokens_per_slot", tokens_per_slot))
                    if not value
                },
            )
        minutes = (end - start).total_seconds() / 60
        if minutes % slot_size_minutes:
            _invalid("slot_size_minutes", f"The extra time lasts {minutes:g} minutes, not a multiple of the slot size.")
        if minutes // slot_size_minutes > max_slots_per_window():
            _invalid("slot_size_minutes", f"Extra time may hold at most {max_slots_per_window()} slots.")
    elif slot_size_minutes or tokens_per_slot:
        _invalid("type", "Only tokens extra time has a slot size and tokens per slot.")
    overlapping = selectors.exception_list(
        facility=facility, resource_id=resource.pk, start=start, end=end, is_available=True
    )
    if overlapping.exists():
        _invalid("start", "This overlaps other extra time of the resource.")
    calendar = engine.Calendar(facility.time_zone)
    inputs, _ = selectors._load(
        facility=facility,
        resources=[resource],
        start=start - engine.ONE_DAY,
        end=end + engine.ONE_DAY,
        appointment_type=None,
        book=False,
    )
    blocks = engine.blocks_for(
        inputs=inputs[resource.pk],
        calendar=calendar,
        start_date=calendar.local_date(start),
        end_date=calendar.local_date(end),
    )
    clash = next((b for b in blocks if b.exception_id is None and b.start < end and start < b.end), None)
    if clash is not None:
        local = clash.start.astimezone(calendar.tz)
        _invalid("start", f"The weekly pattern already has the resource available at {local:%Y-%m-%d %H:%M}.")


# --- policies, slot durations -------------------------------------------------------------


def booking_policy_set(
    *,
    facility,
    actor,
    resource_id: int,
    booking_horizon_days: int,
    booking_notice_minutes: int,
    default_slot_minutes: int | None = None,
) -> BookingPolicy:
    """Sets how far ahead and how late the resource can be booked, and its default open-slot
    length. Booked appointments are not affected."""
    with transaction.atomic():
        resource = _lock_resource(facility, actor, resource_id)
        policy = selectors.booking_policy_get(facility=facility, resource_id=resource.pk) or BookingPolicy(
            facility=facility, resource=resource
        )
        policy.booking_horizon_days = booking_horizon_days
        policy.booking_notice_minutes = booking_notice_minutes
        policy.default_slot_minutes = default_slot_minutes
        return _save(policy, actor)


def slot_duration_set(
    *, facility, actor, minutes: int, appointment_type_id: int | None = None, department_id: int | None = None
) -> SlotDuration:
    """The open-slot length for an appointment type or a department (exactly one), facility-wide.
    Needs ``availability.manage_any``."""
    _require_role(facility, actor, Action.AVAILABILITY_MANAGE_ANY)
    if (appointment_type_id is None) == (department_id is None):
        _invalid("appointment_type", "Give an appointment type or a department, not both.")
    with transaction.atomic():
        durations = SlotDuration.objects.select_for_update().filter(facility=facility)
        if appointment_type_id is not None:
            target = _body_object(kernel.appointment_type_get, facility, appointment_type_id, "appointment_type")
            duration = durations.filter(appointment_type=target).first() or SlotDuration(
                facility=facility, appointment_type=target
            )
        else:
            target = _body_object(kernel.department_get, facility, department_id, "department")
            duration = durations.filter(department=target).first() or SlotDuration(facility=facility, department=target)
        duration.minutes = minutes
        return _save(duration, actor)


def slot_duration_remove(*, facility, actor, slot_duration_id: int) -> None:
    _require_role(facility, actor, Action.AVAILABILITY_MANAGE_ANY)
    with transaction.atomic():
        duration = selectors.slot_duration_get(facility=facility, slot_duration_id=slot_duration_id, for_update=True)
        duration._history_user = actor
        duration.delete()


# --- delegations --------------------------------------------------------------------------


def delegation_grant(*, facility, actor, resource_id: int, delegate_username: str) -> ScheduleDelegation:
    """Lets a named member manage the resource's availability. The resource's own clinician may
    grant it, and so may whoever manages any resource."""
    with transaction.atomic():
        resource = _body_object(kernel.resource_get, facility, resource_id, "resource", for_update=True)
        _require_delegator(facility, actor, resource)
        delegate = get_user_model().objects.filter(username=delegate_username).first()
        membership = None
        if delegate is not None:
            membership = kernel.membership_list(facility=facility).filter(user=delegate).first()
        if membership is None:
            _invalid("delegate", "No member of this facility has this username.")
        if not role_allows(membership.role, Action.AVAILABILITY_MANAGE_DELEGATED):
            _invalid("delegate", f"A member with the role '{membership.role}' cannot manage availability.")
        if delegate.pk == resource.user_id:
            _invalid("delegate", "This member already manages their own availability.")
        existing = selectors.delegation_list(facility=facility, resource_id=resource.pk).filter(delegate=delegate)
        if existing.exists():
            raise ApplicationError(
                "duplicate",
                "This member already manages this availability.",
                fields={"delegate": ["Already delegated."]},
                status_code=409,
            )
        delegation = ScheduleDelegation(facility=facility, resource=resource, delegate=delegate, granted_by=actor)
        return _save(delegation, actor)


def delegation_revoke(*, facility, actor, delegation_id: int) -> ScheduleDelegation:
    with transaction.atomic():
        delegation = selectors.delegation_get(facility=facility, delegation_id=delegation_id)
        resource = kernel.resource_get(facility=facility, resource_id=delegation.resource_id, for_update=True)
        _require_delegator(facility, actor, resource)
        delegation = selectors.delegation_get(facility=facility, delegation_id=delegation_id, for_update=True)
        if delegation.revoked_at is not None:
            raise ApplicationError("already_revoked", "This delegation was already revoked.", status_code=409)
        delegation.revoked_at = timezone.now()
        return _save(delegation, actor)


# --- shared -------------------------------------------------------------------------------


def _lock_resource(facility, actor, resource_id):
    """Locks the resource row (404 for another facility's) and checks the actor may manage it."""
    resource = _body_object(kernel.resource_get, facility, resource_id, "resource", for_update=True)
    if selectors.management_reason(facility=facility, user=actor, resource=resource) is None:
        raise ApplicationError(
            "permission_denied",
            f"You may not manage the availability of {resource.name}.",
            extra={"action": str(Action.AVAILABILITY_MANAGE_OWN)},
        )
    return resource


def _require_delegator(facility, actor, resource) -> None:
    membership = kernel.membership_for(user=actor, facility_slug=facility.slug)
    if role_allows(membership.role, Action.AVAILABILITY_MANAGE_ANY):
        return
    if role_allows(membership.role, Action.AVAILABILITY_DELEGATE) and resource.user_id == actor.pk:
        return
    raise ApplicationError(
        "permission_denied",
        f"Only {resource.name}'s own clinician or a manager may delegate its availability.",
        extra={"action": str(Action.AVAILABILITY_DELEGATE)},
    )


def _require_role(facility, actor, action: Action) -> None:
    membership = kernel.membership_for(user=actor, facility_slug=facility.slug)
    if not role_allows(membership.role, action):
        raise ApplicationError(
            "permission_denied", f"The role '{membership.role}' may not do '{action}'.", extra={"action": str(action)}
        )


def _body_object(getter, facility, object_id, field_name: str, for_update: bool = False):
    """An object named by an id in a request body: another facility's is a 400 on the field."""
    try:
        return getter(facility=facility, for_update=for_update, **{f"{field_name}_id": object_id})
    except NotFound:
        raise ApplicationError("invalid", "Unknown object.", fields={field_name: ["Not found."]}) from None


def _refuse_stranding(facility, resource) -> None:
    stranded = selectors.stranded_bookings(facility=facility, resource=resource)
    if stranded:
        first = min(interval[1] for interval in stranded)
        local = first.astimezone(engine.Calendar(facility.time_zone).tz)
        raise ApplicationError(
            "would_strand_bookings",
            f"This change would leave {len(stranded)} future booking(s) of {resource.name} outside availability "
            f"(the first on {local:%Y-%m-%d %H:%M}). Move or cancel them first.",
            extra={"stranded_bookings": len(stranded), "first_stranded_start": first.isoformat()},
            status_code=409,
        )


def _check_validity(valid_from, valid_till) -> None:
    if valid_from is None:
        _invalid("valid_from", "Required.")
    if valid_till is not None and valid_till < valid_from:
        _invalid("valid_till", "valid_till cannot be before valid_from.")


def _invalid(field_name: str, message: str):
    raise ApplicationError("invalid", message, fields={field_name: [message]})


def _save_schedule(schedule: Schedule, actor) -> Schedule:
    try:
        return _save(schedule, actor)
    except ApplicationError as error:
        if error.extra.get("constraint") == "schedule_no_overlap_per_resource":
            raise ApplicationError(
                "schedule_overlap",
                "Another schedule of this resource is in force during this time: replace or close it instead.",
                fields={"valid_from": ["Overlaps another schedule of the resource."]},
                extra=error.extra,
                status_code=409,
            ) from None
        raise


def _save(instance: models.Model, actor):
    """Validates fields and check constraints, saves with the actor in history; a database
    conflict becomes a 409 naming the constraint."""
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        fields = {
            ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
            for name, messages in exc.message_dict.items()
        }
        raise ApplicationError("invalid", "Invalid input: " + ", ".join(fields) + ".", fields=fields) from None
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        constraint = getattr(diag, "constraint_name", "") or ""
        raise ApplicationError(
            "conflict",
            "This conflicts with an existing record.",
            fields={"non_field_errors": ["This conflicts with an existing record."]},
            extra={"constraint": constraint},
        ) from None
    return instance
