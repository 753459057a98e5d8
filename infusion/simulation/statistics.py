"""Means with 95 % confidence intervals over replications (Student's t), without SciPy."""

from __future__ import annotations

import math
from statistics import NormalDist

# Two-sided 95 % quantiles of Student's t by degrees of freedom (1–30); beyond, the normal's.
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t95(degrees: int) -> float:
    if degrees < 1:
        return math.nan
    if degrees <= len(_T95):
        return _T95[degrees - 1]
    # Between 30 and infinity: the normal quantile with the first Cornish–Fisher term.
    z = NormalDist().inv_cdf(0.975)
    return z + (z**3 + z) / (4 * degrees)


def interval(values: list[float]) -> dict:
    """Mean, 95 % interval (``low``, ``high``; the mean itself when one value), and n."""
    n = len(values)
    if n == 0:
        return {"mean": None, "low": None, "high": None, "n": 0}
    mean = sum(values) / n
    if n == 1:
        return {"mean": mean, "low": mean, "high": mean, "n": 1}
    variance = sum((value - mean) ** 2 for value in values) / (n - 1)
    half = t95(n - 1) * math.sqrt(variance / n)
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": n}
