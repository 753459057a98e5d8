from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import api as accounts_api
from config import error_pages
from config.health import healthz
from scheduling import views as scheduling_views
from scheduling.api import FacilityListApi

facility_api = [
    path("", include("scheduling.api_urls")),
    path("", include("availability.api_urls")),
    path("", include("booking.api_urls")),
    path("", include("live_queue.api_urls")),
    path("", include("imports.api_urls")),
    path("", include("analytics.api_urls")),
    path("infusion/", include("infusion.api_urls")),
    path("rostering/", include("rostering.api_urls")),
    path(
        "memberships/<int:membership_id>/tokens/",
        accounts_api.MemberTokenListApi.as_view(),
        name="member-token-list",
    ),
    path(
        "memberships/<int:membership_id>/tokens/<int:token_id>/",
        accounts_api.MemberTokenApi.as_view(),
        name="member-token-detail",
    ),
]

facility_pages = [
    path("", include("frontdesk.urls")),
    path("", include("scheduling.urls")),
    path("availability/", include("availability.urls")),
    path("bookings/", include("booking.urls")),
    path("queue/", include("live_queue.urls")),
    path("imports/", include("imports.urls")),
    path("analytics/", include("analytics.urls")),
    path("infusion/", include("infusion.urls")),
    path("rostering/", include("rostering.urls")),
]

urlpatterns = [
    path("", scheduling_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links to: point them at the SVG icon.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg")), name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", scheduling_views.PasswordChangeView.as_view(), name="password_change"),
    path("api/v1/auth/token/", accounts_api.TokenObtainApi.as_view(), name="api-token"),
    path("api/v1/auth/tokens/", accounts_api.MyTokenListApi.as_view(), name="my-token-list"),
    path("api/v1/auth/tokens/<int:token_id>/", accounts_api.MyTokenApi.as_view(), name="my-token-detail"),
    path("api/v1/facilities/", FacilityListApi.as_view(), name="facility-list"),
    path("api/v1/facilities/<slug:facility_slug>/", include(facility_api)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("f/<slug:facility_slug>/", include(facility_pages)),
]

# Styled pages that never show debug information; JSON in the API's error shape under /api/.
handler403 = error_pages.permission_denied
handler404 = error_pages.page_not_found
handler500 = error_pages.server_error
