"""What a simulation run is told: the center, the demand, the routes and the service times.

Defaults are the study's where it gives a figure (../shared/seeds/infusion-center-scheduling-study.md)
and stated assumptions where it does not:

* Requests: one per 105 minutes, exponential (the study). The clock of arrivals runs in working
  hours (Monday–Friday, 08:00–17:00) by default: physicians' offices request by phone while they
  are open, which gives about 26 requests a week. ``arrivals_around_the_clock`` runs it 24/7 (the
  study's "simplistically, a 24/7 online service"), which gives 96 a week and needs a center
  about four times larger.
* Patient type: the study's "Average" mix. Treatments per request: the study draws them from a
  discrete distribution it does not print; ours (below, one for every type as in the study)
  averages 2.45 treatments, about 65 treatments a week with the arrival rate.
* 10 % of appointments cancel, 5 % are missed (the study). Bad blood work: 5 % (assumed; the study
  gives no rate).
* The center: 8 chairs, 2 nurses on duty each open day, 3 chairs per nurse (so the nurses support
  6 chairs at once: nurses, not chairs, limit), 80 patients a week split by the study's weekday
  mix (``type_capacity``). The default demand comes to about 70 appointments a week (treatments,
  bad-blood returns and missed visits), about 87 % of the places (74–95 % by type): a center
  running near its capacity, as the study describes, without being hopelessly over it. At 70 a
  week the places are all taken on average and every policy overflows most days; at 90, 78 %.
* Service minutes (triangular: low, mode, high) for the steps; the treatment by type (lognormal
  around the type's mean, 25 % coefficient of variation). The chair minutes a placement books for
  a type are the mean of its chair stay (vitals to discharge), rounded up to 15 minutes; a
  facility's own chair minutes per type (analytics) replace them and set the treatment's mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from infusion.engine import LEVELLED, STUDY, Route, largest_remainder

TYPES = ("INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC")

# The study's table: each weekday's share of its capacity per type (Monday … Friday), and the
# "Average" column, the mix of new requests.
WEEKDAY_MIX: dict[str, tuple[float, ...]] = {
    "INF": (31.25, 24.11, 26.32, 18.03, 24.32),
    "CMO-SHORT": (25.00, 22.70, 27.49, 25.68, 23.24),
    "CMO-LONG": (8.75, 5.67, 7.60, 4.92, 5.41),
    "FUP": (20.63, 22.70, 16.37, 34.97, 27.57),
    "MISC": (14.38, 24.82, 22.22, 16.39, 19.46),
}
AVERAGE_MIX: dict[str, float] = {"INF": 24.64, "CMO-SHORT": 24.88, "CMO-LONG": 6.43, "FUP": 24.76, "MISC": 19.29}

# Treatments per request (assumed: the study draws them from one discrete distribution, in a
# figure it does not print). One distribution for every type, as in the study, so that the mix of
# visits is the mix of requests, which is what the weekday mix's capacities are cut for.
TREATMENT_COUNTS: dict[int, float] = {1: 0.40, 2: 0.20, 3: 0.15, 4: 0.15, 6: 0.10}  # mean 2.45
TREATMENTS: dict[str, dict[int, float]] = {code: dict(TREATMENT_COUNTS) for code in AVERAGE_MIX}

# Mean treatment minutes in the chair by type (assumed; a facility's analytics replace them).
TREATMENT_MINUTES: dict[str, float] = {"INF": 60, "CMO-SHORT": 120, "CMO-LONG": 300, "FUP": 15, "MISC": 45}
NO_DRUG_TYPES = frozenset({"FUP"})  # a follow-up has no drug to prepare

# The study's routes: target days after the day a request counts from, and the days tried.
ROUTES: dict[str, Route] = {
    "new": Route("new", 14, (0, -1, 1)),  # "on the order of weeks"
    "cancellation": Route("cancellation", 2, (0, -1, 1)),
    "no_show": Route("no_show", 3, (0, -1, 1)),
    "bad_blood": Route("bad_blood", 1, (0, 1), search_further=False),
    "next_cycle": Route("next_cycle", 30, (0, -1, 1, -2, 2)),
}


@dataclass(frozen=True)
class Step:
    """Minutes of one step: triangular (low, mode, high)."""

    low: float
    mode: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


@dataclass(frozen=True)
class Steps:
    check_in: Step = Step(2, 4, 8)  # front desk, no nurse
    height_weight: Step = Step(3, 5, 8)  # nurse
    vitals_blood: Step = Step(8, 10, 15)  # nurse, in the chair
    lab: Step = Step(20, 30, 60)  # lab turnaround, in the chair
    drug_preparation: Step = Step(15, 30, 60)  # pharmacy, while a nurse sets the patient up
    setup: Step = Step(5, 10, 15)  # nurse, in the chair
    discharge: Step = Step(3, 5, 10)  # in the chair, no nurse


@dataclass(frozen=True)
class Parameters:
    chairs: int = 8
    nurses: int = 2  # on duty each open day
    chairs_per_nurse: float = 3.0
    weekly_capacity: int = 80
    arrival_minutes: float = 105.0
    arrivals_around_the_clock: bool = False
    open_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    open_minute: int = 8 * 60
    close_minute: int = 17 * 60
    horizon_days: int = 365  # measured, after the warm-up
    warmup_days: int = 90  # simulated first and discarded: the schedule fills from empty
    replications: int = 10
    seed: int = 1
    policies: tuple[str, ...] = (LEVELLED, STUDY)
    search_days: int = 10
    cancel_rate: float = 0.10
    no_show_rate: float = 0.05
    bad_blood_rate: float = 0.05
    treatment_cv: float = 0.25
    average_mix: dict[str, float] = field(default_factory=lambda: dict(AVERAGE_MIX))
    weekday_mix: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(WEEKDAY_MIX))
    treatments: dict[str, dict[int, float]] = field(default_factory=lambda: {k: dict(v) for k, v in TREATMENTS.items()})
    treatment_minutes: dict[str, float] = field(default_factory=lambda: dict(TREATMENT_MINUTES))
    routes: dict[str, Route] = field(default_factory=lambda: dict(ROUTES))
    steps: Steps = Steps()

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.average_mix)

    @property
    def nurse_cap(self) -> int:
        """Chairs the nurses on duty support at once."""
        return math.floor(self.nurses * self.chairs_per_nurse + 1e-9)

    def chair_overhead_minutes(self, patient_type: str) -> float:
        """Mean minutes in the chair besides the treatment: vitals, lab, preparation, discharge."""
        steps = self.steps
        preparation = (
            steps.setup.mean if patient_type in NO_DRUG_TYPES else max(steps.drug_preparation.mean, steps.setup.mean)
        )
        return steps.vitals_blood.mean + steps.lab.mean + preparation + steps.discharge.mean

    def planned_minutes(self, patient_type: str) -> int:
        """Chair minutes a placement books for the type: its mean chair stay, up to 15 minutes."""
        stay = self.chair_overhead_minutes(patient_type) + self.treatment_minutes[patient_type]
        return int(math.ceil(stay / 15) * 15)

    def with_chair_minutes(self, chair_minutes: dict[str, float]) -> Parameters:
        """These parameters with a facility's chair minutes per type (analytics): they set the
        treatment's mean as the chair stay less the other steps (at least 5 minutes)."""
        treatment = dict(self.treatment_minutes)
        for code, minutes in chair_minutes.items():
            if code in treatment and minutes:
                treatment[code] = max(5.0, float(minutes) - self.chair_overhead_minutes(code))
        return replace(self, treatment_minutes=treatment)


def type_capacity(parameters: Parameters, patient_type: str, weekday: int) -> int:
    """Patients of a type a weekday takes, as ``infusion.selectors.capacity`` computes them for
    the app: the weekly capacity split evenly over the open weekdays, then the day's split over
    the types by the weekday's mix, both by largest remainder (whole patients adding up to the
    total; a weekday without a mix column splits by the average mix)."""
    weekdays = sorted(parameters.open_weekdays)
    if weekday not in weekdays:
        return 0
    day = largest_remainder(parameters.weekly_capacity, [1] * len(weekdays))[weekdays.index(weekday)]
    types = parameters.types
    weights = [
        shares[weekday] if weekday < len(shares) else 0
        for shares in (parameters.weekday_mix.get(code, ()) for code in types)
    ]
    if not any(weight > 0 for weight in weights):
        weights = [parameters.average_mix[code] for code in types]
    return dict(zip(types, largest_remainder(day, weights), strict=True)).get(patient_type, 0)


SCALARS = (
    "chairs",
    "nurses",
    "chairs_per_nurse",
    "weekly_capacity",
    "arrival_minutes",
    "arrivals_around_the_clock",
    "horizon_days",
    "warmup_days",
    "replications",
    "seed",
    "search_days",
)


def to_mapping(parameters: Parameters) -> dict:
    """The parameters as JSON-ready data (what a run keeps, so it can be run again)."""
    data = {name: getattr(parameters, name) for name in SCALARS}
    data["open_weekdays"] = list(parameters.open_weekdays)
    data["policies"] = list(parameters.policies)
    data["average_mix"] = dict(parameters.average_mix)
    data["weekday_mix"] = {code: list(shares) for code, shares in parameters.weekday_mix.items()}
    data["treatment_minutes"] = dict(parameters.treatment_minutes)
    data["treatments"] = {
        code: {str(n): p for n, p in counts.items()} for code, counts in parameters.treatments.items()
    }
    data["routes"] = {
        code: {"target_days": r.target_days, "offsets": list(r.offsets), "search_further": r.search_further}
        for code, r in parameters.routes.items()
    }
    return data


def from_mapping(data: dict) -> Parameters:
    """``to_mapping``'s inverse; what it lacks keeps the defaults."""
    default = Parameters()
    values = {name: data[name] for name in SCALARS if name in data}
    if "open_weekdays" in data:
        values["open_weekdays"] = tuple(data["open_weekdays"])
    if "policies" in data:
        values["policies"] = tuple(data["policies"])
    if "average_mix" in data:
        values["average_mix"] = {code: float(share) for code, share in data["average_mix"].items()}
    if "weekday_mix" in data:
        values["weekday_mix"] = {code: tuple(float(v) for v in shares) for code, shares in data["weekday_mix"].items()}
    if "treatment_minutes" in data:
        values["treatment_minutes"] = {code: float(m) for code, m in data["treatment_minutes"].items()}
    if "treatments" in data:
        values["treatments"] = {
            code: {int(n): float(p) for n, p in counts.items()} for code, counts in data["treatments"].items() if counts
        }
    if "routes" in data:
        values["routes"] = {
            code: Route(code, int(r["target_days"]), tuple(r["offsets"]), bool(r["search_further"]))
            for code, r in data["routes"].items()
        }
    parameters = replace(default, **values)
    # Types the facility added beyond the study's five take the study's treatments and a
    # treatment of its mean length, so a run never lacks what a type needs.
    treatments = {code: parameters.treatments.get(code, dict(TREATMENT_COUNTS)) for code in parameters.types}
    minutes = {code: parameters.treatment_minutes.get(code, 60.0) for code in parameters.types}
    return replace(parameters, treatments=treatments, treatment_minutes=minutes)
