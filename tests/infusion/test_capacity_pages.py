"""The infusion capacity pages as a member uses them: the day view (hours over what the nurses
support said in words, the nurses and their source, the types and the week), and the manager's
configuration pages with their checks, history and roles."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.test import Client

from infusion.models import InfusionSettings, NurseShift, PatientType, PlacementRoute, WeekdayMix
from infusion.selectors import capacity
from scheduling.models import Role
from tests.infusion.factories import next_monday

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(facility, tail: str = "") -> str:
    return f"/f/{facility.slug}/infusion/{tail}"


def text(response) -> str:
    return html.unescape(" ".join(response.content.decode().split()))


def test_the_day_view_shows_hours_over_the_nurses_in_words(center, scheduler):
    day = next_monday()
    for _ in range(3):
        center.book(day, "09:00", "11:00", code="CMO-SHORT")
    center.book(day, "13:00", "14:00", appointment_type=center.unmapped)
    center.shift(day, "08:00", "18:00", 1)
    InfusionSettings.objects.create(facility=center.facility, chairs_per_nurse=Decimal("2"))

    response = client_for(scheduler).get(url(center.facility), {"date": day.isoformat()})
    assert response.status_code == 200
    page = text(response)
    assert f"Infusion center: {day:%A} {day.day} {day:%B %Y}" in page
    assert "2 hours over what the nurses support:</strong> 09:00–10:00, 10:00–11:00." in page
    assert "Over by 1: 3 chairs at once, the nurses support 2" in page
    assert "Source: entered by a manager." in page
    assert '<th scope="row">CMO-SHORT</th><td>Chemotherapy, shortened treatment</td><td class="num">3</td>' in page
    assert '<th scope="row">MISC</th>' in page and 'id="chart-hours"' in page
    assert page.count('aria-current="date"') == 1  # the week strip marks the day shown
    # The desk sees no configuration link; the manager's pages are not offered to it.
    assert url(center.facility, "settings/") not in page


def test_the_day_view_defaults_to_today_and_explains_a_bad_date(facility, scheduler):
    client = client_for(scheduler)
    assert client.get(url(facility)).status_code == 200
    response = client.get(url(facility), {"date": "31-02-2026"})
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in text(response)


def test_pages_are_of_the_members_facility_only(facility, other_facility, make_member):
    outsider = make_member(other_facility, Role.ADMIN, username="elsewhere")
    client = client_for(outsider)
    for tail in ("", "settings/", "mix/", "routes/", "nurses/", "patient-types/"):
        assert client.get(url(facility, tail)).status_code == 404, tail
    shift = NurseShift.objects.create(facility=facility, date=next_monday(), nurses=2)
    member = client_for(make_member(other_facility, Role.MANAGER, username="mgr-b"))
    assert member.post(url(other_facility, f"nurses/{shift.pk}/remove/")).status_code == 404
    assert NurseShift.objects.filter(pk=shift.pk).exists()


@pytest.mark.parametrize(
    "tail", ["settings/", "patient-types/", "patient-types/INF/", "mix/", "routes/", "routes/new/", "nurses/"]
)
def test_the_configuration_is_for_managers_only(tail, facility, scheduler, manager):
    assert client_for(scheduler).get(url(facility, tail)).status_code == 403
    assert client_for(scheduler).post(url(facility, tail), {}).status_code == 403
    assert client_for(manager).get(url(facility, tail)).status_code == 200


def test_settings_are_saved_with_history_and_bad_input_is_named(facility, manager):
    client = client_for(manager)
    good = {
        "chairs_per_nurse": "2.5",
        "weekly_capacity": "70",
        "open_weekdays": ["0", "1", "2", "3"],
        "default_nurses": "4",
        "policy": "study",
        "search_days": "5",
    }
    response = client.post(url(facility, "settings/"), good)
    assert response.status_code == 302
    saved = InfusionSettings.objects.get(facility=facility)
    assert (saved.chairs_per_nurse, saved.open_weekdays, saved.default_nurses) == (Decimal("2.5"), [0, 1, 2, 3], 4)
    page = text(client.get(url(facility, "settings/")))
    assert "nina-manager: Settings changed (chairs_per_nurse: 3.00 → 2.50" in page

    bad = client.post(url(facility, "settings/"), {**good, "chairs_per_nurse": "40"})
    assert bad.status_code == 400 and "Between 0.25 and 20 chairs per nurse" in text(bad)
    bad = client.post(url(facility, "settings/"), {**good, "open_weekdays": []})
    assert bad.status_code == 400 and "Choose at least one weekday." in text(bad)
    assert InfusionSettings.objects.get(facility=facility).chairs_per_nurse == Decimal("2.5")


def test_a_weekday_that_does_not_add_up_is_named_and_nothing_is_saved(facility, manager):
    client = client_for(manager)
    form = client.get(url(facility, "mix/"))
    assert form.status_code == 200 and 'name="mix-INF-0" value="31.25"' in form.content.decode()
    grid = {f"mix-{code}-{w}": "20" for code in ("INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC") for w in range(5)}
    response = client.post(url(facility, "mix/"), {**grid, "mix-INF-3": "25"})
    assert response.status_code == 400
    assert "Thursday's shares add up to 105 %: they must add up to 100." in text(response)
    assert not WeekdayMix.objects.filter(facility=facility, percent=Decimal(20)).exists()
    assert client.post(url(facility, "mix/"), grid).status_code == 302
    assert WeekdayMix.objects.filter(facility=facility, percent=Decimal(20)).count() == 25
    history = text(client.get(url(facility, "mix/")))
    assert "nina-manager: " in history and " on Monday: 20.00 % changed (percent: " in history


def test_a_route_with_unreadable_offsets_says_which_field(facility, manager):
    client = client_for(manager)
    body = {"target_days": "2", "offsets": "0, -1, soon", "search_further": "on", "description": ""}
    response = client.post(url(facility, "routes/cancellation/"), body)
    assert response.status_code == 400
    assert "not “soon”" in text(response) and 'id="id_offsets_error"' in response.content.decode()
    assert client.post(url(facility, "routes/cancellation/"), {**body, "offsets": "0, 1"}).status_code == 302
    assert PlacementRoute.objects.get(facility=facility, code="cancellation").offsets == [0, 1]
    assert client.get(url(facility, "routes/someday/")).status_code == 404


def test_patient_types_are_added_and_edited(facility, manager):
    client = client_for(manager)
    body = {
        "code": "rad",
        "name": "Radiotherapy review",
        "regimen_category": "short",
        "chair_minutes": "45",
        "share_percent": "0",
        "treatments": "1: 0.5, 2: 0.5",
        "position": "9",
        "active": "on",
    }
    assert client.post(url(facility, "patient-types/"), body).status_code == 302
    assert PatientType.objects.get(facility=facility, code="RAD").treatments == {"1": 0.5, "2": 0.5}
    again = client.post(url(facility, "patient-types/"), body)
    assert again.status_code == 400 and "has a patient type RAD already" in text(again)
    bad = client.post(url(facility, "patient-types/INF/"), {**body, "treatments": "1: 0.2"})
    assert bad.status_code == 400 and "they must add up to 1" in text(bad)
    assert client.post(url(facility, "patient-types/INF/"), {**body, "chair_minutes": "75"}).status_code == 302
    assert PatientType.objects.get(facility=facility, code="INF").chair_minutes == 75


def test_managers_enter_and_remove_nurses_but_not_a_rosters(center, manager):
    facility, day = center.facility, next_monday()
    client = client_for(manager)
    body = {"date": day.isoformat(), "start_time": "08:00", "end_time": "13:00", "nurses": "3", "note": ""}
    response = client.post(url(facility, "nurses/"), body)
    assert response.status_code == 302 and response["Location"].endswith(f"?date={day}")
    shift = NurseShift.objects.get(facility=facility, date=day)
    assert (shift.nurses, shift.source, shift.start_time) == (3, "manual", dt.time(8))
    bad = client.post(url(facility, "nurses/"), {**body, "end_time": "07:00"})
    assert bad.status_code == 400 and "The shift ends after it starts" in text(bad)

    roster = center.shift(day, "09:00", "17:00", 5, source="roster")
    page = text(client.get(url(facility, "nurses/"), {"date": day.isoformat()}))
    assert "09:00–17:00: 5 nurses (published roster)" in page
    client.post(url(facility, f"nurses/{roster.pk}/remove/"))
    assert NurseShift.objects.filter(pk=roster.pk).exists()
    client.post(url(facility, f"nurses/{shift.pk}/remove/"))
    assert not NurseShift.objects.filter(pk=shift.pk).exists()
    assert capacity.change_list(facility=facility, what="nurse_shifts")[0]["kind"] == "deleted"
