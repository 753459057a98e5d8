"""Creates the throwaway database ``<name>_bench`` afresh (never the demo database), migrates
it, runs every ``bench/bench_*.py`` module, prints a table and writes ``bench/results.json``.

``python -m bench analytics slots`` runs only ``bench_analytics`` and ``bench_slots``; their
rows replace those of the same benchmarks in ``bench/results.json`` and the others are kept."""

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/careslot"
RESULTS = Path(__file__).resolve().parent / "results.json"


def bench_database_url() -> tuple[str, dict, str]:
    url = urlsplit(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    name = (url.path.lstrip("/") or "careslot") + "_bench"
    server = {
        "host": url.hostname or None,
        "port": url.port or None,
        "user": url.username or None,
        "password": url.password or None,
    }
    return urlunsplit(url._replace(path=f"/{name}")), server, name


def recreate(server: dict, name: str, *, drop_only: bool = False) -> None:
    connection = psycopg2.connect(dbname="postgres", connect_timeout=5, **server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def main(only: list[str]) -> int:
    import bench

    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    unknown = [name for name in only if f"bench_{name}" not in names]
    if unknown:
        print(f"No benchmark {', '.join(unknown)}; there are: {', '.join(n.removeprefix('bench_') for n in names)}.")
        return 2
    if only:
        names = [name for name in names if name.removeprefix("bench_") in only]
    url, server, name = bench_database_url()
    recreate(server, name)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Benchmark database {name} created and migrated in {time.perf_counter() - started:.1f} s.")

    rows: list[dict] = []
    try:
        for module_name in names:
            module = importlib.import_module(f"bench.{module_name}")
            print(f"Running {module_name} …", flush=True)
            rows += module.run()
    finally:
        from django.db import connections

        connections.close_all()
        recreate(server, name, drop_only=True)
    print_table(rows)
    RESULTS.write_text(
        json.dumps({"database": name, "results": kept(rows) if only else rows}, indent=2, default=str) + "\n"
    )
    print(f"\nWritten to {RESULTS}.")
    return 0


def kept(rows: list[dict]) -> list[dict]:
    """The rows of the last results whose benchmark was not run now, then ``rows``."""
    try:
        earlier = json.loads(RESULTS.read_text())["results"]
    except (OSError, ValueError, KeyError):
        earlier = []
    run = {row["benchmark"] for row in rows}
    return [row for row in earlier if row.get("benchmark") not in run] + rows


def print_table(rows: list[dict]) -> None:
    headers = ["benchmark", "case", "figure", "unit", "ratio", "note"]
    cells = [[_cell(row.get(h)) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}" if value < 100 else f"{value:.0f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
