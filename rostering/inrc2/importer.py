"""A static INRC-II instance (scenario + initial history + its 4 or 8 weeks, solved at once) as
one ``rostering.problem.Problem``, and a CareSlot roster back as INRC-II assignments.

Every rule of the competition maps onto one of the problem's rules, with the competition's
weight (the soft cost of a roster is then the official cost, which ``scorer`` recomputes on its
own):

  H1 single assignment a day      always hard in the problem (one shift a day)
  H2 under-staffing               ``coverage`` hard, from each requirement's minimum
  H3 shift type successions       ``rest`` hard, from ``ShiftType.forbidden_successors`` (no
                                  shift times, so no rest-hours check); the history's last
                                  shift is ``History.last_shift``
  H4 missing required skill       structural: an assignment covers one of the person's skills
  S1 optimal coverage (30)        ``optimal_coverage`` soft 30
  S2 consecutive shifts (15)      ``consecutive_shifts`` soft 15, ``ShiftType.min/max_consecutive``
  S2 consecutive work days (30)   ``max_consecutive`` soft 30 and ``min_consecutive`` soft 30
  S3 consecutive days off (30)    ``consecutive_days_off`` soft 30
  S4 shift-off requests (10)      ``preferences`` soft 10, one avoided ``Preference`` each
                                  (``Any`` → shift None: the day off)
  S5 complete week-ends (30)      ``complete_weekends`` soft 30, for contracts that ask for it
  S6 total assignments (20)       ``total_assignments`` soft 20, with the history's counter
  S7 working week-ends (30)       ``working_weekends`` soft 30, with the history's counter

Day 0 is a Monday (``FIRST_DAY``), so the problem's week-ends are the competition's Saturdays
and Sundays. Every other CareSlot rule (hours, leave, training, fairness, continuity,
partnerships, changes) is absent.
"""

import datetime as dt

from rostering import problem as p
from rostering.inrc2.reader import ANY, NONE, Assignment, Instance

# Any Monday: the competition's weeks have no dates, only Monday to Sunday.
FIRST_DAY = dt.date(2024, 1, 1)

RULES = (
    p.Rule("coverage", hard=True, description="H2 minimum coverage"),
    p.Rule("rest", hard=True, description="H3 forbidden shift type successions"),
    p.Rule("optimal_coverage", weight=30, description="S1 optimal coverage"),
    p.Rule("consecutive_shifts", weight=15, description="S2 consecutive assignments of a shift type"),
    p.Rule("max_consecutive", weight=30, description="S2 maximum consecutive working days"),
    p.Rule("min_consecutive", weight=30, description="S2 minimum consecutive working days"),
    p.Rule("consecutive_days_off", weight=30, description="S3 consecutive days off"),
    p.Rule("preferences", weight=10, description="S4 shift-off requests"),
    p.Rule("complete_weekends", weight=30, description="S5 complete week-ends"),
    p.Rule("total_assignments", weight=20, description="S6 total assignments"),
    p.Rule("working_weekends", weight=30, description="S7 total working week-ends"),
)


def to_problem(instance: Instance) -> p.Problem:
    scenario, history = instance.scenario, instance.history
    shift_types = tuple(
        p.ShiftType(
            code=shift.name,
            name=shift.name,
            is_night=shift.name == "Night",
            forbidden_successors=tuple(
                after.name
                for after in scenario.shift_types
                if (shift.name, after.name) in scenario.forbidden_successions
            ),
            min_consecutive=shift.min_consecutive,
            max_consecutive=shift.max_consecutive,
        )
        for shift in scenario.shift_types
    )
    staff = []
    for nurse in scenario.nurses:
        contract = scenario.contract_of(nurse)
        past = history.nurses[nurse.name]
        staff.append(
            p.Staff(
                id=nurse.name,
                name=nurse.name,
                skills=nurse.skills,
                contract=p.Contract(
                    name=contract.name,
                    min_assignments=contract.min_assignments,
                    max_assignments=contract.max_assignments,
                    min_consecutive_days=contract.min_consecutive_work,
                    max_consecutive_days=contract.max_consecutive_work,
                    min_consecutive_days_off=contract.min_consecutive_off,
                    max_consecutive_days_off=contract.max_consecutive_off,
                    max_working_weekends=contract.max_working_weekends,
                    complete_weekends=contract.complete_weekends,
                ),
                history=p.History(
                    last_shift=None if past.last_shift == NONE else past.last_shift,
                    consecutive_same_shift=past.consecutive_same_shift,
                    consecutive_working_days=past.consecutive_work,
                    consecutive_days_off=past.consecutive_off,
                    worked_assignments=past.assignments,
                    worked_weekends=past.working_weekends,
                ),
            )
        )
    coverage, preferences = [], []
    for index, week in enumerate(instance.weeks):
        coverage += [
            p.Coverage(7 * index + req.day, req.shift, req.skill, minimum=req.minimum, optimal=req.optimal)
            for req in week.requirements
            if req.minimum or req.optimal
        ]
        preferences += [
            p.Preference(
                person=request.nurse,
                day=7 * index + request.day,
                shift=None if request.shift == ANY else request.shift,
                want=False,
                weight=1,
                reason="INRC-II shift-off request",
            )
            for request in week.requests
        ]
    result = p.Problem(
        first_day=FIRST_DAY,
        num_days=instance.days,
        shift_types=shift_types,
        staff=tuple(staff),
        skills=scenario.skills,
        coverage=tuple(coverage),
        preferences=tuple(preferences),
        rules=RULES,
        name=instance.name,
    )
    result.validate()
    return result


def to_assignments(roster: p.Roster) -> list[Assignment]:
    """The roster's working days as INRC-II assignments (instance-wide days), for the scorer and
    the writer. Every working day must name the skill it covers."""
    assignments = []
    for (person, day), shift in sorted(roster.assignments.items()):
        if shift is None:
            continue
        skill = roster.skills.get((person, day))
        if skill is None:
            raise ValueError(f"{person} works {shift} on day {day} without a covered skill")
        assignments.append(Assignment(person, day, shift, skill))
    return assignments


def from_assignments(assignments: list[Assignment]) -> p.Roster:
    """INRC-II assignments (e.g. solution files read back) as a CareSlot roster."""
    return p.Roster(
        assignments={(a.nurse, a.day): a.shift for a in assignments},
        skills={(a.nurse, a.day): a.skill for a in assignments},
    )
