"""Role matrix: each role may do exactly what scheduling.permissions.MATRIX says, through the
API and through the pages — allowed answers 2xx, refused answers 403 and writes nothing."""

import pytest
from django.urls import reverse

from conftest import token_client
from scheduling.models import Role
from scheduling.permissions import MATRIX, Action, role_allows
from tests.factories import PatientFactory
from tests.scheduling.endpoints import ENDPOINTS, IDS, base

ROLES = list(Role)


def expect(role, action, ok_status):
    return ok_status if role_allows(role, action) else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_api_reads_follow_the_matrix(endpoint, role, facility, make_member):
    client = token_client(make_member(facility, role))
    obj = endpoint.make(facility)
    url = f"{base(facility)}/{endpoint.path}/"
    assert client.get(url).status_code == expect(role, endpoint.view, 200)
    assert client.get(f"{url}{obj.pk}/").status_code == expect(role, endpoint.view, 200)
    assert client.get(f"{url}{obj.pk}/history/").status_code == expect(role, endpoint.view, 200)
    assert client.get(f"{url}{obj.pk}/comments/").status_code == expect(role, endpoint.view, 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_api_writes_follow_the_matrix(endpoint, role, facility, make_member):
    client = token_client(make_member(facility, role))
    obj = endpoint.make(facility)
    model = type(obj)
    count_before = model.objects.filter(facility=facility).count()
    url = f"{base(facility)}/{endpoint.path}/"

    created = client.post(url, endpoint.create_body(facility), format="json")
    assert created.status_code == expect(role, endpoint.manage, 201), created.content
    assert model.objects.filter(facility=facility).count() == count_before + (created.status_code == 201)

    changed = client.patch(f"{url}{obj.pk}/", endpoint.update_body, format="json")
    assert changed.status_code == expect(role, endpoint.manage, 200), changed.content
    obj.refresh_from_db()
    for field, value in endpoint.update_body.items():
        assert (getattr(obj, field) == value) is (changed.status_code == 200)

    commented = client.post(f"{url}{obj.pk}/comments/", {"text": "Seen at the desk."}, format="json")
    may_comment = role_allows(role, endpoint.view) and role_allows(role, Action.COMMENT_ADD)
    assert commented.status_code == (201 if may_comment else 403)


def test_refusal_names_the_role_and_action(facility, make_member):
    client = token_client(make_member(facility, Role.ANALYST))
    response = client.get(f"{base(facility)}/patients/")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "The role 'analyst' may not do 'patient.view' in this facility.",
        "fields": {},
        "action": "patient.view",
        "role": "analyst",
    }


@pytest.mark.parametrize("role", ROLES)
def test_facility_settings_follow_the_matrix(role, facility, make_member):
    client = token_client(make_member(facility, role))
    assert client.get(f"{base(facility)}/").status_code == expect(role, Action.FACILITY_VIEW, 200)
    response = client.patch(f"{base(facility)}/", {"time_zone": "Asia/Kolkata"}, format="json")
    assert response.status_code == expect(role, Action.FACILITY_MANAGE, 200)
    facility.refresh_from_db()
    assert (facility.time_zone == "Asia/Kolkata") is role_allows(role, Action.FACILITY_MANAGE)
    assert client.get(f"{base(facility)}/history/").status_code == expect(role, Action.FACILITY_MANAGE, 200)


@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_matrix(role, client, facility, make_member):
    client.force_login(make_member(facility, role))
    slug = facility.slug
    assert client.get(reverse("frontdesk:overview", args=[slug])).status_code == 200
    assert client.get(reverse("scheduling:patients", args=[slug])).status_code == expect(role, Action.PATIENT_VIEW, 200)
    assert client.get(reverse("scheduling:resources", args=[slug])).status_code == expect(
        role, Action.RESOURCE_VIEW, 200
    )
    form_url = reverse("scheduling:patient_create", args=[slug])
    assert client.get(form_url).status_code == expect(role, Action.PATIENT_MANAGE, 200)
    posted = client.post(form_url, {"mrn": "UI-1", "name": "Desk Registered", "date_of_birth": "1975-03-04"})
    assert posted.status_code == expect(role, Action.PATIENT_MANAGE, 302)
    assert facility.patients.filter(mrn="UI-1").exists() is role_allows(role, Action.PATIENT_MANAGE)


@pytest.mark.parametrize("role", ROLES)
def test_navigation_hides_what_the_role_cannot_open(role, client, facility, make_member):
    member = make_member(facility, role)
    member.is_staff = True  # even a staff account sees the admin link only with the admin role
    member.save()
    client.force_login(member)
    page = client.get(reverse("frontdesk:overview", args=[facility.slug])).content.decode()
    assert (f"/f/{facility.slug}/patients/" in page) is role_allows(role, Action.PATIENT_VIEW)
    assert ("/admin/" in page) is role_allows(role, Action.ADMIN_SITE)


def test_every_action_of_the_matrix_is_exercised_somewhere():
    """A new action must come with the endpoint or page that enforces it (and a test above)."""
    covered = {e.view for e in ENDPOINTS} | {e.manage for e in ENDPOINTS}
    covered |= {Action.FACILITY_VIEW, Action.FACILITY_MANAGE, Action.COMMENT_ADD, Action.ADMIN_SITE}
    scheduling_actions = {
        a
        for a in MATRIX
        if a.value.split(".")[0]
        in {"facility", "membership", "patient", "department", "appointment_type", "resource", "comment", "admin_site"}
    }
    assert scheduling_actions <= covered


def test_anonymous_api_gets_401_and_pages_redirect_to_login(client, facility):
    PatientFactory(facility=facility)
    response = client.get(f"{base(facility)}/patients/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    page = client.get(reverse("scheduling:patients", args=[facility.slug]))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))
