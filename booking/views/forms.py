"""The booking and walk-in forms, with their htmx parts: the slot picker, the duration
suggestion and the patient picker."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from analytics import estimates
from availability import selectors as availability
from booking import services
from booking.forms import (
    BookingForm,
    DurationQueryForm,
    SlotQueryForm,
    WalkInForm,
    slot_instants,
    slot_label,
    slot_value,
)
from booking.views.common import BookingPage, _when
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action

PATIENT_RESULTS = 8


class BookingCreateView(BookingPage):
    required_action = Action.BOOKING_MANAGE
    template_name = "booking/form.html"

    def get(self, request, facility_slug: str):
        initial = {"date": request.GET.get("date") or timezone.localdate().isoformat()}
        for name in ("resource", "appointment_type", "slot"):
            if request.GET.get(name):
                initial[name] = request.GET[name]
        form = BookingForm(
            initial=initial, facility=request.facility, can_book_location=self.can(Action.BOOKING_LOCATION)
        )
        return self.page(self.template_name, {"form": form})

    def post(self, request, facility_slug: str):
        form = BookingForm(request.POST, facility=request.facility, can_book_location=self.can(Action.BOOKING_LOCATION))
        error = None
        if form.is_valid():
            fields = form.cleaned_data
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
                        resources=(services.ResourceRequest(fields["resource"].pk),),
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

    def get(self, request, facility_slug: str):
        form = WalkInForm(
            initial={"resource": request.GET.get("resource")},
            facility=request.facility,
            can_book_location=self.can(Action.BOOKING_LOCATION),
        )
        return self.page(self.template_name, {"form": form})

    def post(self, request, facility_slug: str):
        form = WalkInForm(request.POST, facility=request.facility, can_book_location=self.can(Action.BOOKING_LOCATION))
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
                    priority=fields["priority"],
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


class SlotPickerView(BookingPage):
    """The picker's radio buttons: the free slots of one resource on one local date (htmx)."""

    required_action = Action.BOOKING_MANAGE

    def get(self, request, facility_slug: str):
        query = SlotQueryForm(request.GET, facility=request.facility)
        context = {"ready": query.is_valid(), "slots": []}
        if context["ready"]:
            fields = query.cleaned_data
            slots = availability.slot_list(
                facility=request.facility,
                resource_ids=[fields["resource"].pk],
                start_date=fields["date"],
                end_date=fields["date"],
                appointment_type_id=fields["appointment_type"].pk if fields["appointment_type"] else None,
            )
            free = [slot for slot in slots if slot.bookable and slot.remaining > 0]
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
                has_type=fields["appointment_type"] is not None,
                resource=fields["resource"],
                date=fields["date"],
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
        patients = kernel.patient_list(facility=request.facility, search=search)[:PATIENT_RESULTS] if search else []
        return render(request, "booking/_patient_results.html", {"patients": patients, "search": search})


class PatientPickView(BookingPage):
    """The patient picker: the chosen patient (``?patient=<id>``) or, without one, the search."""

    required_action = Action.BOOKING_MANAGE

    def get(self, request, facility_slug: str):
        patient_id = request.GET.get("patient")
        patient = kernel.patient_get(facility=request.facility, patient_id=patient_id) if patient_id else None
        return render(request, "booking/_patient_picker.html", {"patient": patient})
