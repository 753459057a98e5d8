"""Exceptions: time removed from a resource's availability, or extra time added outside its
weekly pattern."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from availability import engine, selectors
from availability.models import (
    AvailabilityException,
    WindowType,
)
from availability.services.common import (
    _check_in_range,
    _invalid,
    _lock_resource,
    _refuse_stranding,
    _save,
    max_slots_per_window,
)
from scheduling.errors import ApplicationError
from scheduling.history import audited_delete

#: The longest exception: longer leave is a closed schedule, longer extra time a schedule.
MAX_EXCEPTION_DAYS = 366


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
    outside the weekly pattern. A removal that covers future active bookings is refused (409,
    counting them).

    Extra time wholly inside hours the weekly pattern already makes available changes nothing:
    nothing is saved and the returned exception is unsaved (``pk`` None). Extra time that
    overlaps them only in part, or overlaps other extra time, is refused (400 on ``start``).
    Every returned exception carries ``warnings``, a list of sentences for the client. Both ends
    lie in the span of ``scheduling.ranges`` and at most ``MAX_EXCEPTION_DAYS`` apart (checked
    before the resource row is locked)."""
    _check_in_range(start=start, end=end)
    if end - start > dt.timedelta(days=MAX_EXCEPTION_DAYS):
        _invalid("end", f"An exception lasts at most {MAX_EXCEPTION_DAYS} days.")
    with transaction.atomic():
        resource = _lock_resource(facility, actor, resource_id)
        reason = (reason or "").strip()
        if not reason:
            _invalid("reason", "Say why (leave, a meeting, a compensating day…).")
        if end <= start:
            _invalid("end", "The end must be after the start.")
        if end <= timezone.now():
            _invalid("end", "Past availability is kept as it was: the exception must end in the future.")
        warnings = []
        if is_available:
            if _check_extra_time(facility, resource, start, end, type, slot_size_minutes, tokens_per_slot):
                warnings.append(
                    f"{resource.name} is already available at all of this time by its weekly pattern: "
                    "nothing was added."
                )
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
        exception.warnings = warnings
        if warnings:
            return exception
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
        audited_delete(exception, actor=actor)
        _refuse_stranding(facility, resource)


def _check_extra_time(facility, resource, start, end, kind, slot_size_minutes, tokens_per_slot) -> bool:
    """Checks extra time; True when the weekly pattern already covers all of it (a no-op)."""
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
    inputs, _ = selectors.resource_inputs(
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
    weekly = sorted((b.start, b.end) for b in blocks if b.exception_id is None and b.start < end and start < b.end)
    if not weekly:
        return False
    covered_until = start
    for block_start, block_end in weekly:
        if block_start > covered_until:
            break
        covered_until = max(covered_until, block_end)
    if covered_until >= end:
        return True
    local = weekly[0][0].astimezone(calendar.tz)
    _invalid("start", f"The weekly pattern already has the resource available at {local:%Y-%m-%d %H:%M}.")
