"""Leave and preferences through the API: a registrar sees and changes only their own (someone
else's is 404, not 403), a manager sees everyone's and decides leave, a member on no rota is
told so, bad dates are 400 naming the field; requested and approved leave reach the problem."""

import datetime as dt

import pytest

from conftest import token_client
from rostering.models import Leave, LeaveStatus, Preference
from rostering.services.problem import problem_build
from scheduling.models import Role
from tests.rostering.conftest import next_monday
from tests.rostering.test_setup_api import API, make_small_rota


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


def _leave(client, first: dt.date, last: dt.date, **extra):
    return client.post(
        f"{API}/leave/", {"first_day": first.isoformat(), "last_day": last.isoformat(), **extra}, format="json"
    )


def test_a_registrar_asks_for_leave_and_sees_only_their_own(registrar, other_registrar, manager, small_rota):
    rota, staff = small_rota
    monday = next_monday()
    mine = _leave(token_client(registrar), monday, monday + dt.timedelta(days=2), reason="Conference")
    assert mine.status_code == 201, mine.json()
    assert mine.json()["status"] == "requested" and mine.json()["staff"] == staff["Dr Reg"].pk
    theirs = _leave(token_client(other_registrar), monday, monday)
    assert theirs.status_code == 201

    listed = token_client(registrar).get(f"{API}/leave/").json()
    assert [row["id"] for row in listed] == [mine.json()["id"]]
    assert {row["id"] for row in token_client(manager).get(f"{API}/leave/").json()} == {
        mine.json()["id"],
        theirs.json()["id"],
    }

    # Someone else's leave does not exist for a registrar: 404 on every write, nothing changed.
    other_id = theirs.json()["id"]
    client = token_client(registrar)
    assert client.delete(f"{API}/leave/{other_id}/").status_code == 404
    assert client.patch(f"{API}/leave/{other_id}/", {"reason": "x"}, format="json").status_code == 404
    assert Leave.objects.filter(pk=other_id, reason="").exists()
    # Nor may a registrar ask for someone else, or approve their own.
    response = _leave(client, monday, monday, staff=staff["Dr Other"].pk)
    assert response.status_code == 400 and "staff" in response.json()["fields"]
    response = _leave(client, monday, monday, status="approved")
    assert response.status_code == 403
    assert (
        client.post(f"{API}/leave/{mine.json()['id']}/decide/", {"decision": "approve"}, format="json").status_code
        == 403
    )

    # Requested leave is a wish to be off; approved leave is leave.
    problem = problem_build(rota=rota, first_day=monday, num_days=7)
    person = str(staff["Dr Reg"].pk)
    assert [p.day for p in problem.preferences if p.person == person and p.reason == "leave requested"] == [0, 1, 2]
    decided = token_client(manager).post(
        f"{API}/leave/{mine.json()['id']}/decide/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    problem = problem_build(rota=rota, first_day=monday, num_days=7)
    assert any(item.person == person and (item.first_day, item.last_day) == (0, 2) for item in problem.leave)
    again = token_client(manager).post(
        f"{API}/leave/{mine.json()['id']}/decide/", {"decision": "decline"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "leave_decided"
    # Decided leave is the manager's to change now; its owner may still cancel it.
    assert client.patch(f"{API}/leave/{mine.json()['id']}/", {"reason": "x"}, format="json").status_code == 409
    assert client.delete(f"{API}/leave/{mine.json()['id']}/").status_code == 204
    assert not Leave.objects.filter(pk=mine.json()["id"]).exists()


def test_a_manager_gives_approved_leave_to_anyone(manager, small_rota):
    _, staff = small_rota
    monday = next_monday()
    response = _leave(
        token_client(manager), monday, monday, staff=staff["Dr Other"].pk, status="approved", kind="study"
    )
    assert response.status_code == 201, response.json()
    leave = Leave.objects.get(pk=response.json()["id"])
    assert (leave.status, leave.kind, leave.staff_id) == (LeaveStatus.APPROVED, "study", staff["Dr Other"].pk)
    assert leave.history.first().history_user == manager


def test_bad_dates_name_the_field_and_write_nothing(registrar, small_rota):
    client = token_client(registrar)
    monday = next_monday()
    response = _leave(client, monday, monday - dt.timedelta(days=1))
    assert response.status_code == 400 and "last_day" in response.json()["fields"]
    response = _leave(client, dt.date(1990, 1, 1), monday)
    assert response.status_code == 400 and "first_day" in response.json()["fields"]
    response = client.post(f"{API}/leave/", {"first_day": "2026-02-30", "last_day": "x"}, format="json")
    assert response.status_code == 400
    response = client.post(f"{API}/preferences/", {"date": monday.isoformat(), "priority": 9}, format="json")
    assert response.status_code == 400 and "priority" in response.json()["fields"]
    assert not Leave.objects.exists() and not Preference.objects.exists()


def test_a_member_on_no_rota_is_told_so(facility, make_member, small_rota):
    scheduler = token_client(make_member(facility, Role.SCHEDULER, username="desk"))
    response = _leave(scheduler, next_monday(), next_monday())
    assert response.status_code == 403 and response.json()["code"] == "not_rostered"
    analyst = token_client(make_member(facility, Role.ANALYST, username="numbers"))
    assert analyst.get(f"{API}/leave/").status_code == 403


def test_preferences_are_own_only_and_reach_the_problem(registrar, other_registrar, manager, small_rota):
    rota, staff = small_rota
    monday = next_monday()
    night = rota.shift_types.get(code="N")
    client = token_client(registrar)
    response = client.post(
        f"{API}/preferences/",
        {"date": monday.isoformat(), "shift_type": night.pk, "want": False, "priority": 4, "reason": "Childcare"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    mine = response.json()["id"]
    theirs = token_client(other_registrar).post(
        f"{API}/preferences/", {"date": monday.isoformat(), "want": True}, format="json"
    )
    assert theirs.status_code == 201
    assert [row["id"] for row in client.get(f"{API}/preferences/").json()] == [mine]
    assert len(token_client(manager).get(f"{API}/preferences/").json()) == 2
    other_id = theirs.json()["id"]
    assert client.patch(f"{API}/preferences/{other_id}/", {"priority": 5}, format="json").status_code == 404
    assert client.delete(f"{API}/preferences/{other_id}/").status_code == 404
    assert Preference.objects.get(pk=other_id).priority == 1

    changed = client.patch(f"{API}/preferences/{mine}/", {"priority": 5}, format="json")
    assert changed.status_code == 200 and changed.json()["priority"] == 5
    problem = problem_build(rota=rota, first_day=monday, num_days=7)
    wish = next(p for p in problem.preferences if p.person == str(staff["Dr Reg"].pk))
    assert (wish.day, wish.shift, wish.want, wish.weight) == (0, "N", False, 5)
    assert client.delete(f"{API}/preferences/{mine}/").status_code == 204
