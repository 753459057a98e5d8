"""Explanations in words: why a person has an assignment, and why a problem has no roster.

``infeasibility(problem)`` puts each hard rule instance group (coverage of one day, shift and
skill; one person's leave, rest, consecutive days, hours; one training requirement; one pin)
behind an assumption literal, asks CP-SAT for a sufficient set of conflicting assumptions,
shrinks it (dropping each group whose removal leaves the problem infeasible), and says what
each remaining group demands and what would relax it.

``why(problem, roster, person, day)`` names what binds an assignment: a pin, a wish, a training
requirement, the coverage it provides; then re-solves with the assignment forbidden and reports
either which hard rules would conflict without it, or how much more, rule by rule, the best
roster found without it costs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rostering import model as roster_model
from rostering.problem import Problem, Roster

RELAX = {
    "coverage": "lower the minimum cover, or make the coverage rule soft",
    "leave": "move or shorten the leave, or make the leave rule soft",
    "rest": "allow that succession, or make the rest rule soft",
    "max_consecutive": "raise the contract's maximum in a row, or make the max_consecutive rule soft",
    "min_consecutive": "lower the contract's minimum in a row, or make the min_consecutive rule soft",
    "consecutive_shifts": "change the shift type's limits in a row, or make consecutive_shifts soft",
    "consecutive_days_off": "change the contract's days-off limits, or make consecutive_days_off soft",
    "hours": "raise the contract's hours, or make the hours rule soft",
    "training": "lower the training requirement or widen its period, or make the training rule soft",
    "pin": "unpin the assignment",
    "forbid": "keep the assignment",
}


@dataclass(frozen=True)
class Conflict:
    rule: str
    key: tuple
    text: str
    relax: str


@dataclass(frozen=True)
class Infeasibility:
    """``status``: "feasible", "infeasible" (``conflicts`` say why) or "unknown" (neither a
    roster nor a proof within the time limit)."""

    feasible: bool
    conflicts: list[Conflict] = field(default_factory=list)
    text: str = ""
    status: str = "infeasible"


@dataclass(frozen=True)
class Explanation:
    person: str
    day: int
    shift: str | None
    reasons: list[str]
    text: str
    cost_without: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def day_words(problem: Problem, day: int) -> str:
    return problem.date(day).strftime("%a %d %b").replace(" 0", " ")


def _names(problem: Problem, ids) -> str:
    names = [problem.person(i).name or i for i in ids]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _core(problem: Problem, *, forbid=None, time_limit: float = 10.0) -> tuple[str, list[tuple], bool]:
    """('feasible' | 'infeasible' | 'unknown', the conflicting group keys, whether shrinking them
    finished: then each is needed, and lifting any one of them removes this conflict)."""
    deadline = time.perf_counter() + time_limit
    built = roster_model.build(problem, assumptions=True, objective=False)
    if forbid is not None:
        person, day, shift = forbid
        literal = built.group_literal(("forbid", person, day, shift))
        built.model.add(sum(built.shift_vars(person, day, [shift])) == 0).only_enforce_if(literal)
    by_index = {literal.index: key for key, literal in built.groups.items()}

    def run(keys: list[tuple], limit: float):
        built.model.clear_assumptions()
        built.model.add_assumptions([built.groups[key] for key in keys])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.1, limit)
        solver.parameters.num_workers = 1
        status = solver.solve(built.model)
        if status == cp_model.INFEASIBLE:
            return "infeasible", [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return "feasible", []
        return "unknown", []

    status, core = run(list(built.groups), deadline - time.perf_counter())
    if status != "infeasible":
        return status, [], False
    # Deletion filter: keep a group only if the rest without it is satisfiable.
    index = 0
    while index < len(core) and time.perf_counter() < deadline:
        trial = core[:index] + core[index + 1 :]
        result, smaller = run(trial, min(2.0, deadline - time.perf_counter()))
        if result == "infeasible":
            core = [key for key in trial if key in set(smaller)] or trial
        else:
            index += 1
    return "infeasible", core, index >= len(core)


def describe(problem: Problem, key: tuple) -> Conflict:
    """One hard rule instance group in words, with what would relax it."""
    kind = key[0]
    if kind == "coverage":
        _, day, code, skill = key
        shift = problem.shift(code)
        minimum = sum(r.minimum for r in problem.coverage if (r.day, r.shift, r.skill) == (day, code, skill))
        skilled = [p.id for p in problem.staff if skill in p.skills]
        away = [p for p in skilled if problem.on_leave(p, day)]
        text = (
            f"Coverage of {minimum} on the {shift.name or code} shift on {day_words(problem, day)} needs "
            f"{minimum} {'person' if minimum == 1 else 'people'} with skill {skill}; {len(skilled)} have it"
        )
        if away:
            text += f", and {_names(problem, away)} {'is' if len(away) == 1 else 'are'} on leave"
        return Conflict("coverage", key, text + ".", RELAX["coverage"])
    if kind == "leave":
        _, person, first = key
        leave = next(item for item in problem.leave if item.person == person and item.first_day == first)
        text = (
            f"{_names(problem, [person])} is on leave from {day_words(problem, leave.first_day)} "
            f"to {day_words(problem, leave.last_day)}" + (f" ({leave.reason})" if leave.reason else "") + "."
        )
        return Conflict("leave", key, text, RELAX["leave"])
    if kind == "rest":
        person = problem.person(key[1])
        pairs = roster_model.RosterModel(problem).forbidden_pairs(person.id)
        after = sorted({f"{b} after {a}" for a, b in pairs})
        text = f"{person.name or person.id} may not work " + ", ".join(after)
        if person.contract.min_rest_hours:
            text += f" (at least {person.contract.min_rest_hours:g} h of rest between shifts)"
        if person.history.last_shift:
            text += f"; the last shift before the roster was {person.history.last_shift}"
        return Conflict("rest", key, text + ".", RELAX["rest"])
    if kind == "max_consecutive":
        person = problem.person(key[1])
        limits = []
        if person.contract.max_consecutive_days is not None:
            limits.append(f"{person.contract.max_consecutive_days} working days")
        if person.contract.max_consecutive_nights is not None:
            limits.append(f"{person.contract.max_consecutive_nights} nights")
        text = f"{person.name or person.id}'s contract allows at most {' and '.join(limits)} in a row"
        if person.history.consecutive_working_days:
            text += f", and {person.history.consecutive_working_days} days were worked just before the roster"
        return Conflict("max_consecutive", key, text + ".", RELAX["max_consecutive"])
    if kind == "hours":
        person = problem.person(key[1])
        contract = person.contract
        parts = []
        if contract.max_hours_per_week is not None:
            parts.append(f"at most {contract.max_hours_per_week:g} h a week")
        if contract.max_hours_4_weeks is not None:
            parts.append(f"at most {contract.max_hours_4_weeks:g} h in 4 weeks")
        if contract.min_hours_per_week is not None:
            parts.append(f"at least {contract.min_hours_per_week:g} h in a full week")
        text = f"{person.name or person.id}'s contract allows {' and '.join(parts)}."
        return Conflict("hours", key, text, RELAX["hours"])
    if kind == "training":
        requirement = problem.training[key[1]]
        what = " ".join(filter(None, (requirement.shift, requirement.skill and f"({requirement.skill})")))
        text = (
            f"{_names(problem, [requirement.person])} needs at least {requirement.minimum} {what} shifts "
            f"between {day_words(problem, requirement.first_day)} and {day_words(problem, requirement.last_day)}."
        )
        return Conflict("training", key, text, RELAX["training"])
    if kind == "pin":
        _, person, day = key
        pinned = next(pin.shift for pin in problem.pins if pin.person == person and pin.day == day)
        text = f"{_names(problem, [person])} is pinned to {pinned or 'a day off'} on {day_words(problem, day)}."
        return Conflict("pin", key, text, RELAX["pin"])
    if kind == "forbid":
        _, person, day, code = key
        text = f"{_names(problem, [person])} would not work {code} on {day_words(problem, day)}."
        return Conflict("forbid", key, text, RELAX["forbid"])
    person = problem.person(key[1]) if len(key) > 1 and isinstance(key[1], str) else None
    who = f" for {person.name or person.id}" if person else ""
    return Conflict(kind, key, f"The {kind} rule{who}.", RELAX.get(kind, f"make the {kind} rule soft"))


def infeasibility(problem: Problem, *, time_limit: float = 10.0) -> Infeasibility:
    """Why ``problem`` has no roster, in words; ``feasible`` True when it has one."""
    status, core, minimal = _core(problem, time_limit=time_limit)
    if status == "feasible":
        return Infeasibility(True, [], "The rules can all be met: a roster exists.", "feasible")
    if status == "unknown":
        text = f"No roster was found in {time_limit:g} s, nor a proof that none exists."
        return Infeasibility(False, [], text, "unknown")
    conflicts = [describe(problem, key) for key in core]
    return Infeasibility(False, conflicts, _conflict_text(conflicts, minimal))


def _conflict_text(conflicts: list[Conflict], minimal: bool) -> str:
    if not conflicts:
        return "The problem has no roster even with every hard rule lifted (the pins or skills alone conflict)."
    lines = ["These constraints cannot all hold together:"]
    lines += [f"- {conflict.text}" for conflict in conflicts]
    lines.append("Any one of these would relax it:" if minimal else "Some of these would relax it:")
    seen = set()
    for conflict in conflicts:
        advice = f"{conflict.relax} ({conflict.rule})"
        if advice not in seen:
            seen.add(advice)
            lines.append(f"- {advice}")
    return "\n".join(lines)


def why(problem: Problem, roster: Roster, person: str, day: int, *, time_limit: float = 5.0) -> Explanation:
    """What binds ``person``'s assignment on ``day`` in ``roster`` (a shift, or a day off)."""
    shift = roster.shift(person, day)
    name = problem.person(person).name or person
    when = day_words(problem, day)
    reasons = []
    for pin in problem.pins:
        if pin.person == person and pin.day == day:
            reasons.append(f"{name} is pinned to {pin.shift or 'a day off'} on {when}.")
    for wish in problem.preferences:
        if wish.person == person and wish.day == day and (wish.shift in (None, shift)):
            verb = "asked for" if wish.want else "asked not to work"
            reasons.append(
                f"{name} {verb} {wish.shift or 'any shift'} on {when}" + (f" ({wish.reason})." if wish.reason else ".")
            )
    if shift is None:
        if problem.on_leave(person, day):
            reasons.append(f"{name} is on leave on {when}.")
        text = " ".join(reasons) or f"{name} is off on {when}: no rule needs them that day."
        return Explanation(person, day, None, reasons, text)
    skill = roster.skills.get((person, day))
    if skill is not None:
        covering = sum(
            1
            for (p, d), s in roster.assignments.items()
            if d == day and s == shift and roster.skills.get((p, d)) == skill
        )
        minimum = sum(r.minimum for r in problem.coverage if (r.day, r.shift, r.skill) == (day, shift, skill))
        if minimum:
            reasons.append(
                f"{name} is one of the {covering} covering {skill} on the {shift} shift on {when}, "
                f"which needs at least {minimum}."
            )
    for requirement in problem.training:
        counts = requirement.shift in (None, shift) and requirement.skill in (None, skill)
        if requirement.person == person and requirement.first_day <= day <= requirement.last_day and counts:
            reasons.append(f"It counts towards {name}'s training: at least {requirement.minimum} such shifts.")
    # Without it: what breaks, or what costs more.
    status, core, _ = _core(problem, forbid=(person, day, shift), time_limit=time_limit)
    if status == "infeasible":
        conflicts = [describe(problem, key) for key in core if key[0] != "forbid"]
        reasons.append("Without it the hard rules cannot all hold: " + " ".join(c.text for c in conflicts))
        return Explanation(person, day, shift, reasons, " ".join(reasons), conflicts=conflicts)
    current = roster_model.evaluate(problem, roster)
    without = _solve_without(problem, roster, (person, day, shift), time_limit)
    extra: dict[str, int] = {}
    if current.feasible and without is not None:
        for rule in set(current.term_costs) | set(without[1]):
            delta = without[1].get(rule, 0) - current.term_costs.get(rule, 0)
            if delta:
                extra[rule] = delta
        total = without[0] - (current.objective or 0)
        if total > 0:
            parts = ", ".join(f"{rule} {delta:+d}" for rule, delta in sorted(extra.items(), key=lambda i: -i[1]))
            reasons.append(f"The best roster found without it costs {total} more ({parts}).")
        else:
            reasons.append("A roster as good without it exists: the assignment is one choice among equals.")
    return Explanation(person, day, shift, reasons, " ".join(reasons), cost_without=extra)


def _solve_without(problem, roster, forbid, time_limit):
    person, day, shift = forbid
    built = roster_model.build(problem)
    built.model.add(sum(built.shift_vars(person, day, [shift])) == 0)
    built.hint(Roster({k: v for k, v in roster.assignments.items() if k != (person, day)}))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    _, costs = built.violations(solver.value)
    return int(round(solver.objective_value)) if built.penalties else 0, costs
