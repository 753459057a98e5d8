"""The assistant's executor: an intent answered from the database (published rosters, their
assignments, approved leave), the solver's explanations (``rostering.explain.why``) and the
change services, never from the language model or from anything made up.

Reads answer at once. Writes (a what-if, a swap request) come back as a proposal
(``rostering.assistant.proposals``) that a person confirms.

Errors: 400 ``invalid`` naming ``question``, or ``rota`` when the facility has none; 403 without
``roster.view``; 404 for a rota of another facility.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import statistics
from dataclasses import dataclass, field

from django.conf import settings

from rostering import explain, selectors
from rostering.assistant import intents as it
from rostering.assistant import proposals
from rostering.models import Leave, LeaveStatus, Roster, RosterStatus
from scheduling.errors import ApplicationError
from scheduling.permissions import Action

logger = logging.getLogger(__name__)

#: Time limit of each of the two searches ``explain.why`` runs for one answer.
WHY_SECONDS = 4.0
MAX_QUESTION = 500


@dataclass(frozen=True)
class Answer:
    intent: str
    text: str
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    roster_id: int | None = None
    proposal: proposals.Proposal | None = None
    source: str = "parser"
    options: tuple[str, ...] = ()

    @property
    def data(self) -> dict | None:
        if not self.columns and self.roster_id is None:
            return None
        return {"roster": self.roster_id, "columns": list(self.columns), "rows": [list(r) for r in self.rows]}


@dataclass
class Setting:
    """What one question is answered in: the facility, the asker, the rota and the context the
    parser resolves against."""

    facility: object
    actor: object
    rota: object
    context: it.Context
    manager: bool
    published: list[Roster] = field(default_factory=list)


def _invalid(name: str, message: str) -> ApplicationError:
    return ApplicationError("invalid", message, fields={name: [message]})


def day_words(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def span_words(first: dt.date, last: dt.date) -> str:
    return day_words(first) if first == last else f"{day_words(first)} – {day_words(last)}"


# The setting ------------------------------------------------------------------------------


def setting_for(*, facility, actor, rota_id=None) -> Setting:
    """The rota asked about (``rota_id``; else the asker's own rota; else the facility's first)
    and what the parser needs of it. 404 for a rota of another facility; 400 when the facility
    has none."""
    selectors.require(facility=facility, actor=actor, action=Action.ROSTER_VIEW)
    if rota_id not in (None, ""):
        rota = selectors.rota_get(facility=facility, rota_id=rota_id)
    else:
        own = selectors.staff_for_user(facility=facility, user=actor).order_by("rota__name").first()
        rota = own.rota if own else selectors.rota_list(facility=facility).first()
        if rota is None:
            raise _invalid("rota", "This facility has no rota yet.")
    staff = selectors.staff_list(facility=facility, rota=rota).filter(active=True)
    me = selectors.staff_for_user(facility=facility, user=actor, rota=rota).first()
    published = list(
        selectors.roster_list(facility=facility, actor=actor, rota=rota)
        .filter(status=RosterStatus.PUBLISHED)
        .order_by("first_day")
    )
    context = it.Context(
        today=it.local_today(facility.time_zone),
        staff=tuple(it.Person(member.pk, member.resource.name) for member in staff),
        shift_types=tuple(it.Shift(s.code, s.name, s.kind) for s in selectors.shift_type_list(rota=rota)),
        skills=tuple(rota.skills),
        covered=tuple((r.first_day, r.last_day) for r in published),
        me=me.pk if me else None,
    )
    return Setting(
        facility=facility,
        actor=actor,
        rota=rota,
        context=context,
        manager=selectors.can_manage(facility=facility, actor=actor),
        published=published,
    )


def _roster_on(setting: Setting, day: dt.date) -> Roster | None:
    return next((r for r in setting.published if r.first_day <= day <= r.last_day), None)


def _rosters_over(setting: Setting, first: dt.date, last: dt.date) -> list[Roster]:
    return [r for r in setting.published if r.first_day <= last and first <= r.last_day]


def _current_roster(setting: Setting) -> Roster | None:
    """The published roster covering today, else the next one to start, else the latest."""
    today = setting.context.today
    current = _roster_on(setting, today)
    if current:
        return current
    upcoming = [r for r in setting.published if r.first_day > today]
    if upcoming:
        return upcoming[0]
    return setting.published[-1] if setting.published else None


def _no_roster(intent: str, first: dt.date, last: dt.date) -> Answer:
    return Answer(intent, f"No published roster covers {span_words(first, last)}.")


# Asking -----------------------------------------------------------------------------------


def assistant_ask(*, facility, actor, question: str, rota_id=None, llm_client=None) -> Answer:
    """The answer to ``question`` about the rota (see ``setting_for``). With a language model
    configured (or ``llm_client`` given), the model picks the intent; if it cannot be reached,
    the parser does, and the answer says so."""
    if not isinstance(question, str) or not question.strip():
        raise _invalid("question", "Ask a question.")
    if len(question) > MAX_QUESTION:
        raise _invalid("question", f"At most {MAX_QUESTION} characters.")
    setting = setting_for(facility=facility, actor=actor, rota_id=rota_id)
    note = ""
    source = "parser"
    intent = None
    if llm_client is not None or getattr(settings, "CARESLOT_ANTHROPIC_API_KEY", ""):
        from rostering.assistant import llm

        try:
            intent = llm.interpret(question, setting.context, client=llm_client)
            source = "llm"
        except llm.Unavailable as error:
            logger.warning("assistant: the language model is unavailable (%s); the parser answers", error)
            note = "The language model could not be reached, so the built-in parser answered. "
    if intent is None:
        intent = it.parse(question, setting.context)
    answer = execute(intent, setting)
    return dataclasses.replace(answer, text=note + answer.text, source=source)


def execute(intent: it.Intent, setting: Setting) -> Answer:
    """The answer to a resolved intent."""
    if isinstance(intent, it.ShowSchedule):
        return _show(intent, setting)
    if isinstance(intent, it.Why):
        return _why(intent, setting)
    if isinstance(intent, it.WhoIsFree):
        return _who_is_free(intent, setting)
    if isinstance(intent, it.WhatIf):
        return _what_if(intent, setting)
    if isinstance(intent, it.Swap):
        return _swap(intent, setting)
    if isinstance(intent, it.Clarify):
        return Answer(intent.intent, intent.text, options=intent.options)
    return Answer(it.Unrecognised.intent, getattr(intent, "text", it.HELP) or it.HELP)


def _me(setting: Setting, intent_name: str) -> int:
    if setting.context.me is None:
        raise _NotOnRota(Answer(intent_name, f"You are not on the staff of {setting.rota.name}."))
    return setting.context.me


class _NotOnRota(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.text)
        self.answer = answer


def _guarded(function):
    def run(intent, setting):
        try:
            return function(intent, setting)
        except _NotOnRota as refusal:
            return refusal.answer

    return run


@_guarded
def _show(intent: it.ShowSchedule, setting: Setting) -> Answer:
    first = intent.first_day or setting.context.today
    last = intent.last_day or first + dt.timedelta(days=6)
    rosters = _rosters_over(setting, first, last)
    if not rosters:
        return _no_roster(intent.intent, first, last)
    staff_id = _me(setting, intent.intent) if intent.own else intent.staff_id
    rows = []
    for roster in rosters:
        assignments = selectors.assignment_list(roster=roster, first_day=first, last_day=last)
        if staff_id is not None:
            assignments = assignments.filter(staff_id=staff_id)
        if intent.shift_codes:
            assignments = assignments.filter(shift_type__code__in=intent.shift_codes)
        rows += [
            (row.date.isoformat(), f"{row.shift_type.name} ({row.shift_type.code})", row.staff.resource.name, row.skill)
            for row in assignments
        ]
    whose = "Your" if intent.own else (f"{setting.context.person(staff_id).name}'s" if staff_id else "All")
    kinds = (
        " " + "/".join(setting.context.shift(c).name.lower() for c in intent.shift_codes) if intent.shift_codes else ""
    )
    names = ", ".join(f"“{r.name}”" for r in rosters)
    text = (
        f"{whose}{kinds} shifts, {span_words(first, last)}: {len(rows)} in the published roster {names}."
        if rows
        else f"No{kinds} shifts for {whose.lower() if whose != 'All' else 'anyone'}, {span_words(first, last)}, "
        f"in the published roster {names}."
    )
    if whose == "Your" and not rows:
        text = f"You have no{kinds} shifts {span_words(first, last)} in the published roster {names}."
    return Answer(
        intent.intent,
        text,
        columns=("Date", "Shift", "Person", "Skill"),
        rows=tuple(rows),
        roster_id=rosters[0].pk,
    )


def _private(reason: str, name: str) -> bool:
    """A reason that tells someone's wish or leave (only they and managers see those)."""
    return reason.startswith((f"{name} asked ", f"{name} is on leave"))


@_guarded
def _why(intent: it.Why, setting: Setting) -> Answer:
    staff_id = intent.staff_id if intent.staff_id is not None else _me(setting, intent.intent)
    person = setting.context.person(staff_id)
    if intent.first_day is not None:
        roster = _roster_on(setting, intent.first_day)
        if roster is None:
            return _no_roster(intent.intent, intent.first_day, intent.last_day or intent.first_day)
        first, last = max(intent.first_day, roster.first_day), min(intent.last_day or intent.first_day, roster.last_day)
    else:
        roster = _current_roster(setting)
        if roster is None:
            return Answer(intent.intent, f"{setting.rota.name} has no published roster.")
        first, last = roster.first_day, roster.last_day
    problem = selectors.roster_problem(roster=roster)
    solution = selectors.roster_solution(roster=roster)
    shifts = selectors.assignment_list(roster=roster, staff=staff_id, first_day=first, last_day=last)
    if intent.shift_codes:
        shifts = shifts.filter(shift_type__code__in=intent.shift_codes)
    shifts = list(shifts)
    rows = tuple((a.date.isoformat(), f"{a.shift_type.name} ({a.shift_type.code})", a.skill) for a in shifts)
    words = intent.shift_words or "/".join(setting.context.shift(c).name.lower() for c in intent.shift_codes)
    lines = []
    if intent.shift_codes:
        if not shifts:
            return Answer(
                intent.intent,
                f"{person.name} has no {words} shifts {span_words(first, last)} in “{roster.name}”.",
                roster_id=roster.pk,
            )
        counts = _counts(solution, intent.shift_codes, problem)
        mine = counts.get(str(staff_id), 0)
        values = sorted(counts.values())
        lines.append(
            f"{person.name} works {mine} {words} shift{'s' if mine != 1 else ''} in “{roster.name}” "
            f"({span_words(roster.first_day, roster.last_day)}); across the rota they range from {values[0]} to "
            f"{values[-1]} per person (median {statistics.median(values):g})."
        )
        day = shifts[0].date
    else:
        day = first
    explanation = explain.why(problem, solution, str(staff_id), (day - roster.first_day).days, time_limit=WHY_SECONDS)
    reasons = list(explanation.reasons)
    own = setting.context.me == staff_id
    if not (own or setting.manager):
        hidden = [r for r in reasons if _private(r, person.name)]
        reasons = [r for r in reasons if not _private(r, person.name)]
        if hidden:
            reasons.insert(0, f"A request of {person.name}'s bears on it (only they and managers see requests).")
    shift = explanation.shift
    head = (
        f"On {day_words(day)} {person.name} works {setting.context.shift(shift).name} ({shift})."
        if shift
        else f"On {day_words(day)} {person.name} is off."
    )
    body = " ".join(reasons) or (
        explanation.text if own or setting.manager or not shift else "No rule binds it more than another."
    )
    lines += [head, body]
    return Answer(intent.intent, " ".join(lines), columns=("Date", "Shift", "Skill"), rows=rows, roster_id=roster.pk)


def _counts(solution, codes, problem) -> dict[str, int]:
    counts = {person.id: 0 for person in problem.staff}
    for (person, _), shift in solution.assignments.items():
        if shift in codes and person in counts:
            counts[person] += 1
    return counts


def _who_is_free(intent: it.WhoIsFree, setting: Setting) -> Answer:
    day = intent.date
    roster = _roster_on(setting, day)
    if roster is None:
        return _no_roster(intent.intent, day, day)
    working = set(
        selectors.assignment_list(roster=roster, first_day=day, last_day=day).values_list("staff_id", flat=True)
    )
    away = set(
        Leave.objects.filter(
            staff__rota=setting.rota, status=LeaveStatus.APPROVED, first_day__lte=day, last_day__gte=day
        ).values_list("staff_id", flat=True)
    )
    free = [
        member
        for member in selectors.staff_list(facility=setting.facility, rota=setting.rota).filter(active=True)
        if member.pk not in working and member.pk not in away
    ]
    rows = tuple((m.resource.name, ", ".join(m.skills), str(m.seniority)) for m in free)
    text = (
        f"{len(free)} of {len(setting.context.staff)} are free on {day_words(day)}: not rostered in "
        f"“{roster.name}” and not on leave."
    )
    return Answer(intent.intent, text, columns=("Person", "Skills", "Seniority"), rows=rows, roster_id=roster.pk)


def _what_if(intent: it.WhatIf, setting: Setting) -> Answer:
    if not setting.manager:
        return Answer(intent.intent, "Only a rota manager may run a what-if.")
    roster = _roster_on(setting, intent.date)
    if roster is None:
        return _no_roster(intent.intent, intent.date, intent.date)
    problem = selectors.roster_problem(roster=roster)
    index = (intent.date - roster.first_day).days
    cells = {r.skill: r.minimum for r in problem.coverage if r.day == index and r.shift == intent.shift_code}
    skill = intent.skill
    if skill is None:
        needed = sorted(s for s, minimum in cells.items() if minimum > 0) or sorted(cells)
        if len(needed) == 1:
            skill = needed[0]
        elif not needed and not problem.skills:
            skill = ""
        else:
            options = tuple(f"{s} (now at least {cells.get(s, 0)})" for s in (needed or problem.skills))
            return Answer(
                "clarify",
                f"Covering which skill? The {setting.context.shift(intent.shift_code).name} shift on "
                f"{day_words(intent.date)} asks for " + ", ".join(options) + ". Say e.g. “3 city people”.",
                options=options,
            )
    shift = setting.context.shift(intent.shift_code)
    now = cells.get(skill, 0)
    coverage = [
        {"date": intent.date.isoformat(), "shift_code": intent.shift_code, "skill": skill, "minimum": intent.minimum}
    ]
    label = f"{skill} " if skill else ""
    summary = (
        f"Solve a what-if copy of “{roster.name}” needing at least {intent.minimum} {label}people on the "
        f"{shift.name} shift on {day_words(intent.date)} (now {now}). The published roster stays as it is."
    )
    params = {"roster_id": roster.pk, "coverage": coverage, "note": "Asked of the assistant."}
    return _propose(intent.intent, summary, params, setting, roster)


@_guarded
def _swap(intent: it.Swap, setting: Setting) -> Answer:
    requester_id = intent.requester_staff_id
    if requester_id is None or requester_id == setting.context.me:
        requester_id = _me(setting, intent.intent)
    elif not setting.manager:
        return Answer(intent.intent, "You can ask to swap your own shifts only.")
    roster = _roster_on(setting, intent.requester_date)
    if roster is None:
        return _no_roster(intent.intent, intent.requester_date, intent.requester_date)
    if intent.partner_staff_id == requester_id:
        return Answer(intent.intent, "Swap with someone else.")
    requester = setting.context.person(requester_id)
    partner = setting.context.person(intent.partner_staff_id)
    cells = {
        (a.staff_id, a.date): a
        for a in selectors.assignment_list(roster=roster).filter(staff_id__in=[requester_id, partner.id])
    }
    given = cells.get((requester_id, intent.requester_date))
    if given is None:
        whose = "You are" if requester_id == setting.context.me else f"{requester.name} is"
        return Answer(intent.intent, f"{whose} not rostered on {day_words(intent.requester_date)} in “{roster.name}”.")
    partner_date = intent.partner_date
    if partner_date is None and (partner.id, intent.requester_date) in cells:
        # Both work that day: an exchange of the day's shifts.
        partner_date = intent.requester_date
    rows = [(intent.requester_date.isoformat(), requester.name, f"{given.shift_type.name} ({given.shift_type.code})")]
    if partner_date is not None:
        taken = cells.get((partner.id, partner_date))
        if taken is None:
            return Answer(
                intent.intent, f"{partner.name} is not rostered on {day_words(partner_date)} in “{roster.name}”."
            )
        rows.append((partner_date.isoformat(), partner.name, f"{taken.shift_type.name} ({taken.shift_type.code})"))
        summary = (
            f"Ask to exchange {requester.name}'s {given.shift_type.name} on {day_words(intent.requester_date)} for "
            f"{partner.name}'s {taken.shift_type.name} on {day_words(partner_date)} in “{roster.name}”. "
            "It is checked against the hard rules, then a manager decides."
        )
    else:
        summary = (
            f"Ask {partner.name} to take {requester.name}'s {given.shift_type.name} on "
            f"{day_words(intent.requester_date)} in “{roster.name}”. It is checked against the hard rules, then a "
            "manager decides."
        )
    params = {
        "roster_id": roster.pk,
        "requester_staff_id": requester_id,
        "requester_date": intent.requester_date.isoformat(),
        "partner_staff_id": partner.id,
        "partner_date": partner_date.isoformat() if partner_date else None,
        "reason": "Asked of the assistant.",
    }
    answer = _propose(intent.intent, summary, params, setting, roster)
    return dataclasses.replace(answer, columns=("Date", "Person", "Shift"), rows=tuple(rows))


# Proposals --------------------------------------------------------------------------------


def _propose(intent_name: str, summary: str, params: dict, setting: Setting, roster: Roster) -> Answer:
    token = proposals.proposal_sign(facility=setting.facility, actor=setting.actor, action=intent_name, params=params)
    proposal = proposals.Proposal(action=intent_name, params=params, summary=summary, token=token)
    return Answer(intent_name, summary + " Confirm to go ahead.", roster_id=roster.pk, proposal=proposal)
