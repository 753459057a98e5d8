"""The independent checker on small hand-built rosters: each hard rule caught with its words,
each soft cost worked out by hand, INRC-II's printed validator example (1695), and the model's
rosters re-checked (no hard violation, the same cost as the model's objective)."""

import datetime as dt
import random
from dataclasses import replace
from pathlib import Path

import pytest

from rostering import model
from rostering.checker import check
from rostering.inrc2 import importer, reader, scorer
from rostering.problem import (
    HARD_RULES,
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

INRC2 = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "inrc2"
MONDAY = dt.date(2026, 12, 7)
D = ShiftType("D", "Day", dt.time(8), dt.time(16), 8)
E = ShiftType("E", "Evening", dt.time(16), dt.time(0), 8)
N = ShiftType("N", "Night", dt.time(22), dt.time(8), 10, is_night=True, forbidden_successors=("D",))
W = ShiftType("W", "Weekend day", dt.time(9), dt.time(17), 8, weekend_only=True)


def person(pid: str, *skills: str, **contract) -> Staff:
    history = contract.pop("history", History())
    sites = contract.pop("sites", ())
    return Staff(
        pid, f"Dr {pid.upper()}", skills=skills or ("reg",), sites=sites, contract=Contract(**contract), history=history
    )


def problem(*staff: Staff, rules: tuple[Rule, ...] = (), days: int = 7, **kwargs) -> Problem:
    return Problem(
        first_day=MONDAY,
        num_days=days,
        shift_types=(D, E, N, W),
        staff=staff or (person("a"),),
        skills=("reg", "senior"),
        rules=rules,
        **kwargs,
    )


def hard(code: str) -> tuple[Rule, ...]:
    return (Rule(code, hard=True),)


def soft(code: str, weight: int) -> tuple[Rule, ...]:
    return (Rule(code, hard=False, weight=weight),)


def roster(skills: dict | None = None, **rows: str) -> Roster:
    """One row of day tokens per person: a shift code, or - for a day off."""
    assignments = {
        (pid, day): token for pid, row in rows.items() for day, token in enumerate(row.split()) if token != "-"
    }
    return Roster(assignments=assignments, skills=skills or {})


def messages(report) -> list[str]:
    return [finding.message for finding in report.hard_violations]


# Hard rules, one each, with their words


def test_a_roster_that_breaks_nothing_is_ok():
    report = check(problem(rules=hard("coverage") + hard("rest")), roster(a="D D - N"))
    assert report.ok
    assert report.hard_violations == []
    assert report.soft_cost == 0
    assert report.soft_satisfaction == 1.0


def test_coverage_names_the_shift_day_skill_and_how_many_are_missing():
    p = problem(person("a"), person("b"), coverage=(Coverage(0, "D", "reg", minimum=2),), rules=hard("coverage"))
    report = check(p, roster(a="D", b="-"))
    assert not report.ok
    assert messages(report) == ["D on Mon 2026-12-07 has 1 covering reg, the minimum is 2: 1 missing"]
    assert report.hard_violations[0].units == 1
    assert report.hard_violations[0].days == (0,)


def test_coverage_counts_each_person_for_one_skill_by_a_matching():
    need = (Coverage(0, "D", "reg", minimum=1), Coverage(0, "D", "senior", minimum=1))
    # Summing skills would count Dr B twice; one person covers one skill.
    alone = check(problem(person("b", "reg", "senior"), coverage=need, rules=hard("coverage")), roster(b="D"))
    assert [(f.rule, f.units) for f in alone.hard_violations] == [("coverage", 1)]
    # Dr B is listed first and takes reg; the matching moves her to senior so that Dr A covers reg.
    both = problem(person("b", "reg", "senior"), person("a", "reg"), coverage=need, rules=hard("coverage"))
    assert check(both, roster(a="D", b="D")).ok


def test_coverage_counts_the_skill_the_roster_records():
    need = (Coverage(0, "D", "reg", minimum=1), Coverage(0, "D", "senior", minimum=1))
    p = problem(person("b", "reg", "senior"), person("a", "reg"), coverage=need, rules=hard("coverage"))
    report = check(p, roster({("a", 0): "reg", ("b", 0): "reg"}, a="D", b="D"))
    assert messages(report) == ["D on Mon 2026-12-07 has 0 covering senior, the minimum is 1: 1 missing"]


def test_the_roster_itself_must_name_known_people_shifts_and_skills_whatever_the_rules():
    p = problem(person("a", "reg", sites=("south",)), rules=())
    p = replace(p, shift_types=p.shift_types + (ShiftType("S", "North day", site="north"),))
    report = check(p, roster({("a", 1): "senior"}, a="W D X S", zed="D"))
    assert messages(report) == [
        "Dr A works W, a weekend-only shift, on Mon 2026-12-07",
        "Dr A covers senior on D on Tue 2026-12-08 without that skill",
        "Dr A works an unknown shift X on Wed 2026-12-09",
        "Dr A works S at north on Thu 2026-12-10, not one of their sites",
        "zed works on day 0 but is not on the staff",
    ]
    assert {f.rule for f in report.hard_violations} == {"assignment"}


def test_rest_catches_a_forbidden_succession_including_after_the_history_s_last_shift():
    p = problem(person("a", history=History(last_shift="N", consecutive_same_shift=1)), rules=hard("rest"))
    report = check(p, roster(a="D - N D"))
    assert messages(report) == [
        "Dr A works N on the day before the roster then D on Mon 2026-12-07: D may not follow N",
        "Dr A works N on Wed 2026-12-09 then D on Thu 2026-12-10: D may not follow N",
    ]


def test_rest_hours_run_from_a_shift_s_end_past_midnight_to_the_next_day_s_start():
    p = problem(person("a", min_rest_hours=11), rules=hard("rest"))
    # E ends at midnight, D starts at 8: 8 h. N ends at 8 the next morning, E starts at 16: 8 h.
    # D then N (30 h) and E then E (16 h) are fine.
    report = check(p, roster(a="E D - N E E"))
    assert messages(report) == [
        "Dr A works E on Mon 2026-12-07 then D on Tue 2026-12-08: 8 h of rest, the contract needs 11 h",
        "Dr A works N on Thu 2026-12-10 then E on Fri 2026-12-11: 8 h of rest, the contract needs 11 h",
    ]


def test_max_consecutive_days_counts_the_history_s_run_but_only_the_days_over_inside_the_roster():
    carried = History(last_shift="D", consecutive_same_shift=3, consecutive_working_days=3)
    p = problem(person("a", max_consecutive_days=5, history=carried), rules=hard("max_consecutive"))
    report = check(p, roster(a="D D D - D D D"))
    assert messages(report) == [
        "Dr A has 6 consecutive working days (3 of them before the roster) from Mon 2026-12-07 "
        "to Wed 2026-12-09: 1 over the maximum of 5"
    ]
    # Already 6 before the roster: one more day is one more over, not two.
    over = History(last_shift="D", consecutive_same_shift=6, consecutive_working_days=6)
    p = problem(person("a", max_consecutive_days=5, history=over), rules=hard("max_consecutive"))
    assert [f.units for f in check(p, roster(a="D")).hard_violations] == [1]


def test_max_consecutive_nights_with_the_history_s_nights():
    carried = History(last_shift="N", consecutive_same_shift=2, consecutive_working_days=2)
    p = problem(person("a", max_consecutive_nights=3, history=carried), rules=hard("max_consecutive"))
    report = check(p, roster(a="N N - N N N N"))
    assert messages(report) == [
        "Dr A has 4 consecutive nights (2 of them before the roster) from Mon 2026-12-07 "
        "to Tue 2026-12-08: 1 over the maximum of 3",
        "Dr A has 4 consecutive nights from Thu 2026-12-10 to Sun 2026-12-13: 1 over the maximum of 3",
    ]


def test_hours_over_a_week():
    p = problem(person("a", max_hours_per_week=40), rules=hard("hours"))
    report = check(p, roster(a="D D D D D D"))
    assert messages(report) == ["Dr A works 48 h in the week from Mon 2026-12-07, the maximum is 40 h"]
    assert report.hard_violations[0].units == 8


def test_hours_over_any_four_weeks():
    p = problem(person("a", max_hours_4_weeks=150), rules=hard("hours"), days=29)
    weekdays = " ".join(["D D D D D - -"] * 4)
    report = check(p, roster(a=weekdays + " -"))
    assert messages(report) == [
        "Dr A works 160 h from Mon 2026-12-07 to Sun 2027-01-03, the 4-week maximum is 150 h",
        "Dr A works 152 h from Tue 2026-12-08 to Mon 2027-01-04, the 4-week maximum is 150 h",
    ]
    assert [f.units for f in report.hard_violations] == [10, 2]


def test_hours_under_the_weekly_minimum_only_in_a_full_week_without_leave():
    p = problem(person("a", min_hours_per_week=24), rules=hard("hours"), days=17, leave=(Leave("a", 10, 10, "course"),))
    report = check(p, roster(a="D D - - - - - -"))
    # Week 2 has a day of leave and week 3 is 3 days long: neither is checked.
    assert messages(report) == ["Dr A works 16 h in the week from Mon 2026-12-07, the minimum is 24 h"]
    assert report.hard_violations[0].units == 8


def test_leave():
    p = problem(leave=(Leave("a", 1, 2, "course"),), rules=hard("leave"))
    assert messages(check(p, roster(a="D D - D"))) == ["Dr A works D on Tue 2026-12-08, a day of leave"]


def test_training_counts_the_shift_type_and_the_skill_covered_where_it_is_asked_for():
    p = problem(
        person("a"),
        person("b", "reg", "senior"),
        training=(
            TrainingRequirement("a", 2, 0, 6, shift="N"),
            TrainingRequirement("b", 1, 0, 6, skill="senior"),
        ),
        coverage=(Coverage(0, "D", "senior", optimal=1),),
        rules=hard("training"),
    )
    # Day 0 asks for senior cover but Dr B covers reg; on day 1 nobody asks for senior cover.
    report = check(p, roster({("b", 0): "reg", ("b", 1): "senior"}, a="N - D", b="D D"))
    assert messages(report) == [
        "Dr A has 1 shift(s) of N from Mon 2026-12-07 to Sun 2026-12-13, the training needs 2",
        "Dr B has 0 shift(s) of covering senior from Mon 2026-12-07 to Sun 2026-12-13, the training needs 1",
    ]


def test_pins_are_hard_without_any_rule():
    p = problem(pins=(Pin("a", 0, "D"), Pin("a", 1, None), Pin("a", 2, "N")), rules=())
    assert messages(check(p, roster(a="N D N"))) == [
        "Dr A is pinned to D on Mon 2026-12-07 but works N",
        "Dr A is pinned off on Tue 2026-12-08 but works D",
    ]


def test_a_switched_off_rule_is_not_checked_and_a_soft_one_costs_instead():
    p = problem(leave=(Leave("a", 0, 1),), rules=(Rule("leave", hard=True, enabled=False),))
    assert check(p, roster(a="D D")).ok
    report = check(p.with_rule("leave", hard=False, weight=7, enabled=True), roster(a="D D"))
    assert report.ok
    assert report.soft_cost_by_rule == {"leave": 14}
    assert [f.message for f in report.soft_violations] == [
        "Dr A works D on Mon 2026-12-07, a day of leave",
        "Dr A works D on Tue 2026-12-08, a day of leave",
    ]


# Soft costs, worked out by hand


def test_preferences_cost_the_rule_weight_times_each_preference_s_weight():
    prefs = (
        Preference("a", 0, "D", want=False, weight=2, reason="school run"),  # works D: 10 × 2
        Preference("a", 1, None, want=False),  # asked the day off, works N: 10
        Preference("a", 2, "E", want=True),  # wanted E, works D: 10
        Preference("a", 3, None, want=True),  # wanted to work, off: 10
        Preference("a", 4, "N", want=False),  # avoided N, off: honoured
    )
    report = check(problem(preferences=prefs, rules=soft("preferences", 10)), roster(a="D N D - -"))
    assert report.soft_cost == report.soft_cost_by_rule["preferences"] == 50
    assert report.soft_violations[0].message == "Dr A asked not to work D on Mon 2026-12-07 (school run) but works D"
    assert report.soft_violations[0].cost == 20
    assert report.soft_satisfaction == pytest.approx(1 / 5)


def test_fair_nights_is_the_spread_among_those_who_can_work_a_night():
    staff = (person("a"), person("b"), person("c"), person("d", "senior"))
    p = problem(*staff, coverage=(Coverage(3, "N", "reg", optimal=1),), rules=soft("fair_nights", 30))
    # Dr D covers no skill a night asks for: her 0 nights do not count.
    report = check(p, roster(a="N N N", b="- - - N", c="- - - - N", d="-"))
    assert report.soft_cost == 60
    assert report.soft_violations[0].message == "night shifts range from 1 (Dr B, Dr C) to 3 (Dr A): a spread of 2"


def test_fair_weekends_is_the_spread_of_worked_weekends_among_all_staff():
    p = problem(person("a"), person("b"), person("c"), rules=soft("fair_weekends", 30), days=14)
    report = check(p, roster(a="- - - - - D D - - - - - D -", b="- - - - - D", c="-"))
    assert report.soft_cost == 60  # 2 weekends against 0


def test_hours_balance_is_the_distance_to_the_target_on_the_days_not_on_leave_rounded():
    p = problem(
        person("a", target_hours_per_week=40),
        person("b", target_hours_per_week=40),
        person("c", target_hours_per_week=40),
        leave=(Leave("a", 7, 13), Leave("c", 3, 13)),
        rules=soft("hours_balance", 1),
        days=14,
    )
    report = check(p, roster(a="D D D D", b="D D D D D - - D D D D D", c="D D"))
    # a: 32 h against 40; b: 80 against 80; c: 16 against 40 × 3 / 7 = 17.14, 1 h.
    assert report.soft_cost == 9
    assert [f.units for f in report.soft_violations] == [8, 1]


def test_continuity_counts_each_change_of_shift_type_between_working_days_from_the_history_on():
    p = problem(person("a", history=History(last_shift="E", consecutive_same_shift=1)), rules=soft("continuity", 2))
    report = check(p, roster(a="D D E - E N"))
    # E (history) → D, D → E, E → N: 3 changes; D → D holds, days off break nothing.
    assert report.soft_cost == 6
    assert report.soft_violations[1].message == "Dr A changes from D on Tue 2026-12-08 to E on Wed 2026-12-09"
    assert report.opportunities_by_rule["continuity"] == 4


def test_continuity_counts_a_change_from_a_weekend_only_shift_to_a_weekday_one():
    p = problem(rules=soft("continuity", 2), days=8)
    report = check(p, roster(a="- - - - - W W D"))
    assert [f.message for f in report.soft_violations] == [
        "Dr A changes from W on Sun 2026-12-13 to D on Mon 2026-12-14"
    ]


def test_partnerships_cost_each_day_the_partners_are_apart():
    p = problem(
        person("a"), person("b"), partnerships=(Partnership("a", "b", weight=3),), rules=soft("partnerships", 1)
    )
    report = check(p, roster(a="D D D -", b="D - E -"))
    assert report.soft_cost == 6
    assert report.soft_violations[0].message == "partners apart on Tue 2026-12-08: Dr A works D and Dr B is off"


def test_optimal_coverage_costs_each_missing_person_and_nothing_above():
    rows = (Coverage(0, "D", "reg", minimum=1, optimal=3), Coverage(1, "D", "reg", minimum=1, optimal=1))
    p = problem(person("a"), person("b"), coverage=rows, rules=soft("optimal_coverage", 30))
    report = check(p, roster(a="D D", b="D D"))
    assert report.soft_cost == 30
    assert report.soft_violations[0].message == "D on Mon 2026-12-07 has 2 covering reg, the optimal is 3: 1 missing"


def test_min_consecutive_days_counts_a_history_run_ended_by_day_0_and_not_a_run_open_at_the_end():
    carried = History(last_shift="D", consecutive_same_shift=1, consecutive_working_days=1)
    p = problem(person("a", min_consecutive_days=3, history=carried), rules=soft("min_consecutive", 30))
    report = check(p, roster(a="- D D - D - D"))
    # History run of 1 ended on day 0: 2 short; days 1-2: 1 short; day 4: 2 short; day 6 still open.
    assert [f.units for f in report.soft_violations] == [2, 1, 2]
    assert report.soft_cost == 150
    assert report.soft_violations[0].message == (
        "Dr A has 1 consecutive working days ending the day before the roster: 2 short of the minimum of 3"
    )


def test_consecutive_shifts_of_one_type_over_and_under():
    d = replace(D, min_consecutive=2, max_consecutive=3)
    p = Problem(
        first_day=MONDAY,
        num_days=7,
        shift_types=(d, E),
        staff=(person("a", history=History(last_shift="D", consecutive_same_shift=2, consecutive_working_days=2)),),
        rules=soft("consecutive_shifts", 15),
    )
    # D run of 2 (history) + 2 = 4: 1 over; D on day 4 alone: 1 short; E has no limits.
    report = check(p, roster(a="D D E E D E E"))
    assert [f.units for f in report.soft_violations] == [1, 1]
    assert report.soft_cost == 30


def test_consecutive_days_off_over_and_under_with_a_run_open_at_the_end_checked_for_its_maximum_only():
    p = problem(
        person("a", min_consecutive_days_off=2, max_consecutive_days_off=3), rules=soft("consecutive_days_off", 30)
    )
    report = check(p, roster(a="D - D - - - -"))
    assert [f.units for f in report.soft_violations] == [1, 1]
    assert report.soft_cost == 60


def test_complete_weekends_for_the_contracts_that_ask_for_them():
    p = problem(person("a", complete_weekends=True), person("b"), rules=soft("complete_weekends", 30), days=14)
    report = check(p, roster(a="- - - - - D - - - - - - D D", b="- - - - - D"))
    assert report.soft_cost == 30
    assert report.soft_violations[0].message == "Dr A works Sat 2026-12-12 but not the whole weekend"


def test_total_assignments_add_the_history_s_count():
    p = problem(
        person("a", min_assignments=5, max_assignments=6, history=History(worked_assignments=4)),
        person("b", min_assignments=5, max_assignments=6),
        rules=soft("total_assignments", 20),
    )
    report = check(p, roster(a="D D D", b="D D D"))
    assert [f.message for f in report.soft_violations] == [
        "Dr A works 7 days (4 before the roster), the maximum is 6",
        "Dr B works 3 days, the minimum is 5",
    ]
    assert report.soft_cost == 60


def test_working_weekends_add_the_history_s_count():
    p = problem(
        person("a", max_working_weekends=1, history=History(worked_weekends=1)), rules=soft("working_weekends", 30)
    )
    report = check(p, roster(a="- - - - - - D"))
    assert report.soft_cost == 30
    assert report.soft_violations[0].message == "Dr A works 2 weekends (1 before the roster), the maximum is 1"


def test_changes_from_the_reference_roster():
    p = problem(reference=roster(a="D D -"), rules=soft("changes", 50))
    report = check(p, roster(a="D E D"))
    assert report.soft_cost == 100
    assert [f.message for f in report.soft_violations] == [
        "Dr A on Tue 2026-12-08: D in the reference roster, E now",
        "Dr A on Wed 2026-12-09: off in the reference roster, D now",
    ]


def test_the_report_sums_costs_by_rule_and_measures_satisfaction_over_every_soft_rule():
    rules = soft("preferences", 10) + soft("continuity", 1)
    p = problem(preferences=(Preference("a", 0, "D"), Preference("a", 3, "E")), rules=rules)
    report = check(p, roster(a="D D E"))
    assert report.soft_cost_by_rule == {"preferences": 10, "continuity": 1}
    assert report.soft_cost == 11
    # 2 preferences (1 honoured) and 2 pairs of working days (1 unchanged).
    assert report.soft_satisfaction == pytest.approx(2 / 4)
    assert report.to_dict()["soft_cost"] == 11


# INRC-II: the specification's validator example (instance n005w4_0_1-2-3-3, total cost 1695)

VALIDATOR_EXAMPLE = """
Patrick |N|-|E|E|E|L|L| |-|-|E|E|L|L|L| |-|N|N|N|N|N|N| |-|L|L|L|L|N|N|
Andrea  |L|L|-|-|L|L|L| |N|N|N|N|N|-|L| |L|L|L|-|-|N|N| |N|N|N|-|-|E|E|
Stefaan |N|N|N|N|-|-|-| |E|E|L|L|-|-|E| |N|N|-|-|E|E|E| |N|N|-|-|-|L|L|
Sara    |-|-|-|N|N|N|N| |N|-|-|-|E|E|E| |E|L|L|L|-|-|-| |E|E|E|E|E|-|-|
Nguyen  |E|E|L|L|-|E|E| |L|L|-|L|N|N|N| |-|E|E|E|L|L|L| |-|L|L|N|N|N|N|
"""


def test_the_inrc2_validator_example_costs_what_the_official_validator_printed():
    p = importer.to_problem(reader.load_instance(INRC2 / "n005w4", "n005w4_0_1-2-3-3"))
    letters = {"E": "Early", "L": "Late", "N": "Night"}
    assignments = {}
    for line in VALIDATOR_EXAMPLE.strip().splitlines():
        name, cells = line.split(maxsplit=1)
        for day, cell in enumerate(c for c in cells if c in "ELN-"):
            if cell != "-":
                assignments[name, day] = letters[cell]
    # The printed grid names no skills: the checker's matching chooses them.
    report = check(p, Roster(assignments=assignments))
    assert report.ok
    by_rule = report.soft_cost_by_rule
    assert by_rule["optimal_coverage"] == 240  # S1
    assert by_rule["consecutive_shifts"] + by_rule["max_consecutive"] + by_rule["min_consecutive"] == 465  # S2
    assert by_rule["consecutive_days_off"] == 330  # S3
    assert by_rule["preferences"] == 70  # S4
    assert by_rule["complete_weekends"] == 60  # S5
    assert by_rule["total_assignments"] == 320  # S6
    assert by_rule["working_weekends"] == 210  # S7
    assert report.soft_cost == 1695


# The model's rosters, re-checked: the two readings of the rules must agree

WEIGHTS = {
    "preferences": 10,
    "fair_nights": 30,
    "fair_weekends": 30,
    "hours_balance": 1,
    "continuity": 2,
    "partnerships": 3,
    "optimal_coverage": 30,
    "min_consecutive": 15,
    "consecutive_shifts": 15,
    "consecutive_days_off": 15,
    "complete_weekends": 20,
    "total_assignments": 20,
    "working_weekends": 30,
    "changes": 5,
}


def generated(seed: int, people: int = 5, days: int = 7) -> Problem:
    """A small random problem with every rule on (the issue's hard ones hard), histories,
    leave, preferences, a partnership, training and a reference roster."""
    rng = random.Random(seed)
    shifts = (
        ShiftType("D", "Day", dt.time(8), dt.time(16), 8, max_consecutive=4),
        ShiftType("E", "Evening", dt.time(14), dt.time(22), 8, min_consecutive=2),
        ShiftType(
            "N", "Night", dt.time(22), dt.time(8), 10, is_night=True, forbidden_successors=("D",), min_consecutive=2
        ),
    )
    staff = []
    for index in range(people):
        last = rng.choice((None, "D", "E", "N"))
        run = rng.randint(1, 4) if last else 0
        contract = Contract(
            max_hours_per_week=48,
            max_hours_4_weeks=120,
            # 35 h a week is 5 h a day present: a whole number of hours, whatever the leave.
            target_hours_per_week=35,
            min_rest_hours=10,
            min_consecutive_days=2,
            max_consecutive_days=5,
            min_consecutive_days_off=1,
            max_consecutive_days_off=4,
            max_consecutive_nights=3,
            max_working_weekends=1,
            min_assignments=3,
            max_assignments=5,
            complete_weekends=rng.random() < 0.5,
        )
        history = History(
            last_shift=last,
            consecutive_same_shift=min(run, rng.randint(1, 3)) if last else 0,
            consecutive_working_days=run,
            consecutive_days_off=0 if last else rng.randint(1, 3),
            worked_assignments=rng.randint(0, 2),
            worked_weekends=rng.randint(0, 1),
        )
        skills = ("reg", "senior") if index < 2 else ("reg",)
        staff.append(Staff(f"p{index}", f"Dr {index}", skills=skills, contract=contract, history=history))
    ids = [person.id for person in staff]
    coverage = []
    for day in range(days):
        coverage += [
            Coverage(day, "D", "reg", 1, 2),
            Coverage(day, "E", "reg", 1, 1),
            Coverage(day, "N", "reg", 1, 1),
            Coverage(day, "D", "senior", 0, 1),
        ]
    preferences = tuple(
        Preference(
            rng.choice(ids),
            rng.randrange(days),
            rng.choice((None, "D", "E", "N")),
            rng.random() < 0.3,
            rng.randint(1, 3),
        )
        for _ in range(8)
    )
    reference = Roster({(pid, day): rng.choice((None, "D", "E", "N")) for pid in ids for day in range(days)})
    return Problem(
        first_day=dt.date(2027, 3, 3),
        num_days=days,
        shift_types=shifts,
        staff=tuple(staff),
        skills=("reg", "senior"),
        coverage=tuple(coverage),
        leave=(Leave(ids[3], 4, 5),),
        preferences=preferences,
        partnerships=(Partnership(ids[2], ids[4], 2),),
        training=(TrainingRequirement(ids[-1], 2, 0, days - 1, shift="N"),),
        reference=reference,
        rules=tuple(Rule(code, hard=True) for code in HARD_RULES)
        + tuple(Rule(c, weight=w) for c, w in WEIGHTS.items()),
    )


def costs(by_rule: dict[str, int]) -> dict[str, int]:
    return {rule: cost for rule, cost in by_rule.items() if cost}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_model_s_roster_breaks_no_hard_rule_and_costs_what_the_model_prices_it(seed):
    """The model's price of its roster is ``evaluate``'s and the search's own objective: every
    penalty variable equals what the roster breaks, so no search can report more."""
    p = generated(seed)
    result = model.solve(p, time_limit=1, workers=1)
    assert result.feasible
    report = check(p, result.roster)
    assert report.hard_violations == []
    priced = model.evaluate(p, result.roster)
    assert costs(report.soft_cost_by_rule) == costs(priced.term_costs)
    assert report.soft_cost == priced.objective == result.objective


@pytest.mark.parametrize("seed", [4, 5])
def test_the_checker_and_the_model_judge_changed_rosters_alike(seed):
    """One or two cells of a solved roster changed at random, 20 times: the checker finds a
    hard violation exactly when the model cannot take the roster, and prices the others alike."""
    p = generated(seed)
    solved = model.solve(p, time_limit=1, workers=1).roster
    rng = random.Random(seed)
    verdicts = set()
    for _ in range(20):
        assignments = dict(solved.assignments)
        for key in rng.sample(sorted(assignments), rng.randint(1, 2)):
            assignments[key] = rng.choice((None, "D", "E", "N"))
        changed = Roster(assignments)
        report, judged = check(p, changed), model.evaluate(p, changed)
        assert report.ok == judged.feasible, [str(f) for f in report.hard_violations]
        if judged.feasible:
            assert costs(report.soft_cost_by_rule) == costs(judged.term_costs)
        verdicts.add(report.ok)
    assert verdicts == {True, False}


def test_on_inrc2_the_checker_the_model_and_the_competition_s_scorer_agree():
    instance = reader.load_instance(INRC2 / "n005w4", "n005w4_0_1-2-3-3")
    p = importer.to_problem(instance)
    result = model.solve(p, time_limit=1, workers=1)
    report = check(p, result.roster)
    official = scorer.score(instance, importer.to_assignments(result.roster))
    assert report.ok and official.hard_violations == 0
    assert report.soft_cost == official.cost == model.evaluate(p, result.roster).objective == result.objective
