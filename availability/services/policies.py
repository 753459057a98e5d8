"""Booking policies, open-slot durations and delegations."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from availability import selectors
from availability.models import (
    BookingPolicy,
    ScheduleDelegation,
    SlotDuration,
)
from availability.services.common import (
    _body_object,
    _invalid,
    _lock_resource,
    _require_delegator,
    _require_role,
    _save,
)
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.history import audited_delete
from scheduling.permissions import Action, role_allows


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
        audited_delete(duration, actor=actor)


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
