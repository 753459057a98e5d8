"""Common random numbers: every random aspect draws from its own stream, seeded from the run's
seed, the replication, the stream's name and (for what belongs to one request) the request's
number. Two policies run on the same seed and replication therefore see the same arrivals,
types, treatments, and for the k-th appointment of a request the same cancellation, no-show,
bad blood and service minutes, whatever each policy did with the days in between."""

from __future__ import annotations

import hashlib
import random

ARRIVALS = "arrivals"
TYPES = "types"
TREATMENTS = "treatments"
FATE = "fate"  # cancellation or no-show, and the day a cancellation is known
BLOOD = "blood"
SERVICE = "service"


def stream(seed: int, replication: int, name: str, index: int = 0) -> random.Random:
    """A generator of its own for (seed, replication, name, index): the same in every process
    (a hash of the words, not Python's salted ``hash``)."""
    key = f"{seed}:{replication}:{name}:{index}".encode()
    return random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big"))
