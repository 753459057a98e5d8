"""The public January 2022 OR file, as OptiOR's users have it, loads unedited: the row count and
totals match what pandas computes from the same file."""

import pandas as pd
import pytest

from analytics import selectors as analytics
from imports.models import Status
from tests.imports.conftest import OR_FILE

pytestmark = pytest.mark.django_db


def test_the_january_file_loads_as_it_is(upload, theatres, facility):
    facility.time_zone = "America/New_York"
    facility.save()
    record, created = upload(OR_FILE.read_bytes(), name=OR_FILE.name)

    assert created and record.kind == "or_cases"
    assert record.status == Status.LOADED, (record.message, list(record.problems.values("row", "message")[:5]))
    expected = pd.read_csv(OR_FILE, dtype={"Encounter ID": str})
    assert record.rows_read == record.rows_loaded == record.rows_inserted == len(expected) == 686
    assert record.error_count == 0
    facts = pd.DataFrame(list(analytics.fact_rows(kind="or_cases", facility_id=facility.pk)))
    assert len(facts) == len(expected)
    assert facts["booked_minutes"].sum() == expected["Booked Time (min)"].sum()
    fmt = "%m/%d/%y %I:%M %p"
    wheels_in, wheels_out = (pd.to_datetime(expected[name], format=fmt) for name in ("Wheels In", "Wheels Out"))
    in_room = (wheels_out - wheels_in).sum()
    assert (facts["wheels_out"] - facts["wheels_in"]).sum() == in_room
    assert set(facts["case_id"]) == set(expected["Encounter ID"])
    first = facts.set_index("case_id").loc["10001"]
    assert first["wheels_in"].isoformat() == "2022-01-03T12:05:00+00:00"  # 07:05 in New York, in winter
    assert first["suite_id"] == theatres["1"].pk


def test_the_same_file_again_is_recognised_and_a_corrected_one_updates(upload, theatres, facility):
    first, _ = upload(OR_FILE.read_bytes())
    again, created = upload(OR_FILE.read_bytes(), name="copy.csv")
    assert not created and again.pk == first.pk

    corrected = OR_FILE.read_text().replace(",90,01/03/22 07:00 AM", ",95,01/03/22 07:00 AM", 1)
    second, created = upload(corrected, name="corrected.csv")
    assert created and second.status == Status.LOADED
    assert (second.rows_inserted, second.rows_updated) == (0, 686)
    assert analytics.fact_count(kind="or_cases", facility_id=facility.pk) == 686
