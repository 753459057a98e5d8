"""The member's notifications, and how they choose to hear of them."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect

from booking import selectors, services
from booking.views.common import BookingPage
from scheduling import services as kernel_services
from scheduling.choices import NotifyBy
from scheduling.errors import ApplicationError

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
    """Marks one notification read and opens its booking (if it has one)."""

    http_method_names = ["post"]

    def post(self, request, facility_slug: str, notification_id: int):
        notice = services.notification_mark_read(
            facility=request.facility, recipient=request.user, notification_id=notification_id
        )
        if notice.booking_id is None:  # a notice of another change (a shift swap): nothing to open
            return redirect("booking:notifications", facility_slug=facility_slug)
        return redirect("booking:detail", facility_slug=facility_slug, booking_id=notice.booking_id)


class NotificationSettingsView(BookingPage):
    """How the signed-in member hears of changes to the bookings that concern them: in the app,
    by email, or both (their own ``Membership.notify_by``, saved through the kernel's service).
    Which changes concern them is shown too, so the choice is an informed one."""

    def get(self, request, facility_slug: str):
        return self._page(request.membership.notify_by)

    def post(self, request, facility_slug: str):
        choice = request.POST.get("notify_by", "")
        try:
            kernel_services.membership_settings_update(
                facility=request.facility,
                actor=request.user,
                membership_id=request.membership.pk,
                changes={"notify_by": choice},
            )
        except ApplicationError as error:
            if error.code != "invalid":
                raise
            return self._page(choice, error=error, status=400)
        messages.success(request, f"Saved: you will hear of changes {NotifyBy(choice).label.lower()}.")
        return redirect("booking:notification_settings", facility_slug=facility_slug)

    def _page(self, chosen: str, *, error: ApplicationError | None = None, status: int = 200):
        membership = self.request.membership
        context = {
            "choices": NotifyBy.choices,
            "chosen": chosen,
            "error": error,
            "department": membership.department,
            "desk_told": membership.facility.notify_department_desk,
            "has_email": bool(self.request.user.email),
        }
        return self.page("booking/notification_settings.html", context, status=status)
