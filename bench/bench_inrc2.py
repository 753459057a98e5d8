"""INRC-II benchmark: the static instances of the Second International Nurse Rostering
Competition solved by CareSlot's CP-SAT model, each within a fixed time limit on 2 workers.

Per instance: the official cost as ``rostering.inrc2.scorer`` computes it from the competition's
files and the roster (independently of the model), the hard violations it finds (must be 0),
the time to the first feasible roster, the model's objective and its best bound, and the gap
between them. The objective is the roster's exact cost in the model; the model re-pricing the
roster (``evaluate``) must give the same, and the scorer's cost must equal both when the import
is faithful. The search runs with ``PARAMETERS``: on n005w4 and n021w4 at 20 s each they lifted
the bound from 0 to 1045 and from 15 to 310 (costs 1530 against 1600, 2975 against 2925).
Each roster is written in the competition's solution format, one file per week, under
``bench/out/inrc2/<instance>/``, for the official validator::

    java -jar validator.jar --sce Sc-n005w4.txt --his H0-n005w4-0.txt \\
        --weeks WD-n005w4-1.txt WD-n005w4-2.txt WD-n005w4-3.txt WD-n005w4-3.txt \\
        --sols bench/out/inrc2/n005w4_0_1-2-3-3/sol-week{0,1,2,3}.txt

Pure Python: the database the harness creates is not used. On its own:
``python -m bench.bench_inrc2 [--time-limit S] [instance ...]``.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from rostering.inrc2 import importer, reader, scorer, writer
from rostering.model import evaluate, solve

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "inrc2"
OUT = Path(__file__).resolve().parent / "out" / "inrc2"
WORKERS = 2
# An LP-heavy search: the bound, and so the gap, say something within the limits used here.
PARAMETERS = {"linearization_level": 2, "subsolvers": ["max_lp", "quick_restart"]}

# (instance, seconds): the small ones first, then the 30- and 35-nurse instances of the literature.
INSTANCES = (
    ("n005w4_0_1-2-3-3", 20),
    ("n012w8_0_3-5-0-2-0-4-5-2", 60),
    ("n021w4_0_5-4-1-2", 60),
    ("n030w4_1_6-2-9-1", 60),
    ("n030w4_1_6-7-5-3", 60),
    ("n035w4_0_1-7-1-8", 60),
    ("n035w4_2_8-8-7-5", 60),
)


def data_folder(name: str) -> Path:
    return DATA / name.split("_")[0]


def solve_instance(name: str, time_limit: float) -> dict:
    """Imports, solves, scores and writes one instance; the figures as a dict."""
    instance = reader.load_instance(data_folder(name), name)
    started = time.perf_counter()
    problem = importer.to_problem(instance)
    result = solve(problem, time_limit=time_limit, workers=WORKERS, parameters=PARAMETERS)
    wall = time.perf_counter() - started
    figures = {
        "instance": name,
        "nurses": len(instance.scenario.nurses),
        "weeks": len(instance.weeks),
        "time_limit": time_limit,
        "status": getattr(result, "status", None),
        "seconds": round(wall, 1),
        "first_feasible_seconds": result.first_feasible_seconds,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
    }
    if result.roster is None:
        return figures | {"cost": None, "hard_violations": None}
    roster = importer.to_assignments(result.roster)
    score = scorer.score(instance, roster)
    writer.write_solutions(instance, roster, OUT / name)
    (OUT / name / "score.txt").write_text(score.report() + "\n")
    return figures | {
        "repriced": evaluate(problem, result.roster).objective,
        "cost": score.cost,
        "hard_violations": score.hard_violations,
        "hard": score.hard,
        "soft": score.soft,
    }


def run(instances=INSTANCES) -> list[dict]:
    rows = []
    for name, time_limit in instances:
        figures = solve_instance(name, time_limit)
        first = figures["first_feasible_seconds"]
        gap = figures["gap"]
        rows.append(
            {
                "benchmark": "inrc2",
                "case": f"{name} ({time_limit:g} s)",
                "figure": figures["cost"],
                "unit": "official cost",
                "ratio": gap,
                "note": (
                    f"hard violations {figures['hard_violations']}; first feasible "
                    f"{'-' if first is None else f'{first:.1f} s'}; objective {figures['objective']} "
                    f"(re-priced {figures.get('repriced')}), "
                    f"bound {figures['bound']}, gap {'-' if gap is None else f'{100 * gap:.1f} %'}"
                ),
                "figures": figures,
            }
        )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instances", nargs="*", help="instance names (default: the listed ones)")
    parser.add_argument("--time-limit", type=float, help="seconds per instance (default: each one's own)")
    args = parser.parse_args(argv)
    limits = dict(INSTANCES)
    names = args.instances or list(limits)
    chosen = [(name, args.time_limit or limits.get(name, 60)) for name in names]
    columns = ("limit", 5), ("cost", 6), ("hard", 4), ("first", 6), ("objective", 9), ("repriced", 8), ("bound", 7)
    print(f"{'instance':<28} " + " ".join(title.rjust(width) for title, width in columns) + f" {'gap':>6}")
    results = []
    for name, limit in chosen:
        f = solve_instance(name, limit)
        results.append(f)
        first = "-" if f["first_feasible_seconds"] is None else f"{f['first_feasible_seconds']:.1f}"
        gap = "-" if f["gap"] is None else f"{100 * f['gap']:.1f}%"
        print(
            f"{name:<28} {limit:>5g} {f['cost']!s:>6} {f['hard_violations']!s:>4} {first:>6} "
            f"{f['objective']!s:>9} {f.get('repriced')!s:>8} {f['bound']!s:>7} {gap:>6}",
            flush=True,
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
