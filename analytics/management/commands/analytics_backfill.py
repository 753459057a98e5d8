"""Rebuilds the daily aggregates of a range of local days, e.g. after loading a year of history:

manage.py analytics_backfill --facility riverside --from 2025-01-01 --to 2025-12-31
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from analytics import services
from scheduling import selectors as kernel
from scheduling.errors import ApplicationError


class Command(BaseCommand):
    help = "Rebuilds the analytics aggregates of a facility (or every facility) for a range of local days."

    def add_arguments(self, parser):
        parser.add_argument("--facility", help="Facility slug; every facility when left out.")
        parser.add_argument("--from", dest="first", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, facility=None, first, last, **options):
        ids = kernel.facility_ids()
        facilities = [kernel.facility_get(facility_id=pk) for pk in ids]
        if facility:
            facilities = [f for f in facilities if f.slug == facility]
            if not facilities:
                raise CommandError(f"No facility with the slug {facility!r}.")
        for one in facilities:
            try:
                written = services.aggregates_backfill(facility=one, first=first, last=last)
            except ApplicationError as error:
                raise CommandError(error.message) from None
            self.stdout.write(f"{one.slug}: {first} to {last}, {written} day rows written")
