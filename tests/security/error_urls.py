"""A URLconf for the error page tests: the app's own, plus views that fail on purpose."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def _boom(request):
    raise RuntimeError("secret-internal-detail: the database password is hunter2")


def _forbidden(request):
    raise PermissionDenied("internal reason nobody should read")


urlpatterns = [
    path("boom/", _boom),
    path("api/v1/boom/", _boom),
    path("forbidden/", _forbidden),
    *urlpatterns,
]
