"""Who may use the analytics API: ``analytics.view`` (administrators, managers, the front desk,
analysts) reads every metric, fact and setting and keeps their own report subscription;
``analytics.manage`` (administrators, managers) changes settings and mappings and re-runs a day.
Clinicians get 403; a member of another facility gets 404, as does someone without a facility;
no credentials, 401."""

import pytest
from rest_framework.test import APIClient

from analytics.models import AnalyticsSettings, AppointmentTypeMapping
from conftest import token_client
from scheduling.models import Role
from scheduling.permissions import Action, role_allows
from tests.factories import AppointmentTypeFactory

pytestmark = pytest.mark.django_db

READS = [
    "chairs/variance/",
    "chairs/days/",
    "chairs/by-chair/",
    "chairs/by-hour/",
    "chairs/at-risk/",
    "chairs/rates/",
    "chairs/weekly/",
    "theatres/summary/",
    "theatres/by-suite/",
    "theatres/suite-days/",
    "theatres/booked-vs-actual/",
    "theatres/knock-on/",
    "surgical-cases/",
    "chair-appointments/",
    "nurse-capacity/",
    "settings/",
    "settings/history/",
    "appointment-type-mappings/",
    "nightly-runs/",
    "daily-report/",
    "daily-report/subscription/",
]
ROLES = list(Role)


def url(facility, tail: str) -> str:
    return f"/api/v1/facilities/{facility.slug}/analytics/{tail}"


@pytest.fixture
def client_as(facility, make_member):
    return lambda role: token_client(make_member(facility, role))


def test_the_roles_are_those_of_the_matrix():
    allowed = {role for role in Role if role_allows(role, Action.ANALYTICS_VIEW)}
    assert allowed == {Role.ADMIN, Role.MANAGER, Role.SCHEDULER, Role.ANALYST}
    assert {role for role in Role if role_allows(role, Action.ANALYTICS_MANAGE)} == {Role.ADMIN, Role.MANAGER}


@pytest.mark.parametrize("role", ROLES)
def test_every_read_is_for_the_roles_that_see_analytics(facility, client_as, role):
    client = client_as(role)
    for tail in READS:
        response = client.get(url(facility, tail))
        if role_allows(role, Action.ANALYTICS_VIEW):
            assert response.status_code == 200, (role, tail, response.content)
        else:
            assert response.status_code == 403, (role, tail)
            assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ROLES)
def test_settings_mappings_and_re_runs_are_for_managers_and_administrators(
    facility, client_as, role, django_capture_on_commit_callbacks
):
    client = client_as(role)
    chemo = AppointmentTypeFactory(facility=facility)
    existing = AppointmentTypeMapping.objects.create(
        facility=facility, appointment_type=AppointmentTypeFactory(facility=facility)
    )
    mapping = url(facility, f"appointment-type-mappings/{existing.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        answers = {
            "settings": client.patch(url(facility, "settings/"), {"late_start_minutes": 10}, format="json"),
            "mapping create": client.post(
                url(facility, "appointment-type-mappings/"), {"appointment_type": chemo.pk}, format="json"
            ),
            "mapping change": client.patch(mapping, {"service": "Oncology"}, format="json"),
            "re-run": client.post(url(facility, "nightly-runs/rerun/"), {"date": "2026-03-03"}, format="json"),
            "mapping delete": client.delete(mapping),
        }
    if role_allows(role, Action.ANALYTICS_MANAGE):
        assert {name: response.status_code for name, response in answers.items()} == {
            "settings": 200,
            "mapping create": 201,
            "mapping change": 200,
            "re-run": 202,
            "mapping delete": 204,
        }
        assert AnalyticsSettings.objects.get(facility=facility).late_start_minutes == 10
    else:
        assert {response.status_code for response in answers.values()} == {403}
        assert not AnalyticsSettings.objects.filter(facility=facility).exists()
        assert AppointmentTypeMapping.objects.filter(facility=facility).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_a_member_keeps_their_own_subscription_if_they_see_analytics(facility, client_as, role):
    response = client_as(role).put(url(facility, "daily-report/subscription/"), {"subscribed": True}, format="json")
    assert response.status_code == (200 if role_allows(role, Action.ANALYTICS_VIEW) else 403)


def test_a_member_of_another_facility_finds_nothing(facility, other_facility, make_member):
    outsider = token_client(make_member(other_facility, Role.ADMIN))
    for tail in READS:
        assert outsider.get(url(facility, tail)).status_code == 404, tail
    assert outsider.patch(url(facility, "settings/"), {"late_start_minutes": 10}, format="json").status_code == 404
    assert outsider.post(url(facility, "nightly-runs/rerun/"), {"date": "2026-03-03"}, format="json").status_code == 404


def test_without_credentials_the_answer_is_401(facility):
    anonymous = APIClient()
    for tail in ("chairs/days/", "surgical-cases/", "settings/", "daily-report/"):
        response = anonymous.get(url(facility, tail))
        assert response.status_code == 401, tail
