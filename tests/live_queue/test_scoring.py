"""The score's rules, stated as properties and checked by hypothesis over random queues."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from live_queue import scoring

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(hours=6)


class Entry:
    def __init__(self, token, priority, is_vip, appointment, arrival, manual=0):
        self.token_number = token
        self.priority = priority
        self.is_vip = is_vip
        self.appointment_at = None if appointment is None else T0 + dt.timedelta(minutes=appointment)
        self.arrived_at = T0 + dt.timedelta(minutes=arrival)
        self.manual_minutes = manual

    def __repr__(self):
        appointment = self.appointment_at and f"{self.appointment_at:%H:%M}"
        return f"<{self.token_number} {self.priority} vip={self.is_vip} appt={appointment} at={self.arrived_at:%H:%M}>"


def entries(priorities=("routine", "urgent", "emergency"), vip=st.booleans(), manual=st.just(0)):
    entry = st.tuples(
        st.sampled_from(priorities),
        vip,
        st.one_of(st.none(), st.integers(0, 300)),
        st.integers(0, 300),
        manual,
    )
    return st.lists(entry, min_size=1, max_size=25).map(lambda rows: [Entry(i + 1, *row) for i, row in enumerate(rows)])


@settings(max_examples=200, deadline=None)
@given(entries(manual=st.integers(-120, 120)))
def test_an_emergency_is_always_before_everyone_else(queue):
    order = scoring.ordered(queue, now=NOW)
    priorities = [entry.priority for entry in order]
    emergencies = priorities.count("emergency")
    assert all(p == "emergency" for p in priorities[:emergencies])


@settings(max_examples=200, deadline=None)
@given(entries(priorities=("routine",), vip=st.just(False)))
def test_an_on_time_appointment_is_never_behind_a_walk_in_who_arrived_after_it(queue):
    order = scoring.ordered(queue, now=NOW)
    position = {entry.token_number: index for index, entry in enumerate(order)}
    for patient in queue:
        if patient.appointment_at is None:
            continue
        _, on_time = scoring.reference_time(appointment_at=patient.appointment_at, arrived_at=patient.arrived_at)
        if not on_time:
            continue
        for walk_in in queue:
            if walk_in.appointment_at is None and walk_in.arrived_at > patient.arrived_at:
                assert position[patient.token_number] < position[walk_in.token_number], (patient, walk_in)


@settings(max_examples=200, deadline=None)
@given(entries(priorities=("routine", "urgent")))
def test_later_arrivals_overtake_a_routine_patient_only_within_the_documented_bound(queue):
    order = scoring.ordered(queue, now=NOW)
    position = {entry.token_number: index for index, entry in enumerate(order)}
    bound = dt.timedelta(minutes=scoring.OVERTAKE_BOUND_MINUTES)
    for patient in queue:
        if patient.priority != "routine":
            continue
        for later in queue:
            if later.arrived_at >= patient.arrived_at + bound:
                assert position[later.token_number] > position[patient.token_number], (patient, later)


@settings(max_examples=100, deadline=None)
@given(entries(manual=st.integers(-60, 60)), st.randoms(use_true_random=False))
def test_the_order_is_deterministic_whatever_order_entries_come_in(queue, rng):
    shuffled = list(queue)
    rng.shuffle(shuffled)
    assert [e.token_number for e in scoring.ordered(queue, now=NOW)] == [
        e.token_number for e in scoring.ordered(shuffled, now=NOW)
    ]


@settings(max_examples=100, deadline=None)
@given(entries(priorities=("routine",)), st.integers(1, 600))
def test_waiting_improves_a_patients_score_and_never_reorders_those_already_waiting(queue, minutes):
    later = NOW + dt.timedelta(minutes=minutes)
    for entry in queue:
        assert scoring.entry_score(entry, now=later).score < scoring.entry_score(entry, now=NOW).score
    assert scoring.ordered(queue, now=NOW) == scoring.ordered(queue, now=later)


def test_a_late_appointment_loses_its_place_and_is_ordered_by_arrival():
    walk_in = Entry(1, "routine", False, None, 20)
    late = Entry(2, "routine", False, 0, 30)  # 30 minutes late for an 08:00 appointment
    on_time = Entry(3, "routine", False, 10, 15)  # 5 minutes late: within grace
    assert [e.token_number for e in scoring.ordered([walk_in, late, on_time], now=NOW)] == [3, 1, 2]
