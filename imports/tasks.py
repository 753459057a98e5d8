"""Thin tasks: an import id in, one service call. Late acknowledgement (settings) and
``reject_on_worker_lost`` put the message back when the worker running it dies, and the
service's lock and status make the redelivery finish the job exactly once."""

from celery import shared_task
from django.db import OperationalError

from imports import services


@shared_task(
    name="imports.process_import",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=3300,
    time_limit=3600,
)
def process_import(*, import_id: int) -> str:
    return services.import_process(import_id=import_id)


@shared_task(name="imports.resume_stalled", ignore_result=True, soft_time_limit=60, time_limit=90)
def resume_stalled() -> int:
    """Every minute from beat."""
    return services.imports_resume_stalled()
