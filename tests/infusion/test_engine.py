"""The placement engine over a made-up center: each route's days, the study's policy, the
levelled one (least loaded, search further, never over the nurses' cap, over the type's
capacity as the last resort, bad blood within its days) and the words it explains itself with."""

import datetime as dt

import pytest

from infusion import engine
from infusion.engine import CHOSEN, LEVELLED, REJECTED, STUDY, DayLoad, Route, StartOption

MONDAY = dt.date(2027, 3, 1)

NEW = Route("new", 7, (0, 1, 2))
CANCELLATION = Route("cancellation", 2, (0, -1, 1))
NO_SHOW = Route("no_show", 3, (0, -1, 1))
BAD_BLOOD = Route("bad_blood", 1, (0, 1), search_further=False)
NEXT_CYCLE = Route("next_cycle", 30, (0, -1, 1, -2, 2))


class FakeCenter:
    """Days open with room by default; ``full``/``closed``/``no_chair``/``over_cap`` days and
    per-day booked minutes change that."""

    def __init__(self, *, full=(), closed=(), no_chair=(), over_cap=(), booked=None, capacity=4, supported=600):
        self.full, self.closed, self.no_chair, self.over_cap = set(full), set(closed), set(no_chair), set(over_cap)
        self.booked = booked or {}
        self.capacity, self.supported = capacity, supported
        self.asked: list[dt.date] = []

    def day_load(self, day, patient_type):
        self.asked.append(day)
        return DayLoad(
            day=day,
            open=day not in self.closed,
            type_capacity=self.capacity,
            type_count=self.capacity if day in self.full else 1,
            booked_minutes=self.booked.get(day, 0),
            supported_minutes=self.supported,
        )

    def start_options(self, day, minutes):
        if day in self.no_chair:
            return []
        if day in self.over_cap:
            return [StartOption(start=480, chair="A", peak=4, cap=3), StartOption(start=600, chair="B", peak=5, cap=3)]
        return [
            StartOption(start=480, chair="A", peak=3, cap=3),
            StartOption(start=540, chair="B", peak=1, cap=3),
            StartOption(start=600, chair="A", peak=2, cap=3),
        ]


def place(policy, route, center, *, from_day=MONDAY, minutes=120, **extra):
    return engine.place(
        policy=policy, route=route, from_day=from_day, patient_type="INF", minutes=minutes, center=center, **extra
    )


def days(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        (NEW, [7, 8, 9]),
        (CANCELLATION, [2, 1, 3]),
        (NO_SHOW, [3, 2, 4]),
        (BAD_BLOOD, [1, 2]),
        (NEXT_CYCLE, [30, 29, 31, 28, 32]),
    ],
)
def test_each_route_tries_its_days_in_order(route, expected):
    target, tried = engine.route_days(route, MONDAY)
    assert target == days(route.target_days)
    assert tried == [days(n) for n in expected]


def test_a_route_tries_a_day_once_even_if_its_offsets_repeat():
    _, tried = engine.route_days(Route("odd", 2, (0, 0, 1, 0)), MONDAY)
    assert tried == [days(2), days(3)]


# --- the study's policy ----------------------------------------------------------------------------


def test_study_takes_the_target_at_its_earliest_free_start():
    decision = place(STUDY, CANCELLATION, FakeCenter())
    assert decision.day == days(2)
    assert decision.option.start == 480  # the study knows no nurses: the earliest, though at the cap
    assert decision.over_type_capacity is False
    assert [(a.day, a.verdict) for a in decision.attempts] == [(days(2), CHOSEN)]


def test_study_takes_the_day_before_when_the_target_is_full():
    decision = place(STUDY, CANCELLATION, FakeCenter(full={days(2)}))
    assert decision.day == days(1)
    assert decision.attempts[0].verdict == REJECTED
    assert "full for INF: 4 of 4 places taken" in decision.attempts[0].reason


def test_study_places_on_the_day_after_whatever_the_count():
    decision = place(STUDY, NO_SHOW, FakeCenter(full={days(3), days(2), days(4)}))
    assert decision.day == days(4)  # the day after the target
    assert decision.over_type_capacity is True
    assert decision.attempts[-1].verdict == CHOSEN
    assert "whatever the count" in decision.attempts[-1].reason


def test_study_next_cycle_falls_back_to_its_last_day_and_never_searches_further():
    center = FakeCenter(full={days(n) for n in range(28, 33)})
    decision = place(STUDY, NEXT_CYCLE, center)
    assert decision.day == days(32)
    assert decision.over_type_capacity is True
    assert max(center.asked) == days(32)


def test_study_skips_a_closed_day():
    decision = place(STUDY, CANCELLATION, FakeCenter(closed={days(2)}))
    assert decision.day == days(1)
    assert "closed" in decision.attempts[0].reason


def test_study_fails_when_no_day_has_a_chair():
    center = FakeCenter(no_chair={days(1), days(2), days(3)})
    decision = place(STUDY, CANCELLATION, center)
    assert not decision.placed and decision.day is None
    assert "Not placed" in decision.explanation()


# --- the levelled policy ---------------------------------------------------------------------------


def test_levelled_takes_the_least_loaded_of_the_route_days():
    center = FakeCenter(booked={days(30): 500, days(29): 400, days(31): 100, days(28): 300, days(32): 100})
    decision = place(LEVELLED, NEXT_CYCLE, center)
    assert decision.day == days(31)  # ties with days(32): the route's order decides
    rejected = {a.day: a.reason for a in decision.attempts if a.verdict == REJECTED}
    assert "more loaded" in rejected[days(30)]
    assert "150% of the nurses' chair time" not in rejected[days(30)]
    assert "103% of the nurses' chair time with this patient" in rejected[days(30)]  # (500 + 120) / 600


def test_levelled_takes_the_start_with_the_lowest_peak_within_the_cap():
    decision = place(LEVELLED, CANCELLATION, FakeCenter())
    assert (decision.option.start, decision.option.chair) == (540, "B")


def test_levelled_never_books_over_the_nurses_cap():
    center = FakeCenter(over_cap={days(2), days(1)}, booked={days(3): 500})
    decision = place(LEVELLED, CANCELLATION, center)
    assert decision.day == days(3)
    assert decision.option.within_cap
    reasons = {a.day: a.reason for a in decision.attempts}
    assert "every free start would run 4 chairs at once; the nurses on duty support 3" in reasons[days(2)]


def test_levelled_searches_further_when_the_route_days_are_full():
    center = FakeCenter(full={days(1), days(2), days(3), days(4)}, closed={days(5)})
    decision = place(LEVELLED, CANCELLATION, center)
    assert decision.day == days(6)
    assert decision.over_type_capacity is False
    assert [a.day for a in decision.attempts if a.verdict == REJECTED][-2:] == [days(4), days(5)]
    assert "first day after them with room" in decision.attempts[-1].reason


def test_levelled_falls_back_over_the_type_capacity_on_the_least_loaded_day_the_nurses_take():
    full = {days(n) for n in range(1, 14)}
    center = FakeCenter(full=full, booked={days(2): 300, days(1): 200, days(3): 400}, over_cap={days(1)})
    decision = place(LEVELLED, CANCELLATION, center, search_days=10)
    assert decision.day == days(2)  # days(1) is less loaded but over the nurses' cap
    assert decision.over_type_capacity is True
    assert decision.option.within_cap
    assert "placed over its capacity" in decision.attempts[-1].reason
    assert max(center.asked) == days(13)  # searched ten days past the route's last


def test_levelled_bad_blood_stays_within_its_two_days():
    center = FakeCenter(full={days(1), days(2)})
    decision = place(LEVELLED, BAD_BLOOD, center)
    assert decision.day in {days(1), days(2)}
    assert decision.over_type_capacity is True
    assert max(center.asked) == days(2)


def test_levelled_bad_blood_fails_rather_than_exceed_the_nurses():
    center = FakeCenter(over_cap={days(1), days(2)})
    decision = place(LEVELLED, BAD_BLOOD, center)
    assert not decision.placed
    assert max(center.asked) == days(2)


def test_days_before_earliest_are_rejected_as_past():
    decision = place(LEVELLED, CANCELLATION, FakeCenter(), earliest=days(2))
    reasons = [(a.day, a.verdict, a.reason) for a in decision.attempts]
    assert reasons[0] == (days(1), REJECTED, "in the past")
    assert decision.day == days(2)  # days(2) and days(3) load alike: the route's order


def test_levelled_searches_from_earliest_when_the_whole_route_is_past():
    decision = place(LEVELLED, NO_SHOW, FakeCenter(full={days(20)}), earliest=days(20))
    assert decision.day == days(21)


def test_levelled_compares_minutes_when_a_day_has_no_nurse_cap():
    center = FakeCenter(supported=0, booked={days(2): 100, days(1): 50, days(3): 200})
    decision = place(LEVELLED, CANCELLATION, center)
    assert decision.day == days(1)
    rejected = {a.day: a.reason for a in decision.attempts if a.verdict == REJECTED}
    assert "220 predicted chair minutes with this patient" in rejected[days(2)]


# --- words and errors ----------------------------------------------------------------------------


def test_the_explanation_names_the_target_each_day_tried_and_the_choice():
    decision = place(STUDY, CANCELLATION, FakeCenter(full={days(2)}))
    lines = decision.explanation().splitlines()
    assert lines[0] == "Target Wed 03 Mar; the study's policy."
    assert lines[1].startswith("Wed 03 Mar: rejected: full for INF")
    assert lines[2].startswith("Tue 02 Mar 08:00: chosen: 1 of 4 INF places taken")


def test_ranked_options_follow_each_policy():
    options = FakeCenter().start_options(days(1), 60)
    assert [o.start for o in engine.ranked_options(STUDY, options)] == [480, 540, 600]
    assert [o.start for o in engine.ranked_options(LEVELLED, options)] == [540, 600, 480]


@pytest.mark.parametrize(("policy", "minutes"), [("fifo", 60), (STUDY, 0)])
def test_bad_arguments_are_refused(policy, minutes):
    with pytest.raises(ValueError):
        place(policy, CANCELLATION, FakeCenter(), minutes=minutes)
