"""The booking form suggests how long the chosen type will really take on the chosen chair or
theatre, with its basis (``analytics.estimates``): learned from the facility's chair history or
its OR cases, "no history yet" without them. Whoever books sees it, analytics access or not."""

import pandas as pd
import pytest
from django.test import Client
from django.utils.html import strip_tags

from analytics.models import AppointmentTypeMapping
from scheduling.models import ResourceKind, Role
from tests.analytics.conftest import CHAIR_TODAY, chair_history, january  # noqa: F401 - fixtures
from tests.factories import AppointmentTypeFactory, ResourceFactory
from tests.imports.conftest import OR_FILE, theatres, upload, uploader  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

FMT = "%m/%d/%y %I:%M %p"


@pytest.fixture
def clinician(facility, make_member):
    """Books, but has no analytics access."""
    client = Client()
    client.force_login(make_member(facility, Role.CLINICIAN))
    return client


def suggestion(client, facility, *, appointment_type, resource) -> str:
    response = client.get(
        f"/f/{facility.slug}/bookings/duration/", {"appointment_type": appointment_type.pk, "resource": resource.pk}
    )
    assert response.status_code == 200
    return " ".join(strip_tags(response.content.decode()).split())


def mapped_type(facility, minutes: int, **mapping):
    kind = AppointmentTypeFactory(facility=facility, default_minutes=minutes)
    AppointmentTypeMapping.objects.create(facility=facility, appointment_type=kind, **mapping)
    return kind


def test_the_form_asks_for_the_suggestion_next_to_the_type(facility, clinician):
    page = clinician.get(f"/f/{facility.slug}/bookings/new/").content.decode()
    assert f'hx-get="/f/{facility.slug}/bookings/duration/"' in page
    assert 'aria-live="polite"' in page and 'aria-labelledby="duration-suggestion-label"' in page
    assert "change from:#id_appointment_type" in page and 'hx-include="#id_resource, #id_appointment_type"' in page


def test_a_chair_type_with_history_is_suggested_its_median_ratio(chair_history, clinician):  # noqa: F811
    facility, files = chair_history
    appointments = pd.read_csv(files["chair_appointments"])
    done = appointments[appointments["status"] == "completed"].merge(pd.read_csv(files["chair_times"]))
    done = done[(done["patient_type"] == "CMO-LONG") & (pd.to_datetime(done["date"]).dt.date < CHAIR_TODAY)]
    ratio = (done["total_chair_minutes"] / done["scheduled_chair_minutes"]).median()
    chemo = mapped_type(facility, 300, regimen_category="long", patient_type="CMO-LONG")
    chair = ResourceFactory._meta.model.objects.get(facility=facility, name="Chair 1")

    text = suggestion(clinician, facility, appointment_type=chemo, resource=chair)

    expected = int(300 * ratio + 0.5)
    assert (
        f"Suggested {expected} min — booked 300 min × {ratio:.3f}, the median actual ÷ booked chair time "
        f"of {len(done)} past appointments (long regimens, type CMO-LONG)"
    ) in text
    assert "(this type books 300 min)" in text


def test_without_history_the_basis_says_so(facility, clinician):
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR)
    infusion = mapped_type(facility, 45, regimen_category="short", patient_type="INF")

    text = suggestion(clinician, facility, appointment_type=infusion, resource=chair)

    assert "Suggested 45 min — booked time: no history yet" in text
    assert "this type books" not in text


def test_a_theatre_type_mapped_to_a_procedure_of_the_january_file_is_suggested_its_median(january, clinician):  # noqa: F811
    cases = pd.read_csv(OR_FILE, dtype={"CPT Code": str})
    bunions = cases[cases["CPT Code"] == "28296"]
    in_room = pd.to_datetime(bunions["Wheels Out"], format=FMT) - pd.to_datetime(bunions["Wheels In"], format=FMT)
    median = in_room.dt.total_seconds().div(60).median()
    bunionectomy = mapped_type(january, 120, service="Podiatry", procedure_code="28296")
    theatre = ResourceFactory._meta.model.objects.get(facility=january, name="1")

    text = suggestion(clinician, january, appointment_type=bunionectomy, resource=theatre)

    assert (
        f"Suggested {int(median + 0.5)} min — median of {len(bunions)} past cases of CPT 28296 "
        "(Bunionectomy with distal osteotomy)"
    ) in text
    assert "(this type books 120 min)" in text


def test_no_suggestion_for_other_resources_or_another_facilitys_type(facility, other_facility, clinician):
    doctor = ResourceFactory(facility=facility, kind=ResourceKind.PRACTITIONER)
    chair = ResourceFactory(facility=facility, kind=ResourceKind.CHAIR)
    visit = mapped_type(facility, 30)
    foreign = mapped_type(other_facility, 30)

    for kind, resource in ((visit, doctor), (foreign, chair)):
        text = suggestion(clinician, facility, appointment_type=kind, resource=resource)
        assert "Suggested" not in text and "shown for a type booked on a chair or theatre" in text


def test_an_analyst_who_cannot_book_is_refused(facility, make_member):
    analyst = Client()
    analyst.force_login(make_member(facility, Role.ANALYST))
    assert analyst.get(f"/f/{facility.slug}/bookings/duration/").status_code == 403
