"""A small clinic (tests.booking.conftest) with members of every role, signed in through
Django's test client, and bookings of today and other days made through the services."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from booking import services as booking_services
from scheduling.models import Role
from tests.booking.conftest import build_clinic


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def signed_in(facility, make_member):
    """``signed_in(role)``: a test client signed in as a new member of ``facility``."""

    def sign_in(role, username=None):
        member = make_member(facility, role, username=username)
        client = Client()
        client.force_login(member)
        client.member = member
        return client

    return sign_in


def book(clinic, patient, *, minutes_from_now: int, resource=None, length: int = 20, actor=None):
    """A booking at any time (past, now, to come): an emergency, which skips availability,
    made with a ``now`` an hour before it as the desk would have then."""
    start = (timezone.now() + dt.timedelta(minutes=minutes_from_now)).replace(second=0, microsecond=0)
    return booking_services.booking_create(
        facility=clinic.facility,
        actor=actor or clinic.admin,
        actor_role=Role.ADMIN,
        request=booking_services.BookingRequest(
            patient_id=patient.pk,
            appointment_type_id=clinic.visit.pk,
            start=start,
            end=start + dt.timedelta(minutes=length),
            resources=((booking_services.ResourceRequest((resource or clinic.chair).pk)),),
            kind="emergency",
        ),
        now=start - dt.timedelta(hours=1),
    )


def on_today(clinic, minutes_from_now: int, length: int = 20) -> int:
    """``minutes_from_now`` if a booking starting then (and ``length`` long) lies within the
    facility's today; otherwise the test is skipped (it runs too close to midnight)."""
    zone = ZoneInfo(clinic.facility.time_zone)
    now = timezone.now().astimezone(zone)
    start = now + dt.timedelta(minutes=minutes_from_now)
    if start.date() != now.date() or (start + dt.timedelta(minutes=length)).date() != now.date():
        pytest.skip("too close to the facility's midnight for a booking of today")
    return minutes_from_now
