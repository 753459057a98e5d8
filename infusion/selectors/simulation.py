"""Reads of the what-if simulation: the runs of a facility, one run, the form's defaults and the
facility's configuration a run is told."""

from analytics import estimates
from infusion.models import SimulationRun
from infusion.selectors import capacity
from infusion.simulation.parameters import Parameters
from scheduling import selectors as kernel
from scheduling.choices import ResourceKind
from scheduling.errors import NotFound

WEEKDAYS = range(7)


def simulation_run_list(*, facility, limit: int | None = None):
    runs = SimulationRun.objects.filter(facility=facility).select_related("created_by").order_by("-created_at", "-pk")
    return runs[:limit] if limit else runs


def simulation_run_get(*, facility, run_id, for_update: bool = False) -> SimulationRun:
    runs = SimulationRun.objects.filter(facility=facility)
    if for_update:
        runs = runs.select_for_update()
    try:
        return runs.select_related("created_by").get(pk=int(run_id))
    except (SimulationRun.DoesNotExist, TypeError, ValueError):
        raise NotFound("Simulation run") from None


def simulation_defaults(*, facility) -> dict:
    """The what-if form's defaults: the facility's chairs (the model's default without any), its
    nurses on a day without a roster, its weekly capacity; the study's arrival rate, both
    policies, a year, ten replications, seed 1."""
    model = Parameters()
    settings = capacity.settings_for(facility=facility)
    chairs = kernel.resource_list(facility=facility).filter(kind=ResourceKind.CHAIR, active=True).count()
    return {
        "chairs": chairs or model.chairs,
        "nurses": settings.default_nurses or model.nurses,
        "weekly_capacity": settings.weekly_capacity,
        "arrival_minutes": model.arrival_minutes,
        "policy": "both",
        "horizon_days": model.horizon_days,
        "replications": model.replications,
        "seed": model.seed,
    }


def simulation_configuration(*, facility) -> dict:
    """What a run takes from the facility's configuration, as ``parameters.from_mapping`` reads
    it: open weekdays, chairs per nurse, how far the levelled policy searches, the active patient
    types' shares, weekday mix and treatments per request, the routes, and the chair minutes per type that analytics
    learned from the facility's own completed appointments (the model's where it has none)."""
    config = capacity.configuration(facility=facility)
    types = config.active_types
    mix = {t.code: [float(config.mix.get(day, {}).get(t.code, 0)) for day in WEEKDAYS] for t in types}
    chair_minutes = {}
    for t in types:
        estimate = estimates.chair_estimate(
            facility=facility,
            regimen_category=t.regimen_category,
            patient_type=t.code,
            scheduled_minutes=t.chair_minutes,
        )
        if estimate.level != estimates.Level.BOOKED:
            chair_minutes[t.code] = estimate.minutes
    model = Parameters().with_chair_minutes(chair_minutes)
    return {
        "open_weekdays": list(config.settings.weekdays),
        "chairs_per_nurse": float(config.settings.chairs_per_nurse),
        "search_days": config.settings.search_days,
        "average_mix": {t.code: float(t.share_percent) for t in types},
        "weekday_mix": mix,
        "treatment_minutes": {t.code: model.treatment_minutes.get(t.code, 60.0) for t in types},
        "treatments": {t.code: dict(t.treatments) for t in types if t.treatments},
        "routes": {
            r.code: {"target_days": r.target_days, "offsets": list(r.offsets), "search_further": r.search_further}
            for r in capacity.route_list(facility=facility)
        },
    }
