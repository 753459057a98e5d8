"""The roster problem as a CP-SAT model, and its solve.

Variables: ``x[p, d, s]`` (person p works shift s on day d) and ``y[p, d, s, k]`` (doing so, p
covers skill k, for the skills the day's shift asks for). Each enabled rule of the problem is a
constraint when hard and a weighted penalty when soft, with the units ``rostering.problem``
documents; the objective is the sum of the penalties.

``solve`` runs the search with a time limit, reports progress through ``on_progress(objective,
bound, seconds)`` at each better roster, ends early (keeping the best roster) when ``stop`` is
set, and returns a ``SolveResult`` listing every soft violation and the cost of each rule.

``build(problem, assumptions=True)`` puts every hard rule instance group (a rule for one person,
or coverage for one day, shift and skill) behind one assumption literal, so that
``rostering.explain`` can ask CP-SAT which groups conflict.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from rostering.problem import Pin, Problem, Roster, Rule, rest_minutes

STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "invalid",
    cp_model.UNKNOWN: "unknown",
}


@dataclass(frozen=True)
class SoftViolation:
    """One penalised thing in a roster: ``units`` of ``rule`` costing ``cost``."""

    rule: str
    cost: int
    units: int
    text: str
    person: str | None = None
    day: int | None = None
    shift: str | None = None


@dataclass(frozen=True)
class SolveResult:
    status: str
    roster: Roster | None
    objective: int | None
    bound: float | None
    gap: float | None
    seconds: float
    first_feasible_seconds: float | None
    soft_violations: list[SoftViolation] = field(default_factory=list)
    term_costs: dict[str, int] = field(default_factory=dict)
    stopped: bool = False

    @property
    def feasible(self) -> bool:
        return self.roster is not None


@dataclass
class _Penalty:
    rule: str
    coefficient: int
    expression: object
    text: str
    person: str | None = None
    day: int | None = None
    shift: str | None = None


class RosterModel:
    """The CP-SAT model of one problem (use ``build``)."""

    def __init__(self, problem: Problem, *, assumptions: bool = False, objective: bool = True):
        self.problem = problem
        self.model = cp_model.CpModel()
        self.use_assumptions = assumptions
        self.with_objective = objective
        self.groups: dict[tuple, cp_model.IntVar] = {}
        self.penalties: list[_Penalty] = []
        self.days = range(problem.num_days)
        self.people = [person.id for person in problem.staff]
        self.shifts = {shift.code: shift for shift in problem.shift_types}
        self.x: dict[tuple[str, int, str], cp_model.IntVar] = {}
        self.y: dict[tuple[str, int, str, str], cp_model.IntVar] = {}
        self.work: dict[tuple[str, int], cp_model.IntVar] = {}
        self._cache: dict = {}  # derived variables and indexes, built once
        self.spreads: dict[str, tuple] = {}  # rule: (most, least, counts per person)
        self.night_demand = 0  # night shifts the coverage minimums ask for in all

    # Hard or soft

    def group_literal(self, key: tuple) -> cp_model.IntVar | None:
        if not self.use_assumptions:
            return None
        if key not in self.groups:
            self.groups[key] = self.model.new_bool_var("assume_" + "_".join(map(str, key)))
        return self.groups[key]

    def enforce(self, constraint, key: tuple) -> None:
        literal = self.group_literal(key)
        if literal is not None:
            constraint.only_enforce_if(literal)

    def at_most(self, rule: str, key: tuple, expression, limit: int, text: str, *, person=None, day=None, shift=None):
        """``expression <= limit``: a constraint when the rule is hard, else one unit of cost
        per unit over (the rule must be enabled: callers check)."""
        spec = self.problem.rule(rule)
        if isinstance(expression, int):
            if expression > limit and spec.hard:
                self.enforce(self.model.add_bool_or([]), key)
            elif expression > limit:
                self.penalize(rule, expression - limit, 1, text, person=person, day=day, shift=shift)
            return
        if spec.hard:
            self.enforce(self.model.add(expression <= limit), key)
            return
        upper = _upper_bound(expression) - limit
        if upper <= 0:
            return
        # excess == max(expression - limit, 0): exact, so the objective a search reports is the
        # roster's real cost even before optimality.
        excess = self.model.new_int_var(0, upper, "")
        self.model.add_max_equality(excess, [expression - limit, 0])
        self.penalize(rule, 1, excess, text, person=person, day=day, shift=shift)

    def at_least(self, rule: str, key: tuple, expression, limit: int, text: str, *, person=None, day=None, shift=None):
        self.at_most(rule, key, -expression, -limit, text, person=person, day=day, shift=shift)

    def penalize(self, rule: str, units: int, expression, text: str, *, person=None, day=None, shift=None):
        spec = self.problem.rule(rule)
        self.penalties.append(_Penalty(rule, spec.weight * units, expression, text, person, day, shift))

    # Building

    def build(self) -> RosterModel:
        self._variables()
        problem = self.problem
        for code, method in (
            ("coverage", self._coverage),
            ("optimal_coverage", self._optimal_coverage),
            ("rest", self._rest),
            ("max_consecutive", self._max_consecutive),
            ("min_consecutive", self._min_consecutive),
            ("consecutive_shifts", self._consecutive_shifts),
            ("consecutive_days_off", self._consecutive_days_off),
            ("hours", self._hours),
            ("leave", self._leave),
            ("training", self._training),
            ("preferences", self._preferences),
            ("fair_nights", self._fair_nights),
            ("fair_weekends", self._fair_weekends),
            ("hours_balance", self._hours_balance),
            ("continuity", self._continuity),
            ("partnerships", self._partnerships),
            ("complete_weekends", self._complete_weekends),
            ("total_assignments", self._total_assignments),
            ("working_weekends", self._working_weekends),
            ("changes", self._changes),
        ):
            if problem.rule(code) is not None:
                method()
        self._pins()
        self._redundant()
        if self.with_objective and self.penalties:
            self.model.minimize(sum(p.coefficient * p.expression for p in self.penalties))
        return self

    def _variables(self) -> None:
        problem = self.problem
        asked: dict[tuple[int, str], set[str]] = {}
        for row in problem.coverage:
            if row.minimum > 0 or row.optimal > 0:
                asked.setdefault((row.day, row.shift), set()).add(row.skill)
        for person in problem.staff:
            for day in self.days:
                for shift in problem.shift_types:
                    if shift.site and person.sites and shift.site not in person.sites:
                        continue
                    if shift.weekend_only and not problem.is_weekend_day(day):
                        continue
                    x = self.model.new_bool_var(f"x_{person.id}_{day}_{shift.code}")
                    self.x[person.id, day, shift.code] = x
                    covering = [k for k in person.skills if k in asked.get((day, shift.code), ())]
                    for skill in covering:
                        self.y[person.id, day, shift.code, skill] = self.model.new_bool_var("")
                    if covering:
                        # Each working assignment covers at most one skill request (INRC H4).
                        self.model.add(sum(self.y[person.id, day, shift.code, k] for k in covering) <= x)
                work = self.model.new_bool_var(f"w_{person.id}_{day}")
                self.model.add(sum(self.shift_vars(person.id, day)) == work)  # one shift a day (H1)
                self.work[person.id, day] = work

    def _redundant(self) -> None:
        """Implied constraints that only strengthen the LP relaxation (no roster meeting the
        hard rules is cut off): with coverage hard, each shift on each day has at least as many
        people on it as its rows ask for in all (a person covers one skill), and each night
        count reaches the fair share of the nights needed. Not under assumptions, where a
        coverage group may be switched off."""
        rule = self.problem.rule("coverage")
        if rule is None or not rule.hard or self.use_assumptions:
            return
        needed: dict[tuple[int, str], int] = {}
        for row in self.problem.coverage:
            if row.minimum > 0:
                needed[row.day, row.shift] = needed.get((row.day, row.shift), 0) + row.minimum
        for (day, code), minimum in needed.items():
            on = [var for person in self.people for var in self.shift_vars(person, day, [code])]
            self.model.add(sum(on) >= minimum)
        self.night_demand = sum(m for (_, code), m in needed.items() if self.shifts[code].is_night)
        if "fair_nights" in self.spreads and self.night_demand:
            high, _, counts = self.spreads["fair_nights"]
            self.model.add(high >= math.ceil(self.night_demand / len(counts)))

    def shift_vars(self, person: str, day: int, codes=None) -> list:
        codes = self.shifts if codes is None else codes
        return [self.x[person, day, code] for code in codes if (person, day, code) in self.x]

    def nights(self, person: str, day: int):
        return sum(self.shift_vars(person, day, [s.code for s in self.problem.shift_types if s.is_night]))

    def minutes(self, person: str, days) -> object:
        return sum(
            round(self.shifts[code].hours * 60) * self.x[person, day, code]
            for day in days
            for code in self.shifts
            if (person, day, code) in self.x
        )

    def covering(self, day: int, shift: str, skill: str) -> list:
        """The y variables of the people who may cover ``skill`` on ``shift`` on ``day``."""
        if "covering" not in self._cache:
            index: dict = {}
            for (_, d, s, k), var in self.y.items():
                index.setdefault((d, s, k), []).append(var)
            self._cache["covering"] = index
        return self._cache["covering"].get((day, shift, skill), [])

    def _coverage(self) -> None:
        for row in self.problem.coverage:
            if row.minimum <= 0:
                continue
            covered = sum(self.covering(row.day, row.shift, row.skill))
            self.at_least(
                "coverage",
                ("coverage", row.day, row.shift, row.skill),
                covered,
                row.minimum,
                f"{row.shift} on {self.problem.date(row.day)}: fewer than {row.minimum} covering {row.skill}",
                day=row.day,
                shift=row.shift,
            )

    def _optimal_coverage(self) -> None:
        for row in self.problem.coverage:
            if row.optimal <= 0:
                continue
            covered = sum(self.covering(row.day, row.shift, row.skill))
            short = self.model.new_int_var(0, row.optimal, "")
            self.model.add_max_equality(short, [row.optimal - covered, 0])
            self.penalize(
                "optimal_coverage",
                1,
                short,
                f"{row.shift} on {self.problem.date(row.day)}: under the optimal {row.optimal} covering {row.skill}",
                day=row.day,
                shift=row.shift,
            )

    def forbidden_pairs(self, person_id: str) -> set[tuple[str, str]]:
        """(shift, next day's shift) pairs the rest rule forbids for this person."""
        person = self.problem.person(person_id)
        pairs = {(s.code, t) for s in self.problem.shift_types for t in s.forbidden_successors}
        if person.contract.min_rest_hours is not None:
            for first in self.problem.shift_types:
                for second in self.problem.shift_types:
                    rest = rest_minutes(first, second)
                    if rest is not None and rest < person.contract.min_rest_hours * 60:
                        pairs.add((first.code, second.code))
        return pairs

    def _rest(self) -> None:
        for person in self.problem.staff:
            pairs = self.forbidden_pairs(person.id)
            last = person.history.last_shift
            for first, second in pairs:
                if last == first and (person.id, 0, second) in self.x:
                    self.at_most(
                        "rest",
                        ("rest", person.id),
                        self.x[person.id, 0, second],
                        0,
                        f"{person.id}: {second} after {first}",
                        person=person.id,
                        day=0,
                        shift=second,
                    )
                for day in self.days[:-1]:
                    if (person.id, day, first) in self.x and (person.id, day + 1, second) in self.x:
                        self.at_most(
                            "rest",
                            ("rest", person.id),
                            self.x[person.id, day, first] + self.x[person.id, day + 1, second],
                            1,
                            f"{person.id}: {second} after {first}",
                            person=person.id,
                            day=day + 1,
                            shift=second,
                        )

    def _max_run(self, rule, key, states, history_run, maximum, what, person) -> None:
        """At most ``maximum`` consecutive days in a state (``states[d]`` a literal or a linear
        0/1 expression per day); ``history_run`` days of it just before day 0. Each window of
        ``maximum + 1`` days reaching into the horizon, all in the state, is one unit."""
        n = len(states)
        for start in range(max(-history_run, -maximum), n - maximum):
            before = -start if start < 0 else 0
            window = [states[d] for d in range(max(start, 0), start + maximum + 1)]
            self.at_most(
                rule,
                key,
                sum(window),
                maximum - before,
                f"{person}: more than {maximum} {what} in a row",
                person=person,
                day=start + maximum,
            )

    def _min_run(self, rule, key, states, history_run, minimum, what, person) -> None:
        """Each run of the state ending inside the horizon lasts at least ``minimum`` days,
        counting ``history_run`` days before day 0; a run open on the last day is not checked.
        A run of length L < minimum costs ``minimum - L`` units."""
        n = len(states)
        model = self.model

        def is_on(d):
            return _literal(model, states[d])

        for start in range(0, n):
            carried = history_run if start == 0 else 0
            for length in range(0 if carried else 1, minimum - carried):
                end = start + length  # first day out of the state
                if end >= n:
                    break
                pattern = [is_on(d) for d in range(start, end)] + [is_on(end).Not()]
                if start > 0:
                    pattern.append(is_on(start - 1).Not())
                elif carried == 0 and history_run == 0 and length == 0:
                    continue
                missing = minimum - carried - length
                text = f"{person}: {what} in a run shorter than {minimum}"
                if self.problem.rule(rule).hard:
                    self.enforce(model.add_bool_or([lit.Not() for lit in pattern]), key)
                else:
                    violated = model.new_bool_var("")
                    model.add_bool_or([lit.Not() for lit in pattern] + [violated])
                    for lit in pattern:  # and only then: violated == AND(pattern)
                        model.add_implication(violated, lit)
                    self.penalize(rule, missing, violated, text, person=person, day=end)

    def _max_consecutive(self) -> None:
        for person in self.problem.staff:
            contract, history = person.contract, person.history
            worked = [self.work[person.id, d] for d in self.days]
            if contract.max_consecutive_days is not None:
                run = history.consecutive_working_days if history.last_shift else 0
                self._max_run(
                    "max_consecutive",
                    ("max_consecutive", person.id),
                    worked,
                    run,
                    contract.max_consecutive_days,
                    "working days",
                    person.id,
                )
            if contract.max_consecutive_nights is not None:
                last = history.last_shift
                run = history.consecutive_same_shift if last and self.shifts[last].is_night else 0
                nights = [self.nights(person.id, d) for d in self.days]
                self._max_run(
                    "max_consecutive",
                    ("max_consecutive", person.id),
                    nights,
                    run,
                    contract.max_consecutive_nights,
                    "nights",
                    person.id,
                )

    def _min_consecutive(self) -> None:
        for person in self.problem.staff:
            minimum = person.contract.min_consecutive_days
            if minimum is None or minimum <= 1:
                continue
            run = person.history.consecutive_working_days if person.history.last_shift else 0
            worked = [self.work[person.id, d] for d in self.days]
            self._min_run(
                "min_consecutive", ("min_consecutive", person.id), worked, run, minimum, "working days", person.id
            )

    def _consecutive_shifts(self) -> None:
        for person in self.problem.staff:
            history = person.history
            for shift in self.problem.shift_types:
                states = [sum(self.shift_vars(person.id, d, [shift.code])) for d in self.days]
                run = history.consecutive_same_shift if history.last_shift == shift.code else 0
                key = ("consecutive_shifts", person.id)
                if shift.max_consecutive is not None:
                    self._max_run(
                        "consecutive_shifts", key, states, run, shift.max_consecutive, f"{shift.code}", person.id
                    )
                if shift.min_consecutive is not None and shift.min_consecutive > 1:
                    self._min_run(
                        "consecutive_shifts", key, states, run, shift.min_consecutive, f"{shift.code}", person.id
                    )

    def _consecutive_days_off(self) -> None:
        for person in self.problem.staff:
            contract, history = person.contract, person.history
            off = [self.work[person.id, d].Not() for d in self.days]
            run = history.consecutive_days_off if not history.last_shift else 0
            key = ("consecutive_days_off", person.id)
            if contract.max_consecutive_days_off is not None:
                self._max_run(
                    "consecutive_days_off", key, off, run, contract.max_consecutive_days_off, "days off", person.id
                )
            if contract.min_consecutive_days_off is not None and contract.min_consecutive_days_off > 1:
                self._min_run(
                    "consecutive_days_off", key, off, run, contract.min_consecutive_days_off, "days off", person.id
                )

    def _hours(self) -> None:
        problem = self.problem
        for person in problem.staff:
            contract = person.contract
            key = ("hours", person.id)
            for week in problem.weeks():
                if contract.max_hours_per_week is not None:
                    self.hours_over(
                        key,
                        self.minutes(person.id, week),
                        round(contract.max_hours_per_week * 60),
                        f"{person.id}: over {contract.max_hours_per_week} h in the week of day {week[0]}",
                        person=person.id,
                        day=week[0],
                    )
                full = len(week) == 7 and not any(problem.on_leave(person.id, d) for d in week)
                if contract.min_hours_per_week is not None and full:
                    self.hours_over(
                        key,
                        -self.minutes(person.id, week),
                        -round(contract.min_hours_per_week * 60),
                        f"{person.id}: under {contract.min_hours_per_week} h in the week of day {week[0]}",
                        person=person.id,
                        day=week[0],
                    )
            if contract.max_hours_4_weeks is not None:
                span = min(28, problem.num_days)
                for start in range(0, problem.num_days - span + 1):
                    self.hours_over(
                        key,
                        self.minutes(person.id, range(start, start + span)),
                        round(contract.max_hours_4_weeks * 60),
                        f"{person.id}: over {contract.max_hours_4_weeks} h in 4 weeks from day {start}",
                        person=person.id,
                        day=start,
                    )

    def hours_over(self, key: tuple, minutes, limit: int, text: str, *, person=None, day=None) -> None:
        """``minutes <= limit`` (both in minutes, so 40.5 h meets a 40.5 h maximum): hard, or one
        unit per hour over, rounded up, exactly (a penalty is never above what the roster breaks)."""
        if isinstance(minutes, int):  # no shift can be worked in the span
            self.at_most("hours", key, math.ceil((minutes - limit) / 60), 0, text, person=person, day=day)
            return
        if self.problem.rule("hours").hard:
            self.enforce(self.model.add(minutes <= limit), key)
            return
        upper = _upper_bound(minutes) - limit
        if upper <= 0:
            return
        lower = -_upper_bound(-minutes) - limit
        over = self.model.new_int_var(math.floor(lower / 60), math.ceil(upper / 60), "")
        self.model.add(60 * over >= minutes - limit)
        self.model.add(60 * over <= minutes - limit + 59)
        hours = self.model.new_int_var(0, math.ceil(upper / 60), "")
        self.model.add_max_equality(hours, [over, 0])
        self.penalize("hours", 1, hours, text, person=person, day=day)

    def _leave(self) -> None:
        for leave in self.problem.leave:
            for day in range(max(leave.first_day, 0), min(leave.last_day, self.problem.num_days - 1) + 1):
                self.at_most(
                    "leave",
                    ("leave", leave.person, leave.first_day),
                    self.work[leave.person, day],
                    0,
                    f"{leave.person}: works on leave ({leave.reason or 'leave'})",
                    person=leave.person,
                    day=day,
                )

    def training_count(self, requirement):
        days = range(max(requirement.first_day, 0), min(requirement.last_day, self.problem.num_days - 1) + 1)
        if requirement.skill is not None:
            return sum(
                v
                for (p, d, s, k), v in self.y.items()
                if p == requirement.person
                and d in days
                and k == requirement.skill
                and (requirement.shift is None or s == requirement.shift)
            )
        codes = [requirement.shift] if requirement.shift else list(self.shifts)
        return sum(v for d in days for v in self.shift_vars(requirement.person, d, codes))

    def _training(self) -> None:
        for index, requirement in enumerate(self.problem.training):
            self.at_least(
                "training",
                ("training", index),
                self.training_count(requirement),
                requirement.minimum,
                f"{requirement.person}: fewer than {requirement.minimum} training shifts",
                person=requirement.person,
            )

    def _pins(self) -> None:
        for pin in self.problem.pins:
            if pin.day < 0 or pin.day >= self.problem.num_days:
                continue
            key = ("pin", pin.person, pin.day)
            if pin.shift is None:
                self.enforce(self.model.add(self.work[pin.person, pin.day] == 0), key)
            elif (pin.person, pin.day, pin.shift) in self.x:
                self.enforce(self.model.add(self.x[pin.person, pin.day, pin.shift] == 1), key)
            else:
                self.enforce(self.model.add_bool_or([]), key)  # the person cannot work that shift at all

    def _preferences(self) -> None:
        for item in self.problem.preferences:
            if not 0 <= item.day < self.problem.num_days:
                continue
            if item.shift is None:
                on = self.work[item.person, item.day]
            else:
                on = sum(self.shift_vars(item.person, item.day, [item.shift]))
            what = item.shift or "any shift"
            text = f"{item.person} {'wanted' if item.want else 'asked not to work'} {what} on day {item.day}"
            if item.reason:
                text += f" ({item.reason})"
            self.penalize(
                "preferences",
                item.weight,
                (1 - on) if item.want else on,
                text,
                person=item.person,
                day=item.day,
                shift=item.shift,
            )

    def _spread(self, rule: str, counts: dict[str, object], upper: int, what: str) -> None:
        if len(counts) < 2:
            return
        high = self.model.new_int_var(0, upper, "")
        low = self.model.new_int_var(0, upper, "")
        self.model.add_max_equality(high, list(counts.values()))
        self.model.add_min_equality(low, list(counts.values()))
        # Redundant, for the LP: the most is at least the average, the least at most it.
        total = sum(counts.values())
        self.model.add(len(counts) * high >= total)
        self.model.add(len(counts) * low <= total)
        self.spreads[rule] = (high, low, counts)
        # Hard, any spread is a violation (as every unit of a hard rule is).
        self.at_most(rule, (rule,), high - low, 0, f"spread of {what} between people")

    def night_eligible(self) -> list[str]:
        """Staff with a skill that some night coverage row asks for, at a site they work at."""
        asked: dict[str, set[str]] = {}
        for row in self.problem.coverage:
            if self.shifts[row.shift].is_night and (row.minimum or row.optimal):
                asked.setdefault(row.skill, set()).add(row.shift)
        eligible = []
        for person in self.problem.staff:
            codes = set().union(*(asked.get(skill, set()) for skill in person.skills))
            site_ok = [
                not self.shifts[c].site or not person.sites or self.shifts[c].site in person.sites for c in codes
            ]
            if any(site_ok):
                eligible.append(person.id)
        return eligible

    def _fair_nights(self) -> None:
        counts = {p: sum(self.nights(p, d) for d in self.days) for p in self.night_eligible()}
        self._spread("fair_nights", counts, self.problem.num_days, "night shifts")

    def weekend_worked(self, person: str, weekend: tuple[int, ...]):
        key = ("weekend", person, weekend)
        if key not in self._cache:
            worked = self.model.new_bool_var("")
            days = [self.work[person, d] for d in weekend]
            self.model.add_max_equality(worked, days)
            self._cache[key] = worked
        return self._cache[key]

    def _fair_weekends(self) -> None:
        weekends = self.problem.weekends()
        counts = {p: sum(self.weekend_worked(p, w) for w in weekends) for p in self.people}
        self._spread("fair_weekends", counts, len(weekends), "worked weekends")

    def _hours_balance(self) -> None:
        problem = self.problem
        for person in problem.staff:
            target = person.contract.target_hours_per_week
            if target is None:
                continue
            present = sum(1 for d in self.days if not problem.on_leave(person.id, d))
            # In sevenths of a minute, so the pro-rata target is whole: |worked - target| in
            # hours, rounded half up, is the least ``deviation`` with 420 × it ≥ |Δ| - 209.
            target = round(target * 60 * present)
            worked = 7 * self.minutes(person.id, self.days)
            gap = self.model.new_int_var(
                0, max(abs(_upper_bound(worked - target)), abs(_upper_bound(target - worked))), ""
            )
            self.model.add_abs_equality(gap, worked - target)
            deviation = self.model.new_int_var(0, problem.num_days * 24, "")
            self.model.add(420 * deviation >= gap - 209)
            self.model.add(420 * deviation <= gap + 210)  # the least such: exact
            self.penalize(
                "hours_balance", 1, deviation, f"{person.id}: hours away from {target} h a week", person=person.id
            )

    def _continuity(self) -> None:
        for person in self.problem.staff:
            last = person.history.last_shift
            for day in self.days:
                if day == 0 and last is None:
                    continue
                change = self.model.new_bool_var("")
                today = self.work[person.id, day]
                # Upper bounds make it exact: no change unless working on both days on other shifts.
                self.model.add(change <= today)
                if day == 0:
                    if last in self.shifts:
                        self.model.add(change <= 1 - sum(self.shift_vars(person.id, 0, [last])))
                    else:
                        self.model.add(change == 0)
                else:
                    self.model.add(change <= self.work[person.id, day - 1])
                    for code in self.shifts:
                        if (person.id, day - 1, code) in self.x:
                            on_today = sum(self.shift_vars(person.id, day, [code]))
                            self.model.add(change <= 2 - self.x[person.id, day - 1, code] - on_today)
                for code in self.shifts:
                    # Working today on another shift than yesterday's is a change.
                    on_today = sum(self.shift_vars(person.id, day, [code]))
                    if day == 0:
                        if code == last:
                            self.model.add(change >= today - on_today)
                    elif (person.id, day - 1, code) in self.x:
                        self.model.add(change >= self.x[person.id, day - 1, code] + today - on_today - 1)
                self.penalize(
                    "continuity", 1, change, f"{person.id}: changes shift type on day {day}", person=person.id, day=day
                )

    def _partnerships(self) -> None:
        for pair in self.problem.partnerships:
            for day in self.days:
                apart = self.model.new_bool_var("")
                for code in self.shifts:
                    a = sum(self.shift_vars(pair.a, day, [code]))
                    b = sum(self.shift_vars(pair.b, day, [code]))
                    self.model.add(apart >= a - b)
                    self.model.add(apart >= b - a)
                    self.model.add(apart <= 2 - a - b)  # together on it: not apart
                self.model.add(apart <= self.work[pair.a, day] + self.work[pair.b, day])
                self.penalize(
                    "partnerships",
                    pair.weight,
                    apart,
                    f"{pair.a} and {pair.b} apart on day {day}",
                    person=pair.a,
                    day=day,
                )

    def _complete_weekends(self) -> None:
        for person in self.problem.staff:
            if not person.contract.complete_weekends:
                continue
            for weekend in self.problem.weekends():
                if len(weekend) < 2:
                    continue
                partial = self.model.new_bool_var("")
                worked = sum(self.work[person.id, d] for d in weekend)
                self.model.add(partial <= worked)  # exact: none or all worked is not partial
                self.model.add(partial <= len(weekend) - worked)
                for first in weekend:
                    for second in weekend:
                        if first != second:
                            self.model.add(partial >= self.work[person.id, first] - self.work[person.id, second])
                self.penalize(
                    "complete_weekends",
                    1,
                    partial,
                    f"{person.id}: works part of the weekend of day {weekend[0]}",
                    person=person.id,
                    day=weekend[0],
                )

    def _total_assignments(self) -> None:
        for person in self.problem.staff:
            contract = person.contract
            total = person.history.worked_assignments + sum(self.work[person.id, d] for d in self.days)
            key = ("total_assignments", person.id)
            if contract.max_assignments is not None:
                text = f"{person.id}: more than {contract.max_assignments} working days"
                self.at_most("total_assignments", key, total, contract.max_assignments, text, person=person.id)
            if contract.min_assignments is not None:
                text = f"{person.id}: fewer than {contract.min_assignments} working days"
                self.at_least("total_assignments", key, total, contract.min_assignments, text, person=person.id)

    def _working_weekends(self) -> None:
        weekends = self.problem.weekends()
        for person in self.problem.staff:
            limit = person.contract.max_working_weekends
            if limit is None:
                continue
            worked = person.history.worked_weekends + sum(self.weekend_worked(person.id, w) for w in weekends)
            text = f"{person.id}: more than {limit} working weekends"
            self.at_most("working_weekends", ("working_weekends", person.id), worked, limit, text, person=person.id)

    def _changes(self) -> None:
        reference = self.problem.reference
        if reference is None:
            return
        for person in self.people:
            for day in self.days:
                before = reference.shift(person, day)
                on_before = 0 if before is None else sum(self.shift_vars(person, day, [before]))
                changed = self.work[person, day] if before is None else 1 - on_before
                self.penalize(
                    "changes",
                    1,
                    changed,
                    f"{person}: day {day} changed from {before or 'off'}",
                    person=person,
                    day=day,
                    shift=before,
                )

    # Reading a solution

    def recorded_uncovered(self, roster: Roster, value: Callable) -> bool:
        """Whether the roster records, for a cell whose skill variables are all off, a skill the
        cell's shift asks for (the checker counts it, the solution does not)."""
        for (person, day), skill in roster.skills.items():
            cell = self._y_by_cell.get((person, day, roster.shift(person, day)), [])
            if any(key[3] == skill for key, _ in cell) and not any(value(var) for _, var in cell):
                return True
        return False

    def add_component_cuts(self, bounds: dict[tuple[str, ...], int]) -> None:
        for group, bound in bounds.items():
            members = set(group)
            own = [
                p.coefficient * p.expression
                for p in self.penalties
                if p.person in members and p.rule not in SHARED_RULES
            ]
            if own:
                self.model.add(sum(own) >= bound)
        self.component_bound = sum(bounds.values())

    def roster(self, value: Callable) -> Roster:
        assignments, skills = {}, {}
        people = {person.id: person for person in self.problem.staff}
        for person in self.people:
            for day in self.days:
                assignments[person, day] = None
                for code in self.shifts:
                    if (person, day, code) in self.x and value(self.x[person, day, code]):
                        assignments[person, day] = code
                        covered = [k for (p, d, s, k), v in self._y_by_cell.get((person, day, code), []) if value(v)]
                        # Covering nothing asked: record a skill the shift does not ask for.
                        cell = {key[3] for key, _ in self._y_by_cell.get((person, day, code), [])}
                        unasked = [k for k in people[person].skills if k not in cell]
                        fallback = unasked[:1] or people[person].skills[:1]
                        if covered or fallback:
                            skills[person, day] = (covered or list(fallback))[0]
        return Roster(assignments=assignments, skills=skills)

    @property
    def _y_by_cell(self) -> dict:
        if "_y_index" not in self._cache:
            index: dict = {}
            for key, var in self.y.items():
                index.setdefault(key[:3], []).append((key, var))
            self._cache["_y_index"] = index
        return self._cache["_y_index"]

    def fix_to(self, roster: Roster) -> None:
        """Constrain the model to exactly this roster (shifts, and the covered skills when given)."""
        for (person, day, code), var in self.x.items():
            self.model.add(var == int(roster.shift(person, day) == code))
        for (person, day), code in roster.assignments.items():
            if code is not None and (person, day, code) not in self.x:
                self.model.add_bool_or([])  # an assignment the model cannot make
        for (person, day, code, skill), var in self.y.items():
            if roster.skills.get((person, day)) and roster.shift(person, day) == code:
                self.model.add(var == int(roster.skills[person, day] == skill))

    def hint(self, roster: Roster) -> None:
        for (person, day, code), var in self.x.items():
            self.model.add_hint(var, int(roster.shift(person, day) == code))
        for (person, day, code, skill), var in self.y.items():
            on = roster.shift(person, day) == code and roster.skills.get((person, day)) == skill
            self.model.add_hint(var, int(on))

    def violations(self, value: Callable) -> tuple[list[SoftViolation], dict[str, int]]:
        found, costs = [], {}
        for penalty in self.penalties:
            units = int(value(penalty.expression))
            if units <= 0:
                continue
            cost = penalty.coefficient * units
            costs[penalty.rule] = costs.get(penalty.rule, 0) + cost
            found.append(
                SoftViolation(penalty.rule, cost, units, penalty.text, penalty.person, penalty.day, penalty.shift)
            )
        return found, costs


def _upper_bound(expression) -> int:
    """An upper bound of a linear expression over variables with known domains."""
    if isinstance(expression, int):
        return expression
    flat = cp_model.FlatIntExpr(expression)
    total = int(flat.offset)
    for var, coefficient in zip(flat.vars, flat.coeffs, strict=True):
        # list() first: the protobuf field does not take negative indexes.
        domain = list(var.proto.domain)
        total += max(coefficient * domain[0], coefficient * domain[-1])
    return total


def _literal(model: cp_model.CpModel, state):
    """A literal for a 0/1 state given as a literal, a constant or a linear expression of
    disjoint literals."""
    if isinstance(state, int):
        literal = model.new_bool_var("")
        model.add(literal == state)
        return literal
    if isinstance(state, cp_model.IntVar) or type(state).__name__ == "NotBooleanVariable":
        return state
    literal = model.new_bool_var("")
    model.add(state == literal)
    return literal


def _cost(built: RosterModel):
    return sum(p.coefficient * p.expression for p in built.penalties)


def build(
    problem: Problem,
    *,
    assumptions: bool = False,
    objective: bool = True,
    bounds: dict | None = None,
    spread_limits: dict[str, int] | None = None,
    nights: Roster | None = None,
) -> RosterModel:
    """The model of ``problem``. ``bounds`` (from ``component_bounds``) adds, for each group of
    people, the cut "their own penalties cost at least this": valid lower bounds, so no roster is
    cut off and the LP bound rises."""
    built = RosterModel(problem, assumptions=assumptions, objective=objective).build()
    for rule, limit in (spread_limits or {}).items():
        if rule in built.spreads:
            high, low, _ = built.spreads[rule]
            built.model.add(high - low <= limit)
    if nights is not None:  # night shifts fixed as in this roster (the rest left free)
        for (person, day, code), var in built.x.items():
            if built.shifts[code].is_night:
                built.model.add(var == int(nights.shift(person, day) == code))
    if bounds and not assumptions:
        built.add_component_cuts(bounds)
    return built


# Rules whose penalties tie people together; without them the rest is a sum over each person
# (or group of partners) alone.
SHARED_RULES = ("coverage", "optimal_coverage", "fair_nights", "fair_weekends")


def components(problem: Problem) -> list[tuple[str, ...]]:
    """The staff in groups linked by partnerships (a person alone is a group of one)."""
    parent = {person.id: person.id for person in problem.staff}

    def root(person: str) -> str:
        while parent[person] != person:
            parent[person] = parent[parent[person]]
            person = parent[person]
        return person

    for pair in problem.partnerships:
        if pair.a in parent and pair.b in parent:
            parent[root(pair.a)] = root(pair.b)
    groups: dict[str, list[str]] = {}
    for person in problem.staff:
        groups.setdefault(root(person.id), []).append(person.id)
    return [tuple(group) for group in groups.values()]


def component_bounds(
    problem: Problem, *, time_limit: float = 5.0, stop: threading.Event | None = None, min_size: int = 1
) -> dict[tuple[str, ...], int]:
    """A lower bound on each group's own penalties (everything but coverage, optimal coverage
    and the fairness spreads), from solving the group alone with its hard rules and without
    the shared ones: a relaxation, so any roster of the whole problem costs those people at
    least as much. Groups whose bound is 0 are left out; an infeasible group too (the whole
    problem is then infeasible, and the main solve says so)."""
    relaxed_rules = tuple(rule for rule in problem.rules if rule.code not in SHARED_RULES)
    if not any(rule.enabled and not rule.hard for rule in relaxed_rules):
        return {}
    started = time.perf_counter()
    found: dict[tuple[str, ...], int] = {}
    for group in components(problem):
        if len(group) < min_size:
            continue
        left = time_limit - (time.perf_counter() - started)
        if left <= 0.01 or (stop is not None and stop.is_set()):
            break
        members = set(group)
        reference = problem.reference
        if reference is not None:
            reference = Roster(
                {k: v for k, v in reference.assignments.items() if k[0] in members},
                {k: v for k, v in reference.skills.items() if k[0] in members},
            )
        sub = replace(
            problem,
            staff=tuple(person for person in problem.staff if person.id in members),
            leave=tuple(item for item in problem.leave if item.person in members),
            preferences=tuple(item for item in problem.preferences if item.person in members),
            training=tuple(item for item in problem.training if item.person in members),
            pins=tuple(item for item in problem.pins if item.person in members),
            partnerships=tuple(item for item in problem.partnerships if item.a in members),
            reference=reference,
            rules=relaxed_rules,
        )
        built = RosterModel(sub).build()
        if not built.penalties:
            continue
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(left, 1.0)
        solver.parameters.num_workers = 1
        status = solver.solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bound = math.ceil(solver.best_objective_bound - 1e-6)
            if bound > 0:
                found[group] = bound
    return found


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_progress, started, cost):
        super().__init__()
        self.on_progress = on_progress
        self.cost = cost
        self.started = started
        self.first: float | None = None

    def on_solution_callback(self) -> None:
        seconds = time.perf_counter() - self.started
        if self.first is None:
            self.first = seconds
        if self.on_progress is not None:
            self.on_progress(float(self.value(self.cost)), self.best_objective_bound, seconds)


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    on_progress: Callable[[float, float, float], None] | None = None,
    stop: threading.Event | None = None,
    pinned: tuple[Pin, ...] | None = None,
    reference: Roster | None = None,
    hint: Roster | None = None,
    seed: int = 0,
    relative_gap: float = 0.0,
    parameters: dict | None = None,
    fairness_first: float = 0.0,
    night_cap: bool = False,
) -> SolveResult:
    """Solve ``problem`` within ``time_limit`` seconds on ``workers`` threads.

    ``pinned`` adds pins (always hard) and ``reference`` replaces the problem's reference roster
    (the ``changes`` rule then counts each (person, day) that differs: for re-planning, add the
    rule if the problem has none). ``parameters`` sets further CP-SAT parameters by name (e.g.
    ``{"linearization_level": 2, "subsolvers": ["max_lp", "quick_restart"]}``); an unknown name
    is a ValueError. The reference, or ``hint``, seeds the search. ``stop`` set
    by another thread ends the search, keeping the best roster found so far.

    ``fairness_first`` (a share of ``time_limit``; 0 turns it off) first looks for fair rosters
    when the nights' spread is a soft rule and coverage is hard: the nights alone with their
    spread at most 1 (``night_pattern``), then the whole roster with those nights fixed and each
    spread at most 1; the rest of the time goes to the whole problem, started from that roster.
    The first phases' rosters are rosters of the problem, priced as any other, but their
    progress reports a bound of 0, as the bound reported at the end is the whole problem's.

    ``night_cap`` keeps the nights' spread at most 1 when the nights' spread is a soft rule and
    coverage hard (a choice of fairness over cost: the roster returned may cost more than the
    cheapest found). Alone, the whole problem is searched for 90 % of the time, then, if its
    roster's spread is over 1, repaired by a local search (``_repair_nights``) in the rest; with
    ``fairness_first``, the phase after the fixed nights keeps the spread at most 1 with the
    nights free until the end (slower on large problems: the bench measures both). Rosters so
    capped report as bound the whole problem's bound when one was searched, else 0.

    Every penalty variable equals what the roster breaks (max equalities and reified bounds), and
    the objective reported as progress, the result's objective and its gap are computed from the
    penalties on the roster found (not CP-SAT's objective value, which is its presolved model's
    and may be higher before optimality), so they are the roster's real cost, as ``evaluate`` and
    the checker price it.
    """
    if pinned:
        problem = replace(problem, pins=problem.pins + tuple(pinned))
    if reference is not None:
        problem = replace(problem, reference=reference)
        if problem.rule("changes") is None and not any(rule.code == "changes" for rule in problem.rules):
            problem = problem.with_rule("changes", hard=False, weight=50)
    started = time.perf_counter()
    seed_roster = hint or problem.reference
    first = None
    seeded = None  # phase B's result, when there is one
    seed_values = None
    fair_rules = [code for code in ("fair_nights", "fair_weekends") if _soft(problem, code)]
    fair = "fair_nights" in fair_rules and seed_roster is None and _hard(problem, "coverage")
    capped = None  # the status of the search with the nights' spread at most 1, when there is one
    if fair and fairness_first > 0:
        # Fair nights first (a heuristic: its rosters are rosters of the problem, priced by the
        # same penalties, but its bounds are not the problem's, so progress reports 0 as the
        # bound meanwhile). A: the nights alone, spread at most 1. B: the whole roster with those
        # nights fixed and each spread at most 1. C (``night_cap``): the whole roster with the
        # nights' spread at most 1 and the nights free, hinted with B's roster. Then the whole
        # problem, hinted with the last roster.
        budget = fairness_first * time_limit
        pattern = night_pattern(
            problem,
            time_limit=min(3.0, budget / 4),
            workers=workers,
            seed=seed,
        )
        phases = []
        if pattern is not None and fairness_first > 0:
            phases.append((dict.fromkeys(fair_rules, 1), pattern, budget))
        if pattern is not None and night_cap:
            phases.append(({"fair_nights": 1}, None, time_limit))
        for limits, nights, until in phases:
            if stop is not None and stop.is_set():
                break
            restricted = build(problem, spread_limits=limits, nights=nights)
            _hint_values(restricted, seed_values)
            solver, status, phase_first, was_stopped = _search(
                restricted,
                max(0.1, until - (time.perf_counter() - started)),
                workers,
                seed,
                relative_gap if nights is None else 0.0,
                parameters,
                stop,
                (lambda objective, bound, seconds: on_progress(objective, 0.0, seconds)) if on_progress else None,
                started,
            )
            if nights is None:
                capped = status
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                first = first if first is not None else phase_first
                found = _result(restricted, solver, status, time.perf_counter() - started, first, was_stopped)
                if seeded is None or found.objective <= seeded.objective:
                    seed_roster = found.roster
                    # Every variable's value: the models differ only by constraints, so the
                    # variables match one for one and the hint is a complete solution of each.
                    seed_values = list(solver.response_proto.solution)
                    seeded = found
            if was_stopped and seeded is not None:
                return replace(
                    seeded,
                    status="feasible",
                    bound=0.0,
                    gap=1.0 if seeded.objective else 0.0,
                    first_feasible_seconds=first,
                    stopped=True,
                )
        if stop is not None and stop.is_set() and seed_roster is None:
            return SolveResult("unknown", None, None, None, None, time.perf_counter() - started, None, stopped=True)
    if capped == cp_model.FEASIBLE and seeded is not None:
        # The time ran out with the spread held at most 1: that roster, with no bound of the
        # whole problem but 0 (the search's bound holds only for rosters so fair).
        gap = 1.0 if seeded.objective else 0.0
        return replace(seeded, status="feasible", bound=0.0, gap=gap, first_feasible_seconds=first)
    built = build(problem)
    if not _hint_values(built, seed_values) and seed_roster is not None:
        built.hint(seed_roster)
    repair = fair and night_cap and fairness_first <= 0  # the cap after the whole problem
    until = (1 - REPAIR_SHARE) * time_limit if repair else time_limit
    left = max(0.1, until - (time.perf_counter() - started))
    solver, status, phase_first, was_stopped = _search(
        built, left, workers, seed, relative_gap, parameters, stop, on_progress, started
    )
    result = _result(built, solver, status, time.perf_counter() - started, first or phase_first, was_stopped)
    if repair and result.roster is not None and not was_stopped and "fair_nights" in built.spreads:
        high, low, _ = built.spreads["fair_nights"]
        if solver.value(high) - solver.value(low) > 1:
            result = _repair_nights(
                problem, result, solver, time_limit, workers, seed, parameters, stop, on_progress, started
            )
    if seeded is not None and (result.roster is None or seeded.objective < result.objective):
        # The whole problem's search did not (yet) beat the roster it was seeded with: keep that
        # roster, with the whole problem's bound (a bound of every roster).
        bound = result.bound if result.bound is not None else 0.0
        objective = seeded.objective
        gap = 0.0 if objective == 0 else max(0.0, (objective - bound) / abs(objective))
        status = "feasible" if result.status in ("feasible", "optimal", "unknown") else result.status
        result = replace(seeded, status=status, bound=bound, gap=gap, seconds=result.seconds, stopped=was_stopped)
    return result


REPAIR_SHARE = 0.1  # of the time limit, for ``night_cap`` after the whole problem's search


def _repair_nights(problem, result, solver, time_limit, workers, seed, parameters, stop, on_progress, started):
    """The roster of the whole problem's search moved to a nights' spread of at most 1, by a
    local search: everyone's shifts stay as they are but those of the people whose night count
    is out of line (and, round after round, more people about them); the problem with the cap,
    hinted with every value of that roster, is solved over the freed people alone. Its roster
    replaces ``result`` when there is one, at its own cost (the cap puts fairness before cost);
    the bound stays the whole problem's, a bound of every roster."""
    night_codes = {shift.code for shift in problem.shift_types if shift.is_night}
    roster = result.roster
    bound = result.bound if result.bound is not None else 0.0
    report = (lambda objective, _, seconds: on_progress(objective, bound, seconds)) if on_progress else None
    values = list(solver.response_proto.solution)
    eligible = None
    extra = 4
    rounds = 0
    while not (stop is not None and stop.is_set()):
        left = time_limit - (time.perf_counter() - started)
        if left <= 0.2:
            break
        capped = build(problem, spread_limits={"fair_nights": 1})
        if eligible is None:
            eligible = sorted(capped.spreads["fair_nights"][2])
            counts = {p: sum(roster.shift(p, d) in night_codes for d in capped.days) for p in eligible}
            low = math.floor(sum(counts.values()) / len(counts))
            odd = [p for p in eligible if not low <= counts[p] <= low + 1]
            rest = sorted((p for p in eligible if p not in odd), key=lambda p: (abs(counts[p] - low - 0.5), p))
        free = set(odd) | set(rest[:extra])
        for (person, day, code), var in capped.x.items():
            if person not in free:
                capped.model.add(var == int(roster.shift(person, day) == code))
        _hint_values(capped, values)
        rounds += 1
        again, status, _, was_stopped = _search(
            capped,
            max(0.1, min(left, left / 2 if rounds < 4 else left)),
            workers,
            seed,
            0.0,
            parameters,
            stop,
            report,
            started,
        )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = _result(
                capped, again, status, time.perf_counter() - started, result.first_feasible_seconds, was_stopped
            )
            gap = 0.0 if found.objective == 0 else max(0.0, (found.objective - bound) / abs(found.objective))
            return replace(found, status="feasible", bound=bound, gap=gap)
        extra *= 3
    return replace(result, seconds=time.perf_counter() - started, stopped=stop is not None and stop.is_set())


def _hint_values(built: RosterModel, values: list[int] | None) -> bool:
    """Hint every variable of ``built`` with ``values`` (a solution of a model of the same
    problem that differs only by constraints); False when there are none or they do not match."""
    if values is None or len(values) != len(built.model.proto.variables):
        return False
    for index, value in enumerate(values):
        built.model.add_hint(built.model.get_int_var_from_proto_index(index), value)
    return True


def _soft(problem: Problem, code: str) -> bool:
    rule = problem.rule(code)
    return rule is not None and not rule.hard


def _hard(problem: Problem, code: str) -> bool:
    rule = problem.rule(code)
    return rule is not None and rule.hard


def night_pattern(problem: Problem, *, time_limit: float = 5.0, workers: int = 2, seed: int = 0) -> Roster | None:
    """Who works which night: the problem cut down to its night shifts, their coverage and the
    hard rules that bear on nights alone (leave, night training, consecutive limits, hours,
    pins), with the night spread at most 1 and as small as it can be. None when that cut-down
    problem has no answer in time (then there is no such pattern to start from)."""
    nights = tuple(shift for shift in problem.shift_types if shift.is_night)
    codes = {shift.code for shift in nights}
    if not nights:
        return None
    keep = ("coverage", "leave", "training", "max_consecutive", "rest", "hours")
    sub = replace(
        problem,
        shift_types=tuple(
            replace(shift, forbidden_successors=tuple(c for c in shift.forbidden_successors if c in codes))
            for shift in nights
        ),
        coverage=tuple(row for row in problem.coverage if row.shift in codes),
        training=tuple(row for row in problem.training if row.shift in codes),
        pins=tuple(
            pin if pin.shift is None or pin.shift in codes else Pin(pin.person, pin.day, None) for pin in problem.pins
        ),
        preferences=(),
        partnerships=(),
        reference=None,
        rules=tuple(rule for rule in problem.rules if rule.code in keep and rule.enabled)
        + (Rule("fair_nights", weight=1),),
    )
    built = build(sub, spread_limits={"fair_nights": 1})
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return built.roster(solver.boolean_value)


def _search(built, time_limit, workers, seed, relative_gap, parameters, stop, on_progress, started):
    """One CP-SAT search of ``built``: (solver, status, seconds to its first roster, stopped)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    if relative_gap:
        solver.parameters.relative_gap_limit = relative_gap
    for name, value in (parameters or {}).items():
        if name.startswith("_") or not hasattr(solver.parameters, name):
            raise ValueError(f"CP-SAT has no parameter {name!r}")
        if isinstance(value, list | tuple):
            field = getattr(solver.parameters, name)
            field.clear()
            field.extend(value)
        else:
            setattr(solver.parameters, name, value)
    progress = _Progress(on_progress, started, _cost(built))
    stopped = threading.Event()
    watcher = None
    if stop is not None:

        def watch() -> None:
            while not finished.is_set():
                if stop.wait(0.05):
                    stopped.set()
                    solver.stop_search()
                    return

        finished = threading.Event()
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
    try:
        status = solver.solve(built.model, progress)
    finally:
        if watcher is not None:
            finished.set()
            watcher.join()
    return solver, status, progress.first, stopped.is_set()


def _result(built, solver, status, seconds, first, stopped) -> SolveResult:
    name = STATUS.get(status, "unknown")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SolveResult(name, None, None, None, None, seconds, None, stopped=stopped)
    roster = built.roster(solver.boolean_value)
    value = solver.value
    if built.recorded_uncovered(roster, solver.boolean_value):
        # Someone works a shift covering none of the skills it asks for, though every skill of
        # theirs is asked: the roster must record one, and the checker counts it, so the roster
        # costs less than this solution says. Priced again with the skills recorded.
        built.fix_to(roster)
        again = cp_model.CpSolver()
        again.parameters.num_workers = 1
        again.parameters.max_time_in_seconds = 30
        if again.solve(built.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            value = again.value
    # Not solver.objective_value: that is the presolved model's, where a penalty may be only
    # bounded below; the penalties on the returned (postsolved) roster are its exact cost.
    objective = int(value(_cost(built)))
    bound = solver.best_objective_bound if built.penalties else 0.0
    violations, costs = built.violations(value)
    gap = 0.0 if objective == 0 or status == cp_model.OPTIMAL else max(0.0, (objective - bound) / abs(objective))
    return SolveResult(name, roster, objective, bound, gap, seconds, first, violations, costs, stopped)


def evaluate(problem: Problem, roster: Roster, *, time_limit: float = 10.0) -> SolveResult:
    """The model's own verdict on a given roster: infeasible if it breaks a hard rule, else its
    cost per rule and its soft violations (the independent checker does the same without CP-SAT)."""
    built = build(problem)
    built.fix_to(roster)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    started = time.perf_counter()
    status = solver.solve(built.model)
    return _result(built, solver, status, time.perf_counter() - started, None, False)
