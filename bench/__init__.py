"""Benchmarks, run by ``python -m bench`` (``make bench``) against a throwaway database.

Each module ``bench/bench_<name>.py`` defines ``run() -> list[dict]``; every dict is one row of
the printed table (``benchmark``, ``case``, ``figure``, ``unit``, and optionally ``ratio`` and
``note``). A booking benchmark is added by dropping in ``bench/bench_booking.py``.
"""
