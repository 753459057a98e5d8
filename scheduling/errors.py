"""One error type for the domain and one DRF handler that turns every error into
``{"code": ..., "detail": ..., "fields": {...}}`` with a fitting status."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Codes whose status is not 400.
_STATUS_BY_CODE = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "permission_denied": status.HTTP_403_FORBIDDEN,
    "not_authenticated": status.HTTP_401_UNAUTHORIZED,
    "conflict": status.HTTP_409_CONFLICT,
}


class ApplicationError(Exception):
    """A rule of the domain was not met. ``code`` is stable for clients; ``message`` is for people;
    ``fields`` names the offending input fields; ``extra`` adds keys to the JSON body."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}
        self.status_code = status_code or _STATUS_BY_CODE.get(code, status.HTTP_400_BAD_REQUEST)


def constraint_name(exc: Exception) -> str:
    """The PostgreSQL constraint an IntegrityError broke ("" if unknown), for services that map
    constraints to stable error codes."""
    return getattr(getattr(getattr(exc, "__cause__", None), "diag", None), "constraint_name", "") or ""


class NotFound(ApplicationError):
    def __init__(self, what: str) -> None:
        super().__init__("not_found", f"{what} not found.")


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = {"code": exc.code, "detail": exc.message, "fields": exc.fields, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        body = {
            "code": "request_too_large",
            "detail": "The request body is larger than the server accepts.",
            "fields": {},
        }
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):
        # Too many fields, a malformed header...: Django would answer its HTML 400 page.
        return Response({"code": "bad_request", "detail": str(exc), "fields": {}}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        names = ", ".join(fields)
        response.data = {"code": "invalid", "detail": f"Invalid input: {names}.", "fields": fields}
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        response.data = {"code": code, "detail": str(getattr(exc, "detail", exc)), "fields": {}}
    return response
