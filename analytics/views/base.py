"""What every analytics page builds on: the page class (role, facility, CSV links), the filters
a page has read, and the tables. A table is declared once (its columns and how each is shown) and
serves the page, its chart's data and its CSV download (through ``scheduling.csv_export``), so
the three always agree."""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from analytics import metrics
from analytics.forms import RangeFilterForm
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CHART_GROUPS = 12  # bars in a chart of groups; the table below it has them all


# --- tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, count, decimal, minutes, signed, percent, date, week, datetime, reasons, yesno


@dataclass
class Table:
    name: str
    title: str
    explanation: str
    columns: list[Column]
    rows: list[dict]
    empty: str = "Nothing in this period."
    csv_url: str = ""
    extra: dict = field(default_factory=dict)

    def display(self) -> list[list[dict]]:
        return [[_cell(row.get(column.key), column.kind) for column in self.columns] for row in self.rows]

    def header(self) -> list[dict]:
        return [{"label": column.label, "numeric": column.kind in NUMERIC} for column in self.columns]

    def csv_rows(self):
        for row in self.rows:
            yield [_raw(row.get(column.key), column.kind) for column in self.columns]


NUMERIC = {"count", "decimal", "minutes", "signed", "percent"}


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def minutes(value, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    number = float(value)
    text = f"{abs(number):,.0f}" if number == int(number) else f"{abs(number):,.1f}"
    sign = ("+" if number > 0 else "−" if number < 0 else "±") if signed else ("−" if number < 0 else "")
    return f"{sign}{text} min"


def _cell(value, kind: str) -> dict:
    if value is None or value == "" or value == []:
        text = "—"
    elif kind == "count":
        text = f"{int(value):,}"
    elif kind == "decimal":
        text = f"{float(value):,.1f}"
    elif kind == "minutes":
        text = minutes(value)
    elif kind == "signed":
        text = minutes(value, signed=True)
    elif kind == "percent":
        text = percent(value)
    elif kind == "date":
        text = f"{value:%a %d %b %Y}"
    elif kind == "week":
        text = f"Week of {value:%d %b %Y}"
    elif kind == "datetime":
        text = f"{timezone.localtime(value):%d %b %H:%M}"
    elif kind == "reasons":
        text = "; ".join(metrics.RISK_REASONS.get(reason, reason) for reason in value)
    elif kind == "yesno":
        text = "yes" if value else "no"
    else:
        text = str(value)
    return {"text": text, "numeric": kind in NUMERIC}


def _raw(value, kind: str):
    """The CSV cell: plain numbers (ratios from 0 to 1, as the API gives them), ISO dates."""
    if value is None:
        return ""
    if kind in ("date", "week", "datetime"):
        return value.isoformat()
    if kind == "reasons":
        return "; ".join(metrics.RISK_REASONS.get(reason, reason) for reason in value)
    if kind == "yesno":
        return "yes" if value else "no"
    return value


def bar_chart(table: Table, label_key: str, series: list[tuple[str, str]], unit: str = "min") -> dict:
    """Chart.js data for the largest groups of ``table`` (rows sorted as the metric sorts them)."""
    rows = table.rows[:CHART_GROUPS]
    return {
        "type": "bar",
        "unit": unit,
        "labels": [str(row[label_key]) for row in rows],
        "datasets": [{"label": label, "data": [row[key] for row in rows]} for key, label in series],
    }


# --- filters and pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    facility: object
    first: dt.date
    last: dt.date
    resource_ids: list[int] | None
    today: dt.date
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # reads shared by a page's tables


def local_today() -> dt.date:
    """The facility's local date (FacilityPageMixin activates its zone)."""
    return timezone.localdate()


class AnalyticsPage(FacilityPageMixin, View):
    required_action = Action.ANALYTICS_VIEW
    section = ""

    def page(self, template: str, context: dict, status: int = 200):
        context = {"section": self.section, "can_manage": self.can(Action.ANALYTICS_MANAGE), **context}
        return render(self.request, template, context, status=status)

    def export_url(self, table: str, query: dict) -> str:
        url = reverse("analytics:export", kwargs={"facility_slug": self.request.facility.slug, "table": table})
        return f"{url}?{urlencode(query)}"

    def range_form(self, resource_kind: str, today: dt.date) -> RangeFilterForm:
        return RangeFilterForm(
            self.request.GET, facility=self.request.facility, resource_kind=resource_kind, today=today
        )

    def filters(self, form: RangeFilterForm, today: dt.date) -> Filters:
        fields = form.cleaned_data
        return Filters(self.request.facility, fields["first"], fields["last"], form.resource_ids(), today)

    def tables(self, builders: dict, filters: Filters, query: dict) -> dict[str, Table]:
        """Each table, its CSV link set; keyed by name with ``_`` for ``-``, for the templates."""
        tables = {}
        for name, build in builders.items():
            table = build(filters)
            table.csv_url = self.export_url(name, query)
            tables[name.replace("-", "_")] = table
        return tables
