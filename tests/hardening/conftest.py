"""A clinic with a booking, a token booking, a queue and a schedule, so every route of the API
has a real object to answer about, and a browser session of its administrator."""

import datetime as dt

import pytest
from django.test import Client

from booking import services as booking_services
from tests.booking.conftest import build_clinic
from tests.factories import FacilityFactory


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def booking(clinic):
    return booking_services.booking_create(
        facility=clinic.facility,
        actor=clinic.admin,
        actor_role="admin",
        request=booking_services.BookingRequest(
            patient_id=clinic.patients[0].pk,
            appointment_type_id=clinic.visit.pk,
            start=clinic.at("10:00"),
            end=clinic.at("10:30"),
            resources=(booking_services.ResourceRequest(clinic.chair.pk, None, None),),
        ),
    )


@pytest.fixture
def browser(user):
    """A signed-in browser: session cookie, no token."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def stranger_facility(db):
    return FacilityFactory(name="Elsewhere Clinic", slug="elsewhere")


def api(clinic, tail: str) -> str:
    return f"/api/v1/facilities/{clinic.facility.slug}/{tail}"


def future_day(days: int = 3) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)
