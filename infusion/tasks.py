"""Thin tasks: a run id in, one service call. Queued after the commit through scheduling.outbox
(a broker that is down keeps the message for the drain); a redelivered message finds the run no
longer queued and does nothing."""

from celery import shared_task

from infusion.services import simulation


@shared_task(name="infusion.run_simulation", ignore_result=True, soft_time_limit=3300, time_limit=3600)
def run_simulation(*, run_id: int) -> str:
    return simulation.simulation_execute(run_id=run_id)
