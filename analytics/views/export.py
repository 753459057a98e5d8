"""Any table of the analytics pages as CSV, with the page's own filters (the same query string);
every cell goes through ``scheduling.csv_export``, so a formula-like one stays text."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse

from analytics import metrics
from analytics.forms import DayForm
from analytics.views.base import AnalyticsPage, Table, local_today
from analytics.views.chairs import CHAIR_TABLES
from analytics.views.report import REPORT_TABLES, report_tables
from analytics.views.runs import RUN_DAYS, run_days, runs_table
from analytics.views.theatres import THEATRE_TABLES
from scheduling.csv_export import csv_lines
from scheduling.permissions import Action


class ExportView(AnalyticsPage):
    """Any table of the pages as CSV, with the page's filters (the same query string)."""

    def get(self, request, facility_slug: str, table: str):
        today = local_today()
        if table in CHAIR_TABLES or table in THEATRE_TABLES:
            chairs = table in CHAIR_TABLES
            form = self.range_form("chair" if chairs else "theatre", today)
            if not form.is_valid():
                return _bad_filters(form)
            filters = self.filters(form, today)
            tables = [(CHAIR_TABLES if chairs else THEATRE_TABLES)[table](filters)]
            name = f"{table}-{filters.first:%Y-%m-%d}-to-{filters.last:%Y-%m-%d}"
        elif table == "report" or table in REPORT_TABLES:
            form = DayForm(request.GET, today=today)
            if not form.is_valid():
                return _bad_filters(form)
            day = form.cleaned_data["date"]
            every = report_tables(metrics.daily_report(facility=request.facility, day=day))
            tables = list(every.values()) if table == "report" else [every[table]]
            name = f"{'daily-report' if table == 'report' else table}-{day:%Y-%m-%d}"
        elif table == "runs":
            if not self.can(Action.ANALYTICS_MANAGE):
                raise PermissionDenied("Your role may not see the nightly runs.")
            tables = [runs_table(run_days(facility=request.facility, today=today, days=RUN_DAYS))]
            name = f"nightly-runs-{today:%Y-%m-%d}"
        else:
            raise Http404("No such table.")
        response = StreamingHttpResponse(_csv(tables), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="careslot-{facility_slug}-{name}.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _csv(tables: list[Table]):
    """One table: its header and rows. Several (the whole daily report): each under its title,
    a blank line between them."""
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                yield "\r\n"
            yield from csv_lines([table.title], [])
        yield from csv_lines([column.key for column in table.columns], table.csv_rows())


def _bad_filters(form) -> HttpResponse:
    problems = "\n".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
    return HttpResponse(
        f"The filters cannot be read.\n{problems}\n", status=400, content_type="text/plain; charset=utf-8"
    )
