"""Placing an infusion patient: a route's days and the facility's policy decide (``infusion.engine``
over ``infusion.selectors.placement.DatabaseCenter``), ``booking.services.booking_create`` books
the chair, and a ``Placement`` records what was asked, tried and chosen."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from analytics import estimates
from analytics import selectors as analytics
from booking import selectors as bookings
from booking import services as booking_services
from infusion import engine
from infusion.models import Placement, PlacementStatus, Policy, RouteCode
from infusion.selectors import capacity
from infusion.selectors.placement import DatabaseCenter, chair_list, placement_following
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import ApplicationError, NotFound
from scheduling.history import audited_save
from scheduling.parsing import id_or_none
from scheduling.permissions import Action, role_allows

#: Placement rounds: a decision, its day's next options when booking refuses one, then a fresh
#: decision over what the database now holds.
MAX_ROUNDS = 3
#: Starts of the chosen day tried in one round before deciding again.
MAX_STARTS_PER_DAY = 4
#: Booking's answers when the chosen time went to someone else (or over the nurses' cap) between
#: the decision and the booking: the next option is tried. Anything else is booking's rule and
#: stops the placement.
LOST_RACE = frozenset(
    {"slot_taken", "slot_full", "resource_busy", "capacity_reached", "not_bookable", "patient_double_booked"}
)

#: The first key of a placement's advisory lock (``_patient_placement_lock``).
PLACEMENT_LOCK = 4343

# Routes whose previous booking must be in this state (a rebooking follows what happened).
_PREVIOUS_STATUS = {RouteCode.NO_SHOW: "no_show", RouteCode.CANCELLATION: "cancelled"}


@dataclass(frozen=True)
class _Request:
    patient: object
    route: engine.Route
    route_code: str
    policy: str
    patient_type: str
    appointment_type: object
    previous: object | None
    from_date: dt.date
    minutes: int
    basis: str


def placement_create(
    *,
    facility,
    actor,
    actor_role: str,
    patient_id,
    route: str,
    patient_type: str | None = None,
    appointment_type_id=None,
    previous_booking_id=None,
    policy: str | None = None,
    from_date: dt.date | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Placement:
    """Places the patient on ``route`` and returns the saved ``Placement`` (a dry run: the same
    decision, unsaved, nothing booked).

    The day the route counts from (unless ``from_date``): a new patient and a cancellation, today
    (the day it was cancelled); a no-show, the missed booking's day; bad blood, the visit's day
    (the previous booking), else today; the next cycle, the previous treatment's day, else today.
    ``previous_booking_id``: a booking of this patient in this facility (a no-show's must be a
    no-show, a cancellation's cancelled). The appointment type: the one given,
    else the previous booking's, else the first mapped to the patient type; it must be bookable
    on a chair. The patient type: the one given, else the appointment type's mapping's. The
    minutes booked: analytics' chair estimate for the type's regimen and patient type, with the
    patient type's chair minutes as the booked ones (``prediction_basis`` keeps the sentence).
    The policy: the facility's; another needs ``infusion.manage``.

    Booking decides: the engine's choice is booked through ``booking_create`` (locks, the chair's
    availability, the nurses' cap, no double booking). When it refuses a time as taken (``LOST_RACE``)
    the day's next options are tried, then the placement decides again over the database as it
    now is, ``MAX_ROUNDS`` times at most; each refusal is an attempt. A placement that finds
    nothing is saved with status failed and the attempts that say why.

    Errors: 403 ``permission_denied`` without ``infusion.place`` and ``booking.manage`` (or
    asking for another policy without ``infusion.manage``); 400 ``invalid`` naming ``patient``,
    ``route``, ``policy``, ``previous_booking``, ``patient_type`` or ``appointment_type``;
    booking's own errors other than a lost race (e.g. 409 ``too_many_future_bookings``).

    Transactions: ``booking_create`` owns a durable transaction, so the Placement is saved right
    after it, outside it. A crash between the two leaves the booking without its Placement: the
    booking stands (its note says it was an infusion placement and on which route), no chair is
    double-booked, and placing again would book a second time, so the desk checks the patient's
    bookings first. Tests: tests/infusion/test_placement_service.py (the lost race:
    ``test_a_booking_that_loses_its_race_takes_the_next_start_never_a_double_booking``; the cap:
    ``test_levelled_never_books_beyond_the_nurses_cap``).
    """
    now = now or timezone.now()
    if not role_allows(actor_role, Action.INFUSION_PLACE) or (
        not dry_run and not role_allows(actor_role, Action.BOOKING_MANAGE)
    ):
        raise ApplicationError("permission_denied", f"The role '{actor_role}' may not place infusion patients.")
    settings = capacity.settings_for(facility=facility)
    with _patient_placement_lock(patient_id=patient_id, dry_run=dry_run):
        request = _resolve(
            facility=facility,
            actor_role=actor_role,
            patient_id=patient_id,
            route_code=route,
            patient_type=patient_type,
            appointment_type_id=appointment_type_id,
            previous_booking_id=previous_booking_id,
            policy=policy or settings.policy,
            facility_policy=settings.policy,
            from_date=from_date,
            now=now,
        )
        outcome = _decide_and_book(
            facility=facility,
            actor=actor,
            actor_role=actor_role,
            request=request,
            search_days=settings.search_days,
            dry_run=dry_run,
            now=now,
        )
        placement = _placement(facility=facility, actor=actor, request=request, outcome=outcome, dry_run=dry_run)
        if not dry_run:
            audited_save(placement, actor=actor)
    return placement


@contextmanager
def _patient_placement_lock(*, patient_id, dry_run: bool):
    """One placement of a patient at a time, from the check that the booking is not followed
    already to the saved Placement: two desks clicking "Place the next cycle" at once would
    otherwise both pass the check and book two chairs. ``booking_create`` owns a durable
    transaction, so this is a session-level PostgreSQL advisory lock (released in ``finally``,
    or by PostgreSQL if the connection dies), keyed (``PLACEMENT_LOCK``, patient id), clear of
    imports' (4242, id) and the nurse cap's (facility, negative) keys. A dry run takes none
    (tests/infusion/test_placement_service.py::test_two_desks_placing_one_booking_at_once_book_one_chair)."""
    key = id_or_none(patient_id)
    if dry_run or key is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [PLACEMENT_LOCK, key % 2**31])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [PLACEMENT_LOCK, key % 2**31])


@dataclass
class _Outcome:
    decision: engine.Decision
    attempts: list[engine.Attempt]
    center: DatabaseCenter
    booking: object | None = None
    option: engine.StartOption | None = None


def _decide_and_book(*, facility, actor, actor_role, request: _Request, search_days: int, dry_run: bool, now):
    """Decides over the database and books the choice (see ``placement_create``): up to
    ``MAX_ROUNDS`` decisions, each booking the chosen day's best starts until one holds. A dry
    run decides once and books nothing."""
    today = now.astimezone(ZoneInfo(facility.time_zone)).date()
    chairs = chair_list(facility=facility)
    chair_names = {chair.pk: chair.name for chair in chairs}
    attempts: list[engine.Attempt] = []
    _, days = engine.route_days(request.route, request.from_date)
    for _ in range(1 if dry_run else MAX_ROUNDS):
        center = DatabaseCenter(
            facility=facility, chairs=chairs, appointment_type_id=request.appointment_type.pk, now=now
        )
        center.prefetch(
            first=max(min(days), today),
            last=max(max(days), today) + dt.timedelta(days=search_days),
            patient_type=request.patient_type,
        )
        decision = engine.place(
            policy=request.policy,
            route=request.route,
            from_day=request.from_date,
            patient_type=request.patient_type,
            minutes=request.minutes,
            center=center,
            search_days=search_days,
            earliest=today,
        )
        attempts += [attempt for attempt in decision.attempts if attempt.verdict != engine.CHOSEN]
        outcome = _Outcome(decision, attempts, center)
        if not decision.placed:
            return outcome
        choice = next(attempt for attempt in decision.attempts if attempt.verdict == engine.CHOSEN)
        if dry_run:
            name = chair_names.get(decision.option.chair, "the chair")
            attempts.append(engine.Attempt(choice.day, choice.start, engine.CHOSEN, f"{name}: {choice.reason}"))
            outcome.option = decision.option
            return outcome
        outcome.booking, outcome.option = _book_first_free(
            facility=facility,
            actor=actor,
            actor_role=actor_role,
            request=request,
            decision=decision,
            choice=choice,
            center=center,
            chair_names=chair_names,
            attempts=attempts,
            now=now,
        )
        if outcome.booking is not None:
            return outcome
    return outcome


def _placement(*, facility, actor, request: _Request, outcome: _Outcome, dry_run: bool) -> Placement:
    """The Placement row (unsaved) of what was asked, tried and chosen."""
    decision, booking, option = outcome.decision, outcome.booking, outcome.option
    placed = option is not None and (dry_run or booking is not None)
    placement = Placement(
        facility=facility,
        patient=request.patient,
        patient_type=request.patient_type,
        route=request.route_code,
        policy=request.policy,
        appointment_type=request.appointment_type,
        from_date=request.from_date,
        target_date=decision.target,
        predicted_minutes=request.minutes,
        prediction_basis=request.basis[:300],
        previous_booking=request.previous,
        booking=booking,
        created_by=actor,
        attempts=[_attempt_json(attempt) for attempt in outcome.attempts],
        status=PlacementStatus.PLACED if placed else PlacementStatus.FAILED,
        explanation=engine.explanation_text(
            policy=request.policy, target=decision.target, attempts=outcome.attempts, placed=placed
        ),
    )
    if placed:
        placement.chair_id = option.chair
        placement.chosen_start = booking.start if booking is not None else outcome.center.instant(decision.day, option)
        placement.over_type_capacity = decision.over_type_capacity
    return placement


def _book_first_free(*, facility, actor, actor_role, request, decision, choice, center, chair_names, attempts, now):
    """Books the decision's option, else the day's next ones in the policy's order; appends an
    attempt per start tried (naming the chair). Returns (booking, option) or (None, None)."""
    day = decision.day
    ranked = engine.ranked_options(request.policy, center.start_options(day, request.minutes))
    options = [decision.option, *[option for option in ranked if option != decision.option]]
    for index, option in enumerate(options[:MAX_STARTS_PER_DAY]):
        start = center.instant(day, option)
        try:
            booking = booking_services.booking_create(
                facility=facility,
                actor=actor,
                actor_role=actor_role,
                request=booking_services.BookingRequest(
                    patient_id=request.patient.pk,
                    appointment_type_id=request.appointment_type.pk,
                    start=start,
                    end=start + dt.timedelta(minutes=request.minutes),
                    resources=(booking_services.ResourceRequest(option.chair),),
                    note=f"Infusion placement: {RouteCode(request.route_code).label.lower()}.",
                ),
                now=now,
            )
        except ApplicationError as error:
            if error.code not in LOST_RACE:
                raise
            why = f"{chair_names.get(option.chair, 'the chair')}: booking refused it: {_refusal(error)}"
            attempts.append(engine.Attempt(day, option.start, engine.REJECTED, why))
            continue
        name = chair_names.get(option.chair, "the chair")
        reason = f"{name}: {choice.reason}" if index == 0 else f"{name}, the next start of the day: {choice.reason}"
        attempts.append(engine.Attempt(day, option.start, engine.CHOSEN, reason))
        return booking, option
    return None, None


def _refusal(error: ApplicationError) -> str:
    message = error.message.rstrip(".")
    return message[0].lower() + message[1:] if message else error.code


def _attempt_json(attempt: engine.Attempt) -> dict:
    start = None if attempt.start is None else f"{attempt.start // 60:02d}:{attempt.start % 60:02d}"
    return {"day": attempt.day.isoformat(), "start": start, "verdict": attempt.verdict, "reason": attempt.reason}


# --- what was asked --------------------------------------------------------------------------------


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", message, fields={field: [message]})


def _resolve(
    *,
    facility,
    actor_role,
    patient_id,
    route_code,
    patient_type,
    appointment_type_id,
    previous_booking_id,
    policy,
    facility_policy,
    from_date,
    now,
) -> _Request:
    if route_code not in RouteCode.values:
        raise _invalid("route", f"Choose one of: {', '.join(RouteCode.values)}.")
    if policy not in Policy.values:
        raise _invalid("policy", f"Choose one of: {', '.join(Policy.values)}.")
    if policy != facility_policy and not role_allows(actor_role, Action.INFUSION_MANAGE):
        raise ApplicationError(
            "permission_denied",
            f"The role '{actor_role}' may not choose a policy other than the facility's ({facility_policy}).",
        )
    try:
        patient = kernel.patient_get(facility=facility, patient_id=patient_id)
    except NotFound:
        raise _invalid("patient", "Not a patient of this facility.") from None
    types = {row.code: row for row in capacity.patient_type_list(facility=facility)}
    if patient_type and patient_type.strip().upper() not in types:
        raise _invalid("patient_type", f"Not a patient type of this infusion center: {patient_type.strip().upper()}.")
    previous = _previous(facility=facility, patient=patient, route_code=route_code, booking_id=previous_booking_id)
    appointment_type = _appointment_type(
        facility=facility, appointment_type_id=appointment_type_id, previous=previous, patient_type=patient_type
    )
    mapping = analytics.mapping_for(facility_id=facility.pk, appointment_type_id=appointment_type.pk)
    code = (patient_type or (mapping.patient_type if mapping else "") or "").strip().upper()
    if not code:
        raise _invalid("patient_type", f"Give the patient type: {appointment_type.name} is not mapped to one.")
    if code not in types:
        raise _invalid("patient_type", f"Not a patient type of this infusion center: {code}.")
    kind = types[code]
    estimate = estimates.chair_estimate(
        facility=facility,
        regimen_category=(mapping.regimen_category if mapping else "") or kind.regimen_category,
        patient_type=code,
        scheduled_minutes=kind.chair_minutes,
    )
    zone = ZoneInfo(facility.time_zone)
    today = now.astimezone(zone).date()
    if from_date is None:
        if route_code == RouteCode.NO_SHOW and previous is None:
            raise _invalid("previous_booking", "Give the missed booking: a no-show is rebooked from its day.")
        counts_from_booking = route_code in (RouteCode.NO_SHOW, RouteCode.NEXT_CYCLE, RouteCode.BAD_BLOOD)
        from_date = previous.start.astimezone(zone).date() if previous and counts_from_booking else today
    return _Request(
        patient=patient,
        route=capacity.route_for(facility=facility, code=route_code),
        route_code=route_code,
        policy=policy,
        patient_type=code,
        appointment_type=appointment_type,
        previous=previous,
        from_date=from_date,
        minutes=max(1, estimate.minutes),
        basis=estimate.basis,
    )


def _previous(*, facility, patient, route_code, booking_id):
    if booking_id in (None, ""):
        return None
    try:
        previous = bookings.booking_get(facility=facility, booking_id=booking_id)
    except NotFound:
        raise _invalid("previous_booking", "Not a booking of this facility.") from None
    if previous.patient_id != patient.pk:
        raise _invalid("previous_booking", "Not a booking of this patient.")
    wanted = _PREVIOUS_STATUS.get(route_code)
    if wanted and previous.status != wanted:
        raise _invalid("previous_booking", f"A {RouteCode(route_code).label.lower()} follows a {wanted} booking.")
    done = placement_following(facility=facility, booking_id=previous.pk, route=route_code)
    if done is not None:
        when = done.chosen_start.astimezone(ZoneInfo(facility.time_zone)).strftime("%a %d %b %Y %H:%M")
        raise _invalid(
            "previous_booking",
            f"This booking already has its {RouteCode(route_code).label.lower()}: placement {done.pk}, booked "
            f"{when}. Cancel that booking to place again.",
        )
    return previous


def _appointment_type(*, facility, appointment_type_id, previous, patient_type):
    if appointment_type_id not in (None, ""):
        try:
            appointment_type = kernel.appointment_type_get(facility=facility, appointment_type_id=appointment_type_id)
        except NotFound:
            raise _invalid("appointment_type", "Not an appointment type of this facility.") from None
    elif previous is not None:
        appointment_type = previous.appointment_type
    else:
        code = (patient_type or "").strip().upper()
        mapped = [
            mapping.appointment_type
            for mapping in analytics.mapping_list(facility=facility)
            if code and mapping.patient_type.strip().upper() == code and mapping.appointment_type.active
        ]
        if not mapped:
            raise _invalid("appointment_type", "Give the appointment type (none is mapped to this patient type).")
        appointment_type = mapped[0]
    if not appointment_type.active:
        raise _invalid("appointment_type", f"{appointment_type.name} is no longer booked.")
    needs = appointment_type.resource_needs or []
    if len(needs) > 1 or (needs and ResourceKind.CHAIR not in needs[0].get("kinds", [])):
        raise _invalid("appointment_type", f"{appointment_type.name} is not booked on a chair.")
    return appointment_type
