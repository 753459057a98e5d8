import booking.models
import django.contrib.postgres.constraints
import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models


def token_bookings_hold_their_slot(apps, schema_editor):
    """Each existing token booking gets the BookingResource row that holds its slot's time."""
    TokenBooking = apps.get_model("booking", "TokenBooking")
    BookingResource = apps.get_model("booking", "BookingResource")
    BookingResource.objects.bulk_create(
        [
            BookingResource(
                facility_id=token.facility_id,
                booking_id=token.booking_id,
                resource_id=token.slot.resource_id,
                start=token.slot.start,
                end=token.slot.end,
                holds_time=token.holds_time,
                token_slot_id=token.slot_id,
            )
            for token in TokenBooking.objects.select_related("slot").iterator()
        ],
        batch_size=1000,
    )


def token_rows_removed(apps, schema_editor):
    apps.get_model("booking", "BookingResource").objects.filter(token_slot__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0002_no_show_sweep"),
        ("scheduling", "0003_resource_availability_version"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="historicalnotification",
            name="booking",
        ),
        migrations.RemoveField(
            model_name="historicalnotification",
            name="facility",
        ),
        migrations.RemoveField(
            model_name="historicalnotification",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicalnotification",
            name="recipient",
        ),
        migrations.RemoveField(
            model_name="historicaltokenslot",
            name="facility",
        ),
        migrations.RemoveField(
            model_name="historicaltokenslot",
            name="history_user",
        ),
        migrations.RemoveField(
            model_name="historicaltokenslot",
            name="resource",
        ),
        migrations.RemoveConstraint(
            model_name="bookingresource",
            name="booking_resource_no_overlap",
        ),
        migrations.AddField(
            model_name="bookingresource",
            name="token_slot",
            field=models.ForeignKey(
                blank=True,
                help_text="Set for a token booking: rows of one token slot share its time.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="booking.tokenslot",
            ),
        ),
        migrations.AddField(
            model_name="historicalbookingresource",
            name="token_slot",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Set for a token booking: rows of one token slot share its time.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="booking.tokenslot",
            ),
        ),
        migrations.RunPython(token_bookings_hold_their_slot, token_rows_removed),
        migrations.AddConstraint(
            model_name="bookingresource",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(("holds_time", True)),
                expressions=[
                    ("resource", "="),
                    (booking.models.TsTzRange("start", "end", models.Value("[)")), "&&"),
                    (
                        django.db.models.functions.comparison.Coalesce(
                            models.F("token_slot"),
                            django.db.models.expressions.CombinedExpression(models.F("booking"), "*", models.Value(-1)),
                            output_field=models.BigIntegerField(),
                        ),
                        "<>",
                    ),
                ],
                name="booking_resource_no_overlap",
                violation_error_code="slot_taken",
            ),
        ),
        migrations.DeleteModel(
            name="HistoricalNotification",
        ),
        migrations.DeleteModel(
            name="HistoricalTokenSlot",
        ),
    ]
