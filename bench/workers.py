"""Client processes for the benchmarks, the way gunicorn runs CareSlot: each client is a worker
process of its own, with its own interpreter lock, database connection and Redis pools.

The processes are started with ``spawn``: each is a fresh interpreter that inherits no open
database connection, Redis pool or Celery producer from the parent (forking a process that has
them open would share their sockets). Each one adds ``environment`` to the environment the
parent has set (the benchmark database) and runs ``django.setup()`` with it, then ``setup`` — a
``"module:function"`` called with ``setup_kwargs`` — which returns the client: an object with
``prepare(job)`` (unmeasured: warm-up, connections) and ``go()`` (the measured work, returning
its answer).

``ClientProcesses.run`` prepares one job per process, waits until every process is ready, then
tells them all to go at once and times from that moment to the last answer, so process start-up
and warm-up are never part of a figure. Every wait is bounded by a deadline.
"""

import importlib
import multiprocessing
import os
import time
import traceback
from contextlib import suppress
from multiprocessing.connection import wait


class ClientProcesses:
    """``count`` client processes, each serving the jobs sent to it, one at a time."""

    def __init__(self, count: int, *, setup: str, setup_kwargs: dict, environment: dict, start_timeout: float = 120.0):
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        try:
            for _ in range(count):
                mine, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs, setup, setup_kwargs, environment), daemon=True)
                process.start()
                theirs.close()
                self.pipes.append(mine)
                self.processes.append(process)
            self._answers(self.pipes, deadline=time.monotonic() + start_timeout)
        except BaseException:
            self.close()
            raise

    def run(self, jobs: list, *, timeout: float, meter=None) -> tuple[float, list]:
        """Job ``i`` goes to process ``i``. Returns the seconds from "go" to the last answer,
        and the answers in job order. ``meter``, if given, is started just before "go" and
        stopped on the last answer."""
        pipes = self.pipes[: len(jobs)]
        assert len(pipes) == len(jobs), f"{len(jobs)} jobs for {len(self.pipes)} processes"
        deadline = time.monotonic() + timeout
        for pipe, job in zip(pipes, jobs, strict=True):
            pipe.send(("prepare", job))
        self._answers(pipes, deadline=deadline)
        if meter is not None:
            meter.start()
        began = time.perf_counter()
        for pipe in pipes:
            pipe.send(("go", None))
        answers = self._answers(pipes, deadline=deadline)
        elapsed = time.perf_counter() - began
        if meter is not None:
            meter.stop()
        return elapsed, answers

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def close(self) -> None:
        for pipe in self.pipes:
            with suppress(OSError):  # a process that has died already
                pipe.send(("stop", None))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        for pipe in self.pipes:
            pipe.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    def _answers(self, pipes: list, *, deadline: float) -> list:
        answers: dict[int, object] = {}
        waiting = {pipe: index for index, pipe in enumerate(pipes)}
        while waiting:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(waiting)} client process(es) did not answer in time")
            for pipe in wait(list(waiting), timeout=remaining):
                index = waiting.pop(pipe)
                try:
                    status, payload = pipe.recv()
                except EOFError:
                    raise RuntimeError(f"client process {index} died") from None
                if status == "error":
                    raise RuntimeError(f"client process {index} failed:\n{payload}")
                answers[index] = payload
        return [answers[index] for index in range(len(pipes))]


def _serve(pipe, setup: str, setup_kwargs: dict, environment: dict) -> None:
    try:
        import django

        os.environ.update(environment)
        django.setup()
        module, name = setup.split(":")
        client = getattr(importlib.import_module(module), name)(**setup_kwargs)
        pipe.send(("ok", None))
    except BaseException:  # noqa: BLE001 — reported to the parent, which raises it
        pipe.send(("error", traceback.format_exc()))
        return
    try:
        while True:
            command, payload = pipe.recv()
            if command == "stop":
                return
            try:
                answer = client.prepare(payload) if command == "prepare" else client.go()
                pipe.send(("ok", answer))
            except Exception:  # noqa: BLE001 — reported to the parent, which raises it
                pipe.send(("error", traceback.format_exc()))
    except (EOFError, KeyboardInterrupt):
        return
    finally:
        from django.db import connections

        connections.close_all()
