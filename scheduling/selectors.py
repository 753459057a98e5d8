"""Reads of the shared kernel. Every function takes the facility and filters by it; an object of
another facility is "not found", never someone else's data."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from scheduling.errors import NotFound
from scheduling.models import (
    AppointmentType,
    Comment,
    Department,
    Facility,
    Membership,
    Patient,
    SchedulableResource,
)
from scheduling.parsing import parse_id


def membership_for(*, user, facility_slug: str) -> Membership:
    """The user's membership in the facility named by ``facility_slug``. A facility the user does
    not belong to is indistinguishable from one that does not exist."""
    if not user.is_authenticated:
        raise NotFound("Facility")
    membership = Membership.objects.select_related("facility").filter(user=user, facility__slug=facility_slug).first()
    if membership is None:
        raise NotFound("Facility")
    return membership


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    return Membership.objects.select_related("facility").filter(user=user).order_by("facility__name")


def membership_list(*, facility: Facility) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(facility=facility).order_by("user__username")


def membership_get(*, facility: Facility, membership_id: int, for_update: bool = False) -> Membership:
    return _get(membership_list(facility=facility), membership_id, "Membership", for_update)


def member_user_list(*, facility: Facility, roles: list[str] | None = None) -> QuerySet:
    """The users who hold a membership in the facility (with one of ``roles``, if given)."""
    memberships = Membership.objects.filter(facility=facility)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return get_user_model().objects.filter(pk__in=memberships.values("user_id")).order_by("username")


def desk_member_user_ids(*, facility: Facility, department_ids) -> QuerySet:
    """The users who are the front desk of one of ``department_ids`` (``Membership.department``)
    when the facility asks to tell a department's desk (``Facility.notify_department_desk``);
    none otherwise. Lazy, to be used as a subquery."""
    return Membership.objects.filter(
        facility=facility, facility__notify_department_desk=True, department_id__in=department_ids
    ).values("user_id")


def member_notify_by(*, facility: Facility, user_ids) -> dict[int, str]:
    """How each of ``user_ids`` who is a member of the facility hears of changes
    (``Membership.notify_by``); a user who is not a member is left out."""
    return dict(
        Membership.objects.filter(facility=facility, user_id__in=list(user_ids)).values_list("user_id", "notify_by")
    )


def facility_ids() -> list[int]:
    """Every facility, for beat tasks that fan out one task per tenant."""
    return list(Facility.objects.order_by("pk").values_list("pk", flat=True))


def facility_get(*, facility_id: int) -> Facility:
    """For background tasks, which receive the facility as a primitive id."""
    try:
        return Facility.objects.get(pk=facility_id)
    except Facility.DoesNotExist:
        raise NotFound("Facility") from None


def patient_list(*, facility: Facility, search: str = "") -> QuerySet[Patient]:
    patients = Patient.objects.filter(facility=facility)
    search = search.replace("\x00", "")  # PostgreSQL text cannot hold NUL, and no name has one
    if search:
        patients = patients.filter(Q(name__icontains=search) | Q(mrn__icontains=search) | Q(phone__icontains=search))
    return patients.order_by("name", "mrn")


PICKER_RESULTS = 8


def patient_picker_matches(*, facility: Facility, search: str, limit: int = PICKER_RESULTS) -> tuple[list, bool]:
    """What a patient picker shows for ``search``: the first ``limit`` matches, and whether more
    match than it shows (one more is read to know). Nothing for an empty search."""
    if not search:
        return [], False
    found = list(patient_list(facility=facility, search=search)[: limit + 1])
    return found[:limit], len(found) > limit


def patient_get(*, facility: Facility, patient_id: int, for_update: bool = False) -> Patient:
    return _get(Patient.objects.filter(facility=facility), patient_id, "Patient", for_update)


def department_list(*, facility: Facility) -> QuerySet[Department]:
    return Department.objects.filter(facility=facility).order_by("name")


def department_get(*, facility: Facility, department_id: int, for_update: bool = False) -> Department:
    return _get(department_list(facility=facility), department_id, "Department", for_update)


def appointment_type_list(*, facility: Facility) -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(facility=facility).order_by("name")


def appointment_type_get(*, facility: Facility, appointment_type_id: int, for_update: bool = False) -> AppointmentType:
    return _get(appointment_type_list(facility=facility), appointment_type_id, "Appointment type", for_update)


def resource_list(*, facility: Facility, search: str = "") -> QuerySet[SchedulableResource]:
    resources = SchedulableResource.objects.filter(facility=facility).select_related("department", "user")
    if search:
        resources = resources.filter(Q(name__icontains=search) | Q(department__name__icontains=search))
    return resources.order_by("kind", "name")


def resource_get(*, facility: Facility, resource_id: int, for_update: bool = False) -> SchedulableResource:
    return _get(resource_list(facility=facility), resource_id, "Resource", for_update)


def resources_locked_for_booking(*, facility: Facility, resource_ids: list[int]) -> list[SchedulableResource]:
    """The resources of the facility among ``resource_ids``, their rows locked FOR NO KEY UPDATE
    in ascending id order, for the rest of the caller's transaction.

    This is the lock that PostgreSQL serialises bookings on: two bookings of one resource take
    it in turn, and an availability change (which locks the row FOR UPDATE) waits for a booking
    in flight and vice versa, so a check made under it cannot be overtaken by a concurrent
    write, with or without Redis. It does not block inserts that merely reference the row.
    Each resource carries its ``availability_version`` as of the lock. Unknown ids are left out."""
    # Without resource_list's joins: the lock is on the hot path of every booking.
    return list(
        SchedulableResource.objects.filter(facility=facility, pk__in=list(resource_ids))
        .select_for_update(no_key=True)
        .order_by("pk")
    )


def comment_list(*, facility: Facility, target) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(
            facility=facility,
            content_type=ContentType.objects.get_for_model(target),
            object_id=target.pk,
        )
        .select_related("author")
        .order_by("created_at", "id")
    )


def _get(queryset: QuerySet, pk, what: str, for_update: bool):
    if for_update:
        # of=("self",) so nullable joins from select_related do not block FOR UPDATE.
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=parse_id(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound(what) from None
