"""Demo rostering (``manage.py seed_demo``, after the infusion demo): at the cancer centre (the
demo facility with the infusion center), two rotas and a published four-week roster for each,
from the Monday of the current week:

- "Medical registrars": the generated department (``rostering.generate.department``, 30
  registrars, three sites, day, evening, night and weekend on-call shifts) with weekly
  coverage, and a published roster of two weeks; the weeks after are left for a manager to
  roster in the app (and watch the solve). Its first registrar signs in as the ``registrar``
  demo login, who also has leave requested (in week three, for a manager to decide) and
  approved, and a few preferences, so their requests page has something to show.
- "Infusion nurses": seven nurses on early and late shifts on weekdays (3 early, 2 late, as the
  infusion demo's usual day) and a published roster of four weeks, which tells the infusion
  center its nurses on duty (a published roster's figures come before a manager's entries).

Each roster is made through the services as a manager would (create, solve, publish), except
that the solve and the sync run here, synchronously, since ``seed_demo`` has no worker: the
messages queued for the worker find the roster solved and the rota in step, and change nothing.
Idempotent: a rota that exists is left as it is, and one that has a solved roster already gets
no other. All names are invented."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from availability import services as availability
from rostering import generate, selectors
from rostering import problem as rp
from rostering.models import Leave, LeaveKind, LeaveStatus, Preference
from rostering.services import publishing, rosters
from rostering.services.loading import rota_from_problem
from scheduling import selectors as kernel
from scheduling.history import audited_bulk_create

logger = logging.getLogger(__name__)

ROSTERING_FACILITY = "hillcrest"
REGISTRARS_ROTA = "Medical registrars"
NURSES_ROTA = "Infusion nurses"
#: Fewer than about 25 cannot meet the generated department's senior cover; 30 leaves room.
REGISTRARS = 30
DAYS = 28
#: Days of the registrars' demo roster. Publishing gives every shift its own availability
#: exception, about 20 per registrar a fortnight, and ``make run`` waits for them.
REGISTRARS_ROSTER_DAYS = 14
#: The demo login who is the rota's first registrar (``scheduling.demo.LOGINS``).
REGISTRAR_LOGIN = "registrar"
#: Time limits of the demo's solves: a first roster comes within a second or two; the rest of
#: the time improves it. ``make run`` waits for them, so they stay short.
REGISTRARS_SECONDS = 10
NURSES_SECONDS = 4
#: The rotas' own time limit, for the rosters a manager drafts in the app (long enough to watch).
ROTA_SOLVE_SECONDS = 30

NURSE_NAMES = (
    "Nurse Ines Corrin",
    "Nurse Tove Elston",
    "Nurse Gus Farrow",
    "Nurse Oda Gadsby",
    "Nurse Lior Marwick",
    "Nurse Sela Penhale",
    "Nurse Kit Wexcombe",
)
NURSE_SHIFTS = (
    rp.ShiftType("E", "Early", dt.time(8), dt.time(14), 6.0),
    rp.ShiftType("L", "Late", dt.time(12), dt.time(18), 6.0),
)
#: Nurses per shift on weekdays (the infusion center is closed at weekends).
NURSE_COVER = {"E": 3, "L": 2}


def seed(*, facility, actor) -> int:
    """Returns the rostering rows created now (rotas, staff, requests, rosters)."""
    if facility.slug != ROSTERING_FACILITY:
        return 0
    zone = ZoneInfo(facility.time_zone)
    today = dt.datetime.now(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    departments = {d.code: d for d in kernel.department_list(facility=facility)}
    # Linked only if the login is a member here (as the kernel insists of a resource's user).
    registrar = get_user_model().objects.filter(username=REGISTRAR_LOGIN, memberships__facility=facility).first()
    created = 0
    with transaction.atomic():
        rota = selectors.rota_list(facility=facility).filter(name=REGISTRARS_ROTA).first()
        if rota is None:
            problem = generate.department(registrars=REGISTRARS, days=DAYS, first_day=monday)
            first = problem.staff[0].id
            rota, staff = rota_from_problem(
                facility=facility,
                actor=actor,
                problem=problem,
                name=REGISTRARS_ROTA,
                resource_kind="practitioner",
                users={first: registrar} if registrar is not None else {},
                department=departments.get("gen"),
                solve_seconds=ROTA_SOLVE_SECONDS,
                weekly=True,
            )
            _time_from_roster_only(facility, actor, staff.values(), monday, zone)
            created += 1 + len(staff) + _requests(staff[first], rota, monday, actor)
        created += _roster(facility, actor, rota, monday, REGISTRARS_ROSTER_DAYS, REGISTRARS_SECONDS)
    with transaction.atomic():
        rota = selectors.rota_list(facility=facility).filter(name=NURSES_ROTA).first()
        if rota is None:
            rota, staff = rota_from_problem(
                facility=facility,
                actor=actor,
                problem=nurses_problem(monday),
                name=NURSES_ROTA,
                resource_kind="nurse",
                department=departments.get("inf"),
                infusion_nurses=True,
                solve_seconds=ROTA_SOLVE_SECONDS,
                weekly=True,
            )
            _time_from_roster_only(facility, actor, staff.values(), monday, zone)
            created += 1 + len(staff)
        created += _roster(facility, actor, rota, monday, DAYS, NURSES_SECONDS)
    return created


def nurses_problem(first_day: dt.date) -> rp.Problem:
    """Seven part-time infusion nurses, weekdays only, with one week of approved annual leave."""
    contract = rp.Contract(
        name="Infusion nurse, part time",
        max_hours_per_week=36,
        target_hours_per_week=21.5,
        max_consecutive_days=5,
        min_rest_hours=11,
    )
    staff = tuple(
        rp.Staff(id=f"n{index + 1}", name=name, seniority=1 + index % 5, skills=("infusion",), contract=contract)
        for index, name in enumerate(NURSE_NAMES)
    )
    coverage = tuple(
        rp.Coverage(day, code, "infusion", count, count)
        for day in range(DAYS)
        if (first_day + dt.timedelta(days=day)).weekday() < 5
        for code, count in NURSE_COVER.items()
    )
    return rp.Problem(
        name="Infusion nurses (demo)",
        first_day=first_day,
        num_days=DAYS,
        shift_types=NURSE_SHIFTS,
        skills=("infusion",),
        staff=staff,
        coverage=coverage,
        leave=(rp.Leave("n3", 14, 18, "annual leave"),),
        preferences=(rp.Preference("n5", 9, "E", False, 2, "school run"),),
        rules=rp.default_rules(),
    )


def _time_from_roster_only(facility, actor, staff, monday: dt.date, zone: ZoneInfo) -> None:
    """A weekly pattern without windows for each rostered person: their bookable time is their
    published shifts (the sync's extra time), and the availability demo, which gives a resource
    without a schedule a demo week, leaves them alone on the next run."""
    since = dt.datetime.combine(monday, dt.time(0), tzinfo=zone)
    for member in staff:
        availability.schedule_create(
            facility=facility,
            actor=actor,
            resource_id=member.resource_id,
            valid_from=since,
            name="Rostered: shifts from the published roster",
        )


def _requests(member, rota, monday: dt.date, actor) -> int:
    """The registrar's own requests: leave asked for and leave granted, and preferences."""
    shifts = {shift.code: shift for shift in selectors.shift_type_list(rota=rota)}
    leave = [
        Leave(
            staff=member,
            first_day=monday + dt.timedelta(days=17),
            last_day=monday + dt.timedelta(days=18),
            kind=LeaveKind.ANNUAL,
            status=LeaveStatus.REQUESTED,
            reason="Sister's wedding",
        ),
        Leave(
            staff=member,
            first_day=monday + dt.timedelta(days=4),
            last_day=monday + dt.timedelta(days=4),
            kind=LeaveKind.STUDY,
            status=LeaveStatus.APPROVED,
            reason="Membership exam course",
        ),
    ]
    preferences = [
        Preference(
            staff=member,
            date=monday + dt.timedelta(days=12),
            shift_type=shifts.get("N"),
            want=False,
            priority=3,
            reason="Childcare that night",
        ),
        Preference(
            staff=member,
            date=monday + dt.timedelta(days=22),
            shift_type=shifts.get("D"),
            want=True,
            priority=1,
            reason="Wants the ward round experience",
        ),
    ]
    audited_bulk_create(Leave, leave, actor=actor)
    audited_bulk_create(Preference, preferences, actor=actor)
    return len(leave) + len(preferences)


def _roster(facility, actor, rota, monday: dt.date, days: int, seconds: int) -> int:
    """A published roster of ``days`` days from ``monday`` for a rota that has no solved roster
    yet: created, solved here, published if the checker passes it, and synced. Returns 1 if it
    made one (a solve that found nothing in time leaves its draft, and the next run tries again)."""
    if selectors.roster_list(facility=facility, actor=actor, rota=rota).filter(objective__isnull=False).exists():
        return 0
    roster = rosters.roster_create(
        facility=facility,
        actor=actor,
        rota_id=rota.pk,
        first_day=monday,
        num_days=days,
        time_limit_seconds=seconds,
        note="Demo roster",
    )
    rosters.roster_solve_execute(roster_id=roster.pk)
    roster.refresh_from_db()
    if roster.objective is None or not (roster.check_report or {}).get("ok"):
        logger.warning("Demo roster %s was not published: %s %s", roster, roster.solve_status, roster.error)
        return 1
    rosters.roster_publish(facility=facility, actor=actor, roster_id=roster.pk)
    publishing.rota_sync(rota_id=rota.pk, actor_id=actor.pk)
    return 1
