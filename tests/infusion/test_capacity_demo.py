"""The demo infusion center (``infusion.demo``): the defaults everywhere, and at the cancer centre
chair bookings and the nurses entered for the next weekdays, so the day view has a day to show.
Run twice, it adds nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from infusion import demo
from infusion.models import InfusionSettings, NurseShift, PatientType
from infusion.selectors import capacity
from scheduling.models import ResourceKind, Role
from tests.availability.factories import make_schedule, window
from tests.factories import (
    AppointmentTypeFactory,
    FacilityFactory,
    MembershipFactory,
    PatientFactory,
    ResourceFactory,
)

pytestmark = pytest.mark.django_db
CHAIR_NEED = [{"role": "Chair", "kinds": ["chair"]}]


def test_the_demo_centre_has_a_day_to_show_and_a_second_run_adds_nothing(user, facility):
    centre = FacilityFactory(slug=demo.INFUSION_FACILITY, time_zone="Asia/Kolkata")
    MembershipFactory(facility=centre, user=user, role=Role.ADMIN)
    for n in range(1, 9):
        chair = ResourceFactory(facility=centre, kind=ResourceKind.CHAIR, name=f"Chair {n:02d}")
        make_schedule(centre, chair, user, window((0, 1, 2, 3, 4, 5, 6), "08:00", "18:00", type="open"))
    for code, minutes in (("chemo-long", 300), ("chemo-short", 120), ("infusion-long", 180), ("infusion-short", 60)):
        AppointmentTypeFactory(facility=centre, code=code, default_minutes=minutes, resource_needs=CHAIR_NEED)
    for _ in range(30):
        PatientFactory(facility=centre)

    first = demo.seed(facility=centre, actor=user)
    assert demo.seed(facility=centre, actor=user) == 0
    assert demo.seed(facility=facility, actor=user) == 36  # another facility: the defaults only
    assert InfusionSettings.objects.get(facility=centre).default_nurses == demo.USUAL_NURSES
    assert PatientType.objects.filter(facility=centre).count() == 5

    today = dt.datetime.now(ZoneInfo(centre.time_zone)).date()
    weekdays = [today + dt.timedelta(days=n) for n in range(demo.DAYS) if (today + dt.timedelta(days=n)).weekday() < 5]
    assert NurseShift.objects.filter(facility=centre).count() == 2 * len(weekdays)
    tomorrow = next(day for day in weekdays if day > today)
    usage = capacity.day_usage(facility=centre, day=tomorrow)
    assert usage.placed >= 10 and [d.nurses for d in usage.duties] == [3, 2]
    assert first >= 36 + usage.placed
    assert usage.peak >= 5 and usage.nurses_source == "entered by a manager"
