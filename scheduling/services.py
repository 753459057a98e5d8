"""Writes of the shared kernel. Each service takes the facility and the acting user, validates
the model (constraints included), records the actor in history, and turns a database conflict
into an ApplicationError naming the field."""

import datetime as dt
from importlib import import_module
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from scheduling import selectors
from scheduling.errors import ApplicationError, constraint_name
from scheduling.models import (
    AppointmentType,
    Comment,
    Department,
    Facility,
    Membership,
    NotifyBy,
    Patient,
    Role,
    SchedulableResource,
)

PATIENT_FIELDS = ("mrn", "name", "date_of_birth", "phone")
DEPARTMENT_FIELDS = ("code", "name")
APPOINTMENT_TYPE_FIELDS = ("code", "name", "default_minutes", "active", "resource_needs")
RESOURCE_FIELDS = ("kind", "name", "department", "user", "active")
FACILITY_FIELDS = ("name", "time_zone", "notify_department_desk")
MEMBERSHIP_SETTINGS = ("department", "notify_by")

# Unique constraint → the input field it is about, and what to tell the user.
_DUPLICATE = {
    "patient_unique_mrn": ("mrn", "A patient with this MRN already exists in the facility."),
    "department_unique_code": ("code", "A department with this code already exists."),
    "appointment_type_unique_code": ("code", "An appointment type with this code already exists."),
    "resource_unique_name": ("name", "A resource of this kind with this name already exists."),
    "membership_unique_user_facility": ("username", "This user is already a member of the facility."),
}


def facility_update(*, facility: Facility, actor, changes: dict) -> Facility:
    with transaction.atomic():
        locked = Facility.objects.select_for_update().get(pk=facility.pk)
        return _apply_and_save(locked, actor=actor, changes=changes, allowed=FACILITY_FIELDS)


EARLIEST_BIRTH = dt.date(1900, 1, 1)


def patient_create(*, facility: Facility, actor, mrn: str, name: str, date_of_birth, phone: str = "") -> Patient:
    """Registers a patient. The MRN is unique in the facility whatever its case (409 ``duplicate``
    naming ``mrn``); the date of birth lies between 1900-01-01 and today in the facility's zone."""
    _check_birth(facility, date_of_birth)
    patient = Patient(facility=facility, mrn=mrn, name=name, date_of_birth=date_of_birth, phone=phone)
    return _save(patient, actor=actor)


def patient_update(*, facility: Facility, actor, patient_id: int, changes: dict) -> Patient:
    """Changes a patient's fields, by the rules of ``patient_create``."""
    if "date_of_birth" in changes:
        _check_birth(facility, changes["date_of_birth"])
    with transaction.atomic():
        patient = selectors.patient_get(facility=facility, patient_id=patient_id, for_update=True)
        return _apply_and_save(patient, actor=actor, changes=changes, allowed=PATIENT_FIELDS)


def department_create(*, facility: Facility, actor, code: str, name: str) -> Department:
    return _save(Department(facility=facility, code=code, name=name), actor=actor)


def department_update(*, facility: Facility, actor, department_id: int, changes: dict) -> Department:
    with transaction.atomic():
        department = selectors.department_get(facility=facility, department_id=department_id, for_update=True)
        return _apply_and_save(department, actor=actor, changes=changes, allowed=DEPARTMENT_FIELDS)


def appointment_type_create(
    *,
    facility: Facility,
    actor,
    code: str,
    name: str,
    default_minutes: int,
    active: bool = True,
    resource_needs: list | None = None,
) -> AppointmentType:
    """A type of appointment; ``resource_needs`` (``models.validate_resource_needs``) names the
    resources a booking of it holds, 400 naming ``resource_needs`` when malformed."""
    appointment_type = AppointmentType(
        facility=facility,
        code=code,
        name=name,
        default_minutes=default_minutes,
        active=active,
        resource_needs=resource_needs or [],
    )
    return _save(appointment_type, actor=actor)


def appointment_type_update(*, facility: Facility, actor, appointment_type_id: int, changes: dict) -> AppointmentType:
    with transaction.atomic():
        appointment_type = selectors.appointment_type_get(
            facility=facility, appointment_type_id=appointment_type_id, for_update=True
        )
        return _apply_and_save(appointment_type, actor=actor, changes=changes, allowed=APPOINTMENT_TYPE_FIELDS)


def resource_create(
    *, facility: Facility, actor, kind: str, name: str, department=None, user=None, active: bool = True
) -> SchedulableResource:
    resource = SchedulableResource(
        facility=facility, kind=kind, name=name, department=department, user=user, active=active
    )
    _check_resource_links(resource)
    return _save(resource, actor=actor)


def resource_update(*, facility: Facility, actor, resource_id: int, changes: dict) -> SchedulableResource:
    with transaction.atomic():
        resource = selectors.resource_get(facility=facility, resource_id=resource_id, for_update=True)
        _assign(resource, changes, RESOURCE_FIELDS)
        _check_resource_links(resource)
        return _save(resource, actor=actor)


def resource_availability_changed(*, facility: Facility, resource_id: int) -> None:
    """Bumps the resource's ``availability_version`` in the caller's transaction, so that every
    booking that reads it after the commit (under the resource lock) loads the new configuration
    rather than a cached one. The availability services and admin call it on every change; the
    counter is bookkeeping, kept out of history."""
    SchedulableResource.objects.filter(facility=facility, pk=resource_id).update(
        availability_version=models.F("availability_version") + 1
    )


def membership_create(
    *,
    facility: Facility,
    actor,
    username: str,
    role: str,
    department: Department | None = None,
    notify_by: str = NotifyBy.BOTH,
) -> Membership:
    """Makes a user a member; ``department`` and ``notify_by`` as ``membership_settings_update``."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ApplicationError("invalid", "No such user.", fields={"username": ["No user with this username."]})
    membership = Membership(facility=facility, user=user, role=role, department=department, notify_by=notify_by)
    _check_membership_department(membership)
    membership = _save(membership, actor=actor)
    _grant_admin_site(membership)
    return membership


def membership_update(*, facility: Facility, actor, membership_id: int, role: str) -> Membership:
    """Changes a member's role. Locks the facility's admin memberships so two administrators
    demoting each other at once cannot leave the facility without one."""
    with transaction.atomic():
        admins = list(
            Membership.objects.select_for_update()
            .filter(facility=facility, role=Role.ADMIN)
            .values_list("pk", flat=True)
        )
        membership = selectors.membership_get(facility=facility, membership_id=membership_id, for_update=True)
        if membership.role == Role.ADMIN and role != Role.ADMIN and admins == [membership.pk]:
            raise ApplicationError(
                "last_admin",
                "The facility must keep at least one administrator.",
                fields={"role": ["This is the facility's last administrator."]},
                status_code=409,
            )
        membership.role = role
        _save(membership, actor=actor)
        _grant_admin_site(membership)
        return membership


def membership_settings_update(*, facility: Facility, actor, membership_id: int, changes: dict) -> Membership:
    """Changes how a member hears of changes to bookings (``notify_by``: in_app, email, both) and
    the department whose front desk they are (``department``, or None): a department of another
    facility is 400 ``invalid`` naming ``department``. A member may change their own
    ``notify_by``; the rest is an administrator's (the caller checks which)."""
    with transaction.atomic():
        membership = selectors.membership_get(facility=facility, membership_id=membership_id, for_update=True)
        _assign(membership, changes, MEMBERSHIP_SETTINGS)
        _check_membership_department(membership)
        return _save(membership, actor=actor)


def _check_membership_department(membership: Membership) -> None:
    if membership.department_id is not None and membership.department.facility_id != membership.facility_id:
        raise ApplicationError("invalid", "Unknown department.", fields={"department": ["Department not found."]})


def _grant_admin_site(membership: Membership) -> None:
    """Clinic administrators use Django admin, where they see only the facilities they administer."""
    if membership.role == Role.ADMIN and not membership.user.is_staff:
        membership.user.is_staff = True
        membership.user.save(update_fields=["is_staff"])


def comment_add(*, facility: Facility, actor, target: models.Model, text: str) -> Comment:
    if getattr(target, "facility_id", None) != facility.pk:
        raise ApplicationError("not_found", "Object not found.")
    text = text.strip()
    if not text:
        raise ApplicationError("invalid", "A comment needs text.", fields={"text": ["This field may not be blank."]})
    comment = Comment(facility=facility, target=target, author=actor, text=text)
    return _save(comment, actor=actor)


def sessions_clear_expired() -> None:
    """Deletes expired login sessions (nightly, from Celery beat). Not facility data, so not
    facility-scoped."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def _check_resource_links(resource: SchedulableResource) -> None:
    if resource.department_id is not None and resource.department.facility_id != resource.facility_id:
        raise ApplicationError("invalid", "Unknown department.", fields={"department": ["Department not found."]})
    if (
        resource.user_id is not None
        and not Membership.objects.filter(facility_id=resource.facility_id, user_id=resource.user_id).exists()
    ):
        raise ApplicationError(
            "invalid", "The user is not a member.", fields={"user": ["This user is not a member of the facility."]}
        )


def _assign(instance: models.Model, changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ApplicationError("invalid", "Unknown fields.", fields={name: ["Unknown field."] for name in unknown})
    for name, value in changes.items():
        setattr(instance, name, value)


def _check_birth(facility: Facility, date_of_birth: dt.date) -> None:
    today = timezone.now().astimezone(ZoneInfo(facility.time_zone)).date()
    if date_of_birth > today:
        message = "The date of birth cannot be in the future."
        raise ApplicationError("invalid", message, fields={"date_of_birth": [message]})
    if date_of_birth < EARLIEST_BIRTH:
        message = f"A date of birth lies between {EARLIEST_BIRTH:%Y-%m-%d} and today."
        raise ApplicationError("invalid", message, fields={"date_of_birth": [message]})


def _apply_and_save(instance: models.Model, *, actor, changes: dict, allowed: tuple[str, ...]):
    _assign(instance, changes, allowed)
    return _save(instance, actor=actor)


def _save(instance: models.Model, *, actor):
    """Validates (field rules and constraints) and saves with the actor in history. A concurrent
    insert that slips past validation still meets the database constraint, reported the same way."""
    try:
        # Uniqueness is left to the database, which names the constraint and so the field.
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ApplicationError("invalid", "Invalid input.", fields=_field_errors(exc)) from None
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        constraint = constraint_name(exc)
        field, message = _DUPLICATE.get(constraint, ("non_field_errors", "This conflicts with an existing record."))
        raise ApplicationError(
            "duplicate", message, fields={field: [message]}, extra={"constraint": constraint}, status_code=409
        ) from None
    return instance


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in errors_for]
            for field, errors_for in exc.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}
