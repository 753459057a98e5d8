"""Placement as pure functions over plain data: which day and which start a request gets, and
why. ``infusion.services`` runs it over the database, the simulation over its own state; both
describe the center through ``Center`` (a day's load, and the starts a chair is free).

A route (``Route``) names a target, ``target_days`` after the day the request counts from, and
the offsets from it tried in order (the study's routes: a cancellation comes back in 2 days ± 1,
a no-show in 3 ± 1, bad blood within the next 2 days, the next cycle 30 days out trying the
target, the day before, the day after, two before, two after).

The study's policy (``STUDY``, kept as the reference): the first of the route's days whose count
for the patient type is below its capacity; if every one is full, the route's last day whatever
the count (the study: "else, place the patient into the day after the target date no matter
what"). Within the day, the earliest start with a free chair.

The levelled policy (``LEVELLED``, the default):
1. Of the route's days, those open, below the type's capacity, with a start that keeps the
   chairs running at once within what the nurses on duty support; the least loaded of them
   (predicted chair minutes booked, plus this one, over the chair minutes the nurses support),
   ties in the route's order.
2. None: the days after the route's last, up to ``search_days`` further (if the route allows
   it: bad blood must come back within its two days), the first that passes the same tests.
3. None: the least loaded of the route's days that the nurses can still take, over the type's
   capacity (``over_type_capacity``: an overflow day, counted as such).
4. None: not placed; the attempts say why for each day.
When every day of the route lies before ``earliest`` (a no-show noticed late), step 2 searches
from ``earliest`` on.
Within the day, the start whose peak of chairs running at once (with this patient) is the
smallest share of the nurses' cap, the earliest of equals: the day fills evenly instead of from
eight o'clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

STUDY = "study"
LEVELLED = "levelled"
POLICIES = (LEVELLED, STUDY)

CHOSEN = "chosen"
REJECTED = "rejected"


@dataclass(frozen=True)
class Route:
    code: str
    target_days: int
    offsets: tuple[int, ...]
    search_further: bool = True  # the levelled policy may look past the route's last day


@dataclass(frozen=True)
class DayLoad:
    """One day as placement sees it, for one patient type."""

    day: dt.date
    open: bool
    type_capacity: int  # patients of this type the day takes (weekly capacity × weekday mix)
    type_count: int  # patients of this type already placed that day
    booked_minutes: int  # predicted chair minutes already placed that day, every type
    supported_minutes: int  # chair minutes the nurses on duty support that day (0: no cap known)


@dataclass(frozen=True)
class StartOption:
    """A start at which ``chair`` is free for the request's minutes."""

    start: int  # minutes after local midnight
    chair: Hashable  # a resource id in the app, a chair index in the simulation
    peak: int  # most chairs running at once over the span, this patient included
    cap: int | None  # fewest chairs the nurses support over the span (None: no cap)

    @property
    def within_cap(self) -> bool:
        return self.cap is None or self.peak <= self.cap


class Center(Protocol):
    """What placement reads of a center. A center may also answer ``no_start_reason(day,
    minutes) -> str | None``: why a day has no start to offer, in words, when it knows better
    than "no chair is free" (the database center: the nurses' cap)."""

    def day_load(self, day: dt.date, patient_type: str) -> DayLoad: ...

    def start_options(self, day: dt.date, minutes: int) -> list[StartOption]: ...


@dataclass(frozen=True)
class Attempt:
    day: dt.date
    start: int | None
    verdict: str  # CHOSEN or REJECTED
    reason: str


@dataclass(frozen=True)
class Decision:
    policy: str
    target: dt.date
    day: dt.date | None
    option: StartOption | None
    over_type_capacity: bool
    attempts: tuple[Attempt, ...]

    @property
    def placed(self) -> bool:
        return self.option is not None

    def explanation(self) -> str:
        return explanation_text(policy=self.policy, target=self.target, attempts=self.attempts, placed=self.placed)


def explanation_text(*, policy: str, target: dt.date, attempts, placed: bool) -> str:
    """The target and policy, then one line per attempt (day, time, verdict, reason)."""
    name = "the study's" if policy == STUDY else "the levelled"
    lines = [f"Target {target:%a %d %b}; {name} policy."]
    lines += [f"{a.day:%a %d %b}{_clock(a.start)}: {a.verdict}: {a.reason}" for a in attempts]
    if not placed:
        lines.append("Not placed: no day tried could take the patient.")
    return "\n".join(lines)


def route_days(route: Route, from_day: dt.date) -> tuple[dt.date, list[dt.date]]:
    """The target and the route's days in the order tried (each once)."""
    target = from_day + dt.timedelta(days=route.target_days)
    days: list[dt.date] = []
    for offset in route.offsets:
        day = target + dt.timedelta(days=offset)
        if day not in days:
            days.append(day)
    return target, days


def place(
    *,
    policy: str,
    route: Route,
    from_day: dt.date,
    patient_type: str,
    minutes: int,
    center: Center,
    search_days: int = 10,
    earliest: dt.date | None = None,
) -> Decision:
    """Chooses a day and a start for one request (see the module's docstring). ``earliest``: no
    day before it is tried (today, for a request placed now)."""
    if policy not in POLICIES:
        raise ValueError(f"Unknown policy {policy!r}; expected one of {', '.join(POLICIES)}.")
    if minutes <= 0:
        raise ValueError("minutes must be positive.")
    target, days = route_days(route, from_day)
    attempts: list[Attempt] = []
    too_early = [day for day in days if earliest is not None and day < earliest]
    for day in too_early:
        attempts.append(Attempt(day, None, REJECTED, "in the past"))
    days = [day for day in days if day not in too_early]
    if policy == STUDY:
        return _study(route, target, days, patient_type, minutes, center, attempts)
    # Searching further starts after the route's last day, or from ``earliest`` when the whole
    # route lies in the past (a no-show noticed late).
    after = max([*days, *too_early])
    if earliest is not None and after < earliest:
        after = earliest - dt.timedelta(days=1)
    return _levelled(route, target, days, after, patient_type, minutes, center, attempts, search_days)


# --- the study's policy ---------------------------------------------------------------------------


def _study(route, target, days, patient_type, minutes, center, attempts) -> Decision:
    for day in days:
        load = center.day_load(day, patient_type)
        if not load.open:
            attempts.append(Attempt(day, None, REJECTED, "the center is closed"))
            continue
        if load.type_count >= load.type_capacity:
            attempts.append(Attempt(day, None, REJECTED, _full(load, patient_type)))
            continue
        option = _earliest(center.start_options(day, minutes))
        if option is None:
            attempts.append(Attempt(day, None, REJECTED, _no_start(center, day, minutes)))
            continue
        attempts.append(Attempt(day, option.start, CHOSEN, _taken(load, patient_type, option)))
        return Decision(STUDY, target, day, option, False, tuple(attempts))
    # Every day full: the last of the route's days, whatever the count.
    for day in reversed(days):
        load = center.day_load(day, patient_type)
        if not load.open:
            continue
        option = _earliest(center.start_options(day, minutes))
        if option is None:
            continue
        over = load.type_count >= load.type_capacity
        why = "every day of the route is full: placed on its last open day whatever the count"
        attempts.append(Attempt(day, option.start, CHOSEN, f"{why} ({_taken(load, patient_type, option)})"))
        return Decision(STUDY, target, day, option, over, tuple(attempts))
    return Decision(STUDY, target, None, None, False, tuple(attempts))


def _earliest(options: list[StartOption]) -> StartOption | None:
    ranked = ranked_options(STUDY, options)
    return ranked[0] if ranked else None


def ranked_options(policy: str, options: list[StartOption]) -> list[StartOption]:
    """A day's starts in the order ``policy`` prefers them: the study's, earliest first (it does
    not know the nurses); the levelled, only those within the nurses' cap, the smallest peak
    share first, then the earliest. The service books the next one when another booking took
    the first between the decision and the booking."""
    if policy == STUDY:
        return sorted(options, key=lambda option: (option.start, str(option.chair)))
    within = [option for option in options if option.within_cap]
    return sorted(within, key=lambda option: (_peak_share(option), option.start, str(option.chair)))


# --- the levelled policy --------------------------------------------------------------------------


def _levelled(route, target, days, after, patient_type, minutes, center, attempts, search_days) -> Decision:
    feasible: list[tuple[float, int, dt.date, DayLoad, StartOption]] = []
    nurse_ok: list[tuple[float, int, dt.date, DayLoad, StartOption]] = []
    for order, day in enumerate(days):
        load, option, reason = _examine(day, patient_type, minutes, center)
        if option is None:
            attempts.append(Attempt(day, None, REJECTED, reason))
            continue
        entry = (0.0, order, day, load, option)
        nurse_ok.append(entry)
        if load.type_count < load.type_capacity:
            feasible.append(entry)
        else:
            attempts.append(Attempt(day, None, REJECTED, _full(load, patient_type)))
    feasible, nurse_ok = _with_shares(feasible, minutes), _with_shares(nurse_ok, minutes)
    if feasible:
        share, _, day, load, option = min(feasible, key=lambda entry: entry[:2])
        others = [entry for entry in feasible if entry[2] != day]
        for other_share, _, other_day, other_load, _ in others:
            words = _load_words(other_load, minutes)
            if other_share > share:
                why = f"more loaded ({words})"
            else:
                why = f"as loaded ({words}); the route tries {day:%a %d %b} first"
            attempts.append(Attempt(other_day, None, REJECTED, why))
        attempts.append(Attempt(day, option.start, CHOSEN, _taken(load, patient_type, option, minutes)))
        return Decision(LEVELLED, target, day, option, False, tuple(attempts))
    if route.search_further:
        for step in range(1, search_days + 1):
            day = after + dt.timedelta(days=step)
            load, option, reason = _examine(day, patient_type, minutes, center)
            if option is None:
                attempts.append(Attempt(day, None, REJECTED, reason))
                continue
            if load.type_count >= load.type_capacity:
                attempts.append(Attempt(day, None, REJECTED, _full(load, patient_type)))
                continue
            taken = _taken(load, patient_type, option, minutes)
            why = f"the route's days are full; first day after them with room ({taken})"
            attempts.append(Attempt(day, option.start, CHOSEN, why))
            return Decision(LEVELLED, target, day, option, False, tuple(attempts))
    if nurse_ok:
        _, _, day, load, option = min(nurse_ok, key=lambda entry: entry[:2])
        why = (
            "no day within reach has room for the type: placed over its capacity on the least loaded day "
            f"the nurses can still take ({_taken(load, patient_type, option, minutes)})"
        )
        attempts.append(Attempt(day, option.start, CHOSEN, why))
        return Decision(LEVELLED, target, day, option, True, tuple(attempts))
    return Decision(LEVELLED, target, None, None, False, tuple(attempts))


def _examine(day, patient_type, minutes, center) -> tuple[DayLoad, StartOption | None, str]:
    """The day's load and its best start within the nurses' cap, or why there is none."""
    load = center.day_load(day, patient_type)
    if not load.open:
        return load, None, "the center is closed"
    options = center.start_options(day, minutes)
    if not options:
        return load, None, _no_start(center, day, minutes)
    ranked = ranked_options(LEVELLED, options)
    if not ranked:
        fewest = min(options, key=lambda option: option.peak - (option.cap or 0))
        return (
            load,
            None,
            f"every free start would run {fewest.peak} chairs at once; the nurses on duty support {fewest.cap}",
        )
    return load, ranked[0], ""


def _no_start(center, day: dt.date, minutes: int) -> str:
    explain = getattr(center, "no_start_reason", None)
    return (explain(day, minutes) if explain else None) or f"no chair is free for {minutes} minutes"


def _peak_share(option: StartOption) -> float:
    return option.peak / option.cap if option.cap else float(option.peak)


def _load_share(load: DayLoad, minutes: int) -> float:
    if load.supported_minutes <= 0:
        return float(load.booked_minutes + minutes)
    return (load.booked_minutes + minutes) / load.supported_minutes


def _with_shares(entries: list, minutes: int) -> list:
    """Each day's load as a share of the nurses' chair time; if a day has no cap known, every
    day's predicted minutes instead (a share and a count of minutes do not compare)."""
    if all(entry[3].supported_minutes > 0 for entry in entries):
        return [(_load_share(entry[3], minutes), *entry[1:]) for entry in entries]
    return [(float(entry[3].booked_minutes + minutes), *entry[1:]) for entry in entries]


# --- capacity ------------------------------------------------------------------------------------


def largest_remainder(total: int, weights: list) -> list[int]:
    """``total`` split in proportion to ``weights`` into whole numbers that add up to ``total``:
    each gets the floor of its exact share, and what is left goes one by one to the largest
    remainders (the first of equals). All weights zero: an even split. A week's capacity over its
    days and a day's over the patient types, alike in the app and the simulation."""
    if not weights:
        return []
    exact_weights = [Fraction(str(w)) if w and w > 0 else Fraction(0) for w in weights]
    whole = sum(exact_weights)
    if whole == 0:
        exact_weights, whole = [Fraction(1)] * len(weights), Fraction(len(weights))
    exact = [total * w / whole for w in exact_weights]
    floors = [math.floor(value) for value in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: total - sum(floors)]:
        floors[i] += 1
    return floors


# --- words ----------------------------------------------------------------------------------------


def _full(load: DayLoad, patient_type: str) -> str:
    return f"full for {patient_type}: {load.type_count} of {load.type_capacity} places taken"


def _load_words(load: DayLoad, minutes: int) -> str:
    if load.supported_minutes > 0:
        return f"{_load_share(load, minutes):.0%} of the nurses' chair time with this patient"
    return f"{load.booked_minutes + minutes} predicted chair minutes with this patient"


def _taken(load: DayLoad, patient_type: str, option: StartOption, minutes: int | None = None) -> str:
    parts = [f"{load.type_count} of {load.type_capacity} {patient_type} places taken"]
    if minutes is not None:
        parts.append(_load_words(load, minutes))
    cap = f" of {option.cap} the nurses support" if option.cap is not None else ""
    parts.append(f"{option.peak} chair{'' if option.peak == 1 else 's'} at once{cap}")
    return ", ".join(parts)


def _clock(start: int | None) -> str:
    return "" if start is None else f" {start // 60:02d}:{start % 60:02d}"
