"""What every queue page shares: the facility's page with the member's rights in the queue, and
the undo offered beside the notice of the move just made."""

import datetime as dt

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

# Where the next full page finds the undo button for the move just made (see ``offer_undo``),
# and how long it is offered: an undo is for the move just made, not one found after a break.
UNDO_OFFER = "live_queue_undo_offer"
UNDO_OFFERED_FOR = dt.timedelta(minutes=5)


class QueuePage(FacilityPageMixin, View):
    """A queue page: an unknown or other facility's queue or entry is 404."""

    required_action = Action.QUEUE_VIEW

    def page(self, template: str, context: dict, status: int = 200):
        context = {
            "can_operate": self.can(Action.QUEUE_OPERATE),
            "can_undo_check_in": self.can(Action.QUEUE_UNDO_CHECK_IN),
            **context,
        }
        if not self.request.headers.get("HX-Request"):  # a polled region must not eat the offer
            context["undo_offer"] = _undo_offer(self.request)
        return render(self.request, template, context, status=status)


def offer_undo(request, *, text: str, url: str, button: str, fields: dict | None = None) -> None:
    """Puts a button beside the next page's notice that takes the move just made back with one
    POST (``fields`` ride along as hidden inputs). Shown once; if the queue has moved on since,
    the undo's own service refuses it with its reason, as for any other click."""
    request.session[UNDO_OFFER] = {
        "text": text,
        "url": url,
        "button": button,
        "fields": fields or {},
        "facility": request.facility.pk,
        "at": timezone.now().isoformat(),
    }


def _undo_offer(request) -> dict | None:
    """The offer, once: only in the facility it was made in, and only while it is fresh."""
    offer = request.session.pop(UNDO_OFFER, None)
    if not offer or offer.get("facility") != request.facility.pk:
        return None
    made = dt.datetime.fromisoformat(offer["at"])
    return offer if timezone.now() - made <= UNDO_OFFERED_FOR else None


def entry_url(request, name: str, entry) -> str:
    return reverse(
        f"live_queue:{name}",
        kwargs={"facility_slug": request.facility.slug, "queue_id": entry.queue_id, "entry_id": entry.pk},
    )
