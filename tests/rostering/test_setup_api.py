"""The rota's configuration through the API: create, change and remove each part; rules as data
taken by the next problem build; 400 naming the field with nothing written; roles and facilities."""

import datetime as dt

import pytest

from conftest import token_client
from rostering.models import Rota, RuleSetting, ShiftType, StaffMember
from rostering.services import setup
from rostering.services.problem import problem_build
from scheduling.models import ResourceKind
from tests.factories import ResourceFactory
from tests.rostering.conftest import next_monday

API = "/api/v1/facilities/facility-a/rostering"


def make_small_rota(facility, actor, people: dict) -> tuple[Rota, dict]:
    """A two-shift rota with one contract and a staff member per ``people`` entry (name → user
    or None); returns the rota and its staff by name."""
    rota = setup.rota_create(facility=facility, actor=actor, name="Registrars", skills=["REG"])
    kw = {"facility": facility, "actor": actor, "rota_id": rota.pk}
    day = setup.shift_type_create(
        **kw, code="D", name="Day", kind="day", start_time=dt.time(8), end_time=dt.time(17), hours=9
    )
    setup.shift_type_create(
        **kw,
        code="N",
        name="Night",
        kind="night",
        start_time=dt.time(21),
        end_time=dt.time(8),
        hours=11,
        forbidden_successors=["D"],
    )
    setup.coverage_create(**kw, shift_type=day.pk, skill="REG", minimum=1, optimal=1)
    contract = setup.contract_create(**kw, name="Full time", max_hours_per_week=48)
    staff = {}
    for name, user in people.items():
        resource = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER, name=name, user=user)
        staff[name] = setup.staff_create(**kw, resource=resource.pk, contract=contract.pk, skills=["REG"])
    return rota, staff


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar, "Dr Three": None})


@pytest.fixture
def manager_api(manager):
    return token_client(manager)


def test_a_manager_creates_a_rota_and_its_parts(manager_api, facility):
    response = manager_api.post(f"{API}/rota-setup/", {"name": "Nurses", "skills": ["RN"]}, format="json")
    assert response.status_code == 201, response.json()
    rota_id = response.json()["id"]
    assert RuleSetting.objects.filter(rota_id=rota_id).count() == 20

    site = manager_api.post(f"{API}/rotas/{rota_id}/sites/", {"code": "MAIN", "name": "Main"}, format="json")
    assert site.status_code == 201
    shift = manager_api.post(
        f"{API}/rotas/{rota_id}/shift-types/",
        {
            "code": "E",
            "name": "Early",
            "kind": "day",
            "start_time": "07:00",
            "end_time": "15:00",
            "hours": "8.0",
            "site": site.json()["id"],
        },
        format="json",
    )
    assert shift.status_code == 201, shift.json()
    assert shift.json()["site"] == site.json()["id"]
    coverage = manager_api.post(
        f"{API}/rotas/{rota_id}/coverage/",
        {"shift_type": shift.json()["id"], "skill": "RN", "weekdays": [1, 2, 3], "minimum": 2, "optimal": 3},
        format="json",
    )
    assert coverage.status_code == 201, coverage.json()
    changed = manager_api.patch(
        f"{API}/rotas/{rota_id}/coverage/{coverage.json()['id']}/", {"optimal": 4}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["optimal"] == 4
    settings = manager_api.patch(f"{API}/rotas/{rota_id}/settings/", {"solve_seconds": 20}, format="json")
    assert settings.status_code == 200 and settings.json()["solve_seconds"] == 20
    listed = manager_api.get(f"{API}/rotas/{rota_id}/shift-types/")
    assert [row["code"] for row in listed.json()] == ["E"]
    removed = manager_api.delete(f"{API}/rotas/{rota_id}/coverage/{coverage.json()['id']}/")
    assert removed.status_code == 204


def test_bad_input_names_the_field_and_writes_nothing(manager_api, small_rota):
    rota, _ = small_rota
    before = ShiftType.objects.filter(rota=rota).count()
    response = manager_api.post(
        f"{API}/rotas/{rota.pk}/shift-types/",
        {
            "code": "L",
            "name": "Late",
            "kind": "evening",
            "start_time": "13:00",
            "end_time": "21:00",
            "hours": "0",
            "forbidden_successors": ["X"],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "hours" in body["fields"]
    assert ShiftType.objects.filter(rota=rota).count() == before

    response = manager_api.post(
        f"{API}/rotas/{rota.pk}/coverage/",
        {"shift_type": ShiftType.objects.get(rota=rota, code="D").pk, "skill": "REG", "minimum": 3, "optimal": 1},
        format="json",
    )
    assert response.status_code == 400 and "optimal" in response.json()["fields"]
    response = manager_api.post(f"{API}/rotas/{rota.pk}/sites/", {"code": "A", "nme": "typo"}, format="json")
    assert response.status_code == 400 and "nme" in response.json()["fields"]


def test_rules_are_data_the_next_problem_reads(manager_api, small_rota):
    rota, _ = small_rota
    response = manager_api.patch(f"{API}/rotas/{rota.pk}/rules/fair_nights/", {"enabled": False}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    problem = problem_build(rota=rota, first_day=next_monday(), num_days=7)
    assert problem.rule("fair_nights") is None

    response = manager_api.patch(f"{API}/rotas/{rota.pk}/rules/preferences/", {"hard": True}, format="json")
    assert response.status_code == 400 and "hard" in response.json()["fields"]
    assert not RuleSetting.objects.get(rota=rota, code="preferences").hard

    response = manager_api.patch(f"{API}/rotas/{rota.pk}/rules/continuity/", {"weight": 9}, format="json")
    assert response.json()["weight"] == 9
    assert problem_build(rota=rota, first_day=next_monday(), num_days=7).rule("continuity").weight == 9
    rules = manager_api.get(f"{API}/rotas/{rota.pk}/rules/").json()
    assert {rule["code"]: rule["can_be_hard"] for rule in rules}["preferences"] is False
    assert manager_api.patch(f"{API}/rotas/{rota.pk}/rules/nonsense/", {}, format="json").status_code == 404


def test_roles_and_facilities(facility, other_facility, make_member, registrar, small_rota):
    rota, staff = small_rota
    clinician = token_client(registrar)
    assert clinician.get(f"{API}/rotas/{rota.pk}/staff/").status_code == 200
    response = clinician.post(f"{API}/rotas/{rota.pk}/sites/", {"code": "A", "name": "A"}, format="json")
    assert response.status_code == 403
    response = clinician.patch(f"{API}/rotas/{rota.pk}/rules/rest/", {"hard": False}, format="json")
    assert response.status_code == 403

    outsider = token_client(make_member(other_facility, username="other-admin"))
    other_api = "/api/v1/facilities/facility-b/rostering"
    assert outsider.get(f"{other_api}/rotas/{rota.pk}/staff/").status_code == 404
    response = outsider.patch(
        f"{other_api}/rotas/{rota.pk}/staff/{staff['Dr Reg'].pk}/", {"seniority": 5}, format="json"
    )
    assert response.status_code == 404
    assert StaffMember.objects.get(pk=staff["Dr Reg"].pk).seniority == 1
