"""One booking: its page, its life-cycle buttons and rescheduling."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from booking import selectors, services
from booking.forms import (
    RescheduleForm,
    slot_label,
)
from booking.lifecycle import TRANSITIONS
from booking.models import Status
from booking.views.common import BookingPage, _when
from scheduling.errors import ApplicationError
from scheduling.permissions import Action

# The life-cycle moves the front desk makes from a booking's page (check-in and the rest of the
# day of care belong to the queue). The URL word, the target status, the button and the notice.
DESK_TRANSITIONS = {
    "approve": (Status.APPROVED, "Approve", "Request approved."),
    "deny": (Status.DENIED, "Deny", "Request denied."),
    "no-show": (Status.NO_SHOW, "Mark no-show", "Marked as no-show."),
    "cancel": (Status.CANCELLED, "Cancel booking", "Booking cancelled."),
}


class BookingDetailView(BookingPage):
    def get(self, request, facility_slug: str, booking_id: int):
        booking = selectors.booking_detail(facility=request.facility, booking_id=booking_id)
        return _detail_page(self, booking)


class BookingTransitionView(BookingPage):
    """Approve, deny, no-show or cancel: one POST, one service call."""

    required_action = Action.BOOKING_MANAGE
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, booking_id: int, move: str):
        to_status, _, done = DESK_TRANSITIONS[move]
        try:
            services.booking_transition(
                facility=request.facility,
                actor=request.user,
                booking_id=booking_id,
                to_status=to_status,
                reason=request.POST.get("reason", "")[:500],
            )
        except ApplicationError as error:
            if error.code == "not_found":
                raise
            booking = selectors.booking_detail(facility=request.facility, booking_id=booking_id)
            return _detail_page(self, booking, error=error, status=error.status_code)
        messages.success(request, done)
        return redirect("booking:detail", facility_slug=facility_slug, booking_id=booking_id)


class BookingRescheduleView(BookingPage):
    """Moves the booking to a new slot of the same resource; the new booking replaces it."""

    required_action = Action.BOOKING_MANAGE
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, booking_id: int):
        old = selectors.booking_detail(facility=request.facility, booking_id=booking_id)
        form = RescheduleForm(request.POST, facility=request.facility, keep_length=_kept_length(old))
        error = None
        if form.is_valid():
            try:
                booking = services.booking_reschedule(
                    facility=request.facility,
                    actor=request.user,
                    actor_role=request.membership.role,
                    booking_id=booking_id,
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
            except ApplicationError as exc:
                if exc.code == "not_found":
                    raise
                error = exc
                form.add_service_error(exc)
            else:
                messages.success(request, f"Rescheduled to {_when(booking, self.zone())}.")
                return redirect("booking:detail", facility_slug=facility_slug, booking_id=booking.pk)
        old = selectors.booking_detail(facility=request.facility, booking_id=booking_id)  # as it is now
        return _detail_page(
            self, old, reschedule_form=form, reschedule_error=error, status=error.status_code if error else 400
        )


def _kept_length(booking) -> dt.timedelta | None:
    """What a rescheduled booking keeps: its length, unless it holds a token (the new slot's)."""
    return None if booking.token_booking else booking.end - booking.start


def _detail_page(view: BookingPage, booking, *, error=None, reschedule_form=None, reschedule_error=None, status=200):
    facility = view.request.facility
    allowed = TRANSITIONS[Status(booking.status)]
    started = booking.start <= timezone.now()
    actions = [
        {
            "label": label,
            "danger": move in ("cancel", "deny"),
            "asks_reason": target == Status.CANCELLED,
            "url": reverse(
                f"booking:{move.replace('-', '_')}",
                kwargs={"facility_slug": facility.slug, "booking_id": booking.pk},
            ),
        }
        for move, (target, label, _) in DESK_TRANSITIONS.items()
        if target in allowed and (target != Status.NO_SHOW or started)
    ]
    resources = [
        {
            "name": row.resource.name,
            "kind": "Token" if row.token_slot_id else row.resource.get_kind_display(),
            "start": row.start,
            "end": row.end,
        }
        for row in booking.resources.all()
    ]
    picker_resource_id = next((row.resource_id for row in booking.resources.all()), None)
    local_start = timezone.localtime(booking.start)
    kept = _kept_length(booking)
    context = {
        "booking": booking,
        "times": slot_label(booking.start, booking.end, zone=view.zone()),
        "resources": resources,
        "status_history": _status_history(booking),
        "actions": actions,
        "can_reschedule": Status.RESCHEDULED in allowed,
        "kept_minutes": int(kept.total_seconds() // 60) if kept else None,
        "picker_resource_id": picker_resource_id,
        "reschedule_form": reschedule_form
        or RescheduleForm(initial={"date": local_start.date(), "slot": ""}, facility=facility),
        "reschedule_error": reschedule_error,
        "error": error,
        "replaced_by": selectors.booking_list(facility=facility).filter(replaces=booking).first()
        if booking.status == Status.RESCHEDULED
        else None,
    }
    return view.page("booking/detail.html", context, status=status)


def _status_history(booking) -> list[dict]:
    """The booking's statuses from its audit history, oldest first: each change, who made it,
    when, and for a cancellation why."""
    entries, previous = [], None
    for record in booking.history.select_related("history_user").order_by("history_date", "history_id"):
        if record.status != previous:
            entries.append(
                {
                    "when": record.history_date,
                    "who": record.history_user.get_username() if record.history_user else "—",
                    "from": Status(previous).label if previous else None,
                    "to": Status(record.status).label,
                    "reason": record.cancel_reason if record.status == Status.CANCELLED else "",
                }
            )
            previous = record.status
    return entries
