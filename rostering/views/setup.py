"""Rostering's set-up pages, under /f/<facility>/rostering/:

- ``setup/``: the facility's rotas and a form that adds one (``roster.manage``);
- ``setup/<rota>/``: one rota's sites, contracts, shift types, coverage, staff, partnerships,
  training and rules (on/off, hard/soft and weight edited inline), each part with its add form,
  edit page and remove button, and the rota's recent changes;
- ``requests/``: "My requests", one's own leave and preferences, for everyone rostered;
- ``leave/``: everyone's leave and preferences for a manager, who approves or declines leave.

Server-rendered and usable without JavaScript; every write goes through
``rostering.services.setup`` or ``requests``, whose field errors are shown next to the field."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views import View

from rostering import forms as setup_forms
from rostering import selectors
from rostering.models import Contract, CoverageRequirement, Partnership, ShiftType, Site, StaffMember
from rostering.models import TrainingRequirement as Training
from rostering.services import requests as request_services
from rostering.services import setup as services
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

# A rota's parts: (url segment, service prefix, form, title, rows of the rota, id argument).
PARTS = {
    "sites": ("site", setup_forms.SiteForm, "Sites", lambda rota: Site.objects.filter(rota=rota), "site_id"),
    "contracts": (
        "contract",
        setup_forms.ContractForm,
        "Contracts",
        lambda rota: Contract.objects.filter(rota=rota),
        "contract_id",
    ),
    "shift-types": (
        "shift_type",
        setup_forms.ShiftTypeForm,
        "Shift types",
        lambda rota: ShiftType.objects.filter(rota=rota).select_related("site"),
        "shift_type_id",
    ),
    "coverage": (
        "coverage",
        setup_forms.CoverageForm,
        "Coverage",
        lambda rota: CoverageRequirement.objects.filter(rota=rota).select_related("shift_type"),
        "coverage_id",
    ),
    "staff": (
        "staff",
        setup_forms.StaffForm,
        "Staff",
        lambda rota: StaffMember.objects.filter(rota=rota).select_related("resource", "contract"),
        "staff_id",
    ),
    "partnerships": (
        "partnership",
        setup_forms.PartnershipForm,
        "Partnerships",
        lambda rota: Partnership.objects.filter(rota=rota).select_related("first__resource", "second__resource"),
        "partnership_id",
    ),
    "training": (
        "training",
        setup_forms.TrainingForm,
        "Training requirements",
        lambda rota: Training.objects.filter(staff__rota=rota).select_related("staff__resource", "shift_type"),
        "training_id",
    ),
}


def add_service_errors(form, error: ApplicationError) -> None:
    """A service's field errors next to the form's fields of that name, the rest above the form."""
    if not error.fields:
        form.add_error(None, error.message)
    for name, problems in error.fields.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def _part(segment: str):
    if segment not in PARTS:
        raise Http404("No such part of a rota.")
    return PARTS[segment]


def _form(segment: str, rota, facility, data=None, instance=None):
    _, form_class, *_ = _part(segment)
    kwargs = {"rota": rota, "facility": facility, "instance": instance, "prefix": segment}
    if form_class is setup_forms.StaffForm:
        kwargs["editing"] = instance is not None
    return form_class(data, **kwargs)


class RosteringPage(FacilityPageMixin, View):
    required_action = Action.ROSTER_MANAGE
    nav = "setup"

    def page(self, template: str, context: dict, status: int = 200):
        context = {"can_manage": self.can(Action.ROSTER_MANAGE), "nav": self.nav, **context}
        return render(self.request, template, context, status=status)


# --- rotas --------------------------------------------------------------------------------------------


class RotaListView(RosteringPage):
    def get(self, request, facility_slug: str):
        return self.show(setup_forms.RotaForm(facility=request.facility))

    def show(self, form, status: int = 200):
        rotas = selectors.rota_list(facility=self.request.facility)
        return self.page("rostering/setup/rotas.html", {"rotas": rotas, "form": form}, status=status)

    def post(self, request, facility_slug: str):
        form = setup_forms.RotaForm(request.POST, facility=request.facility)
        if form.is_valid():
            try:
                rota = services.rota_create(facility=request.facility, actor=request.user, **form.values())
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The rota {rota.name} is added, with the default rules.")
                return redirect("rostering:setup_rota", facility_slug=facility_slug, rota_id=rota.pk)
        return self.show(form, status=400)


class RotaSetupView(RosteringPage):
    """The whole rota on one page; a part's add form posts to ``setup_add``."""

    def get(self, request, facility_slug: str, rota_id: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        return self.show(rota)

    def show(self, rota, *, bound: dict | None = None, status: int = 200):
        facility = self.request.facility
        bound = bound or {}
        parts = []
        for segment, (_, _, title, rows, _) in PARTS.items():
            form = bound.get(segment) or _form(segment, rota, facility)
            parts.append({"segment": segment, "title": title, "rows": list(rows(rota)), "form": form})
        rules = [
            {
                "rule": rule,
                "description": services.RULE_DESCRIPTIONS.get(rule.code, ""),
                "can_be_hard": rule.code not in services.SOFT_ONLY_RULES,
                "form": bound.get(f"rule-{rule.code}")
                or setup_forms.RuleForm(
                    initial={"enabled": rule.enabled, "hard": rule.hard, "weight": rule.weight},
                    prefix=f"rule-{rule.code}",
                ),
            }
            for rule in services.rule_list(rota=rota)
        ]
        context = {
            "rota": rota,
            "parts": parts,
            "rules": rules,
            "changes": services.rota_change_list(rota=rota),
        }
        return self.page("rostering/setup/rota.html", context, status=status)


class RotaSettingsView(RosteringPage):
    def get(self, request, facility_slug: str, rota_id: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        return self.show(rota, setup_forms.RotaForm(facility=request.facility, instance=rota))

    def show(self, rota, form, status: int = 200):
        return self.page("rostering/setup/settings.html", {"rota": rota, "form": form}, status=status)

    def post(self, request, facility_slug: str, rota_id: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        form = setup_forms.RotaForm(request.POST, facility=request.facility)
        if form.is_valid():
            try:
                services.rota_update(facility=request.facility, actor=request.user, rota_id=rota.pk, **form.values())
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The rota's settings are saved.")
                return redirect("rostering:setup_rota", facility_slug=facility_slug, rota_id=rota.pk)
        return self.show(rota, form, status=400)


class PartAddView(RotaSetupView):
    def get(self, request, facility_slug: str, rota_id: str, part: str):
        _part(part)
        return redirect("rostering:setup_rota", facility_slug=facility_slug, rota_id=rota_id)

    def post(self, request, facility_slug: str, rota_id: str, part: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        prefix, _, title, _, _ = _part(part)
        form = _form(part, rota, request.facility, data=request.POST)
        if form.is_valid():
            create = getattr(services, f"{prefix}_create")
            try:
                create(facility=request.facility, actor=request.user, rota_id=rota.pk, **form.values())
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{title}: added.")
                return redirect(f"{_url(facility_slug, rota.pk)}#{part}")
        return self.show(rota, bound={part: form}, status=400)


def _url(facility_slug: str, rota_id) -> str:
    return reverse("rostering:setup_rota", kwargs={"facility_slug": facility_slug, "rota_id": rota_id})


class PartEditView(RosteringPage):
    def row(self, rota, part: str, pk: str):
        _, _, _, rows, _ = _part(part)
        row = rows(rota).filter(pk=int(pk)).first() if pk.isdigit() and 0 < int(pk) < 2**63 else None
        if row is None:
            raise Http404("No such row of this rota.")
        return row

    def get(self, request, facility_slug: str, rota_id: str, part: str, pk: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        row = self.row(rota, part, pk)
        return self.show(rota, part, row, _form(part, rota, request.facility, instance=row))

    def show(self, rota, part, row, form, status: int = 200):
        title = _part(part)[2]
        context = {"rota": rota, "part": part, "title": title, "row": row, "form": form}
        return self.page("rostering/setup/edit.html", context, status=status)

    def post(self, request, facility_slug: str, rota_id: str, part: str, pk: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        row = self.row(rota, part, pk)
        prefix, _, title, _, id_name = _part(part)
        form = _form(part, rota, request.facility, data=request.POST, instance=row)
        if form.is_valid():
            update = getattr(services, f"{prefix}_update")
            try:
                update(
                    facility=request.facility, actor=request.user, rota_id=rota.pk, **{id_name: row.pk}, **form.values()
                )
            except ApplicationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{title}: saved.")
                return redirect(f"{_url(facility_slug, rota.pk)}#{part}")
        return self.show(rota, part, row, form, status=400)


class PartDeleteView(RosteringPage):
    def post(self, request, facility_slug: str, rota_id: str, part: str, pk: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        prefix, _, title, _, id_name = _part(part)
        delete = getattr(services, f"{prefix}_delete")
        try:
            delete(facility=request.facility, actor=request.user, rota_id=rota.pk, **{id_name: pk})
        except ApplicationError as error:
            if error.code == "not_found":
                raise
            messages.error(
                request, f"{title}: not removed. {' '.join(sum(error.fields.values(), [])) or error.message}"
            )
        else:
            messages.success(request, f"{title}: removed.")
        return redirect(f"{_url(facility_slug, rota.pk)}#{part}")


class RuleUpdateView(RotaSetupView):
    def get(self, request, facility_slug: str, rota_id: str, code: str):
        return redirect(f"{_url(facility_slug, rota_id)}#rules")

    def post(self, request, facility_slug: str, rota_id: str, code: str):
        rota = selectors.rota_get(facility=request.facility, rota_id=rota_id)
        form = setup_forms.RuleForm(request.POST, prefix=f"rule-{code}")
        if form.is_valid():
            try:
                services.rule_update(
                    facility=request.facility, actor=request.user, rota_id=rota.pk, code=code, **form.cleaned_data
                )
            except ApplicationError as error:
                if error.code == "not_found":
                    raise
                add_service_errors(form, error)
            else:
                messages.success(request, f"The rule {code.replace('_', ' ')} is saved; the next solve takes it.")
                return redirect(f"{_url(facility_slug, rota.pk)}#rules")
        return self.show(rota, bound={f"rule-{code}": form}, status=400)


# --- requests -----------------------------------------------------------------------------------------


class RequestsPage(RosteringPage):
    """Shared by "My requests" (one's own) and the manager's page (everyone's)."""

    template = ""
    everyone = False

    def people(self):
        if not self.everyone:
            return None
        return selectors.staff_list(facility=self.request.facility).filter(active=True).select_related("rota")

    def shift_types(self):
        facility, user = self.request.facility, self.request.user
        if self.everyone:
            rotas = selectors.rota_list(facility=facility)
        else:
            rotas = [m.rota for m in selectors.staff_for_user(facility=facility, user=user)]
        return ShiftType.objects.filter(rota__in=rotas).select_related("rota")

    def forms(self, leave_data=None, preference_data=None):
        return (
            setup_forms.LeaveForm(leave_data, people=self.people(), prefix="leave"),
            setup_forms.PreferenceForm(
                preference_data, people=self.people(), shift_types=self.shift_types(), prefix="preference"
            ),
        )

    def show(self, leave_form=None, preference_form=None, status: int = 200):
        facility, user = self.request.facility, self.request.user
        default_leave, default_preference = self.forms()
        leave = selectors.leave_list(facility=facility, actor=user)
        preferences = selectors.preference_list(facility=facility, actor=user)
        if not self.everyone:  # a manager's own page holds their own requests only
            leave = leave.filter(staff__resource__user=user)
            preferences = preferences.filter(staff__resource__user=user)
        context = {
            "leave": leave,
            "preferences": preferences,
            "leave_form": leave_form or default_leave,
            "preference_form": preference_form or default_preference,
            "rostered": selectors.staff_for_user(facility=facility, user=user).exists(),
            "everyone": self.everyone,
        }
        return self.page(self.template, context, status=status)

    def get(self, request, facility_slug: str):
        return self.show()

    def post(self, request, facility_slug: str):
        what = request.POST.get("what")
        leave_form, preference_form = self.forms(
            request.POST if what == "leave" else None, request.POST if what == "preference" else None
        )
        form, create = (
            (leave_form, request_services.leave_create)
            if what == "leave"
            else (preference_form, request_services.preference_create)
        )
        if form.is_valid():
            try:
                created = create(facility=request.facility, actor=request.user, **form.values())
            except ApplicationError as error:
                if error.code == "not_rostered":
                    form.add_error(None, error.message)
                else:
                    add_service_errors(form, error)
            else:
                messages.success(request, "Your request is saved." if not self.everyone else "Saved.")
                if what == "leave" and (warning := request_services.clash_words(created)):
                    messages.warning(request, warning)
                return redirect(request.path)
        return self.show(leave_form, preference_form, status=400 if what in ("leave", "preference") else 200)


class MyRequestsView(RequestsPage):
    required_action = Action.ROSTER_REQUEST
    template = "rostering/setup/my_requests.html"
    nav = "mine"


class LeaveManageView(RequestsPage):
    template = "rostering/setup/leave.html"
    everyone = True
    nav = "leave"


class RequestRemoveView(RosteringPage):
    """Cancels leave or removes a preference: one's own, or anyone's for a manager (someone
    else's is 404)."""

    required_action = Action.ROSTER_REQUEST

    def post(self, request, facility_slug: str, what: str, pk: str):
        if what == "leave":
            request_services.leave_cancel(facility=request.facility, actor=request.user, leave_id=pk)
            messages.success(request, "The leave is cancelled.")
        elif what == "preferences":
            request_services.preference_delete(facility=request.facility, actor=request.user, preference_id=pk)
            messages.success(request, "The preference is removed.")
        else:
            raise Http404("Nothing of that kind.")
        back = request.POST.get("next")
        if back == "leave" and self.can(Action.ROSTER_MANAGE):
            return redirect("rostering:leave_manage", facility_slug=facility_slug)
        return redirect("rostering:my_requests", facility_slug=facility_slug)


class LeaveDecideView(RosteringPage):
    def post(self, request, facility_slug: str, pk: str):
        form = setup_forms.DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose approve or decline.")
        else:
            try:
                leave = request_services.leave_decide(
                    facility=request.facility, actor=request.user, leave_id=pk, decision=form.cleaned_data["decision"]
                )
            except ApplicationError as error:
                if error.code == "not_found":
                    raise
                messages.error(request, error.message)
            else:
                messages.success(request, f"{leave.staff}: leave {leave.status}.")
                if warning := request_services.clash_words(leave):
                    messages.warning(request, warning)
        return redirect("rostering:leave_manage", facility_slug=facility_slug)


urlpatterns = [
    path("setup/", RotaListView.as_view(), name="setup"),
    path("setup/<str:rota_id>/", RotaSetupView.as_view(), name="setup_rota"),
    path("setup/<str:rota_id>/settings/", RotaSettingsView.as_view(), name="setup_settings"),
    path("setup/<str:rota_id>/rules/<str:code>/", RuleUpdateView.as_view(), name="setup_rule"),
    path("setup/<str:rota_id>/<str:part>/add/", PartAddView.as_view(), name="setup_add"),
    path("setup/<str:rota_id>/<str:part>/<str:pk>/", PartEditView.as_view(), name="setup_edit"),
    path("setup/<str:rota_id>/<str:part>/<str:pk>/delete/", PartDeleteView.as_view(), name="setup_delete"),
    path("requests/", MyRequestsView.as_view(), name="my_requests"),
    path("requests/<str:what>/<str:pk>/remove/", RequestRemoveView.as_view(), name="request_remove"),
    path("leave/", LeaveManageView.as_view(), name="leave_manage"),
    path("leave/<str:pk>/decide/", LeaveDecideView.as_view(), name="leave_decide"),
]
