"""The official INRC-II cost of a roster, computed from the competition's data alone.

It reads nothing but ``reader``'s raw data and a list of ``reader.Assignment`` (a nurse, an
instance-wide day, a shift type, a skill): no code is shared with the CareSlot model, the
importer or the checker, so it can score what they produce. The evaluation is the
specification's (section 2.5 and appendix B) over the static instance, i.e. the weeks
concatenated after the initial history:

- hard H1 (one assignment a day), H2 (minimum coverage), H3 (forbidden successions, the
  history's last shift before the first Monday included), H4 (a skill the nurse lacks) are
  counted, one per occurrence (H2: one per missing nurse);
- soft S1 optimal coverage (30 per missing nurse), S2 consecutive assignments per shift type (15)
  and working days (30), S3 consecutive days off (30), S4 shift-off requests (10), S5 complete
  week-ends (30), S6 total assignments (20 per assignment outside the contract's range), S7
  working week-ends above the maximum (30 each), weighted.

Consecutive series continue the history's border data: a series running on from before the
first Monday pays only the excess it adds above the maximum (that part was paid in the previous
stage), a history series that ends on the first Monday pays its shortfall below the minimum, and
a series still running on the last Sunday pays no minimum shortfall (the next stage would).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rostering.inrc2.reader import ANY, NONE, Assignment, Instance

WEIGHTS = {
    "optimal_coverage": 30,
    "consecutive_shift": 15,
    "consecutive_work": 30,
    "consecutive_off": 30,
    "preference": 10,
    "complete_weekend": 30,
    "total_assignments": 20,
    "working_weekends": 30,
}

# The validator's report headings, soft cost by heading (appendix 4.2 of the specification).
VALIDATOR_HEADINGS = {
    "S6": "Total assignment constraints",
    "S2": "Consecutive constraints",
    "S3": "Non working days constraints",
    "S4": "Preferences",
    "S7": "Max working weekend",
    "S5": "Complete weekends",
    "S1": "Optimal coverage constraints",
}


@dataclass
class Score:
    hard: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("H1", "H2", "H3", "H4"), 0))
    soft: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("S1", "S2", "S3", "S4", "S5", "S6", "S7"), 0))
    # One line per soft penalty or hard violation, for a person reading why.
    details: list[str] = field(default_factory=list)

    @property
    def hard_violations(self) -> int:
        return sum(self.hard.values())

    @property
    def cost(self) -> int:
        return sum(self.soft.values())

    def report(self) -> str:
        """The figures in the official validator's layout, for a side-by-side reading."""
        lines = [
            "Hard constraint violations",
            f"Minimal coverage constraints: {self.hard['H2']}",
            f"Required skill constraints: {self.hard['H4']}",
            f"Illegal shift type succession constraints: {self.hard['H3']}",
            f"Single assignment per day: {self.hard['H1']}",
            "Cost per constraint type",
        ]
        lines += [f"{heading}: {self.soft[key]}" for key, heading in VALIDATOR_HEADINGS.items()]
        lines.append(f"Total cost: {self.cost}")
        return "\n".join(lines)


def series_penalty(days: list[bool], before: int, minimum: int, maximum: int) -> tuple[int, int]:
    """(days short of ``minimum``, days above ``maximum``) of the runs of True in ``days``, the
    first continuing ``before`` matching days from the history."""
    short = excess = 0
    length = before
    carried = before  # the part of the current run that lies before the first Monday
    for value in days:
        if value:
            length += 1
            continue
        if length:
            short += max(0, minimum - length)
            excess += max(0, length - maximum) - max(0, carried - maximum)
        length = carried = 0
    if length:
        # Still running on the last Sunday: its maximum is known, its minimum is not.
        excess += max(0, length - maximum) - max(0, carried - maximum)
    return short, excess


def score(instance: Instance, roster: Iterable[Assignment]) -> Score:
    scenario, history = instance.scenario, instance.history
    days = instance.days
    result = Score()
    nurses = {nurse.name: nurse for nurse in scenario.nurses}
    shift_names = {shift.name for shift in scenario.shift_types}

    # H1: one assignment per nurse and day; the first (in roster order) is the one worked.
    worked: dict[str, list[str | None]] = {name: [None] * days for name in nurses}
    covered: Counter = Counter()
    for a in roster:
        if a.nurse not in nurses or a.shift not in shift_names or a.skill not in scenario.skills:
            raise ValueError(f"unknown nurse, shift or skill in {a}")
        if not 0 <= a.day < days:
            raise ValueError(f"day {a.day} outside the {days} days of {instance.name}")
        if worked[a.nurse][a.day] is not None:
            result.hard["H1"] += 1
            result.details.append(f"H1 {a.nurse} day {a.day}: a second shift {a.shift}")
            continue
        worked[a.nurse][a.day] = a.shift
        covered[a.day, a.shift, a.skill] += 1
        if a.skill not in nurses[a.nurse].skills:
            result.hard["H4"] += 1
            result.details.append(f"H4 {a.nurse} day {a.day}: covers {a.skill} without the skill")

    # H2 / S1: coverage per day, shift type and skill against the week's minimum and optimum.
    for week_index, week in enumerate(instance.weeks):
        for req in week.requirements:
            day = 7 * week_index + req.day
            have = covered[day, req.shift, req.skill]
            if have < req.minimum:
                result.hard["H2"] += req.minimum - have
                result.details.append(f"H2 day {day} {req.shift}/{req.skill}: {have} < minimum {req.minimum}")
            if have < req.optimal:
                result.soft["S1"] += WEIGHTS["optimal_coverage"] * (req.optimal - have)
                result.details.append(f"S1 day {day} {req.shift}/{req.skill}: {have} < optimum {req.optimal}")

    for name, nurse in nurses.items():
        contract = scenario.contract_of(nurse)
        past = history.nurses[name]
        shifts = worked[name]
        working = [shift is not None for shift in shifts]

        # H3: forbidden successions, from the history's last shift onwards.
        previous = None if past.last_shift == NONE else past.last_shift
        for day, shift in enumerate(shifts):
            if previous is not None and shift is not None and (previous, shift) in scenario.forbidden_successions:
                result.hard["H3"] += 1
                result.details.append(f"H3 {name} day {day}: {previous} then {shift}")
            previous = shift

        # S2: consecutive assignments of each shift type (15) and consecutive working days (30).
        for shift in scenario.shift_types:
            before = past.consecutive_same_shift if past.last_shift == shift.name else 0
            short, excess = series_penalty(
                [s == shift.name for s in shifts], before, shift.min_consecutive, shift.max_consecutive
            )
            if short or excess:
                result.soft["S2"] += WEIGHTS["consecutive_shift"] * (short + excess)
                result.details.append(f"S2 {name} {shift.name}: {short} short, {excess} above")
        short, excess = series_penalty(
            working, past.consecutive_work, contract.min_consecutive_work, contract.max_consecutive_work
        )
        if short or excess:
            result.soft["S2"] += WEIGHTS["consecutive_work"] * (short + excess)
            result.details.append(f"S2 {name} working days: {short} short, {excess} above")

        # S3: consecutive days off.
        short, excess = series_penalty(
            [not w for w in working], past.consecutive_off, contract.min_consecutive_off, contract.max_consecutive_off
        )
        if short or excess:
            result.soft["S3"] += WEIGHTS["consecutive_off"] * (short + excess)
            result.details.append(f"S3 {name} days off: {short} short, {excess} above")

        # S5 and S7: week-ends (Saturday and Sunday of each week).
        weekends = 0
        for week_index in range(len(instance.weeks)):
            saturday, sunday = working[7 * week_index + 5], working[7 * week_index + 6]
            weekends += saturday or sunday
            if contract.complete_weekends and saturday != sunday:
                result.soft["S5"] += WEIGHTS["complete_weekend"]
                result.details.append(f"S5 {name} week {week_index}: one week-end day worked")
        over = past.working_weekends + weekends - contract.max_working_weekends
        if over > 0:
            result.soft["S7"] += WEIGHTS["working_weekends"] * over
            result.details.append(f"S7 {name}: {over} working week-ends above {contract.max_working_weekends}")

        # S6: total assignments over the horizon, the history's count included.
        total = past.assignments + sum(working)
        off_range = max(0, contract.min_assignments - total) + max(0, total - contract.max_assignments)
        if off_range:
            result.soft["S6"] += WEIGHTS["total_assignments"] * off_range
            result.details.append(
                f"S6 {name}: {total} assignments, range {contract.min_assignments}-{contract.max_assignments}"
            )

    # S4: shift-off requests granted or not.
    for week_index, week in enumerate(instance.weeks):
        for request in week.requests:
            shift = worked[request.nurse][7 * week_index + request.day]
            if shift is not None and request.shift in (ANY, shift):
                result.soft["S4"] += WEIGHTS["preference"]
                result.details.append(f"S4 {request.nurse} day {7 * week_index + request.day}: {shift} not wanted")
    return result
