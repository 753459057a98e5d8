"""Replications of every policy asked, on common random numbers, summarised.

``run(parameters)`` runs replication r of each policy on the streams of (seed, r), so the
policies meet the same demand; each measure gets its mean and 95 % interval per policy and, with
two policies, the paired difference (the first policy, the default, less the second) with its
interval: pairs on the same streams make it much tighter than the two intervals suggest.
``progress(done, total)`` is told after each replication of each policy; ``should_stop()``
asked before each: stopping keeps what finished (the summary covers the pairs complete).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from infusion.simulation.model import Replication
from infusion.simulation.parameters import Parameters
from infusion.simulation.statistics import interval

# The measures a person reads, in order, with their unit; the others are the model's checks.
MEASURES: dict[str, tuple[str, str]] = {
    "days_to_treatment": ("Days from request to first treatment", "days"),
    "wait_minutes": ("In-clinic wait (queued for a nurse or a chair)", "min"),
    "chair_utilisation": ("Chair utilisation", "%"),
    "nurse_utilisation": ("Nurse utilisation (tasks)", "%"),
    "peak_chairs": ("Daily peak of chairs in use", "chairs"),
    "peak_load": ("Daily peak over the chairs the nurses support", "%"),
    "days_over_nurse_cap": ("Days above the nurses' cap", "days"),
    "overflow_days": ("Overflow days (a type over its capacity)", "days"),
    "overbooked_days": ("Overbooked days (the day over its capacity)", "days"),
    "overtime_minutes": ("Overtime past closing, per open day", "min"),
    "throughput": ("Treatments completed", "treatments"),
}


def run(
    parameters: Parameters,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict:
    policies = list(parameters.policies)
    total = parameters.replications * len(policies)
    done = 0
    replications: dict[str, list[dict]] = {policy: [] for policy in policies}
    stopped = False
    for replication in range(parameters.replications):
        for policy in policies:
            if should_stop is not None and should_stop():
                stopped = True
                break
            replications[policy].append(Replication(parameters, policy, replication).run())
            done += 1
            if progress is not None:
                progress(done, total)
        if stopped:
            break
    return summarise(parameters, replications, stopped=stopped)


def summarise(parameters: Parameters, replications: dict[str, list[dict]], *, stopped: bool = False) -> dict:
    policies = list(replications)
    complete = min((len(runs) for runs in replications.values()), default=0)
    names = list(replications[policies[0]][0]["measures"]) if complete else []
    summary: dict = {"replications": complete, "stopped": stopped, "policies": {}, "differences": {}}
    for policy in policies:
        runs = replications[policy][:complete]
        summary["policies"][policy] = {
            "measures": {
                name: {**interval([r["measures"][name] for r in runs]), "values": [r["measures"][name] for r in runs]}
                for name in names
            },
            "profile": _average([r["profile"] for r in runs]),
            "daily_peaks": runs[0]["daily_peaks"] if runs else [],
            "nurse_cap": runs[0]["nurse_cap"] if runs else parameters.nurse_cap,
        }
    if len(policies) == 2 and complete:
        first, second = (replications[p][:complete] for p in policies)
        for name in names:
            pairs = [a["measures"][name] - b["measures"][name] for a, b in zip(first, second, strict=True)]
            base = interval([b["measures"][name] for b in second])["mean"]
            difference = interval(pairs)
            difference["relative"] = difference["mean"] / base if base else None
            summary["differences"][name] = difference
        summary["difference_of"] = policies
    return summary


def _average(series: list[list[float]]) -> list[float]:
    if not series:
        return []
    return [round(sum(values) / len(values), 3) for values in zip(*series, strict=True)]


CSV_HEADER = ["policy", "replication", "measure", "value"]


def csv_rows(summary: dict) -> Iterator[list[str]]:
    """One row per policy × replication × measure, then the summary rows (replication ``mean``,
    ``low``, ``high``; policy ``difference`` for the paired difference)."""
    for policy, data in summary["policies"].items():
        for name, measure in data["measures"].items():
            for replication, value in enumerate(measure["values"]):
                yield [policy, str(replication), name, _number(value)]
    for policy, data in summary["policies"].items():
        for name, measure in data["measures"].items():
            for key in ("mean", "low", "high"):
                yield [policy, key, name, _number(measure[key])]
    for name, difference in summary["differences"].items():
        for key in ("mean", "low", "high"):
            yield ["difference", key, name, _number(difference[key])]


def csv_text(summary: dict) -> str:
    """``csv_rows`` under ``CSV_HEADER`` as one text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(summary))
    return out.getvalue()


def _number(value) -> str:
    return "" if value is None else f"{value:.6g}"
