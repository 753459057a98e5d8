"""Audit trail plumbing shared by every app.

Each model declares ``history = audit_history()``: django-simple-history keeps a row per change
with the acting user (from the request, or set by a service as ``_history_user``) and, through
the abstract base below, the id of the request that made it.
"""

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record
from simple_history.utils import bulk_create_with_history, bulk_update_with_history


class RequestStampedHistory(models.Model):
    history_request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        abstract = True


def audit_history(**kwargs) -> HistoricalRecords:
    return HistoricalRecords(bases=[RequestStampedHistory], **kwargs)


@receiver(pre_create_historical_record)
def _stamp_request_id(sender, history_instance, **kwargs) -> None:
    request = getattr(HistoricalRecords.context, "request", None)
    if request is not None:
        history_instance.history_request_id = getattr(request, "request_id", "")[:64]


def audited_save(instance: models.Model, *, actor, update_fields=None) -> models.Model:
    """Saves ``instance`` with ``actor`` recorded in its history row (one insert, one history insert)."""
    instance._history_user = actor
    instance.save(update_fields=update_fields)
    return instance


def audited_delete(instance: models.Model, *, actor) -> None:
    """Deletes ``instance``; its history keeps the deleted row and who deleted it."""
    instance._history_user = actor
    instance.delete()


def audited_bulk_create(model: type[models.Model], objs: list, *, actor) -> list:
    """Inserts ``objs`` and their history rows in two statements, stamped like a single save."""
    if not objs:
        return objs
    return bulk_create_with_history(objs, model, default_user=actor, custom_historical_attrs=_request_stamp())


def audited_bulk_update(model: type[models.Model], objs: list, fields: list[str], *, actor) -> None:
    """Updates ``fields`` of ``objs`` and records their history in two statements."""
    if objs:
        bulk_update_with_history(objs, model, fields, default_user=actor, custom_historical_attrs=_request_stamp())


def _request_stamp() -> dict:
    request = getattr(HistoricalRecords.context, "request", None)
    return {"history_request_id": getattr(request, "request_id", "")[:64]} if request is not None else {}


def history_records(*, instance):
    """The history rows of one object, newest first."""
    return instance.history.select_related("history_user").order_by("-history_date", "-history_id")


def history_entries(*, instance, records=None) -> list[dict]:
    """The history of one object, newest first, each entry with the fields it changed.
    ``records``: one page of ``history_records`` (default: all of them); the entry at the foot
    of a page is compared with the row just after the page."""
    whole = records is None
    records = list(history_records(instance=instance) if whole else records)
    following = None
    if records and not whole:
        last = records[-1]
        following = (
            history_records(instance=instance)
            .filter(
                models.Q(history_date__lt=last.history_date)
                | models.Q(history_date=last.history_date, history_id__lt=last.history_id)
            )
            .first()
        )
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else following
        if previous is None:
            changes = []
        else:
            delta = record.diff_against(previous)
            changes = [{"field": c.field, "old": _plain(c.old), "new": _plain(c.new)} for c in delta.changes]
        entries.append(
            {
                "history_id": record.history_id,
                "history_date": record.history_date,
                "history_type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "history_user": record.history_user.get_username() if record.history_user else None,
                "history_request_id": record.history_request_id,
                "changes": changes,
            }
        )
    return entries


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
