"""Proportions with Wilson score intervals, such as the overturn rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

# The standard normal quantile for a two-sided 95 % interval.
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Rate:
    """`successes` out of `total`, with its Wilson 95 % interval; None values when total is 0."""

    successes: int
    total: int
    value: float | None
    lower: float | None
    upper: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "count": self.successes,
            "total": self.total,
            "rate": self.value,
            "lower": self.lower,
            "upper": self.upper,
        }


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """Return the Wilson score interval of successes/total.

    Unlike the normal approximation it stays inside [0, 1] and is sensible for 0 or total
    successes, which are common for small groups such as one reviewer's first day.
    """
    if total <= 0:
        raise ValueError("a Wilson interval needs at least one trial")
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    lower = max(0.0, centre - half_width)
    upper = min(1.0, centre + half_width)
    # The exact interval ends at 0 for no successes and at 1 for all; rounding would leave
    # the observed rate just outside it.
    if successes == 0:
        lower = 0.0
    if successes == total:
        upper = 1.0
    return lower, upper


def rate(successes: int, total: int) -> Rate:
    if total <= 0:
        return Rate(successes=0, total=0, value=None, lower=None, upper=None)
    lower, upper = wilson_interval(successes, total)
    return Rate(successes=successes, total=total, value=successes / total, lower=lower, upper=upper)
