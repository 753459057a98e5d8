"""A resource's availability configuration, cached in the process behind its version.

``resource_configuration`` hands the booking check a resource's schedules, windows, exceptions
and policy as engine inputs without reading them again for every booking. The cache key is the
resource's ``availability_version``, which every availability service bumps in the transaction
of its change (``services.common._lock_resource``), and which booking reads under the resource
row lock. So a booking made after a change has committed carries the new version and misses the
cache: a stale configuration is never used (tests/booking/test_seams.py::
test_a_change_to_availability_is_seen_by_the_very_next_booking). Being keyed by a version read
from PostgreSQL, the cache needs no invalidation message and works the same with Redis down.

An entry holds what ends after its ``cutoff`` (a week before it was loaded); an older range is
read from the database directly.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict, defaultdict

from django.db.models import Q
from django.utils import timezone

from availability import engine
from availability.models import Availability, AvailabilityException, BookingPolicy, Schedule

#: Entries kept per process (a few kilobytes each).
MAX_ENTRIES = 4096
HISTORY_KEPT = dt.timedelta(days=7)

_entries: OrderedDict[int, tuple[int, dt.datetime, engine.ResourceInputs]] = OrderedDict()
_guard = threading.Lock()


def resource_configuration(*, facility, resource, since: dt.datetime) -> engine.ResourceInputs:
    """The configuration of ``resource`` (a kernel resource read in the caller's transaction,
    with its ``availability_version``) for instants from ``since`` on. The policy's open-slot
    length is not part of it (the booking check does not use it)."""
    version = resource.availability_version
    with _guard:
        entry = _entries.get(resource.pk)
        if entry is not None and entry[0] == version and since >= entry[1]:
            _entries.move_to_end(resource.pk)
            return entry[2]
    cutoff = min(since, timezone.now() - HISTORY_KEPT)
    inputs = _load(facility=facility, resource=resource, since=cutoff)
    with _guard:
        current = _entries.get(resource.pk)
        if current is None or current[0] <= version:
            _entries[resource.pk] = (version, cutoff, inputs)
            _entries.move_to_end(resource.pk)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    return inputs


def clear() -> None:
    with _guard:
        _entries.clear()


def _load(*, facility, resource, since: dt.datetime) -> engine.ResourceInputs:
    """Four or five queries: schedules, their windows and accepted types, exceptions, policy."""
    inputs = engine.ResourceInputs(resource.pk)
    schedules = list(
        Schedule.objects.filter(facility=facility, resource_id=resource.pk)
        .filter(Q(valid_till__isnull=True) | Q(valid_till__gt=since))
        .values_list("id", "valid_from", "valid_till", "booking_horizon_days", "booking_notice_minutes")
    )
    windows = windows_by_schedule(facility=facility, schedule_ids=[row[0] for row in schedules])
    for schedule_id, valid_from, valid_till, horizon, notice in schedules:
        inputs.schedules.append(
            engine.ScheduleSpec(
                schedule_id,
                resource.pk,
                valid_from,
                valid_till,
                tuple(windows.get(schedule_id, ())),
                horizon,
                notice,
            )
        )
    inputs.exceptions += exception_specs(
        AvailabilityException.objects.filter(facility=facility, resource_id=resource.pk, end__gt=since)
    )
    policy = (
        BookingPolicy.objects.filter(facility=facility, resource_id=resource.pk)
        .values_list("booking_horizon_days", "booking_notice_minutes")
        .first()
    )
    if policy is not None:
        inputs.policy = engine.Policy(policy[0], policy[1])
    return inputs


def windows_by_schedule(*, facility, schedule_ids: list[int]) -> dict[int, list[engine.WindowSpec]]:
    """The weekly windows of the schedules as engine specs, with the types each accepts: two queries."""
    windows: dict[int, list[engine.WindowSpec]] = defaultdict(list)
    if not schedule_ids:
        return windows
    types: dict[int, set[int]] = defaultdict(set)
    through = Availability.appointment_types.through
    for window_id, type_id in through.objects.filter(availability__schedule_id__in=schedule_ids).values_list(
        "availability_id", "appointmenttype_id"
    ):
        types[window_id].add(type_id)
    for row in Availability.objects.filter(facility=facility, schedule_id__in=schedule_ids).values_list(
        "id",
        "schedule_id",
        "weekdays",
        "start_time",
        "end_time",
        "type",
        "slot_size_minutes",
        "tokens_per_slot",
        "daily_patient_limit",
    ):
        window_id, schedule_id, weekdays, start_time, end_time, kind, size, tokens, limit = row
        windows[schedule_id].append(
            engine.WindowSpec(
                window_id,
                frozenset(weekdays),
                engine.minute_of_day(start_time),
                engine.minute_of_day(end_time, end=True),
                kind,
                size,
                tokens,
                frozenset(types.get(window_id, ())),
                limit,
            )
        )
    return windows


def exception_specs(exceptions) -> list[engine.ExceptionSpec]:
    return [
        engine.ExceptionSpec(*row)
        for row in exceptions.values_list(
            "id", "resource_id", "is_available", "start", "end", "type", "slot_size_minutes", "tokens_per_slot"
        )
    ]
