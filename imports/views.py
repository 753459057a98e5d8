"""Pages of CSV imports under ``/f/<facility_slug>/imports/``: the list with the upload form and
the template files, an import's page (status with a live progress bar, unknown chairs or suites
to resolve, loading the valid rows of a file with errors, the problems report), and the
downloads (report CSV, the file as uploaded, templates).

Each write calls one imports service, as the REST API does; the service decides every rule and
its ``ApplicationError`` is shown next to what caused it. Objects are looked up through
imports.selectors within the facility of the URL, so another facility's import is 404.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.http.response import FileResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from imports import selectors, services
from imports.formats import template_csv
from imports.forms import ProblemFilterForm, ResolveForm, UploadForm
from imports.models import Status
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError
from scheduling.permissions import Action
from scheduling.ui import FacilityPageMixin

IMPORTS_PER_PAGE = 25
PROBLEMS_PER_PAGE = 50
# The multipart envelope around the file (boundaries, the other fields, the CSRF token): a
# request longer than the limit plus this cannot hold an acceptable file.
FORM_SLACK_BYTES = 64 * 1024


class ImportPage(FacilityPageMixin, View):
    required_action = Action.IMPORT_VIEW

    def page(self, template: str, context: dict, status: int = 200):
        context = {
            "can_upload": self.can(Action.IMPORT_UPLOAD),
            "can_download": self.can(Action.IMPORT_DOWNLOAD),
            **context,
        }
        return render(self.request, template, context, status=status)

    def record(self, import_id: int):
        return selectors.import_get(facility=self.request.facility, import_id=import_id)


# --- the list and the upload --------------------------------------------------------------------


class HomeView(ImportPage):
    """The facility's imports, newest first; the upload form for those who may upload."""

    def get(self, request, facility_slug: str):
        return _home_page(self, UploadForm() if self.can(Action.IMPORT_UPLOAD) else None)


class UploadView(ImportPage):
    """Keeps the file and queues its validation (``imports.services.import_upload``).

    The URL is exempt from the CSRF middleware because the middleware reads the whole body to
    find the token: the declared length is checked first, so a file over the limit is refused
    (413) without being received, and only then is the CSRF token checked, as strictly."""

    required_action = Action.IMPORT_UPLOAD
    http_method_names = ["post"]

    def post(self, request, facility_slug: str):
        declared = _content_length(request)
        if declared is not None and declared > settings.IMPORTS_MAX_BYTES + FORM_SLACK_BYTES:
            response = _home_page(self, UploadForm(), file_error=services.file_too_large().message, status=413)
            response["Connection"] = "close"  # the rest of the body is never read
            return response
        refused = CsrfViewMiddleware(lambda _: None).process_view(request, None, (), {})
        if refused is not None:
            return refused
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _home_page(self, form, status=400)
        fields = form.cleaned_data
        try:
            record, created = services.import_upload(
                facility=request.facility,
                actor=request.user,
                uploaded_file=fields["file"],
                kind=fields["kind"] or None,
                load_valid_rows=fields["load_valid_rows"],
            )
        except ApplicationError as error:
            form.add_error("file", _upload_error(error))
            return _home_page(self, form, status=error.status_code)
        if created:
            messages.success(request, f"{record.original_name} is uploaded: it is being checked now.")
        else:
            when = timezone.localtime(record.uploaded_at).strftime("%d %b %Y %H:%M")
            messages.info(
                request,
                f"These bytes were uploaded already as import #{record.pk} on {when} by "
                f"{record.uploaded_by.get_username()}: nothing new was stored.",
            )
        return redirect("imports:detail", facility_slug=facility_slug, import_id=record.pk)


def _content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _upload_error(error: ApplicationError) -> str:
    """The service's reason, with where in the file when it says."""
    where = []
    if error.extra.get("line"):
        where.append(f"line {error.extra['line']}")
    if error.extra.get("column"):
        where.append(f"column “{error.extra['column']}”")
    return f"{error.message} ({', '.join(where)})" if where else error.message


def _home_page(view: ImportPage, form: UploadForm | None, *, file_error: str = "", status: int = 200):
    request = view.request
    file_errors = list(form.errors.get("file", [])) if form is not None and form.is_bound else []
    imports = selectors.import_list(facility=request.facility)
    page = Paginator(imports, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "file_errors": [*file_errors, file_error] if file_error else file_errors,
        "file_kinds": selectors.file_kinds().values(),
        "max_bytes": settings.IMPORTS_MAX_BYTES,
    }
    return view.page("imports/home.html", context, status=status)


class TemplateView(ImportPage):
    """A kind's template file: its header and example rows."""

    def get(self, request, facility_slug: str, kind: str):
        if kind not in selectors.file_kinds():
            raise Http404("No such kind of file.")
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="careslot-{kind.replace("_", "-")}-template.csv"'
        return response


# --- one import -----------------------------------------------------------------------------------


class DetailView(ImportPage):
    def get(self, request, facility_slug: str, import_id: int):
        return _detail_page(self, self.record(import_id))


class ProgressView(ImportPage):
    """The status block alone, polled every second by the import's page while a worker is on it.
    Once the import has left the worker (loaded, invalid, waiting for names…), htmx reloads the
    whole page so the report, the names to resolve and the buttons appear."""

    def get(self, request, facility_slug: str, import_id: int):
        record = self.record(import_id)
        response = self.page("imports/_status.html", {"record": record})
        if request.headers.get("HX-Request") and not record.active:
            response["HX-Refresh"] = "true"
        return response


class ResolveView(ImportPage):
    """Creates an unknown chair or suite, or maps its name to an existing one (or creates all)."""

    required_action = Action.IMPORT_UPLOAD
    http_method_names = ["post"]

    def post(self, request, facility_slug: str, import_id: int):
        record = self.record(import_id)
        if record.status != Status.NEEDS_MAPPING:
            message = f"This import is not waiting for names any more: it is '{record.get_status_display()}'."
            return _detail_page(self, record, error_message=message, status=409)
        form = ResolveForm(request.POST, names=_unknown_names(record), resources=_resources_for(request, record))
        if not form.is_valid():
            problems = "; ".join(message for errors in form.errors.values() for message in errors)
            return _detail_page(self, record, error_message=f"Nothing was changed: {problems}", status=400)
        try:
            record = services.import_resolve_resources(
                facility=request.facility, actor=request.user, import_id=record.pk, resolutions=form.resolutions()
            )
        except ApplicationError as error:
            return _detail_page(self, self.record(import_id), error_message=error.message, status=error.status_code)
        resolutions = form.resolutions()
        done = ", ".join(f"“{resolution['name']}”" for resolution in resolutions)
        if record.status == Status.NEEDS_MAPPING:
            left = len(record.unknown_resources)
            messages.success(request, f"Resolved {done}; {left} name{'s' if left != 1 else ''} left to resolve.")
        else:
            messages.success(request, f"Resolved {done}. The file is being checked again.")
        return redirect("imports:detail", facility_slug=facility_slug, import_id=record.pk)


class LoadValidView(ImportPage):
    """Loading the valid rows of a file with errors: a confirmation page (GET), then the load
    (POST, ``imports.services.import_load_valid_rows``)."""

    required_action = Action.IMPORT_UPLOAD

    def get(self, request, facility_slug: str, import_id: int):
        record = self.record(import_id)
        if record.status != Status.INVALID or not record.rows_valid:
            messages.info(request, "This import has no valid rows waiting to be loaded.")
            return redirect("imports:detail", facility_slug=facility_slug, import_id=record.pk)
        left_out = record.rows_read - record.rows_valid
        return self.page("imports/load_valid.html", {"record": record, "left_out": left_out})

    def post(self, request, facility_slug: str, import_id: int):
        try:
            record = services.import_load_valid_rows(facility=request.facility, actor=request.user, import_id=import_id)
        except ApplicationError as error:
            return _detail_page(self, self.record(import_id), error_message=error.message, status=error.status_code)
        messages.success(request, f"Loading the {record.rows_valid} valid rows; the rows with errors are left out.")
        return redirect("imports:detail", facility_slug=facility_slug, import_id=record.pk)


def _detail_page(view: ImportPage, record, *, error_message: str = "", status: int = 200):
    request = view.request
    facility = request.facility
    columns = selectors.problem_columns(facility=facility, import_id=record.pk)
    codes = selectors.problem_codes(facility=facility, import_id=record.pk)
    filter_form = ProblemFilterForm(request.GET or None, columns=columns, codes=codes)
    filters = filter_form.filters()
    problems = selectors.problem_list(facility=facility, import_id=record.pk, **filters)
    page = Paginator(problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "record": record,
        "filter_form": filter_form,
        "filtered": bool(filters),
        "filter_query": urlencode(filters),
        "problems_page": page,
        "error_message": error_message,
        "unknown": record.unknown_resources if record.status == Status.NEEDS_MAPPING else [],
        "resource_kind": services.RESOURCE_KIND.get(record.kind),
        "resources": _resources_for(request, record) if record.status == Status.NEEDS_MAPPING else [],
        "can_load_valid": record.status == Status.INVALID and record.rows_valid > 0,
        "rows_with_errors": record.rows_read - record.rows_valid,
    }
    return view.page("imports/detail.html", context, status=status)


def _unknown_names(record) -> list[str]:
    return [entry["name"] for entry in record.unknown_resources]


def _resources_for(request, record):
    """The facility's resources an unknown name of this import may be mapped to."""
    kind = services.RESOURCE_KIND.get(record.kind)
    if kind is None:
        return []
    return list(kernel.resource_list(facility=request.facility).filter(kind=kind).order_by("name"))


# --- downloads ------------------------------------------------------------------------------------


class ReportView(ImportPage):
    """Every stored problem as CSV (formula-like cells escaped by scheduling.csv_export)."""

    def get(self, request, facility_slug: str, import_id: int):
        record = self.record(import_id)
        lines = selectors.report_lines(facility=request.facility, import_id=record.pk)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-report.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class RawFileView(ImportPage):
    """The file byte for byte as it was uploaded, as a download (never shown inline)."""

    required_action = Action.IMPORT_DOWNLOAD

    def get(self, request, facility_slug: str, import_id: int):
        record = self.record(import_id)
        response = FileResponse(
            selectors.open_raw_file(record),
            as_attachment=True,
            filename=selectors.download_name(record.original_name),
            content_type="text/csv",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
