"""Rosters' API: drafting (solved by the eager task inside the request), the detail with its
result and the checker's report, stop, publish, archive, assignments, why, the CSV and a
person's ICS; each answer's status and body, the rows it leaves, and each permission boundary."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from conftest import token_client
from rostering.models import Assignment, Roster, RosterStatus, SolveStatus, StaffMember
from scheduling.models import Role
from tests.rostering.conftest import next_monday

pytestmark = pytest.mark.django_db(transaction=True)


def _url(facility, name, **kwargs):
    return reverse(f"rostering-{name}", kwargs={"facility_slug": facility.slug, **kwargs})


def _create(client, facility, rota, **fields):
    body = {"rota": rota.pk, "first_day": next_monday().isoformat(), "num_days": 7, "time_limit_seconds": 3, **fields}
    return client.post(_url(facility, "roster-list"), body, format="json")


@pytest.fixture
def solved(facility, manager, rota):
    response = _create(token_client(manager), facility, rota)
    assert response.status_code == 201, response.content
    roster = Roster.objects.get(pk=response.json()["id"])
    assert roster.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED), roster.error
    return roster


def test_rotas_list_their_shift_types(facility, registrar, rota):
    body = token_client(registrar).get(_url(facility, "rota-list")).json()
    assert body["count"] == 1
    entry = body["results"][0]
    assert entry["id"] == rota.pk and entry["name"] == rota.name
    assert {shift["code"] for shift in entry["shift_types"]} == set(rota.shift_types.values_list("code", flat=True))


def test_create_validates_and_names_the_field(facility, manager, registrar, other_facility, make_member, rota):
    client = token_client(manager)
    for field, value in (("num_days", 0), ("num_days", 92), ("time_limit_seconds", 601), ("first_day", "soon")):
        response = _create(client, facility, rota, **{field: value})
        assert response.status_code == 400 and field in response.json()["fields"], (field, response.json())
    unknown = _create(client, facility, rota, colour="red")
    assert unknown.status_code == 400 and "colour" in unknown.json()["fields"]
    foreign = make_member(other_facility, Role.MANAGER, username="b-manager")
    stranger_rota = _create(token_client(foreign), other_facility, rota)
    assert stranger_rota.status_code == 400 and "rota" in stranger_rota.json()["fields"]
    refused = _create(token_client(registrar), facility, rota)
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert not Roster.objects.exists()


def test_a_roster_is_created_solved_published_and_archived(facility, manager, solved):
    client = token_client(manager)
    detail = client.get(_url(facility, "roster-detail", pk=solved.pk)).json()
    assert detail["status"] == "draft" and detail["solve_status"] in ("done", "stopped")
    assert detail["objective"] == solved.objective and detail["check_report"]["ok"] is True
    assert detail["gap"] is not None and detail["solve_seconds"] > 0
    assert detail["progress"] and {"objective", "bound", "seconds"} <= set(detail["progress"][0])
    assert "soft_violations" in detail["result"] and detail["last_day"] == solved.last_day.isoformat()
    assert detail["created_by"] == manager.username

    listed = client.get(_url(facility, "roster-list"), {"status": "draft"}).json()
    assert [item["id"] for item in listed["results"]] == [solved.pk]
    assert client.get(_url(facility, "roster-list"), {"status": "published"}).json()["count"] == 0
    assert client.get(_url(facility, "roster-list"), {"status": "lost"}).status_code == 400
    assert client.get(_url(facility, "roster-list"), {"rota": 999999}).status_code == 400

    stop = client.post(_url(facility, "roster-stop", pk=solved.pk))
    assert stop.status_code == 409 and stop.json()["code"] == "roster_state"

    published = client.post(_url(facility, "roster-publish", pk=solved.pk))
    assert published.status_code == 200 and published.json()["status"] == "published"
    solved.refresh_from_db()
    assert solved.status == RosterStatus.PUBLISHED and solved.published_by == manager
    again = client.post(_url(facility, "roster-publish", pk=solved.pk))
    assert again.status_code == 409 and again.json()["code"] == "roster_state"

    archived = client.post(_url(facility, "roster-archive", pk=solved.pk))
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert Roster.objects.get(pk=solved.pk).status == RosterStatus.ARCHIVED
    assert client.post(_url(facility, "roster-archive", pk=solved.pk)).status_code == 409
    history = client.get(_url(facility, "roster-history", pk=solved.pk)).json()
    assert history["count"] >= 3


def test_a_registrar_cannot_see_drafts_and_cannot_manage(facility, manager, registrar, solved):
    client = token_client(registrar)
    assert client.get(_url(facility, "roster-detail", pk=solved.pk)).status_code == 404
    assert client.get(_url(facility, "roster-list")).json()["count"] == 0
    assert client.get(_url(facility, "roster-csv", pk=solved.pk)).status_code == 404
    token_client(manager).post(_url(facility, "roster-publish", pk=solved.pk))
    assert client.get(_url(facility, "roster-detail", pk=solved.pk)).status_code == 200
    for move in ("stop", "publish", "archive"):
        refused = client.post(_url(facility, f"roster-{move}", pk=solved.pk))
        assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert Roster.objects.get(pk=solved.pk).status == RosterStatus.PUBLISHED


def test_another_facility_gets_404(facility, other_facility, make_member, solved):
    stranger = token_client(make_member(other_facility, Role.ADMIN, username="b-admin"))
    assert stranger.get(_url(facility, "roster-detail", pk=solved.pk)).status_code == 404
    assert stranger.get(_url(other_facility, "roster-detail", pk=solved.pk)).status_code == 404
    assert stranger.post(_url(other_facility, "roster-publish", pk=solved.pk)).status_code == 404


def test_assignments_filter_by_person_and_days(facility, manager, solved):
    client = token_client(manager)
    everything = client.get(_url(facility, "roster-assignments", pk=solved.pk), {"page_size": 500}).json()
    assert everything["count"] == Assignment.objects.filter(roster=solved).count()
    row = Assignment.objects.filter(roster=solved).select_related("shift_type").first()
    mine = client.get(
        _url(facility, "roster-assignments", pk=solved.pk),
        {"staff": row.staff_id, "from": row.date.isoformat(), "to": row.date.isoformat()},
    ).json()
    assert mine["count"] == 1
    item = mine["results"][0]
    assert (
        item["staff"] == row.staff_id and item["shift"] == row.shift_type.code and item["date"] == row.date.isoformat()
    )
    assert dt.datetime.fromisoformat(item["end"]) > dt.datetime.fromisoformat(item["start"])
    bad = client.get(_url(facility, "roster-assignments", pk=solved.pk), {"from": "yesterday"})
    assert bad.status_code == 400 and "from" in bad.json()["fields"]


def test_why_explains_an_assignment(facility, manager, registrar, solved):
    token_client(manager).post(_url(facility, "roster-publish", pk=solved.pk))
    row = Assignment.objects.filter(roster=solved, skill__gt="").select_related("shift_type").first()
    response = token_client(registrar).get(
        _url(facility, "roster-why", pk=solved.pk), {"staff": row.staff_id, "date": row.date.isoformat()}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["shift"] == row.shift_type.code and body["staff"] == row.staff_id
    assert body["reasons"] and body["text"]
    outside = token_client(registrar).get(
        _url(facility, "roster-why", pk=solved.pk),
        {"staff": row.staff_id, "date": (solved.last_day + dt.timedelta(days=1)).isoformat()},
    )
    assert outside.status_code == 400 and "date" in outside.json()["fields"]
    missing = token_client(registrar).get(_url(facility, "roster-why", pk=solved.pk), {"date": row.date.isoformat()})
    assert missing.status_code == 400 and "staff" in missing.json()["fields"]


def test_csv_and_ics_exports(facility, manager, registrar, other_registrar, solved):
    manager_client = token_client(manager)
    response = manager_client.get(_url(facility, "roster-csv", pk=solved.pk), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == Assignment.objects.filter(roster=solved).count()

    me = StaffMember.objects.get(rota=solved.rota, resource__user=registrar)
    other = StaffMember.objects.get(rota=solved.rota, resource__user=other_registrar)
    manager_client.post(_url(facility, "roster-publish", pk=solved.pk))
    mine = token_client(registrar).get(_url(facility, "roster-staff-ics", pk=solved.pk, staff_id=me.pk))
    assert mine.status_code == 200 and mine["Content-Type"] == "text/calendar; charset=utf-8"
    text = mine.content.decode()
    assert (
        text.startswith("BEGIN:VCALENDAR\r\n")
        and text.count("BEGIN:VEVENT") == Assignment.objects.filter(roster=solved, staff=me).count()
    )
    refused = token_client(registrar).get(_url(facility, "roster-staff-ics", pk=solved.pk, staff_id=other.pk))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert manager_client.get(_url(facility, "roster-staff-ics", pk=solved.pk, staff_id=other.pk)).status_code == 200
    assert token_client(registrar).get(_url(facility, "roster-csv", pk=solved.pk)).status_code == 200
