"""Rostering rows made without a solve, for tests that need them to exist (admin pages)."""

import datetime as dt

from rostering import problem as rp
from rostering.models import Assignment, Roster, SwapRequest
from rostering.services.loading import rota_from_problem


def tiny_rota(facility, admin, name: str, day: dt.date):
    """A rota of two with every setup table (from an engine problem), and a published roster of
    one day with an assignment each and a swap request between them: rows, without a solve."""
    shift = rp.ShiftType("D", f"{name} Day", dt.time(8), dt.time(16), 8.0, site="main")
    contract = rp.Contract(name=f"{name} contract", max_hours_per_week=40, min_rest_hours=11)
    staff = tuple(
        rp.Staff(id=f"p{n}", name=f"Dr {name} Rostered {n}", skills=("main",), sites=("main",), contract=contract)
        for n in (1, 2)
    )
    problem = rp.Problem(
        first_day=day,
        num_days=7,
        shift_types=(shift,),
        staff=staff,
        skills=("main",),
        sites=("main",),
        coverage=(rp.Coverage(0, "D", "main", 1, 2),),
        leave=(rp.Leave("p1", 3, 4, f"{name} holiday"),),
        preferences=(rp.Preference("p2", 1, "D", False, 2, f"{name} course"),),
        partnerships=(rp.Partnership("p1", "p2", 1),),
        training=(rp.TrainingRequirement("p2", 1, 0, 6, shift="D"),),
    )
    rota, people = rota_from_problem(facility=facility, actor=admin, problem=problem, name=f"{name} registrars")
    roster = Roster.objects.create(
        rota=rota,
        name=f"{name} roster",
        first_day=day,
        num_days=7,
        status="published",
        problem=problem.to_dict(),
        solve_status="done",
        objective=0,
        check_report={"ok": True, "soft_cost": 0, "hard_violations": [], "soft_violations": []},
        created_by=admin,
    )
    shift_type = rota.shift_types.get()
    for index, member in enumerate(people.values()):
        Assignment.objects.create(
            roster=roster, staff=member, date=day + dt.timedelta(days=index), shift_type=shift_type
        )
    SwapRequest.objects.create(
        roster=roster,
        requester=people["p1"],
        requester_date=day,
        partner=people["p2"],
        partner_date=day + dt.timedelta(days=1),
        reason=f"{name} swap",
        created_by=admin,
    )
    return rota
