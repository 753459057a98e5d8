"""Thin tasks: an id in, one service call. Queued after the commit through scheduling.outbox (a
broker that is down keeps the message for the drain); a redelivered message finds the roster no
longer queued, or the rota already in step, and changes nothing."""

from celery import shared_task

from rostering.services import publishing, rosters


# Late acknowledgement: a worker that dies mid-solve leaves the message to be delivered again,
# and the service starts a solve left "running" past its time limit again.
@shared_task(
    name="rostering.solve_roster",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=rosters.TASK_TIME_LIMIT - 60,
    time_limit=rosters.TASK_TIME_LIMIT,
)
def solve_roster(*, roster_id: int) -> str:
    return rosters.roster_solve_execute(roster_id=roster_id)


@shared_task(name="rostering.sync_rota", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def sync_rota(*, rota_id: int, actor_id: int) -> dict:
    return publishing.rota_sync(rota_id=rota_id, actor_id=actor_id)
