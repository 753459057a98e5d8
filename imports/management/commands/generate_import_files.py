"""Writes realistic fictitious import files (``imports.generate``) into a directory."""

import csv
import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from imports import generate
from imports.formats import Kind
from scheduling import ranges

SHOWN_BREAKS = 50


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a date YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Write fictitious chair-appointment, actual-chair-time, nurse-capacity and OR-case files "
        "(weekdays only), optionally with errors injected on lines it names."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="Directory to write the files into.")
        parser.add_argument("--days", type=int, help="Calendar days to cover (weekdays get rows). Default 30.")
        parser.add_argument(
            "--rows",
            type=int,
            help="Instead of --days: write this many chair appointments, for as many weekdays as they take.",
        )
        parser.add_argument(
            "--start", type=_date, help="First day, YYYY-MM-DD. Default: --days before --today (the files end "
            "yesterday); with --rows, 1 January three years ago.",
        )  # fmt: skip
        parser.add_argument(
            "--today", type=_date, default=None, help="Days before it are past (completed, cancelled, no-show); "
            "from it on appointments are scheduled. Default: today.",
        )  # fmt: skip
        parser.add_argument("--chairs", type=int, default=12, help="Chairs 'Chair 1'..'Chair N' (default 12).")
        parser.add_argument("--suites", type=int, default=8, help="OR suites '1'..'N' (default 8).")
        parser.add_argument("--nurses", type=int, default=0, help="Full nurse staff (default: chairs ÷ 2.5).")
        parser.add_argument("--chairs-per-nurse", type=float, default=2.5)
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same files (default 1).")
        parser.add_argument("--errors", type=int, default=0, help="Lines to break in each file (default 0).")
        parser.add_argument(
            "--kinds",
            default=",".join(generate.FILE_NAMES),
            help=f"Comma-separated kinds to write (default all: {', '.join(generate.FILE_NAMES)}).",
        )
        parser.add_argument("--prefix", default="", help="Prefix of appointment and encounter ids.")

    def handle(self, *args, **options):
        kinds = tuple(kind.strip() for kind in options["kinds"].split(",") if kind.strip())
        unknown = [kind for kind in kinds if kind not in generate.FILE_NAMES]
        if unknown or not kinds:
            raise CommandError(f"Unknown kind(s) {', '.join(unknown) or '(none)'}; one of {', '.join(Kind.values)}.")
        days, rows = options["days"], options["rows"]
        if days is not None and rows is not None:
            raise CommandError("Give --days or --rows, not both.")
        if rows is None and days is None:
            days = 30
        if (days is not None and days < 1) or (rows is not None and rows < 1) or options["errors"] < 0:
            raise CommandError("--days and --rows must be positive, --errors not negative.")
        if options["chairs"] < 1 or options["suites"] < 1:
            raise CommandError("--chairs and --suites must be at least 1.")
        today = options["today"] or dt.date.today()
        start = options["start"] or (
            today - dt.timedelta(days=days) if days is not None else dt.date(today.year - 3, 1, 1)
        )
        setup = generate.ChairSetup(
            chairs=generate.chair_names(options["chairs"]),
            nurses=options["nurses"],
            chairs_per_nurse=options["chairs_per_nurse"],
        )
        try:
            written = generate.write_files(
                options["out"],
                seed=options["seed"],
                start=start,
                today=today,
                setup=setup,
                suites=generate.suite_names(options["suites"]),
                kinds=kinds,
                days=days,
                rows=rows,
                errors=options["errors"],
                prefix=options["prefix"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        for entry in written.values():
            span = f"{entry.first_day} to {entry.last_day}" if entry.first_day else "no weekday"
            self.stdout.write(f"{entry.path}: {entry.rows} rows, {span}.")
            if entry.last_day and not ranges.EARLIEST_DATE <= entry.last_day <= ranges.latest_date(today):
                self.stderr.write(
                    f"  Dates after {ranges.latest_date(today)} are outside what CareSlot takes: "
                    "use more chairs or fewer rows."
                )
            if entry.breaks:
                self._report_breaks(entry)

    def _report_breaks(self, entry: generate.Written) -> None:
        report = entry.path.with_suffix(".errors.csv")
        with report.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["line", "column", "error", "value", "expected_problem"])
            writer.writerows(
                (broken.line, broken.column, broken.error, broken.value, broken.expect) for broken in entry.breaks
            )
        self.stdout.write(f"  {len(entry.breaks)} lines broken (listed in {report}):")
        for broken in entry.breaks[:SHOWN_BREAKS]:
            self.stdout.write(
                f"    line {broken.line}, {broken.column}: {broken.error} ({broken.value!r}) → {broken.expect}"
            )
        if len(entry.breaks) > SHOWN_BREAKS:
            self.stdout.write(f"    … and {len(entry.breaks) - SHOWN_BREAKS} more.")
