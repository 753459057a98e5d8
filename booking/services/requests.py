"""What a client asks to book, and its shape: aware times, bounded lengths, each resource once
and inside the booking, and the team its appointment type needs. Pure checks over plain data."""

import datetime as dt
import itertools
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from booking.models import Booking, Kind, Priority
from scheduling import ranges
from scheduling.choices import ResourceKind
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


# --- the resources an appointment type needs (``AppointmentType.resource_needs``) ----------


def kinds_text(kinds: list[str]) -> str:
    """``["practitioner", "nurse"]`` → "a practitioner or a nurse"."""
    names = [str(ResourceKind(kind).label).lower() for kind in kinds]
    return " or ".join(f"an {name}" if name[0] in "aeiou" else f"a {name}" for name in names)


def resource_needs_check(*, appointment_type, resource_ids: list[int], kind_of: dict[int, str]) -> None:
    """A booking of a type with needs holds exactly one resource per need, in the needs' order,
    each of a kind its need allows (a type without needs takes any one or more resources).
    400 ``invalid`` naming ``resources`` when the count is wrong, 400 ``wrong_resource_kind``
    naming ``resources[i]`` and the role ("Surgeon must be a practitioner.") otherwise.
    ``kind_of``: each resource id's kind (unknown ids are the caller's to report)."""
    needs = appointment_type.resource_needs
    if not needs:
        return
    if len(resource_ids) != len(needs):
        roles = ", ".join(need["role"] for need in needs)
        held = f"{len(needs)} resources" if len(needs) > 1 else "one resource"
        message = f"A booking of {appointment_type.name} holds {held}, in this order: {roles}."
        raise ApplicationError("invalid", message, fields={"resources": [message]})
    problems = {
        f"resources[{index}]": [f"{need['role']} must be {kinds_text(need['kinds'])}."]
        for index, (need, resource_id) in enumerate(zip(needs, resource_ids, strict=True))
        if kind_of.get(resource_id) not in need["kinds"]
    }
    if problems:
        first = next(iter(problems.values()))[0]
        raise ApplicationError("wrong_resource_kind", first, fields=problems)


def in_need_order(
    needs: list[dict],
    resources: tuple[ResourceRequest, ...],
    kind_of: dict[int, str],
    roles: dict[int, str] | None = None,
):
    """The resources reordered so each fits its need in turn: by the role each was booked for
    (``roles``, from ``BookingResource.role``: two practitioners are not interchangeable, one is
    the surgeon), else in the first order their kinds fit. A booking's rows do not keep the
    order it was asked in, and a reschedule keeps its resources. As given otherwise (the check
    then says what is wrong)."""
    if len(needs) != len(resources) or len(needs) < 2:
        return resources
    if roles:
        pool, ordered = list(resources), []
        for need in needs:
            match = next((r for r in pool if roles.get(r.resource_id) == need["role"]), None)
            if match is None:
                break
            pool.remove(match)
            ordered.append(match)
        else:
            return tuple(ordered)
    for order in itertools.permutations(resources):
        if all(kind_of.get(r.resource_id) in need["kinds"] for need, r in zip(needs, order, strict=True)):
            return tuple(order)
    return resources


def walk_in_needs_check(*, appointment_type) -> None:
    """A walk-in takes one resource: a type that needs a team is booked from the booking form
    (400 ``invalid`` naming ``appointment_type``)."""
    needs = appointment_type.resource_needs
    if len(needs) > 1:
        roles = ", ".join(need["role"] for need in needs)
        message = f"{appointment_type.name} needs a team ({roles}): book it from the booking form, not as a walk-in."
        raise ApplicationError("invalid", message, fields={"appointment_type": [message]})


def rows_in_need_order(booking) -> list:
    """A booking's resource rows (``booking.resources``, their resources loaded) in the order of
    its type's needs, each member where the role it was booked for puts it (``in_need_order``)."""
    by_id = {row.resource_id: row for row in booking.resources.all()}
    ordered = in_need_order(
        booking.appointment_type.resource_needs,
        tuple(ResourceRequest(rid) for rid in by_id),
        {rid: row.resource.kind for rid, row in by_id.items()},
        {rid: row.role for rid, row in by_id.items()},
    )
    return [by_id[wanted.resource_id] for wanted in ordered]


def need_roles(needs: list[dict], resources: tuple[ResourceRequest, ...]) -> dict[int, str]:
    """resource id → the role it fills, for resources given in the needs' order (checked by
    ``resource_needs_check``); empty for a type without needs."""
    if not needs or len(needs) != len(resources):
        return {}
    return {wanted.resource_id: need["role"] for wanted, need in zip(resources, needs, strict=True)}
