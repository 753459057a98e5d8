"""Factories and helpers for availability tests. Schedules are made through the service, so a
test's configuration has passed the same validation a client's would."""

import datetime as dt
from zoneinfo import ZoneInfo

from availability import services
from availability.services import WindowInput
from scheduling.models import ResourceKind
from tests.factories import AppointmentTypeFactory, DepartmentFactory, ResourceFactory  # noqa: F401


def window(
    weekdays=(0, 1, 2, 3, 4),
    start="09:00",
    end="12:00",
    type="tokens",
    slot=30,
    tokens=1,
    types=(),
    limit=None,
    name="",
) -> WindowInput:
    is_tokens = type == "tokens"
    return WindowInput(
        weekdays=list(weekdays),
        start_time=dt.time.fromisoformat(start),
        end_time=dt.time.fromisoformat(end),
        type=type,
        slot_size_minutes=slot if is_tokens else None,
        tokens_per_slot=tokens if is_tokens else None,
        appointment_type_ids=[t.pk for t in types],
        daily_patient_limit=limit,
        name=name,
    )


def make_schedule(facility, resource, actor, *windows, valid_from=None, valid_till=None, **settings):
    return services.schedule_create(
        facility=facility,
        actor=actor,
        resource_id=resource.pk,
        valid_from=valid_from or dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        valid_till=valid_till,
        availabilities=list(windows) or [window()],
        **settings,
    )


def chair(facility, **kwargs):
    return ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, **kwargs)


def local(facility, day: dt.date, hhmm: str) -> dt.datetime:
    """An aware datetime at a wall-clock time of the facility."""
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=ZoneInfo(facility.time_zone))


def next_weekday(weekday: int, weeks_ahead: int = 1, today: dt.date | None = None) -> dt.date:
    """A date on ``weekday`` at least ``weeks_ahead`` weeks from today (in the future, so
    services that compare with now accept it)."""
    today = today or dt.date.today()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


class FakeBookings:
    """A booking source holding intervals in memory, as booking's will from its tables."""

    def __init__(self):
        self.intervals = []
        self.calls = 0

    def add(self, resource, start, end, units=1):
        self.intervals.append((resource.pk, start, end, units))

    def active_intervals(self, *, facility, resource_ids, start, end):
        self.calls += 1
        wanted = set(resource_ids)
        return [i for i in self.intervals if i[0] in wanted and i[1] < end and i[2] > start]
