"""Explanations in words: the conflicting rules of an infeasible problem, and what binds an
assignment."""

import datetime as dt
from dataclasses import replace

from rostering import explain, model
from rostering.problem import Contract, Coverage, Leave, Pin, Problem, Rule, ShiftType, Staff

DAY = ShiftType("D", "Day", dt.time(8), dt.time(16), 8)
NIGHT = ShiftType("N", "Night", dt.time(22), dt.time(8), 10, is_night=True, forbidden_successors=("D",))


def ward(**changes) -> Problem:
    """Five registrars, three of them with ICU skill; an ICU night and a day shift each day,
    three ICU nights on Friday 12 March."""
    staff = tuple(
        Staff(
            f"p{i}",
            f"Dr {'ABCDE'[i]}",
            skills=("reg",) + (("icu",) if i < 3 else ()),
            contract=Contract(max_consecutive_nights=2),
        )
        for i in range(5)
    )
    coverage = tuple(Coverage(d, "N", "icu", 3 if d == 4 else 1) for d in range(7)) + tuple(
        Coverage(d, "D", "reg", 1) for d in range(7)
    )
    rules = (
        Rule("coverage", hard=True),
        Rule("leave", hard=True),
        Rule("max_consecutive", hard=True),
        Rule("rest", hard=True),
    )
    return replace(
        Problem(
            first_day=dt.date(2027, 3, 8),
            num_days=7,
            shift_types=(DAY, NIGHT),
            staff=staff,
            coverage=coverage,
            rules=rules,
        ),
        **changes,
    )


def test_infeasibility_names_the_coverage_and_the_leave_that_conflict():
    answer = explain.infeasibility(ward(leave=(Leave("p0", 4, 4, "annual leave"),)))
    assert not answer.feasible and answer.status == "infeasible"
    assert sorted(c.rule for c in answer.conflicts) == ["coverage", "leave"]
    assert "Coverage of 3 on the Night shift on Fri 12 Mar needs 3 people with skill icu" in answer.text
    assert "Dr A is on leave from Fri 12 Mar to Fri 12 Mar (annual leave)" in answer.text
    assert "make the coverage rule soft" in answer.text and "shorten the leave" in answer.text


def test_infeasibility_names_a_contract_limit():
    # Dr B and Dr C are pinned to nights Wed and Thu: a third night in a row on Friday breaks
    # their contract, and Dr A alone cannot make three.
    pins = (Pin("p1", 2, "N"), Pin("p1", 3, "N"), Pin("p2", 2, "N"), Pin("p2", 3, "N"))
    answer = explain.infeasibility(ward(pins=pins))
    rules = {c.rule for c in answer.conflicts}
    assert {"coverage", "max_consecutive"} <= rules
    assert "allows at most 2 nights in a row" in answer.text


def test_a_feasible_problem_says_so():
    answer = explain.infeasibility(ward())
    assert answer.feasible and answer.status == "feasible"


def test_why_a_forced_assignment_names_the_coverage():
    problem = ward()
    roster = model.solve(problem, time_limit=5, workers=1).roster
    answer = explain.why(problem, roster, "p0", 4)
    assert roster.shift("p0", 4) == "N"
    assert "needs at least 3" in answer.text
    assert "Without it the hard rules cannot all hold" in answer.text
    assert any(c.rule == "coverage" for c in answer.conflicts)


def test_why_a_free_choice_says_what_it_costs_or_that_it_is_one_of_equals():
    problem = ward(rules=ward().rules + (Rule("fair_nights", weight=5),))
    roster = model.solve(problem, time_limit=5, workers=1).roster
    day = next(d for d in range(7) if d != 4 and roster.shift("p0", d) == "N")
    answer = explain.why(problem, roster, "p0", day)
    assert "one choice among equals" in answer.text or "costs" in answer.text
    assert "Without it the hard rules cannot all hold" not in answer.text


def test_why_a_day_off_on_leave():
    problem = ward(leave=(Leave("p4", 0, 1, "course"),))
    roster = model.solve(problem, time_limit=5, workers=1).roster
    assert explain.why(problem, roster, "p4", 0).text == "Dr E is on leave on Mon 8 Mar."
