"""The January OR file and generated chair history, loaded through the import service as a
facility's staff would, then aggregated as the nightly run does."""

import datetime as dt

import pytest

from analytics import services
from scheduling.models import ResourceKind
from tests.factories import ResourceFactory
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


CHAIR_START = dt.date(2026, 3, 2)  # a Monday
CHAIR_DAYS = 28
CHAIR_TODAY = dt.date(2026, 3, 23)  # days from here on are future: scheduled, no actual times


@pytest.fixture
def chair_history(facility, upload, tmp_path):  # noqa: F811
    """Four weeks of generated chair history for 10 chairs (the last week still to come) loaded
    through the import service, then aggregated. Returns (facility, files): ``files`` maps each
    kind to its CSV path, for the pandas recomputations."""
    from imports.generate import ChairSetup, chair_names, write_files

    setup = ChairSetup(chairs=chair_names(10))
    for name in setup.chairs:
        ResourceFactory(facility=facility, kind=ResourceKind.CHAIR, name=name)
    written = write_files(
        tmp_path / "chairs",
        seed=11,
        start=CHAIR_START,
        today=CHAIR_TODAY,
        setup=setup,
        kinds=("chair_appointments", "chair_times", "nurse_capacity"),
        days=CHAIR_DAYS,
    )
    for kind in ("chair_appointments", "chair_times", "nurse_capacity"):
        record, _ = upload(written[kind].path.read_bytes(), name=written[kind].path.name, kind=kind)
        assert record.status == "loaded", (kind, record.message)
    services.aggregates_backfill(
        facility=facility, first=CHAIR_START, last=CHAIR_START + dt.timedelta(days=CHAIR_DAYS - 1)
    )
    return facility, {kind: entry.path for kind, entry in written.items()}
