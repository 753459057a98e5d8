"""Reads the text files of the Second International Nurse Rostering Competition (INRC-II).

Three kinds of file (appendix A of the specification): the scenario ``Sc-*.txt`` (skills, shift
types, forbidden successions, contracts, nurses), a history ``H0-*.txt`` (each nurse's border
data and counters before the first week) and a week ``WD-*.txt`` (coverage requirements and
shift-off requests). A static instance is a scenario, a history and a sequence of weeks; its
name ``nNNNwW_h_i-j-k`` says which (``load_instance``).

Pure data: the dataclasses here are the files' content, nothing is derived or checked beyond the
file's own grammar. The importer and the scorer each build on them.
"""

import re
from dataclasses import dataclass
from pathlib import Path

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ANY = "Any"
NONE = "None"

_PAIR = re.compile(r"\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)")


class FormatError(ValueError):
    """A file that does not follow the INRC-II text grammar."""


@dataclass(frozen=True)
class ShiftType:
    name: str
    min_consecutive: int
    max_consecutive: int


@dataclass(frozen=True)
class Contract:
    name: str
    min_assignments: int
    max_assignments: int
    min_consecutive_work: int
    max_consecutive_work: int
    min_consecutive_off: int
    max_consecutive_off: int
    max_working_weekends: int
    complete_weekends: bool


@dataclass(frozen=True)
class Nurse:
    name: str
    contract: str
    skills: tuple[str, ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    weeks: int
    skills: tuple[str, ...]
    shift_types: tuple[ShiftType, ...]
    # (preceding, succeeding) shift type pairs that may not be worked on two consecutive days.
    forbidden_successions: frozenset[tuple[str, str]]
    contracts: dict[str, Contract]
    nurses: tuple[Nurse, ...]

    def shift(self, name: str) -> ShiftType:
        for shift in self.shift_types:
            if shift.name == name:
                return shift
        raise KeyError(name)

    def contract_of(self, nurse: Nurse) -> Contract:
        return self.contracts[nurse.contract]


@dataclass(frozen=True)
class NurseHistory:
    nurse: str
    assignments: int
    working_weekends: int
    last_shift: str  # a shift type name or NONE
    consecutive_same_shift: int
    consecutive_work: int
    consecutive_off: int


@dataclass(frozen=True)
class History:
    week: int
    scenario: str
    nurses: dict[str, NurseHistory]


@dataclass(frozen=True)
class Requirement:
    shift: str
    skill: str
    day: int  # 0 = Monday
    minimum: int
    optimal: int


@dataclass(frozen=True)
class ShiftOffRequest:
    nurse: str
    shift: str  # a shift type name or ANY (the whole day off)
    day: int


@dataclass(frozen=True)
class Week:
    scenario: str
    requirements: tuple[Requirement, ...]
    requests: tuple[ShiftOffRequest, ...]


@dataclass(frozen=True)
class Instance:
    """A static instance: every week solved at once from the initial history."""

    name: str
    scenario: Scenario
    history: History
    weeks: tuple[Week, ...]
    week_files: tuple[str, ...]  # the WD file indices, e.g. ("1", "2", "3", "3")

    @property
    def days(self) -> int:
        return 7 * len(self.weeks)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _header(line: str, key: str) -> str:
    name, sep, value = line.partition("=")
    if name.strip() != key or not sep:
        raise FormatError(f"expected '{key} = ...', found {line!r}")
    return value.strip()


def _pairs(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in _PAIR.findall(text)]


def parse_scenario(text: str) -> Scenario:
    lines = _lines(text)
    at = 0

    def take() -> str:
        nonlocal at
        if at >= len(lines):
            raise FormatError("scenario ends too early")
        at += 1
        return lines[at - 1]

    name = _header(take(), "SCENARIO")
    weeks = int(_header(take(), "WEEKS"))
    skills = tuple(take() for _ in range(int(_header(take(), "SKILLS"))))
    shift_types = []
    for _ in range(int(_header(take(), "SHIFT_TYPES"))):
        line = take()
        pairs = _pairs(line)
        if len(pairs) != 1:
            raise FormatError(f"shift type line {line!r}")
        shift_types.append(ShiftType(line.split("(")[0].strip(), *pairs[0]))
    if take() != "FORBIDDEN_SHIFT_TYPES_SUCCESSIONS":
        raise FormatError("expected FORBIDDEN_SHIFT_TYPES_SUCCESSIONS")
    forbidden = set()
    for _ in shift_types:
        preceding, count, *following = take().split()
        if len(following) != int(count):
            raise FormatError(f"succession line for {preceding} lists {len(following)}, says {count}")
        forbidden.update((preceding, shift) for shift in following)
    contracts = {}
    for _ in range(int(_header(take(), "CONTRACTS"))):
        line = take()
        pairs = _pairs(line)
        tail = _PAIR.sub(" ", line).split()
        if len(pairs) != 3 or len(tail) != 3:
            raise FormatError(f"contract line {line!r}")
        (lo, hi), (wlo, whi), (olo, ohi) = pairs
        contracts[tail[0]] = Contract(tail[0], lo, hi, wlo, whi, olo, ohi, int(tail[1]), tail[2] == "1")
    nurses = []
    for _ in range(int(_header(take(), "NURSES"))):
        name_, contract, count, *nurse_skills = take().split()
        if len(nurse_skills) != int(count) or contract not in contracts:
            raise FormatError(f"nurse line for {name_}")
        nurses.append(Nurse(name_, contract, tuple(nurse_skills)))
    return Scenario(name, weeks, skills, tuple(shift_types), frozenset(forbidden), contracts, tuple(nurses))


def parse_history(text: str) -> History:
    lines = _lines(text)
    if lines[0] != "HISTORY" or lines[2] != "NURSE_HISTORY":
        raise FormatError("expected HISTORY / NURSE_HISTORY")
    week, scenario = lines[1].split()
    nurses = {}
    for line in lines[3:]:
        name, total, weekends, last, same, work, off = line.split()
        nurses[name] = NurseHistory(name, int(total), int(weekends), last, int(same), int(work), int(off))
    return History(int(week), scenario, nurses)


def parse_week(text: str) -> Week:
    lines = _lines(text)
    if lines[0] != "WEEK_DATA" or lines[2] != "REQUIREMENTS":
        raise FormatError("expected WEEK_DATA / REQUIREMENTS")
    requirements = []
    at = 3
    while not lines[at].startswith("SHIFT_OFF_REQUESTS"):
        shift, skill = lines[at].split()[:2]
        pairs = _pairs(lines[at])
        if len(pairs) != 7:
            raise FormatError(f"requirement line {lines[at]!r}")
        requirements += [Requirement(shift, skill, day, lo, opt) for day, (lo, opt) in enumerate(pairs)]
        at += 1
    count = int(_header(lines[at], "SHIFT_OFF_REQUESTS"))
    requests = []
    for line in lines[at + 1 : at + 1 + count]:
        nurse, shift, day = line.split()
        requests.append(ShiftOffRequest(nurse, shift, DAYS.index(day)))
    if len(requests) != count:
        raise FormatError(f"{count} shift-off requests announced, {len(requests)} found")
    return Week(lines[1], tuple(requirements), tuple(requests))


def read_scenario(path: Path) -> Scenario:
    return parse_scenario(Path(path).read_text())


def read_history(path: Path) -> History:
    return parse_history(Path(path).read_text())


def read_week(path: Path) -> Week:
    return parse_week(Path(path).read_text())


def load_instance(folder: Path, name: str) -> Instance:
    """``load_instance(".../inrc2/n005w4", "n005w4_0_1-2-3-3")``: the scenario file, history 0 and
    weeks 1, 2, 3, 3 of that folder."""
    folder = Path(folder)
    scenario_name, history, weeks = name.split("_")
    week_files = tuple(weeks.split("-"))
    scenario = read_scenario(folder / f"Sc-{scenario_name}.txt")
    if len(week_files) != scenario.weeks:
        raise FormatError(f"{name}: {len(week_files)} weeks, the scenario has {scenario.weeks}")
    return Instance(
        name=name,
        scenario=scenario,
        history=read_history(folder / f"H0-{scenario_name}-{history}.txt"),
        weeks=tuple(read_week(folder / f"WD-{scenario_name}-{w}.txt") for w in week_files),
        week_files=week_files,
    )


@dataclass(frozen=True, order=True)
class Assignment:
    """One line of a solution: ``nurse`` works ``shift`` on ``day`` covering ``skill``. ``day``
    counts from the first Monday of the instance (0 .. 7 × weeks - 1); in a single week's solution
    file it is 0 .. 6."""

    nurse: str
    day: int
    shift: str
    skill: str


@dataclass(frozen=True)
class Solution:
    week: int
    scenario: str
    assignments: tuple[Assignment, ...]


def parse_solution(text: str) -> Solution:
    lines = _lines(text)
    if lines[0] != "SOLUTION":
        raise FormatError("expected SOLUTION")
    week, scenario = lines[1].split()
    count = int(_header(lines[2], "ASSIGNMENTS"))
    assignments = []
    for line in lines[3:]:
        nurse, day, shift, skill = line.split()
        assignments.append(Assignment(nurse, DAYS.index(day), shift, skill))
    if len(assignments) != count:
        raise FormatError(f"{count} assignments announced, {len(assignments)} found")
    return Solution(int(week), scenario, tuple(assignments))


def read_solutions(paths: list[Path]) -> list[Assignment]:
    """The solution files of consecutive weeks, in order, as one list with instance-wide days."""
    roster = []
    for week, path in enumerate(paths):
        solution = parse_solution(Path(path).read_text())
        roster += [Assignment(a.nurse, 7 * week + a.day, a.shift, a.skill) for a in solution.assignments]
    return roster
