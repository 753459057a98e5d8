"""Audit trail plumbing shared by every app.

Each model declares ``history = audit_history()``: django-simple-history keeps a row per change
with the acting user (from the request, or set by a service as ``_history_user``) and, through
the abstract base below, the id of the request that made it.
"""

from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


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


def history_entries(*, instance) -> list[dict]:
    """The history of one object, newest first, each entry with the fields it changed."""
    records = list(instance.history.select_related("history_user").order_by("-history_date", "-history_id"))
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
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
