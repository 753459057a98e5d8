"""Infusion simulation benchmark: one year of simulated days of a 30-chair center, as a ratio of
the same year run with an empty model, in the same run.

The center: 30 chairs, 8 nurses on duty (3 chairs each: 24 chairs at once), 300 patients a
week, the study's request rate (one per 105 minutes) around the clock (about 96 requests a week,
some 260 visits), its type mix, cancellations, no-shows and bad blood. One replication of 365
days without a warm-up, under each policy: every request placed by ``infusion.engine.place``
over the simulated schedule, every visit through the nurses and chairs (SimPy resources).

The empty model (``Replication(..., empty=True)``): the same arrivals, cancellations and
no-shows, and the same number of events per visit, but each a zero-minute step with no resource
and each placement a fixed day and time without the engine: the event loop's own cost. The
ratio is the price of the center's logic (placement above all) over that.

Each case runs ``REPEATS`` times interleaved with the empty model; the fastest of each is the
figure. Pure Python: the database the harness creates is not used.
"""

import time

from infusion import engine
from infusion.simulation.model import Replication
from infusion.simulation.parameters import Parameters

REPEATS = 3
CENTER = Parameters(
    chairs=30,
    nurses=8,
    weekly_capacity=300,
    arrivals_around_the_clock=True,
    horizon_days=365,
    warmup_days=0,
    replications=1,
    seed=1,
)


def run() -> list[dict]:
    rows = []
    for policy in (engine.LEVELLED, engine.STUDY):
        full_times, empty_times = [], []
        measures = {}
        for _ in range(REPEATS):
            started = time.perf_counter()
            measures = Replication(CENTER, policy, 0).run()["measures"]
            full_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            Replication(CENTER, policy, 0, empty=True).run()
            empty_times.append(time.perf_counter() - started)
        full, empty = min(full_times), min(empty_times)
        rows.append(
            {
                "benchmark": "infusion",
                "case": f"30 chairs × 365 days, {policy}",
                "figure": full * 1000,
                "unit": "ms per simulated year",
                "ratio": full / empty,
                "note": f"empty model {empty * 1000:.0f} ms; {measures['requests']} requests, "
                f"{measures['throughput']} treatments, {full / 365 * 1000:.1f} ms per simulated day",
            }
        )
    return rows
