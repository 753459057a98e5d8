"""Thin tasks: a run id in, one service call. Queued after the commit through scheduling.outbox
(a broker that is down keeps the message for the drain); a redelivered message finds the run no
longer queued and does nothing."""

from celery import shared_task

from infusion.services import simulation


# Late acknowledgement: a worker that dies mid-run leaves the message to be delivered again, and
# the service starts a run left "running" past the time limit again (simulation_execute).
@shared_task(
    name="infusion.run_simulation",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=simulation.TASK_TIME_LIMIT - 300,
    time_limit=simulation.TASK_TIME_LIMIT,
)
def run_simulation(*, run_id: int) -> str:
    return simulation.simulation_execute(run_id=run_id)
