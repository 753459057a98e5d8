"""One booking: its page, its life-cycle buttons and rescheduling."""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from booking import selectors, services
from booking.forms import (
    RescheduleForm,
    resource_field_name,
    slot_label,
)
from booking.lifecycle import desk_moves
from booking.models import Status
from booking.services.appointments import LOCATION_KINDS
from booking.services.requests import rows_in_need_order
from booking.views.common import BookingPage, _when
from scheduling import selectors as kernel
from scheduling import services as kernel_services
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


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation of a move that ends a booking says: its question, its two buttons,
    what happens, and whether it takes a reason (and the reason's label)."""

    question: str
    yes: str
    keep: str
    outcome: str
    done: str
    reason_label: str = ""


# The moves that end a booking for good ask first, on their own page (GET of the move's URL,
# without script) or in a dialog of the booking's page; cancel and deny take a reason.
CONFIRMATIONS = {
    "cancel": Confirmation(
        question="Cancel this booking?",
        yes="Yes, cancel",
        keep="Keep the booking",
        outcome="Its time is freed for other bookings. This cannot be undone: to see the patient "
        "after all, make a new booking.",
        done="cancelled",
        reason_label="Why is it cancelled?",
    ),
    "deny": Confirmation(
        question="Deny this request?",
        yes="Yes, deny",
        keep="Keep the request",
        outcome="The requested time is freed and the reason is kept as a comment on the booking. "
        "This cannot be undone: to see the patient after all, make a new booking.",
        done="denied",
        reason_label="Why is it denied?",
    ),
    "no-show": Confirmation(
        question="Mark this patient as a no-show?",
        yes="Yes, mark no-show",
        keep="Keep the booking",
        outcome="The booking closes as not attended and its time is freed. This cannot be undone; "
        "if the patient arrives after all, book them again or check them in as a walk-in.",
        done="marked as a no-show",
    ),
}
REASON_MAX = 500


class BookingDetailView(BookingPage):
    def get(self, request, facility_slug: str, booking_id: int):
        booking = selectors.booking_detail(facility=request.facility, booking_id=booking_id)
        return _detail_page(self, booking)


class BookingTransitionView(BookingPage):
    """Approve, deny, no-show or cancel: one POST, one service call. Deny, no-show and cancel
    ask first: GET shows their confirmation; a POST of cancel or deny without a reason shows it
    again with the field's error (400), nothing changed."""

    required_action = Action.BOOKING_MANAGE
    http_method_names = ["get", "post"]

    def get(self, request, facility_slug: str, booking_id: int, move: str):
        if move not in CONFIRMATIONS:
            return HttpResponseNotAllowed(["POST"])
        booking = selectors.booking_detail(facility=request.facility, booking_id=booking_id)
        if DESK_TRANSITIONS[move][0] not in desk_moves(booking.status):
            if booking.status == Status.CHECKED_IN:
                message = (
                    "This patient is checked in: in the queue, mark them “Left” (left without being "
                    "seen), or use “Undo check-in” there if the check-in was a mistake."
                )
            else:
                message = (
                    f"This booking is {booking.get_status_display().lower()}: "
                    f"it can no longer be {CONFIRMATIONS[move].done}."
                )
            error = ApplicationError("invalid_transition", message, status_code=409)
            return _detail_page(self, booking, error=error, status=409)
        return _confirm_page(self, booking, move)

    def post(self, request, facility_slug: str, booking_id: int, move: str):
        to_status, _, done = DESK_TRANSITIONS[move]
        reason = " ".join(request.POST.get("reason", "").split())[:REASON_MAX]
        confirmation = CONFIRMATIONS.get(move)
        if confirmation and confirmation.reason_label and not reason:
            booking = selectors.booking_detail(facility=request.facility, booking_id=booking_id)
            return _confirm_page(self, booking, move, reason_error="Say why: the reason is kept on the booking.")
        try:
            # A denial keeps its reason as a comment on the booking (the booking has a field only
            # for a cancellation's): both or neither, in one transaction.
            with transaction.atomic():
                booking = services.booking_transition(
                    facility=request.facility,
                    actor=request.user,
                    booking_id=booking_id,
                    to_status=to_status,
                    reason=reason,
                )
                if move == "deny" and reason:
                    kernel_services.comment_add(
                        facility=request.facility, actor=request.user, target=booking, text=f"Denied: {reason}"
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


def _confirm_page(view: BookingPage, booking, move: str, *, reason_error: str = ""):
    """The confirmation of a move that ends the booking: who, when, what, and what follows."""
    context = {
        "booking": booking,
        "move": move,
        "confirmation": CONFIRMATIONS[move],
        "action_url": reverse(
            f"booking:{move.replace('-', '_')}",
            kwargs={"facility_slug": view.request.facility.slug, "booking_id": booking.pk},
        ),
        "when": _when(booking, view.zone()),
        "resources": _resources(booking),
        "reason": " ".join(view.request.POST.get("reason", "").split())[:REASON_MAX],
        "reason_error": reason_error,
    }
    return view.page("booking/confirm.html", context, status=400 if reason_error else 200)


def _resources(booking) -> list[dict]:
    """The booking's resources, a team's in the order of its type's needs, each with its role."""
    return [
        {
            "name": row.resource.name,
            "role": row.role,
            "kind": "Token" if row.token_slot_id else row.resource.get_kind_display(),
            "start": row.start,
            "end": row.end,
        }
        for row in rows_in_need_order(booking)
    ]


def _reschedule_team(booking) -> list[dict]:
    """What the reschedule picker is sent of the booking's resources: each in the input its need
    reads (``resource``, ``resource_1``…, in the order of the type's needs, as the booking form
    sends them), so a team is offered only the times when all of it is free."""
    return [
        {"name": resource_field_name(i), "id": row.resource_id} for i, row in enumerate(rows_in_need_order(booking))
    ]


def _kept_length(booking) -> dt.timedelta | None:
    """What a rescheduled booking keeps: its length, unless it holds a token (the new slot's)."""
    return None if booking.token_booking else booking.end - booking.start


def _detail_page(view: BookingPage, booking, *, error=None, reschedule_form=None, reschedule_error=None, status=200):
    facility = view.request.facility
    # The moves this page can make: a checked-in patient's booking is cancelled by the queue's
    # "Left", so offering Cancel here would only lead to a refusal.
    allowed = desk_moves(booking.status)
    started = booking.start <= timezone.now()
    actions = [
        {
            "move": move,
            "label": label,
            "danger": move in ("cancel", "deny"),
            "confirmation": CONFIRMATIONS.get(move),
            "url": reverse(
                f"booking:{move.replace('-', '_')}",
                kwargs={"facility_slug": facility.slug, "booking_id": booking.pk},
            ),
        }
        for move, (target, label, _) in DESK_TRANSITIONS.items()
        if target in allowed and (target != Status.NO_SHOW or started)
    ]
    resources = _resources(booking)
    local_start = timezone.localtime(booking.start)
    kept = _kept_length(booking)
    context = {
        "booking": booking,
        "times": slot_label(booking.start, booking.end, zone=view.zone()),
        "resources": resources,
        "status_history": _status_history(booking),
        "comments": kernel.comment_list(facility=facility, target=booking),
        "patient_messages": selectors.patient_message_list(facility=facility, booking_id=booking.pk),
        "when": _when(booking, view.zone()),
        "actions": actions,
        "can_reschedule": Status.RESCHEDULED in allowed,
        "kept_minutes": int(kept.total_seconds() // 60) if kept else None,
        "reschedule_team": _reschedule_team(booking),
        "reschedule_blocked": not view.can(Action.BOOKING_LOCATION)
        and any(row.resource.kind in LOCATION_KINDS for row in booking.resources.all()),
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
