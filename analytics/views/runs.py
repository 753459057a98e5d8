"""The nightly runs of the last 14 days (managers and admins): each day's run or why it has
none, a failed or missed day in sight, and the button that re-runs a day."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from analytics import selectors, services, tasks
from analytics.forms import RerunForm
from analytics.views.base import AnalyticsPage, Column, Table, local_today
from scheduling.permissions import Action

RUN_DAYS = 14
BANNER_DAYS = 7


# A run still "running" this long after it started outlived the task's 30-minute time limit: its
# worker died, and the next nightly pass will try the day again.
STALLED_AFTER = dt.timedelta(minutes=35)
RUN_STATES = {
    "succeeded": "Succeeded",
    "running": "Running",
    "stalled": "Stopped while running",
    "failed": "Failed",
    "missing": "Missed: no run",
    "due": "Not yet due",
    "before": "Before the first run",
}


def run_days(*, facility, today: dt.date, days: int) -> list[dict]:
    """The ``days`` days before today, newest first, each with its run or why it has none. A day
    is missed when it has no run although a run of an earlier day exists and the nightly pass was
    due (after 01:00 local on the day after)."""
    window = selectors.nightly_run_list(facility=facility, first=today - dt.timedelta(days=days), last=today)
    runs = {run.date: run for run in window}
    first_run = selectors.first_run_day(facility_id=facility.pk)
    due_back = 1 if timezone.localtime().hour >= services.NIGHTLY_AFTER_HOUR else 2
    newest_due = today - dt.timedelta(days=due_back)
    rows = []
    for back in range(1, days + 1):
        day = today - dt.timedelta(days=back)
        run = runs.get(day)
        if run is not None:
            state = run.status
            if state == "running" and run.started_at < timezone.now() - STALLED_AFTER:
                state = "stalled"
        elif first_run is None or day < first_run:
            state = "before"
        elif day > newest_due:
            state = "due"
        else:
            state = "missing"
        rows.append(
            {
                "date": day,
                "state": state,
                "status": RUN_STATES.get(state, state),
                "problem": state in ("failed", "stalled", "missing"),
                "trigger": run.trigger if run else "",
                "started_at": run.started_at if run else None,
                "finished_at": run.finished_at if run else None,
                "error": run.error if run else "",
            }
        )
    return rows


def problem_summary(rows: list[dict]) -> list[dict]:
    """The failed and the missed days, each kind once: [{"label": "Failed", "days": "Thu 3 Dec"}, …]."""
    summary = []
    for state, label in (("failed", "Failed"), ("stalled", "Stopped while running"), ("missing", "Missed (no run)")):
        days = [f"{row['date']:%a %-d %b}" for row in rows if row["state"] == state]
        if days:
            summary.append({"label": label, "days": ", ".join(days), "count": len(days)})
    return summary


def runs_table(rows: list[dict]) -> Table:
    return Table(
        name="runs",
        title="Nightly runs",
        explanation="Each night the day before is aggregated; a failed or missed day is tried again for a week.",
        columns=[
            Column("date", "Day", "date"),
            Column("status", "Status"),
            Column("trigger", "Run by"),
            Column("started_at", "Started", "datetime"),
            Column("finished_at", "Finished", "datetime"),
            Column("error", "Error"),
        ],
        rows=rows,
    )


class RunsView(AnalyticsPage):
    """The last 14 days' nightly runs, a failed or missed day first in sight, each re-runnable."""

    required_action = Action.ANALYTICS_MANAGE
    section = "runs"

    def get(self, request, facility_slug: str):
        return self.runs_page(local_today())

    def runs_page(self, today: dt.date, *, error: str = "", status: int = 200):
        rows = run_days(facility=self.request.facility, today=today, days=RUN_DAYS)
        table = runs_table(rows)
        table.csv_url = self.export_url("runs", {})
        context = {
            "table": table,
            "rows": rows,
            "problems": problem_summary(rows),
            "problem_days": sum(1 for row in rows if row["problem"]),
            "any_run": any(row["state"] not in ("before", "due") for row in rows),
            "error": error,
        }
        return self.page("analytics/runs.html", context, status=status)


class RerunView(RunsView):
    """Queues ``analytics.tasks.rerun`` for one day; the runs page shows its progress."""

    http_method_names = ["post"]

    def post(self, request, facility_slug: str):
        today = local_today()
        form = RerunForm(request.POST, today=today)
        if not form.is_valid():
            problems = " ".join(message for errors in form.errors.values() for message in errors)
            return self.runs_page(today, error=f"Nothing was re-run: {problems}", status=400)
        day = form.cleaned_data["date"]
        try:
            tasks.rerun.delay(facility_id=request.facility.pk, day=day.isoformat())
        except BrokerError:
            return self.runs_page(
                today, error="The re-run could not be queued (the task queue is not reachable): try again.", status=503
            )
        messages.success(request, f"The figures of {day:%A %d %B %Y} are being recalculated: refresh in a minute.")
        return redirect("analytics:runs", facility_slug=facility_slug)
