"""The permission matrix: which role may do which action. The API, the UI and Django admin all
ask ``role_allows``; the README prints ``matrix_markdown()``.

An action is named ``<entity>.<verb>``. Later capabilities add their rows here.
"""

from enum import StrEnum

from scheduling.models import Role


class Action(StrEnum):
    FACILITY_VIEW = "facility.view"
    FACILITY_MANAGE = "facility.manage"
    MEMBERSHIP_VIEW = "membership.view"
    MEMBERSHIP_MANAGE = "membership.manage"
    PATIENT_VIEW = "patient.view"
    PATIENT_MANAGE = "patient.manage"
    DEPARTMENT_VIEW = "department.view"
    DEPARTMENT_MANAGE = "department.manage"
    APPOINTMENT_TYPE_VIEW = "appointment_type.view"
    APPOINTMENT_TYPE_MANAGE = "appointment_type.manage"
    RESOURCE_VIEW = "resource.view"
    RESOURCE_MANAGE = "resource.manage"
    COMMENT_ADD = "comment.add"
    AVAILABILITY_VIEW = "availability.view"
    AVAILABILITY_MANAGE_ANY = "availability.manage_any"
    AVAILABILITY_MANAGE_OWN = "availability.manage_own"
    AVAILABILITY_MANAGE_DELEGATED = "availability.manage_delegated"
    AVAILABILITY_DELEGATE = "availability.delegate"
    ADMIN_SITE = "admin_site.use"
    BOOKING_VIEW = "booking.view"
    BOOKING_MANAGE = "booking.manage"
    BOOKING_LOCATION = "booking.book_location"
    BOOKING_EMERGENCY = "booking.emergency"
    QUEUE_VIEW = "queue.view"
    QUEUE_OPERATE = "queue.operate"
    QUEUE_UNDO_CHECK_IN = "queue.undo_check_in"
    IMPORT_VIEW = "import.view"
    IMPORT_UPLOAD = "import.upload"
    IMPORT_DOWNLOAD = "import.download"
    ANALYTICS_VIEW = "analytics.view"
    ANALYTICS_MANAGE = "analytics.manage"
    INFUSION_VIEW = "infusion.view"
    INFUSION_PLACE = "infusion.place"
    INFUSION_MANAGE = "infusion.manage"
    INFUSION_SIMULATE = "infusion.simulate"
    ROSTER_VIEW = "roster.view"
    ROSTER_REQUEST = "roster.request"
    ROSTER_MANAGE = "roster.manage"


_ALL = frozenset(Role)
_STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.CLINICIAN})

# Analysts see aggregates, never patient records; clinicians read patients but the front desk
# registers them; resources and appointment types are set up by administrators and managers.
MATRIX: dict[Action, frozenset[Role]] = {
    Action.FACILITY_VIEW: _ALL,
    Action.FACILITY_MANAGE: frozenset({Role.ADMIN}),
    Action.MEMBERSHIP_VIEW: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.MEMBERSHIP_MANAGE: frozenset({Role.ADMIN}),
    Action.PATIENT_VIEW: _STAFF,
    Action.PATIENT_MANAGE: frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER}),
    Action.DEPARTMENT_VIEW: _ALL,
    Action.DEPARTMENT_MANAGE: frozenset({Role.ADMIN}),
    Action.APPOINTMENT_TYPE_VIEW: _ALL,
    Action.APPOINTMENT_TYPE_MANAGE: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.RESOURCE_VIEW: _ALL,
    Action.RESOURCE_MANAGE: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.COMMENT_ADD: _STAFF,
    # Availability: everyone reads; managers and admins manage any resource of the facility; a
    # clinician manages the resource that stands for them (``manage_own``) and may delegate it
    # (``delegate``, own resources only) to a named member, who then manages that one resource
    # if their role allows ``manage_delegated``. Checked per resource in availability.selectors.
    Action.AVAILABILITY_VIEW: _ALL,
    Action.AVAILABILITY_MANAGE_ANY: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.AVAILABILITY_MANAGE_OWN: frozenset({Role.ADMIN, Role.MANAGER, Role.CLINICIAN}),
    Action.AVAILABILITY_MANAGE_DELEGATED: _STAFF,
    Action.AVAILABILITY_DELEGATE: frozenset({Role.ADMIN, Role.MANAGER, Role.CLINICIAN}),
    Action.ADMIN_SITE: frozenset({Role.ADMIN}),
    # Bookings: the front desk and clinicians book, cancel and reschedule; theatres and rooms
    # (locations) and emergencies, which displace routine bookings, need a clinical or managing role.
    Action.BOOKING_VIEW: _STAFF,
    Action.BOOKING_MANAGE: _STAFF,
    Action.BOOKING_LOCATION: frozenset({Role.ADMIN, Role.MANAGER, Role.CLINICIAN}),
    Action.BOOKING_EMERGENCY: frozenset({Role.ADMIN, Role.MANAGER, Role.CLINICIAN}),
    # The day of care: the desk checks in, clinicians call and see patients; analysts see only
    # the aggregates analytics makes of the queue's times.
    Action.QUEUE_VIEW: _STAFF,
    Action.QUEUE_OPERATE: _STAFF,
    # Undoing a check-in erases the encounter (on record in its history): the desk's own fix
    # for its own mistake, not a clinician's move once the patient is in their queue.
    Action.QUEUE_UNDO_CHECK_IN: frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER}),
    # Imports: schedulers and managers bring the files (and resolve their unknown chairs and
    # suites, load valid rows); analysts read the reports; the raw file, which may carry
    # encounter ids, is downloaded only by those who may upload one. Clinicians stay out.
    Action.IMPORT_VIEW: frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.ANALYST}),
    Action.IMPORT_UPLOAD: frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER}),
    Action.IMPORT_DOWNLOAD: frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER}),
    # Analytics: aggregates and facts without patient names, for those who plan capacity (the
    # desk sees the load ahead); managers and admins set its parameters, the appointment-type
    # mapping and re-run a night. Clinicians see their own day elsewhere.
    Action.ANALYTICS_VIEW: frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.ANALYST}),
    Action.ANALYTICS_MANAGE: frozenset({Role.ADMIN, Role.MANAGER}),
    # The infusion center: the desk and clinicians see its capacity and place patients (a
    # placement books a chair, so it asks what booking asks); nurse managers and admins set its
    # types, mix, routes, ratio and nurses on duty; those who plan capacity run simulations.
    Action.INFUSION_VIEW: frozenset({Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.CLINICIAN, Role.ANALYST}),
    Action.INFUSION_PLACE: _STAFF,
    Action.INFUSION_MANAGE: frozenset({Role.ADMIN, Role.MANAGER}),
    Action.INFUSION_SIMULATE: frozenset({Role.ADMIN, Role.MANAGER, Role.ANALYST}),
    # Rosters: everyone who works with the staff reads the published ones (drafts, what-ifs and
    # everyone's leave and wishes are the managers'); a rostered person asks for their own leave,
    # preferences and swaps; managers and admins set rotas and rules, solve, publish, approve.
    Action.ROSTER_VIEW: _ALL,
    Action.ROSTER_REQUEST: _STAFF,
    Action.ROSTER_MANAGE: frozenset({Role.ADMIN, Role.MANAGER}),
}


def role_allows(role: str, action: Action) -> bool:
    return Role(role) in MATRIX[action]


def roles_allowed(action: Action) -> list[str]:
    """The roles that may do ``action``, for a query over memberships."""
    return sorted(role.value for role in MATRIX[action])


def matrix_markdown() -> str:
    """The matrix as a Markdown table, the form the README shows."""
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(role.value for role in roles) + " |",
        "| --- | " + " | ".join("---" for _ in roles) + " |",
    ]
    for action, allowed in MATRIX.items():
        cells = " | ".join("yes" if role in allowed else "—" for role in roles)
        lines.append(f"| `{action.value}` | {cells} |")
    return "\n".join(lines)
