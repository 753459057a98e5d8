"""Django REST framework and the OpenAPI schema."""

from config.settings.security import API_WRITE_RATE

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "scheduling.pagination.StandardPagination",
    # JSON only: the browsable API renders forms from serializers these views do not declare
    # (their inputs differ by action), and people use the pages, integrators the JSON.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["scheduling.parsing.JSONBodyParser"],
    "DEFAULT_METADATA_CLASS": "scheduling.metadata.RouteMetadata",
    "DEFAULT_SCHEMA_CLASS": "scheduling.schema.CareSlotAutoSchema",
    "EXCEPTION_HANDLER": "scheduling.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Writes per user (POST, PUT, PATCH, DELETE), counted in Redis; reads are not limited.
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttles.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"write": API_WRITE_RATE},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CareSlot API",
    "DESCRIPTION": (
        "Scheduling for hospitals and clinics. Every path below `/api/v1/facilities/{facility_slug}/` "
        "is scoped to one facility: a user who is not a member gets 404. Errors are JSON "
        '`{"code": ..., "detail": ..., "fields": {...}}`.\n\n'
        "Times and periods follow one rule. The period an object occupies (a booking, an exception, a slot, "
        "a schedule's validity) is `start` and `end`: ISO 8601 instants with their offset, `end` excluded "
        "(null for a schedule that runs on). A request for a range of days gives `from` and `to`: calendar "
        "dates in the facility's zone, both included; a single day is `date`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "scheduling.models.Role",
        "ResourceKindEnum": "scheduling.models.ResourceKind",
    },
}
