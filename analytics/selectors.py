"""Reads of single rows: the facts (for other apps, and for the API's lists), the settings, the
mapping, the nightly runs and the subscriptions. The metrics, over the aggregates, are in
``analytics.metrics``."""

import datetime as dt

from django.db import connection
from django.db.models import Min, OuterRef, Subquery

from analytics.facts import FACT_SPECS
from analytics.models import (
    DEFAULT_PATIENT_TYPES,
    AnalyticsSettings,
    AppointmentTypeMapping,
    ChairAppointment,
    ChairTime,
    NightlyRun,
    NurseCapacity,
    PatientType,
    ReportSubscription,
    SurgicalCase,
)
from scheduling.errors import NotFound
from scheduling.parsing import id_or_none


def patient_type_codes(*, facility_id: int) -> set[str]:
    """The defaults of the infusion study and the facility's own."""
    own = PatientType.objects.filter(facility_id=facility_id).values_list("code", flat=True)
    return set(DEFAULT_PATIENT_TYPES) | {code.upper() for code in own}


def unscheduled_encounters(*, facility_id: int, stage_table: str) -> list[tuple[int, str]]:
    """(row_no, encounter_id) of the staged rows whose encounter has no chair appointment in
    the facility: actual times of an encounter that was never scheduled."""
    table = ChairAppointment._meta.db_table
    sql = f"""
        SELECT s.row_no, s.encounter_id FROM {connection.ops.quote_name(stage_table)} s
        WHERE s.encounter_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {table} a WHERE a.facility_id = %s AND a.encounter_id = s.encounter_id
        ) ORDER BY s.row_no
    """  # noqa: S608 - names come from the models
    with connection.cursor() as cursor:
        cursor.execute(sql, [facility_id])
        return cursor.fetchall()


def fact_count(*, kind: str, facility_id: int) -> int:
    return FACT_SPECS[kind].model.objects.filter(facility_id=facility_id).count()


def fact_rows(*, kind: str, facility_id: int):
    """The facts of ``kind`` as dictionaries (for reports and tests)."""
    return FACT_SPECS[kind].model.objects.filter(facility_id=facility_id).values()


def settings_for(*, facility_id: int) -> AnalyticsSettings:
    """The facility's analytics settings, or the defaults (unsaved) when it has none."""
    return AnalyticsSettings.objects.filter(facility_id=facility_id).first() or AnalyticsSettings(
        facility_id=facility_id
    )


def mapping_for(*, facility_id: int, appointment_type_id: int) -> AppointmentTypeMapping | None:
    return AppointmentTypeMapping.objects.filter(
        facility_id=facility_id, appointment_type_id=appointment_type_id
    ).first()


def first_run_day(*, facility_id: int) -> dt.date | None:
    """The first local day the facility has a nightly run of (days before it were never due)."""
    return NightlyRun.objects.filter(facility_id=facility_id).aggregate(first=Min("date"))["first"]


def is_subscribed(*, facility_id: int, user_id: int) -> bool:
    return ReportSubscription.objects.filter(facility_id=facility_id, user_id=user_id).exists()


# --- the facts and the configuration, as the API lists them ------------------------------------


def _period(queryset, first: dt.date | None, last: dt.date | None):
    if first is not None:
        queryset = queryset.filter(date__gte=first)
    if last is not None:
        queryset = queryset.filter(date__lte=last)
    return queryset


def surgical_case_list(*, facility, first: dt.date | None = None, last: dt.date | None = None):
    """The facility's surgical cases on the local days [first, last], by date and scheduled start."""
    cases = SurgicalCase.objects.filter(facility=facility).order_by("date", "scheduled_start", "id")
    return _period(cases, first, last)


def chair_appointment_list(*, facility, first: dt.date | None = None, last: dt.date | None = None):
    """The facility's chair appointments on [first, last], each with the actual chair time of its
    encounter (``actual_start``, ``actual_end``, ``actual_minutes``; null when none is known),
    in the same statement."""
    times = ChairTime.objects.filter(facility_id=OuterRef("facility_id"), encounter_id=OuterRef("encounter_id"))
    appointments = (
        ChairAppointment.objects.filter(facility=facility)
        .annotate(
            actual_start=Subquery(times.values("actual_start")[:1]),
            actual_end=Subquery(times.values("actual_end")[:1]),
            actual_minutes=Subquery(times.values("total_minutes")[:1]),
        )
        .order_by("date", "appointment_id")
    )
    return _period(appointments, first, last)


def nurse_capacity_list(*, facility, first: dt.date | None = None, last: dt.date | None = None):
    return _period(NurseCapacity.objects.filter(facility=facility).order_by("date"), first, last)


def nightly_run_list(*, facility, first: dt.date | None = None, last: dt.date | None = None):
    """The facility's nightly runs (one per local day aggregated), newest day first."""
    return _period(NightlyRun.objects.filter(facility=facility).order_by("-date"), first, last)


def mapping_list(*, facility):
    return (
        AppointmentTypeMapping.objects.filter(facility=facility)
        .select_related("appointment_type")
        .order_by("appointment_type__name", "id")
    )


def mapping_get(*, facility, mapping_id) -> AppointmentTypeMapping:
    mapping = mapping_list(facility=facility).filter(pk=id_or_none(mapping_id)).first()
    if mapping is None:
        raise NotFound("Appointment-type mapping")
    return mapping
