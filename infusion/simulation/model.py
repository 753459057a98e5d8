"""One replication of the center under one policy (SimPy).

Time is in minutes from Monday 00:00 of ``FIRST_DAY``. Physician requests arrive (see
``parameters``); each is placed with ``infusion.engine.place`` over ``Schedule``, the simulated
center as the engine sees it: the same policy code the app runs. A placed appointment may be
cancelled (known on a day between the placement and the appointment, at 07:00; the patient comes
back on the cancellation route) or missed (the no-show route, from the appointment's day). On the
day the patient comes at the planned start and goes through check-in → a nurse (height and
weight) → a chair → a nurse (vitals and blood) → the lab (bad blood: discharged, the bad blood
route) → drug preparation while a nurse sets the patient up → the treatment → discharge, then
the next cycle if treatments remain. Chairs and nurses are SimPy resources.

A request the policy cannot place is tried again the next day, counting from it. A nurse is
busy for the tasks only (height and weight, vitals and blood, the set-up); watching the chairs
while they run is what the nurses' cap (chairs per nurse) stands for.

The warm-up (``warmup_days``, 90 by default) is simulated and discarded: the schedule starts
empty and the next cycles, 30 days apart, take a few months to fill it. Measured
(``Replication.run``) over the days after the warm-up only:

* days to treatment: request day to first treatment day, for requests made in the window's all
  but its last 45 days (so nearly every one of them is treated within the run);
* in-clinic wait: minutes queued for a nurse or a chair between arrival and treatment start (the
  steps' own minutes, the lab and the drug preparation are not waiting);
* chair and nurse utilisation: busy minutes over the minutes open (chairs × open minutes);
* peak chairs: the most chairs in use at once each open day, and that peak over the chairs the
  nurses support (``peak_load``), and the days it exceeded them;
* overflow days: open days on which a patient type had more patients than its capacity;
  overbooked days: open days with more patients, all types together, than the day's capacity;
* overtime: minutes the last patient left after closing, per open day;
* throughput: treatments completed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import simpy

from infusion import engine
from infusion.simulation import streams
from infusion.simulation.parameters import NO_DRUG_TYPES, Parameters, Step, type_capacity

FIRST_DAY = dt.date(2029, 1, 1)  # a Monday
SLOT = 15  # minutes: the grid of planned starts
DAY = 1440
CANCEL_KNOWN = 7 * 60  # a cancellation is known at 07:00 of its day
DAY_STARTS = 7 * 60 + 30  # each day's visits are set going at 07:30
TREATMENT_LAG_DAYS = 45
FOLLOWED_DAYS = 28  # the fewest days of requests the days to treatment are measured over


# --- the schedule as placement sees it --------------------------------------------------------


@dataclass
class Booking:
    day: dt.date
    start_slot: int
    slots: int
    chair: int
    patient_type: str
    minutes: int


@dataclass
class DayPlan:
    day: dt.date
    open: bool
    slots: int
    busy: list[int]  # per chair, a bit per slot
    profile: list[int]  # planned chairs at once per slot
    counts: dict[str, int] = field(default_factory=dict)
    booked_minutes: int = 0
    version: int = 0
    cache: dict = field(default_factory=dict)
    appointments: list = field(default_factory=list)


class Schedule:
    """The simulated center as an ``engine.Center``: a day's load per type, and the starts on the
    15-minute grid where a chair is free for the minutes asked, with the chairs that would run at
    once and what the nurses support."""

    def __init__(self, parameters: Parameters):
        self.parameters = parameters
        self.slots = (parameters.close_minute - parameters.open_minute) // SLOT
        self.cap = parameters.nurse_cap
        self.supported = min(parameters.chairs, self.cap) * (parameters.close_minute - parameters.open_minute)
        self.days: dict[dt.date, DayPlan] = {}
        # {weekday: {type: capacity}}: the same every week, computed once.
        self.capacities = {
            weekday: {code: type_capacity(parameters, code, weekday) for code in parameters.types}
            for weekday in range(7)
        }

    def plan(self, day: dt.date) -> DayPlan:
        plan = self.days.get(day)
        if plan is None:
            is_open = day.weekday() in self.parameters.open_weekdays
            chairs = self.parameters.chairs if is_open else 0
            plan = DayPlan(day, is_open, self.slots, [0] * chairs, [0] * self.slots)
            self.days[day] = plan
        return plan

    def capacity(self, day: dt.date, patient_type: str) -> int:
        return self.capacities[day.weekday()].get(patient_type, 0)

    def day_load(self, day: dt.date, patient_type: str) -> engine.DayLoad:
        plan = self.plan(day)
        return engine.DayLoad(
            day=day,
            open=plan.open,
            type_capacity=self.capacity(day, patient_type),
            type_count=plan.counts.get(patient_type, 0),
            booked_minutes=plan.booked_minutes,
            supported_minutes=self.supported if plan.open else 0,
        )

    def start_options(self, day: dt.date, minutes: int) -> list[engine.StartOption]:
        plan = self.plan(day)
        if not plan.open:
            return []
        need = math.ceil(minutes / SLOT)
        cached = plan.cache.get(need)
        if cached is not None and cached[0] == plan.version:
            return cached[1]
        options = self._options(plan, need)
        plan.cache[need] = (plan.version, options)
        return options

    def _options(self, plan: DayPlan, need: int) -> list[engine.StartOption]:
        starts = plan.slots - need + 1
        if starts <= 0:
            return []
        full = (1 << plan.slots) - 1
        valid = (1 << starts) - 1
        taken = 0
        chair_at: dict[int, int] = {}
        for chair, busy in enumerate(plan.busy):
            free = ~busy & full
            fits = free
            for shift in range(1, need):  # bit s: slots s … s + need - 1 all free
                fits &= free >> shift
            fits &= valid
            new = fits & ~taken
            while new:
                low = new & -new
                chair_at[low.bit_length() - 1] = chair  # the lowest-numbered chair free there
                new ^= low
            taken |= fits
            if taken == valid:
                break
        profile = plan.profile
        open_minute = self.parameters.open_minute
        return [
            engine.StartOption(
                start=open_minute + slot * SLOT, chair=chair, peak=max(profile[slot : slot + need]) + 1, cap=self.cap
            )
            for slot, chair in sorted(chair_at.items())
        ]

    def book(self, day: dt.date, option: engine.StartOption, patient_type: str, minutes: int) -> Booking:
        plan = self.plan(day)
        start_slot = (option.start - self.parameters.open_minute) // SLOT
        need = math.ceil(minutes / SLOT)
        booking = Booking(day, start_slot, need, option.chair, patient_type, minutes)
        self._apply(plan, booking, +1)
        return booking

    def release(self, booking: Booking) -> None:
        self._apply(self.plan(booking.day), booking, -1)

    def _apply(self, plan: DayPlan, booking: Booking, sign: int) -> None:
        mask = ((1 << booking.slots) - 1) << booking.start_slot
        plan.busy[booking.chair] = plan.busy[booking.chair] | mask if sign > 0 else plan.busy[booking.chair] & ~mask
        for slot in range(booking.start_slot, booking.start_slot + booking.slots):
            plan.profile[slot] += sign
        plan.counts[booking.patient_type] = plan.counts.get(booking.patient_type, 0) + sign
        plan.booked_minutes += sign * booking.minutes
        plan.version += 1

    def over_capacity(self, day: dt.date) -> bool:
        """A patient type has more patients than its capacity that day."""
        plan = self.plan(day)
        return any(count > self.capacity(day, code) for code, count in plan.counts.items())

    def over_day_capacity(self, day: dt.date) -> bool:
        """The day has more patients, all types together, than its capacity."""
        plan = self.plan(day)
        return sum(plan.counts.values()) > sum(self.capacities[day.weekday()].values())


# --- patients ---------------------------------------------------------------------------------


class Request:
    """One physician request: a patient, a type and the treatments still to give."""

    def __init__(self, number: int, patient_type: str, treatments: int, minute: float, seeds: tuple[int, int]):
        self.number = number
        self.patient_type = patient_type
        self.treatments_left = treatments
        self.minute = minute
        self.day_index = int(minute // DAY)
        self.first_treatment_day: int | None = None
        seed, replication = seeds
        self.fate = streams.stream(seed, replication, streams.FATE, number)
        self.blood = streams.stream(seed, replication, streams.BLOOD, number)
        self.service = streams.stream(seed, replication, streams.SERVICE, number)


@dataclass
class Appointment:
    request: Request
    booking: Booking
    route: str
    start: int  # minutes after midnight
    no_show: bool = False
    cancelled: bool = False


@dataclass
class Visit:
    day_index: int
    chair_start: float
    chair_end: float
    waited: float
    nurse_minutes: float
    treated: bool


def _triangular(rng, step: Step) -> float:
    return rng.triangular(step.low, step.high, step.mode)


def _choice(rng, weights: dict) -> object:
    """A draw from a discrete distribution: one uniform, whatever the outcome (streams stay aligned)."""
    u = rng.random() * sum(weights.values())
    total = 0.0
    last = None
    for value, weight in weights.items():
        total += weight
        last = value
        if u < total:
            return value
    return last


class Replication:
    """One replication under one policy; ``run()`` returns its measures and series. ``empty``
    runs the same arrivals and the same number of events with no-op processes (no placement
    engine, no resources): the event loop's own cost, for the benchmark."""

    def __init__(self, parameters: Parameters, policy: str, replication: int, *, empty: bool = False):
        self.parameters = parameters
        self.policy = policy
        self.replication = replication
        self.empty = empty
        self.env = simpy.Environment()
        self.schedule = Schedule(parameters)
        self.chairs = simpy.Resource(self.env, capacity=parameters.chairs)
        self.nurses = simpy.Resource(self.env, capacity=max(1, parameters.nurses))
        self.first_measured = parameters.warmup_days
        self.end_day = parameters.warmup_days + parameters.horizon_days
        self.minutes = {code: parameters.planned_minutes(code) for code in parameters.types}
        self.requests: list[Request] = []
        self.visits: list[Visit] = []
        self.appointments_due = 0  # in the window: appointments whose day came or that were cancelled
        self.cancelled = 0
        self.no_shows = 0
        self.bad_blood = 0
        self.unplaced = 0
        self.over_placements = 0

    # --- calendar

    def day(self, index: int) -> dt.date:
        return FIRST_DAY + dt.timedelta(days=index)

    def index(self, day: dt.date) -> int:
        return (day - FIRST_DAY).days

    def measured(self, day_index: int) -> bool:
        return self.first_measured <= day_index < self.end_day

    def _calendar_minute(self, working: float) -> float:
        p = self.parameters
        if p.arrivals_around_the_clock:
            return working
        length = p.close_minute - p.open_minute
        weekdays = sorted(p.open_weekdays)
        week, rest = divmod(working, length * len(weekdays))
        position, minute = divmod(rest, length)
        return week * 7 * DAY + weekdays[int(position)] * DAY + p.open_minute + minute

    # --- processes

    def run(self) -> dict:
        self.env.process(self._arrivals())
        self.env.process(self._days())
        self.env.run(until=self.end_day * DAY)
        return self._measures()

    def _arrivals(self):
        p = self.parameters
        seeds = (p.seed, self.replication)
        arrivals = streams.stream(*seeds, streams.ARRIVALS)
        types = streams.stream(*seeds, streams.TYPES)
        treatments = streams.stream(*seeds, streams.TREATMENTS)
        working = 0.0
        number = 0
        while True:
            working += arrivals.expovariate(1 / p.arrival_minutes)
            minute = self._calendar_minute(working)
            if minute >= self.end_day * DAY:
                return
            yield self.env.timeout(minute - self.env.now)
            patient_type = _choice(types, p.average_mix)
            count = _choice(treatments, p.treatments[patient_type])
            request = Request(number, patient_type, int(count), minute, seeds)
            self.requests.append(request)
            number += 1
            self._place(request, "new", request.day_index)

    def _place(self, request: Request, route: str, from_index: int) -> None:
        from_day = self.day(from_index)
        minutes = self.minutes[request.patient_type]
        if self.empty:
            decision = self._trivial(route, from_day, minutes)
        else:
            decision = engine.place(
                policy=self.policy,
                route=self.parameters.routes[route],
                from_day=from_day,
                patient_type=request.patient_type,
                minutes=minutes,
                center=self.schedule,
                search_days=self.parameters.search_days,
                earliest=from_day + dt.timedelta(days=1),
            )
        if not decision.placed:
            if self.measured(from_index):
                self.unplaced += 1
            self.env.process(self._retry(request, route, from_index + 1))
            return
        booking = self.schedule.book(decision.day, decision.option, request.patient_type, minutes)
        if decision.over_type_capacity and self.measured(self.index(decision.day)):
            self.over_placements += 1
        appointment = Appointment(request, booking, route, decision.option.start)
        fate, known = request.fate.random(), request.fate.random()  # always two draws
        day_index = self.index(decision.day)
        if fate < self.parameters.cancel_rate:
            appointment.cancelled = True
            cancel_index = from_index + 1 + int(known * (day_index - from_index))
            self.env.process(self._cancel(appointment, min(cancel_index, day_index)))
        else:
            appointment.no_show = fate < self.parameters.cancel_rate + self.parameters.no_show_rate
            self.schedule.plan(decision.day).appointments.append(appointment)

    def _trivial(self, route: str, from_day: dt.date, minutes: int) -> engine.Decision:
        target = from_day + dt.timedelta(days=max(1, self.parameters.routes[route].target_days))
        while not self.schedule.plan(target).open:
            target += dt.timedelta(days=1)
        option = engine.StartOption(start=self.parameters.open_minute, chair=0, peak=1, cap=None)
        return engine.Decision(self.policy, target, target, option, False, ())

    def _retry(self, request: Request, route: str, from_index: int):
        yield self.env.timeout(from_index * DAY + CANCEL_KNOWN - self.env.now)
        self._place(request, route, from_index)

    def _cancel(self, appointment: Appointment, cancel_index: int):
        yield self.env.timeout(cancel_index * DAY + CANCEL_KNOWN - self.env.now)
        if not self.empty:
            self.schedule.release(appointment.booking)
        if self.measured(self.index(appointment.booking.day)):
            self.appointments_due += 1
            self.cancelled += 1
        self._place(appointment.request, "cancellation", cancel_index)

    def _days(self):
        index = 0
        while index < self.end_day:
            yield self.env.timeout(index * DAY + DAY_STARTS - self.env.now)
            plan = self.schedule.days.get(self.day(index))
            if plan is not None:
                for appointment in plan.appointments:
                    self.env.process(self._visit(appointment, index))
            index += 1

    def _visit(self, appointment: Appointment, day_index: int):
        env = self.env
        request = appointment.request
        yield env.timeout(day_index * DAY + appointment.start - env.now)
        measured = self.measured(day_index)
        if measured:
            self.appointments_due += 1
        if appointment.no_show:
            if measured:
                self.no_shows += 1
            self._place(request, "no_show", day_index)
            return
        steps = self.parameters.steps
        service = request.service
        # Every visit draws the same numbers in the same order, used or not (common random numbers).
        check_in = _triangular(service, steps.check_in)
        height_weight = _triangular(service, steps.height_weight)
        vitals = _triangular(service, steps.vitals_blood)
        lab = _triangular(service, steps.lab)
        preparation = _triangular(service, steps.drug_preparation)
        setup = _triangular(service, steps.setup)
        discharge = _triangular(service, steps.discharge)
        treatment = self._treatment_minutes(service, request.patient_type)
        bad_blood = request.blood.random() < self.parameters.bad_blood_rate
        if request.patient_type in NO_DRUG_TYPES:
            preparation = 0.0
        if self.empty:
            yield from self._empty_visit(appointment, day_index, bad_blood)
            return
        waited = 0.0
        yield env.timeout(check_in)
        queued = env.now
        with self.nurses.request() as nurse:
            yield nurse
            waited += env.now - queued
            yield env.timeout(height_weight)
        queued = env.now
        chair = self.chairs.request()
        yield chair
        waited += env.now - queued
        chair_start = env.now
        queued = env.now
        with self.nurses.request() as nurse:
            yield nurse
            waited += env.now - queued
            yield env.timeout(vitals)
        yield env.timeout(lab)
        if bad_blood:
            self.chairs.release(chair)
            self.visits.append(Visit(day_index, chair_start, env.now, waited, height_weight + vitals, False))
            if measured:
                self.bad_blood += 1
            self._place(request, "bad_blood", day_index)
            return
        prepared = env.timeout(preparation)
        queued = env.now
        with self.nurses.request() as nurse:
            yield nurse
            waited += env.now - queued
            yield env.timeout(setup)
        yield prepared
        yield env.timeout(treatment + discharge)
        self.chairs.release(chair)
        self.visits.append(Visit(day_index, chair_start, env.now, waited, height_weight + vitals + setup, True))
        self._treated(request, day_index)

    def _empty_visit(self, appointment: Appointment, day_index: int, bad_blood: bool):
        # The full visit's number of events, each a zero-minute step: no resources, no engine.
        for _ in range(8 if not bad_blood else 5):
            yield self.env.timeout(0)
        if bad_blood:
            self._place(appointment.request, "bad_blood", day_index)
        else:
            self._treated(appointment.request, day_index)

    def _treated(self, request: Request, day_index: int) -> None:
        if request.first_treatment_day is None:
            request.first_treatment_day = day_index
        request.treatments_left -= 1
        if request.treatments_left > 0:
            self._place(request, "next_cycle", day_index)

    def _treatment_minutes(self, rng, patient_type: str) -> float:
        mean = self.parameters.treatment_minutes[patient_type]
        sigma = math.sqrt(math.log(1 + self.parameters.treatment_cv**2))
        return rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)

    # --- measures

    def _measures(self) -> dict:
        p = self.parameters
        window = range(self.first_measured, self.end_day)
        open_days = [i for i in window if self.day(i).weekday() in p.open_weekdays]
        open_minutes = p.close_minute - p.open_minute
        visits = [v for v in self.visits if self.measured(v.day_index)]
        treated = [v for v in visits if v.treated]
        by_day: dict[int, list[Visit]] = {}
        for visit in visits:
            by_day.setdefault(visit.day_index, []).append(visit)
        cap = max(1, p.nurse_cap)
        peaks, overtime = [], []
        profile = [0.0] * (open_minutes // SLOT)
        for i in open_days:
            day_visits = by_day.get(i, [])
            peaks.append(_peak(day_visits))
            close = i * DAY + p.close_minute
            overtime.append(max([0.0] + [v.chair_end - close for v in day_visits]))
            base = i * DAY + p.open_minute
            for slot in range(len(profile)):
                moment = base + slot * SLOT + SLOT / 2
                profile[slot] += sum(1 for v in day_visits if v.chair_start <= moment < v.chair_end)
        days = max(1, len(open_days))
        requests = [r for r in self.requests if self.measured(r.day_index)]
        # Requests followed TREATMENT_LAG_DAYS for their first treatment. A horizon too short to
        # leave FOLLOWED_DAYS of them reaches back into the warm-up rather than measure none (0 days).
        last = self.end_day - TREATMENT_LAG_DAYS
        first = min(self.first_measured, max(0, last - FOLLOWED_DAYS))
        waited_for = [r for r in self.requests if first <= r.day_index < last]
        treated_requests = [r for r in waited_for if r.first_treatment_day is not None]
        type_counts = {code: sum(1 for r in requests if r.patient_type == code) for code in p.types}
        measured_minutes = (self.end_day - self.first_measured) * DAY
        if not p.arrivals_around_the_clock:
            measured_minutes = len(open_days) * open_minutes
        due = max(1, self.appointments_due)
        measures = {
            "days_to_treatment": _mean([r.first_treatment_day - r.day_index for r in treated_requests]),
            "wait_minutes": _mean([v.waited for v in visits]),
            "chair_utilisation": 100
            * sum(v.chair_end - v.chair_start for v in visits)
            / (p.chairs * open_minutes * days),
            "nurse_utilisation": 100 * sum(v.nurse_minutes for v in visits) / (max(1, p.nurses) * open_minutes * days),
            "peak_chairs": _mean(peaks),
            "peak_load": 100 * _mean(peaks) / cap,
            "days_over_nurse_cap": sum(1 for peak in peaks if peak > cap),
            "overflow_days": sum(1 for i in open_days if self.schedule.over_capacity(self.day(i))),
            "overbooked_days": sum(1 for i in open_days if self.schedule.over_day_capacity(self.day(i))),
            "overtime_minutes": _mean(overtime),
            "throughput": len(treated),
            "untreated_requests": len(waited_for) - len(treated_requests),
            "unplaced": self.unplaced,
            "over_placements": self.over_placements,
            "requests": len(requests),
            "arrival_minutes": measured_minutes / max(1, len(requests)),
            "cancel_share": 100 * self.cancelled / due,
            "no_show_share": 100 * self.no_shows / due,
            "bad_blood_share": 100 * self.bad_blood / max(1, len(visits)),
        }
        for code, count in type_counts.items():
            measures[f"share_{code}"] = 100 * count / max(1, len(requests))
        return {
            "measures": measures,
            "profile": [round(value / days, 3) for value in profile],
            "daily_peaks": peaks,
            "nurse_cap": cap,
            "arrivals": [round(r.minute, 3) for r in self.requests],
            "types": [r.patient_type for r in self.requests],
        }


def _peak(visits: list[Visit]) -> int:
    events = sorted(
        [(v.chair_start, 1) for v in visits] + [(v.chair_end, -1) for v in visits], key=lambda e: (e[0], e[1])
    )
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0
