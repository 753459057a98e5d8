from scheduling import selectors
from scheduling.permissions import Action, role_allows
from scheduling.ui import navigation_for


def facility_navigation(request) -> dict:
    """The top bar: sections of the current facility, the facility switcher, the admin link."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "current_membership": membership,
        "my_memberships": list(selectors.membership_list_for_user(user=user)),
        "nav_items": navigation_for(request),
        "can_use_admin": user.is_superuser
        or (user.is_staff and membership is not None and role_allows(membership.role, Action.ADMIN_SITE)),
    }
