import datetime as dt

import pytest

from rostering.problem import (
    Contract,
    Coverage,
    History,
    Leave,
    Pin,
    Preference,
    Problem,
    Roster,
    Rule,
    ShiftType,
    Staff,
    rest_minutes,
)


def small_problem() -> Problem:
    day = ShiftType("D", "Day", dt.time(8), dt.time(16), 8)
    night = ShiftType("N", "Night", dt.time(22), dt.time(8), 10, is_night=True, forbidden_successors=("D",))
    return Problem(
        first_day=dt.date(2027, 1, 4),
        num_days=14,
        shift_types=(day, night),
        skills=("reg",),
        staff=(
            Staff("a", "Dr A", skills=("reg",), contract=Contract(max_hours_per_week=48)),
            Staff("b", "Dr B", skills=("reg",), history=History(last_shift="N", consecutive_same_shift=2)),
        ),
        coverage=(Coverage(0, "D", "reg", 1, 2),),
        leave=(Leave("b", 3, 5, "course"),),
        preferences=(Preference("a", 1, None, want=False, weight=2, reason="wedding"),),
        pins=(Pin("a", 0, "D"),),
        reference=Roster({("a", 0): "D", ("b", 0): None}, {("a", 0): "reg"}),
    )


def test_round_trips_through_json():
    problem = small_problem()
    data = problem.to_dict()
    assert data["shift_types"][1]["start"] == "22:00:00"
    assert Problem.from_dict(data) == problem


def test_calendar_weekends_and_weeks():
    problem = small_problem()  # Monday 4 January 2027
    assert problem.weekends() == [(5, 6), (12, 13)]
    assert problem.weeks() == [tuple(range(7)), tuple(range(7, 14))]
    assert problem.on_leave("b", 4) and not problem.on_leave("b", 6)


def test_overnight_rest_is_counted_across_midnight():
    problem = small_problem()
    assert rest_minutes(problem.shift("N"), problem.shift("D")) == 0
    assert rest_minutes(problem.shift("D"), problem.shift("N")) == 30 * 60


def test_rules_switch_off_and_reweight():
    problem = small_problem().with_rule("preferences", enabled=False).with_rule("continuity", weight=7)
    assert problem.rule("preferences") is None
    assert problem.rule("continuity") == Rule("continuity", weight=7)


def test_unknown_references_are_refused():
    data = small_problem().to_dict()
    data["coverage"].append({"day": 0, "shift": "X", "skill": "reg"})
    with pytest.raises(ValueError, match="unknown shift X"):
        Problem.from_dict(data)


def test_a_roster_with_two_rows_for_one_person_and_day_is_rejected_naming_them():
    rows = {"assignments": [{"person": "a", "day": 3, "shift": "D"}, {"person": "a", "day": 3, "shift": "N"}]}
    with pytest.raises(ValueError, match=r"'a'.*day 3"):
        Roster.from_dict(rows)
