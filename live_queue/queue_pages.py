"""A queue's staff page (who waits, in order, with the score's parts and lateness, and the
actions, each reversible one with its undo offered) and the waiting-room board (token numbers
only, never names), under ``/f/<facility_slug>/queue/<queue_id>/``.

Each write calls one live_queue service, as the REST API does; the services decide every rule and
their ``ApplicationError`` is shown to the user with its status. Times are shown in the facility's
zone, which ``FacilityPageMixin`` activates.
"""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone

from live_queue import selectors, services
from live_queue.forms import MOVE_MINUTES, CallNextForm, TransferForm, VipForm
from live_queue.models import EntryStatus
from live_queue.pages import QueuePage, entry_url, offer_undo
from scheduling.errors import ApplicationError
from scheduling.permissions import Action

BOARD_CALLED = 6
BOARD_NEXT = 8
# A call this recent is highlighted on the board, so a patient glancing up sees what changed.
BOARD_FRESH = dt.timedelta(seconds=60)


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
        if request.POST.get("return_to") == "home":
            return redirect("live_queue:home", facility_slug=facility_slug)
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
        if not request.POST.get("undo"):  # the undo of a move is not offered its own undo
            offer_undo(
                request,
                text="",
                url=entry_url(request, "send_back" if direction < 0 else "bump", entry),
                button=f"Undo: {'send back' if direction < 0 else 'bump up'} token {entry.token_number}",
                fields={"undo": "1"},
            )
        return f"Token {entry.token_number} {done} {MOVE_MINUTES} minutes."


class EntryVipView(_EntryActionView):
    def act(self, request, entry_id: int) -> str:
        form = VipForm(request.POST)
        if not form.is_valid():
            raise _InvalidForm(form)
        entry = services.entry_set_vip(
            facility=request.facility, actor=request.user, entry_id=entry_id, reason=form.cleaned_data["reason"]
        )
        offer_undo(
            request,
            text="",
            url=entry_url(request, "clear_vip", entry),
            button=f"Undo VIP of token {entry.token_number}",
        )
        return f"Token {entry.token_number} marked VIP: {entry.vip_reason}."


class EntryClearVipView(_EntryActionView):
    """Takes a VIP raise back: offered right after one, as its undo."""

    def act(self, request, entry_id: int) -> str:
        entry = services.entry_clear_vip(facility=request.facility, actor=request.user, entry_id=entry_id)
        return f"Token {entry.token_number} is no longer VIP: back to its own place in the queue."


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
    """Takes back a mistaken check-in. GET asks to confirm (a page that works without script,
    naming the patient and what happens); the queue page asks inline, and the notice right
    after a check-in offers it as one POST (a check-in undone can be made again)."""

    required_action = Action.QUEUE_UNDO_CHECK_IN
    http_method_names = ["get", "post"]

    def get(self, request, facility_slug: str, queue_id: int, entry_id: int):
        entry = selectors.entry_get(facility=request.facility, entry_id=entry_id)
        context = {
            "entry": entry,
            "queue": entry.queue,
            "patient": entry.encounter.patient,
            "booked": entry.encounter.booking_id is not None,
            "return_to": "home" if request.GET.get("return_to") == "home" else "",
        }
        return self.page("live_queue/confirm_undo_check_in.html", context)

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
    for entry in [item["entry"] for item in waiting] + others:
        entry.late_minutes = selectors.entry_late_minutes(entry)
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
        board = {
            "called": selectors.queue_board(facility=request.facility, queue_id=queue.pk, now=now)["called"],
            "waiting": selectors.queue_board_waiting(facility=request.facility, queue_id=queue.pk, now=now),
        }
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
