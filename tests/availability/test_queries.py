"""The slot reads run a fixed number of SQL queries whatever the number of resources (no N+1)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from availability import selectors, services
from tests.availability.factories import chair, local, make_schedule, window
from tests.factories import AppointmentTypeFactory

MONDAY = dt.date(2030, 1, 7)


def furnish(facility, user, count, kind=None):
    kind = kind or AppointmentTypeFactory(facility=facility)
    resources = []
    for _ in range(count):
        resource = chair(facility)
        make_schedule(
            facility,
            resource,
            user,
            window(weekdays=[0], start="09:00", end="12:00", types=[kind]),
            window(weekdays=[0], start="13:00", end="15:00", type="open"),
        )
        services.exception_create(
            facility=facility,
            actor=user,
            resource_id=resource.pk,
            start=local(facility, MONDAY, "10:00"),
            end=local(facility, MONDAY, "10:30"),
            reason="Maintenance",
        )
        services.booking_policy_set(
            facility=facility, actor=user, resource_id=resource.pk, booking_horizon_days=730, booking_notice_minutes=0
        )
        resources.append(resource)
    return resources, kind


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_search_queries_do_not_grow_with_the_number_of_resources(facility, user, bookings):
    resources, kind = furnish(facility, user, 2)

    def search():
        return selectors.slot_search(
            facility=facility,
            date=MONDAY,
            kind="chair",
            appointment_type_id=kind.pk,
            now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
        )

    few = queries(search)
    assert len(search()) == 2 * (5 + 6)
    furnish(facility, user, 8, kind)
    assert len(search()) == 10 * (5 + 6)
    assert queries(search) == few
    assert few <= 13  # 10, and the infusion center's nurse cap on chairs: settings, shifts, imported capacity


def test_slot_list_queries_do_not_grow_with_the_number_of_resources(facility, user, bookings):
    resources, _ = furnish(facility, user, 2)

    def listing(ids):
        return lambda: selectors.slot_list(
            facility=facility, resource_ids=ids, start_date=MONDAY, end_date=MONDAY + dt.timedelta(days=13)
        )

    few = queries(listing([r.pk for r in resources]))
    more, _ = furnish(facility, user, 8)
    assert queries(listing([r.pk for r in resources + more])) == few
    assert bookings.calls > 0  # the booking source was asked once per listing, for all resources at once
