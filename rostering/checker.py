"""The independent roster checker: every hard rule verified and every soft cost recomputed
straight from the definitions in ``rostering.problem``, before a roster can be published.

It shares no code with the model (``rostering.model``) nor with ``rostering.explain``: it reads
the problem's fields only, and re-derives even the calendar (weeks, weekends, leave days) and
the rest between shifts itself, so a mistake in a shared helper cannot hide in both. When the
checker and the solver disagree, one of them is wrong, which is the point of having two.

Every rule yields findings in the units ``rostering.problem`` states (people missing, days over,
hours over, changes, ...). An enabled hard rule turns each finding into a hard violation; an
enabled soft rule prices it at ``rule.weight × item weight × units``. Pins, known people, shifts
and skills are always hard. Each rule also counts its *opportunities* (the places it could be
broken: a preference, a run of days, a weekend, a coverage slot, ...); an opportunity is
satisfied when it costs nothing, and ``CheckReport.soft_satisfaction`` is the share satisfied.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from rostering.problem import Problem, Roster, ShiftType, Staff

# Always hard, whatever the rules say: a roster naming unknown people, shifts or skills, or
# ignoring a pin, is not a roster of this problem.
STRUCTURE = "assignment"
PINS = "pins"

_EPSILON = 1e-9


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a roster, in words: ``rule`` broken by ``person`` (None for the
    department) on ``days`` (day indices), ``units`` of it (see ``rostering.problem``), and
    for a soft rule its ``cost`` (rule weight × item ``weight`` × units)."""

    rule: str
    message: str
    person: str | None = None
    days: tuple[int, ...] = ()
    units: int = 1
    cost: int = 0
    weight: int = 1

    def __str__(self) -> str:
        return self.message


@dataclass
class CheckReport:
    """The verdict on one roster. ``ok``: no hard violation (publishable). ``soft_cost``: the
    sum of ``soft_cost_by_rule`` (every enabled soft rule, 0 included), which for a roster the
    model found must equal the model's own price of it. ``soft_satisfaction``: the share of
    soft opportunities that cost nothing (the benchmark's "soft ≥ 90 % satisfied")."""

    hard_violations: list[Finding] = field(default_factory=list)
    soft_violations: list[Finding] = field(default_factory=list)
    soft_cost_by_rule: dict[str, int] = field(default_factory=dict)
    opportunities_by_rule: dict[str, int] = field(default_factory=dict)
    satisfied_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No hard violation: the roster may be published."""
        return not self.hard_violations

    @property
    def soft_cost(self) -> int:
        return sum(self.soft_cost_by_rule.values())

    @property
    def soft_opportunities(self) -> int:
        return sum(self.opportunities_by_rule.values())

    @property
    def soft_satisfaction(self) -> float:
        """Share of the soft rules' opportunities that cost nothing (1.0 when there are none)."""
        total = self.soft_opportunities
        return sum(self.satisfied_by_rule.values()) / total if total else 1.0

    def to_dict(self) -> dict:
        def rows(items):
            return [
                {
                    "rule": f.rule,
                    "person": f.person,
                    "days": list(f.days),
                    "units": f.units,
                    "cost": f.cost,
                    "message": f.message,
                }
                for f in items
            ]

        return {
            "ok": self.ok,
            "soft_cost": self.soft_cost,
            "soft_cost_by_rule": dict(self.soft_cost_by_rule),
            "soft_satisfaction": self.soft_satisfaction,
            "hard_violations": rows(self.hard_violations),
            "soft_violations": rows(self.soft_violations),
        }


def check(problem: Problem, roster: Roster) -> CheckReport:
    """Verify ``roster`` against ``problem``: every enabled hard rule, pins and the roster's
    own consistency (hard violations, worded), and every enabled soft rule's cost."""
    return _Checker(problem, roster).run()


class _Checker:
    def __init__(self, problem: Problem, roster: Roster) -> None:
        self.p = problem
        self.roster = roster
        self.shifts: dict[str, ShiftType] = {s.code: s for s in problem.shift_types}
        self.people: dict[str, Staff] = {s.id: s for s in problem.staff}
        self.days = range(problem.num_days)
        # The shift each known person works each day (None: off), from the roster alone.
        self.work: dict[str, list[str | None]] = {
            pid: [roster.assignments.get((pid, day)) for day in self.days] for pid in self.people
        }
        self.leave_days: dict[str, set[int]] = defaultdict(set)
        for item in problem.leave:
            self.leave_days[item.person].update(
                range(max(item.first_day, 0), min(item.last_day, problem.num_days - 1) + 1)
            )
        self.report = CheckReport()

    # Words

    def day(self, day: int) -> str:
        date = self.p.first_day + dt.timedelta(days=day)
        return f"{date:%a} {date.isoformat()}"

    def who(self, pid: str) -> str:
        person = self.people.get(pid)
        return person.name or pid if person else pid

    # Calendar, re-derived

    def weeks(self) -> list[list[int]]:
        return [list(range(start, min(start + 7, self.p.num_days))) for start in range(0, self.p.num_days, 7)]

    def weekends(self) -> list[list[int]]:
        """The weekend days of each ISO week in the horizon, in order."""
        if hasattr(self, "_weekends"):
            return self._weekends
        groups: dict[tuple[int, int], list[int]] = {}
        for day in self.days:
            date = self.p.first_day + dt.timedelta(days=day)
            if date.isoweekday() in self.p.weekend_days:
                iso = date.isocalendar()
                groups.setdefault((iso[0], iso[1]), []).append(day)
        self._weekends = list(groups.values())
        return self._weekends

    def hours(self, pid: str, days) -> float:
        return sum(self.shifts[code].hours for day in days if (code := self.work[pid][day]) in self.shifts)

    def skill_of(self, pid: str, day: int) -> str | None:
        return self.roster.skills.get((pid, day))

    # Running the rules

    def run(self) -> CheckReport:
        self.always_hard(STRUCTURE, self.structure())
        self.always_hard(PINS, self.pins())
        rules = {
            "coverage": self.coverage_minimum,
            "optimal_coverage": self.coverage_optimal,
            "rest": self.rest,
            "max_consecutive": self.max_consecutive,
            "min_consecutive": self.min_consecutive,
            "consecutive_shifts": self.consecutive_shifts,
            "consecutive_days_off": self.consecutive_days_off,
            "hours": self.hours_limits,
            "leave": self.leave,
            "training": self.training,
            "preferences": self.preferences,
            "complete_weekends": self.complete_weekends,
            "total_assignments": self.total_assignments,
            "working_weekends": self.working_weekends,
            "fair_nights": self.fair_nights,
            "fair_weekends": self.fair_weekends,
            "hours_balance": self.hours_balance,
            "continuity": self.continuity,
            "partnerships": self.partnerships,
            "changes": self.changes,
        }
        for code, evaluate in rules.items():
            rule = self.enabled(code)
            if rule is None:
                continue
            opportunities, findings = evaluate()
            if rule.hard:
                self.report.hard_violations.extend(findings)
                continue
            priced = [_priced(f, rule.weight) for f in findings]
            self.report.soft_violations.extend(f for f in priced if f.cost)
            self.report.soft_cost_by_rule[code] = sum(f.cost for f in priced)
            missed = len({(f.person, f.days, f.message) for f in priced if f.cost})
            self.report.opportunities_by_rule[code] = max(opportunities, missed)
            self.report.satisfied_by_rule[code] = max(opportunities, missed) - missed
        return self.report

    def enabled(self, code: str):
        for rule in self.p.rules:
            if rule.code == code and rule.enabled:
                return rule
        return None

    def always_hard(self, code: str, findings: Iterator[Finding]) -> None:
        self.report.hard_violations.extend(findings)

    # Always hard

    def structure(self) -> Iterator[Finding]:
        for (pid, day), code in sorted(self.roster.assignments.items(), key=lambda item: (item[0][0], item[0][1])):
            if code is None:
                continue
            if pid not in self.people:
                yield Finding(STRUCTURE, f"{pid} works on day {day} but is not on the staff", pid, (day,))
                continue
            if not 0 <= day < self.p.num_days:
                yield Finding(
                    STRUCTURE,
                    f"{self.who(pid)} works on day {day}, outside the {self.p.num_days}-day horizon",
                    pid,
                    (day,),
                )
                continue
            shift = self.shifts.get(code)
            if shift is None:
                yield Finding(
                    STRUCTURE, f"{self.who(pid)} works an unknown shift {code} on {self.day(day)}", pid, (day,)
                )
                continue
            person = self.people[pid]
            skill = self.skill_of(pid, day)
            if skill is not None and skill not in person.skills:
                yield Finding(
                    STRUCTURE,
                    f"{self.who(pid)} covers {skill} on {code} on {self.day(day)} without that skill",
                    pid,
                    (day,),
                )
            if (
                shift.weekend_only
                and (self.p.first_day + dt.timedelta(days=day)).isoweekday() not in self.p.weekend_days
            ):
                yield Finding(
                    STRUCTURE, f"{self.who(pid)} works {code}, a weekend-only shift, on {self.day(day)}", pid, (day,)
                )
            if shift.site is not None and person.sites and shift.site not in person.sites:
                yield Finding(
                    STRUCTURE,
                    f"{self.who(pid)} works {code} at {shift.site} on {self.day(day)}, not one of their sites",
                    pid,
                    (day,),
                )
        for (pid, day), skill in sorted(self.roster.skills.items()):
            if self.roster.assignments.get((pid, day)) is None:
                yield Finding(
                    STRUCTURE, f"{self.who(pid)} is given skill {skill} on day {day} without working", pid, (day,)
                )

    def pins(self) -> Iterator[Finding]:
        for pin in self.p.pins:
            if pin.person not in self.people or not 0 <= pin.day < self.p.num_days:
                continue
            worked = self.work[pin.person][pin.day]
            if worked != pin.shift:
                wanted = f"pinned to {pin.shift}" if pin.shift else "pinned off"
                actual = f"works {worked}" if worked else "is off"
                yield Finding(
                    PINS,
                    f"{self.who(pin.person)} is {wanted} on {self.day(pin.day)} but {actual}",
                    pin.person,
                    (pin.day,),
                )

    # Coverage: who covers which skill on each shift of each day

    def covered(self) -> dict[tuple[int, str], dict[str, int]]:
        """People counted per skill on each (day, shift) with a coverage row: a working
        assignment covers the skill the roster records for it (if the person has it), or,
        unrecorded, one of the person's skills chosen by a matching that first fills the
        minimums and then the optima (augmenting paths never empty a filled skill)."""
        needs: dict[tuple[int, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for row in self.p.coverage:
            need = needs[row.day, row.shift][row.skill]
            need[0] += row.minimum
            need[1] += row.optimal
        result = {}
        for (day, code), need in needs.items():
            fixed: Counter[str] = Counter()
            free: dict[str, list[str]] = {}
            for pid, plan in self.work.items():
                if not 0 <= day < len(plan) or plan[day] != code:
                    continue
                skill = self.skill_of(pid, day)
                if skill is not None:
                    if skill in self.people[pid].skills:
                        fixed[skill] += 1
                    continue
                free[pid] = [s for s in self.people[pid].skills if s in need]
            held: dict[str, str] = {}
            _fill(free, {s: max(0, n[0] - fixed[s]) for s, n in need.items()}, held)
            _fill(free, {s: max(0, max(n) - fixed[s]) for s, n in need.items()}, held)
            counts = Counter(fixed)
            counts.update(held.values())
            result[day, code] = {s: counts[s] for s in need}
        self._needs = needs
        return result

    def coverage_minimum(self):
        return self._coverage(0, "coverage", "minimum")

    def coverage_optimal(self):
        return self._coverage(1, "optimal_coverage", "optimal")

    def _coverage(self, which: int, rule: str, word: str):
        if not hasattr(self, "_covered"):
            self._covered = self.covered()
        findings, opportunities = [], 0
        for (day, code), need in sorted(self._needs.items()):
            for skill, amounts in sorted(need.items()):
                wanted = amounts[which]
                opportunities += wanted
                have = self._covered[day, code][skill]
                if have < wanted:
                    findings.append(
                        Finding(
                            rule,
                            f"{code} on {self.day(day)} has {have} covering {skill}, "
                            f"the {word} is {wanted}: {wanted - have} missing",
                            None,
                            (day,),
                            wanted - have,
                        )
                    )
        return opportunities, findings

    # Rest and forbidden successions, across the history's last shift

    def rest(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            plan = self.work[pid]
            need = person.contract.min_rest_hours
            previous = person.history.last_shift
            for day in self.days:
                code = plan[day]
                if previous in self.shifts and code in self.shifts:
                    opportunities += 1
                    wrong = []
                    first, second = self.shifts[previous], self.shifts[code]
                    if code in first.forbidden_successors:
                        wrong.append(f"{code} may not follow {previous}")
                    rest = _rest_hours(first, second)
                    if need is not None and rest is not None and rest < need - _EPSILON:
                        wrong.append(f"{_hours(rest)} h of rest, the contract needs {_hours(need)} h")
                    if wrong:
                        before = self.day(day - 1) if day else "the day before the roster"
                        findings.append(
                            Finding(
                                "rest",
                                f"{self.who(pid)} works {previous} on {before} then {code} on {self.day(day)}: "
                                + "; ".join(wrong),
                                pid,
                                (day - 1, day) if day else (day,),
                            )
                        )
                previous = code
        return opportunities, findings

    # Consecutive runs (INRC-II appendix B), with the history's run before day 0

    def max_consecutive(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            contract, history = person.contract, person.history
            plan = self.work[pid]
            if contract.max_consecutive_days is not None:
                worked = [code is not None for code in plan]
                for run in _runs(worked, history.consecutive_working_days):
                    opportunities += 1
                    over = _over(run, contract.max_consecutive_days)
                    if over:
                        findings.append(
                            self._run_finding(
                                "max_consecutive",
                                pid,
                                run,
                                "working days",
                                "maximum",
                                contract.max_consecutive_days,
                                over,
                            )
                        )
            if contract.max_consecutive_nights is not None:
                nights = [code in self.shifts and self.shifts[code].is_night for code in plan]
                last = self.shifts.get(history.last_shift)
                before = history.consecutive_same_shift if last is not None and last.is_night else 0
                for run in _runs(nights, before):
                    opportunities += 1
                    over = _over(run, contract.max_consecutive_nights)
                    if over:
                        findings.append(
                            self._run_finding(
                                "max_consecutive",
                                pid,
                                run,
                                "nights",
                                "maximum",
                                contract.max_consecutive_nights,
                                over,
                            )
                        )
        return opportunities, findings

    def min_consecutive(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            least = person.contract.min_consecutive_days
            if least is None:
                continue
            worked = [code is not None for code in self.work[pid]]
            for run in _runs(worked, person.history.consecutive_working_days):
                opportunities += 1
                short = _short(run, least)
                if short:
                    findings.append(
                        self._run_finding("min_consecutive", pid, run, "working days", "minimum", least, short)
                    )
        return opportunities, findings

    def consecutive_shifts(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            history = person.history
            for code, shift in self.shifts.items():
                if shift.min_consecutive is None and shift.max_consecutive is None:
                    continue
                same = [worked == code for worked in self.work[pid]]
                before = history.consecutive_same_shift if history.last_shift == code else 0
                for run in _runs(same, before):
                    opportunities += 1
                    if shift.max_consecutive is not None and (over := _over(run, shift.max_consecutive)):
                        findings.append(
                            self._run_finding(
                                "consecutive_shifts",
                                pid,
                                run,
                                f"{code} shifts",
                                "maximum",
                                shift.max_consecutive,
                                over,
                            )
                        )
                    if shift.min_consecutive is not None and (short := _short(run, shift.min_consecutive)):
                        findings.append(
                            self._run_finding(
                                "consecutive_shifts",
                                pid,
                                run,
                                f"{code} shifts",
                                "minimum",
                                shift.min_consecutive,
                                short,
                            )
                        )
        return opportunities, findings

    def consecutive_days_off(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            contract = person.contract
            if contract.min_consecutive_days_off is None and contract.max_consecutive_days_off is None:
                continue
            off = [code is None for code in self.work[pid]]
            for run in _runs(off, person.history.consecutive_days_off):
                opportunities += 1
                if contract.max_consecutive_days_off is not None and (
                    over := _over(run, contract.max_consecutive_days_off)
                ):
                    findings.append(
                        self._run_finding(
                            "consecutive_days_off",
                            pid,
                            run,
                            "days off",
                            "maximum",
                            contract.max_consecutive_days_off,
                            over,
                        )
                    )
                if contract.min_consecutive_days_off is not None and (
                    short := _short(run, contract.min_consecutive_days_off)
                ):
                    findings.append(
                        self._run_finding(
                            "consecutive_days_off",
                            pid,
                            run,
                            "days off",
                            "minimum",
                            contract.min_consecutive_days_off,
                            short,
                        )
                    )
        return opportunities, findings

    def _run_finding(self, rule: str, pid: str, run: _Run, noun: str, bound: str, limit: int, units: int) -> Finding:
        days = tuple(range(run.first, run.last + 1))
        where = f"from {self.day(run.first)} to {self.day(run.last)}" if days else "ending the day before the roster"
        carried = f" ({run.before} of them before the roster)" if run.before and days else ""
        side = "over the maximum" if bound == "maximum" else "short of the minimum"
        return Finding(
            rule,
            f"{self.who(pid)} has {run.length} consecutive {noun}{carried} {where}: {units} {side} of {limit}",
            pid,
            days,
            units,
        )

    # Hours

    def hours_limits(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            contract = person.contract
            for week in self.weeks():
                worked = self.hours(pid, week)
                if contract.max_hours_per_week is not None:
                    opportunities += 1
                    if worked > contract.max_hours_per_week + _EPSILON:
                        over = _ceil(worked - contract.max_hours_per_week)
                        findings.append(
                            Finding(
                                "hours",
                                f"{self.who(pid)} works {_hours(worked)} h in the week from {self.day(week[0])}, "
                                f"the maximum is {_hours(contract.max_hours_per_week)} h",
                                pid,
                                tuple(week),
                                over,
                            )
                        )
                full = len(week) == 7 and not self.leave_days[pid] & set(week)
                if contract.min_hours_per_week is not None and full:
                    opportunities += 1
                    if worked < contract.min_hours_per_week - _EPSILON:
                        short = _ceil(contract.min_hours_per_week - worked)
                        findings.append(
                            Finding(
                                "hours",
                                f"{self.who(pid)} works {_hours(worked)} h in the week from {self.day(week[0])}, "
                                f"the minimum is {_hours(contract.min_hours_per_week)} h",
                                pid,
                                tuple(week),
                                short,
                            )
                        )
            if contract.max_hours_4_weeks is not None:
                for window in _windows(self.p.num_days, 28):
                    opportunities += 1
                    worked = self.hours(pid, window)
                    if worked > contract.max_hours_4_weeks + _EPSILON:
                        findings.append(
                            Finding(
                                "hours",
                                f"{self.who(pid)} works {_hours(worked)} h from {self.day(window[0])} "
                                f"to {self.day(window[-1])}, the 4-week maximum is "
                                f"{_hours(contract.max_hours_4_weeks)} h",
                                pid,
                                tuple(window),
                                _ceil(worked - contract.max_hours_4_weeks),
                            )
                        )
        return opportunities, findings

    def leave(self):
        findings, opportunities = [], 0
        for pid, days in sorted(self.leave_days.items()):
            if pid not in self.people:
                continue
            for day in sorted(days):
                opportunities += 1
                if self.work[pid][day] is not None:
                    findings.append(
                        Finding(
                            "leave",
                            f"{self.who(pid)} works {self.work[pid][day]} on {self.day(day)}, a day of leave",
                            pid,
                            (day,),
                        )
                    )
        return opportunities, findings

    def training(self):
        """Shifts of the kind asked for in the period; with a skill, a shift counts when the
        person covers that skill (recorded, or one of theirs when the roster records none) and
        the day's shift asks for it (a coverage row with a minimum or an optimum): covering is
        filling a request, as in INRC-II."""
        asked = {(row.day, row.shift, row.skill) for row in self.p.coverage if row.minimum or row.optimal}
        findings, opportunities = [], 0
        for item in self.p.training:
            if item.person not in self.people:
                continue
            opportunities += item.minimum
            person = self.people[item.person]
            done = 0
            for day in range(max(item.first_day, 0), min(item.last_day, self.p.num_days - 1) + 1):
                code = self.work[item.person][day]
                if code is None or (item.shift is not None and code != item.shift):
                    continue
                if item.skill is not None:
                    recorded = self.skill_of(item.person, day)
                    if recorded != item.skill and not (recorded is None and item.skill in person.skills):
                        continue
                    if (day, code, item.skill) not in asked:
                        continue
                done += 1
            if done < item.minimum:
                kind = " ".join(x for x in (item.shift, f"covering {item.skill}" if item.skill else None) if x) or "any"
                findings.append(
                    Finding(
                        "training",
                        f"{self.who(item.person)} has {done} shift(s) of {kind} from {self.day(item.first_day)} "
                        f"to {self.day(item.last_day)}, the training needs {item.minimum}",
                        item.person,
                        tuple(range(item.first_day, item.last_day + 1)),
                        item.minimum - done,
                    )
                )
        return opportunities, findings

    # Soft rules

    def preferences(self):
        findings = []
        for item in self.p.preferences:
            if item.person not in self.people or not 0 <= item.day < self.p.num_days:
                continue
            worked = self.work[item.person][item.day]
            shift = item.shift
            if item.want:
                broken = worked is None if shift is None else worked != shift
                asked = "to work" if shift is None else f"to work {shift}"
            else:
                broken = worked is not None if shift is None else worked == shift
                asked = "the day off" if shift is None else f"not to work {shift}"
            if broken:
                actual = f"works {worked}" if worked else "is off"
                reason = f" ({item.reason})" if item.reason else ""
                findings.append(
                    _weighted(
                        Finding(
                            "preferences",
                            f"{self.who(item.person)} asked {asked} on {self.day(item.day)}{reason} but {actual}",
                            item.person,
                            (item.day,),
                        ),
                        item.weight,
                    )
                )
        return len(self.p.preferences), findings

    def complete_weekends(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            if not person.contract.complete_weekends:
                continue
            for weekend in self.weekends():
                opportunities += 1
                worked = [day for day in weekend if self.work[pid][day] is not None]
                if worked and len(worked) < len(weekend):
                    findings.append(
                        Finding(
                            "complete_weekends",
                            f"{self.who(pid)} works {', '.join(self.day(d) for d in worked)} but not the whole weekend",
                            pid,
                            tuple(weekend),
                        )
                    )
        return opportunities, findings

    def total_assignments(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            contract = person.contract
            if contract.min_assignments is None and contract.max_assignments is None:
                continue
            opportunities += 1
            past = person.history.worked_assignments
            total = past + sum(code is not None for code in self.work[pid])
            carried = f" ({past} before the roster)" if past else ""
            if contract.max_assignments is not None and total > contract.max_assignments:
                findings.append(
                    Finding(
                        "total_assignments",
                        f"{self.who(pid)} works {total} days{carried}, the maximum is {contract.max_assignments}",
                        pid,
                        (),
                        total - contract.max_assignments,
                    )
                )
            if contract.min_assignments is not None and total < contract.min_assignments:
                findings.append(
                    Finding(
                        "total_assignments",
                        f"{self.who(pid)} works {total} days{carried}, the minimum is {contract.min_assignments}",
                        pid,
                        (),
                        contract.min_assignments - total,
                    )
                )
        return opportunities, findings

    def worked_weekends(self, pid: str) -> int:
        return sum(any(self.work[pid][day] is not None for day in weekend) for weekend in self.weekends())

    def working_weekends(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            most = person.contract.max_working_weekends
            if most is None:
                continue
            opportunities += 1
            past = person.history.worked_weekends
            total = past + self.worked_weekends(pid)
            carried = f" ({past} before the roster)" if past else ""
            if total > most:
                findings.append(
                    Finding(
                        "working_weekends",
                        f"{self.who(pid)} works {total} weekends{carried}, the maximum is {most}",
                        pid,
                        (),
                        total - most,
                    )
                )
        return opportunities, findings

    def night_workers(self) -> list[str]:
        """Staff who can work a night: one of their skills is asked for on a night shift
        (a coverage row with a minimum or an optimum) held at one of their sites."""
        nights = {code for code, shift in self.shifts.items() if shift.is_night}
        asked: dict[str, set[str]] = defaultdict(set)
        for row in self.p.coverage:
            if row.shift in nights and (row.minimum or row.optimal):
                asked[row.skill].add(row.shift)
        eligible = []
        for pid, person in self.people.items():
            codes = set().union(*(asked[skill] for skill in person.skills if skill in asked))
            if any(self._may_work(person, self.shifts[code]) for code in codes):
                eligible.append(pid)
        return eligible

    @staticmethod
    def _may_work(person: Staff, shift: ShiftType) -> bool:
        return shift.site is None or not person.sites or shift.site in person.sites

    def fair_nights(self):
        counts = {
            pid: sum(code in self.shifts and self.shifts[code].is_night for code in self.work[pid])
            for pid in self.night_workers()
        }
        return self._spread("fair_nights", "night shifts", counts)

    def fair_weekends(self):
        counts = {pid: self.worked_weekends(pid) for pid in self.people}
        return self._spread("fair_weekends", "worked weekends", counts)

    def _spread(self, rule: str, what: str, counts: dict[str, int]):
        if len(counts) < 2:
            return 1, []
        most, least = max(counts.values()), min(counts.values())
        if most == least:
            return 1, []
        high = ", ".join(self.who(pid) for pid, n in counts.items() if n == most)
        low = ", ".join(self.who(pid) for pid, n in counts.items() if n == least)
        return 1, [
            Finding(
                rule,
                f"{what} range from {least} ({low}) to {most} ({high}): a spread of {most - least}",
                None,
                (),
                most - least,
            )
        ]

    def hours_balance(self):
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            per_week = person.contract.target_hours_per_week
            if per_week is None:
                continue
            opportunities += 1
            present = sum(day not in self.leave_days[pid] for day in self.days)
            target = per_week * present / 7
            worked = self.hours(pid, self.days)
            off = _round(abs(worked - target))
            if off:
                findings.append(
                    Finding(
                        "hours_balance",
                        f"{self.who(pid)} works {_hours(worked)} h against a target of {_hours(target)} h: {off} h off",
                        pid,
                        (),
                        off,
                    )
                )
        return opportunities, findings

    def continuity(self):
        """A working day after a working day (the history's last shift before day 0 included)
        on another shift type is one change."""
        findings, opportunities = [], 0
        for pid, person in self.people.items():
            plan = self.work[pid]
            previous = person.history.last_shift
            for day in self.days:
                code = plan[day]
                if previous is not None and code is not None:
                    opportunities += 1
                    if previous != code:
                        before = self.day(day - 1) if day else "the day before the roster"
                        findings.append(
                            Finding(
                                "continuity",
                                f"{self.who(pid)} changes from {previous} on {before} to {code} on {self.day(day)}",
                                pid,
                                (day - 1, day) if day else (day,),
                            )
                        )
                previous = code
        return opportunities, findings

    def partnerships(self):
        findings, opportunities = [], 0
        for item in self.p.partnerships:
            if item.a not in self.people or item.b not in self.people:
                continue
            for day in self.days:
                a, b = self.work[item.a][day], self.work[item.b][day]
                if a is None and b is None:
                    continue
                opportunities += 1
                if a != b:
                    words = [
                        f"{self.who(pid)} {'works ' + code if code else 'is off'}"
                        for pid, code in ((item.a, a), (item.b, b))
                    ]
                    findings.append(
                        _weighted(
                            Finding(
                                "partnerships",
                                f"partners apart on {self.day(day)}: {' and '.join(words)}",
                                item.a,
                                (day,),
                            ),
                            item.weight,
                        )
                    )
        return opportunities, findings

    def changes(self):
        reference = self.p.reference
        if reference is None:
            return 0, []
        findings, opportunities = [], 0
        for pid in self.people:
            for day in self.days:
                before, now = reference.assignments.get((pid, day)), self.work[pid][day]
                if before is None and now is None:
                    continue
                opportunities += 1
                if before != now:
                    findings.append(
                        Finding(
                            "changes",
                            f"{self.who(pid)} on {self.day(day)}: {before or 'off'} in the reference roster, "
                            f"{now or 'off'} now",
                            pid,
                            (day,),
                        )
                    )
        return opportunities, findings


# Runs of consecutive days


@dataclass(frozen=True)
class _Run:
    """Days ``first..last`` of the horizon (empty when first > last: a run the history ended
    the day before day 0), ``before`` more days of it before day 0, and whether it is still
    open on the last day."""

    first: int
    last: int
    before: int
    open_end: bool

    @property
    def length(self) -> int:
        return self.before + max(0, self.last - self.first + 1)


def _runs(flags: list[bool], before: int) -> list[_Run]:
    runs, start = [], None
    if before and (not flags or not flags[0]):
        runs.append(_Run(0, -1, before, not flags))
    for day, flag in enumerate(flags):
        if flag and start is None:
            start = day
        if not flag and start is not None:
            runs.append(_Run(start, day - 1, before if start == 0 else 0, False))
            start = None
    if start is not None:
        runs.append(_Run(start, len(flags) - 1, before if start == 0 else 0, True))
    return runs


def _over(run: _Run, most: int) -> int:
    """Days over a maximum inside the horizon: what the history had already exceeded was
    counted before."""
    return max(0, run.length - most) - max(0, run.before - most)


def _short(run: _Run, least: int) -> int:
    """Days missing to a minimum; a run still open on the last day may yet reach it."""
    return 0 if run.open_end else max(0, least - run.length)


def _windows(num_days: int, width: int) -> list[list[int]]:
    """Every ``width`` consecutive days of the horizon (the whole horizon when shorter:
    any window holding it works at least its hours)."""
    if num_days <= width:
        return [list(range(num_days))] if num_days else []
    return [list(range(start, start + width)) for start in range(num_days - width + 1)]


def _rest_hours(first: ShiftType, second: ShiftType) -> float | None:
    """Hours from ``first`` ending (past midnight when it ends before it starts) to ``second``
    starting the next day; None when either lacks times."""
    if first.start is None or first.end is None or second.start is None:
        return None
    start = first.start.hour * 60 + first.start.minute
    end = first.end.hour * 60 + first.end.minute
    if end <= start:
        end += 24 * 60
    return (24 * 60 + second.start.hour * 60 + second.start.minute - end) / 60


def _fill(candidates: dict[str, list[str]], capacity: dict[str, int], held: dict[str, str]) -> None:
    """Grow the matching ``held`` (person → skill, each skill at most ``capacity``) to a
    maximum one by augmenting paths (Kuhn's algorithm on skill slots). A path moves people
    between skills and fills one more slot; it never empties a filled one."""

    def load(skill: str) -> int:
        return sum(1 for s in held.values() if s == skill)

    def augment(person: str, seen: set[str]) -> bool:
        for skill in candidates[person]:
            if skill in seen:
                continue
            seen.add(skill)
            if load(skill) < capacity.get(skill, 0):
                held[person] = skill
                return True
            for other in [o for o, s in held.items() if s == skill and o != person]:
                if augment(other, seen):
                    held[person] = skill
                    return True
        return False

    for person in candidates:
        if person not in held:
            augment(person, set())


def _priced(finding: Finding, rule_weight: int) -> Finding:
    return replace(finding, cost=rule_weight * finding.weight * finding.units)


def _weighted(finding: Finding, item_weight: int) -> Finding:
    """A preference's or partnership's own weight."""
    return replace(finding, weight=item_weight)


def _ceil(hours: float) -> int:
    return math.ceil(hours - _EPSILON)


def _round(hours: float) -> int:
    return math.floor(hours + 0.5)


def _hours(value: float) -> str:
    return f"{value:g}"
