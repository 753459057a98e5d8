"""Reads of the fact tables for other apps."""

from django.db import connection

from analytics.facts import FACT_SPECS
from analytics.models import (
    DEFAULT_PATIENT_TYPES,
    AnalyticsSettings,
    AppointmentTypeMapping,
    ChairAppointment,
    NightlyRun,
    PatientType,
    ReportSubscription,
)


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


def nightly_runs(*, facility_id: int, days: int = 14) -> list[NightlyRun]:
    return list(NightlyRun.objects.filter(facility_id=facility_id).order_by("-date")[:days])


def is_subscribed(*, facility_id: int, user_id: int) -> bool:
    return ReportSubscription.objects.filter(facility_id=facility_id, user_id=user_id).exists()
