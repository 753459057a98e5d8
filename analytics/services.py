"""Writes to the fact tables. Loaders (imports today, the day of care next) come through here."""

from django.db import connection

from analytics.facts import FACT_SPECS, stage_columns
from analytics.models import Source


def facts_merge(*, kind: str, facility_id: int, import_id: int, stage_table: str) -> tuple[int, int]:
    """Upserts the ``ok`` rows of ``stage_table`` (a loader's temporary table, see ``facts``)
    into the fact table of ``kind`` by natural key; returns (inserted, updated).

    One statement: run inside the loader's transaction, the facts and the import's new status
    commit together or not at all. A row the file repeats is the loader's to refuse before this
    (ON CONFLICT cannot update one row twice in a statement)."""
    spec = FACT_SPECS[kind]
    columns = [name for name, _ in stage_columns(kind)]
    names = ", ".join(columns)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name != spec.key)
    sql = f"""
        WITH merged AS (
            INSERT INTO {spec.table} (facility_id, source, import_id, loaded_at, {names})
            SELECT %s, %s, %s, now(), {names} FROM {connection.ops.quote_name(stage_table)} WHERE ok
            ON CONFLICT (facility_id, {spec.key}) DO UPDATE SET
                {updates}, source = EXCLUDED.source, import_id = EXCLUDED.import_id, loaded_at = EXCLUDED.loaded_at
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
    """  # noqa: S608 - table and column names come from the models, never from input
    with connection.cursor() as cursor:
        cursor.execute(sql, [facility_id, Source.IMPORT, import_id])
        inserted, updated = cursor.fetchone()
    return inserted, updated
