"""The solve task meets set-up changes made between drafting and solving: a person or a shift
type the problem snapshot names is gone. The roster fails cleanly, in words, with nothing
stored; a roster that needs nobody is solved with no rows and can be published."""

import datetime as dt

import pytest

from conftest import token_client
from rostering.models import (
    Assignment,
    CoverageRequirement,
    LeaveStatus,
    Roster,
    RosterStatus,
    ShiftType,
    SolveStatus,
)
from rostering.services import requests, rosters, setup
from tests.rostering.conftest import next_monday
from tests.rostering.test_setup_api import API, make_small_rota


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar, "Dr Three": None})


def _draft(facility, user, rota) -> Roster:
    # Not a transaction test: the queued solve never runs by itself; the test runs it.
    return rosters.roster_create(
        facility=facility, actor=user, rota_id=rota.pk, first_day=next_monday(), num_days=7, time_limit_seconds=5
    )


def test_a_person_removed_after_drafting_fails_the_solve_in_words(facility, user, small_rota):
    rota, staff = small_rota
    roster = _draft(facility, user, rota)
    setup.staff_delete(facility=facility, actor=user, rota_id=rota.pk, staff_id=staff["Dr Three"].pk)

    assert rosters.roster_solve_execute(roster_id=roster.pk) == "failed"
    roster.refresh_from_db()
    assert roster.solve_status == SolveStatus.FAILED
    assert "KeyError" not in roster.error
    assert "removed" in roster.error and "draft" in roster.error.lower()
    assert not Assignment.objects.filter(roster=roster).exists()


def test_a_shift_type_renamed_after_drafting_fails_the_solve_in_words(facility, user, small_rota):
    rota, _ = small_rota
    roster = _draft(facility, user, rota)
    day = ShiftType.objects.get(rota=rota, code="D")
    ShiftType.objects.filter(rota=rota, code="N").update(forbidden_successors=[])
    setup.shift_type_update(facility=facility, actor=user, rota_id=rota.pk, shift_type_id=day.pk, code="E")

    assert rosters.roster_solve_execute(roster_id=roster.pk) == "failed"
    roster.refresh_from_db()
    assert roster.solve_status == SolveStatus.FAILED
    assert "KeyError" not in roster.error and "renamed: D" in roster.error
    assert not Assignment.objects.filter(roster=roster).exists()


def test_a_deactivated_person_is_still_rostered_as_drafted(facility, user, small_rota):
    rota, staff = small_rota
    roster = _draft(facility, user, rota)
    setup.staff_update(facility=facility, actor=user, rota_id=rota.pk, staff_id=staff["Dr Three"].pk, active=False)
    assert rosters.roster_solve_execute(roster_id=roster.pk) in (SolveStatus.DONE, SolveStatus.STOPPED)
    roster.refresh_from_db()
    assert roster.check_report["ok"]


def test_a_roster_that_needs_nobody_is_solved_empty_and_published(facility, user, manager, small_rota):
    rota, staff = small_rota
    CoverageRequirement.objects.filter(rota=rota).delete()
    for member in staff.values():  # everyone away all week: nobody can work
        requests.leave_create(
            facility=facility,
            actor=user,
            staff=member.pk,
            first_day=next_monday(),
            last_day=next_monday() + dt.timedelta(days=6),
            status=LeaveStatus.APPROVED,
        )
    roster = _draft(facility, user, rota)
    assert rosters.roster_solve_execute(roster_id=roster.pk) in (SolveStatus.DONE, SolveStatus.STOPPED)
    roster.refresh_from_db()
    assert not Assignment.objects.filter(roster=roster).exists()
    client = token_client(manager)
    published = client.post(f"{API}/rosters/{roster.pk}/publish/")
    assert published.status_code == 200, published.json()
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.PUBLISHED
    for path in ("assignments/", "export.csv"):
        assert client.get(f"{API}/rosters/{roster.pk}/{path}").status_code == 200
