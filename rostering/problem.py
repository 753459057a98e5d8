"""A roster problem as plain, frozen data: who can work which shift on which day, what the
department needs, and which rules (hard or soft, weighted, switchable) the roster must follow.

It is general enough for a registrar department and for the Second International Nurse
Rostering Competition (INRC-II). Everything is JSON-serialisable (``to_dict``/``from_dict``); the
model (``rostering.model``), the independent checker and the INRC-II importer all read it.

Conventions every reader relies on (the checker re-implements them without sharing code):

- Days are indices ``0 .. num_days - 1`` from ``first_day``. Weeks (for hours) are the 7-day
  blocks from day 0 (days 0-6, 7-13, ...). A weekend is the ``weekend_days`` (ISO weekdays,
  Saturday 6 and Sunday 7 by default) of one calendar ISO week inside the horizon; it is
  *worked* when the person works any shift on any of its days.
- A person works at most one shift a day (always hard: INRC H1). Each working assignment covers
  exactly one of the person's skills (INRC: "in each working shift she/he covers exactly one
  skill request"); ``Roster.skills`` records which. ``Coverage`` counts the people on a shift
  on a day who cover its skill.
- ``Rule`` rows decide what is enforced. A rule that is absent or disabled is ignored; a hard
  rule is a constraint; a soft rule costs ``rule.weight × item weight × units`` (units below).
  Rules and their units:

  coverage             fewer than ``Coverage.minimum`` people: 1 per missing person (INRC H2)
  optimal_coverage     fewer than ``Coverage.optimal``: 1 per missing person (INRC S1)
  rest                 a forbidden successor the next day (INRC H3), or less than the contract's
                       ``min_rest_hours`` between one shift's end and the next day's start
                       (shift times needed): 1 per pair of days
  max_consecutive      more consecutive working days than ``max_consecutive_days``, or nights
                       than ``max_consecutive_nights``: 1 per day over (S2 maximum)
  min_consecutive      a run of working days shorter than ``min_consecutive_days``: 1 per
                       missing day (S2 minimum)
  consecutive_shifts   a run of one shift type outside its ``min/max_consecutive``: 1 per day
                       over or missing (S2 per shift type)
  consecutive_days_off a run of days off outside ``min/max_consecutive_days_off``: 1 per day (S3)
  hours                hours over ``max_hours_per_week`` in a week or ``max_hours_4_weeks`` in
                       any 28 consecutive days, or under ``min_hours_per_week`` in a full week
                       without leave: 1 per hour (rounded up)
  leave                a shift on a day of leave: 1 per shift
  training             fewer than ``TrainingRequirement.minimum`` shifts: 1 per missing shift
  preferences          an avoided shift worked, or a wanted one not: 1 × the preference's weight
  complete_weekends    a weekend with some but not all weekend days worked: 1 per weekend (S5)
  total_assignments    working days outside ``min/max_assignments`` (with the history's
                       ``worked_assignments`` added): 1 per day over or under (S6)
  working_weekends     worked weekends over ``max_working_weekends`` (with the history's
                       ``worked_weekends`` added): 1 per weekend over (S7)
  fair_nights          the spread (max − min) of night shifts among staff who can work one (a
                       skill some night coverage row asks for): 1 per night of spread
  fair_weekends        the spread of worked weekends among all staff: 1 per weekend of spread
  hours_balance        per person, |hours worked − target|: the target is
                       ``target_hours_per_week`` × days not on leave / 7, 1 per hour
                       (the difference rounded to the nearest hour, a half up)
  continuity           a working day followed by one on a different shift type: 1 per change
  partnerships         a day on which one partner works a shift the other does not: 1 × weight
  changes              an assignment (person, day) differing from ``reference``: 1 per change

- Consecutive runs (S2, S3) follow INRC-II's appendix B. The ``History`` says how the run
  before day 0 ended: ``last_shift`` (None: a day off), the length of its run of that shift, of
  working days, of days off. A run that started before day 0 counts its history days. A maximum
  M costs, per run, the days over M that fall inside the horizon (a run of c days before and L
  inside costs ``min(L, c + L - M)`` when positive); a run still open on the last day is
  counted too. A minimum m costs ``m - length`` per run that ends inside the horizon (a run
  still open on the last day is not checked; a history run that ends on day 0's eve, i.e. day 0
  breaks it, is checked here: c = 1, m = 3 and day 0 off costs 2).
- Pins are always hard: ``Pin(person, day, shift)``; shift ``None`` pins a day off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields, replace

HARD_RULES = ("coverage", "rest", "max_consecutive", "hours", "leave", "training")
SOFT_RULES = (
    "preferences",
    "fair_nights",
    "fair_weekends",
    "hours_balance",
    "continuity",
    "partnerships",
    "optimal_coverage",
    "min_consecutive",
    "consecutive_shifts",
    "consecutive_days_off",
    "complete_weekends",
    "total_assignments",
    "working_weekends",
    "changes",
)
RULE_CODES = HARD_RULES + SOFT_RULES


def _time(value: str | dt.time | None) -> dt.time | None:
    if value is None or isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(value)


@dataclass(frozen=True)
class ShiftType:
    """One kind of shift. ``forbidden_successors``: shift codes that may not be worked the day
    after this one (night → day). ``weekend_only``: offered on weekend days only.
    ``min_consecutive``/``max_consecutive``: runs of this very shift (INRC S2 per shift type)."""

    code: str
    name: str = ""
    start: dt.time | None = None
    end: dt.time | None = None
    hours: float = 8.0
    site: str | None = None
    is_night: bool = False
    weekend_only: bool = False
    forbidden_successors: tuple[str, ...] = ()
    min_consecutive: int | None = None
    max_consecutive: int | None = None

    def end_minutes(self) -> int | None:
        """Minutes after the start day's midnight at which the shift ends (past 1440 overnight)."""
        if self.start is None or self.end is None:
            return None
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return end if end > start else end + 1440


def rest_minutes(first: ShiftType, second: ShiftType) -> int | None:
    """Minutes between ``first`` ending and ``second`` starting the next day; None without times."""
    end = first.end_minutes()
    if end is None or second.start is None:
        return None
    return 1440 + second.start.hour * 60 + second.start.minute - end


@dataclass(frozen=True)
class Contract:
    """Limits on one person's work; None means no limit."""

    name: str = ""
    min_hours_per_week: float | None = None
    max_hours_per_week: float | None = None
    max_hours_4_weeks: float | None = None
    target_hours_per_week: float | None = None
    min_assignments: int | None = None
    max_assignments: int | None = None
    min_consecutive_days: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    max_consecutive_days_off: int | None = None
    max_consecutive_nights: int | None = None
    min_rest_hours: float | None = None
    max_working_weekends: int | None = None
    complete_weekends: bool = False


@dataclass(frozen=True)
class History:
    """How things stood before day 0 (INRC-II border data and counters)."""

    last_shift: str | None = None
    consecutive_same_shift: int = 0
    consecutive_working_days: int = 0
    consecutive_days_off: int = 0
    worked_assignments: int = 0
    worked_weekends: int = 0


@dataclass(frozen=True)
class Staff:
    id: str
    name: str = ""
    seniority: int = 0
    skills: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    contract: Contract = field(default_factory=Contract)
    history: History = field(default_factory=History)


@dataclass(frozen=True)
class Coverage:
    """People needed on ``shift`` on ``day`` covering ``skill``: ``minimum`` (coverage rule,
    hard) and ``optimal`` (optimal_coverage rule, soft; people above it cost nothing)."""

    day: int
    shift: str
    skill: str
    minimum: int = 0
    optimal: int = 0


@dataclass(frozen=True)
class Leave:
    """``person`` is away from ``first_day`` to ``last_day`` inclusive."""

    person: str
    first_day: int
    last_day: int
    reason: str = ""


@dataclass(frozen=True)
class Preference:
    """``person`` wants (or avoids) ``shift`` on ``day``; shift None means any shift: avoiding
    it asks for the day off (INRC shift-off request "Any"), wanting it asks to work."""

    person: str
    day: int
    shift: str | None = None
    want: bool = False
    weight: int = 1
    reason: str = ""


@dataclass(frozen=True)
class Partnership:
    a: str
    b: str
    weight: int = 1


@dataclass(frozen=True)
class TrainingRequirement:
    """At least ``minimum`` shifts for ``person`` between ``first_day`` and ``last_day``
    inclusive, of shift type ``shift`` (if given) covering ``skill`` (if given)."""

    person: str
    minimum: int
    first_day: int
    last_day: int
    shift: str | None = None
    skill: str | None = None


@dataclass(frozen=True)
class Pin:
    person: str
    day: int
    shift: str | None


@dataclass(frozen=True)
class Rule:
    code: str
    hard: bool = False
    weight: int = 1
    enabled: bool = True
    description: str = ""


def default_rules() -> tuple[Rule, ...]:
    """The registrar department's defaults: the issue's hard rules hard, the rest soft."""
    soft_weights = {
        "preferences": 10,
        "fair_nights": 30,
        "fair_weekends": 30,
        "hours_balance": 1,
        "continuity": 2,
        "partnerships": 1,
        "optimal_coverage": 30,
        "min_consecutive": 15,
        "consecutive_shifts": 15,
        "consecutive_days_off": 15,
        "complete_weekends": 20,
        "total_assignments": 20,
        "working_weekends": 30,
        "changes": 50,
    }
    return tuple(Rule(code, hard=True, weight=1) for code in HARD_RULES) + tuple(
        Rule(code, hard=False, weight=weight) for code, weight in soft_weights.items()
    )


@dataclass(frozen=True)
class Roster:
    """``assignments[(person, day)]``: a shift code, or None (off; a missing key is off too).
    ``skills[(person, day)]``: the skill a working assignment covers (optional)."""

    assignments: dict[tuple[str, int], str | None] = field(default_factory=dict)
    skills: dict[tuple[str, int], str] = field(default_factory=dict)

    def shift(self, person: str, day: int) -> str | None:
        return self.assignments.get((person, day))

    def to_dict(self) -> dict:
        rows = []
        for (person, day), shift in sorted(self.assignments.items(), key=lambda item: (item[0][0], item[0][1])):
            row = {"person": person, "day": day, "shift": shift}
            if shift is not None and (person, day) in self.skills:
                row["skill"] = self.skills[person, day]
            rows.append(row)
        return {"assignments": rows}

    @classmethod
    def from_dict(cls, data: dict) -> Roster:
        """A roster from ``to_dict``'s rows; two rows for one person and day are an error (a
        roster holds one cell each, and keeping either would hide a two-shifts-in-a-day breach)."""
        assignments, skills = {}, {}
        for row in data.get("assignments", ()):
            if (row["person"], row["day"]) in assignments:
                raise ValueError(
                    f"Two rows for {row['person']!r} on day {row['day']}: a roster has one per person and day"
                )
            assignments[row["person"], row["day"]] = row["shift"]
            if row.get("skill"):
                skills[row["person"], row["day"]] = row["skill"]
        return cls(assignments=assignments, skills=skills)


@dataclass(frozen=True)
class Problem:
    first_day: dt.date
    num_days: int
    shift_types: tuple[ShiftType, ...]
    staff: tuple[Staff, ...]
    skills: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    coverage: tuple[Coverage, ...] = ()
    leave: tuple[Leave, ...] = ()
    preferences: tuple[Preference, ...] = ()
    partnerships: tuple[Partnership, ...] = ()
    training: tuple[TrainingRequirement, ...] = ()
    pins: tuple[Pin, ...] = ()
    reference: Roster | None = None
    rules: tuple[Rule, ...] = field(default_factory=default_rules)
    weekend_days: tuple[int, ...] = (6, 7)
    name: str = ""

    # Looking things up

    def shift(self, code: str) -> ShiftType:
        for shift in self.shift_types:
            if shift.code == code:
                return shift
        raise KeyError(code)

    def person(self, person_id: str) -> Staff:
        for person in self.staff:
            if person.id == person_id:
                return person
        raise KeyError(person_id)

    def rule(self, code: str) -> Rule | None:
        """The enabled rule with this code, or None (absent or switched off)."""
        for rule in self.rules:
            if rule.code == code and rule.enabled:
                return rule
        return None

    def with_rule(self, code: str, **changes) -> Problem:
        """A copy with rule ``code`` changed (added, enabled by default, when absent)."""
        rules = [replace(rule, **changes) if rule.code == code else rule for rule in self.rules]
        if not any(rule.code == code for rule in self.rules):
            rules.append(replace(Rule(code), **changes))
        return replace(self, rules=tuple(rules))

    # Calendar

    def date(self, day: int) -> dt.date:
        return self.first_day + dt.timedelta(days=day)

    def is_weekend_day(self, day: int) -> bool:
        return self.date(day).isoweekday() in self.weekend_days

    def weekends(self) -> list[tuple[int, ...]]:
        """The horizon's weekends: the weekend days of each ISO week, in order."""
        groups: dict[tuple[int, int], list[int]] = {}
        for day in range(self.num_days):
            if self.is_weekend_day(day):
                year, week, _ = self.date(day).isocalendar()
                groups.setdefault((year, week), []).append(day)
        return [tuple(days) for days in groups.values()]

    def weeks(self) -> list[tuple[int, ...]]:
        """The 7-day blocks from day 0; the last one may be shorter."""
        return [tuple(range(start, min(start + 7, self.num_days))) for start in range(0, self.num_days, 7)]

    def on_leave(self, person: str, day: int) -> bool:
        return any(item.person == person and item.first_day <= day <= item.last_day for item in self.leave)

    # Serialisation

    def to_dict(self) -> dict:
        return _to_json(self)

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        problem = cls(
            first_day=dt.date.fromisoformat(data["first_day"]),
            num_days=data["num_days"],
            shift_types=tuple(_build(ShiftType, row) for row in data["shift_types"]),
            staff=tuple(_staff(row) for row in data["staff"]),
            skills=tuple(data.get("skills", ())),
            sites=tuple(data.get("sites", ())),
            coverage=tuple(_build(Coverage, row) for row in data.get("coverage", ())),
            leave=tuple(_build(Leave, row) for row in data.get("leave", ())),
            preferences=tuple(_build(Preference, row) for row in data.get("preferences", ())),
            partnerships=tuple(_build(Partnership, row) for row in data.get("partnerships", ())),
            training=tuple(_build(TrainingRequirement, row) for row in data.get("training", ())),
            pins=tuple(_build(Pin, row) for row in data.get("pins", ())),
            reference=Roster.from_dict(data["reference"]) if data.get("reference") else None,
            rules=tuple(_build(Rule, row) for row in data["rules"]) if "rules" in data else default_rules(),
            weekend_days=tuple(data.get("weekend_days", (6, 7))),
            name=data.get("name", ""),
        )
        problem.validate()
        return problem

    def validate(self) -> None:
        """Raises ValueError naming the first reference to an unknown person, shift or skill."""
        codes = {shift.code for shift in self.shift_types}
        people = {person.id for person in self.staff}
        if len(codes) != len(self.shift_types) or len(people) != len(self.staff):
            raise ValueError("shift codes and staff ids must be unique")
        for shift in self.shift_types:
            for code in shift.forbidden_successors:
                if code not in codes:
                    raise ValueError(f"shift {shift.code}: unknown successor {code}")
        rows = (
            [(row.shift, None) for row in self.coverage]
            + [(row.shift, row.person) for row in self.preferences + self.training + self.pins]
            + [(None, row.person) for row in self.leave]
            + [(None, row.a) for row in self.partnerships]
            + [(None, row.b) for row in self.partnerships]
        )
        for shift, person in rows:
            if shift is not None and shift not in codes:
                raise ValueError(f"unknown shift {shift}")
            if person is not None and person not in people:
                raise ValueError(f"unknown person {person}")
        for person in self.staff:
            if person.history.last_shift is not None and person.history.last_shift not in codes:
                raise ValueError(f"{person.id}: unknown last shift {person.history.last_shift}")
        for row in self.coverage:
            if not 0 <= row.day < self.num_days:
                raise ValueError(f"coverage day {row.day} outside the horizon")
        for rule in self.rules:
            if rule.code not in RULE_CODES:
                raise ValueError(f"unknown rule {rule.code}")
        if len({rule.code for rule in self.rules}) != len(self.rules):
            raise ValueError("each rule appears once")


def _to_json(value):
    if isinstance(value, Roster):
        return value.to_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {item.name: _to_json(getattr(value, item.name)) for item in fields(value)}
    if isinstance(value, tuple | list):
        return [_to_json(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _build(cls, row: dict):
    values = dict(row)
    for name in ("start", "end"):
        if name in values:
            values[name] = _time(values[name])
    for item in fields(cls):
        if isinstance(values.get(item.name), list):
            values[item.name] = tuple(values[item.name])
    return cls(**values)


def _staff(row: dict) -> Staff:
    values = dict(row)
    values["contract"] = _build(Contract, values.get("contract", {}))
    values["history"] = _build(History, values.get("history", {}))
    return _build(Staff, values)
