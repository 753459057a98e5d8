"""Read-side views of a roster for pages and the API: its calendar grids (by person, by site, by
shift type), a person's next shifts, the solve's progress chart, the result's soft violations by
rule, and "why" for one person on one day (through ``rostering.explain.why``).

Every function takes a roster already fetched through ``selectors.roster_get`` (so its facility
and the reader's right to see it are settled) or the facility and actor themselves."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from rostering import explain, selectors
from rostering.models import Assignment, RosterStatus
from scheduling.errors import ApplicationError, NotFound

WHY_SECONDS = 5.0


@dataclass(frozen=True)
class Cell:
    staff_id: int
    name: str
    date: dt.date
    code: str
    shift_name: str
    kind: str
    site: str
    skill: str

    @property
    def css(self) -> str:
        """The class that colours the cell by the shift's kind (day, evening, night, …)."""
        return "shift-" + self.kind.replace("_", "-")


def roster_days(*, roster) -> list[dt.date]:
    return [roster.first_day + dt.timedelta(days=index) for index in range(roster.num_days)]


def weekend_days(*, roster) -> set[int]:
    """ISO weekdays of the rota's weekend (Saturday and Sunday unless it says otherwise)."""
    return set(roster.rota.weekend_days or (6, 7))


def _cells(roster) -> list[Cell]:
    return [
        Cell(
            staff_id=row.staff_id,
            name=row.staff.resource.name,
            date=row.date,
            code=row.shift_type.code,
            shift_name=row.shift_type.name,
            kind=row.shift_type.kind,
            site=row.shift_type.site.name if row.shift_type.site else "",
            skill=row.skill,
        )
        for row in selectors.assignment_list(roster=roster)
    ]


def roster_staff(*, roster) -> list:
    """The people the roster was solved for (its problem's staff), in name order."""
    ids = [int(person["id"]) for person in (roster.problem or {}).get("staff", [])]
    return list(selectors.staff_list(facility=roster.rota.facility, rota=roster.rota).filter(pk__in=ids))


def grid_by_person(*, roster) -> list[dict]:
    """One row per person: ``{"staff", "cells": [{"date", "cell": Cell | None} per day], "shifts"}``."""
    days = roster_days(roster=roster)
    index = {day: i for i, day in enumerate(days)}
    by_person: dict[int, list] = defaultdict(lambda: [None] * len(days))
    for cell in _cells(roster):
        by_person[cell.staff_id][index[cell.date]] = cell
    rows = []
    for member in roster_staff(roster=roster):
        cells = by_person.get(member.pk, [None] * len(days))
        rows.append(
            {
                "staff": member,
                "cells": [{"date": day, "cell": cell} for day, cell in zip(days, cells, strict=True)],
                "shifts": sum(1 for cell in cells if cell),
            }
        )
    return rows


def grid_by_shift(*, roster) -> list[dict]:
    """One row per shift type: ``{"shift", "days": [{"date", "people": [Cell, ...]} per day]}``."""
    days = roster_days(roster=roster)
    index = {day: i for i, day in enumerate(days)}
    people: dict[str, list[list[Cell]]] = defaultdict(lambda: [[] for _ in days])
    for cell in _cells(roster):
        people[cell.code][index[cell.date]].append(cell)
    return [
        {
            "shift": shift,
            "days": [
                {"date": day, "people": cells}
                for day, cells in zip(days, people.get(shift.code, [[] for _ in days]), strict=True)
            ],
        }
        for shift in selectors.shift_type_list(rota=roster.rota)
    ]


def grid_by_site(*, roster) -> list[dict]:
    """One block per site (and one for shifts with no site): ``{"site", "rows": grid_by_shift
    rows of that site's shift types}``."""
    blocks: dict[str, dict] = {}
    for row in grid_by_shift(roster=roster):
        site = row["shift"].site
        key = site.code if site else ""
        blocks.setdefault(key, {"site": site, "rows": []})["rows"].append(row)
    return sorted(blocks.values(), key=lambda block: (block["site"] is None, block["site"] and block["site"].code))


def next_shifts(*, facility, user, today: dt.date, limit: int = 10) -> list:
    """The user's next assignments (from today) in the published rosters of the facility."""
    staff = selectors.staff_for_user(facility=facility, user=user)
    return list(
        Assignment.objects.filter(staff__in=staff, roster__status=RosterStatus.PUBLISHED, date__gte=today)
        .select_related("staff__resource", "shift_type__site", "roster__rota")
        .order_by("date", "shift_type__start_time")[:limit]
    )


def progress_chart(*, roster, width: int = 480, height: int = 180) -> dict | None:
    """The solve's progress as SVG polylines of the objective and the bound over seconds."""
    points = [p for p in (roster.progress or []) if p.get("objective") is not None]
    if not points:
        return None
    pad_left, pad_right, pad_top, pad_bottom = 56, 12, 12, 28
    seconds = [float(p["seconds"]) for p in points]
    values = [float(p["objective"]) for p in points] + [float(p.get("bound") or 0) for p in points]
    top, low = max(values), min(values + [0.0])
    span_y = (top - low) or 1.0
    span_x = max(seconds[-1], 0.001)
    plot_w, plot_h = width - pad_left - pad_right, height - pad_top - pad_bottom

    def xy(second: float, value: float) -> str:
        x = pad_left + plot_w * (second / span_x)
        y = pad_top + plot_h * (1 - (value - low) / span_y)
        return f"{x:.1f},{y:.1f}"

    def steps(key: str) -> str:
        # A step line: a value holds until the next improvement.
        out, last = [], None
        for point in points:
            value = float(point.get(key) or 0)
            if last is not None:
                out.append(xy(float(point["seconds"]), last))
            out.append(xy(float(point["seconds"]), value))
            last = value
        return " ".join(out)

    return {
        "width": width,
        "height": height,
        "objective": steps("objective"),
        "bound": steps("bound"),
        "x0": pad_left,
        "x1": width - pad_right,
        "y0": pad_top,
        "y1": height - pad_bottom,
        "top": top,
        "low": low,
        "seconds": span_x,
        "points": points,
        "label_x": pad_left + plot_w / 2,
    }


def soft_violations_by_rule(*, roster) -> list[dict]:
    """The result's soft violations grouped by rule, costliest rule first."""
    groups: dict[str, dict] = {}
    for item in (roster.result or {}).get("soft_violations", []):
        group = groups.setdefault(item["rule"], {"rule": item["rule"], "cost": 0, "items": []})
        group["cost"] += item.get("cost") or 0
        group["items"].append(item)
    return sorted(groups.values(), key=lambda group: (-group["cost"], group["rule"]))


def roster_why(*, facility, actor, roster_id, staff_id, day: dt.date) -> tuple:
    """``(roster, staff, explanation)``: why the person works (or not) what they do on ``day``.
    404 for a roster the actor may not see, a person not on it, or a day outside it; 409
    ``roster_state`` for a roster without a solved result."""
    roster = selectors.roster_get(facility=facility, actor=actor, roster_id=roster_id)
    staff = selectors.staff_get(facility=facility, staff_id=staff_id)
    person = str(staff.pk)
    if staff.rota_id != roster.rota_id or not any(p["id"] == person for p in (roster.problem or {}).get("staff", [])):
        raise NotFound("This person on this roster")
    if not roster.first_day <= day <= roster.last_day:
        raise ApplicationError(
            "invalid", "The day is outside the roster.", fields={"date": ["The day is outside the roster."]}
        )
    if roster.objective is None:
        raise ApplicationError("roster_state", "The roster has no solved assignments to explain.", status_code=409)
    problem = selectors.roster_problem(roster=roster)
    solution = selectors.roster_solution(roster=roster)
    explanation = explain.why(problem, solution, person, (day - roster.first_day).days, time_limit=WHY_SECONDS)
    return roster, staff, explanation
