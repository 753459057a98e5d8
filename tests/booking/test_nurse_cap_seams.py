"""Every way of booking a chair respects a cap on how many chairs run at once (issue 13: the
nurses on duty, not the chairs, limit an infusion center), and PostgreSQL keeps it true when two
desks book two different chairs at the same instant, with Redis or without.

The caps come from a test capacity source (availability.capacity_source), registered per test.
Races use real threads, each with its own connection, on a transactional database.
"""

import time

import pytest
from django.test import Client

from availability import selectors as availability
from availability import services as availability_services
from booking import selectors, services
from booking.models import Booking, BookingResource, Kind, Status
from booking.services import appointments
from conftest import DEAD_REDIS
from scheduling.errors import ApplicationError
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.availability.test_concurrency_limits import FixedCaps
from tests.booking.conftest import EVERY_DAY
from tests.booking.test_concurrency import run_concurrently
from tests.booking.test_seams import attempt, book
from tests.factories import ResourceFactory

REASON = "1 nurse on duty × 1 chair each"


@pytest.fixture
def caps():
    """A capacity source registered for the test only."""
    source = FixedCaps()
    availability_services.register_capacity_source(source)
    yield source
    availability_services.unregister_capacity_source(source)


def second_chair(clinic):
    chair = ResourceFactory(facility=clinic.facility, kind=ResourceKind.CHAIR, name="Chair 02")
    make_schedule(clinic.facility, chair, clinic.admin, window(EVERY_DAY, "08:00", "20:00", type="open"))
    return chair


def one_chair_from_nine_to_noon(clinic, caps, limit=1, reason=REASON):
    caps.cap(clinic.facility, ResourceKind.CHAIR, clinic.at("09:00"), clinic.at("12:00"), limit, reason)


def refused(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


def free_times(clinic, chair) -> list[str]:
    slots = availability.slot_list(
        facility=clinic.facility,
        resource_ids=[chair.pk],
        start_date=clinic.at("10:00").date(),
        end_date=clinic.at("10:00").date(),
    )
    zone = clinic.at("10:00").tzinfo
    return [f"{slot.start.astimezone(zone):%H:%M}" for slot in slots if slot.bookable and slot.remaining > 0]


def page_url(clinic, tail: str = "") -> str:
    return f"/f/{clinic.facility.slug}/bookings/{tail}"


# --- the service and the API --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_chair_over_the_cap_is_refused_with_the_nurses_reason(clinic, caps, api_client):
    chair2 = second_chair(clinic)
    one_chair_from_nine_to_noon(clinic, caps)
    book(clinic, clinic.at("10:00"), clinic.at("10:30"))

    error = refused(lambda: book(clinic, clinic.at("10:00"), clinic.at("10:30"), chair2, clinic.patients[1]))
    assert (error.code, error.status_code, error.extra["reason"]) == ("not_bookable", 409, "capacity_reached")
    assert error.message == f"From 10:00 at most 1 chair may be in use at once ({REASON}); 1 is booked then."

    response = api_client.post(
        clinic.url(), clinic.body("10:15", "10:45", resources=[chair2], patient=clinic.patients[1]), format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["reason"], body["limit"], body["in_use"]) == ("not_bookable", "capacity_reached", 1, 1)
    assert REASON in body["detail"] and "From 10:15" in body["detail"]
    assert body["fields"] == {"start": [body["detail"]]}
    assert Booking.objects.count() == 1
    # Once the first chair stops, the second may run.
    response = api_client.post(
        clinic.url(), clinic.body("10:30", "11:00", resources=[chair2], patient=clinic.patients[1]), format="json"
    )
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_a_cap_of_zero_refuses_every_chair_in_its_span(clinic, caps):
    chair2 = second_chair(clinic)
    one_chair_from_nine_to_noon(clinic, caps, limit=0, reason="no nurse on duty")
    for chair in (clinic.chair, chair2):
        error = refused(lambda chair=chair: book(clinic, clinic.at("11:30"), clinic.at("12:00"), chair))
        assert error.extra["reason"] == "capacity_reached" and "(no nurse on duty); 0 are booked" in error.message
        assert not {"09:00", "10:00", "11:30"} & set(free_times(clinic, chair))
    assert book(clinic, clinic.at("12:00"), clinic.at("12:30"))


@pytest.mark.django_db
def test_a_chair_cap_does_not_cap_a_practitioner(clinic, caps):
    caps.cap(clinic.facility, ResourceKind.CHAIR, clinic.at("08:00"), clinic.at("20:00"), 0, "no nurse on duty")
    assert book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor)
    assert (
        refused(lambda: book(clinic, clinic.at("09:00"), clinic.at("09:30"), patient=clinic.patients[1])).extra[
            "reason"
        ]
        == "capacity_reached"
    )


@pytest.mark.django_db
def test_an_emergency_is_not_capped(clinic, caps):
    """Exempt by design: an emergency displaces and is clinical; the day view shows the overage."""
    chair2 = second_chair(clinic)
    one_chair_from_nine_to_noon(clinic, caps)
    book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    emergency = book(clinic, clinic.at("10:00"), clinic.at("10:30"), chair2, clinic.patients[1], kind=Kind.EMERGENCY)
    assert emergency.status == Status.SCHEDULED
    assert BookingResource.objects.filter(holds_time=True).count() == 2


# --- the slot listings: the booking form's picker -----------------------------------------------


@pytest.mark.django_db
def test_the_slot_picker_hides_a_capped_time_until_the_booking_holding_it_is_cancelled(clinic, caps, scheduler):
    chair2 = second_chair(clinic)
    one_chair_from_nine_to_noon(clinic, caps)
    first = book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    desk = Client()
    desk.force_login(scheduler)
    query = {"resource": chair2.pk, "date": clinic.at("10:00").date().isoformat(), "appointment_type": clinic.visit.pk}

    html = desk.get(page_url(clinic, "slots/"), query).content.decode()
    assert f'value="{clinic.slot("10:00", "10:30")}"' not in html
    assert f'value="{clinic.slot("10:30", "11:00")}"' in html
    assert "10:00" not in free_times(clinic, chair2) and "10:30" in free_times(clinic, chair2)

    services.booking_transition(
        facility=clinic.facility,
        actor=clinic.admin,
        booking_id=first.pk,
        to_status=Status.CANCELLED,
        reason="The patient's blood count is too low today.",
    )
    html = desk.get(page_url(clinic, "slots/"), query).content.decode()
    assert f'value="{clinic.slot("10:00", "10:30")}"' in html
    assert "10:00" in free_times(clinic, chair2)


# --- reschedule, walk-in ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_booking_moves_within_a_full_cap_without_counting_against_itself(clinic, caps):
    chair2 = second_chair(clinic)
    one_chair_from_nine_to_noon(clinic, caps)
    booking = book(clinic, clinic.at("10:00"), clinic.at("10:30"))

    # The reschedule picker counts the booking's own time as free, as the service does.
    with selectors.own_time_free(booking_id=booking.pk):
        assert "10:00" in free_times(clinic, chair2)
    assert "10:00" not in free_times(clinic, chair2)

    later = services.booking_reschedule(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        booking_id=booking.pk,
        start=clinic.at("10:15"),
        end=clinic.at("10:45"),
    )
    elsewhere = services.booking_reschedule(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=Role.ADMIN,
        booking_id=later.pk,
        start=clinic.at("10:00"),
        end=clinic.at("10:30"),
        resources=(services.ResourceRequest(chair2.pk),),
    )
    assert [row.resource_id for row in BookingResource.objects.filter(holds_time=True)] == [chair2.pk]
    assert Booking.objects.get(pk=elsewhere.pk).replaces_id == later.pk


@pytest.mark.django_db
def test_a_walk_in_takes_the_next_slot_the_nurses_support(clinic, caps):
    chair2 = second_chair(clinic)
    one_chair_from_nine_to_noon(clinic, caps)
    book(clinic, clinic.at("10:00"), clinic.at("10:30"), patient=clinic.patients[1], now=clinic.at("08:00"))

    def walk_in():
        return services.walk_in_create(
            facility=clinic.facility,
            actor=clinic.admin,
            actor_role=Role.ADMIN,
            patient_id=clinic.patients[0].pk,
            resource_id=chair2.pk,
            appointment_type_id=clinic.visit.pk,
            now=clinic.at("10:05"),
        )

    walked_in = walk_in()
    assert (walked_in.start, walked_in.kind) == (clinic.at("10:30"), Kind.WALK_IN)


@pytest.mark.django_db
def test_a_walk_in_finds_no_slot_while_no_nurse_is_on_duty(clinic, caps):
    caps.cap(clinic.facility, ResourceKind.CHAIR, clinic.at("08:00"), clinic.at("20:00"), 0, "no nurse on duty")
    error = refused(
        lambda: services.walk_in_create(
            facility=clinic.facility,
            actor=clinic.admin,
            actor_role=Role.ADMIN,
            patient_id=clinic.patients[0].pk,
            resource_id=clinic.chair.pk,
            appointment_type_id=clinic.visit.pk,
            now=clinic.at("10:05"),
        )
    )
    assert error.code == "no_free_slot"
    assert not Booking.objects.exists()


# --- two desks, two chairs, one nurse -----------------------------------------------------------


@pytest.fixture
def slow_check(monkeypatch):
    """Booking pauses right after availability said yes (holding the cap's lock, if any), so the
    other desk's booking reaches its own check in that gap."""
    original = appointments.availability.bookable_interval_check

    def check(**kwargs):
        window = original(**kwargs)
        time.sleep(0.5)
        return window

    monkeypatch.setattr(appointments.availability, "bookable_interval_check", check)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("redis", ["live", "down"])
def test_two_desks_booking_two_chairs_at_once_under_a_cap_of_one_exactly_one_wins(
    busy_clinic, caps, settings, slow_check, redis
):
    if redis == "down":
        settings.BOOKING_LOCK_REDIS_URL = DEAD_REDIS
    clinic = busy_clinic
    chairs = [clinic.chair, second_chair(clinic)]
    one_chair_from_nine_to_noon(clinic, caps)

    def work(index):
        return attempt(
            lambda: book(clinic, clinic.at("10:00"), clinic.at("10:30"), chairs[index], clinic.patients[index])
        )

    assert sorted(run_concurrently(2, work)) == ["not_bookable", "ok"]
    assert BookingResource.objects.filter(holds_time=True).count() == 1


@pytest.mark.django_db
def test_leave_offers_the_same_time_on_another_chair_when_the_moving_booking_is_what_fills_the_cap(clinic, caps):
    """A move releases its booking before it books the new time, so under a cap of one chair the
    leave page offers the booking's own time on another chair, not a later one."""
    chair2 = second_chair(clinic)
    one_chair_from_nine_to_noon(clinic, caps)
    booking = book(clinic, clinic.at("10:00"), clinic.at("10:30"))

    proposals = services.leave_proposals(
        facility=clinic.facility,
        booking=booking,
        resource_id=clinic.chair.pk,
        leave_end=clinic.at("12:00"),
    )
    other = proposals["move_other"]
    assert (other.resource_id, other.start) == (chair2.pk, clinic.at("10:00"))
