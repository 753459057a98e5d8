"""Writes a roster in the INRC-II solution format: one file per week (appendix A of the
specification), named as the competition's simulator names them, ``sol-week0.txt`` onwards, so
that the official validator can score them::

    java -jar validator.jar --sce Sc-n005w4.txt --his H0-n005w4-0.txt \\
        --weeks WD-n005w4-1.txt ... --sols sol-week0.txt sol-week1.txt ...
"""

from collections.abc import Iterable
from pathlib import Path

from rostering.inrc2.reader import DAYS, Assignment, Instance


def week_solution(scenario: str, week: int, assignments: Iterable[Assignment]) -> str:
    """The text of week ``week``'s (0-based) solution file; ``assignments`` carry that week's
    days 0 (Monday) to 6."""
    rows = sorted(assignments, key=lambda a: (a.nurse, a.day))
    lines = ["SOLUTION", f"{week} {scenario}", "", f"ASSIGNMENTS = {len(rows)}"]
    lines += [f"{a.nurse} {DAYS[a.day]} {a.shift} {a.skill}" for a in rows]
    return "\n".join(lines) + "\n"


def solution_texts(instance: Instance, roster: Iterable[Assignment]) -> list[str]:
    """One solution text per week of ``instance``; ``roster`` uses instance-wide days."""
    weeks: list[list[Assignment]] = [[] for _ in instance.weeks]
    for a in roster:
        if not 0 <= a.day < instance.days:
            raise ValueError(f"day {a.day} outside the {instance.days} days of {instance.name}")
        weeks[a.day // 7].append(Assignment(a.nurse, a.day % 7, a.shift, a.skill))
    return [week_solution(instance.scenario.name, index, rows) for index, rows in enumerate(weeks)]


def write_solutions(instance: Instance, roster: Iterable[Assignment], folder: Path) -> list[Path]:
    """Writes ``sol-week0.txt`` … into ``folder`` (created if missing) and returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, text in enumerate(solution_texts(instance, roster)):
        path = folder / f"sol-week{index}.txt"
        path.write_text(text)
        paths.append(path)
    return paths
