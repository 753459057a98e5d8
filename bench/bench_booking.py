"""Booking benchmark: bookings per second the way CareSlot is deployed — one Django process per
concurrent client, as gunicorn runs it — each figure a ratio to raw SQL inserts of the same rows
made the same way, at the same concurrency, in the same run.

Service: ``booking.services.booking_create`` called in a loop by 1, 4 and 16 client processes
(``bench.workers``: spawned interpreters, each with Django set up against the benchmark database
with the deployed settings — DEBUG off — and a connection of its own), each client on a resource
of its own, so every booking lands on a free slot nobody else is after (no lock contention).
What the service pays for over the raw insert: the Redis lock, the resource row lock, the
patient row lock with its overlap and future-booking checks, the appointment type, the held
time nearby, the availability check (configuration cached in the process behind the resource's
version), history rows, and publishing the notification task to the broker after commit.

Raw SQL insert (the baseline): the same client processes, the same concurrency, the same
resources further on, the same constrained tables — one transaction of two statements, into
``booking_booking`` (the patient exclusion constraint) and ``booking_bookingresource`` (the
resource exclusion constraint; ``token_slot_id`` null, as for any exclusive booking).

HTTP: ``gunicorn config.wsgi`` started as deployed (sync workers, access log on, DEBUG off;
2, 3 — the deployed default — and 4 workers on this 2-core machine), bound to a free port of
127.0.0.1, in its own process group, stopped at the end whatever happens. Client threads of
this process post JSON bookings to ``/api/v1/facilities/<slug>/bookings/`` with a DRF token,
each on a resource of its own, and check every answer is a 201; each case's ratio is to raw
inserts by as many client processes, measured just before it. The HTTP figure adds the WSGI
server, the middleware, token authentication, DRF validation and the response (the booking
read back and serialised).

Every client first makes unmeasured warm-up bookings (connection opened, code imported, its
resource's availability configuration cached, as in a long-running worker); the clock runs from
the moment all clients are ready and told to go until the last one finishes. Latencies p50 and
p99 are per booking as the client sees it (for HTTP, queueing for a gunicorn worker included).
Each note also gives the CPU time per booking of the Django processes and of the PostgreSQL
backends during the measurement (``CpuMeter``): with 16 clients on 2 cores both sides are
CPU-bound, so the ratio to the raw insert is roughly the inverse ratio of their CPU per booking,
whatever else runs on the machine; the load average says how busy it was.

Secondary figure: the service with 16 client threads of one process (the former method), whose
Django code shares one interpreter lock, against raw inserts by 16 threads.

Contention: 16 client processes released together after one slot, CONTENTION_ROUNDS times:
exactly one booking wins each round, every other client gets 409 ``slot_taken`` (or
``resource_busy``); the figure is how long a round takes until every client has its answer.

The notification tasks go to a Redis database of their own (``BROKER_DB``), emptied afterwards;
no worker runs them, as in production they run on the Celery worker, not in the request.
"""

import datetime as dt
import http.client
import itertools
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.services import api_token_create
from availability import services as availability
from availability.services import WindowInput
from bench.workers import ClientProcesses
from booking import services
from config.celery import app as celery_app
from scheduling.errors import ApplicationError
from scheduling.models import AppointmentType, Facility, Membership, Patient, ResourceKind, Role, SchedulableResource

ZONE = ZoneInfo("Europe/London")
RESOURCES = 96
PATIENTS = 12_000
SLOT = dt.timedelta(minutes=30)
SLOTS_PER_DAY = 24  # 08:00–20:00
CLIENTS = (1, 4, 16)
SERVICE_BOOKINGS = 480
HTTP_BOOKINGS = 480
# (gunicorn sync workers, concurrent clients); 3 workers is what make run and the image start.
HTTP_CASES = ((2, 16), (3, 4), (3, 16), (4, 16))
CONTENTION_ROUNDS = 20
CONTENTION_CLIENTS = 16
# Slot indices on each resource: measured bookings from 0, the raw inserts from RAW_OFFSET,
# warm-ups from WARM_UP_OFFSET, all within the default 90-day booking horizon.
RAW_OFFSET = 1000
WARM_UP_OFFSET = 900
BROKER_DB = 12
RUN_TIMEOUT = 300.0  # seconds any one measurement may take, start-up and warm-up included
HTTP_TIMEOUT = 30.0


class World:
    def __init__(self):
        self.facility = Facility.objects.create(name="Benchmark Day Unit", slug="bench-booking", time_zone=str(ZONE))
        self.actor = get_user_model().objects.create_user(username="bench-booker", password="bench-only-password")
        Membership.objects.create(facility=self.facility, user=self.actor, role=Role.ADMIN)
        self.appointment_type_id = AppointmentType.objects.create(
            facility=self.facility, code="visit", name="Visit", default_minutes=30
        ).pk
        self.resources = []
        for number in range(RESOURCES):
            resource = SchedulableResource.objects.create(
                facility=self.facility, kind=ResourceKind.CHAIR, name=f"Bench chair {number:02d}"
            )
            availability.schedule_create(
                facility=self.facility,
                actor=self.actor,
                resource_id=resource.pk,
                valid_from=timezone.now() - dt.timedelta(days=1),
                availabilities=[
                    WindowInput(weekdays=list(range(7)), start_time=dt.time(8), end_time=dt.time(20), type="open")
                ],
            )
            self.resources.append(resource.pk)
        patients = Patient.objects.bulk_create(
            Patient(
                facility=self.facility, mrn=f"B{n:06d}", name=f"Bench Patient {n}", date_of_birth=dt.date(1970, 1, 1)
            )
            for n in range(PATIENTS)
        )
        self._patients = iter([patient.pk for patient in patients])
        self._unused = iter(self.resources)
        self._warm_ups = {}
        self.first_day = timezone.now().astimezone(ZONE).date() + dt.timedelta(days=1)
        self.token = api_token_create(user=self.actor)[1]

    def client_ids(self) -> dict:
        """What a client needs to book as this world's admin."""
        return {
            "facility_id": self.facility.pk,
            "actor_id": self.actor.pk,
            "appointment_type_id": self.appointment_type_id,
        }

    def take(self, count: int) -> list[int]:
        """``count`` resources nobody has booked in this run."""
        taken = list(itertools.islice(self._unused, count))
        assert len(taken) == count, "raise RESOURCES"
        return taken

    def patients(self, count: int) -> list[int]:
        """``count`` patients with no booking yet, so no booking meets a patient's lock or limit."""
        taken = list(itertools.islice(self._patients, count))
        assert len(taken) == count, "raise PATIENTS"
        return taken

    def slot(self, resource_id: int, index: int) -> tuple[dt.datetime, dt.datetime]:
        """The ``index``-th half hour of a resource, day after day from tomorrow."""
        day = self.first_day + dt.timedelta(days=index // SLOTS_PER_DAY)
        start = dt.datetime.combine(day, dt.time(8), tzinfo=ZONE) + SLOT * (index % SLOTS_PER_DAY)
        return start, start + SLOT

    def job(self, mode: str, resource_id: int, *, count: int, offset: int, warm_ups: int = 1) -> dict:
        """One client's work: ``count`` bookings on consecutive free slots of its resource from
        ``offset``, each for a new patient, after ``warm_ups`` unmeasured ones."""
        warm = self._warm_ups.get(resource_id, 0)
        self._warm_ups[resource_id] = warm + warm_ups
        return {
            "mode": mode,
            "warm_ups": self._bookings(resource_id, range(WARM_UP_OFFSET + warm, WARM_UP_OFFSET + warm + warm_ups)),
            "bookings": self._bookings(resource_id, range(offset, offset + count)),
        }

    def _bookings(self, resource_id: int, indices: range) -> list[tuple]:
        return [
            (patient, resource_id, *self.slot(resource_id, index))
            for index, patient in zip(indices, self.patients(len(indices)), strict=True)
        ]


def run() -> list[dict]:
    broker = f"{settings.REDIS_URL.rsplit('/', 1)[0]}/{BROKER_DB}"
    environment = _deployed(broker)
    _configure(broker)
    world = World()
    rows = []
    try:
        with ClientProcesses(
            max(CLIENTS[-1], CONTENTION_CLIENTS),
            setup="bench.bench_booking:Client",
            setup_kwargs=world.client_ids(),
            environment=environment,
        ) as processes:
            for clients in CLIENTS:
                resources = world.take(clients)
                raw = _in_processes(processes, world, "raw", resources, SERVICE_BOOKINGS, offset=RAW_OFFSET)
                service = _in_processes(processes, world, "service", resources, SERVICE_BOOKINGS, offset=0)
                rows.append(_row(f"service, {_plural(clients, 'process')}", service, raw))
                rows.append(_row(f"raw SQL insert, {_plural(clients, 'process')}", raw, raw))

            resources = world.take(CLIENTS[-1])
            raw = _in_threads(world, "raw", resources, SERVICE_BOOKINGS, offset=RAW_OFFSET)
            service = _in_threads(world, "service", resources, SERVICE_BOOKINGS, offset=0)
            rows.append(
                _row(f"service, {CLIENTS[-1]} threads of one process", service, raw, baseline="raw by as many threads")
            )

            for workers, clients in HTTP_CASES:
                resources = world.take(clients)
                raw = _in_processes(processes, world, "raw", resources, HTTP_BOOKINGS, offset=RAW_OFFSET)
                with _gunicorn(workers, environment) as server:
                    measured = _over_http(world, server, resources, warm_ups=2 * workers)
                rows.append(
                    _row(
                        f"HTTP API, {_plural(clients, 'client')}, gunicorn {workers} workers",
                        measured,
                        raw,
                        baseline=f"raw by {clients} processes just before",
                    )
                )

            rows.append(_contention(processes, world))
    finally:
        redis.Redis.from_url(broker).flushdb()  # the notifications nobody will send
    return rows


def _deployed(broker: str) -> dict:
    """The environment of the client processes and of gunicorn: settings as deployed (DEBUG
    off, so no query logging), the notifications to ``broker``, no limit on future bookings
    nor on the write rate, plain HTTP."""
    return {
        "DEBUG": "false",
        # This process's key: a token is valid only under the key that stamped it
        # (accounts.selectors.password_stamp).
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "BOOKING_MAX_FUTURE_PER_PATIENT": "10000",
        "LOG_LEVEL": "WARNING",
        # Plain HTTP on 127.0.0.1, as behind the TLS proxy of a deployment (no redirect to
        # HTTPS); the per-user write rate limit is a guard against clients, not a cost to time.
        "SECURE_SSL_REDIRECT": "false",
        "API_WRITE_RATE": "1000000/min",
    }


def _configure(broker: str) -> None:
    """The same for the client threads of this process, whose settings are loaded already."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = broker
    settings.BOOKING_MAX_FUTURE_PER_PATIENT = 10_000


# --- clients ---------------------------------------------------------------------------------


class Client:
    """Books a job's bookings through the service, or inserts them raw, one after another."""

    def __init__(self, *, facility_id: int, actor_id: int, appointment_type_id: int):
        self.facility = Facility.objects.get(pk=facility_id)
        self.actor = get_user_model().objects.get(pk=actor_id)
        self.appointment_type_id = appointment_type_id
        self.job = None

    def prepare(self, job: dict) -> None:
        self.job = job
        book = _BOOKERS[job["mode"]]
        for booking in job["warm_ups"]:
            book(self, *booking)

    def go(self):
        """The latency of each booking in seconds; in a race, ``"booked"`` or the refusal's code."""
        book = _BOOKERS[self.job["mode"]]
        if self.job["mode"] == "race":
            (booking,) = self.job["bookings"]
            try:
                book(self, *booking)
            except ApplicationError as error:  # every loser's 409 is expected here
                return error.code
            return "booked"
        latencies = []
        for booking in self.job["bookings"]:
            began = time.perf_counter()
            book(self, *booking)
            latencies.append(time.perf_counter() - began)
        return latencies


def _service_booking(client: Client, patient_id: int, resource_id: int, start, end) -> None:
    services.booking_create(
        facility=client.facility,
        actor=client.actor,
        actor_role=Role.ADMIN,
        request=services.BookingRequest(
            patient_id=patient_id,
            appointment_type_id=client.appointment_type_id,
            start=start,
            end=end,
            resources=(services.ResourceRequest(resource_id),),
        ),
    )


def _raw_insert(client: Client, patient_id: int, resource_id: int, start, end) -> None:
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO booking_booking (facility_id, patient_id, appointment_type_id, kind, priority, is_vip, "
            'status, holds_time, start, "end", booked_by_id, note, cancel_reason, status_changed_at, '
            "status_changed_by_id, created_at) VALUES (%s, %s, %s, 'scheduled', 'routine', false, 'scheduled', true, "
            "%s, %s, %s, '', '', "
            "%s, %s, %s) RETURNING id",
            [
                client.facility.pk,
                patient_id,
                client.appointment_type_id,
                start,
                end,
                client.actor.pk,
                now,
                client.actor.pk,
                now,
            ],
        )
        booking_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO booking_bookingresource "
            '(facility_id, booking_id, resource_id, start, "end", holds_time, token_slot_id) '
            "VALUES (%s, %s, %s, %s, %s, true, NULL)",
            [client.facility.pk, booking_id, resource_id, start, end],
        )


_BOOKERS = {"service": _service_booking, "raw": _raw_insert, "race": _service_booking}


class HttpClient:
    """Posts a job's bookings to the API over one HTTP/1.1 connection (reopened when the sync
    worker closes it after each response, as it does), and checks each answer is a 201."""

    def __init__(self, *, port: int, token: str, facility_slug: str, appointment_type_id: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
        self.path = f"/api/v1/facilities/{facility_slug}/bookings/"
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.appointment_type_id = appointment_type_id
        self.job = None

    def prepare(self, job: dict) -> None:
        self.job = job
        for booking in job["warm_ups"]:
            self._post(*booking)

    def go(self) -> list[float]:
        latencies = []
        try:
            for booking in self.job["bookings"]:
                began = time.perf_counter()
                self._post(*booking)
                latencies.append(time.perf_counter() - began)
        finally:
            self.connection.close()
        return latencies

    def _post(self, patient_id: int, resource_id: int, start, end) -> None:
        body = {
            "patient": patient_id,
            "appointment_type": self.appointment_type_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "resources": [{"resource": resource_id}],
        }
        self.connection.request("POST", self.path, body=json.dumps(body), headers=self.headers)
        response = self.connection.getresponse()
        content = response.read()
        if response.status != 201:
            raise RuntimeError(f"HTTP {response.status}: {content[:300]!r}")


# --- measurements ----------------------------------------------------------------------------


class CpuMeter:
    """The CPU time a measurement used, per booking: in the Django processes doing the work, in
    the PostgreSQL backends of the benchmark database and, for HTTP, in this process driving
    the clients. Read from /proc (Linux), so the load other engineers put on the machine is not
    in it: on 2 cores, 2,000 ms over their sum is the most bookings a second the machine could
    do. Also the machine's one-minute load average as the measurement begins."""

    def __init__(self, django_pids, *, driver: bool = False):
        self.django_pids = django_pids
        self.driver = driver
        self.load = self.used = None

    def start(self) -> None:
        self.load = os.getloadavg()[0]
        self.pids = {"Django": self.django_pids(), "PostgreSQL": _backend_pids()}
        if self.driver:
            self.pids["HTTP clients"] = [os.getpid()]
        self.before = {name: _cpu_seconds(pids) for name, pids in self.pids.items()}

    def stop(self) -> None:
        self.used = {name: _cpu_seconds(pids) - self.before[name] for name, pids in self.pids.items()}

    def note(self, bookings: int) -> str:
        load = f"load {self.load:.1f}"
        if not self.used or not _PROC.exists():
            return load
        parts = ", ".join(f"{name} {seconds * 1000 / bookings:.1f} ms" for name, seconds in self.used.items())
        return f"CPU per booking: {parts}; {load}"


_PROC = Path("/proc/self/stat")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (the state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()


def _cpu_seconds(pids: list[int]) -> float:
    fields = [_stat(pid) for pid in pids]
    return sum(int(f[11]) + int(f[12]) for f in fields if f) / _TICK  # utime, stime


def _group_pids(group: int) -> list[int]:
    """The processes of a process group (gunicorn's master and workers)."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        fields = _stat(entry.name)
        if fields and int(fields[2]) == group:
            pids.append(int(entry.name))
    return pids


def _backend_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _in_processes(processes: ClientProcesses, world: World, mode: str, resources, total: int, *, offset: int):
    jobs = [world.job(mode, resource, count=total // len(resources), offset=offset) for resource in resources]
    meter = CpuMeter(lambda: processes.pids[: len(jobs)])
    return _figures(*processes.run(jobs, timeout=RUN_TIMEOUT, meter=meter), meter)


def _in_threads(world: World, mode: str, resources, total: int, *, offset: int):
    jobs = [world.job(mode, resource, count=total // len(resources), offset=offset) for resource in resources]
    meter = CpuMeter(lambda: [os.getpid()])
    with override_settings(DEBUG=False):  # as in the client processes: no query logging
        return _figures(*_threads(jobs, lambda: Client(**world.client_ids()), meter=meter), meter)


def _over_http(world: World, server: tuple[int, int], resources, *, warm_ups: int):
    port, group = server
    jobs = [
        world.job("http", resource, count=HTTP_BOOKINGS // len(resources), offset=0, warm_ups=warm_ups)
        for resource in resources
    ]

    def make_client():
        return HttpClient(
            port=port,
            token=world.token,
            facility_slug=world.facility.slug,
            appointment_type_id=world.appointment_type_id,
        )

    meter = CpuMeter(lambda: _group_pids(group), driver=True)
    return _figures(*_threads(jobs, make_client, meter=meter), meter)


def _threads(jobs: list[dict], make_client, *, meter=None) -> tuple[float, list]:
    """Like ``ClientProcesses.run``, with one client thread per job in this process."""
    barrier = threading.Barrier(len(jobs) + 1)

    def work(job):
        try:
            client = make_client()
            client.prepare(job)
            barrier.wait(timeout=RUN_TIMEOUT)
            return client.go()
        except BaseException:
            barrier.abort()
            raise

    closing = threading.Barrier(len(jobs))

    def close(_index):
        # Once each: the barrier holds every thread of the pool until all have a close task.
        # After the meter has stopped, so the backends' CPU is still there to be read.
        try:
            closing.wait(timeout=RUN_TIMEOUT)
        except threading.BrokenBarrierError:
            pass
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        try:
            futures = [pool.submit(work, job) for job in jobs]
            try:
                barrier.wait(timeout=RUN_TIMEOUT)
            except threading.BrokenBarrierError:
                for future in futures:
                    future.result(timeout=RUN_TIMEOUT)  # the client's own error, if it had one
                raise
            if meter is not None:
                meter.start()
            began = time.perf_counter()
            answers = [future.result(timeout=RUN_TIMEOUT) for future in futures]
            elapsed = time.perf_counter() - began
            if meter is not None:
                meter.stop()
            return elapsed, answers
        finally:
            list(pool.map(close, range(len(jobs))))


def _figures(elapsed: float, answers: list[list[float]], meter: CpuMeter) -> dict:
    latencies = sorted(itertools.chain.from_iterable(answers))
    return {
        "rate": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "count": len(latencies),
        "cpu": meter.note(len(latencies)),
    }


@contextmanager
def _gunicorn(workers: int, environment: dict):
    """Runs ``gunicorn config.wsgi`` as deployed, on a free port of 127.0.0.1 (a socket bound
    here and handed over, so no other process can take the port in between); yields the port
    and the server's process group.
    The server runs in its own process group, which is terminated, then killed, on the way out."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    with tempfile.TemporaryFile() as errors:
        try:
            server = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "config.wsgi"),
                    *("--bind", f"fd://{listener.fileno()}", "--workers", str(workers), "--worker-class", "sync"),
                    *("--timeout", str(int(HTTP_TIMEOUT)), "--graceful-timeout", "5"),
                    *("--access-logfile", "-", "--log-level", "warning"),
                ],
                cwd=settings.BASE_DIR,
                env={**os.environ, **environment},
                pass_fds=[listener.fileno()],
                start_new_session=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        finally:
            listener.close()
        try:
            _wait_until_serving(server, port, errors)
            yield port, server.pid
        finally:
            _stop(server)


def _wait_until_serving(server: subprocess.Popen, port: int, errors, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            errors.seek(0)
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{errors.read().decode()[-3000:]}")
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            probe.request("GET", "/bench-probe/")
            probe.getresponse().read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError("gunicorn did not answer within a minute") from None
            time.sleep(0.2)
        finally:
            probe.close()


def _stop(server: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The master has gone; a worker it left behind goes with the rest of the group.
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        return


def _contention(processes: ClientProcesses, world: World) -> dict:
    """16 client processes released together after one slot, CONTENTION_ROUNDS times: exactly
    one wins each round; the figure is how long a round takes until every client has its answer."""
    (resource_id,) = world.take(1)
    rounds, refusals = [], set()
    for round_number in range(CONTENTION_ROUNDS):
        start, end = world.slot(resource_id, 300 + round_number)
        jobs = []
        for patient in world.patients(CONTENTION_CLIENTS):
            job = world.job("race", resource_id, count=0, offset=0, warm_ups=1 if round_number == 0 else 0)
            job["bookings"] = [(patient, resource_id, start, end)]
            jobs.append(job)
        elapsed, outcomes = processes.run(jobs, timeout=RUN_TIMEOUT)
        rounds.append(elapsed)
        assert outcomes.count("booked") == 1, outcomes
        refusals |= set(outcomes) - {"booked"}
        assert refusals <= {"slot_taken", "resource_busy"}, outcomes
    return {
        "benchmark": "booking",
        "case": f"contention: {CONTENTION_CLIENTS} processes, one slot",
        "figure": statistics.median(rounds) * 1000,
        "unit": "ms per round",
        "ratio": None,
        "note": f"{CONTENTION_ROUNDS}/{CONTENTION_ROUNDS} rounds with exactly one booking "
        f"(others: {', '.join(sorted(refusals))}); slowest round {max(rounds) * 1000:.0f} ms",
    }


def _row(case: str, measured: dict, raw: dict, *, baseline: str | None = None) -> dict:
    against = f"; vs {raw['rate']:.0f}/s {baseline}" if baseline else ""
    return {
        "benchmark": "booking",
        "case": case,
        "figure": measured["rate"],
        "unit": "bookings/s",
        "ratio": measured["rate"] / raw["rate"],
        "note": f"p50 {measured['p50']:.1f} ms, p99 {measured['p99']:.1f} ms "
        f"(p99/p50 {measured['p99'] / measured['p50']:.1f}); {measured['count']} bookings{against}; {measured['cpu']}",
    }


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun.endswith('s') else 's'}"
