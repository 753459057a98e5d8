"""The daily report of one local day (``metrics.daily_report``), as subscribers receive it by
email, with its CSV and the button that starts or stops the email."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from analytics import metrics, selectors, services
from analytics.forms import DayForm
from analytics.views.base import AnalyticsPage, Column, Table, local_today, minutes, percent
from analytics.views.chairs import CHAIR_COLUMNS, DAY_COLUMNS
from analytics.views.theatres import SUITE_COLUMNS


def report_tables(report: dict) -> dict[str, Table]:
    chairs = report["chairs"]
    return {
        "report-chairs": Table(
            name="report-chairs",
            title="Infusion chairs",
            explanation="The day's capacity, bookings and use.",
            columns=DAY_COLUMNS,
            rows=[chairs] if chairs else [],
            empty="No appointments and no nurse capacity this day.",
        ),
        "report-by-chair": Table(
            name="report-by-chair",
            title="Each chair",
            explanation="Used minutes ÷ the minutes the center was open.",
            columns=CHAIR_COLUMNS,
            rows=report["by_chair"],
            empty="No chair had appointments this day.",
        ),
        "report-at-risk": Table(
            name="report-at-risk",
            title="At-risk days ahead",
            explanation="The 14 days that follow, scored from the bookings and nurse capacity known.",
            columns=[
                Column("date", "Day", "date"),
                Column("reasons", "Why", "reasons"),
                Column("expected_minutes", "Expected", "minutes"),
                Column("supported_minutes", "Supported", "minutes"),
                Column("expected_utilization", "Expected utilization", "percent"),
                Column("chairs_open", "Chairs open", "count"),
                Column("chairs_supported", "Chairs supported", "count"),
                Column("nurses_available", "Nurses", "count"),
            ],
            rows=report["at_risk"],
            empty="No day at risk in the next 14 days.",
        ),
        "report-variances": Table(
            name="report-variances",
            title="Largest variances",
            explanation="The day's completed appointments furthest from their booked minutes.",
            columns=[
                Column("appointment_id", "Appointment"),
                Column("chair_name", "Chair"),
                Column("regimen_category", "Regimen category"),
                Column("patient_type", "Patient type"),
                Column("scheduled_minutes", "Booked", "minutes"),
                Column("actual_minutes", "Actual", "minutes"),
                Column("difference", "Difference", "signed"),
            ],
            rows=report["largest_variances"],
            empty="No completed appointment with actual times this day.",
        ),
        "report-suites": Table(
            name="report-suites",
            title="Each suite",
            explanation="The day of each operating suite.",
            columns=SUITE_COLUMNS,
            rows=report["by_suite"],
            empty="No theatre cases this day.",
        ),
    }


REPORT_TABLES = {"report-chairs", "report-by-chair", "report-at-risk", "report-variances", "report-suites"}


class ReportView(AnalyticsPage):
    """The daily report of one local day (by default the last before today with chair
    appointments or cases), as the email sends it."""

    section = "report"

    def get(self, request, facility_slug: str):
        form = DayForm(request.GET, today=local_today())
        if not form.is_valid():
            return self.page("analytics/report.html", {"form": form}, status=400)
        day = form.cleaned_data["date"]
        if not request.GET.get("date"):
            # By default the last day with chair appointments or cases: after a weekend or a
            # holiday, yesterday has nothing to report.
            latest = metrics.latest_days(facility=request.facility, before=local_today())
            day = max((found for found in latest.values() if found), default=day)
        report = metrics.daily_report(facility=request.facility, day=day)
        chairs, theatres = report["chairs"], report["theatres"]
        query = {"date": f"{day:%Y-%m-%d}"}
        tables = {}
        for name, table in report_tables(report).items():
            table.csv_url = self.export_url(name, query)
            tables[name.replace("-", "_")] = table
        context = {
            "form": form,
            "day": day,
            "tables": tables,
            "chairs": chairs,
            "chair_text": chairs
            and {
                "utilization": percent(chairs["utilization"]),
                "used": minutes(chairs["used_minutes"]),
                "supported": minutes(chairs["supported_minutes"]),
                "gap": minutes(chairs["capacity_gap_minutes"], signed=True),
            },
            "theatres": theatres,
            "theatre_text": theatres
            and {
                "prime": percent(theatres["prime_time_utilization"]),
                "on_time": percent(theatres["first_case_on_time_share"]),
                "late": percent(theatres["late_start_share"]),
                "turnover": minutes(theatres["mean_turnover_minutes"]),
            },
            "report_csv": self.export_url("report", query),
            "report_text": metrics.report_text(report),
            "subscribed": selectors.is_subscribed(facility_id=request.facility.pk, user_id=request.user.pk),
            "previous_day": f"{day - dt.timedelta(days=1):%Y-%m-%d}",
            "next_day": f"{day + dt.timedelta(days=1):%Y-%m-%d}",
        }
        return self.page("analytics/report.html", context)


class SubscribeView(AnalyticsPage):
    """Starts or stops the daily report email for the member who asks
    (``analytics.services.report_subscribe``, audited)."""

    http_method_names = ["post"]

    def post(self, request, facility_slug: str):
        choice = request.POST.get("subscribe")
        if choice not in ("1", "0"):
            messages.error(request, "Nothing was changed: choose to start or stop the email.")
        else:
            services.report_subscribe(facility=request.facility, user=request.user, subscribe=choice == "1")
            if choice == "1":
                where = f" at {request.user.email}" if request.user.email else ""
                messages.success(request, f"The daily report will be emailed to you{where} each morning.")
            else:
                messages.success(request, "You will no longer receive the daily report by email.")
        url = reverse("analytics:report", kwargs={"facility_slug": facility_slug})
        form = DayForm(request.POST, today=local_today())
        if form.is_valid():
            url += f"?date={form.cleaned_data['date']:%Y-%m-%d}"
        return redirect(url)
