"""Runs the what-if simulation without the pages and without writing to the database, and
writes its CSV (one row per policy × replication × measure, then the means, intervals and
paired differences):

manage.py infusion_simulate --policy both --days 365 --replications 10 --seed 1 --out out.csv

Without ``--facility`` the center is the study's (``infusion.simulation.parameters``); with it,
that facility's configuration and defaults, as its what-if page would run it.
"""

from dataclasses import replace
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from infusion.selectors import simulation as selectors
from infusion.simulation import parameters as model_parameters
from infusion.simulation import runner
from scheduling import selectors as kernel

POLICIES = {"both": ("levelled", "study"), "levelled": ("levelled",), "study": ("study",)}


class Command(BaseCommand):
    help = "Runs the infusion center simulation and writes its CSV; nothing is saved."

    def add_arguments(self, parser):
        parser.add_argument("--policy", choices=sorted(POLICIES), default="both")
        parser.add_argument("--days", type=int, default=365, help="Days measured after the warm-up.")
        parser.add_argument("--warmup", type=int, default=90, help="Days simulated first and discarded.")
        parser.add_argument("--replications", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chairs", type=int)
        parser.add_argument("--nurses", type=int)
        parser.add_argument("--weekly-capacity", type=int)
        parser.add_argument("--arrival-minutes", type=float)
        parser.add_argument("--facility", help="A facility's slug: its configuration instead of the study's.")
        parser.add_argument("--out", type=Path, help="CSV file to write; standard output when left out.")

    def handle(self, *args, **options):
        parameters = model_parameters.Parameters()
        if options["facility"]:
            facilities = [kernel.facility_get(facility_id=pk) for pk in kernel.facility_ids()]
            facility = next((f for f in facilities if f.slug == options["facility"]), None)
            if facility is None:
                raise CommandError(f"No facility with the slug {options['facility']!r}.")
            defaults = selectors.simulation_defaults(facility=facility)
            defaults.pop("policy")
            mapping = {**selectors.simulation_configuration(facility=facility), **defaults}
            parameters = model_parameters.from_mapping(mapping)
        chosen = {
            "chairs": options["chairs"],
            "nurses": options["nurses"],
            "weekly_capacity": options["weekly_capacity"],
            "arrival_minutes": options["arrival_minutes"],
        }
        parameters = replace(
            parameters,
            **{name: value for name, value in chosen.items() if value is not None},
            horizon_days=options["days"],
            warmup_days=options["warmup"],
            replications=options["replications"],
            seed=options["seed"],
            policies=POLICIES[options["policy"]],
        )
        if min(parameters.chairs, parameters.nurses, parameters.horizon_days, parameters.replications) < 1:
            raise CommandError("Chairs, nurses, days and replications must be at least 1.")

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"\r{done} of {total} replications", ending="")

        summary = runner.run(parameters, progress=progress)
        self.stderr.write("")
        text = runner.csv_text(summary)
        if options["out"]:
            options["out"].write_text(text, encoding="utf-8")
            self.stderr.write(f"Written to {options['out']}.")
        else:
            self.stdout.write(text, ending="")
        for name, (label, unit) in runner.MEASURES.items():
            cells = []
            for policy, data in summary["policies"].items():
                m = data["measures"][name]
                cells.append(f"{policy} {m['mean']:.2f} [{m['low']:.2f}, {m['high']:.2f}]")
            if name in summary["differences"]:
                d = summary["differences"][name]
                cells.append(f"difference {d['mean']:.2f} [{d['low']:.2f}, {d['high']:.2f}]")
            self.stderr.write(f"{label} ({unit}): " + "; ".join(cells))
