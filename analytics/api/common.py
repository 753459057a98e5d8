"""What every analytics endpoint shares: enums and wall-clock times documented once, the
period query, the base viewsets (permissions, the unknown-parameter check) and the CSV rendering
of a metric."""

import re

from django.http import Http404, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from analytics import filters
from analytics.models import (
    RegimenCategory,
)
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityViewSet
from scheduling.csv_export import csv_lines
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.schema import WALL_CLOCK_PATTERN, EnumField

CSV = "text/csv"
CSV_RESPONSE = OpenApiResponse(
    OpenApiTypes.STR,
    description="The rows as a CSV file (UTF-8, comma-separated, a header line), as an attachment; a cell a "
    "spreadsheet would read as a formula (`=`, `+`, `-`, `@`…) starts with an apostrophe.",
)


# --- fields documented once ----------------------------------------------------------------------


def regimen_field(**kwargs) -> EnumField:
    return EnumField(enum_name="RegimenCategoryEnum", choices=RegimenCategory.choices, **kwargs)


class WallClockField(serializers.TimeField):
    """A local wall-clock time written ``HH:MM`` or ``HH:MM:SS`` (nothing else: no offset)."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(WALL_CLOCK_PATTERN, value):
            raise serializers.ValidationError("Give a wall-clock time as HH:MM or HH:MM:SS.", code="invalid")
        return super().to_internal_value(value)


def _period_fields(serializer_fields: dict) -> dict:
    """``from`` (a Python keyword) first, under its own name."""
    return {"from": serializer_fields.pop("from_"), **serializer_fields}


# --- the views: what every analytics view shares -------------------------------------------------


class AnalyticsViewSet(FacilityViewSet):
    """``analytics.view`` to read, ``analytics.manage`` to write; unknown query parameters refused.
    Objects without history or comments say so (``history``/``comments`` set to None)."""

    view_action = Action.ANALYTICS_VIEW
    manage_action = Action.ANALYTICS_MANAGE
    filter_backends = []
    pagination_class = None
    paged_actions = frozenset({"list", "history"})
    history = None
    comments = None
    query_serializer: type[serializers.Serializer] | None = None  # what the view reads from the query

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # the role first: 404 and 403 before 400
        self.refuse_unknown_query(request)

    def refuse_unknown_query(self, request) -> None:
        unknown = sorted(set(request.query_params) - self.query_names())
        if unknown:
            raise ApplicationError(
                "invalid",
                f"Unknown query parameters: {', '.join(unknown)}.",
                fields={name: ["Unknown field."] for name in unknown},
            )

    def query_serializer_for(self, action_name: str | None) -> type[serializers.Serializer] | None:
        return self.query_serializer

    def query_names(self) -> set[str]:
        names = {api_settings.URL_FORMAT_OVERRIDE}
        query = self.query_serializer_for(self.action)
        if query is not None:
            names |= set(query().get_fields())
        filterset = getattr(self, "filterset_class", None)
        if filterset is not None and self.filter_backends:
            names |= set(filterset.base_filters)
        if self.paginator is not None and self.action in self.paged_actions:
            names |= {self.paginator.page_query_param, self.paginator.page_size_query_param}
        return names


class CsvRenderer(BaseRenderer):
    """Lets content negotiation choose CSV. The metric views write their CSV themselves
    (``MetricViewSet.csv``); anything else they answer (an error, OPTIONS) is JSON."""

    media_type = CSV
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        rows = data if isinstance(data, list) else [data]
        header = list(rows[0]) if rows and isinstance(rows[0], dict) else []
        return "".join(csv_lines(header, ([row.get(name) for name in header] for row in rows))).encode()


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return value


class MetricViewSet(AnalyticsViewSet):
    """One metric: ``read`` the rows for the query, answer them with the period and filters as
    JSON (``answer_serializer``) or as a CSV file of ``row_serializer`` rows."""

    renderer_classes = [JSONRenderer, CsvRenderer]
    read_actions = frozenset({"retrieve"})
    query_serializer: type[filters.MetricQuery]
    answer_serializer: type[serializers.Serializer]
    row_serializer: type[serializers.Serializer]
    many = True  # rows; else one row of totals
    file_name: str

    def read(self, *, facility, query: dict, resource_ids: list[int] | None):
        raise NotImplementedError

    def refuse_unknown_query(self, request) -> None:
        """The metric's query is strict itself, and says why a metric of the whole centre takes
        no department or resource."""

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force=force)
        except Http404:
            message = "Give json or csv."
            raise ApplicationError("invalid", f"Unknown format: {message}", fields={"format": [message]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        if isinstance(response, Response) and renderer is not None and renderer.format == "csv":
            # An error or OPTIONS: JSON all the same.
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def resource_ids(self, query: dict) -> list[int] | None:
        """The chairs or theatres a per-resource metric is limited to (one, or a department's);
        None for all of them."""
        if query.get("resource") is not None:
            return [query["resource"].pk]
        if query.get("department") is None:
            return None
        resources = kernel.resource_list(facility=self.request.facility).filter(
            department=query["department"], kind=self.query_serializer.resource_kind
        )
        return list(resources.values_list("pk", flat=True))

    def retrieve(self, request, facility_slug: str):
        query = self.query(self.query_serializer)
        per_resource = self.query_serializer.resource_kind is not None
        rows = self.read(
            facility=request.facility, query=query, resource_ids=self.resource_ids(query) if per_resource else None
        )
        if request.accepted_renderer.format == "csv":
            return self.csv(rows, query)
        body = {"from": query["from"], "to": query["to"], "group_by": query.get("group_by")}
        if per_resource:
            body["department"] = query["department"].pk if query.get("department") else None
            body["resource"] = query["resource"].pk if query.get("resource") else None
        body.update({"results": rows} if self.many else rows)
        return Response(self.answer_serializer(body).data)

    def csv(self, rows, query: dict) -> StreamingHttpResponse:
        data = self.row_serializer(rows if self.many else [rows], many=True).data
        header = list(self.row_serializer().fields)
        lines = csv_lines(header, ([_cell(row[name]) for name in header] for row in data))
        response = StreamingHttpResponse(lines, content_type=f"{CSV}; charset=utf-8")
        name = f"{self.request.facility.slug}-{self.file_name}-{query['from']:%Y-%m-%d}-{query['to']:%Y-%m-%d}.csv"
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


def metric_schema(answer: type[serializers.Serializer], query: type[serializers.Serializer], **kwargs):
    return extend_schema_view(
        retrieve=extend_schema(
            parameters=[query],
            responses={(200, "application/json"): answer, (200, CSV): CSV_RESPONSE},
            **kwargs,
        )
    )
