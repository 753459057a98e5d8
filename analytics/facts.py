"""The fact tables as other apps may know them: for each kind of fact, its columns and natural
key, without the models (which are private to analytics).

A loader stages rows in a temporary table with ``stage_columns(kind)`` plus ``row_no`` and
``ok``; ``services.facts_merge`` upserts the ``ok`` rows into the fact table by natural key.
"""

from dataclasses import dataclass

from django.db import connection

from analytics import models


@dataclass(frozen=True)
class FactSpec:
    model: type
    key: str  # the natural key's column (unique with facility_id)

    @property
    def table(self) -> str:
        return self.model._meta.db_table


FACT_SPECS: dict[str, FactSpec] = {
    "chair_appointments": FactSpec(models.ChairAppointment, "appointment_id"),
    "chair_times": FactSpec(models.ChairTime, "encounter_id"),
    "nurse_capacity": FactSpec(models.NurseCapacity, "date"),
    "or_cases": FactSpec(models.SurgicalCase, "case_id"),
}

_BOOKKEEPING = {"id", "facility", "source", "import_id", "loaded_at"}


def stage_columns(kind: str) -> list[tuple[str, str]]:
    """(column, SQL type) of a fact's own data, in table order: what a loader stages."""
    model = FACT_SPECS[kind].model
    return [
        (field.column, field.db_type(connection))
        for field in model._meta.concrete_fields
        if field.name not in _BOOKKEEPING
    ]


def key_column(kind: str) -> str:
    return FACT_SPECS[kind].key
