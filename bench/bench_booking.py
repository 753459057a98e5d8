"""Booking benchmark: bookings per second through ``booking.services.booking_create`` at 1, 4 and
16 concurrent clients on distinct slots, and through the HTTP API at 4 clients, each as a ratio
against raw SQL inserts of the same rows into the same constrained tables (``booking_booking``
and ``booking_bookingresource``, with their exclusion constraints) at the same concurrency, in
the same run. Also p50 and p99 latency, and the contention case: 16 clients after one slot.

What the service pays for over the raw insert: the Redis locks, the patient row lock, the
availability check (schedule, windows, exceptions, existing bookings of the day), the
patient's overlap and future-booking checks, history rows, and publishing the notification
task to the broker after commit (a Redis database of its own here, emptied afterwards; no
worker runs it during the benchmark, as in production it runs on the worker, not the request).

Clients are threads of one Python process, so the Django side of the service shares one
interpreter lock: on this 2-core machine that, not PostgreSQL, caps the service's scaling;
a deployment scales it with gunicorn worker processes.
The HTTP figure adds Django's middleware, token authentication, DRF validation and the
response serialisation, through Django's in-process test client (no socket, no gunicorn).
"""

import datetime as dt
import itertools
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from availability import services as availability
from availability.services import WindowInput
from booking import services
from config.celery import app as celery_app
from scheduling.errors import ApplicationError
from scheduling.models import AppointmentType, Facility, Membership, Patient, ResourceKind, Role, SchedulableResource

ZONE = ZoneInfo("Europe/London")
RESOURCES = 48
SLOT = dt.timedelta(minutes=30)
SLOTS_PER_DAY = 24  # 08:00–20:00
SERVICE_BOOKINGS = 480
HTTP_BOOKINGS = 240
CONTENTION_ROUNDS = 20


class World:
    def __init__(self):
        self.facility = Facility.objects.create(name="Benchmark Day Unit", slug="bench-booking", time_zone=str(ZONE))
        self.admin = _user("bench-booker")
        Membership.objects.create(facility=self.facility, user=self.admin, role=Role.ADMIN)
        self.visit = AppointmentType.objects.create(
            facility=self.facility, code="visit", name="Visit", default_minutes=30
        )
        self.resources = []
        for number in range(RESOURCES):
            resource = SchedulableResource.objects.create(
                facility=self.facility, kind=ResourceKind.CHAIR, name=f"Bench chair {number:02d}"
            )
            availability.schedule_create(
                facility=self.facility,
                actor=self.admin,
                resource_id=resource.pk,
                valid_from=timezone.now() - dt.timedelta(days=1),
                availabilities=[
                    WindowInput(weekdays=list(range(7)), start_time=dt.time(8), end_time=dt.time(20), type="open")
                ],
            )
            self.resources.append(resource.pk)
        self.patients = list(
            Patient.objects.bulk_create(
                Patient(
                    facility=self.facility,
                    mrn=f"B{n:06d}",
                    name=f"Bench Patient {n}",
                    date_of_birth=dt.date(1970, 1, 1),
                )
                for n in range(6000)
            )
        )
        self.patient_counter = itertools.count()
        self.lock = threading.Lock()
        self.first_day = timezone.now().astimezone(ZONE).date() + dt.timedelta(days=1)
        self.token = Token.objects.create(user=self.admin).key

    def next_patient(self) -> int:
        with self.lock:
            return self.patients[next(self.patient_counter)].pk

    def slot(self, resource_id: int, index: int) -> tuple[dt.datetime, dt.datetime]:
        """The ``index``-th free half hour of a resource, day after day from tomorrow."""
        day = self.first_day + dt.timedelta(days=index // SLOTS_PER_DAY)
        start = dt.datetime.combine(day, dt.time(8), tzinfo=ZONE) + SLOT * (index % SLOTS_PER_DAY)
        return start, start + SLOT


BROKER_DB = 12


def run() -> list[dict]:
    broker = f"{settings.REDIS_URL.rsplit('/', 1)[0]}/{BROKER_DB}"
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker
    settings.BOOKING_MAX_FUTURE_PER_PATIENT = 10_000
    world = World()
    rows = []
    # Each concurrency level has its own resources and every client its own resource, so each
    # booking lands on a free slot nobody else is after (distinct slots, no lock contention).
    # The raw inserts go 1,000 half-hours further on, on the same resources.
    blocks = {1: world.resources[0:1], 4: world.resources[1:5], 16: world.resources[5:21]}
    for clients, resources in blocks.items():
        raw = _throughput(world, clients, SERVICE_BOOKINGS, resources, offset=1000, book=_raw_insert)
        service = _throughput(world, clients, SERVICE_BOOKINGS, resources, offset=0, book=_service_booking)
        rows.append(_row("service", clients, service, raw))
        rows.append(_row("raw SQL insert", clients, raw, raw, baseline=True))
    http_resources = world.resources[21:25]
    raw = _throughput(world, 4, HTTP_BOOKINGS, http_resources, offset=1000, book=_raw_insert)
    http = _throughput(world, 4, HTTP_BOOKINGS, http_resources, offset=0, book=_http_booking)
    rows.append(_row("HTTP API", 4, http, raw))
    rows.append(_contention(world))
    redis.Redis.from_url(broker).flushdb()  # the notifications nobody will send
    return rows


def _throughput(world, clients: int, total: int, resources: list[int], *, offset: int, book) -> dict:
    per_client = total // clients
    latencies: list[float] = []
    failures: list[str] = []

    def client(index: int):
        resource_id = resources[index]
        mine = []
        http = (
            Client(HTTP_AUTHORIZATION=f"Token {world.token}", HTTP_HOST="localhost") if book is _http_booking else None
        )
        try:
            for n in range(per_client):
                start, end = world.slot(resource_id, offset + n)
                began = time.perf_counter()
                outcome = book(world, resource_id, start, end, http)
                mine.append(time.perf_counter() - began)
                if outcome:
                    failures.append(outcome)
        finally:
            connections.close_all()
        return mine

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for mine in pool.map(client, range(clients)):
            latencies.extend(mine)
    elapsed = time.perf_counter() - began
    assert not failures, failures[:3]
    latencies.sort()
    return {
        "rate": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "count": len(latencies),
    }


def _service_booking(world, resource_id, start, end, _http) -> str | None:
    services.booking_create(
        facility=world.facility,
        actor=world.admin,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=world.next_patient(),
            appointment_type_id=world.visit.pk,
            start=start,
            end=end,
            resources=(services.ResourceRequest(resource_id),),
        ),
    )
    return None


def _http_booking(world, resource_id, start, end, http: Client) -> str | None:
    response = http.post(
        f"/api/v1/facilities/{world.facility.slug}/bookings/",
        {
            "patient": world.next_patient(),
            "appointment_type": world.visit.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "resources": [{"resource": resource_id}],
        },
        content_type="application/json",
    )
    return None if response.status_code == 201 else f"{response.status_code} {response.content[:200]}"


def _raw_insert(world, resource_id, start, end, _http) -> str | None:
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO booking_booking (facility_id, patient_id, appointment_type_id, kind, priority, is_vip, "
            'status, holds_time, start, "end", booked_by_id, note, status_changed_at, status_changed_by_id, '
            "created_at) VALUES (%s, %s, %s, 'scheduled', 'routine', false, 'scheduled', true, %s, %s, %s, '', "
            "%s, %s, %s) RETURNING id",
            [
                world.facility.pk,
                world.next_patient(),
                world.visit.pk,
                start,
                end,
                world.admin.pk,
                now,
                world.admin.pk,
                now,
            ],
        )
        booking_id = cursor.fetchone()[0]
        cursor.execute(
            'INSERT INTO booking_bookingresource (facility_id, booking_id, resource_id, start, "end", holds_time) '
            "VALUES (%s, %s, %s, %s, %s, true)",
            [world.facility.pk, booking_id, resource_id, start, end],
        )
    return None


def _contention(world) -> dict:
    """16 clients released together after one slot, CONTENTION_ROUNDS times: exactly one wins
    each round; the figure is how long a round takes until every client has its answer."""
    resource_id = world.resources[-1]
    rounds, wins = [], 0
    for round_number in range(CONTENTION_ROUNDS):
        start, end = world.slot(resource_id, 300 + round_number)
        began = time.perf_counter()
        outcomes = _race(world, resource_id, start, end)
        rounds.append(time.perf_counter() - began)
        assert outcomes.count(True) == 1, outcomes
        wins += 1
    return {
        "benchmark": "booking",
        "case": "contention: 16 clients, one slot",
        "figure": statistics.median(rounds) * 1000,
        "unit": "ms per round",
        "ratio": None,
        "note": f"{wins}/{CONTENTION_ROUNDS} rounds with exactly one booking; "
        f"slowest round {max(rounds) * 1000:.0f} ms",
    }


def _race(world, resource_id: int, start, end) -> list[bool]:
    barrier = threading.Barrier(16)

    def attempt(_index):
        barrier.wait()
        try:
            _service_booking(world, resource_id, start, end, None)
            return True
        except ApplicationError:  # every loser's 409 is expected here
            return False
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(attempt, range(16)))


def _row(mode: str, clients: int, measured: dict, raw: dict, baseline: bool = False) -> dict:
    return {
        "benchmark": "booking",
        "case": f"{mode}, {clients} client{'s' if clients > 1 else ''}",
        "figure": measured["rate"],
        "unit": "bookings/s",
        "ratio": 1.0 if baseline else measured["rate"] / raw["rate"],
        "note": f"p50 {measured['p50']:.1f} ms, p99 {measured['p99']:.1f} ms "
        f"(p99/p50 {measured['p99'] / measured['p50']:.1f}); {measured['count']} bookings",
    }


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password="bench-only-password")
