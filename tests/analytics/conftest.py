"""The January OR file and generated chair history, loaded through the import service as a
facility's staff would, then aggregated as the nightly run does."""

import datetime as dt

import pytest

from analytics import services
from tests.imports.conftest import OR_FILE, theatres, upload, uploader  # noqa: F401 - fixtures

JANUARY = (dt.date(2022, 1, 1), dt.date(2022, 1, 31))


@pytest.fixture
def january(facility, upload, theatres):  # noqa: F811
    """The facility, in New York, with the January file loaded and aggregated."""
    facility.time_zone = "America/New_York"
    facility.save()
    record, _ = upload(OR_FILE.read_bytes(), name=OR_FILE.name)
    assert record.status == "loaded", record.message
    services.aggregates_backfill(facility=facility, first=JANUARY[0], last=JANUARY[1])
    return facility
