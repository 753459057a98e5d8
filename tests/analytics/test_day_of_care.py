"""A facility that books in CareSlot needs no CSV: chair and theatre bookings become the same
facts as imported rows (``analytics.services.day_of_care_sync``), and the aggregates see them."""

import pytest

from analytics import metrics, services
from analytics.models import AppointmentTypeMapping, ChairAppointment, ChairTime, Source, SurgicalCase
from booking import services as booking
from booking.models import Status
from scheduling.models import Role
from tests.booking.conftest import clinic  # noqa: F401 - fixture
from tests.factories import AppointmentTypeFactory

pytestmark = pytest.mark.django_db


def book(clinic, user, start: str, end: str, resource, *, appointment_type=None, patient=0):  # noqa: F811
    return booking.booking_create(
        facility=clinic.facility,
        actor=user,
        actor_role=Role.ADMIN,
        request=booking.BookingRequest(
            patient_id=clinic.patients[patient].pk,
            appointment_type_id=(appointment_type or clinic.visit).pk,
            start=clinic.at(start),
            end=clinic.at(end),
            resources=(booking.ResourceRequest(resource.pk),),
        ),
    )


def treat(clinic, user, record, *, began: str, ended: str):  # noqa: F811
    """Checks in, starts and completes ``record`` at the clinic's wall-clock times given."""
    for status, at in ((Status.CHECKED_IN, began), (Status.IN_PROGRESS, began), (Status.COMPLETED, ended)):
        booking.booking_transition(
            facility=clinic.facility, actor=user, booking_id=record.pk, to_status=status, now=clinic.at(at)
        )


def sync(clinic):  # noqa: F811
    day = clinic.at("12:00").date()
    return services.aggregates_rebuild(facility=clinic.facility, first=day, last=day)


def test_a_completed_chair_booking_becomes_an_appointment_with_its_actual_time(clinic, user):  # noqa: F811
    infusion = AppointmentTypeFactory(
        facility=clinic.facility, code="cmo-long", name="Chemo, long", default_minutes=240
    )
    AppointmentTypeMapping.objects.create(
        facility=clinic.facility, appointment_type=infusion, regimen_category="long", patient_type="CMO-LONG"
    )
    record = book(clinic, user, "09:00", "13:00", clinic.chair, appointment_type=infusion)
    treat(clinic, user, record, began="09:10", ended="13:40")

    assert sync(clinic)["chair_appointments"] == 1
    fact = ChairAppointment.objects.get(facility=clinic.facility)
    assert (fact.appointment_id, fact.source, fact.status) == (f"careslot-{record.pk}", Source.APP, "completed")
    assert (fact.chair_id, fact.chair_name, fact.scheduled_minutes) == (clinic.chair.pk, "Chair 01", 240)
    assert (fact.regimen_category, fact.patient_type, fact.date) == ("long", "CMO-LONG", clinic.at("09:00").date())
    time = ChairTime.objects.get(facility=clinic.facility, encounter_id=fact.encounter_id)
    assert time.total_minutes == 270 and time.actual_start == clinic.at("09:10")

    day = fact.date
    (variance,) = metrics.chair_variance(facility=clinic.facility, first=day, last=day)
    assert (variance["regimen_category"], variance["mean_difference"]) == ("long", 30.0)
    (chairs,) = metrics.chair_days(facility=clinic.facility, first=day, last=day)
    assert (chairs["used_minutes"], chairs["demand_minutes"], chairs["completed"]) == (270, 240, 1)


def test_an_unmapped_type_counts_as_a_medium_regimen_of_type_misc(clinic, user):  # noqa: F811
    book(clinic, user, "10:00", "10:30", clinic.chair)
    sync(clinic)
    fact = ChairAppointment.objects.get(facility=clinic.facility)
    assert (fact.regimen_category, fact.patient_type, fact.status) == ("medium", "MISC", "scheduled")
    assert not ChairTime.objects.filter(facility=clinic.facility).exists()


def test_cancelling_or_rescheduling_changes_the_fact_on_the_next_sync(clinic, user):  # noqa: F811
    first = book(clinic, user, "09:00", "09:30", clinic.chair)
    second = book(clinic, user, "10:00", "10:30", clinic.chair, patient=1)
    sync(clinic)
    assert ChairAppointment.objects.filter(facility=clinic.facility).count() == 2

    booking.booking_transition(
        facility=clinic.facility, actor=user, booking_id=first.pk, to_status=Status.CANCELLED, reason="Unwell"
    )
    moved = booking.booking_reschedule(
        facility=clinic.facility,
        actor=user,
        actor_role=Role.ADMIN,
        booking_id=second.pk,
        start=clinic.at("11:00"),
        end=clinic.at("11:30"),
    )
    sync(clinic)
    facts = dict(ChairAppointment.objects.filter(facility=clinic.facility).values_list("appointment_id", "status"))
    assert facts == {f"careslot-{first.pk}": "cancelled", f"careslot-{moved.pk}": "scheduled"}
    (chairs,) = metrics.chair_days(
        facility=clinic.facility, first=clinic.at("09:00").date(), last=clinic.at("09:00").date()
    )
    assert (chairs["appointments"], chairs["cancelled"], chairs["demand_minutes"]) == (2, 1, 30)


def test_a_completed_theatre_booking_becomes_a_surgical_case_of_its_mapped_procedure(clinic, user):  # noqa: F811
    bunion = AppointmentTypeFactory(facility=clinic.facility, code="bunion", name="Bunionectomy", default_minutes=120)
    AppointmentTypeMapping.objects.create(
        facility=clinic.facility,
        appointment_type=bunion,
        service="Podiatry",
        procedure_code="28296",
        procedure_description="Bunionectomy with distal osteotomy",
    )
    record = book(clinic, user, "08:00", "10:00", clinic.theatre, appointment_type=bunion)
    not_done = book(clinic, user, "10:30", "11:30", clinic.theatre, appointment_type=bunion, patient=1)
    treat(clinic, user, record, began="08:20", ended="10:35")

    assert sync(clinic)["or_cases"] == 1  # only a completed case with its times is a case
    case = SurgicalCase.objects.get(facility=clinic.facility)
    assert (case.case_id, case.service, case.cpt_code, case.booked_minutes) == (
        f"careslot-{record.pk}",
        "Podiatry",
        "28296",
        120,
    )
    assert (case.scheduled_start, case.wheels_in, case.wheels_out) == (
        clinic.at("08:00"),
        clinic.at("08:20"),
        clinic.at("10:35"),
    )
    assert not SurgicalCase.objects.filter(case_id=f"careslot-{not_done.pk}").exists()
    day = case.date
    (suites,) = metrics.or_suites(facility=clinic.facility, first=day, last=day)
    assert (suites["cases"], suites["late_starts"], suites["first_cases_on_time"]) == (1, 1, 0)


def test_the_sync_is_idempotent_and_leaves_imported_facts_alone(clinic, user):  # noqa: F811
    imported = ChairAppointment.objects.create(
        facility=clinic.facility,
        appointment_id="A-1",
        encounter_id="E-1",
        date=clinic.at("09:00").date(),
        chair_name="Chair 01",
        regimen_category="short",
        patient_type="INF",
        scheduled_minutes=30,
        status="completed",
    )
    book(clinic, user, "09:00", "09:30", clinic.chair)
    first, again = sync(clinic), sync(clinic)
    assert first == again
    assert ChairAppointment.objects.filter(facility=clinic.facility).count() == 2
    imported.refresh_from_db()
    assert imported.source == Source.IMPORT


def test_another_facilitys_bookings_never_become_this_facilitys_facts(clinic, user, other_facility):  # noqa: F811
    book(clinic, user, "09:00", "09:30", clinic.chair)
    day = clinic.at("09:00").date()
    services.aggregates_rebuild(facility=other_facility, first=day, last=day)
    assert not ChairAppointment.objects.filter(facility=other_facility).exists()
    assert metrics.chair_days(facility=other_facility, first=day, last=day) == []
