"""The booking and walk-in forms, with their htmx parts: the resource selects of the chosen type
(one per need of its team), the slot picker, the duration suggestion and the patient picker."""

import datetime as dt
import re
from contextlib import nullcontext

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from analytics import estimates
from availability import selectors as availability
from booking import selectors, services
from booking.forms import (
    BookingForm,
    DurationQueryForm,
    SlotQueryForm,
    TeamQueryForm,
    WalkInForm,
    slot_instants,
    slot_label,
    slot_value,
)
from booking.models import Kind, Priority
from booking.views.common import BookingPage, _when
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action

# What the page may be opened with: the day board's free slots, a patient's page, a resource's.
PREFILLED = ("patient", "resource", "appointment_type", "slot")
TEAM_INPUT = re.compile(r"appointment_type|resource(_[1-9])?")


def _team_initial(query) -> dict:
    """The type and the resources already picked, as the selects' initial values."""
    return {name: query[name] for name in query if TEAM_INPUT.fullmatch(name) and query.get(name)}


class BookingCreateView(BookingPage):
    required_action = Action.BOOKING_MANAGE
    template_name = "booking/form.html"

    def form(self, *args, **kwargs) -> BookingForm:
        return BookingForm(
            *args,
            facility=self.request.facility,
            can_book_location=self.can(Action.BOOKING_LOCATION),
            can_prioritise=self.can(Action.BOOKING_EMERGENCY),
            **kwargs,
        )

    def get(self, request, facility_slug: str):
        initial = {"date": request.GET.get("date") or timezone.localdate().isoformat()}
        initial.update({name: request.GET[name] for name in PREFILLED if request.GET.get(name)})
        return self.page(self.template_name, {"form": self.form(initial=initial)})

    def post(self, request, facility_slug: str):
        form = self.form(request.POST)
        error = None
        if form.is_valid():
            fields = form.cleaned_data
            priority = form.chosen_priority()
            try:
                booking = services.booking_create(
                    facility=request.facility,
                    actor=request.user,
                    actor_role=request.membership.role,
                    request=services.BookingRequest(
                        patient_id=fields["patient"].pk,
                        appointment_type_id=fields["appointment_type"].pk,
                        start=fields["start"],
                        end=fields["end"],
                        resources=tuple(services.ResourceRequest(r.pk) for r in form.chosen_resources()),
                        # An emergency takes its time whatever is booked then (service rules).
                        kind=Kind.EMERGENCY if priority == Priority.EMERGENCY else Kind.SCHEDULED,
                        priority=priority,
                        note=fields["note"],
                    ),
                )
            except ApplicationError as exc:
                error = exc
                form.add_service_error(exc)
            else:
                messages.success(request, f"Booked {booking.patient.name} at {_when(booking, self.zone())}.")
                return redirect("booking:detail", facility_slug=facility_slug, booking_id=booking.pk)
        status = error.status_code if error else 400
        return self.page(self.template_name, {"form": form, "error": error}, status=status)


class WalkInView(BookingPage):
    """A patient who has just arrived, put in the current or next slot with room today."""

    required_action = Action.BOOKING_MANAGE
    template_name = "booking/walk_in.html"

    def form(self, *args, **kwargs) -> WalkInForm:
        return WalkInForm(
            *args,
            facility=self.request.facility,
            can_book_location=self.can(Action.BOOKING_LOCATION),
            can_prioritise=self.can(Action.BOOKING_EMERGENCY),
            **kwargs,
        )

    def get(self, request, facility_slug: str):
        initial = {
            name: request.GET[name] for name in ("patient", "resource", "appointment_type") if request.GET.get(name)
        }
        return self.page(self.template_name, {"form": self.form(initial=initial)})

    def post(self, request, facility_slug: str):
        form = self.form(request.POST)
        error = None
        if form.is_valid():
            fields = form.cleaned_data
            try:
                booking = services.walk_in_create(
                    facility=request.facility,
                    actor=request.user,
                    actor_role=request.membership.role,
                    patient_id=fields["patient"].pk,
                    resource_id=fields["resource"].pk,
                    appointment_type_id=fields["appointment_type"].pk,
                    priority=form.chosen_priority(),
                    note=fields["note"],
                )
            except ApplicationError as exc:
                error = exc
                form.add_service_error(exc)
            else:
                when = _when(booking, self.zone())
                messages.success(
                    request, f"Walk-in booked: {booking.patient.name} at {when} with {fields['resource'].name}."
                )
                return redirect("booking:detail", facility_slug=facility_slug, booking_id=booking.pk)
        status = error.status_code if error else 400
        return self.page(self.template_name, {"form": form, "error": error}, status=status)


class WalkInResourceView(WalkInView):
    """The walk-in's resource select for the chosen type (htmx, when the type changes): only the
    resources that fit its need, keeping the one picked where it still fits; for a type that
    needs a team, the reason it cannot be a walk-in and the way to the booking form instead."""

    http_method_names = ["get"]

    def get(self, request, facility_slug: str):
        initial = {
            name: request.GET[name] for name in ("patient", "resource", "appointment_type") if request.GET.get(name)
        }
        return render(request, "booking/_walk_in_resource.html", {"form": self.form(initial=initial)})


class TeamSelectsView(BookingPage):
    """The resource selects of the chosen type, one per need labelled by its role (htmx, when
    the type changes), keeping the resources already picked where they still fit."""

    required_action = Action.BOOKING_MANAGE

    def get(self, request, facility_slug: str):
        form = TeamQueryForm(
            initial=_team_initial(request.GET),
            facility=request.facility,
            can_book_location=self.can(Action.BOOKING_LOCATION),
        )
        return render(request, "booking/_team_selects.html", {"form": form})


class SlotPickerView(BookingPage):
    """The picker's radio buttons on one local date (htmx): the free slots of the chosen resource
    long enough for the type, or, for a type that needs a team, the times when all of the
    chosen resources are free together (``selectors.team_slot_list``).

    ``rescheduling=<booking id>``: the picker of that booking's page, sent its resources in the
    needs' order. Its own time counts as free, as ``booking_reschedule`` treats it, but its own
    start is not offered (that is no move); a team's times are as long as the booking."""

    required_action = Action.BOOKING_MANAGE

    def get(self, request, facility_slug: str):
        query = SlotQueryForm(
            request.GET, facility=request.facility, can_book_location=self.can(Action.BOOKING_LOCATION)
        )
        moving = (
            selectors.booking_get(facility=request.facility, booking_id=request.GET["rescheduling"])
            if request.GET.get("rescheduling")
            else None
        )
        valid = query.is_valid()
        team = query.chosen_resources() if valid else None
        context = {"ready": bool(team), "slots": [], "team_size": len(query.needs)}
        if not team:
            context["missing"] = [need["role"].lower() for need in query.needs]
            return render(request, "booking/_slot_picker.html", context)
        if len({resource.pk for resource in team}) < len(team):
            # One person cannot fill two roles at once: say so before offering times for them.
            context.update(ready=False, same_person=True)
            return render(request, "booking/_slot_picker.html", context)
        fields = query.cleaned_data
        appointment_type = fields["appointment_type"]
        emergency = (
            moving is None and request.GET.get("priority") == Priority.EMERGENCY and self.can(Action.BOOKING_EMERGENCY)
        )
        own_time = selectors.own_time_free(booking_id=moving.pk) if moving else nullcontext()
        team_length = None
        with own_time:
            if len(team) > 1:
                team_length = moving.end - moving.start if moving else None
                slots = selectors.team_slot_list(
                    facility=request.facility,
                    resource_ids=[r.pk for r in team],
                    date=fields["date"],
                    appointment_type=appointment_type,
                    length=team_length,
                )
                free = slots
            else:
                slots = availability.slot_list(
                    facility=request.facility,
                    resource_ids=[team[0].pk],
                    start_date=fields["date"],
                    end_date=fields["date"],
                    appointment_type_id=appointment_type.pk if appointment_type else None,
                )
                # A slot shorter than the type is not offered: a five-hour regimen does not fit a
                # doctor's 15-minute token.
                length = dt.timedelta(minutes=appointment_type.default_minutes if appointment_type else 0)
                slots = [slot for slot in slots if slot.end - slot.start >= length]
                free = [slot for slot in slots if slot.bookable and slot.remaining > 0]
                if emergency:
                    # An emergency takes any time still to come; what is booked then is moved.
                    now = timezone.now()
                    free = [slot for slot in slots if slot.end > now]
        if moving:
            free = [slot for slot in free if slot.start != moving.start]
        if appointment_type and team_length is None:
            team_length = dt.timedelta(minutes=appointment_type.default_minutes)
        context.update(
            slots=[
                {
                    "slot": slot,
                    "value": slot_value(slot.start, slot.end),
                    "label": slot_label(slot.start, slot.end, zone=self.zone()),
                }
                for slot in free
            ],
            taken=len(slots) - len(free),
            selected=_picked_slot(fields["slot"] or request.GET.get("slot_initial", "")),
            has_type=appointment_type is not None,
            appointment_type=appointment_type,
            resource=team[0],
            team=team,
            date=fields["date"],
            emergency=emergency and len(team) == 1,
            team_minutes=int(team_length.total_seconds() // 60) if team_length else None,
        )
        return render(request, "booking/_slot_picker.html", context)


class DurationSuggestionView(BookingPage):
    """How long the chosen type will really take on the chosen chair or theatre, learned from
    the facility's history, with its basis (htmx, next to the type). Not patient data: whoever
    books sees it, analytics access or not. The type's own minutes still set the slot."""

    required_action = Action.BOOKING_MANAGE

    def get(self, request, facility_slug: str):
        query = DurationQueryForm(request.GET, facility=request.facility)
        context = {"estimate": None}
        if query.is_valid():
            appointment_type, resource = query.cleaned_data["appointment_type"], query.cleaned_data["resource"]
            context.update(
                estimate=estimates.estimate_for_appointment_type(
                    facility=request.facility,
                    appointment_type=appointment_type,
                    resource_kind=resource.kind,
                    minutes=appointment_type.default_minutes,
                ),
                booked_minutes=appointment_type.default_minutes,
            )
        return render(request, "booking/_duration_suggestion.html", context)


def _picked_slot(value: str) -> str:
    """The picked slot in the picker's own spelling of its instants, so it is checked however
    its offset was written; a value that is not a slot checks none."""
    try:
        return slot_value(*slot_instants(value))
    except ValueError:
        return ""


class PatientSearchView(BookingPage):
    """Live search of the facility's patients for the pickers (htmx)."""

    required_action = Action.BOOKING_MANAGE

    def get(self, request, facility_slug: str):
        search = request.GET.get("q", "").strip()[:100]
        patients, more = kernel.patient_picker_matches(facility=request.facility, search=search)
        context = {"patients": patients, "search": search, "more": more}
        return render(request, "booking/_patient_results.html", context)


class PatientPickView(BookingPage):
    """The patient picker: the chosen patient (``?patient=<id>``) or, without one, the search."""

    required_action = Action.BOOKING_MANAGE

    def get(self, request, facility_slug: str):
        patient_id = request.GET.get("patient")
        patient = kernel.patient_get(facility=request.facility, patient_id=patient_id) if patient_id else None
        return render(request, "booking/_patient_picker.html", {"patient": patient})
