"""People's leave and preferences (issue 14). Anyone rostered asks for their own (as the
rostered person ``selectors.staff_for_user`` finds); a manager (``roster.manage``) writes anyone's
and decides leave. Each write keeps its history with the acting user.

- Someone else's row is 404 to a non-manager, never 403, so its existence does not leak (the
  lookups go through ``selectors.leave_list``/``preference_list``, which hold only their own).
- A member who is on no rota of the facility gets 403 ``not_rostered``.
- Leave asked by its owner is ``requested`` (a strong wish to be off until decided); a manager
  may enter it ``approved`` directly. ``leave_decide`` approves or declines requested leave; a
  decided one is 409 ``leave_decided``. Its owner may change or cancel it while it is requested,
  and cancel it later too (cancelling removes it; its history stays).
- Approved leave comes back with ``clashes``: the person's shifts in published rosters during it
  from today (``selectors.leave_clashes``). Nothing is re-planned by itself; the manager re-plans
  the roster (``change.replan_for_sick_leave``) or moves the leave.
- Dates lie in ``scheduling.ranges``' span, the last not before the first, at most
  ``MAX_LEAVE_DAYS`` days. Bad input is 400 ``invalid`` naming the field; nothing is written.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from rostering import selectors
from rostering.models import Leave, LeaveKind, LeaveStatus, Preference, ShiftType
from scheduling import ranges
from scheduling.errors import ApplicationError, NotFound
from scheduling.history import audited_delete, audited_save
from scheduling.permissions import Action

MAX_LEAVE_DAYS = 366
LEAVE_FIELDS = ("first_day", "last_day", "kind", "reason")
PREFERENCE_FIELDS = ("date", "shift_type", "want", "priority", "reason")


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", f"Invalid {field.replace('_', ' ')}: {message}", fields={field: [message]})


def _refuse_unknown(fields: dict, allowed) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ApplicationError(
            "invalid", f"Unknown fields: {', '.join(unknown)}.", fields={name: ["Unknown field."] for name in unknown}
        )


def _staff_for(*, facility, actor, staff_id, manager: bool):
    """The rostered person the row is for: ``staff_id`` (any of the facility's for a manager,
    one of the actor's own otherwise: someone else's is 404), or the actor's own when left out."""
    if staff_id not in (None, ""):
        if manager:
            try:
                return selectors.staff_get(facility=facility, staff_id=staff_id)
            except ApplicationError:
                raise _invalid("staff", "Not a rostered person of this facility.") from None
        own = (
            selectors.staff_for_user(facility=facility, user=actor).filter(pk=_row_id(staff_id, field="staff")).first()
        )
        if own is None:
            raise _invalid("staff", "You may only ask for yourself.")
        return own
    own = list(selectors.staff_for_user(facility=facility, user=actor))
    if not own:
        if manager:
            raise _invalid("staff", "Choose the rostered person.")
        raise ApplicationError(
            "not_rostered",
            "You are not on any rota of this facility, so you have no leave or preferences to ask for.",
            status_code=403,
        )
    if len(own) > 1:
        raise _invalid("staff", "You are on several rotas: choose which.")
    return own[0]


def _with_clashes(facility, leave: Leave) -> Leave:
    """The leave with ``clashes``: its published shifts from today in the facility's zone."""
    today = timezone.localtime(timezone.now(), ZoneInfo(facility.time_zone)).date()
    leave.clashes = selectors.leave_clashes(leave=leave, from_day=today)
    return leave


def clash_words(leave: Leave) -> str:
    """A manager's warning about the leave's ``clashes`` ("" when none)."""
    clashes = getattr(leave, "clashes", [])
    if not clashes:
        return ""
    shifts = "; ".join(f"{row['date']:%a %d %b} {row['shift_code']} ({row['roster_name']})" for row in clashes)
    return (
        f"{leave.staff} has {len(clashes)} published shift(s) during this leave: {shifts}. "
        "The roster no longer passes the checker: re-plan it (sick leave or emergency cover, on its change page)."
    )


def _request_role(facility, actor) -> bool:
    """Whether the actor manages rosters; 403 when they may not even ask."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_REQUEST)
    return selectors.can_manage(facility=facility, actor=actor)


# --- leave ------------------------------------------------------------------------------------------


def _leave_checks(leave: Leave) -> None:
    if leave.kind not in LeaveKind.values:
        raise _invalid("kind", f"One of {', '.join(LeaveKind.values)}.")
    if not isinstance(leave.reason, str) or len(leave.reason) > 300:
        raise _invalid("reason", "At most 300 characters.")
    for name in ("first_day", "last_day"):
        if getattr(leave, name) is None:
            raise _invalid(name, "Enter a date.")
    ranges.date_span_check(
        leave.first_day, leave.last_day, max_days=MAX_LEAVE_DAYS, start_field="first_day", end_field="last_day"
    )


@transaction.atomic
def leave_create(
    *,
    facility,
    actor,
    first_day,
    last_day,
    kind: str = LeaveKind.ANNUAL,
    reason: str = "",
    staff=None,
    status: str = LeaveStatus.REQUESTED,
) -> Leave:
    """Leave from ``first_day`` to ``last_day`` for ``staff`` (an id; the actor's own when left
    out). Only a manager gives someone else leave or enters it ``approved``."""
    manager = _request_role(facility, actor)
    member = _staff_for(facility=facility, actor=actor, staff_id=staff, manager=manager)
    if status not in (LeaveStatus.REQUESTED, LeaveStatus.APPROVED):
        raise _invalid("status", "requested or approved.")
    if status == LeaveStatus.APPROVED and not manager:
        raise ApplicationError("permission_denied", "Only a manager approves leave.", extra={"action": "roster.manage"})
    leave = Leave(staff=member, first_day=first_day, last_day=last_day, kind=kind, reason=reason or "", status=status)
    _leave_checks(leave)
    return _with_clashes(facility, audited_save(leave, actor=actor))


def leave_get(*, facility, actor, leave_id, for_update: bool = False) -> Leave:
    """The leave the actor may see (a manager: any of the facility's; otherwise their own), or 404."""
    queryset = selectors.leave_list(facility=facility, actor=actor)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    leave = queryset.filter(pk=_row_id(leave_id)).first()
    if leave is None:
        raise NotFound("Leave")
    return leave


@transaction.atomic
def leave_update(*, facility, actor, leave_id, **fields) -> Leave:
    """Changes the dates, kind or reason. Its owner changes it while requested (409
    ``leave_decided`` after); a manager at any time."""
    _refuse_unknown(fields, LEAVE_FIELDS)
    manager = _request_role(facility, actor)
    leave = leave_get(facility=facility, actor=actor, leave_id=leave_id, for_update=True)
    if not manager and leave.status != LeaveStatus.REQUESTED:
        raise ApplicationError(
            "leave_decided", f"This leave is already {leave.status}: ask a manager to change it.", status_code=409
        )
    for name, value in fields.items():
        setattr(leave, name, "" if name == "reason" and value is None else value)
    _leave_checks(leave)
    return _with_clashes(facility, audited_save(leave, actor=actor))


@transaction.atomic
def leave_cancel(*, facility, actor, leave_id) -> None:
    """Removes the leave (its history keeps it): its owner's or a manager's."""
    _request_role(facility, actor)
    leave = leave_get(facility=facility, actor=actor, leave_id=leave_id, for_update=True)
    audited_delete(leave, actor=actor)


@transaction.atomic
def leave_decide(*, facility, actor, leave_id, decision: str) -> Leave:
    """``approve`` or ``decline`` requested leave (``roster.manage``). A decided one: 409
    ``leave_decided``. Approved, it comes back with ``clashes`` (its published shifts)."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    if decision not in ("approve", "decline"):
        raise _invalid("decision", "approve or decline.")
    leave = leave_get(facility=facility, actor=actor, leave_id=leave_id, for_update=True)
    if leave.status != LeaveStatus.REQUESTED:
        raise ApplicationError("leave_decided", f"This leave is already {leave.status}.", status_code=409)
    leave.status = LeaveStatus.APPROVED if decision == "approve" else LeaveStatus.DECLINED
    return _with_clashes(facility, audited_save(leave, actor=actor))


# --- preferences ------------------------------------------------------------------------------------


def _preference_checks(preference: Preference) -> None:
    if preference.date is None:
        raise _invalid("date", "Enter a date.")
    ranges.date_check(preference.date, field="date")
    priority = preference.priority
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 5:
        raise _invalid("priority", "From 1 (a slight wish) to 5 (matters a lot).")
    if not isinstance(preference.want, bool):
        raise _invalid("want", "true (wants) or false (avoids).")
    if not isinstance(preference.reason, str) or len(preference.reason) > 300:
        raise _invalid("reason", "At most 300 characters.")


def _shift_type(member, value):
    if value in (None, ""):
        return None
    shift = ShiftType.objects.filter(rota_id=member.rota_id, pk=_row_id(value, field="shift_type")).first()
    if shift is None:
        raise _invalid("shift_type", "Not a shift type of the person's rota.")
    return shift


@transaction.atomic
def preference_create(
    *, facility, actor, date, want: bool = False, priority: int = 1, reason: str = "", shift_type=None, staff=None
) -> Preference:
    """``staff`` (the actor's own when left out; someone else's for a manager only) wants or
    avoids ``shift_type`` (an id of their rota; any shift when left out) on ``date``."""
    manager = _request_role(facility, actor)
    member = _staff_for(facility=facility, actor=actor, staff_id=staff, manager=manager)
    preference = Preference(
        staff=member,
        date=date,
        shift_type=_shift_type(member, shift_type),
        want=want,
        priority=priority,
        reason=reason or "",
    )
    _preference_checks(preference)
    return audited_save(preference, actor=actor)


def preference_get(*, facility, actor, preference_id, for_update: bool = False) -> Preference:
    queryset = selectors.preference_list(facility=facility, actor=actor)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    preference = queryset.filter(pk=_row_id(preference_id)).first()
    if preference is None:
        raise NotFound("Preference")
    return preference


@transaction.atomic
def preference_update(*, facility, actor, preference_id, **fields) -> Preference:
    _refuse_unknown(fields, PREFERENCE_FIELDS)
    _request_role(facility, actor)
    preference = preference_get(facility=facility, actor=actor, preference_id=preference_id, for_update=True)
    if "shift_type" in fields:
        fields["shift_type"] = _shift_type(preference.staff, fields["shift_type"])
    for name, value in fields.items():
        setattr(preference, name, "" if name == "reason" and value is None else value)
    _preference_checks(preference)
    return audited_save(preference, actor=actor)


@transaction.atomic
def preference_delete(*, facility, actor, preference_id) -> None:
    _request_role(facility, actor)
    audited_delete(preference_get(facility=facility, actor=actor, preference_id=preference_id), actor=actor)


def _row_id(value, *, field: str | None = None) -> int:
    try:
        number = int(value)
        if isinstance(value, bool) or not 0 < number < 2**63:
            raise ValueError
    except (TypeError, ValueError):
        if field:
            raise _invalid(field, "An id (a whole number).") from None
        raise NotFound("Row") from None
    return number
