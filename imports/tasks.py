"""Thin tasks: an import id in, one service call. Late acknowledgement (settings) and
``reject_on_worker_lost`` put the message back when the worker running it dies, and the
service's lock and status make the redelivery finish the job exactly once."""

from celery import shared_task
from django.db import OperationalError

from imports import services

# A delivery that finds the import's lock taken tries again this often, this many times: the
# holder is a live worker (the retry then finds the import done) or the session of a killed one,
# which PostgreSQL ends once it notices its client gone. Beat's resume_stalled is the backstop.
BUSY_RETRY_SECONDS = 5
BUSY_RETRIES = 12


@shared_task(
    bind=True,
    name="imports.process_import",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=3300,
    time_limit=3600,
)
def process_import(self, *, import_id: int) -> str:
    outcome = services.import_process(import_id=import_id)
    if outcome == "busy" and self.request.retries < BUSY_RETRIES:
        raise self.retry(countdown=BUSY_RETRY_SECONDS, max_retries=BUSY_RETRIES)
    return outcome


@shared_task(name="imports.resume_stalled", ignore_result=True, soft_time_limit=60, time_limit=90)
def resume_stalled() -> int:
    """Every minute from beat."""
    return services.imports_resume_stalled()
