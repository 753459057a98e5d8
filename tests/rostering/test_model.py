"""The CP-SAT model on tiny instances: each hard rule holds, each soft rule costs what
rostering.problem says, switched-off rules stop mattering, and the solve reports and stops."""

import datetime as dt
import threading
from dataclasses import replace

import pytest

from rostering import model
from rostering.problem import (
    Contract,
    Coverage,
    History,
    Leave,
    Partnership,
    Pin,
    Preference,
    Problem,
    Roster,
    Rule,
    ShiftType,
    Staff,
    TrainingRequirement,
)

MONDAY = dt.date(2027, 3, 1)
DAY = ShiftType("D", "Day", dt.time(8), dt.time(16), 8)
EVENING = ShiftType("E", "Evening", dt.time(15), dt.time(23), 8)
NIGHT = ShiftType("N", "Night", dt.time(22), dt.time(8), 10, is_night=True, forbidden_successors=("D",))


def department(people=4, days=7, *, rules=(), cover=None, staff=None, **changes) -> Problem:
    """``people`` registrars with skill reg; shifts needing ``cover`` (one day, one night)."""
    staff = staff or tuple(Staff(f"p{i}", f"Dr {chr(65 + i)}", skills=("reg",)) for i in range(people))
    coverage = tuple(
        Coverage(d, s, "reg", minimum, minimum)
        for d in range(days)
        for s, minimum in ({"D": 1, "N": 1} if cover is None else cover).items()
    )
    return Problem(
        first_day=MONDAY,
        num_days=days,
        shift_types=(DAY, EVENING, NIGHT),
        skills=("reg",),
        staff=staff,
        coverage=coverage,
        rules=rules if any(r.code == "coverage" for r in rules) else (Rule("coverage", hard=True), *rules),
        **changes,
    )


def solve(problem, **kwargs):
    result = model.solve(problem, time_limit=kwargs.pop("time_limit", 5), workers=1, **kwargs)
    assert result.status in ("optimal", "feasible"), result.status
    return result


def shifts(result, person, days=7):
    return [result.roster.shift(person, d) for d in range(days)]


def test_coverage_and_one_shift_a_day_with_the_skill_covered():
    result = solve(department(cover={"D": 2, "N": 1}))
    for day in range(7):
        on = [p for p in ("p0", "p1", "p2", "p3") if result.roster.shift(p, day)]
        assert sum(result.roster.shift(p, day) == "D" for p in on) >= 2
        assert sum(result.roster.shift(p, day) == "N" for p in on) >= 1
        assert all(result.roster.skills[p, day] == "reg" for p in on)


def test_leave_is_never_worked():
    problem = department(leave=(Leave("p0", 0, 6),), rules=(Rule("leave", hard=True),))
    assert shifts(solve(problem), "p0") == [None] * 7


def test_rest_forbids_a_day_after_a_night_and_too_short_rests():
    staff = tuple(replace(p, contract=Contract(min_rest_hours=11)) for p in department().staff)
    problem = department(staff=staff, rules=(Rule("rest", hard=True),))
    roster = solve(problem).roster
    for person in staff:
        for day in range(6):
            pair = (roster.shift(person.id, day), roster.shift(person.id, day + 1))
            assert pair not in {("N", "D"), ("N", "E"), ("E", "D")}


def test_rest_carries_over_from_history():
    staff = list(department(people=2).staff)
    staff[0] = replace(staff[0], history=History(last_shift="N", consecutive_same_shift=1, consecutive_working_days=1))
    problem = department(people=2, staff=tuple(staff), cover={"D": 1}, rules=(Rule("rest", hard=True),))
    assert solve(problem).roster.shift("p0", 0) != "D"


def test_max_consecutive_days_and_nights():
    contract = Contract(max_consecutive_days=3, max_consecutive_nights=2)
    staff = tuple(replace(p, contract=contract) for p in department().staff)
    problem = department(staff=staff, rules=(Rule("max_consecutive", hard=True),))
    result = solve(problem)
    for person in staff:
        row = shifts(result, person.id)
        for start in range(4):
            assert not all(row[start : start + 4])
        for start in range(5):
            assert not all(s == "N" for s in row[start : start + 3])


def test_hours_per_week_cap():
    staff = tuple(replace(p, contract=Contract(max_hours_per_week=24)) for p in department(people=6).staff)
    problem = department(people=6, staff=staff, rules=(Rule("hours", hard=True),))
    result = solve(problem)
    for person in staff:
        hours = sum({"D": 8, "E": 8, "N": 10}.get(s, 0) for s in shifts(result, person.id) if s)
        assert hours <= 24


def test_training_requirement_is_met():
    problem = department(
        training=(TrainingRequirement("p3", 3, 0, 6, shift="N"),),
        rules=(Rule("training", hard=True),),
    )
    assert shifts(solve(problem), "p3").count("N") >= 3


def test_pins_hold():
    problem = department(pins=(Pin("p1", 2, "N"), Pin("p2", 3, None)))
    result = solve(problem)
    assert result.roster.shift("p1", 2) == "N" and result.roster.shift("p2", 3) is None


def test_avoid_preference_is_honoured_and_costs_its_weight_when_it_cannot_be():
    problem = department(
        people=1,
        cover={"N": 1},
        preferences=(Preference("p0", 2, "N", want=False, weight=3, reason="exam"),),
        rules=(Rule("coverage", hard=True), Rule("preferences", weight=10)),
    )
    result = solve(problem)
    assert result.objective == 30 and result.term_costs == {"preferences": 30}
    assert [v.text for v in result.soft_violations] == ["p0 asked not to work N on day 2 (exam)"]
    free = department(people=2, cover={"N": 1}, preferences=problem.preferences, rules=problem.rules)
    result = solve(free)
    assert result.objective == 0 and result.roster.shift("p0", 2) is None


def test_switching_a_rule_off_changes_the_roster():
    problem = department(
        people=1,
        cover={},
        preferences=(Preference("p0", 1, "D", want=True, weight=1),),
        rules=(Rule("preferences", weight=5),),
    )
    assert solve(problem).roster.shift("p0", 1) == "D"
    off = problem.with_rule("preferences", enabled=False)
    assert solve(off).objective == 0
    assert solve(off).term_costs == {}


def test_fair_nights_spread():
    # p0 is pinned to every night, p1 is off on day 0: a spread of one night at least.
    pins = tuple(Pin("p0", d, "N") for d in range(7)) + (Pin("p1", 0, None),)
    problem = department(people=3, cover={"N": 1}, pins=pins, rules=(Rule("fair_nights", weight=7),))
    result = solve(problem)
    nights = sorted(shifts(result, p).count("N") for p in ("p0", "p1", "p2"))
    assert nights[-1] - nights[0] == 1 and result.term_costs == {"fair_nights": 7}


def test_fair_weekends_spread():
    problem = department(
        people=2, cover={"D": 1}, rules=(Rule("coverage", hard=True), Rule("fair_weekends", weight=4)), days=14
    )
    problem = replace(problem, coverage=tuple(Coverage(d, "D", "reg", 1, 1) for d in range(14)))
    result = solve(problem)
    weekends = [sum(1 for w in ((5, 6), (12, 13)) if any(result.roster.shift(p, d) for d in w)) for p in ("p0", "p1")]
    assert max(weekends) - min(weekends) == 0 and result.objective == 0


def test_hours_balance_costs_hours_away_from_target():
    staff = (Staff("p0", skills=("reg",), contract=Contract(target_hours_per_week=16)),)
    problem = department(
        people=1, staff=staff, cover={"D": 1}, rules=(Rule("coverage", hard=True), Rule("hours_balance", weight=2))
    )
    # 7 day shifts are forced: 56 h against a target of 16 h.
    assert solve(problem).term_costs == {"hours_balance": 2 * 40}


def test_continuity_prefers_blocks():
    problem = department(
        people=1, cover={}, rules=(Rule("continuity", weight=1),), pins=(Pin("p0", 0, "D"), Pin("p0", 2, "N"))
    )
    result = solve(problem)
    # Day 1: a D after D or a day off costs nothing, an N would be one change.
    assert result.roster.shift("p0", 1) in ("D", None) and result.objective == 0
    forced = replace(problem, pins=problem.pins + (Pin("p0", 1, "D"),))
    assert solve(forced).term_costs == {"continuity": 1}


def test_partnerships_work_together():
    problem = department(
        people=3,
        cover={"N": 1},
        partnerships=(Partnership("p0", "p1", 2),),
        rules=(Rule("coverage", hard=True), Rule("partnerships", weight=3)),
        pins=(Pin("p0", 0, "N"),),
    )
    result = solve(problem)
    assert result.roster.shift("p1", 0) == "N" and result.objective == 0


def test_optimal_coverage_costs_each_missing_person():
    problem = department(people=2, cover={}, rules=(Rule("optimal_coverage", weight=30),), days=1)
    problem = replace(problem, coverage=(Coverage(0, "D", "reg", 0, 3),))
    result = solve(problem)
    assert result.term_costs == {"optimal_coverage": 30}


def test_inrc_style_rules_with_history():
    contract = Contract(
        min_consecutive_days=2,
        max_consecutive_days=3,
        min_consecutive_days_off=2,
        max_consecutive_days_off=3,
        complete_weekends=True,
        max_working_weekends=0,
        min_assignments=5,
        max_assignments=5,
    )
    rules = tuple(
        Rule(code, weight=w)
        for code, w in (
            ("min_consecutive", 30),
            ("max_consecutive", 30),
            ("consecutive_days_off", 30),
            ("complete_weekends", 30),
            ("total_assignments", 20),
            ("working_weekends", 30),
        )
    )
    staff = (Staff("p0", skills=("reg",), contract=contract, history=History("D", 2, 2, 0)),)
    problem = department(people=1, staff=staff, cover={}, rules=rules)
    # Pinned: works Mon-Fri (5 days after 2 in history: 4 over 3), off Sat-Sun.
    pinned = problem.pins + tuple(Pin("p0", d, "D") for d in range(5)) + (Pin("p0", 5, None), Pin("p0", 6, None))
    result = solve(replace(problem, pins=pinned))
    assert result.term_costs == {"max_consecutive": 30 * 4}
    # Free: 5 weekdays in a row after 2 cost 4 × 30; 4 weekdays need a lone day off or a run of
    # 4 (30 + 20); 3 (Mon, off Tue-Wed, Thu-Fri) cost only the 2 missing assignments.
    best = solve(problem)
    assert best.term_costs == {"total_assignments": 40}


def test_changes_from_a_reference_roster_are_counted():
    reference = Roster({("p0", d): "D" for d in range(7)} | {("p1", d): "N" for d in range(7)})
    problem = department(people=3, rules=(Rule("coverage", hard=True),))
    result = model.solve(problem, time_limit=5, workers=1, reference=reference, pinned=(Pin("p0", 3, None),))
    assert result.roster.shift("p0", 3) is None
    changed = [(p, d) for (p, d), s in result.roster.assignments.items() if s != reference.shift(p, d)]
    # p0's day 3 changes and someone else covers its day shift: two changes, no more.
    assert len(changed) == 2 and result.term_costs == {"changes": 2 * 50}


def test_progress_is_reported_and_stop_ends_early_keeping_a_roster():
    problem = department(
        people=8, cover={"D": 2, "N": 2}, rules=(Rule("coverage", hard=True), Rule("preferences", weight=1))
    )
    problem = replace(
        problem,
        preferences=tuple(Preference(f"p{i}", d, "N", False, 1 + (i * d) % 3) for i in range(8) for d in range(7)),
    )
    seen = []
    result = solve(problem, on_progress=lambda objective, bound, seconds: seen.append((objective, bound, seconds)))
    assert seen and seen[-1][0] == result.objective and result.first_feasible_seconds is not None
    stop = threading.Event()

    def stop_at_first(objective, bound, seconds):
        stop.set()

    stopped = model.solve(problem, time_limit=30, workers=1, on_progress=stop_at_first, stop=stop)
    assert stopped.stopped and stopped.roster is not None and stopped.seconds < 30


def test_infeasible_problem_reports_so():
    problem = department(people=1, cover={"D": 2})
    result = model.solve(problem, time_limit=5, workers=1)
    assert result.status == "infeasible" and result.roster is None


def test_evaluate_a_given_roster():
    problem = department(people=2, cover={"D": 1}, rules=(Rule("coverage", hard=True), Rule("continuity", weight=1)))
    roster = Roster({("p0", d): ("D" if d % 2 else "E") for d in range(7)} | {("p1", d): "D" for d in range(0, 7, 2)})
    assert model.evaluate(problem, roster).term_costs == {"continuity": 6}
    broken = Roster({("p0", d): "D" for d in range(6)})
    assert model.evaluate(problem, broken).status == "infeasible"


@pytest.mark.parametrize(
    ("rules", "cost"),
    [
        ((Rule("coverage", weight=9), Rule("leave", hard=True)), {"coverage": 9 * 8}),
        ((Rule("coverage", weight=9), Rule("leave", weight=1)), {"coverage": 9 * 7, "leave": 1}),
    ],
)
def test_a_hard_rule_made_soft_costs_instead(rules, cost):
    # One person, two needed on each day shift, on leave on day 0.
    problem = department(people=1, cover={"D": 2}, leave=(Leave("p0", 0, 0),), rules=rules)
    assert solve(problem).term_costs == cost


def test_consecutive_shift_type_and_days_off_limits_cost_per_day():
    night = replace(NIGHT, max_consecutive=2, forbidden_successors=())
    staff = (Staff("p0", skills=("reg",), contract=Contract(min_consecutive_days_off=2)),)
    problem = Problem(
        first_day=MONDAY,
        num_days=7,
        shift_types=(DAY, night),
        staff=staff,
        rules=(Rule("consecutive_shifts", weight=15), Rule("consecutive_days_off", weight=30)),
        # N N N, off, N N N: one night over twice (2 × 15) and a lone day off (1 × 30).
        pins=tuple(Pin("p0", d, None if d == 3 else "N") for d in range(7)),
    )
    assert solve(problem).term_costs == {"consecutive_shifts": 30, "consecutive_days_off": 30}


def test_the_generated_department_is_seeded_and_its_cost_matches_the_checker():
    from rostering import checker, generate

    problem = generate.department(registrars=30, days=7, seed=3)
    assert problem == generate.department(registrars=30, days=7, seed=3)
    assert len(problem.staff) == 30 and len({p.name for p in problem.staff}) == 30
    assert {s.code for s in problem.shift_types} == {"D", "E", "N", "W"} and len(problem.sites) == 3
    # The first roster found will do (stopped there): its cost is compared, not its quality.
    first = threading.Event()
    result = model.solve(problem, time_limit=30, workers=1, on_progress=lambda *_: first.set(), stop=first)
    report = checker.check(problem, result.roster)
    assert report.ok
    assert report.soft_cost == result.objective
    assert {rule: cost for rule, cost in report.soft_cost_by_rule.items() if cost} == result.term_costs


def test_a_weekly_shortfall_in_hours_costs_per_hour_rounded_up():
    # Four day shifts (32 h) against a 40 h minimum: 8 hours short, not 480 minutes.
    staff = (Staff("p0", skills=("reg",), contract=Contract(min_hours_per_week=40)),)
    pins = tuple(Pin("p0", d, "D" if d < 4 else None) for d in range(7))
    problem = department(staff=staff, cover={}, rules=(Rule("hours", weight=1),), pins=pins)
    assert solve(problem).term_costs == {"hours": 8}


def test_fractional_hour_limits_are_compared_in_minutes():
    # Five shifts of 8.1 h make 40.5 h: at a 40.5 h maximum, 40 h 30 min is allowed.
    long_day = replace(DAY, hours=8.1)
    staff = (Staff("p0", skills=("reg",), contract=Contract(max_hours_per_week=40.5)),)
    pins = tuple(Pin("p0", d, "D" if d < 5 else None) for d in range(7))
    problem = replace(
        department(staff=staff, cover={}, rules=(Rule("hours", hard=True),), pins=pins), shift_types=(long_day,)
    )
    assert solve(problem).status == "optimal"
    over = replace(problem, staff=(replace(staff[0], contract=Contract(max_hours_per_week=40.25)),))
    soft = replace(over, rules=(Rule("coverage", hard=True), Rule("hours", weight=1)))
    assert solve(soft).term_costs == {"hours": 1}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_penalty_is_exact_once_the_roster_is_fixed(seed):
    """With the roster fixed, even a search that pushes every penalty up finds the roster's
    real cost: the objective a search reports, and its gap, are then true before optimality."""
    import random

    from tests.rostering.test_checker import generated

    problem = generated(seed)
    roster = model.solve(problem, time_limit=1, workers=1).roster
    rng = random.Random(seed)
    # Some cells changed so that more rules are broken (soft ones only: the roster must stay feasible).
    assignments = dict(roster.assignments)
    for key in rng.sample(sorted(assignments), 3):
        assignments[key] = rng.choice((None, "D", "E", "N"))
    for candidate in (roster, Roster(assignments)):
        priced = model.evaluate(problem, candidate)
        if not priced.feasible:
            continue
        built = model.build(problem)
        built.fix_to(candidate)
        built.model.maximize(sum(p.coefficient * p.expression for p in built.penalties))
        solver = model.cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 10
        assert solver.solve(built.model) == model.cp_model.OPTIMAL
        assert round(solver.objective_value) == priced.objective


def test_solver_parameters_reach_cp_sat_and_a_wrong_name_is_refused():
    problem = department(people=3, days=3)
    result = model.solve(
        problem, time_limit=5, workers=1, parameters={"linearization_level": 2, "subsolvers": ["max_lp"]}
    )
    assert result.status == "optimal"
    with pytest.raises(ValueError, match="no_such_parameter"):
        model.solve(problem, time_limit=5, workers=1, parameters={"no_such_parameter": 1})


def test_the_objective_reported_as_progress_and_returned_is_the_roster_s_real_cost():
    # CP-SAT's own objective value is its presolved model's, which may run above the roster's
    # cost before optimality (n012w8 after 3 s: 19 165 for a 18 610 roster).
    from tests.rostering.test_checker import generated

    problem = generated(2)
    reported = []
    result = model.solve(problem, time_limit=1, workers=1, on_progress=lambda objective, *_: reported.append(objective))
    assert reported[-1] == result.objective == model.evaluate(problem, result.roster).objective


def test_continuity_counts_a_change_from_a_weekend_only_shift_on_sunday_to_a_weekday_one():
    weekend = ShiftType("W", "Weekend", dt.time(9), dt.time(17), 8, weekend_only=True)
    problem = replace(
        department(people=1, days=8, cover={}, rules=(Rule("continuity", weight=1),)), shift_types=(DAY, weekend)
    )
    roster = Roster({("p0", 5): "W", ("p0", 6): "W", ("p0", 7): "D"})
    assert model.evaluate(problem, roster).term_costs == {"continuity": 1}


@pytest.mark.parametrize(("hours", "cost"), [(8.14, 1), (8.5, 2)])
def test_hours_balance_rounds_the_difference_to_the_nearest_hour_a_half_up(hours, cost):
    staff = (Staff("p0", skills=("reg",), contract=Contract(target_hours_per_week=7)),)
    problem = replace(
        department(staff=staff, cover={}, rules=(Rule("hours_balance", weight=1),)),
        shift_types=(replace(DAY, hours=hours),),
    )
    assert model.evaluate(problem, Roster({("p0", 0): "D"})).term_costs == {"hours_balance": cost}


def fair_department():
    rules = (
        Rule("coverage", hard=True),
        Rule("rest", hard=True),
        Rule("fair_nights", weight=30),
        Rule("fair_weekends", weight=30),
        Rule("continuity", weight=2),
    )
    prefs = tuple(Preference(f"p{i}", (i + 2) % 7, "N", False, 3) for i in range(6))
    return department(people=6, cover={"D": 2, "N": 1}, rules=rules, preferences=prefs)


def test_fairness_first_keeps_the_night_spread_within_one_and_the_cost_is_the_checker_s():
    from rostering import checker

    problem = fair_department()
    pattern = model.night_pattern(problem, time_limit=5, workers=1)
    counts = [sum(pattern.shift(p.id, d) == "N" for d in range(7)) for p in problem.staff]
    assert max(counts) - min(counts) <= 1
    result = model.solve(problem, time_limit=5, workers=1, fairness_first=0.5)
    report = checker.check(problem, result.roster)
    assert report.ok and report.soft_cost == result.objective
    assert result.bound is not None and result.bound <= result.objective


def test_a_stop_during_the_fair_phase_keeps_its_roster_with_a_bound_of_zero():
    problem = fair_department()
    stop = threading.Event()
    seen = []

    def stop_at_first(objective, bound, seconds):
        seen.append(bound)
        stop.set()

    result = model.solve(problem, time_limit=10, workers=1, on_progress=stop_at_first, stop=stop, fairness_first=0.5)
    assert result.stopped and result.roster is not None and seen[0] == 0.0 and result.bound == 0.0


def test_a_partner_on_leave_gives_a_component_bound_that_no_roster_beats():
    # p1 is pinned to work the days p0 is on leave: apart on each, 2 × 3 = 6 at least.
    problem = department(
        people=3,
        cover={"D": 1},
        partnerships=(Partnership("p0", "p1", 2),),
        leave=(Leave("p0", 2, 4),),
        pins=tuple(Pin("p1", d, "D") for d in (2, 3, 4)),
        rules=(Rule("coverage", hard=True), Rule("leave", hard=True), Rule("partnerships", weight=1)),
    )
    bounds = model.component_bounds(problem, time_limit=5)
    assert bounds == {("p0", "p1"): 6}
    assert model.component_bounds(problem, time_limit=5, min_size=3) == {}
    result = solve(problem)
    assert result.objective >= 6
    # The cut keeps every roster: the solution found is still feasible with it, at the same cost.
    built = model.build(problem, bounds=bounds)
    built.fix_to(result.roster)
    solver = model.cp_model.CpSolver()
    assert solver.solve(built.model) in (model.cp_model.OPTIMAL, model.cp_model.FEASIBLE)


def test_redundant_coverage_totals_cut_off_no_roster_meeting_the_minimums():
    problem = department(people=4, cover={"D": 2, "N": 1}, rules=(Rule("coverage", hard=True), Rule("fair_nights")))
    roster = Roster(
        {("p0", d): "D" for d in range(7)} | {("p1", d): "D" for d in range(7)} | {("p2", d): "N" for d in range(7)}
    )
    result = model.evaluate(problem, roster)
    assert result.feasible and result.term_costs == {"fair_nights": 7}


def test_the_night_cap_keeps_the_spread_within_one_and_the_cost_is_the_checker_s():
    from rostering import checker

    problem = fair_department()
    for fairness_first in (0.0, 0.3):
        result = model.solve(problem, time_limit=4, workers=1, night_cap=True, fairness_first=fairness_first)
        report = checker.check(problem, result.roster)
        assert report.ok and report.soft_cost == result.objective
        assert result.bound is not None and result.bound <= result.objective
        counts = [sum(result.roster.shift(p.id, d) == "N" for d in range(7)) for p in problem.staff]
        assert max(counts) - min(counts) <= 1


def test_a_stop_during_the_capped_phase_keeps_its_roster_with_a_bound_of_zero():
    problem = fair_department()
    stop = threading.Event()
    seen = []

    def stop_at_first(objective, bound, seconds):
        seen.append(bound)
        stop.set()

    result = model.solve(problem, time_limit=10, workers=1, on_progress=stop_at_first, stop=stop, night_cap=True)
    assert result.stopped and result.roster is not None and seen[0] == 0.0 and result.bound == 0.0
    assert result.seconds < 5


def test_the_night_cap_repairs_a_cheaper_but_unfair_roster_and_prices_it_as_the_checker_does():
    from rostering import checker

    # p0 wishes for every night (5 each) and fairness costs only 1 a night: the cheapest roster
    # gives p0 all 7 nights (spread 7); the cap moves nights to the others, at its own cost.
    problem = department(
        rules=(Rule("coverage", hard=True), Rule("fair_nights", weight=1), Rule("preferences", weight=1)),
        preferences=tuple(Preference("p0", d, "N", True, 5) for d in range(7)),
    )
    cheapest = solve(problem, time_limit=3)
    assert sum(cheapest.roster.shift("p0", d) == "N" for d in range(7)) == 7
    seen = []
    result = solve(problem, time_limit=3, night_cap=True, on_progress=lambda o, b, s: seen.append(b))
    counts = [sum(result.roster.shift(p.id, d) == "N" for d in range(7)) for p in problem.staff]
    assert max(counts) - min(counts) <= 1
    report = checker.check(problem, result.roster)
    assert report.ok and report.soft_cost == result.objective > cheapest.objective
    assert result.status == "feasible" and result.bound <= cheapest.objective and seen
