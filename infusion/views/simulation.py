"""The what-if simulation's pages, under /f/<facility>/infusion/simulation/: the form (defaults
from the center's settings) with the past runs, a run's page (a progress bar polled by htmx while
a worker runs it, then its measures side by side with their intervals and charts), stopping a
run, and its CSV."""

from django import forms
from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header

from infusion.models import RunStatus
from infusion.selectors import simulation as selectors
from infusion.services import simulation as services
from infusion.simulation import runner
from infusion.views.capacity import InfusionPage
from scheduling.csv_export import csv_lines
from scheduling.errors import ApplicationError
from scheduling.permissions import Action

LIST_SIZE = 20
POLICY_NAMES = {"levelled": "Levelled (default)", "study": "The study's"}
CHARTED = ("wait_minutes", "days_to_treatment", "overflow_days", "peak_load", "overtime_minutes", "throughput")
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def _bounded(name: str, label: str, *, decimal: bool = False, help_text: str = ""):
    low, high, _ = services.BOUNDS[name]
    field = forms.FloatField if decimal else forms.IntegerField
    return field(label=label, min_value=low, max_value=high, help_text=help_text)


class SimulationForm(forms.Form):
    chairs = _bounded("chairs", "Chairs")
    nurses = _bounded("nurses", "Nurses on duty", help_text="Each open day.")
    weekly_capacity = _bounded("weekly_capacity", "Patients a week", help_text="Split by the weekday mix.")
    arrival_minutes = _bounded(
        "arrival_minutes", "Minutes between requests", decimal=True, help_text="Mean, exponential, in working hours."
    )
    policy = forms.ChoiceField(
        label="Policy",
        choices=[
            ("both", "Both, side by side"),
            ("levelled", POLICY_NAMES["levelled"]),
            ("study", POLICY_NAMES["study"]),
        ],
    )
    horizon_days = _bounded("horizon_days", "Days measured", help_text="After a 90-day warm-up.")
    replications = _bounded("replications", "Replications")
    seed = _bounded("seed", "Seed", help_text="The same seed gives the same results.")


class SimulationPage(InfusionPage):
    """A simulation page, with the infusion center's links (``InfusionPage.sections``)."""

    required_action = Action.INFUSION_SIMULATE
    section = "simulate"

    def run(self, run_id):
        return selectors.simulation_run_get(facility=self.request.facility, run_id=run_id)


class SimulateView(SimulationPage):
    """GET: the form, prefilled from the center, and the past runs. POST: starts a run and opens
    its page."""

    def get(self, request, facility_slug: str):
        return self.render_form(SimulationForm(initial=selectors.simulation_defaults(facility=request.facility)))

    def post(self, request, facility_slug: str):
        form = SimulationForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            run = services.simulation_start(facility=request.facility, actor=request.user, parameters=form.cleaned_data)
        except ApplicationError as error:
            for field, problems in error.fields.items():
                form.add_error(field if field in form.fields else None, problems)
            return self.render_form(form, status=error.status_code)
        messages.success(request, "The simulation is queued.")
        return redirect(reverse("infusion:simulation-run", kwargs={"facility_slug": facility_slug, "run_id": run.pk}))

    def render_form(self, form, *, status: int = 200):
        runs = selectors.simulation_run_list(facility=self.request.facility, limit=LIST_SIZE)
        context = {"form": form, "runs": runs, "size": LIST_SIZE}
        return self.page("infusion/simulation/form.html", context, status=status)


class RunView(SimulationPage):
    def get(self, request, facility_slug: str, run_id: int):
        run = self.run(run_id)
        context = {"run": run, "active": run.status in ACTIVE, "may_stop": self.may_stop(run)}
        if run.results and run.results.get("replications"):
            context.update(_results(run))
        return self.page("infusion/simulation/run.html", context)

    def may_stop(self, run) -> bool:
        return run.status in ACTIVE and (run.created_by_id == self.request.user.pk or self.can(Action.INFUSION_MANAGE))


class ProgressView(RunView):
    """The status block alone, polled by the run's page while it is queued or running; once the
    run has left the worker, htmx reloads the page so the results show."""

    def get(self, request, facility_slug: str, run_id: int):
        run = self.run(run_id)
        context = {"run": run, "active": run.status in ACTIVE, "may_stop": self.may_stop(run)}
        response = render(request, "infusion/simulation/_status.html", context)
        if request.headers.get("HX-Request") and run.status not in ACTIVE:
            response["HX-Refresh"] = "true"
        return response


class StopView(SimulationPage):
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, run_id: int):
        try:
            services.simulation_stop(
                facility=request.facility, actor=request.user, actor_role=request.membership.role, run_id=run_id
            )
        except ApplicationError as error:
            if error.code != "conflict":
                raise
            messages.error(request, error.message)
        else:
            messages.success(request, "Stopped: the replications that finished are kept.")
        return redirect(reverse("infusion:simulation-run", kwargs={"facility_slug": facility_slug, "run_id": run_id}))


class CsvView(SimulationPage):
    """The run's CSV: one row per policy × replication × measure, then the means, intervals and
    paired differences."""

    def get(self, request, facility_slug: str, run_id: int):
        run = self.run(run_id)
        if not run.results:
            raise ApplicationError("not_found", "This run has no results yet.")
        rows = runner.csv_rows(run.results)
        response = StreamingHttpResponse(csv_lines(runner.CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"simulation-{run.pk}.csv")
        return response


def _results(run) -> dict:
    """The results as the page shows them: a row per measure (each policy's mean and interval,
    the paired difference) and the charts' data."""
    results = run.results
    policies = list(results["policies"])
    differences = results.get("differences", {})
    rows = []
    for name, (label, unit) in runner.MEASURES.items():
        cells = [results["policies"][p]["measures"].get(name) for p in policies]
        rows.append({"name": name, "label": label, "unit": unit, "cells": cells, "difference": differences.get(name)})
    bars = []
    for name in CHARTED:
        label, unit = runner.MEASURES[name]
        measures = [results["policies"][p]["measures"][name] for p in policies]
        bars.append(
            {
                "id": f"chart-{name}",
                "label": f"{label} ({unit}), mean and 95 % interval",
                "chart": {
                    "title": label,
                    "unit": unit,
                    "labels": [POLICY_NAMES.get(p, p) for p in policies],
                    "means": [m["mean"] for m in measures],
                    "lows": [m["low"] for m in measures],
                    "highs": [m["high"] for m in measures],
                },
            }
        )
    first = results["policies"][policies[0]]
    parameters = run.parameters
    open_minute = 8 * 60
    times = [
        f"{(open_minute + 15 * i) // 60:02d}:{(open_minute + 15 * i) % 60:02d}" for i in range(len(first["profile"]))
    ]
    profile = {
        "labels": times,
        "cap": first["nurse_cap"],
        "chairs": parameters.get("chairs"),
        "series": [{"label": POLICY_NAMES.get(p, p), "data": results["policies"][p]["profile"]} for p in policies],
    }
    days = len(first["daily_peaks"])
    daily = {
        "labels": [str(day + 1) for day in range(days)],
        "cap": first["nurse_cap"],
        "chairs": parameters.get("chairs"),
        "series": [{"label": POLICY_NAMES.get(p, p), "data": results["policies"][p]["daily_peaks"]} for p in policies],
    }
    return {
        "policies": [POLICY_NAMES.get(p, p) for p in policies],
        "rows": rows,
        "bars": bars,
        "profile": profile,
        "daily": daily,
        "compared": len(policies) == 2 and bool(differences),
        "replications": results["replications"],
    }


urlpatterns = [
    path("simulation/", SimulateView.as_view(), name="simulate"),
    path("simulation/<int:run_id>/", RunView.as_view(), name="simulation-run"),
    path("simulation/<int:run_id>/progress/", ProgressView.as_view(), name="simulation-progress"),
    path("simulation/<int:run_id>/stop/", StopView.as_view(), name="simulation-stop"),
    path("simulation/<int:run_id>/csv/", CsvView.as_view(), name="simulation-csv"),
]
