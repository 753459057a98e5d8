"""What every app's pages build on: the facility of the URL, the role check, the facility's
time zone, and the navigation."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from scheduling import selectors
from scheduling.errors import ApplicationError
from scheduling.permissions import Action, role_allows


class FacilityPageMixin(LoginRequiredMixin):
    """A page of one facility: ``/f/<facility_slug>/…``. A non-member gets 404, a member whose
    role the matrix does not allow gets 403; times are shown in the facility's zone. A service's
    ``not_found`` or ``permission_denied`` raised by the page becomes 404 or 403."""

    required_action: Action = Action.FACILITY_VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.headers.get("HX-Request"):
                # A polled region must not swap the login page into itself: send the whole
                # page to the login instead.
                response = HttpResponse(status=401)
                response["HX-Redirect"] = f"{reverse('login')}?next={request.get_full_path()}"
                return response
            return self.handle_no_permission()
        try:
            membership = selectors.membership_for(user=request.user, facility_slug=kwargs["facility_slug"])
        except ApplicationError:
            raise Http404("Facility not found") from None
        # Set before the role check: the 403 page then shows the facility's navigation and its
        # overview as the way on.
        request.membership = membership
        request.facility = membership.facility
        if not role_allows(membership.role, self.required_action):
            raise PermissionDenied(f"Your role may not do {self.required_action}.")
        timezone.activate(membership.facility.time_zone)
        try:
            return super().dispatch(request, *args, **kwargs)
        except ApplicationError as error:
            # A page's object of another facility, or a rule the service enforces per object.
            if error.code == "not_found":
                raise Http404(error.message) from None
            if error.code == "permission_denied":
                raise PermissionDenied(error.message) from None
            raise
        finally:
            timezone.deactivate()

    def can(self, action: Action) -> bool:
        return role_allows(self.request.membership.role, action)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    action: Action | None = None


# The sections of the application in the order the top bar shows them, each with the action its
# page requires: a member never sees a link that would answer 403
# (tests/scheduling/test_navigation.py). A section whose page is not part of this version is
# shown disabled rather than linked to an empty page.
NAVIGATION = [
    NavItem("Bookings", "booking:day", Action.BOOKING_VIEW),
    NavItem("Availability", "availability:home", Action.AVAILABILITY_VIEW),
    NavItem("Queue", "live_queue:home", Action.QUEUE_VIEW),
    NavItem("Patients", "scheduling:patients", Action.PATIENT_VIEW),
    NavItem("Resources", "scheduling:resources", Action.RESOURCE_VIEW),
    NavItem("Imports", "imports:home", Action.IMPORT_VIEW),
    NavItem("Analytics", "analytics:home", Action.ANALYTICS_VIEW),
    NavItem("Infusion", "infusion:home", Action.INFUSION_VIEW),
    NavItem("Rosters", "rostering:home", Action.ROSTER_VIEW),
]


def navigation_for(request) -> list[dict]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    items = []
    for item in NAVIGATION:
        if item.action is not None and not role_allows(membership.role, item.action):
            continue
        try:
            url = reverse(item.url_name, kwargs={"facility_slug": membership.facility.slug})
        except NoReverseMatch:
            url = None
        items.append({"label": item.label, "url": url, "active": url is not None and request.path.startswith(url)})
    return items
