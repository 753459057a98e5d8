"""What every app's API builds on: facility resolution and the role check, strict input
serializers, facility-scoped id fields, pagination, and the history and comments endpoints that
every facility object has."""

import datetime as dt
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from scheduling import ranges, selectors, services
from scheduling.errors import ApplicationError
from scheduling.history import history_entries, history_records
from scheduling.pagination import StandardPagination
from scheduling.parsing import InvalidInput, LocalDateField, parse_id
from scheduling.permissions import Action, role_allows


class FacilityRolePermission(BasePermission):
    """Resolves ``facility_slug`` to the user's membership (404 for non-members) and asks the
    permission matrix whether their role may do what the view is about to do (403 if not)."""

    def has_permission(self, request: Request, view) -> bool:
        membership = selectors.membership_for(user=request.user, facility_slug=view.kwargs["facility_slug"])
        request.membership = membership
        request.facility = membership.facility
        required_actions = view.required_action()
        if isinstance(required_actions, Action):
            required_actions = (required_actions,)
        for required in required_actions:
            if not role_allows(membership.role, required):
                raise ApplicationError(
                    "permission_denied",
                    f"The role '{membership.role}' may not do '{required}' in this facility.",
                    extra={"action": str(required), "role": membership.role},
                )
        return True


class StrictInputSerializer(serializers.Serializer):
    """Rejects fields it does not know, naming them, instead of silently dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)
class FacilityObjectField(serializers.PrimaryKeyRelatedField):
    """An id that must name an object of the request's facility; another facility's id is
    reported as not existing."""

    def __init__(self, *, lister: Callable, **kwargs) -> None:
        self.lister = lister
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.lister(facility=self.context["facility"])

    def to_internal_value(self, data):
        try:
            data = parse_id(data)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message, code=error.code) from None
        return super().to_internal_value(data)


class LocalDateRangeQuery(serializers.Serializer):
    """``from`` and ``to``: the range of days a list is asked for, as calendar dates in the
    facility's zone, both included (README, "The API": the one rule for periods). Either may be
    left out; together they cover at most ``max_days`` days."""

    max_days = 92

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = LocalDateField(required=False, help_text="First local date (included).")
        fields["to"] = LocalDateField(
            required=False, help_text=f"Last local date (included); at most {self.max_days} days from `from`."
        )
        return fields

    def validate(self, attrs):
        # The span and the longest range are the services' rules (scheduling.ranges).
        for name in ("from", "to"):
            if name in attrs:
                ranges.date_check(attrs[name], field=name)
        if "from" in attrs and "to" in attrs:
            ranges.date_span_check(
                attrs["from"], attrs["to"], max_days=self.max_days, start_field="from", end_field="to"
            )
        return attrs

    @staticmethod
    def instants(attrs: dict, *, facility) -> tuple[dt.datetime | None, dt.datetime | None]:
        """[start of ``from``, start of the day after ``to``) in the facility's zone."""
        zone = ZoneInfo(facility.time_zone)
        first, last = attrs.get("from"), attrs.get("to")
        start = dt.datetime.combine(first, dt.time.min, tzinfo=zone) if first else None
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone) if last else None
        return start, end


class HistoryEntrySerializer(serializers.Serializer):
    class ChangeSerializer(serializers.Serializer):
        field = serializers.CharField()
        old = serializers.JSONField(allow_null=True)
        new = serializers.JSONField(allow_null=True)

    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    history_user = serializers.CharField(allow_null=True)
    history_request_id = serializers.CharField()
    changes = ChangeSerializer(many=True)


class CommentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(source="author.username")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class CommentInputSerializer(StrictInputSerializer):
    text = serializers.CharField(max_length=4000)


class FacilityViewSet(viewsets.GenericViewSet):
    """Base of every facility-scoped viewset. Subclasses name the action needed to read
    (``view_action``) and to write (``manage_action``), or override ``required_action``; they
    fetch objects through a selector in ``get_object``. Each gets ``history/`` and ``comments/``."""

    permission_classes = [IsAuthenticated, FacilityRolePermission]
    view_action: Action
    manage_action: Action
    read_actions = frozenset({"list", "retrieve", "history"})

    def required_action(self) -> Action | tuple[Action, ...]:
        """The action (or every action) the role must be allowed for this request."""
        if self.action in self.read_actions or self.action == "metadata":
            return (self.view_action,)
        if self.action == "comments":
            # Commenting needs sight of the object as well as the right to comment.
            return (self.view_action,) if self.request.method == "GET" else (self.view_action, Action.COMMENT_ADD)
        return (self.manage_action,)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["facility"] = getattr(self.request, "facility", None)
        return context

    def paginated(self, queryset, serializer_class) -> Response:
        page = self.paginate_queryset(self.filter_queryset(queryset))
        return self.get_paginated_response(
            serializer_class(page, many=True, context=self.get_serializer_context()).data
        )

    def query(self, serializer_class) -> dict:
        """The request's query parameters, validated by ``serializer_class`` (400 naming them)."""
        serializer = serializer_class(data=self.request.query_params, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def validated(self, serializer_class, *, partial: bool = False) -> dict:
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def paginated_history(self, instance) -> Response:
        """One page of ``instance``'s history, newest first."""
        records = history_records(instance=instance)
        page = self.paginate_queryset(records)
        entries = history_entries(instance=instance, records=page)
        return self.get_paginated_response(HistoryEntrySerializer(entries, many=True).data)

    # Both lists are paged even where the viewset's own list is not (slot durations, windows).
    # A viewset without an object that keeps history or takes comments (a check-in, a walk-in)
    # sets ``history = None`` / ``comments = None``, so neither is routed nor in the schema.
    @extend_schema(responses=HistoryEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=StandardPagination)
    def history(self, request, facility_slug: str, pk: str) -> Response:
        return self.paginated_history(self.get_object())

    @extend_schema(methods=["GET"], responses=CommentOutputSerializer(many=True), filters=False)
    @extend_schema(methods=["POST"], request=CommentInputSerializer, responses={201: CommentOutputSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=StandardPagination)
    def comments(self, request, facility_slug: str, pk: str) -> Response:
        target = self.get_object()
        if request.method == "GET":
            comments = selectors.comment_list(facility=request.facility, target=target)
            return self.paginated(comments, CommentOutputSerializer)
        fields = self.validated(CommentInputSerializer)
        comment = services.comment_add(
            facility=request.facility, actor=request.user, target=target, text=fields["text"]
        )
        return Response(CommentOutputSerializer(comment).data, status=201)
