"""Validation of the simulation model (infusion.simulation), pure Python, no database: with the
defaults, what the model generates matches what it was told, within confidence intervals; both
policies meet the same demand (common random numbers); a seed gives the same results again; and
placement goes through the engine the app uses."""

import math
from dataclasses import replace
from statistics import NormalDist

import pytest

from infusion import engine
from infusion.simulation import model, runner
from infusion.simulation.parameters import Parameters, from_mapping, to_mapping, type_capacity
from infusion.simulation.statistics import interval, t95

# Four months measured after a shorter warm-up, four replications: ~1,800 requests and ~5,000
# appointments in all, enough for intervals of a few per cent.
REPLICATIONS = 4
PARAMETERS = Parameters(horizon_days=120, warmup_days=20, replications=REPLICATIONS, seed=11)
SHORT = replace(PARAMETERS, horizon_days=60, warmup_days=10)
# Several shares are checked at once: each interval at 1 - 5 %/k (Bonferroni), so the checks
# together hold at 95 %.
CHECKED_SHARES = 5 + 2


@pytest.fixture(scope="module")
def study():
    """The study's policy's replications, run (what is checked here does not depend on it)."""
    replications = [model.Replication(PARAMETERS, engine.STUDY, r) for r in range(REPLICATIONS)]
    return replications, [r.run() for r in replications]


@pytest.fixture(scope="module")
def paired():
    """Two months of each policy on the same streams, two replications."""
    return (
        [model.Replication(SHORT, engine.STUDY, r).run() for r in range(2)],
        [model.Replication(SHORT, engine.LEVELLED, r).run() for r in range(2)],
    )


def _proportion_interval(successes: int, trials: int) -> tuple[float, float]:
    z = NormalDist().inv_cdf(1 - 0.05 / (2 * CHECKED_SHARES))
    share = successes / trials
    half = z * math.sqrt(share * (1 - share) / trials)
    return share - half, share + half


def test_arrival_rate_matches_the_configured_one(study):
    _, results = study
    gaps = interval([r["measures"]["arrival_minutes"] for r in results])
    assert gaps["low"] <= PARAMETERS.arrival_minutes <= gaps["high"], gaps


def test_type_mix_matches_the_average_column(study):
    replications, _ = study
    requests = [request for replication in replications for request in replication.requests]
    measured = [r for r in requests if PARAMETERS.warmup_days <= r.day_index]
    total = sum(PARAMETERS.average_mix.values())
    for code, share in PARAMETERS.average_mix.items():
        low, high = _proportion_interval(sum(1 for r in measured if r.patient_type == code), len(measured))
        assert low <= share / total <= high, (code, low, share / total, high)


def test_cancellation_and_no_show_shares_match(study):
    replications, _ = study
    due = sum(r.appointments_due for r in replications)
    assert due > 3000
    low, high = _proportion_interval(sum(r.cancelled for r in replications), due)
    assert low <= PARAMETERS.cancel_rate <= high, (low, high)
    low, high = _proportion_interval(sum(r.no_shows for r in replications), due)
    assert low <= PARAMETERS.no_show_rate <= high, (low, high)


def test_both_policies_meet_the_same_demand(paired):
    study, levelled = paired
    for a, b in zip(study, levelled, strict=True):
        assert a["arrivals"] == b["arrivals"]
        assert a["types"] == b["types"]
        assert a["measures"]["requests"] == b["measures"]["requests"]
    # … and the replications differ from one another.
    assert study[0]["arrivals"] != study[1]["arrivals"]


def test_the_same_seed_gives_the_same_results(paired):
    study, _ = paired
    again = model.Replication(SHORT, engine.STUDY, 0).run()
    assert again["measures"] == study[0]["measures"]
    other = model.Replication(replace(SHORT, seed=12), engine.STUDY, 0).run()
    assert other["measures"] != study[0]["measures"]


def test_the_study_piles_up_the_mornings_and_the_levelled_policy_keeps_within_the_nurses(paired):
    study, levelled = paired
    cap = PARAMETERS.nurse_cap
    study_peak = interval([r["measures"]["peak_chairs"] for r in study])["mean"]
    levelled_peak = interval([r["measures"]["peak_chairs"] for r in levelled])["mean"]
    assert study_peak > levelled_peak and levelled_peak <= cap + 0.5
    # The study's first hour holds more chairs than the levelled policy's.
    assert sum(study[0]["profile"][:4]) > sum(levelled[0]["profile"][:4])


def test_placement_goes_through_the_engine(monkeypatch):
    calls = []
    place = engine.place

    def counting(**kwargs):
        calls.append(kwargs["route"].code)
        return place(**kwargs)

    monkeypatch.setattr(model.engine, "place", counting)
    replication = model.Replication(replace(PARAMETERS, horizon_days=28, warmup_days=0), engine.LEVELLED, 0)
    replication.run()
    assert {"new", "next_cycle"} <= set(calls)
    assert len(calls) >= len(replication.requests)


def test_runner_summarises_pairs_and_stops_on_request():
    parameters = replace(PARAMETERS, horizon_days=28, warmup_days=7, replications=3)
    progress = []
    summary = runner.run(parameters, progress=lambda done, total: progress.append((done, total)))
    assert progress[-1] == (6, 6)
    assert summary["replications"] == 3 and not summary["stopped"]
    waits = summary["policies"]["levelled"]["measures"]["wait_minutes"]
    assert waits["n"] == 3 and waits["low"] <= waits["mean"] <= waits["high"]
    difference = summary["differences"]["wait_minutes"]
    paired = [
        a - b
        for a, b in zip(
            waits["values"], summary["policies"]["study"]["measures"]["wait_minutes"]["values"], strict=True
        )
    ]
    assert difference["mean"] == pytest.approx(sum(paired) / 3)
    rows = runner.csv_text(summary).splitlines()
    assert rows[0] == "policy,replication,measure,value"
    assert any(row.startswith("difference,mean,wait_minutes,") for row in rows)

    stopped = runner.run(
        parameters, progress=lambda d, t: progress.append((d, t)), should_stop=lambda: len(progress) >= 8
    )
    assert stopped["stopped"] and stopped["replications"] == 1


def test_type_capacity_adds_up_to_the_weekly_capacity():
    parameters = Parameters(weekly_capacity=83)
    week = sum(type_capacity(parameters, code, day) for code in parameters.types for day in range(7))
    assert week == 83
    assert type_capacity(parameters, "INF", 5) == 0  # Saturday: closed


def test_parameters_survive_json():
    parameters = Parameters(chairs=12, nurses=3, policies=(engine.STUDY,), seed=5)
    assert from_mapping(to_mapping(parameters)) == parameters


def test_t_quantiles():
    assert t95(1) == pytest.approx(12.706)
    assert t95(9) == pytest.approx(2.262)
    assert 1.96 < t95(200) < t95(31) < t95(30)
    single = interval([4.0])
    assert single["low"] == single["high"] == 4.0


def test_a_short_horizon_still_measures_days_to_treatment():
    """The what-if page allows 28 measured days, shorter than the 45 a request is followed for:
    the days to treatment must come from requests old enough to have been treated, not read 0."""
    result = model.Replication(replace(Parameters(), horizon_days=28, seed=5), engine.LEVELLED, 0).run()
    assert result["measures"]["days_to_treatment"] > 1
