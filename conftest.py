"""Shared fixtures: two facilities (so isolation can be tested), members by role, API clients
that authenticate with a token like an integrator would."""

import kombu.pools
import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from availability.selectors import cached
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


# Nothing listens on port 1: a Redis (broker, locks, cache) that is down.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def _drop_celery_connections() -> None:
    """Forgets the broker connections, producers and result backend Celery has cached, so the
    next publish connects to whatever ``conf.broker_url`` says now."""
    kombu.pools.reset()  # the pools are kept per broker URL, process-wide
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def celery_broker():
    """``point(url)`` sends this test's tasks over the broker at ``url`` (its result backend
    too), not eagerly; the live one is ``settings.REDIS_URL``. Celery's settings and cached
    connections are restored afterwards."""
    eager = celery_app.conf.task_always_eager
    with pytest.MonkeyPatch.context() as patch:

        def point(url: str) -> None:
            # Celery reads these variables before its configuration (celery.app.utils.Settings).
            patch.setenv("CELERY_BROKER_URL", url)
            patch.setenv("CELERY_RESULT_BACKEND", url)
            celery_app.conf.task_always_eager = False
            _drop_celery_connections()

        yield point
    celery_app.conf.task_always_eager = eager
    _drop_celery_connections()


@pytest.fixture(autouse=True)
def _fresh_configuration_cache():
    """Each test starts with an empty per-process availability cache, as a new worker would
    (ids are never reused within one database, but a test database may be rebuilt)."""
    cached.clear()


@pytest.fixture(autouse=True)
def imports_dir(tmp_path, settings):
    """Raw uploaded files go to a fresh directory per test, never into var/media (Django drops
    its storages when STORAGES changes: django.test.signals)."""
    location = tmp_path / "imports"
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    return location


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
    _, key = api_token_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_client(user):
    return token_client(user)
