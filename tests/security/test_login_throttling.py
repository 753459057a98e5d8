"""Sign-in lockout (django-axes) at the three doors: the login page, Django admin's login and the
API token endpoint. The LOGIN_FAILURE_LIMIT-th failure from one address for one username, and
every try after it for LOGIN_LOCKOUT_MINUTES, answers 429 with a clear message, even with the
right password; each failure is an audit row that superusers read in Django admin."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings

from tests.browser.conftest import TEST_PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-ins. Try again in 15 minutes"


def _fail(client, url: str, username: str, times: int, **extra):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"}, **extra)
        assert response.status_code in (200, 400), response.status_code  # refused, not yet locked


def test_the_limit_and_cool_off_are_the_documented_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60


def test_login_page_locks_out_after_the_limit(client, user):
    _fail(client, "/accounts/login/", user.username, settings.AXES_FAILURE_LIMIT - 1)
    last = client.post("/accounts/login/", {"username": user.username, "password": "wrong-password"})
    right = client.post("/accounts/login/", {"username": user.username, "password": TEST_PASSWORD})

    assert last.status_code == 429
    assert right.status_code == 429  # locked: the right password does not help now
    assert LOCKED in right.content.decode()
    assert right["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username=user.username)
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    assert attempt.path_info == "/accounts/login/"
    assert AccessFailureLog.objects.filter(username=user.username).count() >= settings.AXES_FAILURE_LIMIT


def test_admin_login_locks_out_after_the_limit(client, user):
    _fail(client, "/admin/login/", user.username, settings.AXES_FAILURE_LIMIT - 1)
    client.post("/admin/login/", {"username": user.username, "password": "wrong-password"})
    locked = client.post("/admin/login/", {"username": user.username, "password": TEST_PASSWORD})

    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    assert AccessAttempt.objects.get(username=user.username).path_info == "/admin/login/"


def test_token_endpoint_locks_out_in_the_json_error_shape(client, user):
    _fail(client, "/api/v1/auth/token/", user.username, settings.AXES_FAILURE_LIMIT - 1)
    client.post("/api/v1/auth/token/", {"username": user.username, "password": "wrong-password"})
    locked = client.post("/api/v1/auth/token/", {"username": user.username, "password": TEST_PASSWORD})

    assert locked.status_code == 429
    assert locked.json() == {
        "code": "locked_out",
        "detail": ("Too many failed sign-ins. Try again in 15 minutes, or ask an administrator to unlock the account."),
        "fields": {},
    }
    assert AccessAttempt.objects.get(username=user.username).path_info == "/api/v1/auth/token/"


def test_failures_for_one_user_do_not_lock_out_another(client, user, facility, make_member):
    _fail(client, "/accounts/login/", user.username, settings.AXES_FAILURE_LIMIT - 1)
    assert client.post("/accounts/login/", {"username": user.username, "password": "x"}).status_code == 429
    other = make_member(facility)

    response = client.post("/accounts/login/", {"username": other.username, "password": TEST_PASSWORD})

    assert response.status_code == 302


def test_the_audit_rows_are_shown_to_superusers_only(client, user):
    _fail(client, "/accounts/login/", user.username, 2)
    facility_admin = user  # is_staff through their membership, not a superuser
    facility_admin.is_staff = True
    facility_admin.save()
    client.force_login(facility_admin)
    assert client.get("/admin/axes/accessattempt/").status_code == 403

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    attempts = client.get("/admin/axes/accessattempt/")
    failures = client.get("/admin/axes/accessfailurelog/")

    assert attempts.status_code == 200 and user.username in attempts.content.decode()
    assert failures.status_code == 200 and user.username in failures.content.decode()
