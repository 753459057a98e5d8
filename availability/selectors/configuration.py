"""Reads of the configuration: schedules, windows, exceptions, policies, slot durations,
delegations, and who may manage a resource's availability."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from availability.models import (
    Availability,
    AvailabilityException,
    BookingPolicy,
    Schedule,
    ScheduleDelegation,
    SlotDuration,
)
from scheduling import selectors as kernel
from scheduling.errors import NotFound
from scheduling.parsing import parse_id
from scheduling.permissions import Action, role_allows


def schedule_list(*, facility, resource_id: int | None = None, in_force_at: dt.datetime | None = None) -> QuerySet:
    schedules = Schedule.objects.filter(facility=facility).prefetch_related(
        Prefetch("availabilities", queryset=Availability.objects.order_by("start_time", "id")),
        "availabilities__appointment_types",
    )
    if resource_id is not None:
        schedules = schedules.filter(resource_id=resource_id)
    if in_force_at is not None:
        schedules = schedules.filter(valid_from__lte=in_force_at).filter(
            Q(valid_till__isnull=True) | Q(valid_till__gt=in_force_at)
        )
    return schedules.order_by("resource_id", "valid_from", "id")


def schedule_get(*, facility, schedule_id, for_update: bool = False) -> Schedule:
    if for_update:
        return _get(Schedule.objects.filter(facility=facility).select_for_update(), schedule_id, "Schedule")
    return _get(schedule_list(facility=facility), schedule_id, "Schedule")


def schedule_current(*, facility, resource_id: int, at: dt.datetime | None = None) -> Schedule | None:
    """The schedule in force at ``at`` (now), else the next one to come into force."""
    at = at or timezone.now()
    schedules = schedule_list(facility=facility, resource_id=resource_id)
    return (
        schedules.filter(valid_from__lte=at).filter(Q(valid_till__isnull=True) | Q(valid_till__gt=at)).first()
        or schedules.filter(valid_from__gt=at).first()
    )


def availability_get(*, facility, schedule_id, availability_id) -> Availability:
    return _get(
        Availability.objects.filter(facility=facility, schedule_id=_int(schedule_id)).prefetch_related(
            "appointment_types"
        ),
        availability_id,
        "Availability",
    )


def exception_list(
    *,
    facility,
    resource_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    is_available: bool | None = None,
) -> QuerySet:
    exceptions = AvailabilityException.objects.filter(facility=facility)
    if resource_id is not None:
        exceptions = exceptions.filter(resource_id=resource_id)
    if start is not None:
        exceptions = exceptions.filter(end__gt=start)
    if end is not None:
        exceptions = exceptions.filter(start__lt=end)
    if is_available is not None:
        exceptions = exceptions.filter(is_available=is_available)
    return exceptions.order_by("start", "id")


def exception_get(*, facility, exception_id, for_update: bool = False) -> AvailabilityException:
    exceptions = AvailabilityException.objects.filter(facility=facility)
    if for_update:
        exceptions = exceptions.select_for_update()
    return _get(exceptions, exception_id, "Exception")


def booking_policy_get(*, facility, resource_id: int) -> BookingPolicy | None:
    return BookingPolicy.objects.filter(facility=facility, resource_id=resource_id).first()


def slot_duration_list(*, facility) -> QuerySet:
    return SlotDuration.objects.filter(facility=facility).order_by("appointment_type_id", "department_id", "id")


def slot_duration_get(*, facility, slot_duration_id, for_update: bool = False) -> SlotDuration:
    durations = SlotDuration.objects.filter(facility=facility)
    if for_update:
        durations = durations.select_for_update()
    return _get(durations, slot_duration_id, "Slot duration")


def delegation_list(*, facility, resource_id: int | None = None, active_only: bool = True) -> QuerySet:
    delegations = ScheduleDelegation.objects.filter(facility=facility).select_related("delegate", "granted_by")
    if resource_id is not None:
        delegations = delegations.filter(resource_id=resource_id)
    if active_only:
        delegations = delegations.filter(revoked_at__isnull=True)
    return delegations.order_by("-created_at", "id")


def delegation_get(*, facility, delegation_id, for_update: bool = False) -> ScheduleDelegation:
    delegations = ScheduleDelegation.objects.filter(facility=facility)
    if for_update:
        delegations = delegations.select_for_update()
    return _get(delegations, delegation_id, "Delegation")


# --- who may manage -----------------------------------------------------------------------


def management_reason(*, facility, user, resource) -> str | None:
    """Why ``user`` may manage the availability of ``resource`` ("any", "own", "delegated"),
    or None. A non-member is "not found"."""
    membership = kernel.membership_for(user=user, facility_slug=facility.slug)
    role = membership.role
    if role_allows(role, Action.AVAILABILITY_MANAGE_ANY):
        return "any"
    if role_allows(role, Action.AVAILABILITY_MANAGE_OWN) and resource.user_id == user.pk:
        return "own"
    if (
        role_allows(role, Action.AVAILABILITY_MANAGE_DELEGATED)
        and delegation_list(facility=facility, resource_id=resource.pk).filter(delegate=user).exists()
    ):
        return "delegated"
    return None


def managed_resource_ids(*, facility, user) -> set[int] | None:
    """The resources whose availability ``user`` manages; None means every resource."""
    membership = kernel.membership_for(user=user, facility_slug=facility.slug)
    if role_allows(membership.role, Action.AVAILABILITY_MANAGE_ANY):
        return None
    ids: set[int] = set()
    if role_allows(membership.role, Action.AVAILABILITY_MANAGE_OWN):
        ids |= set(kernel.resource_list(facility=facility).filter(user=user).values_list("pk", flat=True))
    if role_allows(membership.role, Action.AVAILABILITY_MANAGE_DELEGATED):
        ids |= set(delegation_list(facility=facility).filter(delegate=user).values_list("resource_id", flat=True))
    return ids


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound("Object") from None


def _get(queryset: QuerySet, pk, what: str):
    try:
        return queryset.get(pk=parse_id(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound(what) from None
