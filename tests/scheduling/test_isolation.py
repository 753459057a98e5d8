"""Tenant isolation: a member of facility A never reaches facility B's rows, whichever endpoint,
whichever verb; the answer is 404, and B's rows are left as they were."""

import pytest
from django.forms.models import model_to_dict

from tests.scheduling.endpoints import ENDPOINTS, IDS, base


def snapshot(obj):
    obj.refresh_from_db()
    return model_to_dict(obj)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_another_facilitys_url_is_404_for_every_verb(endpoint, api_client, facility, other_facility):
    foreign = endpoint.make(other_facility)
    before = snapshot(foreign)
    url = f"{base(other_facility)}/{endpoint.path}/"
    detail = f"{url}{foreign.pk}/"
    responses = [
        api_client.get(url),
        api_client.post(url, endpoint.create_body(other_facility), format="json"),
        api_client.get(detail),
        api_client.patch(detail, endpoint.update_body, format="json"),
        api_client.put(detail, endpoint.create_body(other_facility), format="json"),
        api_client.get(f"{detail}history/"),
        api_client.get(f"{detail}comments/"),
        api_client.post(f"{detail}comments/", {"text": "hello"}, format="json"),
    ]
    for response in responses:
        assert response.status_code == 404, (response.request, response.content)
        assert response.json()["code"] == "not_found"
    assert snapshot(foreign) == before
    assert type(foreign).objects.filter(facility=other_facility).count() == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_another_facilitys_id_under_my_facility_is_404(endpoint, api_client, facility, other_facility):
    foreign = endpoint.make(other_facility)
    before = snapshot(foreign)
    detail = f"{base(facility)}/{endpoint.path}/{foreign.pk}/"
    for response in [
        api_client.get(detail),
        api_client.patch(detail, endpoint.update_body, format="json"),
        api_client.get(f"{detail}history/"),
        api_client.get(f"{detail}comments/"),
        api_client.post(f"{detail}comments/", {"text": "hello"}, format="json"),
    ]:
        assert response.status_code == 404, response.content
    assert snapshot(foreign) == before
    assert not foreign.__class__.history.filter(history_type="~").exists()


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_lists_show_only_my_facility(endpoint, api_client, facility, other_facility):
    mine = endpoint.make(facility)
    endpoint.make(other_facility)
    response = api_client.get(f"{base(facility)}/{endpoint.path}/", {"page_size": 200})
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    model = type(mine)
    assert ids == set(model.objects.filter(facility=facility).values_list("pk", flat=True))
    assert not ids & set(model.objects.filter(facility=other_facility).values_list("pk", flat=True))


def test_facility_detail_and_history_of_another_facility_are_404(api_client, other_facility):
    assert api_client.get(f"{base(other_facility)}/").status_code == 404
    assert api_client.patch(f"{base(other_facility)}/", {"name": "Taken over"}, format="json").status_code == 404
    assert api_client.get(f"{base(other_facility)}/history/").status_code == 404
    other_facility.refresh_from_db()
    assert other_facility.name == "Other Clinic (B)"


def test_unknown_facility_and_malformed_ids_are_404_not_500(api_client, facility):
    assert api_client.get("/api/v1/facilities/no-such-place/patients/").status_code == 404
    for bad in ["abc", "99999999999999999999999", "-1", "0"]:
        response = api_client.get(f"{base(facility)}/patients/{bad}/")
        assert response.status_code == 404, bad
        assert response.json()["code"] == "not_found"


def test_my_facilities_lists_only_memberships(api_client, facility, other_facility):
    response = api_client.get("/api/v1/facilities/")
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()] == [facility.slug]
    assert response.json()[0]["role"] == "admin"


def test_ui_pages_of_another_facility_are_404(client, user, facility, other_facility):
    client.force_login(user)
    for page in ["", "patients/", "patients/new/", "resources/"]:
        assert client.get(f"/f/{other_facility.slug}/{page}").status_code == 404
        assert client.get(f"/f/{facility.slug}/{page}").status_code == 200
