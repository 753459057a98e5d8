"""Shared fixtures: two facilities (so isolation can be tested), members by role, API clients
that authenticate with a token like an integrator would."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.celery import app as celery_app
from scheduling.models import Role
from tests.factories import FacilityFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks in-process; tests about Celery start a real worker instead."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def facility(db):
    return FacilityFactory(name="Test General (A)", slug="facility-a")


@pytest.fixture
def other_facility(db):
    return FacilityFactory(name="Other Clinic (B)", slug="facility-b")


@pytest.fixture
def make_member(db):
    def make(facility, role=Role.ADMIN, username=None):
        user = UserFactory(**({"username": username} if username else {}))
        MembershipFactory(facility=facility, user=user, role=role)
        return user

    return make


@pytest.fixture
def user(facility, make_member):
    """An administrator of ``facility``: allowed everything there, nothing elsewhere."""
    return make_member(facility, Role.ADMIN, username="alice-admin")


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_client(user):
    return token_client(user)
