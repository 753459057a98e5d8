"""Set-up changes meet published rosters: removing what rosters name is refused in words (never
a 500), and a person with published shifts ahead is not made inactive under them (their shifts
could then be neither swapped away nor re-planned around)."""

import datetime as dt

import pytest

from conftest import token_client
from rostering.models import Contract, ShiftType, Site, StaffMember
from rostering.services import setup
from tests.rostering.conftest import next_monday
from tests.rostering.test_seams_leave import published_week
from tests.rostering.test_setup_api import API, make_small_rota


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


def test_removing_what_a_roster_names_is_refused_in_words(facility, user, manager, small_rota):
    rota, staff = small_rota
    published_week(user, rota, staff)
    site = setup.site_create(facility=facility, actor=user, rota_id=rota.pk, code="MAIN", name="Main")
    ShiftType.objects.filter(rota=rota, code="D").update(site=site)
    client = token_client(manager)
    base = f"{API}/rotas/{rota.pk}"
    day = ShiftType.objects.get(rota=rota, code="D")
    contract = Contract.objects.get(rota=rota)
    for path, field in (
        (f"shift-types/{day.pk}/", "shift_type"),
        (f"staff/{staff['Dr Reg'].pk}/", "staff"),
        (f"contracts/{contract.pk}/", "contract"),
        (f"sites/{site.pk}/", "site"),
    ):
        response = client.delete(f"{base}/{path}")
        assert response.status_code == 400, (path, response.status_code)
        assert field in response.json()["fields"], response.json()
    assert ShiftType.objects.filter(pk=day.pk).exists() and Site.objects.filter(pk=site.pk).exists()
    assert StaffMember.objects.filter(pk=staff["Dr Reg"].pk).exists()


def test_a_person_with_published_shifts_ahead_is_not_made_inactive(facility, user, manager, small_rota):
    rota, staff = small_rota
    roster = published_week(user, rota, staff)
    client = token_client(manager)
    response = client.patch(f"{API}/rotas/{rota.pk}/staff/{staff['Dr Reg'].pk}/", {"active": False}, format="json")
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "staff_rostered" and "active" in body["fields"]
    assert [row["date"] for row in body["shifts"]] == [
        (next_monday() + dt.timedelta(days=offset)).isoformat() for offset in range(3)
    ]
    assert all(row["roster"] == roster.pk for row in body["shifts"])
    assert "re-plan" in body["detail"]
    assert StaffMember.objects.get(pk=staff["Dr Reg"].pk).active

    # Someone without shifts ahead, or any other change of the rostered person, goes through.
    other = client.patch(f"{API}/rotas/{rota.pk}/staff/{staff['Dr Other'].pk}/", {"active": False}, format="json")
    assert other.status_code == 200 and other.json()["active"] is False
    seniority = client.patch(f"{API}/rotas/{rota.pk}/staff/{staff['Dr Reg'].pk}/", {"seniority": 2}, format="json")
    assert seniority.status_code == 200, seniority.json()
