"""The rota's set-up pages: a manager adds a rota and its parts, edits a rule inline, sees errors
next to the field with nothing saved; a registrar gets 403, another facility 404."""

import pytest
from django.test import Client

from rostering.models import Rota, RuleSetting, Site
from tests.rostering.test_setup_api import make_small_rota

PAGES = "/f/facility-a/rostering"


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_adds_a_rota_and_sees_its_page(manager, facility):
    client = _client(manager)
    page = client.get(f"{PAGES}/setup/")
    assert page.status_code == 200 and "<h1>Rotas</h1>" in page.content.decode()
    response = client.post(f"{PAGES}/setup/", {"name": "Nurses", "skills": "RN, HCA", "solve_seconds": "20"})
    assert response.status_code == 302
    rota = Rota.objects.get(facility=facility, name="Nurses")
    assert rota.skills == ["RN", "HCA"] and RuleSetting.objects.filter(rota=rota).count() == 20
    page = client.get(response["Location"]).content.decode()
    assert "<h1>Nurses</h1>" in page and "Fair nights" in page and "Recent changes" in page


def test_parts_are_added_edited_and_removed_with_errors_by_the_field(manager, small_rota):
    rota, _ = small_rota
    client = _client(manager)
    base = f"{PAGES}/setup/{rota.pk}"
    response = client.post(f"{base}/sites/add/", {"sites-code": "MAIN", "sites-name": "Main hospital"})
    assert response.status_code == 302
    site = Site.objects.get(rota=rota, code="MAIN")
    response = client.post(f"{base}/sites/add/", {"sites-code": "MAIN", "sites-name": "Again"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Another site of this rota has this code." in page and 'id="id_sites-code_error"' in page
    assert Site.objects.filter(rota=rota).count() == 1

    response = client.post(
        f"{base}/shift-types/add/",
        {
            "shift-types-code": "L",
            "shift-types-name": "Late",
            "shift-types-kind": "evening",
            "shift-types-start_time": "13:00",
            "shift-types-end_time": "21:00",
            "shift-types-hours": "0",
        },
    )
    assert response.status_code == 400 and "More than zero hours." in response.content.decode()
    assert not rota.shift_types.filter(code="L").exists()

    edit = client.get(f"{base}/sites/{site.pk}/")
    assert edit.status_code == 200 and 'value="Main hospital"' in edit.content.decode()
    response = client.post(f"{base}/sites/{site.pk}/", {"sites-code": "MAIN", "sites-name": "Main site"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert site.name == "Main site"
    response = client.post(f"{base}/sites/{site.pk}/delete/")
    assert response.status_code == 302 and not Site.objects.filter(pk=site.pk).exists()
    assert client.get(f"{base}/nonsense/1/").status_code == 404


def test_rules_are_edited_inline(manager, small_rota):
    rota, _ = small_rota
    client = _client(manager)
    url = f"{PAGES}/setup/{rota.pk}/rules/fair_nights/"
    response = client.post(url, {"rule-fair_nights-weight": "40"})
    assert response.status_code == 302
    row = RuleSetting.objects.get(rota=rota, code="fair_nights")
    assert (row.enabled, row.weight) == (False, 40)
    response = client.post(
        f"{PAGES}/setup/{rota.pk}/rules/preferences/",
        {"rule-preferences-enabled": "on", "rule-preferences-hard": "on", "rule-preferences-weight": "10"},
    )
    assert response.status_code == 400 and "can only be soft" in response.content.decode()
    assert not RuleSetting.objects.get(rota=rota, code="preferences").hard


def test_registrars_and_other_facilities_are_kept_out(registrar, other_facility, make_member, small_rota):
    rota, _ = small_rota
    assert _client(registrar).get(f"{PAGES}/setup/{rota.pk}/").status_code == 403
    outsider = make_member(other_facility, username="other-admin")
    assert _client(outsider).get(f"/f/facility-b/rostering/setup/{rota.pk}/").status_code == 404


def test_a_staff_member_is_edited_with_their_skills_and_contract(manager, small_rota):
    rota, staff = small_rota
    client = _client(manager)
    member = staff["Dr Reg"]
    url = f"{PAGES}/setup/{rota.pk}/staff/{member.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "Dr Reg" in page.content.decode()
    assert client.get(f"{PAGES}/setup/{rota.pk}/rules/rest/").status_code == 302
    response = client.post(
        url,
        {
            "staff-seniority": "4",
            "staff-skills": ["REG"],
            "staff-contract": str(member.contract_id),
            "staff-active": "",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.seniority, member.active, member.skills) == (4, False, ["REG"])
    response = client.post(url, {"staff-seniority": "9", "staff-contract": str(member.contract_id)})
    assert response.status_code == 400 and 'id="id_staff-seniority_error"' in response.content.decode()
    member.refresh_from_db()
    assert member.seniority == 4
