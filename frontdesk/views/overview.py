"""The facility's overview at ``/f/<facility_slug>/``: today, as each role needs it.

- the desk (schedulers): today's bookings, who waits in the queues, who is late;
- a clinician: the bookings and waiting patients of the resources that stand for them;
- managers and administrators: chairs and theatres in use now, queue lengths, today's bookings
  by status (administrators also reach Django admin);
- analysts: counts and the analytics pages only, never a patient's name.
"""

from django.shortcuts import render
from django.utils import timezone
from django.views import View

from frontdesk import selectors
from frontdesk.paging import page_of
from scheduling import selectors as kernel
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

DAY_PAGE = 50

# Which panels each role sees, in the order the page shows them.
PANELS = {
    "scheduler": ("desk",),
    "clinician": ("clinician",),
    "manager": ("floor",),
    "admin": ("floor", "admin"),
    "analyst": ("counts",),
}


class OverviewView(FacilityPageMixin, View):
    def get(self, request, facility_slug: str):
        facility = request.facility
        today = selectors.local_day(facility=facility, now=timezone.now())
        panels = PANELS.get(request.membership.role, ())
        context = {"today": today, "panels": panels}
        if "desk" in panels:
            page = page_of(
                request, selectors.today_bookings(facility=facility, today=today), size=DAY_PAGE, parameter="page"
            )
            context.update(
                selectors.desk_today(facility=facility, today=today),
                day_page=page,
                day_rows=[{"booking": b, "resources": selectors.booking_resources(b)} for b in page],
            )
        if "clinician" in panels:
            mine = selectors.clinician_today(facility=facility, user=request.user, today=today)
            context["mine"] = mine
            context["mine_rows"] = [
                {"booking": b, "resources": selectors.booking_resources(b)} for b in mine["bookings"]
            ]
        if "floor" in panels or "counts" in panels:
            context.update(
                floor=selectors.floor_now(facility=facility, today=today),
                queues=selectors.queue_lengths(facility=facility, today=today),
                status_counts=selectors.status_counts(facility=facility, today=today),
            )
        if "counts" in panels:
            context.update(
                resource_count=kernel.resource_list(facility=facility).filter(active=True).count(),
                department_count=kernel.department_list(facility=facility).count(),
            )
        context.update(
            can_book=self.can(Action.BOOKING_MANAGE),
            can_queue=self.can(Action.QUEUE_VIEW),
            can_see_patients=self.can(Action.PATIENT_VIEW),
            can_analytics=self.can(Action.ANALYTICS_VIEW),
            # The nightly runs page is for those who may re-run a day; an analyst would get a 403.
            can_manage_analytics=self.can(Action.ANALYTICS_MANAGE),
            can_admin=self.can(Action.ADMIN_SITE) and request.user.is_staff,
        )
        return render(request, "frontdesk/overview.html", context)
