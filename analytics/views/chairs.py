"""The chairs dashboard, the analytics home page: the period's headline figures, utilization day
by day (chart and table), the hour-of-day heat map, booked against actual chair time by regimen
category and patient type (charts and tables), each chair, week by week, and the calendar of the
next 14 days with the days at risk and why. The manager's warning of failed or missed nightly
runs heads it."""

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from analytics import metrics, selectors
from analytics.views.base import (
    WEEKDAYS,
    AnalyticsPage,
    Column,
    Filters,
    Table,
    bar_chart,
    local_today,
    minutes,
    percent,
)
from analytics.views.runs import BANNER_DAYS, problem_summary, run_days
from scheduling.permissions import Action

RISK_DAYS = 14
EMPTY_CHAIRS = "No chair data in this period — import files or complete bookings."


VARIANCE_COLUMNS = [
    Column("appointments", "Completed (n)", "count"),
    Column("mean_scheduled_minutes", "Mean booked", "minutes"),
    Column("mean_actual_minutes", "Mean actual", "minutes"),
    Column("mean_difference", "Mean difference", "signed"),
    Column("median_difference", "Median difference", "signed"),
    Column("p90_difference", "90th percentile", "signed"),
    Column("share_off", "Share off by more than the threshold", "percent"),
]


def _variance_sets(f: Filters) -> dict[str, list[dict]]:
    """The three groupings of the variance, read once per page (one query)."""
    if "variance" not in f.cache:
        f.cache["variance"] = metrics.chair_variance_sets(
            facility=f.facility, first=f.first, last=f.last, resource_ids=f.resource_ids
        )
    return f.cache["variance"]


def _variance(f: Filters, group_by: str, title: str) -> Table:
    keys = metrics.VARIANCE_GROUPS[group_by]
    labels = {"regimen_category": "Regimen category", "patient_type": "Patient type"}
    return Table(
        name=f"variance-{group_by.replace('_', '-')}",
        title=title,
        explanation="Actual − booked minutes of completed appointments: positive means they ran longer than booked.",
        columns=[*(Column(key, labels[key]) for key in keys), *VARIANCE_COLUMNS],
        rows=_variance_sets(f)[group_by],
        empty="No completed appointment with actual times in this period.",
    )


DAY_COLUMNS = [
    Column("chairs_open", "Chairs open", "count"),
    Column("nurses_available", "Nurses", "count"),
    Column("chairs_supported", "Chairs supported", "count"),
    Column("appointments", "Appointments", "count"),
    Column("completed", "Completed", "count"),
    Column("cancelled", "Cancelled", "count"),
    Column("no_shows", "No-shows", "count"),
    Column("demand_minutes", "Booked", "minutes"),
    Column("supported_minutes", "Supported", "minutes"),
    Column("used_minutes", "Used", "minutes"),
    Column("utilization", "Utilization", "percent"),
    Column("capacity_gap_minutes", "Capacity gap", "signed"),
]


def chair_days_table(f: Filters) -> Table:
    return Table(
        name="days",
        title="Day by day",
        explanation="Supported = chairs the nurses on duty support × open minutes; utilization = used ÷ supported.",
        columns=[Column("date", "Day", "date"), *DAY_COLUMNS],
        rows=metrics.chair_days(facility=f.facility, first=f.first, last=f.last),
        empty=EMPTY_CHAIRS,
    )


def chair_hours_table(f: Filters) -> Table:
    rows = [
        {**row, "weekday_name": WEEKDAYS[row["weekday"]], "hour_label": f"{row['hour']:02d}:00"}
        for row in metrics.chair_use_by_hour(facility=f.facility, first=f.first, last=f.last)
    ]
    return Table(
        name="hours",
        title="By weekday and hour",
        explanation="Chair minutes used in each hour of the clock ÷ the chair minutes the nurses supported in it.",
        columns=[
            Column("weekday_name", "Weekday"),
            Column("hour_label", "Hour"),
            Column("used_minutes", "Used", "minutes"),
            Column("supported_minutes", "Supported", "minutes"),
            Column("utilization", "Utilization", "percent"),
        ],
        rows=rows,
        empty=EMPTY_CHAIRS,
    )


CHAIR_COLUMNS = [
    Column("chair_name", "Chair"),
    Column("appointments", "Appointments", "count"),
    Column("used_minutes", "Used", "minutes"),
    Column("open_minutes", "Open", "minutes"),
    Column("utilization", "Utilization", "percent"),
]


def chairs_table(f: Filters) -> Table:
    return Table(
        name="chairs",
        title="Each chair",
        explanation="Used minutes ÷ the minutes the center was open, over the days up to yesterday.",
        columns=CHAIR_COLUMNS,
        rows=metrics.chair_use_by_chair(facility=f.facility, first=f.first, last=f.last, resource_ids=f.resource_ids),
        empty="No chair had appointments in this period.",
    )


def weeks_table(f: Filters) -> Table:
    return Table(
        name="weeks",
        title="Week by week",
        explanation="Each week from its Monday: how much was booked, used, cancelled and missed.",
        columns=[
            Column("week", "Week", "week"),
            Column("appointments", "Appointments", "count"),
            Column("completed", "Completed", "count"),
            Column("utilization", "Utilization", "percent"),
            Column("cancellation_rate", "Cancelled", "percent"),
            Column("no_show_rate", "No-shows", "percent"),
            Column("mean_difference", "Mean variance", "signed"),
            Column("share_off", "Share off", "percent"),
        ],
        rows=metrics.weekly_trends(facility=f.facility, first=f.first, last=f.last),
        empty=EMPTY_CHAIRS,
    )


def risk_table(f: Filters) -> Table:
    """The 14 days from today: at-risk days with their reasons, the others with what is known."""
    last = f.today + dt.timedelta(days=RISK_DAYS - 1)
    known = {row["date"]: row for row in metrics.chair_days(facility=f.facility, first=f.today, last=last)}
    risky = {row["date"]: row for row in metrics.at_risk_days(facility=f.facility, first=f.today, last=last)}
    rows = []
    for offset in range(RISK_DAYS):
        day = f.today + dt.timedelta(days=offset)
        row = {**known.get(day, {}), **risky.get(day, {}), "date": day, "at_risk": day in risky}
        row.setdefault("reasons", [])
        if row.get("expected_utilization") is None and row.get("supported_minutes"):
            row["expected_utilization"] = round(row["expected_minutes"] / row["supported_minutes"], 4)
        rows.append(row)
    return Table(
        name="risk",
        title="Days at risk",
        explanation="Scored from the bookings and nurse capacity already known.",
        columns=[
            Column("date", "Day", "date"),
            Column("at_risk", "At risk", "yesno"),
            Column("reasons", "Why", "reasons"),
            Column("expected_minutes", "Expected", "minutes"),
            Column("supported_minutes", "Supported", "minutes"),
            Column("expected_utilization", "Expected utilization", "percent"),
            Column("chairs_open", "Chairs open", "count"),
            Column("chairs_supported", "Chairs supported", "count"),
        ],
        rows=rows,
    )


CHAIR_TABLES: dict[str, Callable[[Filters], Table]] = {
    "days": chair_days_table,
    "hours": chair_hours_table,
    "variance-regimen-category": lambda f: _variance(f, "regimen_category", "By regimen category"),
    "variance-patient-type": lambda f: _variance(f, "patient_type", "By patient type"),
    "variance-category-and-type": lambda f: _variance(f, "category_and_type", "By category and patient type"),
    "chairs": chairs_table,
    "weeks": weeks_table,
    "risk": risk_table,
}


class HomeView(AnalyticsPage):
    """The chairs dashboard."""

    section = "chairs"

    def get(self, request, facility_slug: str):
        today = local_today()
        form = self.range_form("chair", today)
        context = {"form": form, "run_problems": self.run_problems(today)}
        if not form.is_valid():
            return self.page("analytics/home.html", context, status=400)
        filters, query = self.filters(form, today), form.query()
        tables = self.tables(CHAIR_TABLES, filters, query)
        rates = metrics.chair_rates(facility=request.facility, first=filters.first, last=filters.last)
        settings = selectors.settings_for(facility_id=request.facility.pk)
        context |= {
            "filters": filters,
            "query": urlencode({"from": query["from"], "to": query["to"]}),
            "tables": tables,
            "has_data": bool(rates["days"]),
            "figures": chair_figures(rates, settings),
            "trend": trend_chart(tables["days"].rows),
            "heat_map": heat_map(tables["hours"].rows, settings),
            "calendar": calendar(tables["risk"].rows, today),
            "at_risk_count": sum(1 for row in tables["risk"].rows if row["at_risk"]),
            "weekday_names": WEEKDAYS,
            "variance_charts": {
                key: bar_chart(tables[f"variance_{key}"], key, VARIANCE_SERIES)
                for key in ("regimen_category", "patient_type")
            },
            "threshold": settings.variance_threshold_minutes,
            "risk_percent": settings.risk_utilization_percent,
        }
        return self.page("analytics/home.html", context)

    def run_problems(self, today: dt.date) -> list[dict]:
        """For those who may re-run them: the failed or missed days of the last week, by kind."""
        if not self.can(Action.ANALYTICS_MANAGE):
            return []
        return problem_summary(run_days(facility=self.request.facility, today=today, days=BANNER_DAYS))


VARIANCE_SERIES = [("mean_difference", "Mean"), ("median_difference", "Median"), ("p90_difference", "90th percentile")]


def chair_figures(rates: dict, settings) -> list[dict]:
    return [
        {
            "label": "Utilization",
            "value": percent(rates["utilization"]),
            "explanation": "Chair minutes used ÷ the chair minutes the nurses on duty could support.",
        },
        {
            "label": "Cancellations",
            "value": percent(rates["cancellation_rate"]),
            "explanation": f"{rates['cancelled']:,} of {rates['appointments']:,} appointments were cancelled.",
        },
        {
            "label": "No-shows",
            "value": percent(rates["no_show_rate"]),
            "explanation": f"{rates['no_shows']:,} of the {rates['completed'] + rates['no_shows']:,} "
            "appointments that were due (completed or missed).",
        },
        {
            "label": "Mean variance",
            "value": minutes(rates["mean_difference"], signed=True),
            "explanation": f"Actual − booked minutes; {percent(rates['share_off'])} were more than "
            f"{settings.variance_threshold_minutes} minutes off.",
        },
    ]


def trend_chart(days: list[dict]) -> dict:
    return {
        "type": "bar",
        "labels": [f"{row['date']:%d %b}" for row in days],
        "datasets": [
            {"label": "Used minutes", "data": [row["used_minutes"] for row in days], "unit": "min"},
            {
                "label": "Supported minutes",
                "data": [row["supported_minutes"] for row in days],
                "type": "line",
                "unit": "min",
            },
            {
                "label": "Utilization",
                "data": [None if row["utilization"] is None else round(row["utilization"] * 100, 1) for row in days],
                "type": "line",
                "axis": "percent",
                "unit": "%",
            },
        ],
        "axes": {"y": "Chair minutes", "percent": "Utilization (%)"},
    }


def heat_map(rows: list[dict], settings) -> dict:
    """Weekday × hour cells shaded in tenths of utilization (``heat-0`` … ``heat-10`` for 100 %
    and over): the open hours, and any other hour a chair was used."""
    cells = {(row["weekday"], row["hour"]): row for row in rows}
    end = settings.chair_day_end
    hours = set(range(settings.chair_day_start.hour, end.hour + (1 if end.minute else 0)))
    hours |= {row["hour"] for row in rows if row["used_minutes"]}
    grid = []
    for weekday in sorted({row["weekday"] for row in rows}):
        line = []
        for hour in sorted(hours):
            row = cells.get((weekday, hour), {})
            value = row.get("utilization")
            after_hours = value is None and row.get("used_minutes")
            line.append(
                {
                    # An hour outside opening hours has no utilization; its use is shown in minutes.
                    "text": f"{row['used_minutes']} min" if after_hours else percent(value),
                    "level": "after-hours" if after_hours else "none" if value is None else min(10, int(value * 10)),
                    "title": f"{WEEKDAYS[weekday]} {hour:02d}:00: {minutes(row.get('used_minutes'))} used of "
                    f"{minutes(row.get('supported_minutes'))} supported",
                }
            )
        grid.append({"weekday": WEEKDAYS[weekday], "cells": line})
    return {"hours": [f"{hour:02d}:00" for hour in sorted(hours)], "rows": grid}


def calendar(rows: list[dict], today: dt.date) -> list[list[dict | None]]:
    """The risk window as weeks from Monday to Sunday; days outside it are None."""
    by_date = {row["date"]: row for row in rows}
    day = today - dt.timedelta(days=today.weekday())
    last = rows[-1]["date"]
    weeks = []
    while day <= last:
        week = []
        for _ in range(7):
            row = by_date.get(day)
            week.append(
                None
                if row is None
                else {
                    "date": day,
                    "today": day == today,
                    "at_risk": row["at_risk"],
                    "reasons": [metrics.RISK_REASONS.get(reason, reason) for reason in row["reasons"]],
                    "expected": minutes(row.get("expected_minutes")),
                    "supported": minutes(row.get("supported_minutes")),
                    "known": "supported_minutes" in row,
                    "expected_utilization": percent(row.get("expected_utilization")),
                }
            )
            day += dt.timedelta(days=1)
        weeks.append(week)
    return weeks
