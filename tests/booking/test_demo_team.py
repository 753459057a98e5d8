"""The demo's appointment types name what they need, and each demo weekday has a theatre case
booked with its whole team (theatre, surgeon, anaesthetist, scrub nurse)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from availability import demo as availability_demo
from booking import demo as booking_demo
from booking.models import Booking
from scheduling.demo import seed_demo
from scheduling.models import AppointmentType, Facility
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_books_theatre_cases_with_their_team_and_types_fit_their_resources():
    seed_demo()
    riverside = Facility.objects.get(slug="riverside")
    admin = UserFactory(username="admin")
    availability_demo.seed(facility=riverside, actor=admin)
    assert booking_demo.seed(facility=riverside, actor=admin) > 0

    types = {t.code: t for t in AppointmentType.objects.filter(facility=riverside)}
    assert [need["role"] for need in types["theatre-case"].resource_needs] == [
        "Theatre",
        "Surgeon",
        "Anaesthetist",
        "Scrub nurse",
    ]
    assert types["chemo-long"].resource_needs == [{"role": "Chair", "kinds": ["chair"]}]
    cases = Booking.objects.filter(facility=riverside, appointment_type=types["theatre-case"])
    zone = ZoneInfo(riverside.time_zone)
    today = dt.datetime.now(zone).date()
    days = [today + dt.timedelta(days=n) for n in range(booking_demo.DAYS)]
    assert sorted(case.start.astimezone(zone).date() for case in cases) == [d for d in days if d.weekday() < 5]
    for case in cases:
        kinds = sorted(row.resource.kind for row in case.resources.all())
        assert kinds == ["nurse", "practitioner", "practitioner", "theatre"]
    # Every other booking holds one resource of a kind its type allows.
    for booking in Booking.objects.filter(facility=riverside).exclude(appointment_type=types["theatre-case"]):
        (row,) = booking.resources.all()
        assert row.resource.kind in booking.appointment_type.resource_needs[0]["kinds"]
