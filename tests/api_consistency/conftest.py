"""A small clinic (tests/booking/conftest.py) and an API client for it."""

import pytest

from scheduling.models import Role
from tests.booking.conftest import build_clinic


@pytest.fixture
def clinic(facility, user):
    return build_clinic(facility, user)


@pytest.fixture
def scheduler(facility, make_member):
    return make_member(facility, Role.SCHEDULER, username="desk")


def book(client, clinic, *args, **kwargs) -> dict:
    response = client.post(clinic.url(), clinic.body(*args, **kwargs), format="json")
    assert response.status_code == 201, response.content
    return response.json()
