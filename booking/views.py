"""Front-desk pages of bookings under ``/f/<facility_slug>/bookings/``: the day board, booking and
walk-in forms (with htmx patient search and slot picker), a booking's detail with its life-cycle
buttons and rescheduling, and the member's notifications.

Each write calls one booking service, as the REST API does; the services decide every rule and
their ``ApplicationError`` is shown to the user (its message at the top, its fields next to the
inputs). Times are shown and entered in the facility's zone, which ``FacilityPageMixin`` activates.
"""

import datetime as dt
from collections import defaultdict
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from analytics import estimates
from availability import selectors as availability
from booking import selectors, services
from booking.forms import (
    BookingForm,
    DayFilterForm,
    DurationQueryForm,
    RescheduleForm,
    SlotQueryForm,
    WalkInForm,
    slot_instants,
    slot_label,
    slot_value,
)
from booking.lifecycle import TRANSITIONS
from booking.models import Status
from booking.services.appointments import LOCATION_KINDS
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

PATIENT_RESULTS = 8
NOTIFICATIONS_PAGE = 25
DEFAULT_HOURS = (8, 18)

# The life-cycle moves the front desk makes from a booking's page (check-in and the rest of the
# day of care belong to the queue). The URL word, the target status, the button and the notice.
DESK_TRANSITIONS = {
    "approve": (Status.APPROVED, "Approve", "Request approved."),
    "deny": (Status.DENIED, "Deny", "Request denied."),
    "no-show": (Status.NO_SHOW, "Mark no-show", "Marked as no-show."),
    "cancel": (Status.CANCELLED, "Cancel booking", "Booking cancelled."),
}


class BookingPage(FacilityPageMixin, View):
    """A booking page: an unknown or other facility's object is 404, and full pages carry the
    member's unread notification count for the header."""

    required_action = Action.BOOKING_VIEW

    def page(self, template: str, context: dict, status: int = 200):
        request = self.request
        context = {
            "can_manage": self.can(Action.BOOKING_MANAGE),
            "can_book_location": self.can(Action.BOOKING_LOCATION),
            **context,
        }
        if not request.headers.get("HX-Request"):
            context["unread_count"] = selectors.notification_unread_count(
                facility=request.facility, recipient=request.user
            )
        return render(request, template, context, status=status)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.request.facility.time_zone)


# --- the day board ----------------------------------------------------------------------------


class DayView(BookingPage):
    """One local day: a row per resource, a column per hour, free slots and booked time."""

    def get(self, request, facility_slug: str):
        facility = request.facility
        today = timezone.localdate()
        data = request.GET.copy()
        data.setdefault("date", today.isoformat())
        filters = DayFilterForm(data, facility=facility)
        chosen = filters.cleaned_data if filters.is_valid() else {}
        day = chosen.get("date") or today
        resources = kernel.resource_list(facility=facility).filter(active=True)
        if chosen.get("department"):
            resources = resources.filter(department=chosen["department"])
        if chosen.get("resource"):
            resources = resources.filter(pk=chosen["resource"].pk)
        board = _day_board(
            facility=facility,
            resources=list(resources),
            day=day,
            zone=self.zone(),
            can_book_location=self.can(Action.BOOKING_LOCATION),
        )
        query = {k: v for k, v in request.GET.items() if k in ("department", "resource") and v}
        context = {
            "filters": filters,
            "day": day,
            "today": today,
            "is_today": day == today,
            "now_hour": timezone.localtime().hour if day == today else None,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "filter_query": urlencode(query),
            **board,
        }
        template = "booking/_day_board.html" if request.headers.get("HX-Request") else "booking/day.html"
        return self.page(template, context)


def _day_board(*, facility, resources, day: dt.date, zone: ZoneInfo, can_book_location: bool) -> dict:
    """The grid of the day: for each resource, the free slots (``slot_list``) and the bookings
    holding its time, placed in the local hour they start in; and every booking of the day, all
    statuses, for the list under the grid."""
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    ids = [resource.pk for resource in resources]
    slots = availability.slot_list(facility=facility, resource_ids=ids, start_date=day, end_date=day) if ids else []
    bookings = list(selectors.booking_list(facility=facility, start=day_start, end=day_end)) if ids else []

    items: dict[int, list[dict]] = defaultdict(list)
    for slot in slots:
        if slot.bookable and slot.remaining > 0:
            items[slot.resource_id].append(
                {
                    "free": True,
                    "slot": slot,
                    "start": slot.start,
                    "end": slot.end,
                    "value": slot_value(slot.start, slot.end),
                    "label": slot_label(slot.start, slot.end, zone=zone),
                }
            )
    shown = set(ids)
    day_bookings = []
    for booking in bookings:
        # Token bookings hold their slot through a resource row too; a completed visit's rows
        # keep only the time it used, and rows that no longer hold time leave the grid.
        held = list(booking.resources.all())
        if not shown.intersection(row.resource_id for row in held):
            continue
        day_bookings.append(booking)
        short_name = _short_name(booking.patient.name)
        for row in held:
            if row.holds_time and row.resource_id in shown:
                items[row.resource_id].append(
                    {
                        "free": False,
                        "booking": booking,
                        "start": row.start,
                        "end": row.end,
                        "label": slot_label(row.start, row.end, zone=zone),
                        "short_name": short_name,
                    }
                )

    starts = [max(item["start"], day_start) for rows in items.values() for item in rows]
    ends = [min(item["end"], day_end) for rows in items.values() for item in rows]
    if starts:
        first = min(timezone.localtime(s, zone).hour for s in starts)
        last_end = max(ends)
        last_local = timezone.localtime(last_end, zone)
        last = 24 if last_end >= day_end else last_local.hour + (1 if last_local.minute else 0)
        last = max(last, first + 1)
    else:
        first, last = DEFAULT_HOURS
    hours = list(range(first, last))

    rows = []
    for resource in resources:
        cells: list[list[dict]] = [[] for _ in hours]
        entries = sorted(items[resource.pk], key=lambda item: (item["start"], not item["free"]))
        for item in entries:
            hour = timezone.localtime(max(item["start"], day_start), zone).hour
            index = min(max(hour - first, 0), len(hours) - 1)
            cells[index].append(item)
            if not item["free"]:
                # Booked time runs on through the following hours: mark them so the row reads as busy.
                for later in range(index + 1, len(hours)):
                    if dt.datetime.combine(day, dt.time(hours[later]), tzinfo=zone) >= item["end"]:
                        break
                    cells[later].append({**item, "continued": True})
        rows.append(
            {
                "resource": resource,
                "cells": cells,
                "free_count": sum(1 for item in entries if item["free"]),
                "booked_count": len({item["booking"].pk for item in entries if not item["free"]}),
                "bookable": can_book_location or resource.kind not in LOCATION_KINDS,
            }
        )
    names = {resource.pk: resource.name for resource in resources}
    listed = [
        {
            "booking": booking,
            "where": ", ".join(
                names.get(rid, "") for rid in [row.resource_id for row in booking.resources.all()] if rid in names
            ),
        }
        for booking in day_bookings
    ]
    return {"hours": hours, "rows": rows, "day_bookings": listed}


# --- booking and walk-in forms ----------------------------------------------------------------


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


# --- one booking ------------------------------------------------------------------------------


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


# --- notifications ----------------------------------------------------------------------------


class NotificationListView(BookingPage):
    def get(self, request, facility_slug: str):
        notices = selectors.notification_list(facility=request.facility, recipient=request.user)
        page = Paginator(notices, NOTIFICATIONS_PAGE).get_page(request.GET.get("page"))
        return self.page("booking/notifications.html", {"page": page})


class NotificationReadAllView(BookingPage):
    http_method_names = ["post"]

    def post(self, request, facility_slug: str):
        count = services.notification_mark_all_read(facility=request.facility, recipient=request.user)
        messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} as read.")
        return redirect("booking:notifications", facility_slug=facility_slug)


class NotificationReadView(BookingPage):
    """Marks one notification read and opens its booking."""

    http_method_names = ["post"]

    def post(self, request, facility_slug: str, notification_id: int):
        notice = services.notification_mark_read(
            facility=request.facility, recipient=request.user, notification_id=notification_id
        )
        return redirect("booking:detail", facility_slug=facility_slug, booking_id=notice.booking_id)


# --- helpers ----------------------------------------------------------------------------------


def _when(booking, zone: ZoneInfo) -> str:
    """The booking's local day and times; with their offsets on a day the clocks change."""
    start = timezone.localtime(booking.start, zone)
    return f"{start:%a} {start.day} {start:%b %Y}, {slot_label(booking.start, booking.end, zone=zone)}"


def _short_name(name: str) -> str:
    """ "Peregrine Ashvale" → "P. Ashvale": what fits a board cell and the desk recognises."""
    first, _, rest = name.strip().partition(" ")
    return f"{first[:1]}. {rest.strip()}" if rest.strip() else name
