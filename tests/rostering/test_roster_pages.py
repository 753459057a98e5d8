"""Rosters' pages: a manager drafts a roster (solved by the eager task inside the request), sees
its progress and result, confirms and publishes it; a registrar sees only published rosters and
their calendars; another facility's member gets 404; why explains a cell."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from rostering.models import Assignment, Roster, RosterStatus, SolveStatus
from rostering.services import rosters
from scheduling.models import Role
from tests.rostering.conftest import next_monday

pytestmark = pytest.mark.django_db(transaction=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(facility, name, **kwargs):
    return reverse(f"rostering:{name}", kwargs={"facility_slug": facility.slug, **kwargs})


def _solved(facility, actor, rota, *, days=7) -> Roster:
    roster = rosters.roster_create(
        facility=facility, actor=actor, rota_id=rota.pk, first_day=next_monday(), num_days=days, time_limit_seconds=3
    )
    roster.refresh_from_db()
    assert roster.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED), roster.error
    return roster


def test_a_manager_drafts_follows_and_publishes_a_roster(facility, manager, rota):
    client = _client(manager)
    home = client.get(_url(facility, "home"))
    assert home.status_code == 200
    assert "Draft a roster" in home.content.decode() and rota.name in home.content.decode()

    bad = client.post(_url(facility, "home"), {"rota": rota.pk, "first_day": next_monday(), "num_days": 200})
    assert bad.status_code == 400 and not Roster.objects.exists()
    assert "num_days" in bad.content.decode() or "less than or equal to 91" in bad.content.decode()

    response = client.post(
        _url(facility, "home"),
        {"rota": rota.pk, "first_day": next_monday().isoformat(), "num_days": 7, "time_limit_seconds": 3},
    )
    roster = Roster.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(facility, "roster", roster_id=roster.pk)
    assert roster.status == RosterStatus.DRAFT and roster.created_by == manager

    page = client.get(response["Location"]).content.decode()
    roster.refresh_from_db()
    assert roster.solve_status in (SolveStatus.DONE, SolveStatus.STOPPED), roster.error
    assert "<h1>" in page and page.count("<h1") == 1
    assert f"<dd data-objective>{roster.objective}</dd>" in page
    assert "Gap" in page and "First feasible roster" in page
    assert 'data-check-ok="true"' in page
    assert "<svg" in page and "polyline" in page, "the progress chart"
    assert 'hx-trigger="every 1s"' not in page, "a finished solve no longer polls"
    for item in roster.result["soft_violations"][:3]:
        assert item["text"] in page.replace("&#x27;", "'")

    fragment = client.get(_url(facility, "roster-progress", roster_id=roster.pk), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and fragment["HX-Refresh"] == "true"

    confirm = client.get(_url(facility, "roster-publish", roster_id=roster.pk))
    assert confirm.status_code == 200 and "Publish this roster?" in confirm.content.decode()
    roster.refresh_from_db()
    assert roster.status == RosterStatus.DRAFT, "asking is not doing"
    published = client.post(_url(facility, "roster-publish", roster_id=roster.pk))
    assert published.status_code == 302
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED and roster.published_by == manager

    again = client.post(_url(facility, "roster-publish", roster_id=roster.pk))
    assert again.status_code == 409 and "Only a draft" in again.content.decode()

    stop = client.post(_url(facility, "roster-stop", roster_id=roster.pk), follow=True)
    assert "already ended" in stop.content.decode()

    archived = client.post(_url(facility, "roster-archive", roster_id=roster.pk))
    assert archived.status_code == 302
    roster.refresh_from_db()
    assert roster.status == RosterStatus.ARCHIVED


def test_a_running_solve_polls_and_offers_stop(facility, manager, rota):
    roster = Roster.objects.create(
        rota=rota,
        name="Queued",
        first_day=next_monday(),
        num_days=7,
        problem={"staff": []},
        created_by=manager,
        solve_status=SolveStatus.RUNNING,
        progress=[{"objective": 90, "bound": 10, "seconds": 0.5}, {"objective": 40, "bound": 20, "seconds": 1.5}],
    )
    page = _client(manager).get(_url(facility, "roster", roster_id=roster.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Refresh" in page
    assert "Stop and keep the best roster" in page and "<polyline" in page
    response = _client(manager).post(_url(facility, "roster-stop", roster_id=roster.pk))
    assert response.status_code == 302
    roster.refresh_from_db()
    assert roster.stop_requested


def test_a_registrar_sees_only_published_rosters_and_their_calendars(facility, manager, registrar, rota):
    roster = _solved(facility, manager, rota)
    client = _client(registrar)
    assert client.get(_url(facility, "roster", roster_id=roster.pk)).status_code == 404
    assert client.get(_url(facility, "roster-calendar", roster_id=roster.pk, by="person")).status_code == 404
    assert roster.name not in client.get(_url(facility, "home")).content.decode()
    assert client.post(_url(facility, "roster-publish", roster_id=roster.pk)).status_code == 403
    assert client.post(_url(facility, "home"), {"rota": rota.pk}).status_code == 403

    rosters.roster_publish(facility=facility, actor=manager, roster_id=roster.pk)
    home = client.get(_url(facility, "home")).content.decode()
    assert roster.name in home and "Draft a roster" not in home
    assert "My next shifts" in home
    first = Assignment.objects.filter(roster=roster, staff__resource__user=registrar).order_by("date").first()
    if first is not None:
        assert first.shift_type.name in home

    for by in ("person", "site", "shift"):
        calendar = client.get(_url(facility, "roster-calendar", roster_id=roster.pk, by=by))
        assert calendar.status_code == 200, by
        body = calendar.content.decode()
        assert f'data-calendar="{by}"' in body
        row = Assignment.objects.filter(roster=roster).select_related("staff__resource", "shift_type").first()
        assert row.staff.resource.name in body
        assert (
            _url(facility, "roster-why", roster_id=roster.pk, staff_id=row.staff_id, day=row.date.isoformat()) in body
        )
    assert client.get(_url(facility, "roster-calendar", roster_id=roster.pk, by="moon")).status_code == 404


def test_another_facility_gets_404(facility, other_facility, make_member, manager, rota):
    roster = _solved(facility, manager, rota, days=3)
    stranger = _client(make_member(other_facility, Role.MANAGER, username="elsewhere"))
    for name in ("roster", "roster-publish", "roster-csv"):
        assert stranger.get(_url(facility, name, roster_id=roster.pk)).status_code == 404
    other_url = reverse("rostering:roster", kwargs={"facility_slug": other_facility.slug, "roster_id": roster.pk})
    assert stranger.get(other_url).status_code == 404


def test_why_page_gives_the_reasons_of_a_cell(facility, manager, registrar, rota):
    roster = _solved(facility, manager, rota, days=3)
    rosters.roster_publish(facility=facility, actor=manager, roster_id=roster.pk)
    row = Assignment.objects.filter(roster=roster, skill__gt="").select_related("staff__resource").first()
    response = _client(registrar).get(
        _url(facility, "roster-why", roster_id=roster.pk, staff_id=row.staff_id, day=row.date.isoformat())
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-reasons" in body and row.staff.resource.name in body
    assert "covering" in body or "Without it" in body or "costs" in body
    outside = roster.last_day + dt.timedelta(days=5)
    assert (
        _client(registrar)
        .get(_url(facility, "roster-why", roster_id=roster.pk, staff_id=row.staff_id, day=outside.isoformat()))
        .status_code
        == 404
    )
