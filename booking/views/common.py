"""What every booking page shares: the facility's page with the member's unread count, and the
short texts of a booking's time and patient."""

from zoneinfo import ZoneInfo

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from booking import selectors
from booking.forms import slot_label
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin


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


def _when(booking, zone: ZoneInfo) -> str:
    """The booking's local day and times; with their offsets on a day the clocks change."""
    start = timezone.localtime(booking.start, zone)
    return f"{start:%a} {start.day} {start:%b %Y}, {slot_label(booking.start, booking.end, zone=zone)}"


def _short_name(name: str) -> str:
    """ "Peregrine Ashvale" → "P. Ashvale": what fits a board cell and the desk recognises."""
    first, _, rest = name.strip().partition(" ")
    return f"{first[:1]}. {rest.strip()}" if rest.strip() else name
