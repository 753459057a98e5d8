"""A patient's page: details, bookings to come and past, queue visits, comments and history,
with "book this patient" and "check in" for the roles that may."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.views import View

from frontdesk import selectors
from frontdesk.paging import page_of
from infusion.selectors import placement as placements
from scheduling import selectors as kernel
from scheduling import services as kernel_services
from scheduling.errors import ApplicationError
from scheduling.history import history_entries, history_records
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

UPCOMING_PAGE = 10
PAST_PAGE = 10
VISITS_PAGE = 10
HISTORY_PAGE = 10
COMMENT_MAX = 4000


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Add a comment",
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the comment first."},
    )


class PatientView(FacilityPageMixin, View):
    """Another facility's patient, or an unknown id, is 404; roles without ``patient.view``
    (analysts) get 403."""

    required_action = Action.PATIENT_VIEW

    def get(self, request, facility_slug: str, patient_id: int):
        return patient_page(self, patient_id=patient_id)


class PatientCommentView(FacilityPageMixin, View):
    """Adds a comment to the patient through the kernel's comment service."""

    required_action = Action.COMMENT_ADD
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, patient_id: int):
        patient = kernel.patient_get(facility=request.facility, patient_id=patient_id)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                kernel_services.comment_add(
                    facility=request.facility, actor=request.user, target=patient, text=form.cleaned_data["text"]
                )
            except ApplicationError as error:
                for problem in error.fields.get("text", [error.message]):
                    form.add_error("text", problem)
            else:
                messages.success(request, "Comment added.")
                page = reverse("frontdesk:patient", kwargs={"facility_slug": facility_slug, "patient_id": patient.pk})
                return redirect(f"{page}#comments")
        return patient_page(self, patient_id=patient_id, comment_form=form, status=400)


def patient_page(view: FacilityPageMixin, *, patient_id: int, comment_form=None, status: int = 200):
    request = view.request
    facility = request.facility
    patient = kernel.patient_get(facility=facility, patient_id=patient_id)
    now = timezone.now()
    today = selectors.local_day(facility=facility, now=now)

    upcoming = page_of(
        request,
        selectors.patient_upcoming_bookings(facility=facility, patient_id=patient.pk, now=now),
        size=UPCOMING_PAGE,
        parameter="upcoming",
        anchor="upcoming",
    )
    past = page_of(
        request,
        selectors.patient_past_bookings(facility=facility, patient_id=patient.pk, now=now),
        size=PAST_PAGE,
        parameter="past",
        anchor="past",
    )
    visits = page_of(
        request,
        selectors.patient_visits(facility=facility, patient_id=patient.pk),
        size=VISITS_PAGE,
        parameter="visits",
        anchor="visits",
    )
    history = page_of(
        request, history_records(instance=patient), size=HISTORY_PAGE, parameter="history", anchor="history"
    )
    can_check_in = view.can(Action.QUEUE_OPERATE)
    can_place = view.can(Action.INFUSION_PLACE) and view.can(Action.BOOKING_MANAGE)
    context = {
        "patient": patient,
        "age": _age(patient.date_of_birth, today.day),
        "upcoming": upcoming,
        "upcoming_rows": _booking_rows(upcoming),
        "past": past,
        "past_rows": _booking_rows(past),
        "visits": visits,
        "comments": kernel.comment_list(facility=facility, target=patient),
        "comment_form": comment_form or CommentForm(),
        "history": history,
        "history_rows": _history_rows(patient, history),
        "check_in_bookings": selectors.patient_check_in_bookings(facility=facility, patient_id=patient.pk, now=now)
        if can_check_in
        else [],
        "placement_actions": placements.placement_actions(facility=facility, patient_id=patient.pk, now=now)
        if can_place
        else [],
        "can_book": view.can(Action.BOOKING_MANAGE),
        "can_check_in": can_check_in,
        "can_comment": view.can(Action.COMMENT_ADD),
    }
    return render(request, "frontdesk/patient.html", context, status=status)


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _booking_rows(page) -> list[dict]:
    return [{"booking": booking, "resources": selectors.booking_resources(booking)} for booking in page]


def _history_rows(patient, page) -> list[dict]:
    """Each change with the field's name as the form shows it."""
    names = {field.name: capfirst(field.verbose_name) for field in patient._meta.fields}
    entries = history_entries(instance=patient, records=page.object_list)
    for entry in entries:
        for change in entry["changes"]:
            change["label"] = names.get(change["field"], change["field"])
    return entries
