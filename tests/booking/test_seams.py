"""Guarantees where booking meets availability, the life cycle and a missing Redis.

Each test here failed before the fix it names (issue 8). Races use real threads, each with its
own connection, on a transactional database: the rows really commit.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, transaction

from availability import services as availability_services
from booking import services
from booking.models import Booking, BookingResource, Status, TokenBooking, TokenSlot
from booking.services import appointments
from scheduling.errors import ApplicationError
from scheduling.models import Role
from tests.availability.factories import make_schedule, window
from tests.booking.conftest import EVERY_DAY
from tests.booking.test_concurrency import run_concurrently
from tests.factories import PatientFactory, ResourceFactory

DEAD_REDIS = "redis://127.0.0.1:1/0"


def request_for(clinic, start, end, resource, patient, **extra):
    return services.BookingRequest(
        patient_id=patient.pk,
        appointment_type_id=clinic.visit.pk,
        start=start,
        end=end,
        resources=(services.ResourceRequest(resource.pk),),
        **extra,
    )


def book(clinic, start, end, resource=None, patient=None, role=Role.ADMIN, now=None, **extra):
    return services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role=role,
        request=request_for(clinic, start, end, resource or clinic.chair, patient or clinic.patients[0], **extra),
        now=now,
    )


def attempt(call):
    """The outcome of a service call: "ok" or the error's code."""
    try:
        call()
        return "ok"
    except ApplicationError as error:
        return error.code


@pytest.fixture
def slow_check(monkeypatch):
    """Makes booking pause right after availability said yes, so another client can act in the
    gap between the check and the insert."""
    original = appointments.availability.bookable_interval_check
    checked = threading.Event()

    def check(**kwargs):
        window = original(**kwargs)
        checked.set()
        time.sleep(0.5)
        return window

    monkeypatch.setattr(appointments.availability, "bookable_interval_check", check)
    return checked


# --- 1. leave created while a booking is in flight --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_leave_created_while_a_booking_is_in_flight_never_strands_it(busy_clinic, slow_check):
    clinic = busy_clinic
    start, end = clinic.at("10:00"), clinic.at("10:30")

    def work(index):
        if index == 0:
            return attempt(lambda: book(clinic, start, end))
        slow_check.wait(5)
        return attempt(
            lambda: availability_services.exception_create(
                facility=clinic.facility,
                actor=clinic.admin,
                resource_id=clinic.chair.pk,
                start=clinic.at("09:00"),
                end=clinic.at("12:00"),
                reason="Chair maintenance",
            )
        )

    booking_result, leave_result = run_concurrently(2, work)
    # PostgreSQL serialises the two on the resource row: the leave sees the booking and refuses.
    assert (booking_result, leave_result) == ("ok", "would_strand_bookings")
    assert BookingResource.objects.filter(holds_time=True).count() == 1


# --- 2. tokens and exclusive bookings of one resource ------------------------------------------


@pytest.mark.django_db
def test_switching_a_tokens_window_with_a_held_token_to_open_is_refused(clinic):
    book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor)
    schedule = clinic.doctor_schedule
    with pytest.raises(ApplicationError) as refused:
        availability_services.schedule_replace(
            facility=clinic.facility,
            actor=clinic.admin,
            schedule_id=schedule.pk,
            availabilities=[window(EVERY_DAY, "09:00", "12:00", type="open")],
        )
    assert refused.value.code == "would_strand_bookings"
    assert refused.value.extra["stranded_bookings"] == 1


@pytest.mark.django_db
def test_the_database_keeps_an_exclusive_booking_out_of_a_held_token_slot(clinic):
    token = book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor)
    other = PatientFactory(facility=clinic.facility)
    intruder = Booking.objects.create(
        facility=clinic.facility,
        patient=other,
        appointment_type=clinic.visit,
        start=clinic.at("09:05"),
        end=clinic.at("09:10"),
        booked_by=clinic.admin,
        status_changed_at=clinic.at("08:00"),
    )
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        BookingResource.objects.create(
            facility=clinic.facility,
            booking=intruder,
            resource=clinic.doctor,
            start=intruder.start,
            end=intruder.end,
        )
    assert "booking_resource_no_overlap" in str(caught.value)
    # A second token of the same slot shares the time: that is what a token slot is for.
    second = book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor, patient=clinic.patients[1])
    assert TokenSlot.objects.get().allocated == 2
    assert {token.pk, second.pk} == set(TokenBooking.objects.values_list("booking_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_without_redis_an_emergency_racing_a_token_displaces_it_or_wins(busy_clinic, settings, slow_check):
    settings.BOOKING_LOCK_REDIS_URL = DEAD_REDIS
    clinic = busy_clinic
    start, end = clinic.at("09:00"), clinic.at("09:15")

    def work(index):
        if index == 0:
            return attempt(lambda: book(clinic, start, end, resource=clinic.doctor))
        slow_check.wait(5)
        return attempt(
            lambda: book(
                clinic,
                start,
                clinic.at("09:30"),
                resource=clinic.doctor,
                patient=clinic.patients[1],
                kind="emergency",
            )
        )

    token_result, emergency_result = run_concurrently(2, work)
    assert emergency_result == "ok"
    holding = list(BookingResource.objects.filter(resource=clinic.doctor, holds_time=True))
    assert [row.booking.kind for row in holding] == ["emergency"]
    if token_result == "ok":
        assert Booking.objects.get(kind="scheduled").status == Status.NEEDS_RESCHEDULE
    assert TokenSlot.objects.filter(allocated__gt=0).count() == 0


# --- 3. daily limits ----------------------------------------------------------------------------


@pytest.fixture
def limited_chair(clinic):
    """A chair with a morning window limited to one patient a day and an unlimited afternoon."""
    chair = ResourceFactory(facility=clinic.facility, kind="chair", name="Chair 09")
    make_schedule(
        clinic.facility,
        chair,
        clinic.admin,
        window(EVERY_DAY, "09:00", "12:00", type="open", limit=1),
        window(EVERY_DAY, "14:00", "17:00", type="open"),
    )
    return chair


@pytest.mark.django_db
def test_a_windows_daily_limit_counts_only_that_windows_bookings(clinic, limited_chair):
    book(clinic, clinic.at("14:00"), clinic.at("14:30"), resource=limited_chair)
    book(clinic, clinic.at("15:00"), clinic.at("15:30"), resource=limited_chair, patient=clinic.patients[1])
    morning = book(clinic, clinic.at("09:00"), clinic.at("09:30"), resource=limited_chair, patient=clinic.patients[2])
    assert morning.status == Status.SCHEDULED
    with pytest.raises(ApplicationError) as full:
        book(clinic, clinic.at("10:00"), clinic.at("10:30"), resource=limited_chair, patient=clinic.patients[1])
    assert full.value.extra["reason"] == "daily_limit_reached"


@pytest.mark.django_db(transaction=True)
def test_without_redis_two_bookings_cannot_both_take_the_last_place_of_a_day(busy_clinic, settings, slow_check):
    settings.BOOKING_LOCK_REDIS_URL = DEAD_REDIS
    clinic = busy_clinic
    chair = ResourceFactory(facility=clinic.facility, kind="chair", name="Chair 10")
    make_schedule(clinic.facility, chair, clinic.admin, window(EVERY_DAY, "09:00", "12:00", type="open", limit=1))

    def work(index):
        hour = ("09:00", "10:00")[index]
        start = clinic.at(hour)
        return attempt(
            lambda: book(
                clinic, start, start + dt.timedelta(minutes=30), resource=chair, patient=clinic.patients[index]
            )
        )

    results = run_concurrently(2, work)
    assert sorted(results) == ["not_bookable", "ok"]
    assert BookingResource.objects.filter(resource=chair, holds_time=True).count() == 1


# --- 4. availability is the authority on a slot's tokens ------------------------------------------


@pytest.mark.django_db
def test_raising_tokens_per_slot_in_a_new_version_offers_tokens_booking_accepts(clinic):
    for patient in clinic.patients[:2]:
        book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor, patient=patient)
    availability_services.schedule_replace(
        facility=clinic.facility,
        actor=clinic.admin,
        schedule_id=clinic.doctor_schedule.pk,
        availabilities=[window(EVERY_DAY, "09:00", "12:00", type="tokens", slot=15, tokens=3)],
    )
    third = book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor, patient=clinic.patients[2])
    assert third.status == Status.SCHEDULED
    slot = TokenSlot.objects.get()
    assert (slot.allocated, slot.capacity) == (3, 3)


@pytest.mark.django_db
def test_lowering_tokens_per_slot_below_the_tokens_held_is_refused(clinic):
    for patient in clinic.patients[:2]:
        book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor, patient=patient)
    with pytest.raises(ApplicationError) as refused:
        availability_services.schedule_replace(
            facility=clinic.facility,
            actor=clinic.admin,
            schedule_id=clinic.doctor_schedule.pk,
            availabilities=[window(EVERY_DAY, "09:00", "12:00", type="tokens", slot=15, tokens=1)],
        )
    assert refused.value.code == "would_strand_bookings"
    assert refused.value.extra["stranded_bookings"] == 1
    # Changing the slot size strands both: neither sits on a slot of the new grid any more.
    with pytest.raises(ApplicationError) as regridded:
        availability_services.schedule_replace(
            facility=clinic.facility,
            actor=clinic.admin,
            schedule_id=clinic.doctor_schedule.pk,
            availabilities=[window(EVERY_DAY, "09:00", "12:00", type="tokens", slot=20, tokens=4)],
        )
    assert regridded.value.extra["stranded_bookings"] == 2


@pytest.mark.django_db
def test_a_change_to_availability_is_seen_by_the_very_next_booking(clinic):
    """Configuration is cached per resource behind its availability version: never stale."""
    book(clinic, clinic.at("10:00"), clinic.at("10:30"))  # warms the cache
    availability_services.exception_create(
        facility=clinic.facility,
        actor=clinic.admin,
        resource_id=clinic.chair.pk,
        start=clinic.at("11:00"),
        end=clinic.at("12:00"),
        reason="Cleaning",
    )
    with pytest.raises(ApplicationError) as refused:
        book(clinic, clinic.at("11:00"), clinic.at("11:30"), patient=clinic.patients[1])
    assert refused.value.extra["reason"] == "outside_availability"
    availability_services.schedule_replace(
        facility=clinic.facility,
        actor=clinic.admin,
        schedule_id=clinic.chair_schedule.pk,
        availabilities=[window(EVERY_DAY, "08:00", "21:00", type="open")],
    )
    assert book(clinic, clinic.at("20:00"), clinic.at("20:30"), patient=clinic.patients[2]).pk


# --- 5. emergency priority needs the right -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["bookings/", "walk-ins/"])
def test_the_front_desk_cannot_give_emergency_priority(clinic, scheduler, path):
    from conftest import token_client

    client = token_client(scheduler)
    if path == "bookings/":
        body = clinic.body("10:00", "10:30", priority="emergency")
    else:
        body = {
            "patient": clinic.patients[0].pk,
            "resource": clinic.chair.pk,
            "appointment_type": clinic.visit.pk,
            "priority": "emergency",
        }
    response = client.post(clinic.url(path), body, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert not Booking.objects.exists()


# --- 8. an emergency over a visit that has ended, or one in the chair ------------------------------


def emergency(clinic, start: str, end: str, *, patient, now: str):
    """An emergency on the chair at wall-clock times of the booking day, booked at ``now``."""
    return book(clinic, clinic.at(start), clinic.at(end), patient=patient, kind="emergency", now=clinic.at(now))


def _through_the_day(clinic, booking, *, until: str, done_at: str):
    day_of = clinic.at("09:55")
    for status, at in (("checked_in", day_of), ("in_progress", clinic.at("10:00")), ("completed", clinic.at(done_at))):
        services.booking_transition(
            facility=clinic.facility, actor=clinic.admin, booking_id=booking.pk, to_status=status, now=at
        )
        if status == until:
            break


@pytest.mark.django_db
def test_a_completed_visit_frees_the_rest_of_its_time(clinic):
    visit = book(clinic, clinic.at("10:00"), clinic.at("10:30"), now=clinic.at("08:00"))
    _through_the_day(clinic, visit, until="completed", done_at="10:10")
    taken = emergency(clinic, "10:15", "10:45", patient=clinic.patients[1], now="10:12")
    assert taken.status == Status.SCHEDULED
    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED
    row = BookingResource.objects.get(booking=visit)
    assert (row.start, row.end, row.holds_time) == (clinic.at("10:00"), clinic.at("10:10"), True)
    # The time the visit used stays taken, with a clear answer rather than a life-cycle error.
    with pytest.raises(ApplicationError) as used:
        emergency(clinic, "10:05", "10:15", patient=clinic.patients[2], now="10:12")
    assert used.value.code == "slot_taken"


@pytest.mark.django_db
def test_an_emergency_does_not_displace_a_patient_in_the_chair(clinic):
    visit = book(clinic, clinic.at("10:00"), clinic.at("10:30"), now=clinic.at("08:00"))
    _through_the_day(clinic, visit, until="in_progress", done_at="10:30")
    with pytest.raises(ApplicationError) as refused:
        emergency(clinic, "10:15", "10:45", patient=clinic.patients[1], now="10:12")
    assert refused.value.code == "patient_in_care"
    assert refused.value.status_code == 409
    visit.refresh_from_db()
    assert visit.status == Status.IN_PROGRESS


@pytest.mark.django_db
def test_an_availability_edit_in_django_admin_is_seen_by_the_next_booking(clinic, client, django_user_model):
    """Booking policies are the availability admin still edits (schedules, windows and
    exceptions are read-only there: tests/admin/test_pages.py)."""
    book(clinic, clinic.at("10:00"), clinic.at("10:30"))  # caches the chair's configuration
    root = django_user_model.objects.create_superuser("root", "root@example.test", "pw-for-tests-only")
    client.force_login(root)
    response = client.post(
        "/admin/availability/bookingpolicy/add/",
        {
            "facility": clinic.facility.pk,
            "resource": clinic.chair.pk,
            "booking_horizon_days": 90,
            "booking_notice_minutes": 7 * 24 * 60,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    with pytest.raises(ApplicationError) as refused:
        book(clinic, clinic.at("11:00"), clinic.at("11:30"), patient=clinic.patients[1])
    assert refused.value.extra["reason"] == "inside_notice"


@pytest.mark.django_db
def test_availability_statistics_count_real_bookings_and_tokens(clinic, api_client):
    book(clinic, clinic.at("10:00"), clinic.at("10:30"))
    book(clinic, clinic.at("09:00"), clinic.at("09:15"), resource=clinic.doctor)
    day = clinic.at("10:00").date().isoformat()
    for resource, slots_booked in ((clinic.chair, 1), (clinic.doctor, 1)):
        response = api_client.get(clinic.url(f"resources/{resource.pk}/availability-stats/"), {"from": day, "to": day})
        assert response.status_code == 200, response.content
        assert [row["booked"] for row in response.json()] == [slots_booked]
