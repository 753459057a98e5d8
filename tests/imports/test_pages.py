"""The imports pages through Django's test client, as a scheduler and an analyst use them: the
list and upload form, an import's page with its progress, names to resolve, loading the valid
rows and the problems report, and the downloads. Roles and facilities are checked on every URL."""

import csv
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from analytics import selectors as analytics
from imports.formats import FILE_KINDS, template_csv
from imports.models import Import, ResourceMapping, Status
from scheduling.models import ResourceKind, Role, SchedulableResource
from tests.factories import ResourceFactory
from tests.imports.conftest import OR_FILE

pytestmark = pytest.mark.django_db

NURSES = "date,nurses_available,max_chairs_supported\n2026-03-02,6,14\n2026-03-03,5,12\n"
NURSES_ONE_BAD = NURSES + "2026-03-04,many,12\n"
HYPERLINK = '=HYPERLINK("http://evil.invalid/?q=1","<b>click</b>")'


@pytest.fixture
def browser_of(db):
    def sign_in(member, **options):
        client = Client(**options)
        client.force_login(member)
        return client

    return sign_in


@pytest.fixture
def desk(uploader, browser_of):
    """The scheduler who uploads (``uploader`` of tests/imports/conftest.py), signed in."""
    return browser_of(uploader)


def url(facility, tail: str = "") -> str:
    return f"/f/{facility.slug}/imports/{tail}"


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def post_file(client, facility, content, *, name="file.csv", kind="", load_valid_rows=False, capture=None):
    data = content.encode() if isinstance(content, str) else content
    form = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "kind": kind}
    if load_valid_rows:
        form["load_valid_rows"] = "on"
    if capture is None:
        return client.post(url(facility, "upload/"), form)
    with capture(execute=True):  # the task runs when the upload commits, as a worker would
        return client.post(url(facility, "upload/"), form)


def stored_files(imports_dir) -> list:
    return [path for path in imports_dir.rglob("*") if path.is_file()] if imports_dir.exists() else []


# --- access -----------------------------------------------------------------------------------


def every_url(facility, record) -> dict[str, list[str]]:
    one = url(facility, f"{record.pk}/")
    return {
        "read": [
            url(facility),
            one,
            one + "progress/",
            one + "report.csv",
            url(facility, "templates/nurse_capacity.csv"),
        ],
        "upload_get": [one + "load-valid-rows/"],
        "upload_post": [url(facility, "upload/"), one + "resolve/", one + "load-valid-rows/"],
        "download": [one + "file/"],
    }


def test_roles_on_every_imports_page_and_action(facility, upload, browser_of, make_member, desk):
    record, _ = upload(NURSES_ONE_BAD)
    assert record.status == Status.INVALID
    urls = every_url(facility, record)

    for address in urls["read"] + urls["upload_get"] + urls["download"]:
        assert desk.get(address).status_code == 200, address

    analyst = browser_of(make_member(facility, Role.ANALYST))
    for address in urls["read"]:
        assert analyst.get(address).status_code == 200, address
    for address in urls["upload_get"] + urls["download"]:
        assert analyst.get(address).status_code == 403, address
    for address in urls["upload_post"]:
        assert analyst.post(address, {"action": "create_all"}).status_code == 403, address
    home = analyst.get(url(facility)).content.decode()
    assert "Upload a CSV file" not in home and "nurse_capacity.csv" in home
    detail = analyst.get(url(facility, f"{record.pk}/")).content.decode()
    assert "Download the report (CSV)" in detail
    assert "Download the file as uploaded" not in detail and "Load the 2 valid rows" not in detail

    clinician = browser_of(make_member(facility, Role.CLINICIAN))
    for address in urls["read"] + urls["upload_get"] + urls["download"]:
        assert clinician.get(address).status_code == 403, address
    for address in urls["upload_post"]:
        assert clinician.post(address).status_code == 403, address

    anonymous = Client()
    for address in urls["read"]:
        response = anonymous.get(address)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), address

    record.refresh_from_db()
    assert record.status == Status.INVALID and not record.load_valid_rows
    assert Import.objects.count() == 1


def test_another_facility_never_sees_these_imports(facility, other_facility, upload, browser_of, make_member):
    record, _ = upload(NURSES_ONE_BAD)
    urls = every_url(facility, record)
    stranger = browser_of(make_member(other_facility, Role.ADMIN))
    for address in urls["read"] + urls["upload_get"] + urls["download"]:
        assert stranger.get(address).status_code == 404, address
    for address in urls["upload_post"]:
        assert stranger.post(address).status_code == 404, address

    # Under their own facility, the id of this facility's import does not exist either.
    theirs = every_url(other_facility, record)
    assert stranger.get(url(other_facility)).status_code == 200
    assert record.original_name not in stranger.get(url(other_facility)).content.decode()
    for address in theirs["read"][1:4] + theirs["upload_get"] + theirs["download"]:
        assert stranger.get(address).status_code == 404, address
    for address in theirs["upload_post"][1:]:
        assert stranger.post(address, {"action": "create_all"}).status_code == 404, address
    record.refresh_from_db()
    assert record.status == Status.INVALID


def test_the_navigation_links_imports_for_those_who_may_see_them(facility, browser_of, make_member, desk):
    link = f'href="{url(facility)}"'
    assert link in desk.get(f"/f/{facility.slug}/").content.decode()
    assert link in browser_of(make_member(facility, Role.ANALYST)).get(f"/f/{facility.slug}/").content.decode()
    clinician_home = browser_of(make_member(facility, Role.CLINICIAN)).get(f"/f/{facility.slug}/").content.decode()
    assert link not in clinician_home and ">Imports<" not in clinician_home


# --- the upload page ----------------------------------------------------------------------------


def test_the_upload_page_offers_every_kind_its_template_and_columns(facility, desk):
    page = desk.get(url(facility)).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert '<option value="" selected>Detect from the header</option>' in page
    checkbox = re.search(r'<input type="checkbox" name="load_valid_rows"[^>]*>', page).group(0)
    assert "checked" not in checkbox
    for kind, spec in FILE_KINDS.items():
        assert url(facility, f"templates/{kind}.csv") in page
        for column in spec.columns:
            assert f"<code>{column.header}</code>" in page

    response = desk.get(url(facility, "templates/or_cases.csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="careslot-or-cases-template.csv"'
    assert response.content.decode() == template_csv("or_cases")
    assert desk.get(url(facility, "templates/patients.csv")).status_code == 404


def test_the_january_or_file_uploaded_through_the_page_loads(
    facility, desk, theatres, django_capture_on_commit_callbacks
):
    facility.time_zone = "America/New_York"
    facility.save()
    response = post_file(
        desk, facility, OR_FILE.read_bytes(), name=OR_FILE.name, capture=django_capture_on_commit_callbacks
    )

    record = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == url(facility, f"{record.pk}/")
    assert (record.status, record.kind, record.original_name) == (Status.LOADED, "or_cases", OR_FILE.name)
    assert analytics.fact_count(kind="or_cases", facility_id=facility.pk) == 686

    page = desk.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Loaded all 686 rows." in text
    assert '<dd data-counter="rows_read">686</dd>' in text
    assert '<dd data-counter="rows_inserted">686</dd>' in text
    assert record.sha256 in text
    assert "hx-trigger" not in text  # final: nothing polls
    assert "No problem was found in this file." in text
    listing = desk.get(url(facility)).content.decode()
    assert OR_FILE.name in listing and "import-status-loaded" in listing
    row = re.search(rf"<tr>\s*<td class=\"num\">{record.pk}</td>.*?</tr>", listing, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == [str(record.pk), "686", "686", "0"]
    assert "by " + record.uploaded_by.get_username() in row
    assert (
        "03 Jan 2022" not in row
        and timezone.localtime(record.uploaded_at, ZoneInfo("America/New_York")).strftime("%d %b %Y %H:%M") in row
    )


def test_the_same_bytes_again_say_which_import_they_are(facility, desk, uploader, django_capture_on_commit_callbacks):
    post_file(desk, facility, NURSES, name="march.csv", capture=django_capture_on_commit_callbacks)
    first = Import.objects.get()
    assert messages_of(desk.get(url(facility, f"{first.pk}/"))) == ["march.csv is uploaded: it is being checked now."]

    response = post_file(desk, facility, NURSES, name="march-again.csv", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == url(facility, f"{first.pk}/")
    page = desk.get(response["Location"])
    [message] = messages_of(page)
    assert message.startswith(f"These bytes were uploaded already as import #{first.pk} on ")
    assert f"by {uploader.get_username()}" in message
    assert Import.objects.count() == 1


def test_a_rejected_header_is_explained_by_the_file_field_and_nothing_is_kept(facility, desk, imports_dir):
    response = post_file(desk, facility, "date;nurses_available;max_chairs_supported\n2026-03-02;6;14\n")

    assert response.status_code == 400
    text = response.content.decode()
    error = re.search(r'<p class="field-error import-file-error" id="file-error" role="alert">(.*?)</p>', text, re.S)
    assert error, text
    assert "delimit" in error.group(1).lower() or "semicolon" in error.group(1).lower(), error.group(1)
    assert not Import.objects.exists()
    assert stored_files(imports_dir) == []

    # Not the kind asked for: the reason names what was expected.
    response = post_file(desk, facility, NURSES, kind="or_cases")
    assert response.status_code == 400
    assert 'id="file-error"' in response.content.decode()
    assert not Import.objects.exists() and stored_files(imports_dir) == []


def test_a_form_without_a_file_asks_for_one(facility, desk):
    response = desk.post(url(facility, "upload/"), {"kind": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_an_upload_over_the_limit_is_refused_with_413_before_the_body_is_read(facility, desk, settings, imports_dir):
    settings.IMPORTS_MAX_BYTES = 1000
    big = NURSES + "".join(f"2027-01-{day % 28 + 1:02d},5,12\n" for day in range(20_000))

    response = post_file(desk, facility, big)
    assert response.status_code == 413
    text = response.content.decode()
    assert "The file is larger than the" in text and 'id="file-error"' in text
    assert not Import.objects.exists() and stored_files(imports_dir) == []

    # A request that only claims to be large: answered from the header, the body never read.
    response = desk.post(
        url(facility, "upload/"), data=b"x", content_type="multipart/form-data; boundary=z", CONTENT_LENGTH="500000000"
    )
    assert response.status_code == 413

    # Just over the limit (within the form's slack): the service refuses it, with 413 too.
    response = post_file(desk, facility, NURSES + "x" * 1000)
    assert response.status_code == 413 and 'id="file-error"' in response.content.decode()
    assert not Import.objects.exists()


def test_the_upload_still_checks_the_csrf_token(facility, uploader, browser_of, imports_dir):
    strict = browser_of(uploader, enforce_csrf_checks=True)
    response = post_file(strict, facility, NURSES)
    assert response.status_code == 403
    assert not Import.objects.exists() and stored_files(imports_dir) == []

    page = strict.get(url(facility))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = strict.post(
        url(facility, "upload/"),
        {"csrfmiddlewaretoken": token, "file": SimpleUploadedFile("n.csv", NURSES.encode()), "kind": ""},
    )
    assert response.status_code == 302 and Import.objects.count() == 1


# --- an import's page ---------------------------------------------------------------------------


def test_the_progress_block_polls_while_active_and_reloads_the_page_once_final(
    facility, desk, django_capture_on_commit_callbacks
):
    post_file(desk, facility, NURSES)  # committed, but no worker has run it yet
    record = Import.objects.get()
    assert record.status == Status.QUEUED
    progress = url(facility, f"{record.pk}/progress/")

    page = desk.get(url(facility, f"{record.pk}/")).content.decode()
    assert f'hx-get="{progress}" hx-trigger="every 1s"' in page
    assert "<progress" in page and "Waiting for a worker" in page

    Import.objects.filter(pk=record.pk).update(status=Status.VALIDATING, bytes_read=record.size_bytes // 2, rows_read=1)
    polled = desk.get(progress, HTTP_HX_REQUEST="true")
    text = polled.content.decode()
    assert "HX-Refresh" not in polled and 'hx-trigger="every 1s"' in text
    percent = record.size_bytes // 2 * 100 // record.size_bytes
    assert re.search(rf'<progress [^>]*max="100" value="{percent}"', text), text
    assert "<html" not in text

    Import.objects.filter(pk=record.pk).update(status=Status.LOADED, message="Loaded all 2 rows.")
    polled = desk.get(progress, HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"
    assert "hx-trigger" not in polled.content.decode() and "<progress" not in polled.content.decode()


def test_unknown_suites_are_listed_then_mapped_or_created_and_the_file_loads(
    facility, desk, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    theatre = ResourceFactory(facility=facility, kind=ResourceKind.THEATRE, name="Main theatre 1")
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name="Recliner 7")
    post_file(desk, facility, OR_FILE.read_bytes(), capture=capture)
    record = Import.objects.get()
    assert record.status == Status.NEEDS_MAPPING
    detail = url(facility, f"{record.pk}/")

    page = desk.get(detail).content.decode()
    assert "OR suites this facility does not know" in page
    for name in map(str, range(1, 9)):
        assert f"Create a theatre named “{name}”" in page
    assert f'<option value="{theatre.pk}">Main theatre 1</option>' in page
    assert "Recliner 7" not in page  # a chair is not offered for a suite

    resolve = url(facility, f"{record.pk}/resolve/")
    # A chair cannot stand for a suite; a name the import does not wait for is refused.
    response = desk.post(resolve, {"name": "1", "action": "map", "resource": chair.pk})
    assert response.status_code == 400
    response = desk.post(resolve, {"name": "Theatre 99", "action": "create"})
    assert response.status_code == 400 and "Not one of the names" in response.content.decode()

    response = desk.post(resolve, {"name": "1", "action": "map", "resource": theatre.pk})
    assert response.status_code == 302
    assert "7 names left to resolve" in messages_of(desk.get(detail))[0]
    response = desk.post(resolve, {"name": "2", "action": "create"})
    assert response.status_code == 302
    with capture(execute=True):
        response = desk.post(resolve, {"action": "create_all"})
    assert response.status_code == 302

    record.refresh_from_db()
    assert record.status == Status.LOADED, record.message
    assert record.rows_loaded == 686
    assert ResourceMapping.objects.get(facility=facility, name="1").resource == theatre
    assert set(
        SchedulableResource.objects.filter(facility=facility, kind=ResourceKind.THEATRE).values_list("name", flat=True)
    ) == {"Main theatre 1", *map(str, range(2, 9))}
    facts = analytics.fact_rows(kind="or_cases", facility_id=facility.pk)
    assert {row["suite_id"] for row in facts if row["case_id"] == "10001"} == {theatre.pk}
    assert "does not know" not in desk.get(detail).content.decode()

    # A second click on a form of the page as it was: said plainly, nothing changes.
    response = desk.post(resolve, {"name": "3", "action": "create"})
    assert response.status_code == 409 and "not waiting for names any more" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Status.LOADED


def test_loading_the_valid_rows_of_a_file_with_errors_asks_first(facility, desk, django_capture_on_commit_callbacks):
    post_file(desk, facility, NURSES_ONE_BAD, capture=django_capture_on_commit_callbacks)
    record = Import.objects.get()
    assert (record.status, record.rows_read, record.rows_valid) == (Status.INVALID, 3, 2)
    detail = url(facility, f"{record.pk}/")
    confirm = url(facility, f"{record.pk}/load-valid-rows/")

    page = desk.get(detail).content.decode()
    assert f'<a href="{confirm}" role="button">Load the 2 valid rows (1 row will be left out)</a>' in page
    assert analytics.fact_count(kind="nurse_capacity", facility_id=facility.pk) == 0

    confirmation = desk.get(confirm).content.decode()
    assert "Load the 2 valid rows of file.csv?" in confirmation
    assert f'<form method="post" action="{confirm}"' in confirmation
    record.refresh_from_db()
    assert record.status == Status.INVALID  # looking at the question changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(confirm)
    assert response.status_code == 302 and response["Location"] == detail
    record.refresh_from_db()
    assert (record.status, record.rows_loaded, record.rows_left_out) == (Status.LOADED, 2, 1)
    assert analytics.fact_count(kind="nurse_capacity", facility_id=facility.pk) == 2
    page = desk.get(detail).content.decode()
    assert "Loaded 2 rows; 1 row with errors was left out." in page
    assert '<dd data-counter="rows_left_out">1</dd>' in page

    # Asked again: nothing to load, said so.
    response = desk.post(confirm)
    assert response.status_code == 409
    assert "Only a file with errors can load its valid rows" in response.content.decode()


def test_the_problems_report_escapes_formulas_and_markup(facility, desk, django_capture_on_commit_callbacks):
    content = NURSES + f'2026-03-05,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",12\n'
    post_file(desk, facility, content, capture=django_capture_on_commit_callbacks)
    record = Import.objects.get()
    assert record.status == Status.INVALID
    problem = record.problems.get()
    assert problem.value == HYPERLINK

    page = desk.get(url(facility, f"{record.pk}/")).content.decode()
    assert "&lt;b&gt;click&lt;/b&gt;" in page and "<b>click</b>" not in page

    response = desk.get(url(facility, f"{record.pk}/report.csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{record.pk}-report.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["row", "column", "value", "severity", "code", "message"]
    assert rows[1][:2] == ["4", "nurses_available"]
    assert rows[1][2] == "'" + HYPERLINK  # text in a spreadsheet, not a formula


def test_the_problems_are_paginated_and_filtered(facility, desk, django_capture_on_commit_callbacks):
    lines = [f"2026-04-{day:02d},many,{'x' if day % 2 else 3}" for day in range(1, 31)]  # 30 + 15 numbers
    lines += [f"2026/05/{day:02d},4,3" for day in range(1, 31)]  # 30 dates
    content = "date,nurses_available,max_chairs_supported\n" + "\n".join(lines) + "\n"
    post_file(desk, facility, content, capture=django_capture_on_commit_callbacks)
    record = Import.objects.get()
    assert record.problems.count() == 75
    date_code = record.problems.get(row=32).code
    number_code = record.problems.get(row=2, column="max_chairs_supported").code
    assert date_code != number_code
    detail = url(facility, f"{record.pk}/")

    def shown(query: str = "") -> tuple[int, str]:
        page = desk.get(detail + query).content.decode()
        return page.count('<tr class="problem-error">'), page

    count, first = shown()
    assert count == 50 and "Page 1 of 2 · 75 in all" in first
    assert f'<option value="{date_code}">{date_code}</option>' in first
    assert '<option value="date">date</option>' in first
    assert shown("?page=2")[0] == 25

    count, by_column = shown("?column=max_chairs_supported")
    assert count == 15 and '<option value="max_chairs_supported" selected>' in by_column
    count, by_code = shown(f"?code={number_code}")
    assert count == 45 and "45 in all" not in by_code  # one page: no pager
    count, both = shown(f"?column=nurses_available&code={date_code}")
    assert count == 0 and "No problem matches these filters." in both
    assert shown(f"?severity=error&code={number_code}")[0] == 45
    count, dates = shown(f"?code={date_code}")
    assert count == 30 and all(f'<td class="num">{line}</td>' in dates for line in range(32, 62))
    assert shown("?severity=warning")[0] == 0
    # A value the import has not got is dropped; the other filters still apply.
    assert shown("?column=nope")[0] == 50
    assert shown(f"?column=nope&code={date_code}")[0] == 30


def test_the_pages_of_problems_keep_the_filters(facility, desk, django_capture_on_commit_callbacks):
    lines = [f"2026-04-{day:02d},many,3" for day in range(1, 31)] + [f"2026-05-{day:02d},-1,3" for day in range(1, 31)]
    content = "date,nurses_available,max_chairs_supported\n" + "\n".join(lines) + "\n"
    post_file(desk, facility, content, capture=django_capture_on_commit_callbacks)
    record = Import.objects.get()
    detail = url(facility, f"{record.pk}/")
    page = desk.get(detail + "?column=nurses_available&severity=error").content.decode()
    assert "Page 1 of 2 · 60 in all" in page
    assert "?severity=error&amp;column=nurses_available&amp;page=2#problems" in page
    assert (
        desk.get(detail + "?severity=error&column=nurses_available&page=2")
        .content.decode()
        .count('<tr class="problem-error">')
        == 10
    )


def test_the_file_as_uploaded_downloads_byte_for_byte_under_a_safe_name(
    facility, desk, django_capture_on_commit_callbacks
):
    content = NURSES.replace("\n", "\r\n").encode()
    post_file(
        desk, facility, content, name='..\\..\\etc/"bad";name\r\n.txt', capture=django_capture_on_commit_callbacks
    )
    record = Import.objects.get()

    response = desk.get(url(facility, f"{record.pk}/file/"))
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "text/csv"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert "/" not in disposition and "\\" not in disposition and "\r" not in disposition and ";name" not in disposition
    assert disposition.endswith('.csv"'), disposition
