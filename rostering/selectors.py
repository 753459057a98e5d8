"""Reads of rostering, each scoped to the facility. Whether the reader may see a thing (a draft,
someone else's leave) is decided here too, so pages, the API and the assistant agree:
``roster.manage`` sees everything of the facility's rotas; everyone else sees published and
archived rosters, and only their own leave, preferences and swap requests."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from rostering import problem as rp
from rostering.models import (
    Assignment,
    Leave,
    LeaveStatus,
    Preference,
    Roster,
    RosterStatus,
    Rota,
    ShiftType,
    StaffMember,
    SwapRequest,
)
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError, NotFound
from scheduling.permissions import Action, role_allows


def actor_role(*, facility, actor) -> str:
    return kernel.membership_for(user=actor, facility_slug=facility.slug).role


def can_manage(*, facility, actor) -> bool:
    return role_allows(actor_role(facility=facility, actor=actor), Action.ROSTER_MANAGE)


def require(*, facility, actor, action: Action) -> str:
    """The actor's role, or 403 ``permission_denied`` when it may not do ``action``."""
    role = actor_role(facility=facility, actor=actor)
    if not role_allows(role, action):
        raise ApplicationError(
            "permission_denied", f"The role '{role}' may not do '{action}'.", extra={"action": str(action)}
        )
    return role


def rota_list(*, facility) -> QuerySet[Rota]:
    return Rota.objects.filter(facility=facility)


def rota_get(*, facility, rota_id, for_update: bool = False) -> Rota:
    queryset = rota_list(facility=facility)
    if for_update:
        queryset = queryset.select_for_update()
    rota = queryset.filter(pk=_int(rota_id)).first()
    if rota is None:
        raise NotFound("No such rota in this facility.")
    return rota


def staff_list(*, facility, rota=None) -> QuerySet[StaffMember]:
    queryset = StaffMember.objects.filter(rota__facility=facility).select_related("resource", "contract", "rota")
    return queryset.filter(rota=rota) if rota is not None else queryset


def staff_get(*, facility, staff_id) -> StaffMember:
    member = staff_list(facility=facility).filter(pk=_int(staff_id)).first()
    if member is None:
        raise NotFound("No such rostered person in this facility.")
    return member


def staff_for_user(*, facility, user, rota=None) -> QuerySet[StaffMember]:
    """The rostered people the user stands for (one per rota they are on)."""
    return staff_list(facility=facility, rota=rota).filter(resource__user=user, active=True)


def shift_type_list(*, rota) -> QuerySet[ShiftType]:
    return ShiftType.objects.filter(rota=rota).select_related("site")


def roster_list(*, facility, actor, rota=None) -> QuerySet[Roster]:
    """Rosters the actor may see: all for a manager, published and archived ones otherwise."""
    queryset = Roster.objects.filter(rota__facility=facility).select_related("rota", "parent")
    if rota is not None:
        queryset = queryset.filter(rota=rota)
    if not can_manage(facility=facility, actor=actor):
        queryset = queryset.filter(status__in=[RosterStatus.PUBLISHED, RosterStatus.ARCHIVED])
    return queryset


def roster_get(*, facility, actor, roster_id, for_update: bool = False) -> Roster:
    queryset = roster_list(facility=facility, actor=actor)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    roster = queryset.filter(pk=_int(roster_id)).first()
    if roster is None:
        raise NotFound("No such roster in this facility.")
    return roster


def published_roster_on(*, rota, day: dt.date) -> Roster | None:
    """The published roster of the rota covering ``day``, if any."""
    for roster in Roster.objects.filter(rota=rota, status=RosterStatus.PUBLISHED, first_day__lte=day):
        if day <= roster.last_day:
            return roster
    return None


def assignment_list(*, roster, staff=None, first_day=None, last_day=None) -> QuerySet[Assignment]:
    queryset = Assignment.objects.filter(roster=roster).select_related(
        "staff__resource", "shift_type__site", "roster__rota"
    )
    if staff is not None:
        queryset = queryset.filter(staff=staff)
    if first_day is not None:
        queryset = queryset.filter(date__gte=first_day)
    if last_day is not None:
        queryset = queryset.filter(date__lte=last_day)
    return queryset


def roster_problem(*, roster) -> rp.Problem:
    """The problem the roster was solved from (its snapshot)."""
    return rp.Problem.from_dict(roster.problem)


def roster_solution(*, roster) -> rp.Roster:
    """The roster's assignments as the engine's ``Roster`` (person ids are StaffMember pks)."""
    assignments, skills = {}, {}
    for row in Assignment.objects.filter(roster=roster).select_related("shift_type"):
        key = (str(row.staff_id), (row.date - roster.first_day).days)
        assignments[key] = row.shift_type.code
        if row.skill:
            skills[key] = row.skill
    return rp.Roster(assignments=assignments, skills=skills)


def leave_clashes(*, leave, from_day: dt.date | None = None) -> list[dict]:
    """The shifts the leave's person holds in published rosters during approved leave (from
    ``from_day`` on: the days already worked are history): each ``{roster, roster_name, date,
    shift_code, shift_name, advice}``. Such a roster no longer passes the checker; a manager
    re-plans it (sick leave or emergency cover on its change page). Other leave: none."""
    if leave.status != LeaveStatus.APPROVED:
        return []
    first = leave.first_day if from_day is None else max(leave.first_day, from_day)
    rows = (
        Assignment.objects.filter(
            staff_id=leave.staff_id, roster__status=RosterStatus.PUBLISHED, date__gte=first, date__lte=leave.last_day
        )
        .select_related("roster", "shift_type")
        .order_by("date", "roster_id")
    )
    return [
        {
            "roster": row.roster_id,
            "roster_name": row.roster.name,
            "date": row.date,
            "shift_code": row.shift_type.code,
            "shift_name": row.shift_type.name,
            "advice": f"Published in {row.roster.name}: re-plan that roster (its change page) to cover this shift.",
        }
        for row in rows
    ]


def leave_list(*, facility, actor, rota=None) -> QuerySet[Leave]:
    """All leave of the facility's rotas for a manager; the actor's own otherwise."""
    queryset = Leave.objects.filter(staff__rota__facility=facility).select_related("staff__resource", "staff__rota")
    if rota is not None:
        queryset = queryset.filter(staff__rota=rota)
    if not can_manage(facility=facility, actor=actor):
        queryset = queryset.filter(staff__resource__user=actor)
    return queryset


def preference_list(*, facility, actor, rota=None) -> QuerySet[Preference]:
    queryset = Preference.objects.filter(staff__rota__facility=facility).select_related("staff__resource", "shift_type")
    if rota is not None:
        queryset = queryset.filter(staff__rota=rota)
    if not can_manage(facility=facility, actor=actor):
        queryset = queryset.filter(staff__resource__user=actor)
    return queryset


def swap_list(*, facility, actor, roster=None) -> QuerySet[SwapRequest]:
    """All swaps for a manager; otherwise those the actor asked for or is asked to take part in."""
    queryset = SwapRequest.objects.filter(roster__rota__facility=facility).select_related(
        "requester__resource", "partner__resource", "roster"
    )
    if roster is not None:
        queryset = queryset.filter(roster=roster)
    if not can_manage(facility=facility, actor=actor):
        queryset = queryset.filter(Q(requester__resource__user=actor) | Q(partner__resource__user=actor))
    return queryset


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound("Not found.") from None
    if not 0 < number < 2**63:
        raise NotFound("Not found.")
    return number
