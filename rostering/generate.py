"""A generated registrar department, seeded and fictitious, for tests, demos and the benchmark.

``department()`` (defaults: 60 registrars × 28 days) has four shift types: day (08:00-17:00),
evening (14:00-23:00), night (22:00-08:00) and weekend on-call (08:00-20:00, Saturdays and
Sundays); three sites. Each registrar works at a home site and perhaps a second one; the skills
a coverage row asks for are the sites ("city", "north", "river": a general registrar there) and
"senior" (seniority 4 or 5: the senior cover of the whole department). Contracts: 48 h a week and
180 h over 4 weeks at most, 40 h a week as the target, 11 h of rest, at most 6 days and 4
nights in a row, at most 3 working weekends. Leave, preferences (with reasons), partnerships
and training (junior registrars need night shifts) are drawn from the seed.
"""

from __future__ import annotations

import datetime as dt
import random

from rostering.problem import (
    Contract,
    Coverage,
    Leave,
    Partnership,
    Preference,
    Problem,
    ShiftType,
    Staff,
    TrainingRequirement,
    default_rules,
)

SITES = ("city", "north", "river")
SHIFT_TYPES = (
    ShiftType("D", "Day", dt.time(8), dt.time(17), 9.0, forbidden_successors=()),
    ShiftType("E", "Evening", dt.time(14), dt.time(23), 9.0),
    ShiftType("N", "Night", dt.time(22), dt.time(8), 10.0, is_night=True, forbidden_successors=("D", "E")),
    ShiftType("W", "Weekend on-call", dt.time(8), dt.time(20), 12.0, weekend_only=True),
)
# People per shift and skill for a department of 60, scaled to the department's size.
WEEKDAY_NEED = {
    "D": {"city": 8, "north": 6, "river": 5, "senior": 3},
    "E": {"city": 3, "north": 2, "river": 2, "senior": 1},
    "N": {"city": 2, "north": 1, "river": 1, "senior": 1},
}
WEEKEND_NEED = {
    "E": {"city": 3, "north": 2, "river": 2, "senior": 1},
    "N": {"city": 2, "north": 1, "river": 1, "senior": 1},
    "W": {"city": 4, "north": 3, "river": 3, "senior": 2},
}
FIRST_NAMES = (
    "Alex",
    "Ana",
    "Bram",
    "Cato",
    "Dani",
    "Eli",
    "Fenna",
    "Gus",
    "Hale",
    "Ines",
    "Jory",
    "Kit",
    "Lior",
    "Mara",
    "Nico",
    "Oda",
    "Pim",
    "Quin",
    "Rafe",
    "Sela",
    "Tove",
    "Uma",
    "Vic",
    "Wren",
    "Xan",
    "Yara",
    "Zeno",
    "Ada",
    "Bo",
    "Cyd",
)
LAST_NAMES = (
    "Ashdown",
    "Brackwell",
    "Corrin",
    "Dunmore",
    "Elston",
    "Farrow",
    "Gadsby",
    "Hollin",
    "Ivesley",
    "Jarrow",
    "Kestle",
    "Lowther",
    "Marwick",
    "Nettle",
    "Orrin",
    "Penhale",
    "Quarrie",
    "Rooke",
    "Stainer",
    "Tolley",
    "Uffen",
    "Vardy",
    "Wexcombe",
    "Yelland",
)
REASONS_AVOID = ("childcare", "course", "exam revision", "family event", "GP appointment")
REASONS_WANT = ("swapped with a colleague", "wants the experience", "partner's shift pattern")


def department(*, registrars: int = 60, days: int = 28, seed: int = 1, first_day: dt.date | None = None) -> Problem:
    rng = random.Random(seed)
    first_day = first_day or dt.date(2027, 3, 1)  # a Monday
    scale = registrars / 60
    names = rng.sample([f"Dr {first} {last}" for first in FIRST_NAMES for last in LAST_NAMES], registrars)
    contract = Contract(
        name="full time",
        max_hours_per_week=48,
        max_hours_4_weeks=180,
        target_hours_per_week=40,
        max_consecutive_days=6,
        max_consecutive_nights=4,
        min_rest_hours=11,
        max_working_weekends=3,
    )
    staff = []
    for index in range(registrars):
        seniority = 1 + index % 5
        home = SITES[index % 3]
        sites = (home,) if rng.random() < 0.6 else (home, SITES[(index + 1) % 3])
        skills = sites + (("senior",) if seniority >= 4 else ())
        complete = rng.random() < 0.3
        staff.append(
            Staff(
                id=f"r{index + 1:02d}",
                name=names[index],
                seniority=seniority,
                skills=skills,
                sites=sites,
                contract=Contract(**{**contract.__dict__, "complete_weekends": complete}),
            )
        )
    problem = Problem(first_day=first_day, num_days=days, shift_types=SHIFT_TYPES, staff=())
    coverage = []
    for day in range(days):
        needs = WEEKEND_NEED if problem.is_weekend_day(day) else WEEKDAY_NEED
        for shift, by_skill in needs.items():
            for skill, count in by_skill.items():
                minimum = max(1, round(count * scale))
                # Optimal cover is one more on the busiest site's day shift.
                optimal = minimum + (1 if shift == "D" and skill == "city" else 0)
                coverage.append(Coverage(day, shift, skill, minimum, optimal))
    leave = []
    for person in rng.sample(staff, max(1, registrars // 5)):
        start = rng.randrange(0, days - 3)
        leave.append(
            Leave(
                person.id,
                start,
                min(days - 1, start + rng.randrange(2, 7)),
                rng.choice(("annual leave", "study leave", "conference")),
            )
        )
    preferences = []
    for person in staff:
        for _ in range(2):
            day = rng.randrange(days)
            if rng.random() < 0.75:
                shift = rng.choice((None, "N", "E", "W" if problem.is_weekend_day(day) else "D"))
                preferences.append(
                    Preference(person.id, day, shift, False, rng.choice((1, 2, 3)), rng.choice(REASONS_AVOID))
                )
            else:
                shift = rng.choice(("D", "E"))
                preferences.append(Preference(person.id, day, shift, True, 1, rng.choice(REASONS_WANT)))
    ids = [person.id for person in staff]
    rng.shuffle(ids)
    partnerships = [Partnership(ids[2 * i], ids[2 * i + 1], 1) for i in range(max(1, registrars // 8))]
    juniors = [person for person in staff if person.seniority == 1]
    training = [
        TrainingRequirement(person.id, 2, 0, days - 1, shift="N") for person in juniors[: max(1, len(juniors) // 2)]
    ]
    return Problem(
        name=f"Generated department ({registrars} registrars, {days} days, seed {seed})",
        first_day=first_day,
        num_days=days,
        shift_types=SHIFT_TYPES,
        skills=SITES + ("senior",),
        sites=SITES,
        staff=tuple(staff),
        coverage=tuple(coverage),
        leave=tuple(leave),
        preferences=tuple(preferences),
        partnerships=tuple(partnerships),
        training=tuple(training),
        rules=default_rules(),
    )
