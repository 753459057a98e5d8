"""The change API and pages: re-plan and diff, swaps with their permission boundaries, and the
pages a manager and a registrar use."""

import datetime as dt

import pytest
from django.test import Client

from conftest import token_client
from rostering import selectors
from rostering.models import Assignment, Roster, RosterPurpose, StaffMember, SwapRequest
from scheduling.models import Role

pytestmark = pytest.mark.django_db(transaction=True)


def _url(facility, rest: str) -> str:
    return f"/api/v1/facilities/{facility.slug}/rostering/{rest}"


def _page(facility, rest: str) -> str:
    return f"/f/{facility.slug}/rostering/{rest}"


def _busy(roster, day_offset=3):
    day = roster.first_day + dt.timedelta(days=day_offset)
    return Assignment.objects.filter(roster=roster, date=day).first()


def test_replan_and_diff_through_the_api(facility, manager, other_facility, make_member, published_roster):
    roster = published_roster
    client = token_client(manager)
    row = _busy(roster)
    refused = client.post(_url(facility, f"rosters/{roster.pk}/replan/"), {"staff": row.staff_id}, format="json")
    assert refused.status_code == 400 and {"first_day", "last_day"} <= refused.json()["fields"].keys()
    body = {"staff": row.staff_id, "first_day": row.date.isoformat(), "last_day": row.date.isoformat(), "reason": "Flu"}
    made = client.post(_url(facility, f"rosters/{roster.pk}/replan/"), body, format="json")
    assert made.status_code == 201, made.content
    replan = made.json()
    assert (replan["purpose"], replan["parent"], replan["status"]) == ("replan", roster.pk, "draft")

    diff = client.get(_url(facility, f"rosters/{replan['id']}/diff/"))
    assert diff.status_code == 200, diff.content
    data = diff.json()
    assert data["base"] == roster.pk and data["summary"]["changed"] == len(data["changes"]) >= 1
    assert {"staff_id": row.staff_id, "date": row.date.isoformat(), "after": None}.items() <= next(
        item for item in data["changes"] if item["staff_id"] == row.staff_id
    ).items()
    no_parent = client.get(_url(facility, f"rosters/{roster.pk}/diff/"))
    assert no_parent.status_code == 400 and "against" in no_parent.json()["fields"]
    against = client.get(_url(facility, f"rosters/{roster.pk}/diff/"), {"against": replan["id"]})
    assert against.status_code == 200 and against.json()["summary"]["changed"] == data["summary"]["changed"]

    # The replan's page shows the diff; its parent's change page has the forms.
    browser = Client()
    browser.force_login(manager)
    page = browser.get(_page(facility, f"rosters/{replan['id']}/diff/")).content.decode()
    assert "<h1>" in page and row.staff.resource.name in page and 'id="diff-summary"' in page
    change_page = browser.get(_page(facility, f"rosters/{roster.pk}/change/")).content.decode()
    for label in ("Sick leave", "Emergency cover", "What if", "First day off sick"):
        assert label in change_page

    # A registrar may not re-plan; another facility's roster is not found.
    registrar_client = token_client(StaffMember.objects.filter(resource__user__isnull=False).first().resource.user)
    assert registrar_client.post(_url(facility, f"rosters/{roster.pk}/replan/"), body, format="json").status_code == 403
    stranger = token_client(make_member(other_facility, Role.ADMIN, username="elsewhere"))
    assert stranger.get(_url(other_facility, f"rosters/{replan['id']}/diff/")).status_code == 404
    assert stranger.post(_url(other_facility, f"rosters/{roster.pk}/replan/"), body, format="json").status_code == 404
    assert Roster.objects.filter(purpose=RosterPurpose.REPLAN).count() == 1


def test_swaps_through_the_api_and_pages(facility, manager, registrar, other_registrar, published_roster):
    roster = published_roster
    mine = selectors.staff_for_user(facility=facility, user=registrar).get()
    theirs = selectors.staff_for_user(facility=facility, user=other_registrar).get()
    client = token_client(registrar)
    their_row = Assignment.objects.filter(roster=roster, staff=theirs).first()
    body = {
        "roster": roster.pk,
        "requester": theirs.pk,
        "requester_date": their_row.date.isoformat(),
        "partner": mine.pk,
    }
    assert client.post(_url(facility, "swaps/"), body, format="json").status_code == 403
    bad = client.post(
        _url(facility, "swaps/"), {"roster": roster.pk, "requester_date": "soon", "partner": theirs.pk}, format="json"
    )
    assert bad.status_code == 400 and "requester_date" in bad.json()["fields"]
    assert not SwapRequest.objects.exists()

    # The registrar's own shift, given to anyone the rules allow, else exchanged for a like one
    # (in a week where everyone is near their hours, a give-away breaks the partner's limit).
    created = None
    mine_rows = list(Assignment.objects.filter(roster=roster, staff=mine).order_by("date"))
    my_days = {row.date for row in mine_rows}
    for row in mine_rows:
        for partner in StaffMember.objects.filter(rota=roster.rota).exclude(pk=mine.pk):
            theirs_like = Assignment.objects.filter(roster=roster, staff=partner, shift_type=row.shift_type)
            for partner_date in [None, *(other.date for other in theirs_like if other.date not in my_days)]:
                body = {"roster": roster.pk, "requester_date": row.date.isoformat(), "partner": partner.pk}
                if partner_date:
                    body["partner_date"] = partner_date.isoformat()
                answer = client.post(_url(facility, "swaps/"), {**body, "reason": "Exam"}, format="json")
                assert answer.status_code in (201, 400, 409), answer.content
                if answer.status_code == 409:
                    assert answer.json()["code"] == "swap_breaks_rules" and answer.json()["findings"]
                if answer.status_code == 201:
                    created = answer.json()
                    break
            if created:
                break
        if created:
            break
    assert created and created["status"] == "pending" and created["requester"]["id"] == mine.pk

    listed = client.get(_url(facility, "swaps/")).json()
    assert [item["id"] for item in listed["results"]] == [created["id"]]
    assert token_client(other_registrar).get(_url(facility, f"swaps/{created['id']}/")).status_code in (200, 404)
    assert (
        client.post(_url(facility, f"swaps/{created['id']}/decide/"), {"approve": True}, format="json").status_code
        == 403
    )

    browser = Client()
    browser.force_login(manager)
    swaps_page = browser.get(_page(facility, "swaps/")).content.decode()
    assert "Approve" in swaps_page and mine.resource.name in swaps_page
    declined = browser.post(
        _page(facility, f"swaps/{created['id']}/decide/"), {"decision": "decline", "note": "Busy week"}
    )
    assert declined.status_code == 302
    assert SwapRequest.objects.get(pk=created["id"]).status == "declined"
    again = token_client(manager).post(
        _url(facility, f"swaps/{created['id']}/decide/"), {"approve": True}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "swap_state"

    reg_browser = Client()
    reg_browser.force_login(registrar)
    page = reg_browser.get(_page(facility, f"rosters/{roster.pk}/change/")).content.decode()
    assert "Ask for a swap" in page and "Sick leave" not in page
    forbidden = reg_browser.post(_page(facility, f"rosters/{roster.pk}/change/"), {"form": "sick"})
    assert forbidden.status_code == 403
