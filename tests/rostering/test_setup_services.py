"""The rota's configuration through its services: rules as data read by the next problem build,
validation naming the field with nothing written, and the facility and role boundaries."""

import datetime as dt

import pytest

from rostering.models import (
    Contract,
    CoverageRequirement,
    Rota,
    RuleSetting,
    ShiftType,
    Site,
    StaffMember,
)
from rostering.problem import RULE_CODES, default_rules
from rostering.services import setup
from rostering.services.problem import problem_build
from scheduling.errors import ApplicationError
from scheduling.models import ResourceKind, SchedulableResource
from tests.rostering.conftest import next_monday


def _error(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        call(**kwargs)
    return error.value


@pytest.fixture
def bare_rota(facility, user):
    return setup.rota_create(facility=facility, actor=user, name="Night nurses", skills=["RN"], weekend_days=[6, 7])


def test_a_new_rota_gets_the_default_rules_with_history(bare_rota, user):
    rows = {row.code: row for row in RuleSetting.objects.filter(rota=bare_rota)}
    assert set(rows) == set(RULE_CODES)
    for rule in default_rules():
        assert (rows[rule.code].hard, rows[rule.code].weight, rows[rule.code].enabled) == (
            rule.hard,
            rule.weight,
            True,
        )
    assert bare_rota.history.first().history_user == user


def test_switching_fair_nights_off_reaches_the_next_problem(facility, user, rota):
    setup.rule_update(facility=facility, actor=user, rota_id=rota.pk, code="fair_nights", enabled=False)
    problem = problem_build(rota=rota, first_day=next_monday(), num_days=7)
    assert problem.rule("fair_nights") is None

    setup.rule_update(facility=facility, actor=user, rota_id=rota.pk, code="fair_weekends", hard=True, weight=7)
    problem = problem_build(rota=rota, first_day=next_monday(), num_days=7)
    assert problem.rule("fair_weekends").hard
    assert problem.rule("fair_weekends").weight == 7


def test_preferences_cannot_be_hard_and_nothing_changes(facility, user, rota):
    before = list(RuleSetting.objects.filter(rota=rota).values_list("code", "hard", "weight", "enabled"))
    error = _error(
        setup.rule_update, facility=facility, actor=user, rota_id=rota.pk, code="preferences", hard=True, weight=3
    )
    assert error.code == "invalid" and "hard" in error.fields
    assert list(RuleSetting.objects.filter(rota=rota).values_list("code", "hard", "weight", "enabled")) == before
    error = _error(setup.rule_update, facility=facility, actor=user, rota_id=rota.pk, code="rest", weight=0)
    assert "weight" in error.fields


def test_a_registrar_may_not_configure_and_another_facility_is_404(
    facility, other_facility, make_member, registrar, rota
):
    error = _error(setup.rule_update, facility=facility, actor=registrar, rota_id=rota.pk, code="rest", hard=False)
    assert error.code == "permission_denied"
    outsider = make_member(other_facility)
    error = _error(setup.site_create, facility=other_facility, actor=outsider, rota_id=rota.pk, code="X", name="X")
    assert error.code == "not_found"


def test_shift_type_validation_names_the_field(facility, user, bare_rota):
    site = setup.site_create(facility=facility, actor=user, rota_id=bare_rota.pk, code="MAIN", name="Main")
    base = {
        "facility": facility,
        "actor": user,
        "rota_id": bare_rota.pk,
        "code": "N",
        "name": "Night",
        "kind": "night",
        "start_time": dt.time(20),
        "end_time": dt.time(8),
        "hours": 12,
        "site": site.pk,
    }
    assert "hours" in _error(setup.shift_type_create, **{**base, "hours": 0}).fields
    assert "forbidden_successors" in _error(setup.shift_type_create, **{**base, "forbidden_successors": ["D"]}).fields
    other_rota = setup.rota_create(facility=facility, actor=user, name="Other")
    other_site = setup.site_create(facility=facility, actor=user, rota_id=other_rota.pk, code="X", name="X")
    assert "site" in _error(setup.shift_type_create, **{**base, "site": other_site.pk}).fields
    assert not ShiftType.objects.filter(rota=bare_rota).exists()

    night = setup.shift_type_create(**{**base, "forbidden_successors": ["N"]})
    day = setup.shift_type_create(**{**base, "code": "D", "name": "Day", "kind": "day", "start_time": dt.time(8)})
    setup.shift_type_update(
        facility=facility, actor=user, rota_id=bare_rota.pk, shift_type_id=night.pk, forbidden_successors=["D"]
    )
    night.refresh_from_db()
    assert night.forbidden_successors == ["D"]
    assert (
        "code"
        in _error(
            setup.shift_type_update, facility=facility, actor=user, rota_id=bare_rota.pk, shift_type_id=day.pk, code="E"
        ).fields
    )


def test_coverage_and_staff_validation(facility, user, bare_rota):
    rota_id = bare_rota.pk
    shift = setup.shift_type_create(
        facility=facility,
        actor=user,
        rota_id=rota_id,
        code="D",
        name="Day",
        kind="day",
        start_time=dt.time(8),
        end_time=dt.time(16),
        hours=8,
    )
    kw = {"facility": facility, "actor": user, "rota_id": rota_id}
    assert (
        "optimal" in _error(setup.coverage_create, **kw, shift_type=shift.pk, skill="RN", minimum=3, optimal=2).fields
    )
    assert "skill" in _error(setup.coverage_create, **kw, shift_type=shift.pk, skill="ICU", minimum=1, optimal=1).fields
    assert "weekdays" in _error(setup.coverage_create, **kw, shift_type=shift.pk, skill="RN", weekdays=[8]).fields
    assert not CoverageRequirement.objects.filter(rota=bare_rota).exists()
    row = setup.coverage_create(**kw, shift_type=shift.pk, skill="RN", weekdays=[1, 2], minimum=1, optimal=2)
    assert row.weekdays == [1, 2]

    contract = setup.contract_create(**kw, name="Full time", max_hours_per_week=48)
    nurse = SchedulableResource.objects.create(facility=facility, kind=ResourceKind.NURSE, name="Nurse Ada")
    room = SchedulableResource.objects.create(facility=facility, kind=ResourceKind.ROOM, name="Room 1")
    assert "resource" in _error(setup.staff_create, **kw, resource=room.pk, contract=contract.pk).fields
    assert "skills" in _error(setup.staff_create, **kw, resource=nurse.pk, contract=contract.pk, skills=["ICU"]).fields
    assert "sites" in _error(setup.staff_create, **kw, resource=nurse.pk, contract=contract.pk, sites=["FAR"]).fields
    assert not StaffMember.objects.filter(rota=bare_rota).exists()
    member = setup.staff_create(**kw, resource=nurse.pk, contract=contract.pk, skills=["RN"], seniority=3)
    assert member.contract == contract
    assert "contract" in _error(setup.contract_delete, **kw, contract_id=contract.pk).fields
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_rota_names_are_unique_per_facility_and_the_rota_is_updated(facility, user, bare_rota):
    assert "name" in _error(setup.rota_create, facility=facility, actor=user, name="Night nurses").fields
    assert Rota.objects.filter(facility=facility, name="Night nurses").count() == 1
    setup.rota_update(facility=facility, actor=user, rota_id=bare_rota.pk, solve_seconds=12, skills=["RN", "HCA"])
    bare_rota.refresh_from_db()
    assert bare_rota.solve_seconds == 12 and bare_rota.skills == ["RN", "HCA"]
    assert (
        "solve_seconds"
        in _error(setup.rota_update, facility=facility, actor=user, rota_id=bare_rota.pk, solve_seconds=0).fields
    )
    changes = setup.rota_change_list(rota=bare_rota)
    assert changes[0]["what"] == "rota" and changes[0]["kind"] == "changed"


def test_a_site_in_use_cannot_go(facility, user, bare_rota):
    site = setup.site_create(facility=facility, actor=user, rota_id=bare_rota.pk, code="MAIN", name="Main")
    setup.shift_type_create(
        facility=facility,
        actor=user,
        rota_id=bare_rota.pk,
        code="D",
        name="Day",
        kind="day",
        start_time=dt.time(8),
        end_time=dt.time(16),
        hours=8,
        site=site.pk,
    )
    error = _error(setup.site_delete, facility=facility, actor=user, rota_id=bare_rota.pk, site_id=site.pk)
    assert "site" in error.fields
    assert Site.objects.filter(pk=site.pk).exists()
