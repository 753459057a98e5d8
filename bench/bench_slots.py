"""Slots benchmark: 100 resources with realistic weekly windows, exceptions and bookings.

Computing the slots (``availability.selectors.slot_list``: configuration fetch, the engine, the
booking overlay) is timed against fetching the same slot rows, already materialised in a
table with an index, from PostgreSQL in the same run — the cost of computing slots on demand
(CEP-7's "dynamic booking") against the cost of reading precomputed slots ("slot based
booking"). Ranges of 30, 90 and 180 days and 50 and 100 resources show how the cost grows.

Bookings (about 40 % of capacity) sit in a plain table read by a registered booking source, so
the figures do not depend on booking's tables; booking's own source, if installed, is asked too.
"""

import datetime as dt
import random
import statistics
import time
from zoneinfo import ZoneInfo

from django.db import connection
from psycopg2.extras import execute_values

from availability import selectors, services
from availability.models import AvailabilityException, BookingPolicy
from availability.services import WindowInput
from scheduling import services as kernel_services
from scheduling.models import Facility, Membership, ResourceKind, Role

RESOURCES = 100
DAYS = [30, 90, 180]
REPEATS = 3
FIRST_DAY = dt.date(2031, 1, 6)  # a Monday
NOW = dt.datetime(2031, 1, 5, tzinfo=dt.UTC)
ZONE = "Europe/London"  # 180 days cross the spring daylight-saving change


class TableBookings:
    """The benchmark's booking source: active bookings in a plain table, one query for all."""

    def active_intervals(self, *, facility, resource_ids, start, end):
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT resource_id, start, "end", units FROM bench_booking '
                'WHERE resource_id = ANY(%s) AND start < %s AND "end" > %s',
                [list(resource_ids), end, start],
            )
            return cursor.fetchall()


def run() -> list[dict]:
    facility, resource_ids = _furnish()
    source = TableBookings()
    services.register_booking_source(source)
    try:
        _book(facility, resource_ids)
        last_day = FIRST_DAY + dt.timedelta(days=max(DAYS) - 1)
        every_slot = _slots(facility, resource_ids, last_day)
        _materialise(every_slot)
        rows = []
        for resources in (RESOURCES // 2, RESOURCES):
            for days in DAYS if resources == RESOURCES else [90]:
                rows += _measure(facility, resource_ids[:resources], days)
        return rows
    finally:
        services.unregister_booking_source(source)


def _measure(facility, resource_ids, days) -> list[dict]:
    last_day = FIRST_DAY + dt.timedelta(days=days - 1)
    compute_times, fetch_times = [], []
    count = fetched = 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        count = len(_slots(facility, resource_ids, last_day))
        compute_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        fetched = len(_fetch(resource_ids, last_day))
        fetch_times.append(time.perf_counter() - started)
    assert count == fetched, (count, fetched)
    compute, fetch = min(compute_times), min(fetch_times)
    case = f"{len(resource_ids)} resources × {days} days"
    per_cell = compute / (len(resource_ids) * days) * 1e6
    return [
        {
            "benchmark": "slots",
            "case": case,
            "figure": compute * 1000,
            "unit": "ms compute",
            "ratio": compute / fetch,
            "note": f"{count} slots; fetch {fetch * 1000:.0f} ms; {per_cell:.0f} µs per resource-day; "
            f"median compute {statistics.median(compute_times) * 1000:.0f} ms",
        }
    ]


def _slots(facility, resource_ids, last_day):
    return selectors.slot_list(
        facility=facility, resource_ids=resource_ids, start_date=FIRST_DAY, end_date=last_day, now=NOW
    )


def _fetch(resource_ids, last_day):
    end = dt.datetime.combine(last_day + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT resource_id, start, "end", type, capacity, booked FROM bench_slot '
            "WHERE resource_id = ANY(%s) AND local_date BETWEEN %s AND %s AND start < %s ORDER BY resource_id, start",
            [list(resource_ids), FIRST_DAY, last_day, end],
        )
        return cursor.fetchall()


def _furnish():
    facility = Facility.objects.create(name="Benchmark Infusion Centre", slug="bench", time_zone=ZONE)
    admin = _user("bench-admin")
    Membership.objects.create(facility=facility, user=admin, role=Role.ADMIN)
    rng = random.Random(7)
    resource_ids = []
    for number in range(RESOURCES):
        resource = kernel_services.resource_create(
            facility=facility, actor=admin, kind=ResourceKind.CHAIR, name=f"Chair {number:03d}"
        )
        windows = [
            _window([0, 1, 2, 3, 4], "08:00", "12:00", tokens=(30, 2)),
            _window([0, 1, 2, 3, 4], "13:00", "17:00"),
        ]
        if number % 3 == 0:
            windows.append(_window([5], "09:00", "12:00", tokens=(20, 1)))
        services.schedule_create(
            facility=facility,
            actor=admin,
            resource_id=resource.pk,
            valid_from=dt.datetime(2030, 12, 1, tzinfo=dt.UTC),
            availabilities=windows,
        )
        resource_ids.append(resource.pk)
    exceptions, policies = [], []
    for resource_id in resource_ids:
        policies.append(BookingPolicy(facility=facility, resource_id=resource_id, booking_horizon_days=730))
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(14))
        while day < FIRST_DAY + dt.timedelta(days=max(DAYS)):
            # A half day of leave or a meeting every fortnight; a week of leave each quarter.
            exceptions.append(_exception(facility, resource_id, day, "08:00", "12:00", "Half-day leave"))
            day += dt.timedelta(days=14)
        leave = FIRST_DAY + dt.timedelta(days=rng.randrange(80))
        exceptions.append(_exception(facility, resource_id, leave, "00:00", "00:00", "Annual leave", days=7))
        if resource_id % 3:
            saturday = FIRST_DAY + dt.timedelta(days=5 + 7 * rng.randrange(20))
            exceptions.append(_exception(facility, resource_id, saturday, "09:00", "13:00", "Extra Saturday", True))
    AvailabilityException.objects.bulk_create(exceptions)
    BookingPolicy.objects.bulk_create(policies)
    return facility, resource_ids


def _book(facility, resource_ids) -> None:
    """Books about 40 % of the capacity over the longest range."""
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE bench_booking (resource_id bigint, start timestamptz, "end" timestamptz, units int)'
        )
        cursor.execute("CREATE INDEX ON bench_booking (resource_id, start)")
    last_day = FIRST_DAY + dt.timedelta(days=max(DAYS) - 1)
    rng = random.Random(11)
    rows = []
    for slot in selectors.slot_list(
        facility=facility, resource_ids=resource_ids, start_date=FIRST_DAY, end_date=last_day, now=NOW
    ):
        if rng.random() < 0.4:
            rows.append((slot.resource_id, slot.start, slot.end, rng.randint(1, slot.capacity)))
    with connection.cursor() as cursor:
        execute_values(cursor.cursor, "INSERT INTO bench_booking VALUES %s", rows, page_size=5000)
        cursor.execute("ANALYZE bench_booking")


def _materialise(slots) -> None:
    """The same slots as rows of a table, as a slot-generating cron job would keep them."""
    zone = ZoneInfo(ZONE)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_slot (id bigserial PRIMARY KEY, resource_id bigint, local_date date, "
            'start timestamptz, "end" timestamptz, type varchar(10), capacity int, booked int)'
        )
        execute_values(
            cursor.cursor,
            'INSERT INTO bench_slot (resource_id, local_date, start, "end", type, capacity, booked) VALUES %s',
            [
                (s.resource_id, s.start.astimezone(zone).date(), s.start, s.end, s.type, s.capacity, s.booked)
                for s in slots
            ],
            page_size=5000,
        )
        cursor.execute("CREATE INDEX ON bench_slot (resource_id, local_date, start)")
        cursor.execute("ANALYZE bench_slot")


def _window(weekdays, start, end, tokens=None) -> WindowInput:
    return WindowInput(
        weekdays=weekdays,
        start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end),
        type="tokens" if tokens else "open",
        slot_size_minutes=tokens[0] if tokens else None,
        tokens_per_slot=tokens[1] if tokens else None,
    )


def _exception(facility, resource_id, day, start, end, reason, is_available=False, days=0):
    zone = ZoneInfo(ZONE)
    start_at = dt.datetime.combine(day, dt.time.fromisoformat(start), tzinfo=zone)
    end_day = day + dt.timedelta(days=days)
    end_at = dt.datetime.combine(end_day, dt.time.fromisoformat(end), tzinfo=zone)
    return AvailabilityException(
        facility=facility, resource_id=resource_id, start=start_at, end=end_at, reason=reason, is_available=is_available
    )


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password=None)
