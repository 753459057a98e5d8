"""Writes of the what-if simulation: start a run (validated, queued after the commit through the
outbox, so a broker that is down delays it rather than losing it), run it in the worker with its
progress, stop it.

A run keeps the parameters it was run with, the facility's configuration included (patient
types' shares, weekday mix, routes, chairs per nurse), so it can be read and run again as it was.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from infusion.models import RunStatus, SimulationRun
from infusion.selectors import simulation as selectors
from infusion.simulation import parameters as model_parameters
from infusion.simulation import runner
from scheduling.errors import ApplicationError
from scheduling.outbox import enqueue_on_commit
from scheduling.permissions import Action, role_allows

logger = logging.getLogger(__name__)

TASK_TIME_LIMIT = 3600  # seconds: infusion.tasks.run_simulation's hard limit
BOTH = "both"
POLICY_CHOICES = ("levelled", "study", BOTH)

# field: (lowest, highest, what it is)
BOUNDS = {
    "chairs": (1, 200, "chairs"),
    "nurses": (1, 200, "nurses on duty"),
    "weekly_capacity": (1, 5000, "patients a week"),
    "arrival_minutes": (5, 1440, "minutes between requests"),
    "horizon_days": (28, 730, "days"),
    "replications": (1, 50, "replications"),
    "seed": (0, 2_147_483_647, "a seed"),
}
INTEGERS = {"chairs", "nurses", "weekly_capacity", "horizon_days", "replications", "seed"}


def simulation_start(*, facility, actor, parameters: dict) -> SimulationRun:
    """Validates the what-if's parameters (``chairs``, ``nurses``, ``weekly_capacity``,
    ``arrival_minutes``, ``policy`` — levelled, study or both —, ``horizon_days``,
    ``replications``, ``seed``; each optional, the facility's defaults otherwise: 400 naming the
    field out of bounds), keeps the run with the facility's configuration and queues it after
    the commit. Returns the run, queued."""
    asked = _validated({**selectors.simulation_defaults(facility=facility), **parameters})
    configuration = selectors.simulation_configuration(facility=facility)
    policy = asked.pop("policy")
    stored = {
        **configuration,
        **asked,
        "policy": policy,
        "policies": ["levelled", "study"] if policy == BOTH else [policy],
    }
    model_parameters.from_mapping(stored)  # what the worker will build must build now
    run = SimulationRun(facility=facility, created_by=actor, parameters=stored)
    from infusion import tasks  # tasks import services

    with transaction.atomic():
        run.save()
        enqueue_on_commit(tasks.run_simulation, run_id=run.pk)
    return run


def _validated(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name, (low, high, unit) in BOUNDS.items():
        value = data.get(name)
        try:
            number = float(value)
            if name in INTEGERS and number != int(number):
                raise ValueError
        except (TypeError, ValueError):
            errors[name] = [f"Give a {'whole ' if name in INTEGERS else ''}number."]
            continue
        if not low <= number <= high:
            errors[name] = [f"Between {low} and {high} {unit}."]
            continue
        clean[name] = int(number) if name in INTEGERS else number
    policy = data.get("policy")
    if policy not in POLICY_CHOICES:
        errors["policy"] = [f"One of {', '.join(POLICY_CHOICES)}."]
    clean["policy"] = policy
    if errors:
        first = next(iter(errors))
        raise ApplicationError("invalid", f"{first}: {errors[first][0]}", fields=errors)
    return clean


def simulation_execute(*, run_id: int) -> str:
    """Runs a queued run (the worker's task): progress 0–100 as replications finish, then the
    results, status done. A run no longer queued (done, stopped, running elsewhere) is left
    alone: a redelivered message does nothing; but one "running" for longer than the task may
    run lost its worker, and the message redelivered for it starts it again. A run stopped
    meanwhile keeps the replications that finished. An error fails the run with its message."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or not (run.status == RunStatus.QUEUED or _abandoned(run)):
            return "skipped"
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.progress = 0
        run.save(update_fields=["status", "started_at", "progress"])
    try:
        summary = runner.run(
            model_parameters.from_mapping(run.parameters),
            progress=lambda done, total: _progress(run_id, done, total),
            should_stop=lambda: _stopped(run_id),
        )
    except Exception as exc:
        logger.exception("Simulation run %s failed.", run_id)
        SimulationRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return "failed"
    finished = {"results": summary, "finished_at": timezone.now()}
    if summary["stopped"]:
        SimulationRun.objects.filter(pk=run_id).update(**finished)
        return "stopped"
    SimulationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, progress=100, **finished
    )
    return "done"


def _abandoned(run: SimulationRun) -> bool:
    return (
        run.status == RunStatus.RUNNING
        and run.started_at is not None
        and timezone.now() - run.started_at > dt.timedelta(seconds=TASK_TIME_LIMIT)
    )


def _progress(run_id: int, done: int, total: int) -> None:
    SimulationRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(progress=min(100, done * 100 // total))


def _stopped(run_id: int) -> bool:
    return SimulationRun.objects.filter(pk=run_id, status=RunStatus.STOPPED).exists()


def simulation_stop(*, facility, actor, actor_role: str, run_id: int) -> SimulationRun:
    """Stops a queued or running run of the facility (status stopped); the worker finishes the
    replication it is on and keeps those done. Whoever started it may, or a role with
    ``infusion.manage`` (403 otherwise); a finished run: 409."""
    with transaction.atomic():
        run = selectors.simulation_run_get(facility=facility, run_id=run_id, for_update=True)
        if run.created_by_id != actor.pk and not role_allows(actor_role, Action.INFUSION_MANAGE):
            raise ApplicationError("permission_denied", "Only whoever started the run or a manager may stop it.")
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            raise ApplicationError("conflict", f"This run is '{run.get_status_display()}': there is nothing to stop.")
        run.status = RunStatus.STOPPED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
    logger.info("Simulation run %s stopped by user %s.", run.pk, actor.pk)
    return run
