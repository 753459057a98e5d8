"""Realistic fictitious files of the four kinds CareSlot imports, for tests, the demo data and
the benchmark (``manage.py generate_import_files``). Pure functions over numpy random
Generators: a day's rows depend only on (seed, day, setup), so a file of any span holds the same
rows for a given day, and a file written in blocks of days is the file written at once.

What the rows follow:

* Chair appointments on weekdays only. Patient types by weekday as in the table of the
  infusion-centre study (``../shared/seeds/infusion-center-scheduling-study.md``); the regimen
  category follows the type (``CMO-LONG`` is long, ``FUP`` short, ...) and the scheduled
  minutes the category. On past days 10 % are cancelled and 5 % no-shows (the study's rates),
  the rest completed; from ``today`` on they are scheduled (10 % already cancelled, a few
  without a chair yet).
* The day's appointments fill the chairs its nurses can run (``fill`` of their minutes), the
  longest regimens first, each on the chair free soonest: every start falls within opening hours.
  Days from ``today`` on were booked weeks ahead, for the full staff: the nurse-capacity file
  shows the shortfall known now, so a short-staffed day to come is over-booked against the
  nurses on duty (what the at-risk calendar flags as a staffing shortfall). Past days were
  booked for the nurses who came.
* Actual chair time only for completed appointments, after a short wait, one patient after
  another on each chair. Why chair times miss the booking (the chemo-chair seed: "regimen
  complexity, preparation delays, and patient needs"), in three parts:

  - a systematic part by patient type, the same every day: chemotherapy waits in the chair
    for the pharmacy to mix the drugs once the labs clear, and for premedication
    (``PREP_MINUTES``: CMO-SHORT 15, CMO-LONG 25 minutes, not in the booked time); follow-ups
    without drugs and injections finish early (``PACE``: FUP 0.80, INF 0.90 of the booked
    pace);
  - a bias per regimen category (``OVERRUN``: long regimens run ~12 % over, short ones ~3 %
    under: complexity);
  - lognormal noise (``NOISE_SIGMA`` 0.12, mean 1) on the whole visit: patient needs, a
    reaction, a slow vein; no history can learn it.

  actual = (scheduled × OVERRUN[category] × PACE[type] + PREP_MINUTES[type]) × noise. An
  estimate per (category, type) learned from history can thus learn the first two parts (the
  duration estimates beat the booking by ~40 %, ``analytics_evaluate_estimates``) and never
  the third.
* Nurse capacity per weekday: full staff on most days, one or two nurses short on
  ``short_staffed_share`` of them; chairs supported = nurses × chairs per nurse, capped by the
  chairs there are.
* Operating-room cases in the OptiOR layout (dates ``MM/DD/YY``, times
  ``MM/DD/YY hh:mm AM/PM``): each suite runs one service's list from 07:00, booked back to back,
  with the late starts, prep, overruns and turnovers of the public January file.
* Local times lie between 07:00 and 23:55: never in the night hours where daylight saving
  skips or repeats an hour, in any time zone.

``inject_errors`` then breaks chosen lines (impossible dates, negative minutes, unknown statuses,
ends before starts, repeated ids, unknown chairs or suites, formula cells) and says which.
"""

import datetime as dt
import heapq
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from imports.formats import FILE_KINDS, Kind

# --- the infusion centre ------------------------------------------------------------------------

PATIENT_TYPES = np.array(["INF", "CMO-SHORT", "CMO-LONG", "FUP", "MISC"])
# Percent of the day's patients by type, Monday to Friday: the study's "patient types by weekday".
PATIENT_TYPE_SHARES = np.array(
    [
        [31.25, 25.00, 8.75, 20.63, 14.38],  # Monday
        [24.11, 22.70, 5.67, 22.70, 24.82],  # Tuesday
        [26.32, 27.49, 7.60, 16.37, 22.22],  # Wednesday
        [18.03, 25.68, 4.92, 34.97, 16.39],  # Thursday
        [24.32, 23.24, 5.41, 27.57, 19.46],  # Friday
    ]
)
CATEGORIES = np.array(["short", "medium", "long"])
# Regimen category by patient type (short, medium, long).
CATEGORY_BY_TYPE = np.array(
    [
        [0.60, 0.40, 0.00],  # INF: injections short, transfusions medium
        [0.30, 0.70, 0.00],  # CMO-SHORT
        [0.00, 0.00, 1.00],  # CMO-LONG
        [1.00, 0.00, 0.00],  # FUP: no drugs
        [0.70, 0.30, 0.00],  # MISC
    ]
)
# Scheduled chair minutes by category: values and their chances.
MINUTE_VALUES = np.array([[30, 45, 60, 60], [90, 120, 150, 180], [240, 300, 360, 360]])
MINUTE_SHARES = np.array([[0.30, 0.40, 0.30, 0.0], [0.30, 0.35, 0.20, 0.15], [0.40, 0.40, 0.20, 0.0]])
# Why chair times miss the booking (module docstring): by category (actual ÷ scheduled of the
# booked part), by patient type (pace of the booked part; minutes added in the chair, unbooked:
# drug preparation and premedication), and the spread of the lognormal noise on the whole visit.
OVERRUN = np.array([0.97, 1.04, 1.12])
PACE = np.array([0.90, 1.00, 1.00, 0.80, 1.00])  # INF, CMO-SHORT, CMO-LONG, FUP, MISC
PREP_MINUTES = np.array([0, 15, 25, 0, 0])
NOISE_SIGMA = 0.12
STATUSES = np.array(["completed", "cancelled", "no-show", "scheduled"])
COMPLETED, CANCELLED, NO_SHOW, SCHEDULED = range(4)
CANCELLED_SHARE, NO_SHOW_SHARE = 0.10, 0.05
UNASSIGNED_SHARE = 0.05  # scheduled appointments still without a chair
MEAN_WAIT = 6.0  # minutes from the booked start to the chair, on average
CLEANING = 5  # minutes between two patients on one chair
LAST_MINUTE = 23 * 60 + 55  # nothing ends later: no time falls in the night
SHORTFALL = ((1, 2), (0.65, 0.35))  # nurses missing on a short-staffed day, and how often

# Streams of one day's generator: each kind of draw has its own, so adding one changes no other.
_NURSES, _APPOINTMENTS, _CASES, _ERRORS = 1, 2, 3, 4


@dataclass(frozen=True)
class ChairSetup:
    """An infusion centre: its chairs (by name), hours and staffing."""

    chairs: tuple[str, ...]
    opening: int = 8 * 60  # minutes after midnight: the first start
    closing: int = 18 * 60  # no appointment starts at or after this
    chairs_per_nurse: float = 2.5
    nurses: int = 0  # full staff; 0: enough for every chair
    short_staffed_share: float = 0.15
    fill: float = 0.85  # share of the staffed chairs' minutes booked
    turnover: int = 15  # minutes booked between two appointments on a chair

    @property
    def full_staff(self) -> int:
        return self.nurses or math.ceil(len(self.chairs) / self.chairs_per_nurse)


def chair_names(count: int) -> tuple[str, ...]:
    return tuple(f"Chair {n}" for n in range(1, count + 1))


def suite_names(count: int) -> tuple[str, ...]:
    """OR suites named as the public OR data set names them: 1, 2, 3, ..."""
    return tuple(str(n) for n in range(1, count + 1))


def weekdays(start: dt.date, days: int) -> list[dt.date]:
    """The weekdays among ``days`` days from ``start``."""
    every = (start + dt.timedelta(days=offset) for offset in range(days))
    return [day for day in every if day.weekday() < 5]


def weekdays_from(start: dt.date) -> Iterator[dt.date]:
    day = start
    while True:
        if day.weekday() < 5:
            yield day
        day += dt.timedelta(days=1)


def day_generator(seed: int, day: dt.date, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, day.toordinal(), stream])


def _pick(generator: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """One index per row of ``shares`` (rows of chances summing to 1), vectorised."""
    shares = np.atleast_2d(shares)
    bounds = np.cumsum(shares, axis=1)
    bounds[:, -1] = 1.0
    return (generator.random(len(shares))[:, None] >= bounds).sum(axis=1)


def nurse_capacity(seed: int, day: dt.date, setup: ChairSetup) -> tuple[int, int]:
    """(nurses available, chairs they can run) on ``day``."""
    generator = day_generator(seed, day, _NURSES)
    short, which = generator.random(2)
    missing = 0
    if short < setup.short_staffed_share:
        counts, chances = SHORTFALL
        missing = counts[int(which >= chances[0])]
    nurses = max(1, setup.full_staff - missing)
    return nurses, min(len(setup.chairs), math.floor(nurses * setup.chairs_per_nurse))


def chair_day(seed: int, day: dt.date, setup: ChairSetup, *, today: dt.date) -> dict[str, np.ndarray]:
    """One day's appointments as arrays (one entry per appointment, in order of start):
    ``number`` (1.. within the day), ``chair`` (index into ``setup.chairs``, -1 for none),
    ``patient_type``, ``category``, ``minutes``, ``status`` (indexes into the tables above),
    ``start`` (minute of the day booked), ``actual_start`` and ``actual_minutes`` (-1 unless
    completed)."""
    _, staffed = nurse_capacity(seed, day, setup)
    generator = day_generator(seed, day, _APPOINTMENTS)
    span = setup.closing - setup.opening
    most = int(setup.fill * staffed * span // (MINUTE_VALUES.min() + setup.turnover)) + 1
    if day >= today:
        # Booked weeks ahead for the full staff; `most` (how many rows are drawn) stays that of
        # the nurses on duty, so every draw is the same as before and the day is cut at `most`.
        staffed = min(len(setup.chairs), math.floor(setup.full_staff * setup.chairs_per_nurse))
    budget = setup.fill * staffed * span
    # Every draw is made for `most` rows and cut to the day's count: a row's draws never depend
    # on how many rows follow it.
    types = _pick(generator, np.broadcast_to(PATIENT_TYPE_SHARES[day.weekday()] / 100, (most, 5)))
    categories = _pick(generator, CATEGORY_BY_TYPE[types])
    minutes = MINUTE_VALUES[categories, _pick(generator, MINUTE_SHARES[categories])]
    tie_break, status_draw, chair_draw, waits, noise = (
        generator.random(most),
        generator.random(most),
        generator.random(most),
        generator.exponential(MEAN_WAIT, most),
        generator.normal(0.0, NOISE_SIGMA, most),
    )
    chairs_used = np.sort(generator.permutation(len(setup.chairs))[:staffed])
    count = int(np.searchsorted(np.cumsum(minutes + setup.turnover), budget, side="right"))
    types, categories, minutes = types[:count], categories[:count], minutes[:count]

    # Longest regimens first, each on the chair that is free soonest (ties: the lower chair).
    # The chair free soonest is never busier than the average, at most `fill` of the day: every
    # start is within opening hours.
    order = np.lexsort((tie_break[:count], -minutes))
    starts = np.empty(count, dtype=np.int64)
    seats = np.empty(count, dtype=np.int64)
    free = [(0, chair) for chair in range(staffed)]
    turnover = setup.turnover
    for position, booked in zip(order.tolist(), minutes[order].tolist(), strict=True):
        load, chair = free[0]
        starts[position], seats[position] = load, chair
        heapq.heapreplace(free, (load + booked + turnover, chair))
    starts += setup.opening
    seats = chairs_used[seats] if count else seats

    in_time = np.lexsort((seats, starts))
    types, categories, minutes, starts, seats = (a[in_time] for a in (types, categories, minutes, starts, seats))
    status_draw, chair_draw = status_draw[:count][in_time], chair_draw[:count][in_time]
    waits, noise = waits[:count][in_time], noise[:count][in_time]

    if day < today:
        status = np.where(
            status_draw < CANCELLED_SHARE,
            CANCELLED,
            np.where(status_draw < CANCELLED_SHARE + NO_SHOW_SHARE, NO_SHOW, COMPLETED),
        )
    else:
        status = np.where(status_draw < CANCELLED_SHARE, CANCELLED, SCHEDULED)
        seats = np.where((status == SCHEDULED) & (chair_draw < UNASSIGNED_SHARE), -1, seats)

    actual_start = np.full(count, -1, dtype=np.int64)
    actual_minutes = np.full(count, -1, dtype=np.int64)
    done = np.flatnonzero(status == COMPLETED)
    if len(done):
        kind = types[done]
        expected = minutes[done] * OVERRUN[categories[done]] * PACE[kind] + PREP_MINUTES[kind]
        spread = np.exp(noise[done] - NOISE_SIGMA**2 / 2)  # mean 1
        used = np.maximum(5, np.rint(expected * spread)).astype(np.int64)
        arrive = starts[done] + np.rint(waits[done]).astype(np.int64)
        begin = np.minimum(_one_after_another(seats[done], arrive, used + CLEANING), LAST_MINUTE - 1)
        used = np.maximum(1, np.minimum(used, LAST_MINUTE - begin))
        actual_start[done], actual_minutes[done] = begin, used
    return {
        "number": np.arange(1, count + 1),
        "chair": seats,
        "patient_type": types,
        "category": categories,
        "minutes": minutes,
        "status": status,
        "start": starts,
        "actual_start": actual_start,
        "actual_minutes": actual_minutes,
    }


def _one_after_another(chairs: np.ndarray, arrive: np.ndarray, busy: np.ndarray) -> np.ndarray:
    """When each patient takes the chair: on arrival, or when the one before leaves it
    (``a[i] = max(arrive[i], a[i-1] + busy[i-1])`` per chair, in order of arrival), vectorised:
    ``a - B`` is a running maximum of ``arrive - B``, B the chair's busy minutes before."""
    order = np.lexsort((arrive, chairs))
    chairs, arrive, busy = chairs[order], arrive[order], busy[order]
    group_start = np.flatnonzero(np.r_[True, chairs[1:] != chairs[:-1]])
    group = np.cumsum(np.r_[True, chairs[1:] != chairs[:-1]]) - 1
    before = np.cumsum(busy) - busy
    before -= before[group_start][group]
    offset = group * (1 << 32)  # keeps one chair's maximum from reaching the next chair
    begin = np.maximum.accumulate(arrive - before + offset) - offset + before
    result = np.empty_like(begin)
    result[order] = begin
    return result


def chair_block(seed: int, days: list[dt.date], setup: ChairSetup, *, today: dt.date) -> pd.DataFrame:
    """The appointments of ``days`` (see ``chair_day``), with a ``day`` column (ordinal)."""
    parts = []
    for day in days:
        arrays = chair_day(seed, day, setup, today=today)
        arrays["day"] = np.full(len(arrays["number"]), day.toordinal(), dtype=np.int64)
        parts.append(arrays)
    if not parts:
        return pd.DataFrame(columns=[*_CHAIR_COLUMNS, "day"])
    return pd.DataFrame({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})


_CHAIR_COLUMNS = (
    "number", "chair", "patient_type", "category", "minutes", "status", "start", "actual_start", "actual_minutes",
)  # fmt: skip

# --- text, in the formats of imports.formats --------------------------------------------------

CLOCK_24 = np.array([f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60)])
CLOCK_12 = np.array([dt.time(minute // 60, minute % 60).strftime("%I:%M %p") for minute in range(24 * 60)])
_NUMBERS: list[np.ndarray] = [np.array([], dtype=str)]


def _numbers(top: int) -> np.ndarray:
    """Zero-padded numbers ('00001'), indexable by number, up to at least ``top``."""
    if len(_NUMBERS[0]) <= top:
        _NUMBERS[0] = np.array([f"{n:05d}" for n in range(max(top + 1, 10_000))])
    return _NUMBERS[0]


def _by_day(ordinals: np.ndarray, pattern: str) -> np.ndarray:
    """The day of each row as text in ``pattern``, formatted once per day."""
    unique, inverse = np.unique(ordinals, return_inverse=True)
    texts = np.array([dt.date.fromordinal(int(o)).strftime(pattern) for o in unique] or [""], dtype=str)
    return texts[inverse] if len(unique) else np.array([], dtype=str)


def _join(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and strings, in C."""
    result = np.asarray(parts[0], dtype=str)
    for part in parts[1:]:
        result = np.strings.add(result, part if isinstance(part, str) else np.asarray(part, dtype=str))
    return result


def appointment_ids(block: pd.DataFrame, prefix: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Appointment and encounter ids: unique per day and number, the same for a day in any file."""
    compact = _by_day(block["day"].to_numpy(), "%Y%m%d")
    numbers = _numbers(int(block["number"].max()) if len(block) else 0)[block["number"].to_numpy()]
    tail = _join(compact, "-", numbers)
    return _join(f"{prefix}A", tail), _join(f"{prefix}E", tail)


def appointments_frame(block: pd.DataFrame, setup: ChairSetup, *, prefix: str = "") -> pd.DataFrame:
    """The chair-appointments file's rows (columns as its template's header)."""
    appointment, encounter = appointment_ids(block, prefix)
    chairs = np.array([*setup.chairs, ""], dtype=object)  # index -1: no chair
    return pd.DataFrame(
        {
            "appointment_id": appointment,
            "encounter_id": encounter,
            "date": _by_day(block["day"].to_numpy(), "%Y-%m-%d"),
            "chair": chairs[block["chair"].to_numpy()],
            "regimen_category": CATEGORIES[block["category"].to_numpy()],
            "patient_type": PATIENT_TYPES[block["patient_type"].to_numpy()],
            "scheduled_chair_minutes": block["minutes"].to_numpy(),
            "status": STATUSES[block["status"].to_numpy()],
        },
        columns=FILE_KINDS[Kind.CHAIR_APPOINTMENTS].headers,
    )


def chair_times_frame(block: pd.DataFrame, *, prefix: str = "") -> pd.DataFrame:
    """The actual-chair-time file's rows: one per completed appointment."""
    done = block[block["status"] == COMPLETED]
    _, encounter = appointment_ids(done, prefix)
    day = _by_day(done["day"].to_numpy(), "%Y-%m-%d ")
    begin, used = done["actual_start"].to_numpy(), done["actual_minutes"].to_numpy()
    return pd.DataFrame(
        {
            "encounter_id": encounter,
            "actual_start": _join(day, CLOCK_24[begin]),
            "actual_end": _join(day, CLOCK_24[begin + used]),
            "total_chair_minutes": used,
        },
        columns=FILE_KINDS[Kind.CHAIR_TIMES].headers,
    )


def capacity_frame(seed: int, days: list[dt.date], setup: ChairSetup) -> pd.DataFrame:
    rows = [(day.isoformat(), *nurse_capacity(seed, day, setup)) for day in days]
    return pd.DataFrame(rows, columns=FILE_KINDS[Kind.NURSE_CAPACITY].headers)


# --- operating rooms ------------------------------------------------------------------------------

# (service, CPT code, description, booked minutes): procedures of the public OR utilization data
# set (Q1 2022, CC BY 4.0, the one OptiOR used), so generated files read like its January file.
PROCEDURES = (
    ("ENT", "30520", "Septoplasty", 90),
    ("ENT", "42826", "Tonsillectomy", 60),
    ("General", "43775", "Sleeve gastrectomy", 120),
    ("General", "47562", "Laparoscopic cholecystectomy", 90),
    ("OBGYN", "57460", "Cervical biopsy", 75),
    ("OBGYN", "58562", "Hysterectomy, surgical", 120),
    ("Ophthalmology", "66982", "Extracapsular cataract removal", 45),
    ("Orthopedics", "26045", "Fasciotomy, palmar, open", 90),
    ("Orthopedics", "27130", "Arthroplasty, hip", 120),
    ("Orthopedics", "27445", "Arthroplasty, knee, hinge prothesis", 120),
    ("Orthopedics", "29877", "Arthroscopy, knee, surgical", 60),
    ("Orthopedics", "64721", "Carpal tunnel release, open", 60),
    ("Pediatrics", "69421", "Myringotomy, general anesthesia", 60),
    ("Pediatrics", "69436", "Tympanostomy, general anesthesia", 60),
    ("Plastic", "14060", "Adjacent tissue transfer, eyelids, nose, ears, lip", 120),
    ("Plastic", "15773", "Liposuction", 180),
    ("Plastic", "17110", "Removal of benign skin lesion", 60),
    ("Podiatry", "28060", "Plantar fasciotomy", 60),
    ("Podiatry", "28285", "Correction, hammertoe", 60),
    ("Podiatry", "28296", "Bunionectomy with distal osteotomy", 120),
    ("Urology", "52353", "Cystourethroscopy", 60),
    ("Urology", "55250", "Vasectomy", 60),
    ("Urology", "55873", "Cryosurgery of the prostate gland", 90),
    ("Vascular", "28820", "Digital amputation, metatarsophalangeal joint", 60),
    ("Vascular", "36901", "AV fistula", 75),
)
SERVICES = tuple(dict.fromkeys(service for service, *_ in PROCEDURES))
OR_FIRST_CASE = 7 * 60
OR_LAST_BOOKING = 15 * 60 + 30  # lists are booked to end by then
OR_BOOKING_GAP = 15


def or_day(seed: int, day: dt.date, suites: tuple[str, ...]) -> list[tuple]:
    """One weekday's cases: (case number in the day, suite, service, CPT code, description,
    booked, scheduled, wheels in, incision start, end, wheels out), times in minutes of the day.
    Each suite runs one service's list that weekday (a block schedule), booked back to back
    from 07:00; the cases then start late, run over or under, and turn the room over."""
    generator = day_generator(seed, day, _CASES)
    cases = []
    for position, suite in enumerate(suites):
        service = SERVICES[(position * 3 + day.weekday()) % len(SERVICES)]
        menu = [procedure for procedure in PROCEDURES if procedure[0] == service]
        booked_at, room_free = OR_FIRST_CASE, OR_FIRST_CASE
        while True:
            _, code, description, booked = menu[int(generator.integers(len(menu)))]
            late, prep, ratio, out, turnover = (
                generator.gamma(1.5, 12.0) if booked_at > OR_FIRST_CASE else generator.normal(5, 4),
                generator.normal(22, 5),
                generator.lognormal(np.log(1.04) - 0.17**2 / 2, 0.17),
                generator.normal(13, 2.5),
                generator.normal(20, 6),
            )
            if booked_at + booked > OR_LAST_BOOKING and booked_at > OR_FIRST_CASE:
                break
            prep, out = int(np.clip(round(prep), 8, 45)), int(np.clip(round(out), 7, 21))
            wheels_in = max(booked_at + int(round(late)), room_free)
            in_room = max(prep + out + 5, int(round(booked * ratio)))
            wheels_out = min(wheels_in + in_room, LAST_MINUTE)
            cases.append(
                (suite, service, code, description, booked, booked_at, wheels_in, wheels_in + prep,
                 wheels_out - out, wheels_out)
            )  # fmt: skip
            room_free = wheels_out + int(np.clip(round(turnover), 10, 45))
            booked_at += booked + OR_BOOKING_GAP
    cases.sort(key=lambda case: (int(case[0]) if case[0].isdigit() else case[0], case[5]))
    return [(number, *case) for number, case in enumerate(cases, start=1)]


def or_frame(seed: int, days: list[dt.date], suites: tuple[str, ...], *, first_index: int = 0) -> pd.DataFrame:
    """The OR cases file's rows, in the public data set's layout; ``index`` runs from
    ``first_index``; the Encounter ID is the day (YYMMDD) and the case's number in it."""
    rows = []
    for day in days:
        date = day.strftime("%m/%d/%y")
        for number, suite, service, code, description, booked, *times in or_day(seed, day, suites):
            stamps = [f"{date} {CLOCK_12[minute]}" for minute in times]
            rows.append([f"{day:%y%m%d}{number:03d}", date, suite, service, code, description, booked, *stamps])
    headers = FILE_KINDS[Kind.OR_CASES].headers
    frame = pd.DataFrame(rows, columns=headers[1:])
    frame.insert(0, "index", np.arange(first_index, first_index + len(frame)))
    return frame


# --- injected errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """A line ``inject_errors`` broke: what it did, and the problem the validator should report
    (``unknown_resource``: the name is listed for the uploader to create or map instead)."""

    line: int  # in the file, the header being line 1
    column: str
    error: str
    value: str
    expect: str


ERROR_MIX = {
    Kind.CHAIR_APPOINTMENTS: (
        "impossible_date", "negative_minutes", "unknown_status", "duplicate_id", "unknown_chair", "formula",
    ),
    Kind.CHAIR_TIMES: ("impossible_date", "negative_minutes", "end_before_start", "duplicate_id", "formula"),
    Kind.NURSE_CAPACITY: ("impossible_date", "negative_nurses", "duplicate_date", "formula"),
    Kind.OR_CASES: (
        "impossible_date", "negative_minutes", "end_before_start", "duplicate_id", "unknown_suite", "formula",
    ),
}  # fmt: skip
# Formula cells where a number or a code belongs (a formula in a text column is kept as text and
# is no error; exports escape it). Each fits its column's length, so it is only the one error.
FORMULAS = {
    Kind.CHAIR_APPOINTMENTS: ("patient_type", '=CONCAT("I","NF")', "unknown_value"),
    Kind.CHAIR_TIMES: ("total_chair_minutes", "=SUM(60,15)", "not_a_number"),
    Kind.NURSE_CAPACITY: ("max_chairs_supported", "=B2*2", "not_a_number"),
    Kind.OR_CASES: ("Booked Time (min)", "=60+30", "not_a_number"),
}
MINUTES_COLUMN = {
    Kind.CHAIR_APPOINTMENTS: "scheduled_chair_minutes",
    Kind.CHAIR_TIMES: "total_chair_minutes",
    Kind.NURSE_CAPACITY: "nurses_available",
    Kind.OR_CASES: "Booked Time (min)",
}
DATE_COLUMN = {
    Kind.CHAIR_APPOINTMENTS: ("date", "not_a_date"),
    Kind.CHAIR_TIMES: ("actual_start", "not_a_datetime"),
    Kind.NURSE_CAPACITY: ("date", "not_a_date"),
    Kind.OR_CASES: ("Date", "not_a_date"),
}
RESOURCE_COLUMN = {Kind.CHAIR_APPOINTMENTS: "chair", Kind.OR_CASES: "OR Suite"}


def _impossible_date(value: str) -> str:
    """The same date on 30 February of its year, in its format."""
    if re.match(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value[:4]}-02-30{value[10:]}"
    return f"02/30/{value[6:]}"  # MM/DD/YY


def _unknown_names(known: tuple[str, ...], count: int) -> list[str]:
    """Names like the known ones (``Chair 7``, ``9``) that the facility does not have."""
    stem = re.sub(r"\d+$", "", known[0]) if known else "Chair "
    taken = {name.casefold() for name in known}
    names, number = [], len(known)
    while len(names) < count:
        number += 1
        if f"{stem}{number}".casefold() not in taken:
            names.append(f"{stem}{number}")
    return names


def inject_errors(
    frame: pd.DataFrame, kind: str, count: int, *, seed: int, resources: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, list[Break]]:
    """A copy of ``frame`` (a file's rows, as the *_frame functions make them) with ``count``
    errors on distinct lines, cycling through the kind's ``ERROR_MIX``; returns it with the
    breaks by line. A repeated id breaks two lines: the one copied and the copy."""
    mix = ERROR_MIX[kind]
    chosen = [mix[position % len(mix)] for position in range(count)]
    needed = count + sum(error.startswith("duplicate") for error in chosen)
    if needed > len(frame):
        raise ValueError(f"{count} errors need {needed} lines; the file has {len(frame)}.")
    frame = frame.astype(object).copy()
    generator = np.random.default_rng([seed, len(frame), _ERRORS])
    lines = iter(generator.choice(len(frame), size=needed, replace=False).tolist())
    unknown = iter(_unknown_names(resources, chosen.count("unknown_chair") + chosen.count("unknown_suite")))
    breaks: list[Break] = []

    def put(position: int, column: str, value, error: str, expect: str) -> None:
        frame.iat[position, frame.columns.get_loc(column)] = value
        breaks.append(Break(position + 2, column, error, str(value), expect))

    for error in chosen:
        position = next(lines)
        if error == "impossible_date":
            column, expect = DATE_COLUMN[kind]
            put(position, column, _impossible_date(str(frame.iloc[position][column])), error, expect)
        elif error in ("negative_minutes", "negative_nurses"):
            column = MINUTES_COLUMN[kind]
            put(position, column, f"-{abs(int(frame.iloc[position][column])) or 1}", error, "out_of_range")
        elif error == "unknown_status":
            put(position, "status", "postponed", error, "unknown_value")
        elif error == "end_before_start":
            if kind == Kind.CHAIR_TIMES:
                start, end = frame.iloc[position]["actual_start"], frame.iloc[position]["actual_end"]
                frame.iat[position, frame.columns.get_loc("actual_start")] = end
                put(position, "actual_end", start, error, "end_not_after_start")
            else:
                began = dt.datetime.strptime(frame.iloc[position]["Start Time"], "%m/%d/%y %I:%M %p")
                ended = (began - dt.timedelta(minutes=10)).strftime("%m/%d/%y %I:%M %p")
                put(position, "End Time", ended, error, "out_of_order")
        elif error.startswith("duplicate"):
            column = FILE_KINDS[kind].headers[0] if kind != Kind.OR_CASES else "Encounter ID"
            original = next(lines)
            value = frame.iloc[original][column]
            put(position, column, value, error, "duplicate_key")
            breaks.append(Break(original + 2, column, f"{error} (the line copied)", str(value), "duplicate_key"))
        elif error in ("unknown_chair", "unknown_suite"):
            put(position, RESOURCE_COLUMN[kind], next(unknown), error, "unknown_resource")
        elif error == "formula":
            column, value, expect = FORMULAS[kind]
            put(position, column, value, error, expect)
    breaks.sort(key=lambda broken: broken.line)
    return frame, breaks


# --- files ----------------------------------------------------------------------------------------

FILE_NAMES = {
    Kind.CHAIR_APPOINTMENTS: "chair-appointments.csv",
    Kind.CHAIR_TIMES: "chair-times.csv",
    Kind.NURSE_CAPACITY: "nurse-capacity.csv",
    Kind.OR_CASES: "or-cases.csv",
}
BLOCK_ROWS = 50_000  # appointments generated and written at a time: memory stays flat


@dataclass
class Written:
    kind: str
    path: Path
    rows: int = 0
    breaks: list[Break] = field(default_factory=list)
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def csv_text(frame: pd.DataFrame, *, header: bool = True) -> str:
    return frame.to_csv(index=False, header=header, lineterminator="\n")


def write_files(
    out: Path,
    *,
    seed: int,
    start: dt.date,
    today: dt.date,
    setup: ChairSetup,
    suites: tuple[str, ...] = suite_names(8),
    kinds: tuple[str, ...] = tuple(FILE_NAMES),
    days: int | None = None,
    rows: int | None = None,
    errors: int = 0,
    prefix: str = "",
) -> dict[str, Written]:
    """Writes a file of each of ``kinds`` into ``out`` for the weekdays of ``days`` days from
    ``start`` or, with ``rows``, for as many weekdays as ``rows`` chair appointments take (the
    last day cut short). Blocks of about BLOCK_ROWS appointments are generated and appended in
    turn. ``errors`` breaks that many lines of each file, all within its first block."""
    if days is None and rows is None:
        raise ValueError("Give days or rows.")
    out.mkdir(parents=True, exist_ok=True)
    written = {kind: Written(kind, out / FILE_NAMES[kind]) for kind in kinds}
    handles = {kind: entry.path.open("w", encoding="utf-8", newline="") for kind, entry in written.items()}
    calendar = iter(weekdays(start, days)) if days is not None else weekdays_from(start)
    per_day = max(1.0, len(setup.chairs) * setup.fill * (setup.closing - setup.opening) / 120)
    block_days = max(1, int(BLOCK_ROWS / per_day))
    appointments_left = rows
    try:
        while appointments_left is None or appointments_left > 0:
            block_of_days = [day for _, day in zip(range(block_days), calendar, strict=False)]
            if not block_of_days:
                break
            frames: dict[str, pd.DataFrame] = {}
            if Kind.CHAIR_APPOINTMENTS in kinds or Kind.CHAIR_TIMES in kinds:
                block = chair_block(seed, block_of_days, setup, today=today)
                if appointments_left is not None:
                    block = block.iloc[:appointments_left]
                    appointments_left -= len(block)
                    last = dt.date.fromordinal(int(block["day"].iloc[-1])) if len(block) else block_of_days[0]
                    block_of_days = [day for day in block_of_days if day <= last]
                if Kind.CHAIR_APPOINTMENTS in kinds:
                    frames[Kind.CHAIR_APPOINTMENTS] = appointments_frame(block, setup, prefix=prefix)
                if Kind.CHAIR_TIMES in kinds:
                    frames[Kind.CHAIR_TIMES] = chair_times_frame(block, prefix=prefix)
            if Kind.NURSE_CAPACITY in kinds:
                frames[Kind.NURSE_CAPACITY] = capacity_frame(seed, block_of_days, setup)
            if Kind.OR_CASES in kinds:
                first_index = written[Kind.OR_CASES].rows
                frames[Kind.OR_CASES] = or_frame(seed, block_of_days, suites, first_index=first_index)
            for kind, frame in frames.items():
                entry = written[kind]
                first = entry.first_day is None
                if first and errors:
                    resources = setup.chairs if kind == Kind.CHAIR_APPOINTMENTS else suites
                    frame, entry.breaks = inject_errors(frame, kind, errors, seed=seed, resources=resources)
                frame.to_csv(handles[kind], index=False, header=first, lineterminator="\n")
                entry.rows += len(frame)
                entry.first_day = entry.first_day or block_of_days[0]
                entry.last_day = block_of_days[-1]
    finally:
        for handle in handles.values():
            handle.close()
    return written
