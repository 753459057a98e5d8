"""Leave meets a published roster: approving leave (or entering it approved) for someone who has
published shifts during it tells the manager which shifts clash and points at a re-plan; nothing
is re-planned by itself."""

import datetime as dt

import pytest

from conftest import token_client
from rostering.models import Assignment, Leave, LeaveStatus, Roster, RosterStatus, ShiftType, SolveStatus
from rostering.services import requests
from rostering.services.problem import problem_build
from tests.rostering.conftest import next_monday
from tests.rostering.test_setup_api import API, make_small_rota


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


def published_week(user, rota, staff: dict, *, status=RosterStatus.PUBLISHED) -> Roster:
    """A week from next Monday, published as is (the rows written here, not solved): Dr Reg
    on days Monday to Wednesday."""
    monday = next_monday()
    roster = Roster.objects.create(
        rota=rota,
        name="Week one",
        first_day=monday,
        num_days=7,
        status=status,
        solve_status=SolveStatus.DONE,
        objective=0,
        problem=problem_build(rota=rota, first_day=monday, num_days=7).to_dict(),
        created_by=user,
    )
    day = ShiftType.objects.get(rota=rota, code="D")
    for offset in range(3):
        Assignment.objects.create(
            roster=roster, staff=staff["Dr Reg"], date=monday + dt.timedelta(days=offset), shift_type=day
        )
    return roster


def test_approving_leave_over_published_shifts_names_them_and_points_at_a_replan(facility, user, manager, small_rota):
    rota, staff = small_rota
    roster = published_week(user, rota, staff)
    monday = next_monday()
    leave = requests.leave_create(
        facility=facility,
        actor=user,
        staff=staff["Dr Reg"].pk,
        first_day=monday + dt.timedelta(days=1),
        last_day=monday + dt.timedelta(days=5),
    )
    response = token_client(manager).post(f"{API}/leave/{leave.pk}/decide/", {"decision": "approve"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert [(row["date"], row["shift_code"], row["roster"]) for row in body["clashes"]] == [
        ((monday + dt.timedelta(days=1)).isoformat(), "D", roster.pk),
        ((monday + dt.timedelta(days=2)).isoformat(), "D", roster.pk),
    ]
    assert "re-plan" in body["clashes"][0]["advice"]
    # Nothing re-planned by itself: the published roster and its rows stay.
    assert Roster.objects.filter(rota=rota).count() == 1
    assert Assignment.objects.filter(roster=roster).count() == 3


def test_leave_entered_approved_answers_with_its_clashes_and_declined_leave_has_none(
    facility, user, manager, small_rota
):
    rota, staff = small_rota
    published_week(user, rota, staff)
    monday = next_monday()
    client = token_client(manager)
    entered = client.post(
        f"{API}/leave/",
        {
            "staff": staff["Dr Reg"].pk,
            "first_day": monday.isoformat(),
            "last_day": monday.isoformat(),
            "status": "approved",
            "kind": "sick",
        },
        format="json",
    )
    assert entered.status_code == 201, entered.json()
    assert [row["date"] for row in entered.json()["clashes"]] == [monday.isoformat()]

    asked = requests.leave_create(
        facility=facility, actor=user, staff=staff["Dr Reg"].pk, first_day=monday, last_day=monday
    )
    declined = client.post(f"{API}/leave/{asked.pk}/decide/", {"decision": "decline"}, format="json")
    assert declined.status_code == 200 and declined.json()["clashes"] == []
    # Leave of someone without shifts, or over a draft's shifts only, clashes with nothing.
    other = client.post(
        f"{API}/leave/",
        {
            "staff": staff["Dr Other"].pk,
            "first_day": monday.isoformat(),
            "last_day": monday.isoformat(),
            "status": "approved",
        },
        format="json",
    )
    assert other.json()["clashes"] == []


def test_a_draft_roster_is_no_clash(facility, user, small_rota):
    rota, staff = small_rota
    published_week(user, rota, staff, status=RosterStatus.DRAFT)
    monday = next_monday()
    leave = requests.leave_create(
        facility=facility,
        actor=user,
        staff=staff["Dr Reg"].pk,
        first_day=monday,
        last_day=monday,
        status=LeaveStatus.APPROVED,
    )
    assert leave.clashes == []


def test_the_leave_page_warns_the_manager_of_the_clashing_shifts(facility, user, manager, small_rota, client):
    rota, staff = small_rota
    published_week(user, rota, staff)
    monday = next_monday()
    leave = requests.leave_create(
        facility=facility,
        actor=user,
        staff=staff["Dr Reg"].pk,
        first_day=monday,
        last_day=monday + dt.timedelta(days=6),
    )
    client.force_login(manager)
    response = client.post(
        f"/f/{facility.slug}/rostering/leave/{leave.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 published shift(s)" in page
    assert "Week one" in page and "re-plan" in page
    assert Leave.objects.get(pk=leave.pk).status == LeaveStatus.APPROVED
