"""Caps on how many resources of one kind may run at once (issue 13: the nurses on duty, not the
chairs, limit an infusion center): the pure maths, the check booking calls, and the slot
listings, which offer no slot the check would refuse."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from availability import engine, selectors, services
from availability.services import ConcurrencyLimit
from scheduling.errors import ApplicationError
from scheduling.models import ResourceKind
from tests.availability.factories import local, make_schedule, window
from tests.factories import ResourceFactory

MONDAY = dt.date(2030, 1, 7)
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
UTC = dt.UTC


class FixedCaps:
    """A capacity source answering from a list: ``cap(facility, kind, start, end, limit, reason)``."""

    def __init__(self):
        self.caps: list[tuple[int, str, ConcurrencyLimit]] = []
        self.calls = 0

    def cap(self, facility, kind, start, end, limit, reason="2 nurses on duty × 3 chairs each"):
        self.caps.append((facility.pk, kind, ConcurrencyLimit(start=start, end=end, limit=limit, reason=reason)))

    def concurrency_limits(self, *, facility, kind, start, end):
        self.calls += 1
        return [
            limit
            for facility_id, capped, limit in self.caps
            if facility_id == facility.pk and capped == kind and limit.start < end and start < limit.end
        ]


@pytest.fixture
def caps():
    """A capacity source registered for the test only."""
    source = FixedCaps()
    services.register_capacity_source(source)
    yield source
    services.unregister_capacity_source(source)


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(MONDAY, dt.time.fromisoformat(hhmm), tzinfo=UTC)


# --- the pure maths ---------------------------------------------------------------------------


def limit(start, end, count):
    return ConcurrencyLimit(start=at(start), end=at(end), limit=count, reason="test")


def test_a_resource_in_use_counts_once_however_many_bookings_it_holds():
    caps = engine.ConcurrencyCaps(
        [limit("09:00", "12:00", 2)],
        [
            (1, at("10:00"), at("10:30"), 1, True),  # two tokens of one chair's slot: one chair
            (1, at("10:00"), at("10:30"), 1, True),
            (2, at("10:00"), at("10:30"), 1),
        ],
    )
    assert caps.in_use(at("10:10")) == 2
    breach = caps.breach(resource_id=3, start=at("10:00"), end=at("10:30"))
    assert (breach.at, breach.in_use, breach.limit.limit) == (at("10:00"), 2, 2)
    # A third token on a chair already running adds no chair.
    assert caps.breach(resource_id=1, start=at("10:00"), end=at("10:30")) is None
    assert caps.breach(resource_id=3, start=at("10:30"), end=at("11:00")) is None


def test_the_breach_is_the_first_instant_over_the_cap_within_the_interval():
    caps = engine.ConcurrencyCaps(
        [limit("09:00", "10:00", 5), limit("10:00", "12:00", 1)],
        [(1, at("09:00"), at("09:45"), 1), (2, at("10:15"), at("11:00"), 1)],
    )
    breach = caps.breach(resource_id=3, start=at("09:30"), end=at("10:30"))
    assert (breach.at, breach.in_use, breach.limit.limit) == (at("10:15"), 1, 1)
    # The resource's own bookings are not counted against it.
    assert caps.breach(resource_id=2, start=at("10:00"), end=at("11:30")) is None
    # Outside every cap nothing is capped.
    assert caps.breach(resource_id=3, start=at("12:00"), end=at("18:00")) is None


def test_a_cap_of_zero_refuses_any_use_in_its_span_only():
    caps = engine.ConcurrencyCaps([limit("09:00", "12:00", 0)], [])
    assert caps.breach(resource_id=1, start=at("11:30"), end=at("12:30")).at == at("11:30")
    assert caps.breach(resource_id=1, start=at("08:00"), end=at("09:30")).at == at("09:00")
    assert caps.breach(resource_id=1, start=at("12:00"), end=at("12:30")) is None


# --- the check --------------------------------------------------------------------------------


@pytest.fixture
def chairs(facility, user):
    """Three chairs open 08:00–18:00 on Mondays, in 30-minute slots."""
    made = []
    for number in (1, 2, 3):
        chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=f"Chair {number}")
        make_schedule(facility, chair, user, window(weekdays=[0], start="08:00", end="18:00", type="open"))
        made.append(chair)
    return made


def check(facility, resource, start, end):
    return selectors.bookable_interval_check(
        facility=facility,
        resource_id=resource.pk,
        start=local(facility, MONDAY, start),
        end=local(facility, MONDAY, end),
        now=NOW,
    )


def refusal(facility, resource, start, end) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        check(facility, resource, start, end)
    assert (caught.value.code, caught.value.status_code) == ("not_bookable", 409)
    return caught.value


def test_a_chair_over_the_nurses_cap_is_refused_with_the_caps_reason(facility, chairs, caps, bookings):
    facility.time_zone = "Europe/Paris"
    facility.save()
    caps.cap(facility, "chair", local(facility, MONDAY, "09:00"), local(facility, MONDAY, "12:00"), 2)
    bookings.add(chairs[0], local(facility, MONDAY, "10:00"), local(facility, MONDAY, "11:00"))
    bookings.add(chairs[1], local(facility, MONDAY, "10:30"), local(facility, MONDAY, "11:30"))

    assert check(facility, chairs[2], "09:30", "10:00").resource_id == chairs[2].pk
    error = refusal(facility, chairs[2], "10:00", "11:00")
    assert error.extra == {
        "reason": "capacity_reached",
        "limit": 2,
        "in_use": 2,
        "at": local(facility, MONDAY, "10:30").isoformat(),
    }
    assert error.message == (
        "From 10:30 at most 2 chairs may be in use at once (2 nurses on duty × 3 chairs each); 2 are booked then."
    )
    assert error.fields == {"start": [error.message]}
    # A chair already running may take more of its own time, and after the cap nothing is capped.
    assert check(facility, chairs[0], "11:00", "11:30")
    assert check(facility, chairs[2], "12:00", "13:00")


def test_a_cap_of_zero_refuses_every_chair_in_its_span(facility, chairs, caps):
    caps.cap(facility, "chair", local(facility, MONDAY, "09:00"), local(facility, MONDAY, "12:00"), 0, "no nurse")
    for chair in chairs:
        error = refusal(facility, chair, "11:30", "12:00")
        assert error.message == "From 11:30 at most 0 chairs may be in use at once (no nurse); 0 are booked then."
    assert check(facility, chairs[0], "12:00", "12:30")


def test_a_chair_cap_does_not_cap_other_kinds_nor_other_facilities(
    facility, other_facility, make_member, user, chairs, caps, doctor
):
    make_schedule(facility, doctor, user, window(weekdays=[0], start="08:00", end="18:00", type="open"))
    caps.cap(facility, "chair", local(facility, MONDAY, "08:00"), local(facility, MONDAY, "18:00"), 0)
    assert check(facility, doctor, "10:00", "10:30")
    other_chair = ResourceFactory(facility=other_facility, kind=ResourceKind.CHAIR, name="Chair B1")
    other_admin = make_member(other_facility, username="bea-admin")
    make_schedule(
        other_facility, other_chair, other_admin, window(weekdays=[0], start="08:00", end="18:00", type="open")
    )
    assert check(other_facility, other_chair, "10:00", "10:30")


def test_without_a_capacity_source_nothing_is_capped(facility, chairs, bookings):
    for chair in chairs[:2]:
        bookings.add(chair, local(facility, MONDAY, "10:00"), local(facility, MONDAY, "11:00"))
    assert check(facility, chairs[2], "10:00", "11:00")


# --- the slot listings ------------------------------------------------------------------------


def listing(facility, resources):
    return selectors.slot_list(
        facility=facility, resource_ids=[r.pk for r in resources], start_date=MONDAY, end_date=MONDAY, now=NOW
    )


def bookable_times(slots, resource) -> list[str]:
    return [f"{slot.start:%H:%M}" for slot in slots if slot.resource_id == resource.pk and slot.bookable]


def test_the_slot_list_offers_no_slot_the_check_would_refuse(facility, chairs, caps, bookings):
    caps.cap(facility, "chair", local(facility, MONDAY, "09:00"), local(facility, MONDAY, "10:00"), 1)
    bookings.add(chairs[0], local(facility, MONDAY, "09:00"), local(facility, MONDAY, "09:30"))
    slots = listing(facility, chairs[1:2])
    times = bookable_times(slots, chairs[1])
    assert "09:00" not in times
    assert {"08:30", "09:30", "10:00"} <= set(times)
    capped = next(slot for slot in slots if f"{slot.start:%H:%M}" == "09:00")
    assert (capped.bookable, capped.remaining, capped.booked) == (False, 0, 0)
    for slot in slots:
        start, end = (instant.astimezone(dt.UTC).strftime("%H:%M") for instant in (slot.start, slot.end))
        if slot.bookable:
            assert check(facility, chairs[1], start, end)
        else:
            assert refusal(facility, chairs[1], start, end).extra["reason"] == "capacity_reached"


def test_the_search_for_the_first_free_chair_skips_capped_times(facility, chairs, caps, bookings):
    caps.cap(facility, "chair", local(facility, MONDAY, "08:00"), local(facility, MONDAY, "09:00"), 0)
    first = selectors.slot_search(facility=facility, date=MONDAY, kind="chair", now=NOW)[0]
    assert first.start == local(facility, MONDAY, "09:00")


def test_capped_listing_queries_do_not_grow_with_the_number_of_chairs_or_days(facility, user, chairs, caps, bookings):
    caps.cap(facility, "chair", local(facility, MONDAY, "09:00"), local(facility, MONDAY, "12:00"), 1)

    def queries(resources, days):
        with CaptureQueriesContext(connection) as captured:
            selectors.slot_list(
                facility=facility,
                resource_ids=[r.pk for r in resources],
                start_date=MONDAY,
                end_date=MONDAY + dt.timedelta(days=days),
                now=NOW,
            )
        return len(captured.captured_queries)

    few = queries(chairs[:1], 0)
    calls = caps.calls
    assert queries(chairs, 13) == few
    assert caps.calls == calls + 1  # the caps are read once per kind and listing, not per slot or day
