"""Pages of the day of care under ``/f/<facility_slug>/queue/``: the queue home (today's queues and
check-in of booked patients and walk-ins), a queue's staff page (who waits, in order, with the
score's parts, and the actions), and the waiting-room board (token numbers only, never names).

Each write calls one live_queue service, as the REST API does; the services decide every rule and
their ``ApplicationError`` is shown to the user with its status. Times are shown in the facility's
zone, which ``FacilityPageMixin`` activates.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from booking import selectors as bookings
from live_queue import selectors, services
from live_queue.forms import (
    MOVE_MINUTES,
    BookingCheckInForm,
    CallNextForm,
    TransferForm,
    VipForm,
    WalkInCheckInForm,
)
from live_queue.models import EntryStatus
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

PATIENT_RESULTS = 8
BOARD_CALLED = 6
BOARD_NEXT = 8
# A call this recent is highlighted on the board, so a patient glancing up sees what changed.
BOARD_FRESH = dt.timedelta(seconds=60)
# Bookings the desk can check in: booked and not yet arrived.
CHECK_IN_STATUSES = ["scheduled", "approved"]


class QueuePage(FacilityPageMixin, View):
    """A queue page: an unknown or other facility's queue or entry is 404."""

    required_action = Action.QUEUE_VIEW

    def page(self, template: str, context: dict, status: int = 200):
        context = {
            "can_operate": self.can(Action.QUEUE_OPERATE),
            "can_undo_check_in": self.can(Action.QUEUE_UNDO_CHECK_IN),
            **context,
        }
        return render(self.request, template, context, status=status)


# --- the queue home and check-in --------------------------------------------------------------


class HomeView(QueuePage):
    """Today's queues with their counts, and the check-in panel."""

    def get(self, request, facility_slug: str):
        return _home_page(self, walk_in_form=WalkInCheckInForm(facility=request.facility))


class BookingCheckInView(QueuePage):
    """Checks in a booked patient of today: one POST, one ``check_in``."""

    required_action = Action.QUEUE_OPERATE
    http_method_names = ["post"]

    def post(self, request, facility_slug: str):
        form = BookingCheckInForm(request.POST)
        if not form.is_valid():
            return _home_page(self, error_message="Choose a booking to check in.", status=400)
        try:
            entry = services.check_in(
                facility=request.facility,
                actor=request.user,
                actor_role=request.membership.role,
                booking_id=form.cleaned_data["booking"],
            )
        except ApplicationError as error:
            return _home_page(self, error_message=error.message, status=error.status_code)
        messages.success(request, _checked_in(entry))
        return redirect("live_queue:home", facility_slug=facility_slug)


class WalkInCheckInView(QueuePage):
    """Checks in a patient without a booking, into the queue of a resource or department."""

    required_action = Action.QUEUE_OPERATE
    http_method_names = ["post"]

    def post(self, request, facility_slug: str):
        form = WalkInCheckInForm(request.POST, facility=request.facility)
        if not form.is_valid():
            return _home_page(self, walk_in_form=form, error_message="Please correct the walk-in form.", status=400)
        fields = form.cleaned_data
        try:
            entry = services.check_in(
                facility=request.facility,
                actor=request.user,
                actor_role=request.membership.role,
                patient_id=fields["patient"].pk,
                priority=fields["priority"],
                **fields["place"],
            )
        except ApplicationError as error:
            return _home_page(self, walk_in_form=form, error_message=error.message, status=error.status_code)
        messages.success(request, _checked_in(entry))
        return redirect("live_queue:home", facility_slug=facility_slug)


class PatientSearchView(QueuePage):
    """Live search of the facility's patients for the walk-in form (htmx): radio buttons."""

    required_action = Action.QUEUE_OPERATE

    def get(self, request, facility_slug: str):
        search = request.GET.get("q", "").strip()[:100]
        patients = kernel.patient_list(facility=request.facility, search=search)[:PATIENT_RESULTS] if search else []
        return render(request, "live_queue/_patient_results.html", {"patients": patients, "search": search})


def _home_page(view: QueuePage, *, walk_in_form=None, error_message: str = "", status: int = 200):
    facility = view.request.facility
    zone = ZoneInfo(facility.time_zone)
    today = timezone.localdate()
    day_start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    day_end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    queues = selectors.queue_list(facility=facility, day=today).annotate(
        waiting_count=Count("entries", filter=Q(entries__status=EntryStatus.WAITING)),
        serving_count=Count("entries", filter=Q(entries__status__in=[EntryStatus.CALLED, EntryStatus.IN_PROGRESS])),
        done_count=Count("entries", filter=Q(entries__status=EntryStatus.COMPLETED)),
    )
    due = bookings.booking_list(facility=facility, start=day_start, end=day_end, statuses=CHECK_IN_STATUSES)
    arrivals = [
        {"booking": booking, "where": _booking_place(booking)}
        for booking in due.order_by("start", "pk")
        if booking.start >= day_start  # starting today, not carried over from yesterday
    ]
    form = walk_in_form or WalkInCheckInForm(facility=facility)
    context = {
        "today": today,
        "queues": queues,
        "arrivals": arrivals,
        "walk_in_form": form,
        "chosen_patient": form.chosen_patient() if form.is_bound else None,
        "error_message": error_message,
    }
    return view.page("live_queue/home.html", context, status=status)


def _booking_place(booking) -> str:
    """Where a booked patient will queue: the booking's first resource, or its token's resource."""
    rows = sorted(booking.resources.all(), key=lambda row: (row.start, row.resource_id))
    if rows:
        return rows[0].resource.name
    try:
        return booking.token.slot.resource.name
    except ObjectDoesNotExist:
        return ""


def _checked_in(entry) -> str:
    return f"Token {entry.token_number} — {entry.queue.name} · {entry.encounter.patient.name} checked in."


# --- a queue's staff page ---------------------------------------------------------------------


class QueueView(QueuePage):
    """Who waits, in order, who is called or with the clinician, and the actions. An htmx
    request (the page's own polling) gets only the entries region."""

    def get(self, request, facility_slug: str, queue_id: int):
        queue = selectors.queue_get(facility=request.facility, queue_id=queue_id)
        if request.headers.get("HX-Request"):
            return self.page("live_queue/_entries.html", _entries_context(request, queue))
        return _queue_page(self, queue)


class CallNextView(QueuePage):
    required_action = Action.QUEUE_OPERATE
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, queue_id: int):
        form = CallNextForm(request.POST)
        if not form.is_valid():
            queue = selectors.queue_get(facility=request.facility, queue_id=queue_id)
            return _queue_page(self, queue, call_form=form, error_message="Please correct the counter.", status=400)
        counter = form.cleaned_data["counter"].strip()
        try:
            entry = services.call_next(
                facility=request.facility, actor=request.user, queue_id=queue_id, counter=counter
            )
        except ApplicationError as error:
            if error.code == "not_found":
                raise
            queue = selectors.queue_get(facility=request.facility, queue_id=queue_id)
            return _queue_page(self, queue, call_form=form, error_message=error.message, status=error.status_code)
        request.session["live_queue_counter"] = counter  # the desk usually calls to the same room
        messages.success(
            request, f"Token {entry.token_number} called{f' to {entry.counter}' if entry.counter else ''}."
        )
        return redirect("live_queue:queue", facility_slug=facility_slug, queue_id=queue_id)


# The one-click moves on an entry: the service and what the desk is told afterwards.
ENTRY_MOVES = {
    "start": (services.entry_start, "Token {token} is with the clinician."),
    "complete": (services.entry_complete, "Token {token} completed."),
    "skip": (services.entry_skip, "Token {token} skipped: recall them when they are back."),
    "recall": (services.entry_recall, "Token {token} is waiting again, in their place."),
    "left": (services.entry_left, "Token {token} left without being seen."),
}


class _EntryActionView(QueuePage):
    """A POST on one entry of the queue page: on success back to the queue with a notice; a rule
    the service refuses shows its message on the queue page with its status, nothing changed."""

    required_action = Action.QUEUE_OPERATE
    http_method_names = ["post"]

    def act(self, request, entry_id: int) -> str:
        raise NotImplementedError

    def post(self, request, facility_slug: str, queue_id: int, entry_id: int, **kwargs):
        try:
            notice = self.act(request, entry_id, **kwargs)
        except ApplicationError as error:
            if error.code == "not_found":
                raise
            return self.refused(queue_id, error.message, error.status_code)
        except _InvalidForm as invalid:
            return self.refused(queue_id, invalid.message, 400)
        messages.success(request, notice)
        return redirect("live_queue:queue", facility_slug=facility_slug, queue_id=queue_id)

    def refused(self, queue_id: int, message: str, status: int):
        queue = selectors.queue_get(facility=self.request.facility, queue_id=queue_id)
        return _queue_page(self, queue, error_message=message, status=status)


class _InvalidForm(Exception):
    def __init__(self, form):
        super().__init__()
        self.message = " ".join(error for errors in form.errors.values() for error in errors)


class EntryMoveView(_EntryActionView):
    """Start, complete, skip, recall, left without being seen."""

    def act(self, request, entry_id: int, move: str) -> str:
        service, notice = ENTRY_MOVES[move]
        entry = service(facility=request.facility, actor=request.user, entry_id=entry_id)
        return notice.format(token=entry.token_number)


class EntryShiftView(_EntryActionView):
    """Bump up or send back by a fixed number of minutes of score."""

    def act(self, request, entry_id: int, direction: int) -> str:
        entry = services.entry_move(
            facility=request.facility, actor=request.user, entry_id=entry_id, minutes=direction * MOVE_MINUTES
        )
        done = "bumped up" if direction < 0 else "sent back"
        return f"Token {entry.token_number} {done} {MOVE_MINUTES} minutes."


class EntryVipView(_EntryActionView):
    def act(self, request, entry_id: int) -> str:
        form = VipForm(request.POST)
        if not form.is_valid():
            raise _InvalidForm(form)
        entry = services.entry_set_vip(
            facility=request.facility, actor=request.user, entry_id=entry_id, reason=form.cleaned_data["reason"]
        )
        return f"Token {entry.token_number} marked VIP: {entry.vip_reason}."


class EntryTransferView(_EntryActionView):
    def act(self, request, entry_id: int) -> str:
        form = TransferForm(request.POST, facility=request.facility)
        if not form.is_valid():
            raise _InvalidForm(form)
        entry = services.entry_transfer(
            facility=request.facility, actor=request.user, entry_id=entry_id, **form.cleaned_data["place"]
        )
        return (
            f"Token {entry.transferred_from.token_number} transferred to {entry.queue.name}, "
            f"where it is token {entry.token_number}."
        )


class EntryUndoCheckInView(_EntryActionView):
    """Takes back a mistaken check-in (the page asks to confirm first)."""

    required_action = Action.QUEUE_UNDO_CHECK_IN

    def act(self, request, entry_id: int) -> str:
        undone = services.check_in_undo(facility=request.facility, actor=request.user, entry_id=entry_id)
        outcome = "is booked again" if undone.booking_id else "is no longer in the queue"
        return f"Check-in of token {undone.token_number} undone: {undone.patient.name} {outcome}."


def _queue_page(view: QueuePage, queue, *, call_form=None, error_message: str = "", status: int = 200):
    request = view.request
    context = {
        **_entries_context(request, queue),
        "call_form": call_form or CallNextForm(initial={"counter": request.session.get("live_queue_counter", "")}),
        "error_message": error_message,
    }
    return view.page("live_queue/queue.html", context, status=status)


def _entries_context(request, queue) -> dict:
    facility = request.facility
    now = timezone.now()
    waiting = [
        {"position": index, "entry": entry, "parts": parts}
        for index, (entry, parts) in enumerate(
            selectors.queue_in_order(facility=facility, queue_id=queue.pk, now=now), start=1
        )
    ]
    others = list(
        selectors.entry_list(
            facility=facility,
            queue_id=queue.pk,
            statuses=[EntryStatus.CALLED, EntryStatus.IN_PROGRESS, EntryStatus.SKIPPED],
        ).order_by("called_at", "token_number")
    )
    return {
        "queue": queue,
        "now": now,
        "waiting": waiting,
        "serving": [e for e in others if e.status in (EntryStatus.CALLED, EntryStatus.IN_PROGRESS)],
        "skipped": [e for e in others if e.status == EntryStatus.SKIPPED],
        "transfer_form": TransferForm(facility=facility, auto_id=False),
        "move_minutes": MOVE_MINUTES,
    }


# --- the waiting-room board -------------------------------------------------------------------


class BoardView(QueuePage):
    """The wall screen: called token numbers with their counter, the next tokens, the queue's
    name and the local time. Token numbers only: no name is ever given to this template."""

    def get(self, request, facility_slug: str, queue_id: int):
        queue = selectors.queue_get(facility=request.facility, queue_id=queue_id)
        now = timezone.now()
        board = selectors.queue_board(facility=request.facility, queue_id=queue.pk, now=now)
        called = [{**call, "fresh": now - call["called_at"] < BOARD_FRESH} for call in board["called"][:BOARD_CALLED]]
        context = {
            "queue_name": queue.name,
            "queue_day": queue.day,
            "now": now,
            "called": called,
            "next_tokens": board["waiting"][:BOARD_NEXT],
            "more_waiting": max(0, len(board["waiting"]) - BOARD_NEXT),
        }
        template = "live_queue/_board.html" if request.headers.get("HX-Request") else "live_queue/board.html"
        return render(request, template, context)
