"""The OpenAPI schema says what the server does, not only what it does when all goes well: every
operation lists the error statuses it can answer with the one error shape of ``scheduling.errors``,
request bodies refuse unknown fields as ``StrictInputSerializer`` does, and wall-clock times are
described as the ``HH:MM[:SS]`` text the API reads and writes (OpenAPI's ``format: time`` demands
an offset, which a facility's wall clock has not)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication

WALL_CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class EnumField(serializers.ChoiceField):
    """A choice field documented as one named enum component, however many bodies use it
    (drf-spectacular would otherwise name each use apart, and warn)."""

    def __init__(self, *, enum_name: str, **kwargs) -> None:
        self.enum_name = enum_name
        super().__init__(**kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = {
            "type": "string",
            "enum": list(field.choices),
            "description": "\n".join(f"* `{value}` - {label}" for value, label in field.choices.items()),
        }
        component = ResolvedComponent(
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name, schema=schema
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers with, from a refused field to a taken slot. Some errors add
    keys of their own (for instance ``retry_after_seconds`` or ``booking``)."""

    code = serializers.CharField(help_text="Stable, for programs: `invalid`, `not_found`, `slot_taken`…")
    detail = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Each offending input field with what is wrong with it; empty when no one field is at fault.",
    )


# Each error status is one response component, named as HTTP names it.
ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
}

ERROR_DESCRIPTIONS = {
    400: "The input was refused (`invalid`, naming the fields) or broke a rule of the domain.",
    401: "No credentials, or credentials that are not valid.",
    403: "The role may not do this in the facility (`permission_denied`), or a session request lacks its CSRF token.",
    404: "The facility is not one of the user's, or the object is not one of the facility's.",
    409: "The request conflicts with the state of the facility (a taken slot, a move the life cycle does not "
    "allow, a duplicate, a busy resource…).",
    415: "The body is not in a media type the operation reads (JSON, form or multipart).",
    429: "Too many requests; retry after the time the `Retry-After` header gives.",
}


class CareSlotAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for status in self._error_statuses(operation):
            response = ResolvedComponent(
                name=ERROR_RESPONSES[status],
                type=ResolvedComponent.RESPONSE,
                object=ERROR_RESPONSES[status],
                schema={"content": {"application/json": {"schema": error}}, "description": ERROR_DESCRIPTIONS[status]},
            )
            self.registry.register_on_missing(response)
            operation["responses"].setdefault(str(status), response.ref)
        operation["responses"] = dict(sorted(operation["responses"].items()))
        return operation

    def _error_statuses(self, operation: dict) -> list[int]:
        """The error statuses this operation can answer with, read from how its view is built."""
        from scheduling import api_kernel  # imported late: api_kernel's views need this schema class

        parameters = operation.get("parameters", [])
        facility_scoped = any(p["in"] == "path" and p["name"] == "facility_slug" for p in parameters)
        has_path_ids = any(p["in"] == "path" for p in parameters)
        has_query = any(p["in"] == "query" for p in parameters)
        unsafe = self.method in UNSAFE_METHODS
        authenticators = self.view.get_authenticators()
        view_permissions = self.view.get_permissions()

        statuses = []
        if unsafe or has_query or "requestBody" in operation:
            statuses.append(400)
        if authenticators:
            statuses.append(401)  # a wrong token is refused on every view that reads one
        role_checked = facility_scoped or any(
            isinstance(p, api_kernel.FacilityRolePermission) for p in view_permissions
        )
        csrf_checked = unsafe and any(isinstance(a, SessionAuthentication) for a in authenticators)
        if role_checked or csrf_checked:
            statuses.append(403)
        if facility_scoped or has_path_ids:
            statuses.append(404)
        if unsafe and facility_scoped:
            statuses.append(409)
        if "requestBody" in operation:
            statuses.append(415)
        if self.view.get_throttles():
            statuses.append(429)
        return statuses

    def _map_basic_serializer(self, serializer, direction):
        from scheduling import api_kernel

        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, api_kernel.StrictInputSerializer):
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema and schema.get("format") == "time":
            del schema["format"]
            schema["pattern"] = WALL_CLOCK_PATTERN
            schema.setdefault("example", "09:30:00")
        return schema
