"""The infusion center's capacity pages, under /f/<facility>/infusion/: the day view (chairs in
use hour by hour against the chairs the nurses on duty support, each patient type's places, the
week's load) for everyone who may see the center, and its configuration for nurse managers and
admins (settings, patient types, weekday mix, routes, nurses on duty), each with its recent
history. Server-rendered; the chart is drawn from the table's own figures."""

import datetime as dt
import math

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views import View

from infusion.defaults import WEEKDAY_NAMES
from infusion.forms import DayForm, NurseShiftForm, PatientTypeForm, RouteForm, SettingsForm, WeekdayMixForm
from infusion.selectors import capacity as selectors
from infusion.services import configuration as services
from scheduling.errors import ApplicationError
from scheduling.permissions import Action, role_allows
from scheduling.ui import FacilityPageMixin

HISTORY_SIZE = 10

# The infusion pages' own links, each shown to the roles its page allows; a page another area
# has not built (yet) is left out.
SECTIONS = [
    ("Day view", "infusion:home", Action.INFUSION_VIEW, "day"),
    ("Place a patient", "infusion:place", Action.INFUSION_PLACE, "place"),
    ("Placements", "infusion:placements", Action.INFUSION_PLACE, "placements"),
    ("What-if simulation", "infusion:simulate", Action.INFUSION_SIMULATE, "simulate"),
    ("Settings", "infusion:settings", Action.INFUSION_MANAGE, "settings"),
    ("Patient types", "infusion:patient_types", Action.INFUSION_MANAGE, "patient_types"),
    ("Weekday mix", "infusion:mix", Action.INFUSION_MANAGE, "mix"),
    ("Routes", "infusion:routes", Action.INFUSION_MANAGE, "routes"),
    ("Nurses on duty", "infusion:nurses", Action.INFUSION_MANAGE, "nurses"),
]


def add_service_errors(form, error: ApplicationError) -> None:
    """A service's field errors next to the form's fields of that name, the rest above the form."""
    if not error.fields:
        form.add_error(None, error.message)
    for name, problems in error.fields.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


class InfusionPage(FacilityPageMixin, View):
    required_action = Action.INFUSION_VIEW
    section = ""

    def sections(self) -> list[dict]:
        slug = self.request.facility.slug
        links = []
        for label, name, action, key in SECTIONS:
            if not role_allows(self.request.membership.role, action):
                continue
            try:
                url = reverse(name, kwargs={"facility_slug": slug})
            except NoReverseMatch:
                continue
            links.append({"label": label, "url": url, "current": key == self.section})
        return links

    def page(self, template: str, context: dict, status: int = 200):
        context = {
            "sections": self.sections(),
            "section": self.section,
            "can_manage": self.can(Action.INFUSION_MANAGE),
            **context,
        }
        return render(self.request, template, context, status=status)

    def chosen_day(self) -> tuple[dt.date, DayForm]:
        """The ``date`` of the query (today when absent); an unreadable one shows today, with the
        form's error."""
        form = DayForm(self.request.GET or None)
        today = timezone.localdate()
        if form.is_bound and form.is_valid() and form.cleaned_data["date"]:
            return form.cleaned_data["date"], form
        return today, form

    def changes(self, what: str) -> list[dict]:
        return selectors.change_list(facility=self.request.facility, what=what, limit=HISTORY_SIZE)


# --- the day view ---------------------------------------------------------------------------------


def _slot_rows(usage) -> list[dict]:
    rows = []
    for slot in usage.profile:
        if slot.supported is None:
            status = "No nurse data: not capped"
        elif slot.over:
            excess = slot.in_use - slot.supported
            status = f"Over by {excess}: {slot.in_use} chairs at once, the nurses support {slot.supported}"
        elif slot.in_use == slot.supported and slot.in_use:
            status = "Full"
        else:
            status = "Within"
        rows.append({"slot": slot, "status": status})
    return rows


def _chart(usage) -> dict:
    """Chart.js data as static/analytics/analytics.js draws it: bars of the chairs in use, a
    line of the chairs the nurses support."""
    return {
        "type": "bar",
        "unit": "chairs",
        "axes": {"y": "Chairs"},
        "labels": [f"{slot.start:%H:%M}" for slot in usage.profile],
        "datasets": [
            {"label": "Chairs in use (most at once)", "data": [slot.in_use for slot in usage.profile]},
            {
                "label": "Chairs the nurses support",
                "type": "line",
                "data": [slot.supported for slot in usage.profile],
            },
        ],
    }


def _type_rows(usage, types) -> list[dict]:
    names = {t.code: t.name for t in types}
    codes = list(usage.capacity) + sorted(code for code in usage.counts if code not in usage.capacity)
    rows = []
    for code in codes:
        placed, places = usage.counts.get(code, 0), usage.capacity.get(code, 0)
        if placed > places:
            state = f"Over by {placed - places}"
        elif placed == places:
            state = "Full" if places else "No places"
        else:
            state = f"{places - placed} left"
        rows.append(
            {
                "code": code,
                "name": names.get(code, "Not an active type"),
                "placed": placed,
                "places": places,
                "state": state,
            }
        )
    return rows


def _duty_rows(usage, ratio) -> list[dict]:
    rows = []
    for duty in usage.duties:
        chairs = math.floor(duty.nurses * ratio)
        if duty.max_chairs is not None:
            chairs = min(chairs, duty.max_chairs)
        rows.append({"duty": duty, "chairs": chairs})
    return rows


def _load_text(usage) -> str:
    if not usage.open:
        return "Closed"
    if usage.load is None:
        return "No nurse data"
    share = round(usage.load * 100)
    return f"{share} % of the nurses' chair time" + (" (over)" if usage.load > 1 else "")


class DayView(InfusionPage):
    """One day of the center: chairs in use against chairs supported, hour by hour."""

    section = "day"

    def get(self, request, facility_slug: str):
        day, form = self.chosen_day()
        monday = day - dt.timedelta(days=day.weekday())
        week = selectors.usage_between(facility=request.facility, first=monday, last=monday + dt.timedelta(days=6))
        usage = week[day]
        settings = selectors.settings_for(facility=request.facility)
        types = selectors.patient_type_list(facility=request.facility)
        context = {
            "form": form,
            "day": day,
            "today": timezone.localdate(),
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "usage": usage,
            "settings": settings,
            "ratio": f"{settings.chairs_per_nurse.normalize():f}",
            "slots": _slot_rows(usage),
            "over": usage.over_slots,
            "chart": _chart(usage),
            "types": _type_rows(usage, types),
            "duties": _duty_rows(usage, settings.chairs_per_nurse),
            "week": [{"usage": one, "load": _load_text(one), "current": one.day == day} for one in week.values()],
        }
        return self.page("infusion/capacity/day.html", context, status=400 if form.errors else 200)


# --- configuration ----------------------------------------------------------------------------------


class ManagePage(InfusionPage):
    required_action = Action.INFUSION_MANAGE


class SettingsView(ManagePage):
    section = "settings"

    def get(self, request, facility_slug: str):
        current = selectors.settings_for(facility=request.facility)
        initial = {
            "chairs_per_nurse": current.chairs_per_nurse,
            "weekly_capacity": current.weekly_capacity,
            "open_weekdays": [str(day) for day in current.weekdays],
            "default_nurses": current.default_nurses,
            "policy": current.policy,
            "search_days": current.search_days,
        }
        return self.show(SettingsForm(initial=initial))

    def show(self, form, status: int = 200):
        return self.page(
            "infusion/capacity/settings.html", {"form": form, "changes": self.changes("settings")}, status=status
        )

    def post(self, request, facility_slug: str):
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.settings_update(facility=request.facility, actor=request.user, **form.cleaned_data)
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The infusion settings are saved.")
                return redirect("infusion:settings", facility_slug=facility_slug)
        return self.show(form, status=400)


class PatientTypesView(ManagePage):
    """The list, and the form that adds one."""

    section = "patient_types"

    def get(self, request, facility_slug: str):
        return self.show(PatientTypeForm())

    def show(self, form, status: int = 200):
        context = {
            "types": selectors.patient_type_list(facility=self.request.facility),
            "form": form,
            "changes": self.changes("patient_types"),
        }
        return self.page("infusion/capacity/patient_types.html", context, status=status)

    def post(self, request, facility_slug: str):
        form = PatientTypeForm(request.POST)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            try:
                fields["treatments"] = services.parse_treatments(fields["treatments"])
                added = services.patient_type_create(facility=request.facility, actor=request.user, **fields)
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Patient type {added.code} is added.")
                return redirect("infusion:patient_types", facility_slug=facility_slug)
        return self.show(form, status=400)


def treatments_text(treatments: dict) -> str:
    return ", ".join(f"{count}: {probability:g}" for count, probability in treatments.items())


class PatientTypeEditView(ManagePage):
    section = "patient_types"

    def get(self, request, facility_slug: str, code: str):
        patient_type = selectors.patient_type_get(facility=request.facility, code=code)
        initial = {
            "name": patient_type.name,
            "regimen_category": patient_type.regimen_category,
            "chair_minutes": patient_type.chair_minutes,
            "share_percent": patient_type.share_percent,
            "treatments": treatments_text(patient_type.treatments),
            "position": patient_type.position,
            "active": patient_type.active,
        }
        return self.show(patient_type, PatientTypeForm(initial=initial, editing=True))

    def show(self, patient_type, form, status: int = 200):
        return self.page(
            "infusion/capacity/patient_type_form.html", {"patient_type": patient_type, "form": form}, status=status
        )

    def post(self, request, facility_slug: str, code: str):
        patient_type = selectors.patient_type_get(facility=request.facility, code=code)
        form = PatientTypeForm(request.POST, editing=True)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            try:
                fields["treatments"] = services.parse_treatments(fields["treatments"])
                services.patient_type_update(
                    facility=request.facility, actor=request.user, code=patient_type.code, **fields
                )
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Patient type {patient_type.code} is saved.")
                return redirect("infusion:patient_types", facility_slug=facility_slug)
        return self.show(patient_type, form, status=400)


class WeekdayMixView(ManagePage):
    """The whole grid at once: a row per active type, a column per open weekday."""

    section = "mix"

    def form(self, data=None) -> WeekdayMixForm:
        facility = self.request.facility
        types = selectors.patient_type_list(facility=facility, active_only=True)
        weekdays = selectors.settings_for(facility=facility).weekdays
        mix = selectors.weekday_mix(facility=facility)
        initial = {
            WeekdayMixForm.name(t.code, w): mix[w].get(t.code, 0) if w in mix else t.share_percent
            for t in types
            for w in weekdays
        }
        return WeekdayMixForm(data, initial=initial, types=types, weekdays=weekdays)

    def show(self, form, status: int = 200):
        context = {
            "form": form,
            "weekday_names": [WEEKDAY_NAMES[w] for w in form.weekdays],
            "changes": self.changes("weekday_mix"),
        }
        return self.page("infusion/capacity/mix.html", context, status=status)

    def get(self, request, facility_slug: str):
        return self.show(self.form())

    def post(self, request, facility_slug: str):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.weekday_mix_replace(facility=request.facility, actor=request.user, grid=form.grid())
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The weekday mix is saved.")
                return redirect("infusion:mix", facility_slug=facility_slug)
        return self.show(form, status=400)


class RoutesView(ManagePage):
    section = "routes"

    def get(self, request, facility_slug: str):
        context = {"routes": selectors.route_list(facility=request.facility), "changes": self.changes("routes")}
        return self.page("infusion/capacity/routes.html", context)


class RouteEditView(ManagePage):
    section = "routes"

    def get(self, request, facility_slug: str, code: str):
        route = selectors.route_get(facility=request.facility, code=code)
        initial = {
            "target_days": route.target_days,
            "offsets": ", ".join(str(offset) for offset in route.offsets),
            "search_further": route.search_further,
            "description": route.description,
        }
        return self.show(route, RouteForm(initial=initial))

    def show(self, route, form, status: int = 200):
        return self.page("infusion/capacity/route_form.html", {"route": route, "form": form}, status=status)

    def post(self, request, facility_slug: str, code: str):
        route = selectors.route_get(facility=request.facility, code=code)
        form = RouteForm(request.POST)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            try:
                fields["offsets"] = services.parse_offsets(fields["offsets"])
                services.route_update(facility=request.facility, actor=request.user, code=route.code, **fields)
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The route “{route.get_code_display()}” is saved.")
                return redirect("infusion:routes", facility_slug=facility_slug)
        return self.show(route, form, status=400)


class NursesView(ManagePage):
    """The nurses on duty on a day: what counts (and from which source), the rows entered or
    published, and the form that adds an entry."""

    section = "nurses"

    def show(self, day, form, day_form, status: int = 200):
        facility = self.request.facility
        context = {
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "day_form": day_form,
            "form": form,
            "duties": selectors.nurses_on_duty(facility=facility, day=day),
            "rows": list(selectors.nurse_shift_list(facility=facility, first=day, last=day)),
            "changes": self.changes("nurse_shifts"),
        }
        return self.page("infusion/capacity/nurses.html", context, status=status)

    def get(self, request, facility_slug: str):
        day, day_form = self.chosen_day()
        return self.show(day, NurseShiftForm(), day_form, status=400 if day_form.errors else 200)

    def post(self, request, facility_slug: str):
        day_form = DayForm(request.POST)
        form = NurseShiftForm(request.POST)
        day_ok = day_form.is_valid() and day_form.cleaned_data["date"] is not None
        if not day_ok and not day_form.errors:
            day_form.add_error("date", "Enter a date as YYYY-MM-DD, e.g. 2026-03-02.")
        if form.is_valid() and day_ok:
            day = day_form.cleaned_data["date"]
            try:
                services.nurse_shift_add(facility=request.facility, actor=request.user, date=day, **form.cleaned_data)
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Nurses on duty on {day:%a %-d %b %Y} are added.")
                return redirect(f"{reverse('infusion:nurses', kwargs={'facility_slug': facility_slug})}?date={day}")
        day = day_form.cleaned_data.get("date") if day_ok else timezone.localdate()
        return self.show(day, form, day_form, status=400)


class NurseRemoveView(ManagePage):
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, shift_id: int):
        shift = selectors.nurse_shift_get(facility=request.facility, shift_id=shift_id)
        url = f"{reverse('infusion:nurses', kwargs={'facility_slug': facility_slug})}?date={shift.date}"
        try:
            services.nurse_shift_remove(facility=request.facility, actor=request.user, shift_id=shift.pk)
        except ApplicationError as error:
            messages.error(request, error.fields.get("source", [error.message])[0])
        else:
            messages.success(request, f"The entry of {shift} is removed.")
        return redirect(url)


urlpatterns = [
    path("", DayView.as_view(), name="home"),
    path("settings/", SettingsView.as_view(), name="settings"),
    path("patient-types/", PatientTypesView.as_view(), name="patient_types"),
    path("patient-types/<str:code>/", PatientTypeEditView.as_view(), name="patient_type_edit"),
    path("mix/", WeekdayMixView.as_view(), name="mix"),
    path("routes/", RoutesView.as_view(), name="routes"),
    path("routes/<str:code>/", RouteEditView.as_view(), name="route_edit"),
    path("nurses/", NursesView.as_view(), name="nurses"),
    path("nurses/<int:shift_id>/remove/", NurseRemoveView.as_view(), name="nurse_remove"),
]
