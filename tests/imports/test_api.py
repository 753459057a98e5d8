"""The imports API as an integrator uses it: upload through multipart (202 and the import's URL),
follow the import, read its problems and report, download the raw file, resolve unknown chairs,
load the valid rows; who may do what, and that nobody reaches another facility's imports."""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import token_client
from imports.formats import FILE_KINDS, detect_kind
from imports.models import Import, Status
from scheduling.models import ResourceKind, Role, SchedulableResource
from scheduling.permissions import Action, role_allows
from tests.factories import ResourceFactory
from tests.imports.conftest import OR_FILE

pytestmark = pytest.mark.django_db

NURSES = "date,nurses_available,max_chairs_supported\r\n"
NURSES_OK = NURSES + "2025-03-03,6,14\r\n2025-03-04,5,12\r\n"
# Line 3 has an error; lines 2 and 4 are valid.
NURSES_ONE_BAD = NURSES + "2025-03-03,6,14\r\n2025-03-04,-1,12\r\n2025-03-05,4,9\r\n"
CHAIRS = "appointment_id,encounter_id,date,chair,regimen_category,patient_type,scheduled_chair_minutes,status\r\n"
# Names a chair the facility does not have.
CHAIRS_UNKNOWN = (
    CHAIRS
    + "A-1,E-1,2025-03-03,Chair 9,short,INF,45,scheduled\r\n"
    + "A-2,E-2,2025-03-03,Chair 9,long,FUP,240,completed\r\n"
)


def base(facility) -> str:
    return f"/api/v1/facilities/{facility.slug}"


def imports_url(facility, tail: str = "") -> str:
    return f"{base(facility)}/imports/{tail}"


def post_file(client, facility, content, *, name="file.csv", **fields):
    data = content.encode() if isinstance(content, str) else content
    body = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields}
    return client.post(imports_url(facility), body, format="multipart")


def raw_multipart(file_name: str, content: bytes, boundary: str = "careslot-boundary") -> tuple[bytes, str]:
    """A multipart body whose file name is sent as given (the test client would strip a path)."""
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def desk(facility, uploader):
    return token_client(uploader)


@pytest.fixture
def chair(facility):
    return ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Chair 1")


# --- upload -------------------------------------------------------------------------------------


def test_the_january_or_file_uploads_and_loads(desk, facility, theatres, django_capture_on_commit_callbacks):
    facility.time_zone = "America/New_York"
    facility.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(desk, facility, OR_FILE.read_bytes(), name=OR_FILE.name)

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["duplicate"] is False and body["kind"] == "or_cases"
    record = Import.objects.get(facility=facility)
    assert response["Location"] == f"http://testserver{imports_url(facility, f'{record.pk}/')}"

    shown = desk.get(response["Location"])
    assert shown.status_code == 200
    detail = shown.json()
    assert detail["status"] == "loaded" and detail["status_label"] == "Loaded"
    assert detail["rows_read"] == detail["rows_valid"] == detail["rows_loaded"] == detail["rows_inserted"] == 686
    assert (detail["error_count"], detail["rows_left_out"], detail["progress_percent"]) == (0, 0, 100)
    assert detail["original_name"] == OR_FILE.name and detail["size_bytes"] == OR_FILE.stat().st_size
    assert detail["uploaded_by"] == record.uploaded_by.username and detail["unknown_resources"] == []
    assert detail["links"]["file"] == f"http://testserver{imports_url(facility, f'{record.pk}/file/')}"
    assert desk.get(detail["links"]["problems"]).json()["count"] == 0

    raw = desk.get(detail["links"]["file"])
    assert raw.status_code == 200 and b"".join(raw.streaming_content) == OR_FILE.read_bytes()
    assert raw["Content-Type"] == "text/csv" and raw["X-Content-Type-Options"] == "nosniff"
    assert raw["Content-Disposition"] == f'attachment; filename="{OR_FILE.name}"'


def test_the_same_bytes_again_answer_200_with_that_import(desk, facility, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = post_file(desk, facility, NURSES_OK, name="march.csv")
    again = post_file(desk, facility, NURSES_OK, name="march-copy.csv", load_valid_rows="true")

    assert (first.status_code, again.status_code) == (202, 200)
    body = again.json()
    assert body["duplicate"] is True and body["id"] == first.json()["id"]
    assert "uploaded before" in body["detail"] and body["status"] == "loaded"
    assert body["original_name"] == "march.csv"
    assert "Location" not in again
    assert Import.objects.filter(facility=facility).count() == 1


def test_a_kind_given_must_fit_the_header_and_options_are_kept(desk, facility):
    refused = post_file(desk, facility, NURSES_OK, kind="chair_times")
    assert refused.status_code == 400 and refused.json()["reason"] == "missing_column"

    response = post_file(desk, facility, NURSES_OK, kind="nurse_capacity", load_valid_rows="true")
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "nurse_capacity" and response.json()["load_valid_rows"] is True
    assert response.json()["status"] == "queued"  # nothing ran: no commit in this test


@pytest.mark.parametrize(
    ("content", "reason", "line", "column"),
    [
        (b"", "empty", None, ""),
        (NURSES.encode(), "no_rows", None, ""),
        (b"PK\x03\x04\x00\x00binary\x00zip", "binary", None, ""),
        (b"date;nurses_available;max_chairs_supported\r\n2025-03-03;6;14\r\n", "wrong_delimiter", 1, ""),
        # Latin-1, not UTF-8: the é of the header is byte 0xE9.
        (f"{NURSES.strip()},unité\r\n2025-03-03,6,14,x\r\n".encode("latin-1"), "not_utf8", None, ""),
        ((NURSES.strip() + ",colour\r\n2025-03-03,6,14,teal\r\n").encode(), "unknown_column", 1, "colour"),
        (b"date,date\r\n2025-03-03,2025-03-03\r\n", "duplicated_column", 1, "date"),
        (b"name,age\r\nx,1\r\n", "unknown_kind", 1, ""),
    ],
    ids=["empty", "header-only", "binary", "semicolons", "latin-1", "unknown-column", "duplicated", "no-kind"],
)
def test_a_file_that_cannot_be_read_is_rejected_and_nothing_is_kept(
    desk, facility, imports_dir, content, reason, line, column
):
    response = post_file(desk, facility, content)

    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], body["reason"], body["line"], body["column"]) == ("file_rejected", reason, line, column)
    assert body["fields"]["file"] == [body["detail"]]
    assert not Import.objects.exists()
    assert not imports_dir.exists() or not any(p.is_file() for p in imports_dir.rglob("*"))


def test_a_utf8_file_with_a_bom_is_accepted(desk, facility):
    response = post_file(desk, facility, "\ufeff" + NURSES_OK)
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "nurse_capacity"


def test_a_body_that_is_not_multipart_answers_415(desk, facility):
    response = desk.post(imports_url(facility), {"file": NURSES_OK}, format="json")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    form = desk.post(imports_url(facility), "file=x", content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    assert not Import.objects.exists()


def test_unknown_form_fields_and_a_missing_file_are_named(desk, facility):
    unknown = post_file(desk, facility, NURSES_OK, colour="teal", encoding="latin-1")
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"colour": ["Unknown field."], "encoding": ["Unknown field."]}

    missing = desk.post(imports_url(facility), {"kind": "nurse_capacity"}, format="multipart")
    assert missing.status_code == 400 and set(missing.json()["fields"]) == {"file"}
    wrong_kind = post_file(desk, facility, NURSES_OK, kind="nurses")
    assert wrong_kind.status_code == 400 and set(wrong_kind.json()["fields"]) == {"kind"}
    assert not Import.objects.exists()


def test_a_request_over_the_limit_is_refused_before_its_body_is_read(desk, facility):
    body, content_type = raw_multipart("big.csv", NURSES_OK.encode())
    # The test client's payload raises if more is read than it holds: 413 here proves the
    # server answered from the header alone, without reading (or spooling) a "200 MB" body.
    response = desk.generic(
        "POST", imports_url(facility), body, content_type=content_type, CONTENT_LENGTH=str(200 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large" and "100 MB" in response.json()["detail"]
    assert not Import.objects.exists()


def test_a_file_over_the_limit_is_refused_by_its_size(desk, facility, settings, imports_dir):
    content = NURSES + "2025-03-03,6,14\r\n" * 200
    settings.IMPORTS_MAX_BYTES = len(content) - 1  # the request passes the header check, the file does not
    response = post_file(desk, facility, content)
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large" and response.json()["fields"]["file"]
    settings.IMPORTS_MAX_BYTES = len(content)
    assert post_file(desk, facility, content).status_code == 202
    assert Import.objects.count() == 1


@pytest.mark.parametrize(
    ("sent", "kept"), [("../../etc/passwd.csv", "passwd.csv"), ("C:\\x\\y.csv", "y.csv"), ("..", "upload.csv")]
)
def test_a_path_in_the_file_name_is_kept_as_its_base_name_only(desk, facility, imports_dir, sent, kept):
    body, content_type = raw_multipart(sent, NURSES_OK.encode())
    response = desk.generic("POST", imports_url(facility), body, content_type=content_type)

    if kept == "upload.csv":
        # ".." is no file name at all: the part is not a file, and the upload names what is missing.
        assert response.status_code == 400 and set(response.json()["fields"]) == {"file"}
        return
    assert response.status_code == 202, response.content
    record = Import.objects.get()
    assert response.json()["original_name"] == record.original_name == kept
    stored = (imports_dir / record.stored_name).resolve()
    assert stored.is_file() and stored.is_relative_to(imports_dir.resolve())
    assert stored.read_bytes() == NURSES_OK.encode()
    assert Path(record.stored_name).name != kept  # a generated name, never the uploader's
    download = desk.get(imports_url(facility, f"{record.pk}/file/"))
    assert download["Content-Disposition"] == f'attachment; filename="{kept}"'


# --- what follows an upload ---------------------------------------------------------------------


def test_unknown_chairs_are_resolved_then_the_file_loads(
    desk, facility, chair, other_facility, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = post_file(desk, facility, CHAIRS_UNKNOWN + "A-3,E-3,2025-03-03,Chair 1,short,INF,30,scheduled\r\n")
    url = imports_url(facility, f"{uploaded.json()['id']}/")
    waiting = desk.get(url).json()
    assert waiting["status"] == "needs_mapping", waiting
    assert waiting["unknown_resources"] == [{"name": "Chair 9", "rows": 2, "first_row": 2}]
    assert waiting["rows_loaded"] == 0

    theatre = ResourceFactory(facility=facility, kind=ResourceKind.THEATRE, name="Theatre 1")
    foreign = ResourceFactory(facility=other_facility, kind=ResourceKind.CHAIR, name="Chair 9")
    refused = []
    for resolution in (
        {"name": "Chair 9", "resource": foreign.pk},
        {"name": "Chair 9", "resource": theatre.pk},
        {"name": "Chair 7", "create": True},
        {"name": "Chair 9", "create": True, "resource": chair.pk},
        {"name": "Chair 9", "create": False},
        {"name": "Chair 9"},
        {"name": "Chair 9", "create": True, "colour": "teal"},
    ):
        response = desk.post(f"{url}resolve/", {"resolutions": [resolution]}, format="json")
        assert response.status_code == 400, response.content
        refused.append(response.json()["fields"])
    assert refused[0] == {"resolutions": {"0": {"resource": [f'Invalid pk "{foreign.pk}" - object does not exist.']}}}
    # Whether the serializer or the service refuses it, the field is named the same way.
    assert refused[1] == {"resolutions": {"0": {"resource": ["Not a resource of the right kind."]}}}
    assert refused[2] == {"resolutions": {"0": {"name": ["Not an unknown name of this import."]}}}
    both = {"resolutions": {"0": {"resource": ["Give `create: true` or a resource, not both."]}}}
    assert refused[3] == refused[4] == refused[5] == both
    assert refused[6] == {"resolutions": {"0": {"colour": ["Unknown field."]}}}
    assert desk.get(url).json()["status"] == "needs_mapping"

    with django_capture_on_commit_callbacks(execute=True):
        resolved = desk.post(f"{url}resolve/", {"resolutions": [{"name": "Chair 9", "create": True}]}, format="json")
    assert resolved.status_code == 202, resolved.content
    assert resolved.json()["status"] == "queued" and resolved.json()["unknown_resources"] == []
    loaded = desk.get(url).json()
    assert loaded["status"] == "loaded" and loaded["rows_loaded"] == 3
    assert SchedulableResource.objects.filter(facility=facility, kind=ResourceKind.CHAIR, name="Chair 9").exists()

    again = desk.post(f"{url}resolve/", {"resolutions": [{"name": "Chair 9", "create": True}]}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_an_unknown_chair_mapped_to_an_existing_one_is_found_by_later_files(
    desk, facility, chair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = post_file(desk, facility, CHAIRS_UNKNOWN)
    url = imports_url(facility, f"{uploaded.json()['id']}/")
    with django_capture_on_commit_callbacks(execute=True):
        body = {"resolutions": [{"name": "Chair 9", "resource": chair.pk}]}
        mapped = desk.post(f"{url}resolve/", body, format="json")
    assert mapped.status_code == 202, mapped.content
    assert desk.get(url).json()["status"] == "loaded"

    with django_capture_on_commit_callbacks(execute=True):
        later = post_file(desk, facility, CHAIRS_UNKNOWN.replace("A-1", "A-9"))
    assert desk.get(later["Location"]).json()["status"] == "loaded"


def test_the_valid_rows_of_a_file_with_errors_load_when_asked(desk, facility, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = post_file(desk, facility, NURSES_ONE_BAD)
    url = imports_url(facility, f"{uploaded.json()['id']}/")
    invalid = desk.get(url).json()
    assert invalid["status"] == "invalid" and invalid["rows_loaded"] == 0
    assert (invalid["rows_read"], invalid["rows_valid"], invalid["error_count"]) == (3, 2, 1)

    with django_capture_on_commit_callbacks(execute=True):
        asked = desk.post(f"{url}load-valid-rows/")
    assert asked.status_code == 202, asked.content
    assert asked.json()["status"] == "queued" and asked.json()["load_valid_rows"] is True
    loaded = desk.get(url).json()
    assert loaded["status"] == "loaded"
    assert (loaded["rows_loaded"], loaded["rows_left_out"]) == (2, 1)
    assert "1 row with errors was left out" in loaded["message"]
    assert [p["row"] for p in desk.get(f"{url}problems/").json()["results"]] == [3]

    again = desk.post(f"{url}load-valid-rows/")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_problems_are_paginated_and_filtered(desk, facility, django_capture_on_commit_callbacks):
    content = NURSES + "".join(f"2025-03-{day:02d},-1,x\r\n" for day in range(1, 8)) + "2025-02-30,3,4\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = post_file(desk, facility, content)
    url = imports_url(facility, f"{uploaded.json()['id']}/problems/")

    every = desk.get(url, {"page_size": 200}).json()
    assert every["count"] == 15
    assert set(every["results"][0]) == {"id", "row", "column", "value", "severity", "code", "message"}
    page = desk.get(url, {"page_size": 5, "page": 2}).json()
    assert len(page["results"]) == 5 and page["count"] == 15

    nurses = desk.get(url, {"column": "nurses_available", "page_size": 200}).json()["results"]
    assert len(nurses) == 7 and {p["column"] for p in nurses} == {"nurses_available"}
    assert [p["row"] for p in nurses] == list(range(2, 9))
    dates = desk.get(url, {"code": "not_a_date"}).json()["results"]
    assert [(p["row"], p["column"], p["value"]) for p in dates] == [(9, "date", "2025-02-30")]
    assert desk.get(url, {"severity": "warning"}).json()["count"] == 0
    assert desk.get(url, {"severity": "error", "column": "date"}).json()["count"] == 1

    refused = desk.get(url, {"severity": "fatal"})
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"severity"}
    assert desk.get(url, {"code": "x\x00"}).status_code == 400


def test_the_report_is_csv_with_formula_cells_escaped(desk, facility, django_capture_on_commit_callbacks):
    content = NURSES + '2025-03-03,"=HYPERLINK(""http://x"")",14\r\n2025-03-04,5,12\r\n'
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = post_file(desk, facility, content, name="report-me.csv")
    record_id = uploaded.json()["id"]

    response = desk.get(imports_url(facility, f"{record_id}/report/"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{record_id}-problems.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["row", "column", "value", "severity", "code", "message"]
    assert len(rows) == 2
    assert rows[1][:5] == ["2", "nurses_available", '\'=HYPERLINK("http://x")', "error", "not_a_number"]
    # Whatever the client asks for, an error is still JSON.
    missing = desk.get(imports_url(facility, "999999/report/"), HTTP_ACCEPT="text/csv")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_the_list_is_filtered_by_kind_and_status(desk, facility, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        nurses = post_file(desk, facility, NURSES_OK).json()
        broken = post_file(desk, facility, NURSES_ONE_BAD).json()
        chairs = post_file(desk, facility, CHAIRS_UNKNOWN).json()
    url = imports_url(facility)

    def ids(**query):
        response = desk.get(url, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [chairs["id"], broken["id"], nurses["id"]]  # newest first
    assert ids(kind="nurse_capacity") == [broken["id"], nurses["id"]]
    assert ids(status="needs_mapping") == [chairs["id"]]
    assert ids(status=["loaded", "invalid"]) == [broken["id"], nurses["id"]]
    assert ids(kind="chair_appointments", status="loaded") == []
    for name, value in (("status", "done"), ("kind", "pdf")):
        refused = desk.get(url, {name: value})
        assert refused.status_code == 400 and set(refused.json()["fields"]) == {name}


def test_an_import_has_history_and_no_comments(desk, facility, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = post_file(desk, facility, NURSES_OK).json()
    url = imports_url(facility, f"{uploaded['id']}/")
    history = desk.get(f"{url}history/").json()
    statuses = [change["new"] for e in history["results"] for change in e["changes"] if change["field"] == "status"]
    assert statuses[0] == "loaded" and history["results"][-1]["history_type"] == "created"
    assert desk.get(f"{url}comments/").status_code == 404


# --- the kinds of file --------------------------------------------------------------------------


def test_the_kinds_list_their_columns(desk, facility):
    response = desk.get(f"{base(facility)}/import-kinds/")
    assert response.status_code == 200
    kinds = {k["kind"]: k for k in response.json()}
    assert list(kinds) == list(FILE_KINDS)
    appointments = {c["header"]: c for c in kinds["chair_appointments"]["columns"]}
    assert appointments["status"]["choices"] == ["scheduled", "cancelled", "completed", "no-show"]
    assert {"INF", "CMO-SHORT", "FUP"} <= set(appointments["patient_type"]["choices"])
    assert appointments["chair"]["required"] is False and appointments["date"]["format"] == "YYYY-MM-DD"
    or_columns = [c["header"] for c in kinds["or_cases"]["columns"]]
    assert or_columns[:4] == ["index", "Encounter ID", "Date", "OR Suite"]
    assert set(kinds["nurse_capacity"]["columns"][1]) == {
        "header", "type", "type_label", "required", "meaning", "format", "choices", "minimum", "maximum", "max_length",
    }  # fmt: skip
    one = desk.get(f"{base(facility)}/import-kinds/or_cases/")
    assert one.status_code == 200 and one.json() == kinds["or_cases"]
    assert desk.get(f"{base(facility)}/import-kinds/pdf/").status_code == 404


@pytest.mark.parametrize("kind", list(FILE_KINDS))
def test_each_template_is_a_file_of_its_kind(desk, facility, kind):
    listed = {k["kind"]: k for k in desk.get(f"{base(facility)}/import-kinds/").json()}
    response = desk.get(listed[kind]["template"])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert detect_kind(rows[0]) == kind
    assert rows[0] == FILE_KINDS[kind].headers and len(rows) > 1


# --- who may do what ----------------------------------------------------------------------------


@pytest.fixture
def three_imports(facility, upload):
    """A loaded file, one with errors, and one waiting for a chair's name."""
    loaded, _ = upload(NURSES_OK)
    invalid, _ = upload(NURSES_ONE_BAD)
    waiting, _ = upload(CHAIRS_UNKNOWN)
    assert (loaded.status, invalid.status, waiting.status) == (Status.LOADED, Status.INVALID, Status.NEEDS_MAPPING)
    return loaded, invalid, waiting


def expect(role, action, ok):
    return ok if role_allows(role, action) else 403


@pytest.mark.parametrize("role", list(Role))
def test_every_endpoint_follows_the_matrix(role, facility, make_member, three_imports):
    client = token_client(make_member(facility, role))
    loaded, invalid, waiting = three_imports
    detail = imports_url(facility, f"{loaded.pk}/")
    view, upload_, download = Action.IMPORT_VIEW, Action.IMPORT_UPLOAD, Action.IMPORT_DOWNLOAD

    reads = {
        imports_url(facility): view,
        detail: view,
        f"{detail}problems/": view,
        f"{detail}report/": view,
        f"{detail}history/": view,
        f"{detail}file/": download,
        f"{base(facility)}/import-kinds/": view,
        f"{base(facility)}/import-kinds/nurse_capacity/": view,
        f"{base(facility)}/import-kinds/nurse_capacity/template/": view,
    }
    for url, needed in reads.items():
        response = client.get(url)
        assert response.status_code == expect(role, needed, 200), (url, response.status_code)
        if response.status_code == 403:
            assert response.json()["code"] == "permission_denied"

    uploaded = post_file(client, facility, NURSES + "2025-04-01,3,3\r\n")
    assert uploaded.status_code == expect(role, upload_, 202)
    assert Import.objects.filter(facility=facility).count() == 3 + (uploaded.status_code == 202)

    resolved = client.post(
        imports_url(facility, f"{waiting.pk}/resolve/"),
        {"resolutions": [{"name": "Chair 9", "create": True}]},
        format="json",
    )
    assert resolved.status_code == expect(role, upload_, 202)
    waiting.refresh_from_db()
    assert (waiting.status == Status.QUEUED) is (resolved.status_code == 202)

    asked = client.post(imports_url(facility, f"{invalid.pk}/load-valid-rows/"))
    assert asked.status_code == expect(role, upload_, 202)
    invalid.refresh_from_db()
    assert invalid.load_valid_rows is (asked.status_code == 202)


def test_analysts_read_reports_but_change_and_download_nothing(facility, make_member, three_imports):
    analyst = token_client(make_member(facility, Role.ANALYST))
    loaded, invalid, waiting = three_imports
    assert analyst.get(imports_url(facility, f"{invalid.pk}/report/")).status_code == 200
    assert analyst.get(imports_url(facility, f"{invalid.pk}/problems/")).json()["count"] == 1
    refused = analyst.get(imports_url(facility, f"{loaded.pk}/file/"))
    assert refused.status_code == 403
    assert refused.json()["action"] == "import.download" and refused.json()["role"] == "analyst"
    assert post_file(analyst, facility, NURSES + "2025-04-01,3,3\r\n").status_code == 403


def detail_routes(facility, record_id) -> list[tuple[str, str, dict | None]]:
    detail = imports_url(facility, f"{record_id}/")
    return [
        ("get", detail, None),
        ("get", f"{detail}problems/", None),
        ("get", f"{detail}report/", None),
        ("get", f"{detail}file/", None),
        ("get", f"{detail}history/", None),
        ("post", f"{detail}resolve/", {"resolutions": [{"name": "Chair 9", "create": True}]}),
        ("post", f"{detail}load-valid-rows/", None),
    ]


def test_another_facilitys_import_is_not_found_on_every_route(
    api_client, facility, other_facility, make_member, upload, imports_dir
):
    theirs, _ = upload(CHAIRS_UNKNOWN, to=other_facility, actor=make_member(other_facility, Role.SCHEDULER))
    before = Import.history.filter(id=theirs.pk).count()
    # Their id under my facility, and their facility itself.
    routes = detail_routes(facility, theirs.pk) + detail_routes(other_facility, theirs.pk)
    routes += [("get", imports_url(other_facility), None), ("get", f"{base(other_facility)}/import-kinds/", None)]
    for method, url, body in routes:
        response = getattr(api_client, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["code"] == "not_found"
    refused = post_file(api_client, other_facility, NURSES_OK)
    assert refused.status_code == 404
    assert api_client.get(imports_url(facility)).json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.status == Status.NEEDS_MAPPING and Import.history.filter(id=theirs.pk).count() == before
    assert Import.objects.count() == 1


def test_a_clinician_is_refused_everywhere_and_a_stranger_finds_nothing(
    facility, other_facility, make_member, three_imports
):
    loaded, _, _ = three_imports
    clinician = token_client(make_member(facility, Role.CLINICIAN))
    stranger = token_client(make_member(other_facility, Role.ADMIN))
    for method, url, body in [
        *detail_routes(facility, loaded.pk),
        ("get", imports_url(facility), None),
        ("get", f"{base(facility)}/import-kinds/", None),
        ("get", f"{base(facility)}/import-kinds/or_cases/template/", None),
    ]:
        assert getattr(clinician, method)(url, body, format="json").status_code == 403, url
        assert getattr(stranger, method)(url, body, format="json").status_code == 404, url
    assert post_file(clinician, facility, NURSES_OK).status_code == 403
    assert post_file(stranger, facility, NURSES_OK).status_code == 404


def test_a_raw_file_gone_from_storage_is_not_found(desk, facility, imports_dir):
    record = Import.objects.get(pk=post_file(desk, facility, NURSES_OK).json()["id"])
    (imports_dir / record.stored_name).unlink()
    response = desk.get(imports_url(facility, f"{record.pk}/file/"))
    assert response.status_code == 404 and response.json()["detail"] == "The uploaded file not found."


def test_an_id_that_cannot_be_one_is_not_found(desk, facility):
    for tail in ("abc/", "0/", "99999999999999999999999/", "1.5/problems/"):
        assert desk.get(imports_url(facility, tail)).status_code == 404, tail


def test_without_credentials_nothing_is_answered(client, facility):
    assert client.get(imports_url(facility)).status_code == 401
    assert client.post(imports_url(facility), {}).status_code == 401


def test_a_signed_in_browser_uploads_with_its_csrf_token(facility, uploader):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(uploader)
    browser.get(f"/f/{facility.slug}/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    body = {"file": SimpleUploadedFile("march.csv", NURSES_OK.encode(), content_type="text/csv")}

    refused = browser.post(imports_url(facility), body)
    assert refused.status_code == 403 and not Import.objects.exists()
    body["file"].seek(0)
    response = browser.post(imports_url(facility), body, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 202, response.content
    assert Import.objects.get().original_name == "march.csv"
