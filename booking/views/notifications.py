"""The member's notifications."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect

from booking import selectors, services
from booking.views.common import BookingPage

NOTIFICATIONS_PAGE = 25


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
