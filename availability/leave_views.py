"""Leave that would strand bookings: the page that lists them (patient, time, type, a link to
each) and lets the clinician move or cancel each, or all, before the leave is applied.

The work is booking's (``booking.services.leave_apply``): this page only gathers the choices. The
leave travels through the page as instants with their offset, never as wall-clock text."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from availability.forms import LeaveForm
from booking import services as booking_services
from booking.services import leave
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

ACTION_LABELS = {
    leave.MOVE: "Move to the next free slot after the leave",
    leave.MOVE_OTHER: "Move to another {kind}",
    leave.CANCEL: "Cancel",
}


def leave_page(request, resource, *, start, end, reason, bookings, outcome=None, status=200, form=None):
    """The list of bookings in the leave's span with a choice for each; ``outcome`` (a
    ``LeaveOutcome`` that could not apply the leave) says what was done and what is left."""
    kind = resource.get_kind_display().lower()
    rows = []
    for booking in bookings:
        proposals = booking_services.leave_proposals(
            facility=request.facility, booking=booking, resource_id=resource.pk, leave_end=end
        )
        default = next((action for action in (leave.MOVE, leave.MOVE_OTHER) if proposals[action]), leave.CANCEL)
        chosen = request.POST.get(f"action-{booking.pk}", default) if request.method == "POST" else default
        rows.append(
            {
                "booking": booking,
                "choices": [
                    {
                        "value": action,
                        "label": ACTION_LABELS[action].format(kind=kind),
                        "proposal": proposals.get(action),
                        "checked": action == chosen,
                        "possible": action == leave.CANCEL or proposals.get(action) is not None,
                    }
                    for action in leave.ACTIONS
                ],
                "reason": request.POST.get(f"reason-{booking.pk}", "") if request.method == "POST" else "",
            }
        )
    context = {
        "resource": resource,
        "start": start,
        "end": end,
        "start_iso": start.isoformat(),
        "end_iso": end.isoformat(),
        "reason": reason,
        "rows": rows,
        "outcome": outcome,
        "form": form or LeaveForm(),
    }
    return render(request, "availability/leave.html", context, status=status)


class LeaveApplyView(FacilityPageMixin, View):
    """Applies the choices made on the leave page, then the leave (``leave_apply``)."""

    required_action = Action.AVAILABILITY_VIEW
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, resource_id: int):
        resource = kernel.resource_get(facility=request.facility, resource_id=resource_id)
        form = LeaveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The leave's times were lost on the way: add it again.")
            return redirect("availability:resource", facility_slug=facility_slug, resource_id=resource.pk)
        fields = form.cleaned_data
        start, end, reason = fields["start"], fields["end"], fields["reason"]
        try:
            outcome = booking_services.leave_apply(
                facility=request.facility,
                actor=request.user,
                actor_role=request.membership.role,
                resource_id=resource.pk,
                start=start,
                end=end,
                reason=reason,
                decisions=_decisions(request.POST, fields["all_reason"]),
            )
        except ApplicationError as error:
            if error.code in ("not_found", "permission_denied"):
                raise
            messages.error(request, error.message)
            bookings = booking_services.leave_affected_bookings(
                facility=request.facility, resource_id=resource.pk, start=start, end=end
            )
            return leave_page(
                request, resource, start=start, end=end, reason=reason, bookings=bookings, status=error.status_code
            )
        for old, new in outcome.moved:
            messages.success(request, f"{old.patient.name} moved to {_where(new)}, {_when(new)}; the patient is told.")
        for booking in outcome.cancelled:
            messages.success(request, f"{booking.patient.name}'s booking cancelled; the patient is told.")
        for booking, problem in outcome.failed:
            messages.error(request, f"{booking.patient.name}: {problem}")
        if outcome.exception is None:
            messages.error(
                request,
                f"The leave is not applied yet: {len(outcome.waiting)} booking(s) still in its time. Decide for "
                "them below.",
            )
            return leave_page(
                request, resource, start=start, end=end, reason=reason, bookings=outcome.waiting, status=409, form=form
            )
        messages.success(request, "Leave added.")
        return redirect("availability:resource", facility_slug=facility_slug, resource_id=resource.pk)


def _decisions(post, all_reason: str) -> dict[int, leave.Decision]:
    """Each listed booking's choice (``action-<id>``, ``reason-<id>``); the "for all" buttons
    (``all``: move or cancel) override them, a cancellation for all taking ``all_reason``."""
    everyone = post.get("all", "")
    decisions = {}
    for value in post.getlist("booking"):
        if not value.isdigit():
            continue
        booking_id = int(value)
        if everyone in (leave.MOVE, leave.CANCEL):
            action, reason = everyone, all_reason
        else:
            action, reason = post.get(f"action-{booking_id}", ""), post.get(f"reason-{booking_id}", "")
        if action in leave.ACTIONS:
            decisions[booking_id] = leave.Decision(action, reason[:500])
    return decisions


def _when(booking) -> str:
    # 'Wed 9 Dec', as the leave page and the booking pages write a day (not 'Wed 09 Dec').
    local = timezone.localtime(booking.start)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def _where(booking) -> str:
    """What the moved booking holds: it may have gone to another resource of the same kind."""
    return ", ".join(row.resource.name for row in booking.resources.select_related("resource"))
