"""REST API of CSV imports: upload a file (multipart), follow its progress, read its problems,
download its report and the raw file, resolve unknown chairs or suites, load the valid rows of
a file with errors; and the four kinds of file with their columns and template files.

Each action reads through a selector or calls one service. The API speaks JSON, but for the
upload (``multipart/form-data``, the one action that parses it) and the three CSV downloads."""

import django_filters
from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from analytics import selectors as analytics
from imports import selectors, services
from imports.formats import FILE_KINDS, Kind, columns_markdown, template_csv
from imports.models import Import, Severity, Status
from scheduling import selectors as kernel
from scheduling.api_kernel import FacilityObjectField, FacilityViewSet, StrictInputSerializer
from scheduling.errors import ApplicationError, NotFound
from scheduling.parsing import id_or_none
from scheduling.permissions import Action
from scheduling.schema import EnumField, ErrorSerializer

# The multipart envelope around the file (boundary lines, part headers, the other fields): a
# request may exceed the file limit by this much before it is refused unread; the file's own
# size is then checked exactly.
MULTIPART_ENVELOPE_BYTES = 64 * 1024

CSV = "text/csv"


# --- enums documented once ---------------------------------------------------------------------


def kind_field(**kwargs) -> EnumField:
    return EnumField(enum_name="ImportKindEnum", choices=Kind.choices, **kwargs)


# --- output ------------------------------------------------------------------------------------


class UnknownResourceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The chair or suite as the file names it.")
    rows = serializers.IntegerField(help_text="Rows that name it.")
    first_row = serializers.IntegerField(allow_null=True, help_text="The first line naming it (the header is line 1).")


class ImportLinksSerializer(serializers.Serializer):
    problems = serializers.URLField(help_text="The problems found: paginated, filterable.")
    report = serializers.URLField(help_text="The problems as a CSV file.")
    file = serializers.URLField(help_text="The file as uploaded, byte for byte.")


def _url(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs={"facility_slug": request.facility.slug, **kwargs}))


class ImportOutputSerializer(serializers.ModelSerializer):
    kind = kind_field()
    kind_label = serializers.CharField(source="get_kind_display")
    status = EnumField(enum_name="ImportStatusEnum", choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    progress_percent = serializers.IntegerField(
        min_value=0, max_value=100, help_text="Share of the file read so far; 100 once the import waits or is done."
    )
    unknown_resources = UnknownResourceSerializer(
        many=True, help_text="Chairs or suites the file names that the facility does not know (`needs_mapping`)."
    )
    links = serializers.SerializerMethodField()

    class Meta:
        model = Import
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "message",
            "rejection_code",
            "original_name",
            "size_bytes",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "load_valid_rows",
            "attempts",
            "started_at",
            "finished_at",
            "bytes_read",
            "progress_percent",
            "rows_read",
            "rows_valid",
            "error_count",
            "warning_count",
            "rows_loaded",
            "rows_inserted",
            "rows_updated",
            "rows_left_out",
            "unknown_resources",
            "links",
        ]
        extra_kwargs = {
            "rejection_code": {"help_text": "Why a file that cannot be read was rejected (status `rejected`)."},
            "attempts": {"help_text": "Times a worker began on the file (a killed worker's attempt counts)."},
            "rows_left_out": {"help_text": "Rows with errors left out when the valid rows were loaded."},
        }

    @extend_schema_field(ImportLinksSerializer)
    def get_links(self, record) -> dict:
        request = self.context["request"]
        return {name: _url(request, f"import-{name}", pk=record.pk) for name in ("problems", "report", "file")}


class ImportUploadedSerializer(ImportOutputSerializer):
    duplicate = serializers.BooleanField(
        help_text="True when the same bytes were uploaded before: this is that import."
    )
    detail = serializers.CharField(help_text="What happened, for people.")

    class Meta(ImportOutputSerializer.Meta):
        fields = [*ImportOutputSerializer.Meta.fields, "duplicate", "detail"]


class ProblemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    row = serializers.IntegerField(allow_null=True, help_text="Line in the file (the header is line 1).")
    column = serializers.CharField()
    value = serializers.CharField(help_text="The value as the file has it (at most 200 characters).")
    severity = EnumField(enum_name="ImportProblemSeverityEnum", choices=Severity.choices)
    code = serializers.CharField(help_text="Stable, for programs: `missing`, `not_a_date`, `duplicate_key`…")
    message = serializers.CharField()


class ColumnOutputSerializer(serializers.Serializer):
    header = serializers.CharField(help_text="As a template file writes it; case, spaces and punctuation may differ.")
    type = EnumField(enum_name="ImportColumnTypeEnum", choices=["text", "int", "date", "datetime", "choice"])
    type_label = serializers.CharField()
    required = serializers.BooleanField()
    meaning = serializers.CharField()
    format = serializers.CharField(help_text="How a date or time is written; empty for other types.")
    choices = serializers.ListField(child=serializers.CharField(), help_text="The values a `choice` column takes.")
    minimum = serializers.IntegerField(allow_null=True)
    maximum = serializers.IntegerField(allow_null=True)
    max_length = serializers.IntegerField(help_text="Longest text accepted.")


class ImportKindOutputSerializer(serializers.Serializer):
    kind = kind_field()
    label = serializers.CharField()
    description = serializers.CharField()
    key = serializers.CharField(help_text="The column naming a row: a later file with the same value updates it.")
    columns = ColumnOutputSerializer(many=True)
    template = serializers.URLField(help_text="A template file: the header and example rows.")


# --- input -------------------------------------------------------------------------------------


class ImportUploadSerializer(StrictInputSerializer):
    file = serializers.FileField(
        allow_empty_file=True,  # an empty file is refused by the service, with its reason
        help_text="The CSV file: UTF-8 (a BOM is fine), comma-separated, a header on line 1.",
    )
    kind = kind_field(required=False, help_text="The kind of file; detected from the header when left out.")
    load_valid_rows = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Load the valid rows even if others have errors (they are left out and listed). "
        "Otherwise a file with errors loads nothing.",
    )


class ResolutionSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=200, help_text="An unknown name of the import (`unknown_resources`).")
    create = serializers.BooleanField(
        required=False, help_text="True: make a chair or suite of that name. Give this or `resource`."
    )
    resource = FacilityObjectField(
        lister=kernel.resource_list,
        required=False,
        help_text="An existing chair or suite the name stands for, in this and every later file.",
    )

    def validate(self, attrs):
        if bool(attrs.get("create")) == ("resource" in attrs):
            raise serializers.ValidationError({"resource": ["Give `create: true` or a resource, not both."]})
        return attrs


class ResolveSerializer(StrictInputSerializer):
    resolutions = ResolutionSerializer(many=True, allow_empty=False, max_length=1000)


class ProblemQuery(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    column = serializers.CharField(max_length=200, required=False, help_text="A column as the file names it.")
    code = serializers.CharField(max_length=40, required=False)


class ImportFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)

    class Meta:
        model = Import
        fields = ["kind", "status"]


# --- helpers -----------------------------------------------------------------------------------


def _attachment(response: HttpResponse, file_name: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _as_body_fields(fields: dict) -> dict:
    """The service's ``resolutions.0.resource_id`` as the body's own errors name it:
    ``{"resolutions": {"0": {"resource": [...]}}}``, as the serializer reports its fields."""
    nested: dict = {}
    for key, messages in fields.items():
        *parents, name = key.split(".")
        node = nested
        for part in parents:
            node = node.setdefault(part, {})
        node["resource" if name == "resource_id" else name] = messages
    return nested


def _kinds_markdown() -> str:
    return "\n\n".join(
        f"**`{kind}`** ({spec.kind.label}): {spec.description}\n\n{columns_markdown(kind)}"
        for kind, spec in FILE_KINDS.items()
    )


UPLOAD_DESCRIPTION = f"""Uploads a CSV file (`multipart/form-data`). The file is kept as it is, and a worker
validates and loads it: follow `status` and the progress fields at the import's URL (the `Location`
header). A file with errors loads nothing unless `load_valid_rows` is true. Chairs and OR suites are
matched to the facility's resources by name; unknown ones stop the import at `needs_mapping`
until they are resolved (`resolve/`).

* **202**: the file is kept and queued.
* **200**: the same bytes were uploaded to this facility before; the body is that import,
  with `duplicate` true. Nothing new is stored or queued.
* **400** `file_rejected`: the file cannot be read (`reason`: `empty`, `binary`, `not_utf8`,
  `wrong_delimiter`, `no_header`, `duplicated_column`, `missing_column`, `unknown_column`,
  `unknown_kind`, `no_rows`…, with `line` and `column` where they apply). Nothing is kept.
* **413** `file_too_large`: over the size limit (`IMPORTS_MAX_BYTES`); a request whose
  `Content-Length` is over it is refused before its body is read.
* **415**: the body is not `multipart/form-data`.

Dates and times are local to the facility. The four kinds of file and their columns (the header
may write a column in any case, with spaces or underscores):

{_kinds_markdown()}
"""

KIND_PARAMETER = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[k.value for k in Kind], description="The kind of file."
)
CSV_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="A CSV file (UTF-8, comma-separated), as an attachment.")
TOO_LARGE = OpenApiResponse(ErrorSerializer, description="`file_too_large`: the file is over the size limit.")


class CsvDownloadMixin:
    """Actions answering CSV: an error still answers JSON, whatever the client accepts."""

    csv_actions: frozenset[str] = frozenset()

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=force or self.action in self.csv_actions)


# --- views -------------------------------------------------------------------------------------


class ImportViewSet(CsvDownloadMixin, FacilityViewSet):
    """The facility's uploaded files, newest first, with their progress and problems."""

    queryset = Import.objects.none()
    filterset_class = ImportFilter
    view_action = Action.IMPORT_VIEW
    manage_action = Action.IMPORT_UPLOAD
    read_actions = frozenset({"list", "retrieve", "history", "problems", "report"})
    csv_actions = frozenset({"report", "file"})
    comments = None  # an import is discussed where its data is used, not on the file

    def required_action(self):
        if self.action == "file":
            return (Action.IMPORT_DOWNLOAD,)
        return super().required_action()

    def get_parsers(self):
        # Only the upload reads multipart; the rest of the API reads JSON alone.
        method = self.request.method.lower() if self.request else ""
        action_name = getattr(self, "action", None) or self.action_map.get(method)
        if action_name == "create":
            return [MultiPartParser()]
        return super().get_parsers()

    def initial(self, request, *args, **kwargs):
        # Before authentication: a session's CSRF check would read (and spool) the whole body.
        if self.action == "create":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.IMPORTS_MAX_BYTES + MULTIPART_ENVELOPE_BYTES:
                raise services.file_too_large()
        super().initial(request, *args, **kwargs)

    def get_object(self):
        return selectors.import_get(facility=self.request.facility, import_id=id_or_none(self.kwargs["pk"]))

    def _out(self, record, status=200, serializer=ImportOutputSerializer, **extra) -> Response:
        fresh = selectors.import_get(facility=self.request.facility, import_id=record.pk)
        for name, value in extra.items():
            setattr(fresh, name, value)
        return Response(serializer(fresh, context=self.get_serializer_context()).data, status=status)

    @extend_schema(responses=ImportOutputSerializer(many=True))
    def list(self, request, facility_slug: str):
        return self.paginated(selectors.import_list(facility=request.facility), ImportOutputSerializer)

    @extend_schema(responses=ImportOutputSerializer)
    def retrieve(self, request, facility_slug: str, pk: str):
        return Response(ImportOutputSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Upload a CSV file",
        description=UPLOAD_DESCRIPTION,
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            202: OpenApiResponse(ImportUploadedSerializer, description="Kept and queued; `Location` is its URL."),
            200: OpenApiResponse(
                ImportUploadedSerializer, description="The same bytes were uploaded before: that import."
            ),
            413: TOO_LARGE,
        },
        examples=[
            OpenApiExample(
                "A day of nurse capacity",
                value={"file": template_csv(Kind.NURSE_CAPACITY), "kind": Kind.NURSE_CAPACITY.value},
                request_only=True,
                media_type="multipart/form-data",
            )
        ],
        parameters=[
            OpenApiParameter(
                "Location",
                OpenApiTypes.URI,
                OpenApiParameter.HEADER,
                response=[202],
                required=True,
                description="The new import's URL.",
            )
        ],
    )
    def create(self, request, facility_slug: str):
        fields = self.validated(ImportUploadSerializer)
        record, created = services.import_upload(
            facility=request.facility,
            actor=request.user,
            uploaded_file=fields["file"],
            kind=fields.get("kind"),
            load_valid_rows=fields["load_valid_rows"],
        )
        if created:
            response = self._out(
                record,
                status=202,
                serializer=ImportUploadedSerializer,
                duplicate=False,
                detail="The file is kept and queued: a worker validates and loads it.",
            )
            response["Location"] = _url(request, "import-detail", pk=record.pk)
            return response
        return self._out(
            record,
            serializer=ImportUploadedSerializer,
            duplicate=True,
            detail=f"This file was uploaded before (the same bytes, import {record.pk}, "
            f"'{record.original_name}'): nothing new was kept or queued.",
        )

    @extend_schema(parameters=[ProblemQuery], responses=ProblemOutputSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def problems(self, request, facility_slug: str, pk: str):
        record = self.get_object()
        query = self.query(ProblemQuery)
        problems = selectors.problem_list(facility=request.facility, import_id=record.pk, **query)
        return self.paginated(problems, ProblemOutputSerializer)

    @extend_schema(
        responses={(200, CSV): CSV_RESPONSE},
        description="The problems found as CSV: `row, column, value, severity, code, message`. A cell a "
        "spreadsheet would read as a formula (`=`, `+`, `-`, `@`…) starts with an apostrophe.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def report(self, request, facility_slug: str, pk: str):
        record = self.get_object()
        lines = selectors.report_lines(facility=request.facility, import_id=record.pk)
        response = StreamingHttpResponse(lines, content_type=f"{CSV}; charset=utf-8")
        return _attachment(response, f"import-{record.pk}-problems.csv")

    @extend_schema(
        responses={(200, CSV): CSV_RESPONSE},
        description="The file as uploaded, byte for byte. Needs `import.download`.",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def file(self, request, facility_slug: str, pk: str):
        record = self.get_object()
        try:
            raw = selectors.open_raw_file(record)
        except FileNotFoundError:
            raise NotFound("The uploaded file") from None  # removed from storage by hand
        response = FileResponse(raw, content_type=CSV)
        return _attachment(response, selectors.download_name(record.original_name))

    @extend_schema(
        request=ResolveSerializer,
        examples=[
            OpenApiExample(
                "Create one chair, map another",
                value={"resolutions": [{"name": "Chair 12", "create": True}, {"name": "Chair 3", "resource": 42}]},
                request_only=True,
            )
        ],
        responses={
            200: OpenApiResponse(ImportOutputSerializer, description="Resolved; other names still wait."),
            202: OpenApiResponse(ImportOutputSerializer, description="No name is left: the file is queued again."),
        },
        description="Resolves the unknown chairs or suites of an import at `needs_mapping`: each "
        '`{"name": ..., "create": true}` makes a resource of that name, each `{"name": ..., "resource": id}` '
        "maps the name to an existing chair or suite, for this and every later file. When none is left, "
        "the file is validated again (202). 409 when the import is not waiting for names.",
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def resolve(self, request, facility_slug: str, pk: str):
        record = self.get_object()
        fields = self.validated(ResolveSerializer)
        resolutions = [
            {"name": item["name"], "create": True}
            if item.get("create")
            else {"name": item["name"], "resource_id": item["resource"].pk}
            for item in fields["resolutions"]
        ]
        try:
            record = services.import_resolve_resources(
                facility=request.facility, actor=request.user, import_id=record.pk, resolutions=resolutions
            )
        except ApplicationError as error:
            error.fields = _as_body_fields(error.fields)
            raise
        return self._out(record, status=202 if record.status == Status.QUEUED else 200)

    @extend_schema(
        request=None,
        responses={202: ImportOutputSerializer},
        description="Loads the valid rows of a file with errors (status `invalid`); the rows with errors are "
        "left out (`rows_left_out`) and stay in the report. 409 for an import in any other state, or "
        "one without a valid row.",
    )
    @action(detail=True, methods=["post"], url_path="load-valid-rows", filter_backends=[])
    def load_valid_rows(self, request, facility_slug: str, pk: str):
        record = self.get_object()
        record = services.import_load_valid_rows(facility=request.facility, actor=request.user, import_id=record.pk)
        return self._out(record, status=202)


class ImportKindViewSet(CsvDownloadMixin, FacilityViewSet):
    """The four kinds of file an import reads, with their columns, and a template of each."""

    queryset = Import.objects.none()
    view_action = Action.IMPORT_VIEW
    manage_action = Action.IMPORT_UPLOAD
    read_actions = frozenset({"list", "retrieve", "template"})
    csv_actions = frozenset({"template"})
    lookup_field = "kind"
    filter_backends = []
    pagination_class = None  # four, always
    history = None  # the kinds are the application's, not the facility's objects
    comments = None

    def _kind(self) -> str:
        kind = self.kwargs["kind"]
        if kind not in FILE_KINDS:
            raise NotFound("Kind of file")
        return kind

    def _describe(self, kind: str) -> dict:
        spec = FILE_KINDS[kind]
        facility_types = None
        columns = []
        for column in spec.columns:
            choices = list(column.choices)
            if column.type == "choice" and not choices:
                if facility_types is None:
                    facility_types = sorted(analytics.patient_type_codes(facility_id=self.request.facility.pk))
                choices = facility_types
            columns.append(
                {
                    "header": column.header,
                    "type": column.type,
                    "type_label": column.type_label,
                    "required": column.required,
                    "meaning": column.meaning,
                    "format": column.format,
                    "choices": choices,
                    "minimum": column.minimum,
                    "maximum": column.maximum,
                    "max_length": column.max_length,
                }
            )
        return {
            "kind": kind,
            "label": spec.kind.label,
            "description": spec.description,
            "key": spec.key,
            "columns": columns,
            "template": _url(self.request, "import-kind-template", kind=kind),
        }

    @extend_schema(responses=ImportKindOutputSerializer(many=True))
    def list(self, request, facility_slug: str):
        return Response(ImportKindOutputSerializer([self._describe(kind) for kind in FILE_KINDS], many=True).data)

    @extend_schema(parameters=[KIND_PARAMETER], responses=ImportKindOutputSerializer)
    def retrieve(self, request, facility_slug: str, kind: str):
        return Response(ImportKindOutputSerializer(self._describe(self._kind())).data)

    @extend_schema(
        parameters=[KIND_PARAMETER],
        responses={(200, CSV): CSV_RESPONSE},
        description="A template file of the kind: its header and example rows.",
    )
    @action(detail=True, methods=["get"])
    def template(self, request, facility_slug: str, kind: str):
        kind = self._kind()
        response = HttpResponse(template_csv(kind), content_type=f"{CSV}; charset=utf-8")
        return _attachment(response, f"careslot-{kind.replace('_', '-')}-template.csv")
