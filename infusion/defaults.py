"""The infusion study's defaults (../shared/seeds/infusion-center-scheduling-study.md): its five
patient types with their share of requests, the weekday mix of its Table 2, and its five routes.
A facility without rows of its own reads these (``infusion.selectors.capacity``), and
``infusion.services.configuration.infusion_defaults_ensure`` writes them as the facility's rows
before its first change.

Plain data: no database, no Django models."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from infusion.simulation.parameters import TREATMENT_COUNTS

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class PatientTypeDefault:
    code: str
    name: str
    average_percent: Decimal  # the study's "Average" column, before normalising
    regimen_category: str
    chair_minutes: int
    treatments: dict[str, float]


# The study gives the shares ("Average") but not the chair minutes nor the treatments per
# request ("based on shadowing observations", without numbers). The chair minutes follow the
# types' names (a shortened or long chemotherapy, a follow-up without drugs). The study draws
# every type's treatments from one distribution; ours is the simulation's (mean 2.45), so the
# what-if of a facility on its defaults is the model the closing figures were measured on. A
# center edits each type's own.
_TREATMENTS = {str(count): probability for count, probability in TREATMENT_COUNTS.items()}
PATIENT_TYPES: tuple[PatientTypeDefault, ...] = (
    PatientTypeDefault("INF", "Infusion, transfusion or injection", Decimal("24.64"), "short", 60, _TREATMENTS),
    PatientTypeDefault("CMO-SHORT", "Chemotherapy, shortened treatment", Decimal("24.88"), "medium", 120, _TREATMENTS),
    PatientTypeDefault("CMO-LONG", "Chemotherapy, long treatment", Decimal("6.43"), "long", 300, _TREATMENTS),
    PatientTypeDefault("FUP", "Follow-up appointment, no drugs", Decimal("24.76"), "short", 30, _TREATMENTS),
    PatientTypeDefault(
        "MISC", "Other (new patients, sick visits, unrelated procedures)", Decimal("19.29"), "short", 60, _TREATMENTS
    ),
)

# The study's table of patient type percentages by weekday, verbatim (Monday to Friday; each
# weekday adds up to 100 within the table's rounding, 99.99 to 100.01).
WEEKDAY_MIX: dict[str, tuple[Decimal, ...]] = {
    "INF": tuple(Decimal(v) for v in ("31.25", "24.11", "26.32", "18.03", "24.32")),
    "CMO-SHORT": tuple(Decimal(v) for v in ("25.00", "22.70", "27.49", "25.68", "23.24")),
    "CMO-LONG": tuple(Decimal(v) for v in ("8.75", "5.67", "7.60", "4.92", "5.41")),
    "FUP": tuple(Decimal(v) for v in ("20.63", "22.70", "16.37", "34.97", "27.57")),
    "MISC": tuple(Decimal(v) for v in ("14.38", "24.82", "22.22", "16.39", "19.46")),
}


@dataclass(frozen=True)
class RouteDefault:
    code: str
    target_days: int
    offsets: tuple[int, ...]
    search_further: bool
    description: str


# The study's routes: a cancellation within 2 days ± 1, a no-show within 3 days ± 1, bad blood
# within the next two days (and no further), the next cycle 30 days out trying the target, the
# day before, the day after, two before and two after. A new patient's target (two weeks) is ours:
# the study only says patients wait "on the order of weeks".
ROUTES: tuple[RouteDefault, ...] = (
    RouteDefault("new", 14, (0, -1, 1), True, "A new patient, about two weeks after the physician's request."),
    RouteDefault("cancellation", 2, (0, -1, 1), True, "Rebooked within 2 days (± 1) of a cancellation."),
    RouteDefault("no_show", 3, (0, -1, 1), True, "Rebooked within 3 days (± 1) of a missed appointment."),
    RouteDefault("bad_blood", 1, (0, 1), False, "Bad blood work: back within the next two days, never later."),
    RouteDefault("next_cycle", 30, (0, -1, 1, -2, 2), True, "The next treatment cycle, 30 days out."),
)


def normalised_shares(percents: list[Decimal], *, places: int = 2) -> list[Decimal]:
    """``percents`` scaled to add up to exactly 100 at ``places`` decimals (largest remainder):
    the study's column adds up to 100.00 already, a facility's own may not."""
    total = sum(percents, Decimal(0))
    if total <= 0:
        return [Decimal(0) for _ in percents]
    unit = Decimal(1).scaleb(-places)
    units = int(Decimal(100) / unit)
    exact = [value * units / total for value in percents]
    floors = [int(value.to_integral_value(rounding=ROUND_DOWN)) for value in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: units - sum(floors)]:
        floors[i] += 1
    return [Decimal(n) * unit for n in floors]


def default_shares() -> dict[str, Decimal]:
    """Each default type's share of requests, normalised to 100."""
    shares = normalised_shares([t.average_percent for t in PATIENT_TYPES])
    return {t.code: share for t, share in zip(PATIENT_TYPES, shares, strict=True)}
