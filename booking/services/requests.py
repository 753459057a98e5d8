"""What a client asks to book, and its shape: aware times, bounded lengths, each resource once
and inside the booking. Pure checks, before any lock is taken."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from booking.models import Booking, Kind, Priority
from scheduling import ranges
from scheduling.errors import ApplicationError


@dataclass(frozen=True)
class ResourceRequest:
    """A resource the booking should hold, for [start, end) or, if unset, the booking's time."""

    resource_id: int
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class BookingRequest:
    patient_id: int
    appointment_type_id: int
    start: dt.datetime
    end: dt.datetime
    resources: tuple[ResourceRequest, ...]
    kind: str = Kind.SCHEDULED
    priority: str = Priority.ROUTINE
    is_vip: bool = False
    note: str = ""
    requested: bool = False


def validated_intervals(request: BookingRequest) -> dict[int, tuple[dt.datetime, dt.datetime]]:
    """Each resource's [start, end), checked for shape: aware times, positive bounded length,
    inside the booking, each resource once."""
    _check_interval(request.start, request.end, "start", "end")
    if not request.resources:
        raise ApplicationError(
            "invalid",
            "A booking needs at least one resource.",
            fields={"resources": ["At least one resource is required."]},
        )
    intervals: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for index, wanted in enumerate(request.resources):
        if wanted.resource_id in intervals:
            raise ApplicationError(
                "invalid",
                "A resource is listed twice.",
                fields={"resources": [f"Resource {wanted.resource_id} is listed twice."]},
            )
        start = wanted.start or request.start
        end = wanted.end or request.end
        _check_interval(start, end, f"resources[{index}].start", f"resources[{index}].end")
        if start < request.start or end > request.end:
            raise ApplicationError(
                "invalid",
                "A resource's time must lie within the booking.",
                fields={f"resources[{index}]": ["Must lie within the booking's start and end."]},
            )
        intervals[wanted.resource_id] = (start, end)
    return intervals


def _check_interval(start, end, start_field: str, end_field: str) -> None:
    for name, value in ((start_field, start), (end_field, end)):
        if value is None or timezone.is_naive(value):
            raise ApplicationError(
                "invalid",
                f"{name} needs a time zone offset.",
                fields={name: ["Give the time with its offset, e.g. 2026-03-01T09:00:00+00:00."]},
            )
        ranges.instant_check(value, field=name)
    if end <= start:
        raise ApplicationError(
            "invalid", "The end must be after the start.", fields={end_field: ["Must be after start."]}
        )
    if end - start > dt.timedelta(hours=settings.BOOKING_MAX_HOURS):
        raise ApplicationError(
            "invalid",
            f"A booking lasts at most {settings.BOOKING_MAX_HOURS} hours.",
            fields={end_field: [f"At most {settings.BOOKING_MAX_HOURS} hours after start."]},
        )


def same_resources(old: Booking, held, *, new_start, new_end) -> tuple[ResourceRequest, ...]:
    """The old booking's resources (``held``: its rows), each keeping its offset and length
    within the booking; a token booking takes the whole new slot."""
    if any(row.token_slot_id for row in held):
        return tuple(ResourceRequest(row.resource_id) for row in held)
    if new_end - new_start != old.end - old.start:
        return tuple(ResourceRequest(row.resource_id) for row in held)
    shift = new_start - old.start
    return tuple(ResourceRequest(row.resource_id, row.start + shift, row.end + shift) for row in held)
