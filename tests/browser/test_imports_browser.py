"""Uploading a file in a real browser, loaded by a real Celery worker as in production: the
scheduler drops or picks a 50,000-row chair appointments file, the import's page shows a live
progress bar (htmx polling) that moves and then stops at Loaded, and the page lists the rows."""

import csv
import datetime as dt
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from analytics import selectors as analytics
from config.celery import app as celery_app
from imports.models import Import, Status
from scheduling.models import ResourceKind, Role
from tests.celery_worker import celery_worker
from tests.factories import FacilityFactory, MembershipFactory, ResourceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 50_000
CHAIRS = [f"Chair {number:02d}" for number in range(1, 13)]
# Small chunks in the worker so the counters move several times a second, as they do for a
# file of millions of rows with the default chunk size.
WORKER_CHUNK_ROWS = 2_000


def chair_appointments_file(path: Path) -> Path:
    """Fictitious appointments: ids, encounters, a day in 2025, a chair, and valid codes."""
    first_day = dt.date(2025, 1, 6)
    categories = [("short", "INF", 45), ("medium", "CMO-SHORT", 120), ("long", "CMO-LONG", 300), ("short", "FUP", 30)]
    statuses = ["completed", "completed", "completed", "cancelled", "no-show", "scheduled"]
    with path.open("w", newline="") as sink:
        writer = csv.writer(sink)
        writer.writerow(["appointment_id", "encounter_id", "date", "chair", "regimen_category", "patient_type",
                         "scheduled_chair_minutes", "status"])  # fmt: skip
        for number in range(ROWS):
            category, patient_type, minutes = categories[number % len(categories)]
            writer.writerow([
                f"BRW-A{number:06d}", f"BRW-E{number:06d}", first_day + dt.timedelta(days=number // 40),
                CHAIRS[number % len(CHAIRS)] if number % 9 else "", category, patient_type, minutes,
                statuses[number % len(statuses)],
            ])  # fmt: skip
    return path


@pytest.fixture
def clinic(tmp_path, settings):
    facility = FacilityFactory(name="Larkspur Infusion Centre", slug="larkspur", time_zone="Europe/Dublin")
    MembershipFactory(facility=facility, user=UserFactory(username="desk-imogen"), role=Role.SCHEDULER)
    for name in CHAIRS:
        ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=name)
    # The live server (this process) and the worker keep raw files in the same place.
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media / "imports")},
        },
    }
    return facility, media


@pytest.fixture
def worker(clinic, tmp_path, celery_broker):
    """A Celery worker process on the live broker (this run's Redis db) and the test database."""
    _, media = clinic
    celery_broker(settings.REDIS_URL)  # tasks go over the broker, not eagerly
    env = {"MEDIA_ROOT": str(media), "IMPORTS_CHUNK_ROWS": str(WORKER_CHUNK_ROWS)}
    with celery_worker(tmp_path, name="imports-browser", env=env) as (process, log):
        deadline = time.monotonic() + 20
        while not celery_app.control.ping(timeout=0.5):
            assert process.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker did not start:\n" + log.read_text(errors="replace")
        yield process, log


def test_an_uploaded_file_shows_a_live_progress_bar_until_it_is_loaded(clinic, worker, log_in, tmp_path):
    facility, _ = clinic
    big = chair_appointments_file(tmp_path / "larkspur-appointments-2025.csv")
    page = log_in("desk-imogen")

    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", name="Upload a CSV file")).to_be_visible()
    assert page.evaluate("typeof window.htmx") == "object", "htmx did not load (static files?)"

    # Dropping a file on the zone chooses it (the picker does the same without script).
    dropped = page.evaluate_handle(
        "() => { const dropped = new DataTransfer();"
        " dropped.items.add(new File(['a,b\\n'], 'dropped.csv', {type: 'text/csv'})); return dropped; }"
    )
    page.dispatch_event("[data-drop-zone]", "drop", {"dataTransfer": dropped})
    expect(page.locator("[data-drop-zone-chosen]")).to_have_text("dropped.csv (4 bytes)")
    assert page.evaluate("document.querySelector('input[type=file]').files[0].name") == "dropped.csv"

    page.locator("input[type=file]").set_input_files(str(big))
    expect(page.locator("[data-drop-zone-chosen]")).to_contain_text("larkspur-appointments-2025.csv")
    expect(page.get_by_label("Kind of file")).to_have_value("")  # detected from the header
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(re.compile(r"/f/larkspur/imports/\d+/$"))
    record = Import.objects.get(facility=facility)
    assert record.kind == "chair_appointments"

    # Watch the bar as a person would, until the page says Loaded.
    seen_values, saw_bar = [], False
    badge = page.locator("#import-status .import-status")
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            bar = page.locator("#import-status progress")
            if bar.count():
                saw_bar = True
                value = bar.get_attribute("value", timeout=500)
                if value is not None:
                    seen_values.append(int(value))
            if badge.inner_text(timeout=500) == "Loaded":
                break
        except PlaywrightError:
            pass  # the block was being swapped or the page reloaded: look again
        time.sleep(0.1)
    else:
        record.refresh_from_db()
        pytest.fail(f"never Loaded: {record.status} {record.message} (bars seen: {seen_values})")

    assert saw_bar, "no progress bar was shown while the worker was on the file"
    assert any(0 < value < 100 for value in seen_values), seen_values
    assert seen_values == sorted(seen_values), "the bar went backwards"

    # The final page: no bar, no polling, the counters and the message.
    expect(page.locator("#import-status progress")).to_have_count(0)
    assert page.locator("[hx-trigger]").count() == 0
    expect(page.locator("#import-status")).to_contain_text(f"Loaded all {ROWS} rows.")
    expect(page.locator('[data-counter="rows_read"]')).to_have_text(str(ROWS))
    expect(page.locator('[data-counter="rows_inserted"]')).to_have_text(str(ROWS))
    expect(page.get_by_text("No problem was found in this file.")).to_be_visible()
    assert analytics.fact_count(kind="chair_appointments", facility_id=facility.pk) == ROWS
    record.refresh_from_db()
    assert (record.status, record.rows_loaded) == (Status.LOADED, ROWS)

    page.get_by_role("link", name="all imports").click()
    row = page.locator("table.imports tbody tr").first
    expect(row).to_contain_text("larkspur-appointments-2025.csv")
    expect(row).to_contain_text("Loaded")
    expect(row.locator("td").nth(3)).to_have_text(str(ROWS))
    assert page.console_errors == []
