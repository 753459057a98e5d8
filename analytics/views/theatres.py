"""The theatres page: the period's summary figures, each suite, booked against in-room minutes by
service, procedure and suite (charts and tables), and how a late case delays the next."""

from collections.abc import Callable
from urllib.parse import urlencode

from analytics import metrics, selectors
from analytics.views.base import (
    CHART_GROUPS,
    AnalyticsPage,
    Column,
    Filters,
    Table,
    bar_chart,
    local_today,
    minutes,
    percent,
)

EMPTY_THEATRES = "No theatre cases in this period — import an OR cases file or complete theatre bookings."


SUITE_COLUMNS = [
    Column("suite_name", "Suite"),
    Column("suite_days", "Suite-days", "count"),
    Column("cases", "Cases", "count"),
    Column("cases_per_suite_day", "Cases per suite-day", "decimal"),
    Column("prime_time_utilization", "Prime-time utilization", "percent"),
    Column("first_case_on_time_share", "First case on time", "percent"),
    Column("late_start_share", "Late starts", "percent"),
    Column("mean_turnover_minutes", "Mean turnover", "minutes"),
    Column("days_after_prime", "Days past prime time", "count"),
    Column("mean_after_prime_minutes", "Mean past prime time", "minutes"),
    Column("booked_minutes", "Booked", "minutes"),
    Column("in_room_minutes", "In room", "minutes"),
]


def suites_table(f: Filters) -> Table:
    return Table(
        name="suites",
        title="Each suite",
        explanation="Prime-time utilization = in-room minutes inside prime time ÷ the prime-time minutes of its days.",
        columns=SUITE_COLUMNS,
        rows=metrics.or_suites(facility=f.facility, first=f.first, last=f.last, resource_ids=f.resource_ids),
        empty=EMPTY_THEATRES,
    )


BOOKED_GROUPS = {"service": "Service", "procedure": "Procedure", "suite": "Suite"}


def _booked(f: Filters, group_by: str) -> Table:
    label = [Column(group_by, BOOKED_GROUPS[group_by])]
    if group_by == "procedure":
        label.append(Column("description", "Description"))
    return Table(
        name=f"booked-{group_by}",
        title=f"Booked against in-room time by {BOOKED_GROUPS[group_by].lower()}",
        explanation="In-room = wheels in to wheels out; difference = in-room − booked; error = its absolute size.",
        columns=[
            *label,
            Column("cases", "Cases", "count"),
            Column("mean_booked_minutes", "Mean booked", "minutes"),
            Column("mean_in_room_minutes", "Mean in room", "minutes"),
            Column("mean_difference", "Mean difference", "signed"),
            Column("mean_absolute_error", "Mean error", "minutes"),
        ],
        rows=metrics.or_booked_vs_actual(
            facility=f.facility, first=f.first, last=f.last, group_by=group_by, resource_ids=f.resource_ids
        ),
        empty=EMPTY_THEATRES,
    )


def knock_on_table(f: Filters) -> Table:
    knock_on = metrics.or_knock_on(facility=f.facility, first=f.first, last=f.last, resource_ids=f.resource_ids)
    rows = [
        {
            "after": after,
            "cases": knock_on[f"cases_after_{key}"],
            "mean_delay": knock_on[f"mean_delay_after_{key}"],
            "late_share": knock_on[f"late_share_after_{key}"],
        }
        for after, key in (("a case that started late", "a_late_case"), ("a case on time", "an_on_time_case"))
    ]
    return Table(
        name="knock-on",
        title="Knock-on delay",
        explanation="A case's start delay (wheels in − scheduled start) after the case before it in the same suite.",
        columns=[
            Column("after", "After"),
            Column("cases", "Cases", "count"),
            Column("mean_delay", "Mean start delay", "signed"),
            Column("late_share", "Started late themselves", "percent"),
        ],
        rows=rows if any(row["cases"] for row in rows) else [],
        empty="No suite had two cases on one day in this period.",
        extra=knock_on,
    )


THEATRE_TABLES: dict[str, Callable[[Filters], Table]] = {
    "suites": suites_table,
    "booked-service": lambda f: _booked(f, "service"),
    "booked-procedure": lambda f: _booked(f, "procedure"),
    "booked-suite": lambda f: _booked(f, "suite"),
    "knock-on": knock_on_table,
}


class TheatresView(AnalyticsPage):
    section = "theatres"

    def get(self, request, facility_slug: str):
        today = local_today()
        form = self.range_form("theatre", today)
        if not form.is_valid():
            return self.page("analytics/theatres.html", {"form": form}, status=400)
        filters, query = self.filters(form, today), form.query()
        tables = self.tables(THEATRE_TABLES, filters, query)
        summary = metrics.or_suites(
            facility=request.facility,
            first=filters.first,
            last=filters.last,
            resource_ids=filters.resource_ids,
            by_suite=False,
        )[0]
        settings = selectors.settings_for(facility_id=request.facility.pk)
        booked = ("mean_booked_minutes", "Mean booked"), ("mean_in_room_minutes", "Mean in room")
        knock_on = tables["knock_on"].extra
        context = {
            "form": form,
            "filters": filters,
            "query": urlencode({"from": query["from"], "to": query["to"]}),
            "tables": tables,
            "has_data": bool(summary["suite_days"]),
            "latest_case_day": None
            if summary["suite_days"]
            else metrics.latest_days(facility=request.facility, before=today)["theatres"],
            "figures": theatre_figures(summary, settings),
            "knock_on": knock_on,
            "knock_on_text": {
                "after_late": minutes(knock_on["mean_delay_after_a_late_case"], signed=True),
                "late_after_late": percent(knock_on["late_share_after_a_late_case"]),
                "after_on_time": minutes(knock_on["mean_delay_after_an_on_time_case"], signed=True),
                "late_after_on_time": percent(knock_on["late_share_after_an_on_time_case"]),
            },
            "chart_groups": CHART_GROUPS,
            "booked_charts": {
                group: bar_chart(tables[f"booked_{group}"], group, list(booked)) for group in BOOKED_GROUPS
            },
            "settings": settings,
        }
        return self.page("analytics/theatres.html", context)


def theatre_figures(summary: dict, settings) -> list[dict]:
    prime = f"{settings.prime_start:%H:%M}–{settings.prime_end:%H:%M}"
    cases_per_day = summary["cases_per_suite_day"]
    return [
        {
            "label": "Cases per suite-day",
            "value": "—" if cases_per_day is None else f"{cases_per_day:.1f}",
            "explanation": f"{summary['cases']:,} cases in {summary['suite_days']:,} suite-days.",
        },
        {
            "label": "Prime-time utilization",
            "value": percent(summary["prime_time_utilization"]),
            "explanation": f"In-room minutes inside prime time ({prime}) ÷ its minutes.",
        },
        {
            "label": "First case on time",
            "value": percent(summary["first_case_on_time_share"]),
            "explanation": f"Suite-days whose first case was wheeled in within {settings.first_case_grace_minutes} "
            "minutes of its scheduled start.",
        },
        {
            "label": "Late starts",
            "value": percent(summary["late_start_share"]),
            "explanation": f"Cases wheeled in more than {settings.late_start_minutes} minutes after their "
            "scheduled start.",
        },
        {
            "label": "Mean turnover",
            "value": minutes(summary["mean_turnover_minutes"]),
            "explanation": "From a case's wheels out to the next one's wheels in, same suite and day.",
        },
        {
            "label": "Past prime time",
            "value": f"{summary['days_after_prime']:,}",
            "explanation": f"Suite-days still running after {settings.prime_end:%H:%M} "
            f"({percent(summary['after_prime_share'])}; mean {minutes(summary['mean_after_prime_minutes'])} over).",
        },
    ]
