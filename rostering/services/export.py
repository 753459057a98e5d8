"""A roster's shifts as files people take away: CSV (the whole roster, or one person's rows) and
iCalendar (one person's shifts, RFC 5545, written by hand).

Who may take what: whoever may see the roster (``selectors.roster_get``: a manager, drafts
included; everyone else, published and archived rosters) takes its CSV, whole or per person; a
person's ICS goes to that person, or to a manager for anyone (403 ``permission_denied``
otherwise).

Times: a shift's start and end are wall-clock times in the facility's zone on the assignment's
date (an end before the start is the next morning), turned into instants there, so a shift across
a daylight-saving change keeps its real length; the ICS writes them in UTC (``...Z``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

from rostering import selectors
from scheduling.csv_export import csv_lines
from scheduling.errors import ApplicationError

CSV_HEADER = [
    "date",
    "weekday",
    "staff_id",
    "staff",
    "shift",
    "shift_name",
    "kind",
    "site",
    "start",
    "end",
    "hours",
    "skill",
]

ICS_LINE_OCTETS = 75
PRODUCT = "-//CareSlot//Rostering//EN"


def shift_instants(*, assignment, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The assignment's shift as [start, end) instants in ``zone`` (end the next day when the
    shift ends before, or when, it starts)."""
    shift = assignment.shift_type
    start = dt.datetime.combine(assignment.date, shift.start_time, tzinfo=zone)
    end_day = assignment.date if shift.end_time > shift.start_time else assignment.date + dt.timedelta(days=1)
    end = dt.datetime.combine(end_day, shift.end_time, tzinfo=zone)
    # Wall-clock times that a daylight-saving change skips or repeats resolve through UTC.
    return start.astimezone(dt.UTC).astimezone(zone), end.astimezone(dt.UTC).astimezone(zone)


def export_staff_check(*, facility, actor, staff) -> None:
    """403 unless the actor is the person, or may manage rosters."""
    if staff.resource.user_id == actor.pk or selectors.can_manage(facility=facility, actor=actor):
        return
    raise ApplicationError("permission_denied", "Only the person or a roster manager may take this calendar.")


def roster_export_rows(*, facility, roster, staff=None) -> Iterator[list]:
    """The roster's assignments (one person's when ``staff``) as CSV rows under ``CSV_HEADER``."""
    zone = ZoneInfo(facility.time_zone)
    for row in selectors.assignment_list(roster=roster, staff=staff):
        start, end = shift_instants(assignment=row, zone=zone)
        shift = row.shift_type
        yield [
            row.date.isoformat(),
            row.date.strftime("%a"),
            row.staff_id,
            row.staff.resource.name,
            shift.code,
            shift.name,
            shift.kind,
            shift.site.code if shift.site else "",
            start.isoformat(),
            end.isoformat(),
            shift.hours,
            row.skill,
        ]


def roster_csv_lines(*, facility, roster, staff=None) -> Iterator[str]:
    """The CSV file, line by line (CRLF, cells safe from spreadsheet formulas)."""
    return csv_lines(CSV_HEADER, roster_export_rows(facility=facility, roster=roster, staff=staff))


# --- iCalendar (RFC 5545) -----------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, new lines as ``\\n`` (3.3.11)."""
    text = str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """One content line folded at 75 octets (3.1): each continuation starts with a space, and a
    UTF-8 character is never split. Returned with its CRLF."""
    pieces, current, size = [], [], 0
    for char in line:
        octets = len(char.encode("utf-8"))
        limit = ICS_LINE_OCTETS if not pieces else ICS_LINE_OCTETS - 1  # the leading space counts
        if size + octets > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces) + "\r\n"


def ics_utc(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def assignment_uid(*, facility, assignment) -> str:
    """Stable per assignment: the same roster, person and day give the same UID in every export,
    so a calendar that subscribes updates the event instead of adding another."""
    return (
        f"roster-{assignment.roster_id}-staff-{assignment.staff_id}-{assignment.date:%Y%m%d}@{facility.slug}.careslot"
    )


def staff_ics_lines(*, facility, roster, staff) -> Iterator[str]:
    """The person's shifts in the roster as a VCALENDAR, one VEVENT per shift, line by line."""
    zone = ZoneInfo(facility.time_zone)
    stamp = ics_utc(roster.published_at or roster.created_at)
    yield from _lines(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODUCT}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{ics_escape(f'{staff.resource.name}: {roster.name}')}",
        ]
    )
    for row in selectors.assignment_list(roster=roster, staff=staff):
        start, end = shift_instants(assignment=row, zone=zone)
        shift = row.shift_type
        site = shift.site.name if shift.site else ""
        description = f"{roster.name} ({roster.get_status_display().lower()})"
        if row.skill:
            description += f"\nCovering: {row.skill}"
        event = [
            "BEGIN:VEVENT",
            f"UID:{assignment_uid(facility=facility, assignment=row)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{ics_utc(start)}",
            f"DTEND:{ics_utc(end)}",
            f"SUMMARY:{ics_escape(shift.name or shift.code)}",
        ]
        if site:
            event.append(f"LOCATION:{ics_escape(site)}")
        event += [f"DESCRIPTION:{ics_escape(description)}", "TRANSP:OPAQUE", "END:VEVENT"]
        yield from _lines(event)
    yield from _lines(["END:VCALENDAR"])


def staff_ics(*, facility, roster, staff) -> str:
    return "".join(staff_ics_lines(facility=facility, roster=roster, staff=staff))


def _lines(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        yield ics_fold(line)
