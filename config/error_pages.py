"""Error answers outside DRF views: the styled 403, 404 and 500 pages, or under /api/ the API's
JSON error shape ``{"code", "detail", "fields"}``. Neither ever shows debug information."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return _json("permission_denied", "You do not have permission to perform this action.", 403)
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return _json("not_found", "Not found.", 404)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return _json("server_error", "Something went wrong on our side. It has been logged.", 500)
    # No request context: the page must render whatever broke (the database, a context processor).
    return HttpResponse(loader.get_template("500.html").render(), status=500)
