"""Registrar rostering benchmark: the generated department (``rostering.generate.department``: 60
registrars × 28 days × 4 shift types, 3 sites) solved by the CP-SAT model on 2 workers for 60 s.

Figures, against the issue's goals: time to the first feasible roster (≤ 5 s), the gap to
CP-SAT's best bound at 60 s (≤ 1 %), hard constraints satisfied (100 %), soft satisfaction
(≥ 90 %) and the spread of night shifts between registrars (≤ 1). Hard constraints, soft cost
and soft satisfaction come from the independent checker (``rostering.checker.check``), not from
the model: the roster is read back as any other would be.

The app solves in one phase: the manager's rules at the manager's weights. The bench also runs
``model.solve``'s ``night_cap`` option (``FAIR`` below), aimed at the spread goal: the
whole problem for 90 % of the time, then, when its nights' spread is over 1, a repair: the
problem with the spread capped at 1, everyone's shifts fixed but those of the people whose night
count is out of line (and a few about them, more each round until it is feasible), hinted with
the roster found. The same solve without the repair (one phase, as before) runs in the same run
for comparison.

Tried and dropped, on the same department: fixing a fair night pattern first for half the time
(``fairness_first=0.5``) kept the spread at 0 but cost the rest (objective 739, soft 86.9 %
against 460 and 92.6 % in one phase, quiet machine); the spread capped at 1 for the whole search
(``night_cap`` with ``fairness_first``, or capped from the start) and the whole problem capped
with an infeasible hint to repair both left the search far behind one phase (objectives
1500-1900 against 660-1670 in the same runs on a loaded machine): the cap ties every person's
night count together and CP-SAT's neighbourhoods rarely keep it. The local repair costs
little in two loaded runs (1489 at 40 s → 1425 after it, and 1514 at 54 s → 1566, +3 %), but on
a quiet machine (2026-12-07, load ≈ 1) it turned 398 at 54 s into 2176 (soft 82.8 %) in the 6 s
left: the repair is not reliable, which is why the app does not use it.

What is met, quiet machine (2026-12-07): one phase, as the app solves, gives its first roster
in 2.2 s, 0 hard violations and soft 91.8 % (objective 542), with a night spread of 3; the
repair gives a spread of 1 at soft 82.8 %. No configuration met soft ≥ 90 % and a spread ≤ 1
together; the gap is not met either (below). Under load (≈ 5 on 2 cores) both fall: first
roster 4.5-6.2 s, soft 80-86 %.

The repaired roster's bound is the whole problem's search's (a bound of every roster).

Why the gap stays far above 1 %: CP-SAT's bound stays near 0 (its LP relaxation prices every
soft term at 0), and the best lower bound we can prove otherwise, each group of partners solved
alone without the shared rules (``model.component_bounds``), is a few units against an objective
in the hundreds. A gap of 1 % would need a roster within 1 % of a proven optimum; the bench
reports both bounds rather than a tuned instance.

The baseline, measured in the same run: a greedy roster (below: day by day, each coverage row
filled with the free registrars who have worked least, honouring leave, rest, the consecutive
limits and the hours caps as it goes), scored by the same checker. The ratios are CP-SAT over
the greedy: its time to a first roster, its soft cost, its share of hard rules kept.

Pure Python: the database the harness creates is not used.
"""

import time

from rostering import checker, generate, model
from rostering.problem import Problem, Roster, rest_minutes

TIME_LIMIT = 60.0
WORKERS = 2
FAIR = {"night_cap": True}  # an option; the app solves in one phase


def greedy(problem: Problem) -> Roster:
    """Fill each day's coverage rows, scarcest skill first, with the least-worked free people."""
    assignments: dict = {}
    skills: dict = {}
    minutes = {p.id: 0 for p in problem.staff}
    nights = {p.id: 0 for p in problem.staff}
    run = {p.id: (0, 0) for p in problem.staff}  # consecutive working days, consecutive nights
    week_minutes: dict = {}
    shifts = {s.code: s for s in problem.shift_types}
    avoid = {(w.person, w.day, w.shift) for w in problem.preferences if not w.want}
    for day in range(problem.num_days):
        week = day // 7
        rows = sorted(
            (r for r in problem.coverage if r.day == day and r.minimum > 0),
            key=lambda r: sum(1 for p in problem.staff if r.skill in p.skills),
        )
        for row in rows:
            shift = shifts[row.shift]
            length = round(shift.hours * 60)
            for _ in range(row.minimum):
                free = []
                for person in problem.staff:
                    contract = person.contract
                    before = assignments.get((person.id, day - 1))
                    days_run, nights_run = run[person.id]
                    if (
                        row.skill not in person.skills
                        or (person.id, day) in assignments
                        or problem.on_leave(person.id, day)
                        or (shift.site and person.sites and shift.site not in person.sites)
                        or (before and row.shift in shifts[before].forbidden_successors)
                        or (
                            before
                            and contract.min_rest_hours is not None
                            and rest_minutes(shifts[before], shift) < contract.min_rest_hours * 60
                        )
                        or (contract.max_consecutive_days is not None and days_run >= contract.max_consecutive_days)
                        or (
                            shift.is_night
                            and contract.max_consecutive_nights is not None
                            and nights_run >= contract.max_consecutive_nights
                        )
                        or (
                            contract.max_hours_per_week is not None
                            and week_minutes.get((person.id, week), 0) + length > contract.max_hours_per_week * 60
                        )
                        or (
                            contract.max_hours_4_weeks is not None
                            and minutes[person.id] + length > contract.max_hours_4_weeks * 60
                        )
                    ):
                        continue
                    wish = (person.id, day, row.shift) in avoid or (person.id, day, None) in avoid
                    free.append((wish, nights[person.id] if shift.is_night else 0, minutes[person.id], person.id))
                if not free:
                    break
                chosen = min(free)[-1]
                assignments[chosen, day] = row.shift
                skills[chosen, day] = row.skill
                minutes[chosen] += length
                week_minutes[chosen, week] = week_minutes.get((chosen, week), 0) + length
                nights[chosen] += int(shift.is_night)
        for person in problem.staff:
            code = assignments.get((person.id, day))
            days_run, nights_run = run[person.id]
            run[person.id] = (
                days_run + 1 if code else 0,
                nights_run + 1 if code and shifts[code].is_night else 0,
            )
    return Roster(assignments=assignments, skills=skills)


def night_spread(problem: Problem, roster: Roster) -> int:
    night_codes = {s.code for s in problem.shift_types if s.is_night}
    counts = [sum(1 for d in range(problem.num_days) if roster.shift(p.id, d) in night_codes) for p in problem.staff]
    return max(counts) - min(counts)


def night_lower_bound(problem: Problem) -> tuple[int | None, str]:
    """The least night spread the nights alone allow (a relaxation: no roster does better), and
    the arithmetic: nights needed over night-eligible staff."""
    built = model.build(problem)
    eligible = len(built.night_eligible())
    needed = built.night_demand
    pattern = model.night_pattern(problem, time_limit=10, workers=WORKERS)
    spread = None if pattern is None else night_spread(problem, pattern)
    text = f"{needed} nights needed over {eligible} eligible registrars ({needed / eligible:.2f} each); " + (
        f"the nights alone, with training and leave, allow a spread of {spread}"
        if spread is not None
        else "the nights alone admit no spread ≤ 1 (training, leave and the consecutive limits)"
    )
    return spread, text


def _solve(problem: Problem, **options):
    progress = []
    result = model.solve(
        problem,
        time_limit=TIME_LIMIT,
        workers=WORKERS,
        on_progress=lambda objective, bound, seconds: progress.append((seconds, objective, bound)),
        **options,
    )
    return result, progress


def run() -> list[dict]:
    problem = generate.department(registrars=60, days=28, seed=1)
    started = time.perf_counter()
    baseline = greedy(problem)
    greedy_seconds = time.perf_counter() - started
    greedy_report = checker.check(problem, baseline)

    result, progress = _solve(problem, **FAIR)
    single, _ = _solve(problem)
    report = checker.check(problem, result.roster)
    single_report = checker.check(problem, single.roster)
    started = time.perf_counter()
    groups = model.component_bounds(problem, time_limit=20, min_size=2)
    groups_seconds = time.perf_counter() - started
    proven = max(result.bound or 0, sum(groups.values()))
    proven_gap = (result.objective - proven) / result.objective if result.objective else 0.0
    spread_bound, spread_text = night_lower_bound(problem)
    at_5 = next((objective for seconds, objective, _ in reversed(progress) if seconds <= 5), None)
    cut = (1 - model.REPAIR_SHARE) * TIME_LIMIT
    before = next((objective for seconds, objective, _ in reversed(progress) if seconds <= cut), None)
    case = "60 registrars × 28 days × 4 shifts, 3 sites, 2 workers"
    greedy_hard = len(greedy_report.hard_violations)
    return [
        {
            "benchmark": "rostering",
            "case": f"{case}: first feasible roster",
            "figure": result.first_feasible_seconds,
            "unit": "s (goal ≤ 5)",
            "ratio": result.first_feasible_seconds / greedy_seconds,
            "note": f"greedy roster {greedy_seconds * 1000:.0f} ms with {greedy_hard} hard violations; "
            f"best objective by 5 s {'none' if at_5 is None else f'{at_5:.0f}'}; one phase: "
            f"{single.first_feasible_seconds:.1f} s; {len(progress)} improving rosters in {result.seconds:.0f} s",
        },
        {
            "benchmark": "rostering",
            "case": f"{case}: gap to the best bound at {TIME_LIMIT:.0f} s",
            "figure": 100 * proven_gap,
            "unit": "% (goal ≤ 1; not met: the bound is weak)",
            "ratio": result.objective / single.objective if single.objective else None,
            "note": f"status {result.status}, objective {result.objective} (one phase {single.objective}; "
            f"before the repair at {cut:.0f} s {'none' if before is None else f'{before:.0f}'}); "
            f"CP-SAT's bound {result.bound:.0f}; partners alone prove {sum(groups.values())} "
            f"({len(groups)} groups, {groups_seconds:.1f} s); cost by rule {result.term_costs}",
        },
        {
            "benchmark": "rostering",
            "case": f"{case}: hard constraints broken (independent checker)",
            "figure": len(report.hard_violations),
            "unit": "violations (goal 0: 100 % kept)",
            "ratio": None,
            "note": f"one phase: {len(single_report.hard_violations)}; the greedy roster breaks {greedy_hard}: "
            + "; ".join(str(finding) for finding in greedy_report.hard_violations[:2]),
        },
        {
            "benchmark": "rostering",
            "case": f"{case}: soft satisfaction (independent checker)",
            "figure": 100 * report.soft_satisfaction,
            "unit": "% (goal ≥ 90)",
            "ratio": report.soft_cost / greedy_report.soft_cost if greedy_report.soft_cost else None,
            "note": f"soft cost {report.soft_cost} (model's objective {result.objective}); one phase "
            f"{single_report.soft_cost} at {100 * single_report.soft_satisfaction:.1f} %; greedy "
            f"{greedy_report.soft_cost} at {100 * greedy_report.soft_satisfaction:.1f} %",
        },
        {
            "benchmark": "rostering",
            "case": f"{case}: spread of night shifts",
            "figure": night_spread(problem, result.roster),
            "unit": "nights (goal ≤ 1)",
            "ratio": None,
            "note": f"one phase: {night_spread(problem, single.roster)}; greedy roster: "
            f"{night_spread(problem, baseline)}; lower bound: {spread_text}"
            + ("" if spread_bound is None or spread_bound <= 1 else " (the goal is out of reach)"),
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
