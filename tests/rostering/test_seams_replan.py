"""Re-plans meet swaps and other re-plans on the same published roster. A re-plan is drafted
from its parent as it stood; if the parent changed since (a swap approved on it) or was
replaced (another re-plan published), publishing the stale re-plan would silently undo that
change: it is refused (409 ``roster_state``), nothing archived. A swap of a roster a re-plan
replaced is no longer approvable."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import token_client
from rostering.models import Assignment, Roster, RosterPurpose, RosterStatus, SolveStatus, SwapRequest, SwapStatus
from tests.rostering.conftest import next_monday
from tests.rostering.test_seams_leave import published_week
from tests.rostering.test_setup_api import API, make_small_rota


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


def _replan(user, parent: Roster) -> Roster:
    return Roster.objects.create(
        rota=parent.rota,
        name=f"{parent.name} (re-plan)",
        first_day=parent.first_day,
        num_days=parent.num_days,
        purpose=RosterPurpose.REPLAN,
        parent=parent,
        solve_status=SolveStatus.DONE,
        objective=0,
        problem=parent.problem,
        created_by=user,
    )


def _swap(user, roster, staff, *, status, decided_at=None) -> SwapRequest:
    return SwapRequest.objects.create(
        roster=roster,
        requester=staff["Dr Reg"],
        requester_date=next_monday(),
        partner=staff["Dr Other"],
        status=status,
        decided_at=decided_at,
        created_by=user,
    )


def test_a_replan_drafted_before_a_swap_was_approved_on_its_parent_is_not_published(user, manager, small_rota):
    rota, staff = small_rota
    parent = published_week(user, rota, staff)
    replan = _replan(user, parent)
    _swap(user, parent, staff, status=SwapStatus.APPROVED, decided_at=timezone.now() + dt.timedelta(seconds=1))

    response = token_client(manager).post(f"{API}/rosters/{replan.pk}/publish/")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "roster_state"
    assert "swap" in response.json()["detail"] and "again" in response.json()["detail"]
    assert Roster.objects.get(pk=parent.pk).status == RosterStatus.PUBLISHED
    assert Roster.objects.get(pk=replan.pk).status == RosterStatus.DRAFT


def test_a_replan_of_a_roster_another_replan_replaced_is_not_published(user, manager, small_rota):
    rota, staff = small_rota
    parent = published_week(user, rota, staff)
    stale = _replan(user, parent)
    newer = _replan(user, parent)
    Roster.objects.filter(pk=parent.pk).update(status=RosterStatus.ARCHIVED)
    Roster.objects.filter(pk=newer.pk).update(status=RosterStatus.PUBLISHED)

    response = token_client(manager).post(f"{API}/rosters/{stale.pk}/publish/")
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "roster_state" and "no longer published" in response.json()["detail"]
    assert Roster.objects.get(pk=newer.pk).status == RosterStatus.PUBLISHED


def test_a_pending_swap_of_a_replaced_roster_can_only_be_declined(user, manager, small_rota):
    rota, staff = small_rota
    parent = published_week(user, rota, staff)
    swap = _swap(user, parent, staff, status=SwapStatus.PENDING)
    Roster.objects.filter(pk=parent.pk).update(status=RosterStatus.ARCHIVED)
    client = token_client(manager)
    before = list(Assignment.objects.filter(roster=parent).values_list("staff_id", "date"))

    approved = client.post(f"{API}/swaps/{swap.pk}/decide/", {"approve": True}, format="json")
    assert approved.status_code == 409 and approved.json()["code"] == "swap_state", approved.json()
    assert list(Assignment.objects.filter(roster=parent).values_list("staff_id", "date")) == before
    declined = client.post(f"{API}/swaps/{swap.pk}/decide/", {"approve": False}, format="json")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
