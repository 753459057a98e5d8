"""Pages of the day of care under ``/f/<facility_slug>/queue/``: the queue home (today's queues,
the check-in list of booked patients by lateness, and check-in of walk-ins). A queue's staff page
and the waiting-room board are in ``live_queue.queue_pages``; what they share in
``live_queue.pages``.

Each write calls one live_queue service, as the REST API does; the services decide every rule and
their ``ApplicationError`` is shown to the user with its status. Times are shown in the facility's
zone, which ``FacilityPageMixin`` activates.
"""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from live_queue import selectors, services
from live_queue.forms import BookingCheckInForm, WalkInCheckInForm
from live_queue.models import EntryStatus, Priority
from live_queue.pages import QueuePage, entry_url, offer_undo
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action

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
        _checked_in(self, entry)
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
        _checked_in(self, entry)
        return redirect("live_queue:home", facility_slug=facility_slug)


class PatientSearchView(QueuePage):
    """Live search of the facility's patients for the walk-in form (htmx): radio buttons."""

    required_action = Action.QUEUE_OPERATE

    def get(self, request, facility_slug: str):
        search = request.GET.get("q", "").strip()[:100]
        patients, more = kernel.patient_picker_matches(facility=request.facility, search=search)
        context = {"patients": patients, "search": search, "more": more}
        return render(request, "live_queue/_patient_results.html", context)


def _home_page(view: QueuePage, *, walk_in_form=None, error_message: str = "", status: int = 200):
    facility = view.request.facility
    now = timezone.now()
    today = now.astimezone(ZoneInfo(facility.time_zone)).date()
    queues = selectors.queue_list(facility=facility, day=today).annotate(
        waiting_count=Count("entries", filter=Q(entries__status=EntryStatus.WAITING)),
        serving_count=Count("entries", filter=Q(entries__status__in=[EntryStatus.CALLED, EntryStatus.IN_PROGRESS])),
        done_count=Count("entries", filter=Q(entries__status=EntryStatus.COMPLETED)),
    )
    groups = selectors.arrival_list(facility=facility, now=now)
    arrivals = [
        {
            "key": key,
            "title": title,
            "hint": hint,
            "rows": [
                {"booking": arrival.booking, "minutes": arrival.minutes, "where": _booking_place(arrival.booking)}
                for arrival in groups[key]
            ],
        }
        for key, title, hint in ARRIVAL_GROUPS
    ]
    form = walk_in_form or WalkInCheckInForm(facility=facility)
    if not view.can(Action.BOOKING_EMERGENCY):
        # The service refuses a walk-in emergency from this role (403): do not offer it.
        priority = form.fields["priority"]
        priority.choices = [choice for choice in priority.choices if choice[0] != Priority.EMERGENCY]
    context = {
        "today": today,
        "queues": queues,
        "arrivals": arrivals,
        "arrivals_count": sum(len(group["rows"]) for group in arrivals),
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


# The check-in list's groups, in the order shown: the key of ``selectors.arrival_list``, the
# heading and what it means.
ARRIVAL_GROUPS = [
    ("late", "Late", "The appointment has begun and they have not checked in."),
    ("due", "Due within the hour", ""),
    ("later", "Later today", ""),
    (
        "missing",
        "Missing",
        f"More than {selectors.MISSING_AFTER.seconds // 60} minutes past the start: check them in if they "
        "come, or mark a no-show from the booking.",
    ),
]


def _checked_in(view: QueuePage, entry) -> None:
    """The notice of a check-in, and for those allowed the undo of a mistaken one beside it."""
    request = view.request
    messages.success(
        request, f"Token {entry.token_number} — {entry.queue.name} · {entry.encounter.patient.name} checked in."
    )
    if view.can(Action.QUEUE_UNDO_CHECK_IN):
        offer_undo(
            request,
            text="Checked in the wrong patient, or by mistake?",
            url=entry_url(request, "undo_check_in", entry),
            button=f"Undo check-in of token {entry.token_number}",
            fields={"return_to": "home"},
        )
