"""The infusion center's configuration services: the study's defaults written once, the
manager's changes checked field by field and kept in history with who made them, and the nurses
on duty a roster publishes."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from analytics import selectors as analytics
from infusion.models import InfusionSettings, NurseShift, PatientType, PlacementRoute, WeekdayMix
from infusion.selectors import capacity
from infusion.services import configuration
from scheduling.errors import ApplicationError, NotFound
from tests.factories import FacilityFactory
from tests.infusion.factories import next_monday

pytestmark = pytest.mark.django_db


def fields_of(call) -> dict:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == "invalid"
    return caught.value.fields


def test_the_defaults_are_written_once(facility, user):
    first = configuration.infusion_defaults_ensure(facility=facility, actor=user)
    again = configuration.infusion_defaults_ensure(facility=facility, actor=user)
    assert first == {"settings": 1, "patient_types": 5, "weekday_mix": 25, "routes": 5}
    assert again == {"settings": 0, "patient_types": 0, "weekday_mix": 0, "routes": 0}
    assert WeekdayMix.objects.filter(facility=facility, weekday=0, patient_type__code="INF").get().percent == Decimal(
        "31.25"
    )
    route = PlacementRoute.objects.get(facility=facility, code="bad_blood")
    assert (route.target_days, route.offsets, route.search_further) == (1, [0, 1], False)
    assert PatientType.history.filter(facility_id=facility.pk, history_user=user).count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_first_uses_at_once_write_the_defaults_once():
    facility = FacilityFactory(slug="race")
    errors = []

    def ensure():
        try:
            configuration.infusion_defaults_ensure(facility=facility)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ensure) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert PatientType.objects.filter(facility=facility).count() == 5
    assert PlacementRoute.objects.filter(facility=facility).count() == 5
    assert InfusionSettings.objects.filter(facility=facility).count() == 1


def test_settings_changes_are_checked_and_kept_with_who_made_them(facility, user):
    problems = fields_of(
        lambda: configuration.settings_update(
            facility=facility, actor=user, chairs_per_nurse=Decimal("0"), weekly_capacity=0, open_weekdays=[]
        )
    )
    assert set(problems) == {"chairs_per_nurse", "weekly_capacity", "open_weekdays"}
    assert set(fields_of(lambda: configuration.settings_update(facility=facility, actor=user, policy="fast"))) == {
        "policy"
    }
    saved = configuration.settings_update(
        facility=facility, actor=user, chairs_per_nurse=Decimal("2.5"), open_weekdays=[4, 0, 0]
    )
    assert (saved.chairs_per_nurse, saved.open_weekdays) == (Decimal("2.5"), [0, 4])
    (change,) = [c for c in capacity.change_list(facility=facility, what="settings") if c["kind"] == "changed"]
    assert change["user"] == user.username
    assert {c["field"] for c in change["changes"]} == {"chairs_per_nurse", "open_weekdays"}


def test_a_weekday_column_that_does_not_add_up_names_the_weekday(facility, user):
    grid = {code: {0: Decimal(20), 1: Decimal(20)} for code in ("INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC")}
    grid["INF"][1] = Decimal(30)
    problems = fields_of(lambda: configuration.weekday_mix_replace(facility=facility, actor=user, grid=grid))
    assert problems == {"tuesday": ["Tuesday's shares add up to 110 %: they must add up to 100."]}
    grid["INF"][1] = Decimal("20.4")  # within ± 0.5
    grid["RAD"] = {0: Decimal(0)}
    assert "mix.RAD" in fields_of(lambda: configuration.weekday_mix_replace(facility=facility, actor=user, grid=grid))
    del grid["RAD"]
    mix = configuration.weekday_mix_replace(facility=facility, actor=user, grid=grid)
    assert mix[0] == dict.fromkeys(("INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC"), Decimal(20))
    assert mix[2]["INF"] == Decimal("26.32")  # a weekday the grid left out keeps its rows
    monday = next_monday()
    assert sum(capacity.type_capacity(facility=facility, day=monday).values()) == 12


def test_route_offsets_are_read_from_text_and_checked(facility, user):
    assert configuration.parse_offsets("0, -1, +1, −2") == [0, -1, 1, -2]
    with pytest.raises(ApplicationError) as caught:
        configuration.parse_offsets("0, tomorrow")
    assert "offsets" in caught.value.fields
    assert "offsets" in fields_of(
        lambda: configuration.route_update(facility=facility, actor=user, code="cancellation", offsets=[0, -3])
    )
    assert "offsets" in fields_of(
        lambda: configuration.route_update(facility=facility, actor=user, code="new", offsets=[0, 0])
    )
    with pytest.raises(NotFound):
        configuration.route_update(facility=facility, actor=user, code="someday", target_days=3)
    configuration.route_update(facility=facility, actor=user, code="no_show", target_days=4, offsets=[0, 1, -1])
    route = capacity.route_for(facility=facility, code="no_show")
    assert (route.target_days, route.offsets) == (4, (0, 1, -1))
    (entry, *_) = capacity.change_list(facility=facility, what="routes")
    assert entry["object"] == "Route Rebook after a no-show" and entry["user"] == user.username


def test_a_new_patient_type_is_known_to_analytics_too(facility, user):
    added = configuration.patient_type_create(
        facility=facility, actor=user, code="rad", name="Radiotherapy review", chair_minutes=45, treatments={"1": 1.0}
    )
    assert (added.code, added.position) == ("RAD", 5)
    assert "RAD" in analytics.patient_type_codes(facility_id=facility.pk)
    assert "code" in fields_of(
        lambda: configuration.patient_type_create(facility=facility, actor=user, code="RAD", name="x")
    )
    problems = fields_of(
        lambda: configuration.patient_type_update(
            facility=facility, actor=user, code="INF", chair_minutes=2, treatments={"1": 0.5}
        )
    )
    assert set(problems) == {"chair_minutes", "treatments"}
    assert configuration.parse_treatments("1: 0.5, 4: 0.5") == {"1": 0.5, "4": 0.5}
    with pytest.raises(NotFound):
        configuration.patient_type_update(facility=facility, actor=user, code="NOPE", name="x")


def test_a_roster_replaces_its_own_rows_of_a_day_and_history_keeps_the_old(center):
    facility, day, actor = center.facility, next_monday(), center.admin
    manual = configuration.nurse_shift_add(
        facility=facility, actor=actor, date=day, start_time=dt.time(8), end_time=dt.time(12), nurses=2
    )
    shifts = [{"start_time": dt.time(7), "end_time": dt.time(15), "nurses": 4}]
    configuration.nurses_on_duty_replace(facility=facility, day=day, shifts=shifts, actor=actor)
    new = [{"start_time": dt.time(9), "end_time": dt.time(17), "nurses": 3, "note": "Late start"}]
    configuration.nurses_on_duty_replace(facility=facility, day=day, shifts=new, actor=actor)
    rows = NurseShift.objects.filter(facility=facility, date=day).order_by("source")
    assert [(r.source, r.nurses) for r in rows] == [("manual", 2), ("roster", 3)]
    assert NurseShift.history.filter(facility_id=facility.pk, history_type="-", history_user=actor).count() == 1
    assert [d.nurses for d in capacity.nurses_on_duty(facility=facility, day=day)] == [3]
    bad = [{"start_time": dt.time(17), "end_time": dt.time(9), "nurses": 3}]
    assert "shifts[0].end_time" in fields_of(
        lambda: configuration.nurses_on_duty_replace(facility=facility, day=day, shifts=bad, actor=actor)
    )
    roster_row = rows.get(source="roster")
    assert "source" in fields_of(
        lambda: configuration.nurse_shift_remove(facility=facility, actor=actor, shift_id=roster_row.pk)
    )
    configuration.nurse_shift_remove(facility=facility, actor=actor, shift_id=manual.pk)
    assert not NurseShift.objects.filter(pk=manual.pk).exists()
