"""How good the duration estimates are on a facility's own history: learn before a date,
estimate every chair appointment and theatre case from that date on, and compare with the
booked minutes (``analytics.estimates.evaluate``):

manage.py analytics_evaluate_estimates --facility riverside --split 2022-01-21
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from analytics import estimates
from scheduling import selectors as kernel


class Command(BaseCommand):
    help = "Evaluates the duration estimates of a facility on the facts from a split date on."

    def add_arguments(self, parser):
        parser.add_argument("--facility", required=True, help="Facility slug.")
        parser.add_argument(
            "--split", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD: learn before, evaluate from."
        )

    def handle(self, *args, facility, split, **options):
        chosen = [kernel.facility_get(facility_id=pk) for pk in kernel.facility_ids()]
        chosen = [one for one in chosen if one.slug == facility]
        if not chosen:
            raise CommandError(f"No facility with the slug {facility!r}.")
        result = estimates.evaluate(facility=chosen[0], split_date=split)
        self.stdout.write(f"{facility}: learned before {split}, evaluated from {split} on")
        for name, label in (("cases", "Theatre cases (in-room minutes)"), ("chairs", "Chair appointments")):
            part = result[name]
            self.stdout.write(f"{label}: {part['learned']} rows learned from, {part['evaluated']} evaluated")
            if not part["evaluated"]:
                self.stdout.write("  nothing to evaluate")
                continue
            improvement = f"{(1 - part['ratio']) * 100:.1f} % below" if part["ratio"] is not None else "n/a"
            self.stdout.write(f"  booked-minutes MAE  {part['booked_mae']:.2f} min")
            self.stdout.write(f"  estimate MAE        {part['estimate_mae']:.2f} min")
            ratio = "n/a" if part["ratio"] is None else f"{part['ratio']:.3f}"
            self.stdout.write(f"  estimate ÷ booked   {ratio} ({improvement} the booking)")
            levels = ", ".join(f"{level} {count}" for level, count in part["levels"].items())
            self.stdout.write(f"  estimates by level  {levels}")
