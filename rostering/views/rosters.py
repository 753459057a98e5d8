"""Rosters' pages, under /f/<facility>/rostering/: the rotas with their rosters and the signed-in
person's next shifts (a manager also drafts a roster there); a roster's page (its solve polled
by htmx while it runs, with a chart of its progress, then its result, soft violations and the
independent checker's report, or why it has no roster), its stop, publish and archive (each move
confirmed on a page of its own, so it works without JavaScript); its calendars by person, site and
shift type, each cell linking to why; and its exports (CSV, and one person's ICS)."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views import View

from rostering import calendar, selectors
from rostering.models import RosterPurpose, RosterStatus, ShiftKind, SolveStatus
from rostering.services import export, rosters
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

ACTIVE = (SolveStatus.QUEUED, SolveStatus.RUNNING)
SOLVED = (SolveStatus.DONE, SolveStatus.STOPPED)
CALENDARS = {"person": "By person", "site": "By site", "shift": "By shift type"}

MOVES = {
    "publish": {
        "question": "Publish this roster?",
        "outcome": "The independent checker verifies it first. Once published, each person's shifts become their "
        "availability, and a published roster of the same rota over these days is archived.",
        "yes": "Publish",
        "done": "Published: the people's availability follows in a moment.",
    },
    "archive": {
        "question": "Archive this roster?",
        "outcome": "An archived roster stays readable but no longer counts: a published roster's shifts leave the "
        "people's availability.",
        "yes": "Archive",
        "done": "Archived.",
    },
}


class RosterForm(forms.Form):
    rota = forms.ModelChoiceField(queryset=None, label="Rota", empty_label=None)
    first_day = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    num_days = forms.IntegerField(label="Number of days", min_value=1, max_value=rosters.MAX_DAYS, initial=28)
    time_limit_seconds = forms.IntegerField(
        label="Time limit (seconds)",
        min_value=1,
        max_value=600,
        required=False,
        help_text="How long the solver may search; the rota's own limit when empty.",
    )

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rota"].queryset = selectors.rota_list(facility=facility)


class RosterPage(FacilityPageMixin, View):
    required_action = Action.ROSTER_VIEW

    def roster(self, roster_id):
        return selectors.roster_get(facility=self.request.facility, actor=self.request.user, roster_id=roster_id)

    def page(self, template: str, context: dict, status: int = 200):
        context = {"can_manage": self.can(Action.ROSTER_MANAGE), **context}
        return render(self.request, template, context, status=status)

    def roster_url(self, roster_id, name: str = "roster") -> str:
        return reverse(
            f"rostering:{name}", kwargs={"facility_slug": self.request.facility.slug, "roster_id": roster_id}
        )


class HomeView(RosterPage):
    """GET: the rotas and their rosters, the person's next shifts, and (for a manager) the form
    that drafts a roster. POST: drafts it and opens its page."""

    def get(self, request, facility_slug: str):
        form = None
        if self.can(Action.ROSTER_MANAGE):
            form = RosterForm(facility=request.facility, initial={"first_day": _next_monday()})
        return self.render_home(form)

    def post(self, request, facility_slug: str):
        if not self.can(Action.ROSTER_MANAGE):
            raise ApplicationError("permission_denied", "Only a roster manager may draft a roster.")
        form = RosterForm(request.POST, facility=request.facility)
        if not form.is_valid():
            return self.render_home(form, status=400)
        data = form.cleaned_data
        try:
            roster = rosters.roster_create(
                facility=request.facility,
                actor=request.user,
                rota_id=data["rota"].pk,
                first_day=data["first_day"],
                num_days=data["num_days"],
                time_limit_seconds=data["time_limit_seconds"],
            )
        except ApplicationError as error:
            if error.status_code not in (400, 409):
                raise
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            if not error.fields:
                form.add_error(None, error.message)
            return self.render_home(form, status=error.status_code)
        messages.success(request, "The roster is drafted and queued for the solver.")
        return redirect(self.roster_url(roster.pk))

    def render_home(self, form, *, status: int = 200):
        facility, user = self.request.facility, self.request.user
        visible = selectors.roster_list(facility=facility, actor=user)
        rotas = [
            {"rota": rota, "rosters": list(visible.filter(rota=rota)[:30])}
            for rota in selectors.rota_list(facility=facility)
        ]
        context = {
            "rotas": rotas,
            "form": form,
            "next_shifts": calendar.next_shifts(facility=facility, user=user, today=timezone.localdate()),
            "is_rostered": selectors.staff_for_user(facility=facility, user=user).exists(),
        }
        return self.page("rostering/rosters/home.html", context, status=status)


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


class RosterView(RosterPage):
    template = "rostering/rosters/detail.html"

    def get(self, request, facility_slug: str, roster_id: int):
        roster = self.roster(roster_id)
        return self.page(self.template, self.context(roster))

    def context(self, roster) -> dict:
        manage = self.can(Action.ROSTER_MANAGE)
        report = roster.check_report or {}
        return {
            "roster": roster,
            "active": roster.solve_status in ACTIVE,
            "solved": roster.solve_status in SOLVED and roster.objective is not None,
            "may_stop": manage and roster.solve_status in ACTIVE,
            "may_publish": manage
            and roster.status == RosterStatus.DRAFT
            and roster.purpose != RosterPurpose.WHAT_IF
            and roster.solve_status in SOLVED
            and roster.objective is not None,
            "may_archive": manage and roster.status != RosterStatus.ARCHIVED,
            "chart": calendar.progress_chart(roster=roster),
            "gap_percent": None if roster.gap is None else roster.gap * 100,
            "violations": calendar.soft_violations_by_rule(roster=roster),
            "report": report,
            "satisfaction_percent": None
            if report.get("soft_satisfaction") is None
            else report["soft_satisfaction"] * 100,
            "soft_cost_by_rule": sorted((report.get("soft_cost_by_rule") or {}).items(), key=lambda i: (-i[1], i[0])),
            "calendars": CALENDARS,
            "mine": selectors.staff_for_user(facility=self.request.facility, user=self.request.user, rota=roster.rota),
        }


class ProgressView(RosterView):
    """The solve's status block alone, polled while queued or running; once the solve has ended,
    htmx reloads the whole page so the result shows."""

    template = "rostering/rosters/_solve.html"

    def get(self, request, facility_slug: str, roster_id: int):
        roster = self.roster(roster_id)
        response = render(request, self.template, self.context(roster))
        if request.headers.get("HX-Request") and roster.solve_status not in ACTIVE:
            response["HX-Refresh"] = "true"
        return response


class StopView(RosterPage):
    http_method_names = ["post"]
    required_action = Action.ROSTER_MANAGE

    def post(self, request, facility_slug: str, roster_id: int):
        try:
            rosters.roster_stop(facility=request.facility, actor=request.user, roster_id=roster_id)
        except ApplicationError as error:
            if error.status_code != 409:
                raise
            messages.error(request, error.message)
        else:
            messages.success(request, "Asked the solver to stop: it keeps the best roster found so far.")
        return redirect(self.roster_url(roster_id))


class MoveView(RosterPage):
    """GET: the confirmation of publishing or archiving; POST: does it."""

    required_action = Action.ROSTER_MANAGE
    move = ""

    def get(self, request, facility_slug: str, roster_id: int):
        roster = self.roster(roster_id)
        context = {"roster": roster, "confirmation": MOVES[self.move], "move": self.move}
        return self.page("rostering/rosters/confirm.html", context)

    def post(self, request, facility_slug: str, roster_id: int):
        service = rosters.roster_publish if self.move == "publish" else rosters.roster_archive
        try:
            service(facility=request.facility, actor=request.user, roster_id=roster_id)
        except ApplicationError as error:
            if error.status_code != 409:
                raise
            roster = self.roster(roster_id)
            context = {
                "roster": roster,
                "confirmation": MOVES[self.move],
                "move": self.move,
                "error": error.message,
                "hard_violations": error.extra.get("hard_violations", []),
            }
            return self.page("rostering/rosters/confirm.html", context, status=409)
        messages.success(request, MOVES[self.move]["done"])
        return redirect(self.roster_url(roster_id))


class PublishView(MoveView):
    move = "publish"


class ArchiveView(MoveView):
    move = "archive"


class CalendarView(RosterPage):
    def get(self, request, facility_slug: str, roster_id: int, by: str):
        if by not in CALENDARS:
            raise Http404("No such calendar.")
        roster = self.roster(roster_id)
        weekend = calendar.weekend_days(roster=roster)
        context = {
            "roster": roster,
            "by": by,
            "title": CALENDARS[by],
            "calendars": CALENDARS,
            "days": [
                {"date": day, "weekend": day.isoweekday() in weekend} for day in calendar.roster_days(roster=roster)
            ],
            "kinds": [(f"shift-{kind.value.replace('_', '-')}", kind.label) for kind in ShiftKind],
        }
        if by == "person":
            context["rows"] = calendar.grid_by_person(roster=roster)
        elif by == "site":
            context["blocks"] = calendar.grid_by_site(roster=roster)
        else:
            context["rows"] = calendar.grid_by_shift(roster=roster)
        return self.page("rostering/rosters/calendar.html", context)


class WhyView(RosterPage):
    def get(self, request, facility_slug: str, roster_id: int, staff_id: int, day: str):
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise Http404("No such day.") from None
        try:
            roster, staff, explanation = calendar.roster_why(
                facility=request.facility, actor=request.user, roster_id=roster_id, staff_id=staff_id, day=date
            )
        except ApplicationError as error:
            if error.code in ("invalid",):
                raise Http404(error.message) from None
            if error.status_code == 409:
                roster = self.roster(roster_id)
                return self.page(
                    "rostering/rosters/why.html", {"roster": roster, "date": date, "error": error.message}, status=409
                )
            raise
        context = {"roster": roster, "staff": staff, "date": date, "explanation": explanation}
        return self.page("rostering/rosters/why.html", context)


def _attachment(response: HttpResponse, file_name: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class CsvView(RosterPage):
    """The roster's CSV, all people (``staff_id`` given: that person's rows)."""

    def get(self, request, facility_slug: str, roster_id: int, staff_id: int | None = None):
        roster = self.roster(roster_id)
        staff = None
        if staff_id is not None:
            staff = selectors.staff_get(facility=request.facility, staff_id=staff_id)
            if staff.rota_id != roster.rota_id:
                raise Http404("No such person on this roster.")
        lines = export.roster_csv_lines(facility=request.facility, roster=roster, staff=staff)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        suffix = f"-staff-{staff.pk}" if staff else ""
        return _attachment(response, f"roster-{roster.pk}{suffix}.csv")


class IcsView(RosterPage):
    """One person's shifts as iCalendar: theirs, or anyone's for a manager."""

    def get(self, request, facility_slug: str, roster_id: int, staff_id: int):
        roster = self.roster(roster_id)
        staff = selectors.staff_get(facility=request.facility, staff_id=staff_id)
        if staff.rota_id != roster.rota_id:
            raise Http404("No such person on this roster.")
        export.export_staff_check(facility=request.facility, actor=request.user, staff=staff)
        body = export.staff_ics(facility=request.facility, roster=roster, staff=staff)
        response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
        return _attachment(response, f"roster-{roster.pk}-staff-{staff.pk}.ics")


urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("rosters/<int:roster_id>/", RosterView.as_view(), name="roster"),
    path("rosters/<int:roster_id>/progress/", ProgressView.as_view(), name="roster-progress"),
    path("rosters/<int:roster_id>/stop/", StopView.as_view(), name="roster-stop"),
    path("rosters/<int:roster_id>/publish/", PublishView.as_view(), name="roster-publish"),
    path("rosters/<int:roster_id>/archive/", ArchiveView.as_view(), name="roster-archive"),
    path("rosters/<int:roster_id>/calendar/<str:by>/", CalendarView.as_view(), name="roster-calendar"),
    path("rosters/<int:roster_id>/why/<int:staff_id>/<str:day>/", WhyView.as_view(), name="roster-why"),
    path("rosters/<int:roster_id>/roster.csv", CsvView.as_view(), name="roster-csv"),
    path("rosters/<int:roster_id>/staff/<int:staff_id>/roster.csv", CsvView.as_view(), name="roster-staff-csv"),
    path("rosters/<int:roster_id>/staff/<int:staff_id>/calendar.ics", IcsView.as_view(), name="roster-staff-ics"),
]
