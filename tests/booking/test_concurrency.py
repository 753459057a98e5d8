"""No double booking under real concurrency: threads, each with its own database connection and
its own HTTP client, against a transactional test database (rows really commit)."""

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection, connections

from booking import services
from booking.models import Booking, BookingResource, TokenBooking, TokenSlot
from booking.services import appointments, locks
from conftest import token_client
from scheduling.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def run_concurrently(count: int, work) -> list:
    """Runs ``work(i)`` in ``count`` threads released at the same instant."""
    barrier = threading.Barrier(count)

    def one(index):
        try:
            barrier.wait()
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_fifty_clients_one_exclusive_slot_exactly_one_wins(busy_clinic):
    clients = [token_client(busy_clinic.admin) for _ in range(50)]

    def attempt(i):
        response = clients[i].post(
            busy_clinic.url(), busy_clinic.body("10:00", "10:30", patient=busy_clinic.patients[i]), format="json"
        )
        return response.status_code, response.json()["code"] if response.status_code != 201 else "created"

    results = run_concurrently(50, attempt)
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 49}, results
    assert {code for status, code in results if status == 409} <= {"slot_taken", "resource_busy"}
    assert Booking.objects.count() == 1
    assert BookingResource.objects.count() == 1


def test_forty_clients_take_tokens_from_a_slot_of_five(busy_clinic):
    TokenSlot.objects.all().delete()
    # The doctor's slots hold two tokens; this one is given five by a wider schedule below.
    from tests.availability.factories import make_schedule, window
    from tests.factories import ResourceFactory

    nurse = ResourceFactory(facility=busy_clinic.facility, kind="nurse", name="Nurse Orla Vale")
    make_schedule(
        busy_clinic.facility, nurse, busy_clinic.admin, window(tuple(range(7)), "09:00", "10:00", slot=30, tokens=5)
    )
    clients = [token_client(busy_clinic.admin) for _ in range(40)]

    def attempt(i):
        body = busy_clinic.body("09:30", "10:00", resources=[nurse], patient=busy_clinic.patients[i])
        return clients[i].post(busy_clinic.url(), body, format="json").status_code

    statuses = Counter(run_concurrently(40, attempt))
    assert statuses == {201: 5, 409: 35}
    slot = TokenSlot.objects.get(resource=nurse)
    assert (slot.allocated, slot.capacity) == (5, 5)
    assert TokenBooking.objects.filter(slot=slot, holds_time=True).count() == 5


def test_multi_resource_bookings_in_opposite_orders_never_deadlock_or_overlap(busy_clinic):
    clinic = busy_clinic
    rounds = 12  # one contested hour per pair, 08:00 to 19:00

    def attempt(i):
        forward = i % 2 == 0
        resources = [clinic.chair, clinic.theatre] if forward else [clinic.theatre, clinic.chair]
        hour = f"{8 + (i // 2) % 12:02d}:00"
        started = time.monotonic()
        response = token_client(clinic.admin).post(
            clinic.url(), clinic.body(hour, None, resources=resources, patient=clinic.patients[i % 50]), format="json"
        )
        return response.status_code, time.monotonic() - started

    results = run_concurrently(2 * rounds, attempt)
    assert all(status in (201, 409) for status, _ in results), results
    assert max(elapsed for _, elapsed in results) < 15  # no hang: lock waits are bounded
    for resource in (clinic.chair, clinic.theatre):
        rows = list(BookingResource.objects.filter(resource=resource, holds_time=True).order_by("start"))
        assert all(a.end <= b.start for a, b in zip(rows, rows[1:], strict=False))
    # Each hour went to exactly one of the pair that wanted it.
    assert Booking.objects.count() == rounds


def test_redis_unreachable_falls_back_to_the_database_guard(busy_clinic, settings, caplog):
    settings.BOOKING_LOCK_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    clients = [token_client(busy_clinic.admin) for _ in range(20)]

    def attempt(i):
        body = busy_clinic.body("11:00", "11:30", patient=busy_clinic.patients[i])
        response = clients[i].post(busy_clinic.url(), body, format="json")
        return response.status_code, response.json().get("code", "created")

    results = run_concurrently(20, attempt)
    assert Counter(status for status, _ in results) == {201: 1, 409: 19}, results
    assert {code for status, code in results if status == 409} == {"slot_taken"}
    assert BookingResource.objects.filter(holds_time=True).count() == 1
    assert "relying on the database guard" in caplog.text


def test_a_lock_that_expires_mid_transaction_still_cannot_double_book(busy_clinic, monkeypatch):
    """The first client's Redis lock is gone (expired) while it is still validating; the second
    takes the lock and reaches the insert too, past the friendly pre-check. PostgreSQL lets
    exactly one through. The steps are ordered by events, not by sleeps, so the outcome does not
    depend on the machine's speed."""
    original_check = appointments.availability.bookable_interval_check
    original_acquire = locks._acquire
    first_validating, second_holds_lock = threading.Event(), threading.Event()

    def check_then_lose_the_lock(**kwargs):
        window = original_check(**kwargs)
        if not first_validating.is_set():
            locks._client(settings.BOOKING_LOCK_REDIS_URL).delete(locks.lock_key(busy_clinic.chair.pk))
            first_validating.set()
            assert second_holds_lock.wait(10)
        return window

    def acquire(resource_ids):
        held = original_acquire(resource_ids)
        if first_validating.is_set():
            second_holds_lock.set()
        return held

    monkeypatch.setattr(appointments.availability, "bookable_interval_check", check_then_lose_the_lock)
    monkeypatch.setattr(locks, "_acquire", acquire)
    # Skip the friendly pre-check so both really reach the insert.
    monkeypatch.setattr(appointments.selectors, "held_time", _no_rows)

    def attempt(i):
        if i == 1:
            assert first_validating.wait(10)
        request = services.BookingRequest(
            patient_id=busy_clinic.patients[i].pk,
            appointment_type_id=busy_clinic.visit.pk,
            start=busy_clinic.at("12:00"),
            end=busy_clinic.at("12:30"),
            resources=(services.ResourceRequest(busy_clinic.chair.pk),),
        )
        try:
            services.booking_create(
                facility=busy_clinic.facility, actor=busy_clinic.admin, actor_role=Role.ADMIN, request=request
            )
            return "created"
        except services.appointments.ApplicationError as error:
            return error.code

    results = run_concurrently(2, attempt)
    assert results == ["created", "slot_taken"]
    assert second_holds_lock.is_set()
    assert BookingResource.objects.filter(holds_time=True).count() == 1


def _no_rows(**kwargs):
    return []


def test_connection_is_usable_after_the_threads(busy_clinic):
    assert connection.is_usable()
