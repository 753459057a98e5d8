"""“My requests” and the manager's leave page: a registrar asks for leave and preferences and
sees only their own, a manager approves; errors next to the field, nothing saved."""

import datetime as dt

import pytest
from django.test import Client

from rostering.models import Leave, LeaveStatus, Preference
from tests.rostering.conftest import next_monday
from tests.rostering.test_setup_api import make_small_rota

PAGES = "/f/facility-a/rostering"


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_registrar_asks_and_a_manager_approves(registrar, other_registrar, manager, small_rota):
    _, staff = small_rota
    monday = next_monday()
    client = _client(registrar)
    page = client.get(f"{PAGES}/requests/")
    assert page.status_code == 200 and "<h1>My requests</h1>" in page.content.decode()
    response = client.post(
        f"{PAGES}/requests/",
        {
            "what": "leave",
            "leave-first_day": monday.isoformat(),
            "leave-last_day": (monday + dt.timedelta(days=1)).isoformat(),
            "leave-kind": "study",
            "leave-reason": "Course",
        },
    )
    assert response.status_code == 302
    leave = Leave.objects.get(staff=staff["Dr Reg"])
    assert leave.status == LeaveStatus.REQUESTED
    response = client.post(
        f"{PAGES}/requests/",
        {
            "what": "preference",
            "preference-date": monday.isoformat(),
            "preference-want": "False",
            "preference-priority": "4",
        },
    )
    assert response.status_code == 302 and Preference.objects.filter(staff=staff["Dr Reg"], priority=4).exists()

    # Someone else's request is not shown to the registrar, and cannot be cancelled by them.
    other = Leave.objects.create(staff=staff["Dr Other"], first_day=monday, last_day=monday)
    page = client.get(f"{PAGES}/requests/").content.decode()
    assert "Course" in page and "Dr Other" not in page
    assert client.post(f"{PAGES}/requests/leave/{other.pk}/remove/").status_code == 404
    assert Leave.objects.filter(pk=other.pk).exists()
    assert client.get(f"{PAGES}/leave/").status_code == 403

    boss = _client(manager)
    page = boss.get(f"{PAGES}/leave/").content.decode()
    assert "<h1>Leave and preferences</h1>" in page and "Dr Other" in page and "Dr Reg" in page
    response = boss.post(f"{PAGES}/leave/{leave.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED


def test_errors_are_shown_next_to_the_field_and_nothing_is_saved(registrar, small_rota):
    monday = next_monday()
    response = _client(registrar).post(
        f"{PAGES}/requests/",
        {
            "what": "leave",
            "leave-first_day": monday.isoformat(),
            "leave-last_day": (monday - dt.timedelta(days=3)).isoformat(),
            "leave-kind": "annual",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_leave-last_day_error"' in page and "Not before the start." in page
    assert not Leave.objects.exists()


def test_a_member_on_no_rota_is_told_so(facility, make_member, small_rota):
    from scheduling.models import Role

    desk = _client(make_member(facility, Role.SCHEDULER, username="desk"))
    page = desk.get(f"{PAGES}/requests/")
    assert page.status_code == 200 and "You are not on any rota" in page.content.decode()
