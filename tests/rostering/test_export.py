"""A roster's exports: the CSV's rows, and the ICS read as a calendar program would — CRLF lines,
BEGIN/END pairs, DTSTART/DTEND in UTC (a night ends the next morning), stable UIDs, TEXT
escaping and folding at 75 octets without splitting a character."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from rostering.models import Assignment, Roster, RosterStatus, ShiftKind, ShiftType, StaffMember
from rostering.services import export
from tests.rostering.conftest import next_monday

pytestmark = pytest.mark.django_db


def test_escape_follows_rfc5545_text():
    assert export.ics_escape("Ward 7; bay 2, side\\room\nnight") == "Ward 7\\; bay 2\\, side\\\\room\\nnight"


@pytest.mark.parametrize("text", ["a" * 200, "é" * 100, "Nuit à l'hôpital " * 12, "x" * 75, "y" * 74])
def test_folding_keeps_every_line_within_75_octets_and_unfolds_back(text):
    folded = export.ics_fold(f"SUMMARY:{text}")
    assert folded.endswith("\r\n")
    lines = folded[:-2].split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join([lines[0], *(line[1:] for line in lines[1:])]) == f"SUMMARY:{text}"


def test_a_short_line_is_not_folded():
    assert export.ics_fold("BEGIN:VEVENT") == "BEGIN:VEVENT\r\n"


@pytest.fixture
def roster(facility, user, rota):
    """A published roster written by hand (no solve): one person on a day shift and a night."""
    facility.time_zone = "Europe/London"
    facility.save()
    member = StaffMember.objects.filter(rota=rota).select_related("resource").first()
    night = ShiftType.objects.filter(rota=rota, kind=ShiftKind.NIGHT).first()
    day = ShiftType.objects.filter(rota=rota, kind=ShiftKind.DAY).first()
    night.name = "Night, ward 7; acute"
    night.save()
    first = next_monday()
    roster = Roster.objects.create(
        rota=rota,
        name="Hand-made",
        first_day=first,
        num_days=7,
        problem={"staff": [{"id": str(member.pk)}]},
        status=RosterStatus.PUBLISHED,
        created_by=user,
        published_at=dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
    )
    Assignment.objects.create(roster=roster, staff=member, date=first, shift_type=day, skill="")
    Assignment.objects.create(roster=roster, staff=member, date=first + dt.timedelta(days=2), shift_type=night)
    return roster, member, day, night


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_ics_is_a_calendar_of_utc_events(facility, roster):
    roster, member, day, night = roster
    text = export.staff_ics(facility=facility, roster=roster, staff=member)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    lines = _unfold(text)[:-1]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    events = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            events.append({})
        elif events and ":" in line and line != "END:VEVENT":
            key, value = line.split(":", 1)
            events[-1][key] = value
    zone = ZoneInfo("Europe/London")
    first = roster.first_day
    start = dt.datetime.combine(first, day.start_time, tzinfo=zone).astimezone(dt.UTC)
    assert events[0]["DTSTART"] == start.strftime("%Y%m%dT%H%M%SZ")
    night_day = first + dt.timedelta(days=2)
    night_end = dt.datetime.combine(night_day + dt.timedelta(days=1), night.end_time, tzinfo=zone).astimezone(dt.UTC)
    assert events[1]["DTEND"] == night_end.strftime("%Y%m%dT%H%M%SZ"), "a night ends the next morning"
    assert all(event["DTSTART"].endswith("Z") and event["DTEND"].endswith("Z") for event in events)
    assert events[1]["SUMMARY"] == "Night\\, ward 7\\; acute"
    if night.site_id:
        assert events[1]["LOCATION"] == export.ics_escape(night.site.name)
    assert events[0]["DTSTAMP"] == "20260105T090000Z"
    assert events[0]["UID"] != events[1]["UID"]
    again = _unfold(export.staff_ics(facility=facility, roster=roster, staff=member))
    assert [line for line in again if line.startswith("UID:")] == [f"UID:{e['UID']}" for e in events], "stable UIDs"


def test_csv_has_a_row_per_shift_with_local_times(facility, roster):
    roster, member, day, night = roster
    text = "".join(export.roster_csv_lines(facility=facility, roster=roster))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["shift"] for row in rows] == [day.code, night.code]
    assert rows[0]["staff"] == member.resource.name and rows[0]["staff_id"] == str(member.pk)
    assert rows[1]["date"] == (roster.first_day + dt.timedelta(days=2)).isoformat()
    assert dt.datetime.fromisoformat(rows[1]["end"]) > dt.datetime.fromisoformat(rows[1]["start"])
    assert rows[1]["shift_name"] == "Night, ward 7; acute"
    assert text.split("\r\n")[0] == ",".join(export.CSV_HEADER)
