"""One open queue entry per patient per facility day, held by the database; the queue itself
declared derived state (no history).

Each entry gets its encounter's patient and its queue's day (history rows too). Before the
constraint can hold, duplicates the old code let in are closed: of a patient's open entries of
one day the one furthest along is kept (a booked one before a walk-in, then the first); the
others become ``left``, each with a history row saying why. Their bookings, if any, are left as
they are, for the desk to settle.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

OPEN = ["waiting", "called", "in_progress", "skipped"]
FURTHEST_FIRST = {"in_progress": 0, "called": 1, "skipped": 2, "waiting": 3}
REASON = "Duplicate open entry closed by migration live_queue 0002"


def backfill(apps, schema_editor):
    Encounter = apps.get_model("live_queue", "Encounter")
    Queue = apps.get_model("live_queue", "Queue")
    QueueEntry = apps.get_model("live_queue", "QueueEntry")
    HistoricalQueueEntry = apps.get_model("live_queue", "HistoricalQueueEntry")
    for model in (QueueEntry, HistoricalQueueEntry):
        model.objects.update(
            patient_id=Subquery(Encounter.objects.filter(pk=OuterRef("encounter_id")).values("patient_id")[:1]),
            day=Subquery(Queue.objects.filter(pk=OuterRef("queue_id")).values("day")[:1]),
        )
    _close_duplicates(QueueEntry, HistoricalQueueEntry)
    # The new foreign keys are checked at commit by default; check them now, or PostgreSQL
    # refuses the ALTER TABLEs that follow in this transaction ("pending trigger events").
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _close_duplicates(QueueEntry, HistoricalQueueEntry):
    now = timezone.now()
    kept: set[tuple] = set()
    open_entries = QueueEntry.objects.filter(status__in=OPEN).select_related("encounter").order_by("id")
    ranked = sorted(
        open_entries,
        key=lambda e: (FURTHEST_FIRST[e.status], e.encounter.booking_id is None, e.pk),
    )
    fields = [f.attname for f in QueueEntry._meta.concrete_fields]
    for entry in ranked:
        key = (entry.facility_id, entry.patient_id, entry.day)
        if key not in kept:
            kept.add(key)
            continue
        entry.status, entry.ended_at = "left", now
        entry.save(update_fields=["status", "ended_at"])
        HistoricalQueueEntry.objects.create(
            **{name: getattr(entry, name) for name in fields},
            history_date=now,
            history_type="~",
            history_change_reason=REASON,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("live_queue", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="queueentry",
            name="patient",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="scheduling.patient"
            ),
        ),
        migrations.AddField(
            model_name="queueentry",
            name="day",
            field=models.DateField(null=True, help_text="The facility-local date: the queue's day."),
        ),
        migrations.AddField(
            model_name="historicalqueueentry",
            name="patient",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="scheduling.patient",
            ),
        ),
        migrations.AddField(
            model_name="historicalqueueentry",
            name="day",
            field=models.DateField(null=True, help_text="The facility-local date: the queue's day."),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="queueentry",
            name="patient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="scheduling.patient"
            ),
        ),
        migrations.AlterField(
            model_name="queueentry",
            name="day",
            field=models.DateField(help_text="The facility-local date: the queue's day."),
        ),
        migrations.AlterField(
            model_name="historicalqueueentry",
            name="day",
            field=models.DateField(help_text="The facility-local date: the queue's day."),
        ),
        migrations.RemoveConstraint(
            model_name="queueentry",
            name="queue_entry_one_open_per_encounter",
        ),
        migrations.AddConstraint(
            model_name="queueentry",
            constraint=models.UniqueConstraint(
                condition=Q(("status__in", ("waiting", "called", "in_progress", "skipped"))),
                fields=("facility", "patient", "day"),
                name="queue_entry_one_open_per_patient_day",
            ),
        ),
        migrations.DeleteModel(
            name="HistoricalQueue",
        ),
    ]
