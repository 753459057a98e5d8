"""A roster's life: created as a draft with its problem snapshot and queued for the solver
(through the outbox, after the commit), solved by the worker with progress a manager can stop,
checked by the independent checker, published (which archives the published roster it replaces
and queues the sync into availability and the infusion center), archived.

Every write asks ``roster.manage`` and keeps history. Errors: 403 ``permission_denied``; 404 for
another facility's roster; 409 ``roster_state`` for a move its status does not allow; 409
``roster_check_failed`` (with the checker's hard findings) for a publish the checker refuses.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from rostering import checker, selectors
from rostering import explain as roster_explain
from rostering import model as roster_model
from rostering import problem as rp
from rostering.models import (
    Assignment,
    Roster,
    RosterPurpose,
    RosterStatus,
    ShiftType,
    SolveStatus,
    StaffMember,
    SwapStatus,
)
from rostering.services.problem import problem_build
from scheduling import ranges
from scheduling.errors import ApplicationError
from scheduling.history import audited_bulk_create, audited_save
from scheduling.outbox import enqueue_on_commit
from scheduling.permissions import Action

logger = logging.getLogger(__name__)

MAX_DAYS = 91
#: A solve "running" longer than this lost its worker; its redelivered message starts it again.
TASK_TIME_LIMIT = 900
INFEASIBILITY_SECONDS = 10.0
PROGRESS_POLL_SECONDS = 0.5


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", message, fields={field: [message]})


def _state(message: str) -> ApplicationError:
    return ApplicationError("roster_state", message, status_code=409)


class SnapshotChanged(Exception):
    """The rota lost a person or a shift type its draft's problem snapshot names."""


def _snapshot_rows(roster: Roster, problem: rp.Problem) -> tuple[dict, dict]:
    """The rota's shift types by code and staff by problem id, or ``SnapshotChanged`` naming
    what the snapshot needs and the rota no longer has (removed, or a shift's code changed)."""
    shifts = {shift.code: shift for shift in ShiftType.objects.filter(rota_id=roster.rota_id)}
    staff = {str(member.pk): member for member in StaffMember.objects.filter(rota_id=roster.rota_id)}
    people = [person.name or f"#{person.id}" for person in problem.staff if person.id not in staff]
    codes = [shift.code for shift in problem.shift_types if shift.code not in shifts]
    if people or codes:
        gone = []
        if people:
            gone.append(f"staff removed from the rota: {', '.join(people)}")
        if codes:
            gone.append(f"shift types removed or renamed: {', '.join(codes)}")
        raise SnapshotChanged(
            f"The rota changed after this roster was drafted ({'; '.join(gone)}). Draft the roster again."
        )
    return shifts, staff


def roster_create(
    *,
    facility,
    actor,
    rota_id,
    first_day: dt.date,
    num_days: int,
    name: str = "",
    time_limit_seconds: int | None = None,
    purpose: str = RosterPurpose.PLAN,
    parent: Roster | None = None,
    note: str = "",
    problem: rp.Problem | None = None,
) -> Roster:
    """A draft roster of the rota over ``num_days`` (1-91) from ``first_day``, its problem built
    from the rota's tables now (or ``problem``, for a re-plan or a what-if), queued for the
    solver after the commit."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    rota = selectors.rota_get(facility=facility, rota_id=rota_id)
    ranges.date_check(first_day, field="first_day")
    if not isinstance(num_days, int) or isinstance(num_days, bool) or not 1 <= num_days <= MAX_DAYS:
        raise _invalid("num_days", f"Between 1 and {MAX_DAYS} days.")
    limit = rota.solve_seconds if time_limit_seconds is None else time_limit_seconds
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 600:
        raise _invalid("time_limit_seconds", "Between 1 and 600 seconds.")
    if len(name) > 200:
        raise _invalid("name", "At most 200 characters.")
    if problem is None:
        problem = problem_build(rota=rota, first_day=first_day, num_days=num_days)
    if not problem.staff:
        raise _invalid("rota", "The rota has nobody to roster yet: add its staff first.")
    if not problem.shift_types:
        raise _invalid("rota", "The rota has no shift types yet.")
    last = first_day + dt.timedelta(days=num_days - 1)
    roster = Roster(
        rota=rota,
        name=name or f"{rota.name}, {first_day:%d %b} – {last:%d %b %Y}",
        first_day=first_day,
        num_days=num_days,
        purpose=purpose,
        parent=parent,
        note=note[:300],
        problem=problem.to_dict(),
        time_limit_seconds=limit,
        created_by=actor,
    )
    from rostering import tasks  # tasks import services

    with transaction.atomic():
        audited_save(roster, actor=actor)
        enqueue_on_commit(tasks.solve_roster, roster_id=roster.pk)
    return roster


def roster_stop(*, facility, actor, roster_id) -> Roster:
    """Asks the solver to stop; it keeps the best roster found so far. 409 once it has ended."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    with transaction.atomic():
        roster = selectors.roster_get(facility=facility, actor=actor, roster_id=roster_id, for_update=True)
        if roster.solve_status not in (SolveStatus.QUEUED, SolveStatus.RUNNING):
            raise _state(f"The solve has already ended ({roster.get_solve_status_display().lower()}).")
        if roster.solve_status == SolveStatus.QUEUED:
            roster.solve_status = SolveStatus.STOPPED
            roster.finished_at = timezone.now()
            roster.error = "Stopped before the solver started: no roster."
        roster.stop_requested = True
        audited_save(roster, actor=actor)
    return roster


def roster_solve_execute(*, roster_id: int) -> str:
    """The worker's task: solves a queued roster, reporting progress every half second and
    watching for a stop; then stores the assignments, the result and the checker's report (or,
    infeasible, the conflicting rules in words). A roster no longer queued is left alone (a
    redelivered message), unless it has been running past ``TASK_TIME_LIMIT`` (a lost worker)."""
    with transaction.atomic():
        roster = Roster.objects.select_for_update().filter(pk=roster_id).first()
        if roster is None or not (roster.solve_status == SolveStatus.QUEUED or _abandoned(roster)):
            return "skipped"
        roster.solve_status = SolveStatus.RUNNING
        roster.started_at = timezone.now()
        roster.progress = []
        roster.save(update_fields=["solve_status", "started_at", "progress"])
    try:
        problem = rp.Problem.from_dict(roster.problem)
        _snapshot_rows(roster, problem)  # fail at once, not after the solve
        result = _solve(roster, problem)
        return _store(roster, problem, result)
    except Exception as exc:
        if isinstance(exc, SnapshotChanged):
            logger.warning("Roster %s: %s", roster_id, exc)
            error = str(exc)
        else:
            logger.exception("Roster %s: the solve failed.", roster_id)
            error = f"{exc.__class__.__name__}: {exc}"
        Roster.objects.filter(pk=roster_id).update(
            solve_status=SolveStatus.FAILED,
            error=error[:2000],
            finished_at=timezone.now(),
        )
        return "failed"


def _abandoned(roster: Roster) -> bool:
    return (
        roster.solve_status == SolveStatus.RUNNING
        and roster.started_at is not None
        and timezone.now() - roster.started_at > dt.timedelta(seconds=TASK_TIME_LIMIT)
    )


def _solve(roster: Roster, problem: rp.Problem) -> roster_model.SolveResult:
    """CP-SAT in this thread; a watcher thread writes the progress and reads the stop flag."""
    points: list[dict] = []
    stop = threading.Event()
    done = threading.Event()
    lock = threading.Lock()

    def on_progress(objective: float, bound: float, seconds: float) -> None:
        with lock:
            points.append({"objective": objective, "bound": bound, "seconds": round(seconds, 3)})

    def watch() -> None:
        written = 0
        try:
            while True:
                finished = done.wait(PROGRESS_POLL_SECONDS)
                with lock:
                    fresh = points[written:]
                    written = len(points)
                if fresh:
                    current = Roster.objects.filter(pk=roster.pk).values_list("progress", flat=True).first() or []
                    Roster.objects.filter(pk=roster.pk).update(progress=current + fresh)
                if finished:
                    return
                if Roster.objects.filter(pk=roster.pk, stop_requested=True).exists():
                    stop.set()
        finally:
            if not connection.in_atomic_block:
                close_old_connections()
                connection.close()

    watcher = threading.Thread(target=watch, daemon=True)
    # An eager task (tests) may run inside the caller's transaction, which another thread's
    # connection cannot see: the progress then comes with the result.
    threaded = not transaction.get_connection().in_atomic_block
    if threaded:
        watcher.start()
    try:
        return roster_model.solve(
            problem,
            time_limit=float(roster.time_limit_seconds),
            workers=2,
            on_progress=on_progress,
            stop=stop,
        )
    finally:
        done.set()
        if threaded:
            watcher.join()
        else:
            Roster.objects.filter(pk=roster.pk).update(progress=points)


def _store(roster: Roster, problem: rp.Problem, result: roster_model.SolveResult) -> str:
    fields = {
        "solve_seconds": round(result.seconds, 3),
        "first_feasible_seconds": None
        if result.first_feasible_seconds is None
        else round(result.first_feasible_seconds, 3),
        "finished_at": timezone.now(),
    }
    if result.roster is None:
        if result.status == "infeasible":
            why = roster_explain.infeasibility(problem, time_limit=INFEASIBILITY_SECONDS)
            explanation = {
                "text": why.text,
                "conflicts": [{"rule": item.rule, "text": item.text, "relax": item.relax} for item in why.conflicts],
            }
            status = SolveStatus.INFEASIBLE
        else:
            explanation = None
            status = SolveStatus.STOPPED if result.stopped else SolveStatus.UNKNOWN
        Roster.objects.filter(pk=roster.pk).update(solve_status=status, explanation=explanation, **fields)
        return status
    report = checker.check(problem, result.roster)
    shifts, staff = _snapshot_rows(roster, problem)  # again: the rota may have changed during the solve
    rows = [
        Assignment(
            roster=roster,
            staff=staff[person],
            date=roster.first_day + dt.timedelta(days=day),
            shift_type=shifts[code],
            skill=result.roster.skills.get((person, day), ""),
        )
        for (person, day), code in sorted(result.roster.assignments.items())
        if code is not None
    ]
    status = SolveStatus.STOPPED if result.stopped else SolveStatus.DONE
    with transaction.atomic():
        locked = Roster.objects.select_for_update().get(pk=roster.pk)
        if locked.solve_status != SolveStatus.RUNNING:
            return "skipped"
        Assignment.objects.filter(roster=roster).delete()
        audited_bulk_create(Assignment, rows, actor=roster.created_by)
        Roster.objects.filter(pk=roster.pk).update(
            solve_status=status,
            objective=result.objective,
            bound=result.bound,
            gap=result.gap,
            result=_result_json(result),
            check_report=report.to_dict(),
            **fields,
        )
    return status


def _result_json(result: roster_model.SolveResult) -> dict:
    return {
        "status": result.status,
        "cost_by_rule": dict(result.term_costs),
        "soft_violations": [
            {
                "rule": item.rule,
                "cost": item.cost,
                "units": item.units,
                "text": item.text,
                "person": item.person,
                "day": item.day,
                "shift": item.shift,
            }
            for item in result.soft_violations
        ],
    }


def roster_check(*, roster: Roster) -> checker.CheckReport:
    """The independent checker's verdict on the roster's current assignments (swaps included)
    against the problem it was solved from."""
    return checker.check(selectors.roster_problem(roster=roster), selectors.roster_solution(roster=roster))


def roster_publish(*, facility, actor, roster_id) -> Roster:
    """Publishes a solved draft: the checker must find no hard violation (409
    ``roster_check_failed`` with them otherwise). A published roster of the same rota whose days
    overlap is archived (a re-plan replaces its parent). Then, after the commit, the people's
    availability and the infusion center's nurses on duty follow (``tasks.sync_rota``)."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    with transaction.atomic():
        # One publish of a rota at a time: two overlapping drafts published at once would each
        # find no published roster to archive (the other's not committed) and both stay published.
        rota_id = selectors.roster_get(facility=facility, actor=actor, roster_id=roster_id).rota_id
        selectors.rota_get(facility=facility, rota_id=rota_id, for_update=True)
        roster = selectors.roster_get(facility=facility, actor=actor, roster_id=roster_id, for_update=True)
        if roster.status != RosterStatus.DRAFT:
            raise _state(f"Only a draft can be published; this roster is {roster.get_status_display().lower()}.")
        if roster.purpose == RosterPurpose.WHAT_IF:
            raise _state("A what-if is never published: it only shows what would change.")
        if roster.solve_status not in (SolveStatus.DONE, SolveStatus.STOPPED) or roster.objective is None:
            raise _state("The roster has no solved assignments to publish.")
        if roster.purpose == RosterPurpose.REPLAN and roster.parent_id is not None:
            _refuse_stale_replan(roster)
        report = roster_check(roster=roster)
        if not report.ok:
            raise ApplicationError(
                "roster_check_failed",
                f"The independent checker found {len(report.hard_violations)} hard violation(s); "
                "the roster cannot be published.",
                status_code=409,
                extra={"hard_violations": report.to_dict()["hard_violations"]},
            )
        for other in Roster.objects.select_for_update().filter(
            rota=roster.rota, status=RosterStatus.PUBLISHED, first_day__lte=roster.last_day
        ):
            if other.last_day >= roster.first_day:
                other.status = RosterStatus.ARCHIVED
                audited_save(other, actor=actor)
        roster.status = RosterStatus.PUBLISHED
        roster.check_report = report.to_dict()
        roster.published_at = timezone.now()
        roster.published_by = actor
        audited_save(roster, actor=actor)
        _queue_sync(roster.rota_id, actor)
    return roster


def _refuse_stale_replan(roster: Roster) -> None:
    """A re-plan starts from its parent as it stood when drafted: publishing it after the parent
    was replaced (another re-plan published) or changed (a swap approved on it) would silently
    undo that change. 409 ``roster_state``: re-plan again from the roster now published."""
    parent = Roster.objects.select_for_update().get(pk=roster.parent_id)
    if parent.status != RosterStatus.PUBLISHED:
        raise _state(
            f"The roster this re-plan started from, “{parent.name}”, is no longer published (it is "
            f"{parent.get_status_display().lower()}): publishing this would undo what replaced it. "
            "Re-plan again from the roster now published."
        )
    swaps = parent.swaps.filter(status=SwapStatus.APPROVED, decided_at__gte=roster.created_at).count()
    if swaps:
        raise _state(
            f"{swaps} swap(s) were approved on “{parent.name}” after this re-plan was drafted: publishing it would "
            "undo them. Re-plan again from the roster as it is now."
        )


def roster_archive(*, facility, actor, roster_id) -> Roster:
    """Archives a published roster: its shifts leave the people's availability (after the
    commit). A draft is archived as is (a plan not taken)."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_MANAGE)
    with transaction.atomic():
        roster = selectors.roster_get(facility=facility, actor=actor, roster_id=roster_id, for_update=True)
        if roster.status == RosterStatus.ARCHIVED:
            raise _state("The roster is already archived.")
        was_published = roster.status == RosterStatus.PUBLISHED
        roster.status = RosterStatus.ARCHIVED
        audited_save(roster, actor=actor)
        if was_published:
            _queue_sync(roster.rota_id, actor)
    return roster


def _queue_sync(rota_id: int, actor) -> None:
    from rostering import tasks

    enqueue_on_commit(tasks.sync_rota, rota_id=rota_id, actor_id=actor.pk)
