"""What every availability service shares: the resource lock and permission check, the
stranding check, validation and saving with history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from availability import engine, selectors
from availability.models import (
    Schedule,
)
from scheduling import ranges
from scheduling import selectors as kernel
from scheduling import services as kernel_services
from scheduling.errors import ApplicationError, NotFound, constraint_name
from scheduling.permissions import Action, role_allows

DEFAULT_MAX_SLOTS_PER_WINDOW = 96
#: "leave this setting as it is" in ``schedule_replace``
KEEP: Any = object()
#: "Now" sent by a client is a little in the past by the time it arrives.
CLOCK_SKEW = dt.timedelta(minutes=1)


def max_slots_per_window() -> int:
    """The cap on slots in one token window (``AVAILABILITY_MAX_SLOTS_PER_WINDOW``)."""
    return int(getattr(settings, "AVAILABILITY_MAX_SLOTS_PER_WINDOW", DEFAULT_MAX_SLOTS_PER_WINDOW))


def _lock_resource(facility, actor, resource_id):
    """Locks the resource row FOR UPDATE (404 for another facility's), checks the actor may
    manage it, and bumps its availability version: whatever the caller then changes, a booking
    waits for the commit on this row lock and loads the new configuration afterwards."""
    resource = _body_object(kernel.resource_get, facility, resource_id, "resource", for_update=True)
    if selectors.management_reason(facility=facility, user=actor, resource=resource) is None:
        raise ApplicationError(
            "permission_denied",
            f"You may not manage the availability of {resource.name}.",
            extra={"action": str(Action.AVAILABILITY_MANAGE_OWN)},
        )
    kernel_services.resource_availability_changed(facility=facility, resource_id=resource.pk)
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
        _invalid("valid_till", "A schedule cannot end before it starts.")


def _check_in_range(**instants) -> None:
    """Each given instant (None: not given) lies in the span CareSlot schedules, else 400 naming it.
    Checked before any lock: a schedule or exception reaching year 9999 would otherwise make the
    slot maths walk thousands of years while holding the resource row."""
    for field_name, value in instants.items():
        if value is not None:
            ranges.instant_check(value, field=field_name)


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
        constraint = constraint_name(exc)
        raise ApplicationError(
            "conflict",
            "This conflicts with an existing record.",
            fields={"non_field_errors": ["This conflicts with an existing record."]},
            extra={"constraint": constraint},
        ) from None
    return instance
