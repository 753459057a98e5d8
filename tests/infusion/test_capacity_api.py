"""The infusion capacity API as an integrator uses it: settings, patient types, the weekday mix,
routes, nurse shifts and a day's capacity; 400 naming the field, 403 for a role that may not
write, 404 for another facility."""

import datetime as dt
from decimal import Decimal

import pytest

from conftest import token_client
from infusion.models import InfusionSettings, NurseShift, PatientType
from scheduling.models import Role
from tests.infusion.factories import next_monday

pytestmark = pytest.mark.django_db


def api(facility, tail: str) -> str:
    return f"/api/v1/facilities/{facility.slug}/infusion/{tail}"


SETTINGS = {
    "chairs_per_nurse": "2.50",
    "weekly_capacity": 50,
    "open_weekdays": [0, 1, 2, 3],
    "default_nurses": None,
    "policy": "study",
    "search_days": 7,
}


def test_settings_are_read_and_replaced(facility, api_client, user):
    body = api_client.get(api(facility, "settings/")).json()
    assert body == {
        "chairs_per_nurse": "3.00",
        "weekly_capacity": 60,
        "open_weekdays": [0, 1, 2, 3, 4],
        "default_nurses": None,
        "policy": "levelled",
        "search_days": 10,
        "is_default": True,
    }
    response = api_client.put(api(facility, "settings/"), SETTINGS, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["open_weekdays"] == [0, 1, 2, 3] and response.json()["is_default"] is False
    saved = InfusionSettings.objects.get(facility=facility)
    assert saved.chairs_per_nurse == Decimal("2.5") and saved.history.first().history_user == user

    bad = api_client.put(api(facility, "settings/"), {**SETTINGS, "weekly_capacity": 0}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"weekly_capacity"}
    bad = api_client.put(api(facility, "settings/"), {**SETTINGS, "open_weekdays": [7]}, format="json")
    assert bad.status_code == 400 and "open_weekdays" in bad.json()["fields"]
    bad = api_client.put(api(facility, "settings/"), {**SETTINGS, "colour": "blue"}, format="json")
    assert bad.status_code == 400 and "colour" in bad.json()["fields"]


def test_roles_and_facilities(facility, other_facility, make_member):
    scheduler = token_client(make_member(facility, Role.SCHEDULER, username="desk-api"))
    assert scheduler.get(api(facility, "settings/")).status_code == 200
    assert scheduler.get(api(facility, "capacity/")).status_code == 200
    for method, tail, body in (
        ("put", "settings/", SETTINGS),
        ("post", "patient-types/", {"code": "RAD"}),
        ("put", "weekday-mix/", {"grid": {}}),
        ("patch", "routes/new/", {"target_days": 10}),
        ("post", "nurse-shifts/", {}),
    ):
        response = getattr(scheduler, method)(api(facility, tail), body, format="json")
        assert response.status_code == 403, (tail, response.json())
    outsider = token_client(make_member(other_facility, Role.ADMIN, username="other-admin"))
    for tail in (
        "settings/",
        "patient-types/",
        "patient-types/INF/",
        "weekday-mix/",
        "routes/",
        "nurse-shifts/",
        "capacity/",
    ):
        assert outsider.get(api(facility, tail)).status_code == 404, tail
    shift = NurseShift.objects.create(facility=facility, date=next_monday(), nurses=3)
    assert outsider.delete(api(other_facility, f"nurse-shifts/{shift.pk}/")).status_code == 404
    assert NurseShift.objects.filter(pk=shift.pk).exists()


def test_patient_types_are_listed_created_and_updated(facility, api_client):
    listed = api_client.get(api(facility, "patient-types/")).json()
    assert [t["code"] for t in listed] == ["INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC"]
    body = {
        "code": "rad",
        "name": "Radiotherapy review",
        "regimen_category": "short",
        "chair_minutes": 40,
        "share_percent": "0",
    }
    created = api_client.post(api(facility, "patient-types/"), body, format="json")
    assert created.status_code == 201 and created.json()["code"] == "RAD"
    again = api_client.post(api(facility, "patient-types/"), body, format="json")
    assert again.status_code == 400 and "code" in again.json()["fields"]
    changed = api_client.patch(api(facility, "patient-types/rad/"), {"chair_minutes": 50}, format="json")
    assert changed.status_code == 200 and changed.json()["chair_minutes"] == 50
    bad = api_client.patch(api(facility, "patient-types/INF/"), {"treatments": {"1": 0.3}}, format="json")
    assert bad.status_code == 400 and "treatments" in bad.json()["fields"]
    assert api_client.get(api(facility, "patient-types/NOPE/")).status_code == 404
    assert PatientType.objects.get(facility=facility, code="RAD").chair_minutes == 50


def test_the_weekday_mix_grid_is_replaced_whole_and_a_bad_weekday_is_named(facility, api_client):
    body = api_client.get(api(facility, "weekday-mix/")).json()
    assert body["grid"]["INF"]["monday"] == "31.25" and body["open_weekdays"] == [0, 1, 2, 3, 4]
    grid = {code: {"monday": 20, "friday": 20} for code in ("INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC")}
    grid["FUP"]["friday"] = 19
    bad = api_client.put(api(facility, "weekday-mix/"), {"grid": grid}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"friday"}
    bad = api_client.put(api(facility, "weekday-mix/"), {"grid": {"INF": {"funday": 10}}}, format="json")
    assert bad.status_code == 400 and "grid" in bad.json()["fields"]
    grid["FUP"]["friday"] = 20
    saved = api_client.put(api(facility, "weekday-mix/"), {"grid": grid}, format="json")
    assert saved.status_code == 200 and saved.json()["grid"]["INF"]["friday"] == "20.00"
    assert saved.json()["grid"]["INF"]["tuesday"] == "24.11"


def test_routes_are_listed_and_changed(facility, api_client):
    routes = api_client.get(api(facility, "routes/")).json()
    assert [(r["code"], r["target_days"], r["offsets"]) for r in routes][-1] == ("next_cycle", 30, [0, -1, 1, -2, 2])
    bad = api_client.patch(api(facility, "routes/cancellation/"), {"offsets": [0, -5]}, format="json")
    assert bad.status_code == 400 and "offsets" in bad.json()["fields"]
    bad = api_client.patch(api(facility, "routes/cancellation/"), {"offsets": "0, 1"}, format="json")
    assert bad.status_code == 400 and "offsets" in bad.json()["fields"]
    changed = api_client.patch(api(facility, "routes/cancellation/"), {"offsets": [0, 1]}, format="json")
    assert changed.status_code == 200 and changed.json()["offsets"] == [0, 1]
    assert api_client.get(api(facility, "routes/someday/")).status_code == 404


def test_nurse_shifts_are_created_listed_and_removed(center, api_client):
    facility, day = center.facility, next_monday()
    body = {"date": day.isoformat(), "start_time": "08:00", "end_time": "14:00", "nurses": 3}
    created = api_client.post(api(facility, "nurse-shifts/"), body, format="json")
    assert created.status_code == 201 and created.json()["source"] == "manual"
    bad = api_client.post(api(facility, "nurse-shifts/"), {**body, "end_time": "07:00"}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"end_time"}
    bad = api_client.post(api(facility, "nurse-shifts/"), {**body, "start_time": "8am"}, format="json")
    assert bad.status_code == 400 and "start_time" in bad.json()["fields"]
    roster = center.shift(day + dt.timedelta(days=1), "09:00", "17:00", 4, source="roster")
    listed = api_client.get(
        api(facility, "nurse-shifts/"), {"from": day.isoformat(), "to": (day + dt.timedelta(days=1)).isoformat()}
    )
    assert [(s["date"], s["nurses"], s["source"]) for s in listed.json()["results"]] == [
        (day.isoformat(), 3, "manual"),
        ((day + dt.timedelta(days=1)).isoformat(), 4, "roster"),
    ]
    assert api_client.get(api(facility, "nurse-shifts/"), {"day": "x"}).status_code == 400
    refused = api_client.delete(api(facility, f"nurse-shifts/{roster.pk}/"))
    assert refused.status_code == 400 and "source" in refused.json()["fields"]
    assert api_client.delete(api(facility, f"nurse-shifts/{created.json()['id']}/")).status_code == 204
    assert api_client.delete(api(facility, "nurse-shifts/999999/")).status_code == 404


def test_a_days_capacity(center, api_client):
    facility, day = center.facility, next_monday()
    center.book(day, "09:00", "11:00", code="CMO-SHORT")
    center.book(day, "09:30", "10:30", code="INF")
    center.shift(day, "08:00", "18:00", 1)
    response = api_client.get(api(facility, "capacity/"), {"date": day.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["date"] == day.isoformat() and body["open"] is True and body["chairs"] == 6
    assert {t["code"]: (t["capacity"], t["placed"]) for t in body["types"]}["CMO-SHORT"] == (3, 1)
    assert body["nurses_on_duty"] == [
        {
            "start_time": "08:00",
            "end_time": "18:00",
            "nurses": 1,
            "source": "manual",
            "label": "entered by a manager",
            "max_chairs": None,
        }
    ]
    nine = next(h for h in body["hours"] if dt.datetime.fromisoformat(h["start"]) == center.at(day, "09:00"))
    assert (nine["in_use"], nine["supported"], nine["over"]) == (2, 3, False)
    assert body["chair_limits"][1]["limit"] == 3 and "1 nurse on duty" in body["chair_limits"][1]["reason"]
    assert api_client.get(api(facility, "capacity/"), {"date": "tomorrow"}).status_code == 400
