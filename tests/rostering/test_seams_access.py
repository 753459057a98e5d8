"""Every path to a roster keeps drafts and what-ifs from a registrar (404, as if absent), and
another facility's rota, people and rosters are never reached through ids in a body or a path:
400 naming the field or 404, nothing written. Bad input on rostering's POSTs is 400 naming the
field with nothing written."""

import datetime as dt

import pytest

from conftest import token_client
from rostering.models import Leave, Preference, Roster, RosterPurpose, RosterStatus, SwapRequest
from rostering.services.loading import rota_from_problem
from scheduling.models import Role
from tests.rostering.conftest import next_monday
from tests.rostering.test_seams_leave import published_week
from tests.rostering.test_setup_api import API, make_small_rota

OTHER_API = "/api/v1/facilities/facility-b/rostering"


@pytest.fixture
def small_rota(facility, user, registrar, other_registrar):
    return make_small_rota(facility, user, {"Dr Reg": registrar, "Dr Other": other_registrar})


@pytest.mark.parametrize("purpose", [RosterPurpose.PLAN, RosterPurpose.WHAT_IF])
def test_a_registrar_reaches_no_draft_or_what_if_by_any_path(facility, user, registrar, small_rota, client, purpose):
    rota, staff = small_rota
    draft = published_week(user, rota, staff, status=RosterStatus.DRAFT)
    Roster.objects.filter(pk=draft.pk).update(purpose=purpose)
    me = staff["Dr Reg"].pk
    monday = next_monday().isoformat()
    api = token_client(registrar)
    for path in (
        f"rosters/{draft.pk}/",
        f"rosters/{draft.pk}/history/",
        f"rosters/{draft.pk}/assignments/",
        f"rosters/{draft.pk}/why/?staff={me}&date={monday}",
        f"rosters/{draft.pk}/export.csv",
        f"rosters/{draft.pk}/staff/{me}/calendar.ics",
        f"rosters/{draft.pk}/diff/",
    ):
        assert api.get(f"{API}/{path}").status_code == 404, path
    assert draft.pk not in [row["id"] for row in api.get(f"{API}/rosters/").json()["results"]]
    assert api.get(f"{API}/swaps/?roster={draft.pk}").status_code in (200, 404)
    swap = api.post(
        f"{API}/swaps/",
        {"roster": draft.pk, "requester_date": monday, "partner": staff["Dr Other"].pk},
        format="json",
    )
    assert swap.status_code in (400, 404) and not SwapRequest.objects.exists()

    client.force_login(registrar)
    base = f"/f/{facility.slug}/rostering/rosters/{draft.pk}"
    for path in (
        "/",
        "/progress/",
        "/calendar/person/",
        f"/why/{me}/{monday}/",
        "/roster.csv",
        f"/staff/{me}/roster.csv",
        f"/staff/{me}/calendar.ics",
        "/diff/",
        "/change/",
    ):
        assert client.get(base + path).status_code == 404, path
    answer = api.post(f"{API}/assistant/", {"question": "show next week's schedule"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["data"] is None and "No published roster" in answer.json()["text"], answer.json()


def test_another_facilitys_ids_reach_nothing(facility, other_facility, user, make_member, small_rota, small_problem):
    rota, staff = small_rota
    roster = published_week(user, rota, staff)
    other_admin = make_member(other_facility, Role.ADMIN, username="bob-admin")
    theirs = token_client(other_admin)
    # Their own rota in their facility, to name ours in its bodies.
    their_rota, their_staff = rota_from_problem(
        facility=other_facility, actor=other_admin, problem=small_problem, name="Theirs", solve_seconds=5
    )
    monday = next_monday().isoformat()
    for method, path, body in (
        ("get", f"rosters/{roster.pk}/", None),
        ("post", f"rosters/{roster.pk}/publish/", {}),
        ("post", f"rosters/{roster.pk}/archive/", {}),
        (
            "post",
            f"rosters/{roster.pk}/replan/",
            {"staff": staff["Dr Reg"].pk, "first_day": monday, "last_day": monday},
        ),
        ("get", f"rotas/{rota.pk}/staff/", None),
        ("delete", f"rotas/{rota.pk}/staff/{staff['Dr Reg'].pk}/", None),
    ):
        response = getattr(theirs, method)(f"{OTHER_API}/{path}", body, format="json")
        assert response.status_code == 404, (path, response.status_code)
    for path, body, field in (
        ("rosters/", {"rota": rota.pk, "first_day": monday, "num_days": 7}, "rota"),
        ("swaps/", {"roster": roster.pk, "requester_date": monday, "partner": staff["Dr Reg"].pk}, "roster"),
        ("leave/", {"staff": staff["Dr Reg"].pk, "first_day": monday, "last_day": monday}, "staff"),
        ("preferences/", {"staff": staff["Dr Reg"].pk, "date": monday}, "staff"),
        (f"rotas/{their_rota.pk}/staff/", {"resource": staff["Dr Reg"].resource_id, "contract": 1}, "resource"),
    ):
        response = theirs.post(f"{OTHER_API}/{path}", body, format="json")
        assert response.status_code in (400, 404), (path, response.status_code, response.content)
        if response.status_code == 400:
            assert field in response.json()["fields"], (path, response.json())
    assert Roster.objects.filter(rota=their_rota).count() == 0
    assert not SwapRequest.objects.exists()
    assert not Leave.objects.filter(staff__rota=rota).exists()
    assert not Preference.objects.filter(staff__rota=rota).exists()
    assert Roster.objects.get(pk=roster.pk).status == RosterStatus.PUBLISHED


def test_bad_input_on_rostering_posts_names_the_field_and_writes_nothing(user, manager, small_rota):
    rota, staff = small_rota
    roster = published_week(user, rota, staff)
    client = token_client(manager)
    monday = next_monday()
    me = staff["Dr Reg"].pk
    cases = [
        ("rosters/", {"rota": rota.pk, "first_day": monday.isoformat(), "num_days": "seven"}, "num_days"),
        ("rosters/", {"rota": rota.pk, "first_day": monday.isoformat(), "num_days": 10**9}, "num_days"),
        ("rosters/", {"rota": rota.pk, "first_day": "9999-12-31", "num_days": 7}, "first_day"),
        ("rosters/", {"rota": "x", "first_day": monday.isoformat(), "num_days": 7}, "rota"),
        ("rosters/", {"rota": rota.pk, "first_day": monday.isoformat(), "num_days": 7, "colour": 1}, "colour"),
        (
            "rosters/",
            {"rota": rota.pk, "first_day": monday.isoformat(), "num_days": 7, "time_limit_seconds": 10**6},
            "time_limit_seconds",
        ),
        (
            f"rosters/{roster.pk}/replan/",
            {"staff": "me", "first_day": monday.isoformat(), "last_day": monday.isoformat()},
            "staff",
        ),
        (
            f"rosters/{roster.pk}/replan/",
            {"staff": me, "first_day": monday.isoformat(), "last_day": (monday - dt.timedelta(days=3)).isoformat()},
            "last_day",
        ),
        (
            f"rosters/{roster.pk}/replan/",
            {"staff": me, "first_day": "0001-01-01", "last_day": "9999-12-31"},
            "first_day",
        ),
        (
            f"rosters/{roster.pk}/replan/",
            {"staff": me, "first_day": monday.isoformat(), "last_day": monday.isoformat(), "time_limit_seconds": "x"},
            "time_limit_seconds",
        ),
        (f"rosters/{roster.pk}/what-if/", {"coverage": []}, "coverage"),
        (
            f"rosters/{roster.pk}/what-if/",
            {"coverage": [{"date": monday.isoformat(), "shift_code": "D", "skill": "REG", "minimum": "many"}]},
            "coverage",
        ),
        (
            f"rosters/{roster.pk}/what-if/",
            {"coverage": [{"date": "2099-01-01", "shift_code": "D", "skill": "REG", "minimum": 1}]},
            "coverage.0.date",
        ),
        (
            f"rosters/{roster.pk}/emergency-cover/",
            {"date": monday.isoformat(), "shift_code": "ZZ", "skill": "REG", "minimum": 2},
            "shift_code",
        ),
        (
            "swaps/",
            {"roster": roster.pk, "requester": me, "requester_date": "someday", "partner": me},
            "requester_date",
        ),
        ("leave/", {"staff": me, "first_day": monday.isoformat(), "last_day": "2200-01-01"}, "last_day"),
        ("preferences/", {"staff": me, "date": monday.isoformat(), "priority": 99}, "priority"),
    ]
    for path, body, field in cases:
        response = client.post(f"{API}/{path}", body, format="json")
        assert response.status_code == 400, (path, body, response.status_code, response.content[:300])
        assert field in response.json()["fields"], (path, body, response.json())
    assert Roster.objects.count() == 1
    assert not SwapRequest.objects.exists() and not Leave.objects.exists() and not Preference.objects.exists()
