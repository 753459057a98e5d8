"""Placement pages, under /f/<facility>/infusion/placements/: the form (explain first, or place),
a placement's result with the days and times it tried, and the list. The patient page's
one-click buttons post to the same form view with the route and the previous booking."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse

from booking import selectors as bookings
from infusion.models import Policy, RouteCode
from infusion.selectors import capacity
from infusion.selectors import placement as selectors
from infusion.services import placement as services
from infusion.views.capacity import InfusionPage
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import ApplicationError, NotFound
from scheduling.permissions import Action

LIST_SIZE = 50


class PlacementForm(forms.Form):
    patient = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": "Choose the patient.", "invalid": "Choose the patient."}
    )
    route = forms.ChoiceField(choices=RouteCode.choices, label="Route")
    patient_type = forms.ChoiceField(label="Patient type", required=False)
    appointment_type = forms.ChoiceField(label="Appointment type", required=False)
    policy = forms.ChoiceField(choices=Policy.choices, label="Policy", required=False)
    previous_booking = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, facility, may_choose_policy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        types = capacity.patient_type_list(facility=facility, active_only=True)
        self.fields["patient_type"].choices = [("", "From the appointment type")] + [
            (t.code, f"{t.code} · {t.name}") for t in types
        ]
        chair_types = [
            t for t in kernel.appointment_type_list(facility=facility).filter(active=True) if _booked_on_a_chair(t)
        ]
        self.fields["appointment_type"].choices = [("", "From the previous booking or the patient type")] + [
            (str(t.pk), t.name) for t in chair_types
        ]
        self.fields["appointment_type"].help_text = "Booked on a chair."
        if may_choose_policy:
            self.fields["policy"].help_text = "The study's is kept as a reference: compare before adopting it."
        else:
            del self.fields["policy"]

    def chosen_patient(self, facility):
        value = self.data.get("patient") if self.is_bound else self.initial.get("patient")
        try:
            return kernel.patient_get(facility=facility, patient_id=value) if value else None
        except NotFound:
            return None

    def chosen_previous(self, facility):
        """The booking this placement follows, as the form carries it (None if none or unknown)."""
        value = self.data.get("previous_booking") if self.is_bound else self.initial.get("previous_booking")
        try:
            return bookings.booking_get(facility=facility, booking_id=value) if value else None
        except NotFound:
            return None


def _booked_on_a_chair(appointment_type) -> bool:
    needs = appointment_type.resource_needs or []
    return not needs or (len(needs) == 1 and ResourceKind.CHAIR in needs[0].get("kinds", []))


class PlacementPage(InfusionPage):
    """A placement page, with the infusion center's links (``InfusionPage.sections``)."""

    required_action = Action.INFUSION_PLACE
    section = "place"

    def form(self, data=None, initial=None) -> PlacementForm:
        return PlacementForm(
            data,
            initial=initial,
            facility=self.request.facility,
            may_choose_policy=self.can(Action.INFUSION_MANAGE),
        )


class PlaceView(PlacementPage):
    """GET: the form (``?patient=``, ``?route=``, ``?previous_booking=`` prefill it). POST:
    "Explain first" shows where the patient would go, nothing booked; "Place" books and opens
    the result."""

    def get(self, request, facility_slug: str):
        initial = {name: request.GET[name] for name in ("patient", "route", "previous_booking") if name in request.GET}
        return self.render_form(self.form(initial=initial))

    def post(self, request, facility_slug: str):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        dry_run = "explain" in request.POST
        values = form.cleaned_data
        try:
            placement = services.placement_create(
                facility=request.facility,
                actor=request.user,
                actor_role=request.membership.role,
                patient_id=values["patient"],
                route=values["route"],
                patient_type=values.get("patient_type") or None,
                appointment_type_id=values.get("appointment_type") or None,
                previous_booking_id=values.get("previous_booking"),
                policy=values.get("policy") or None,
                dry_run=dry_run,
            )
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            placed = False
            for field, problems in error.fields.items():
                if field in form.fields:
                    form.add_error(field, problems)
                    placed = True
            return self.render_form(form, error="" if placed else error.message, status=error.status_code)
        if dry_run:
            context = {**_explained(placement), "dry_run": True, "form": form}
            return self.page("infusion/placement/detail.html", context)
        if placement.status == "placed":
            messages.success(request, "Placed and booked.")
        else:
            messages.error(request, "Not placed: see why below.")
        return redirect(
            reverse("infusion:placement", kwargs={"facility_slug": facility_slug, "placement_id": placement.pk})
        )

    def render_form(self, form, *, error: str = "", status: int = 200):
        context = {
            "form": form,
            "patient": form.chosen_patient(self.request.facility),
            "previous": form.chosen_previous(self.request.facility),
            "error": error,
        }
        return self.page("infusion/placement/form.html", context, status=status)


class PlacementDetailView(PlacementPage):
    """One placement: the chosen day, time and chair with its booking, and every attempt."""

    section = "placements"

    def get(self, request, facility_slug: str, placement_id: int):
        placement = selectors.placement_get(facility=request.facility, placement_id=placement_id)
        return self.page("infusion/placement/detail.html", {**_explained(placement), "dry_run": False})


class PlacementListView(PlacementPage):
    """The latest placements (``?patient=``: one patient's)."""

    section = "placements"

    def get(self, request, facility_slug: str):
        patient = None
        if request.GET.get("patient"):
            patient = kernel.patient_get(facility=request.facility, patient_id=request.GET["patient"])
        placements = selectors.placement_list(facility=request.facility, patient_id=patient.pk if patient else None)
        context = {"placements": placements[:LIST_SIZE], "patient": patient, "size": LIST_SIZE}
        return self.page("infusion/placement/list.html", context)


def _explained(placement) -> dict:
    """The placement, the first line of its explanation (target and policy) and its attempts
    with their days as dates, for the result page's table."""
    attempts = [{**attempt, "date": dt.date.fromisoformat(attempt["day"])} for attempt in placement.attempts]
    return {"placement": placement, "summary": placement.explanation.split("\n", 1)[0], "attempts": attempts}


urlpatterns = [
    path("placements/", PlacementListView.as_view(), name="placements"),
    path("placements/new/", PlaceView.as_view(), name="place"),
    path("placements/<int:placement_id>/", PlacementDetailView.as_view(), name="placement"),
]
