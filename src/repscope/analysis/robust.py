"""Robust set statistics shared by the stages (numpy only)."""

from __future__ import annotations

import math

import numpy as np


def upper_half_median(values: np.ndarray) -> float:
    """Median of the upper half (at least three) of ``values``: a set's typical size.

    A set's typical range or excursion: the median of its larger half is not pulled
    down by partial reps, set-up moves or the band filter's small ringing, and not up by
    one odd rep. NaN for an empty input.
    """
    top = np.sort(np.asarray(values, dtype=float))[-max(3, np.size(values) // 2) :]
    return float(np.median(top)) if top.size else math.nan


def robust_sd(values: np.ndarray) -> float:
    """Return a robust SD: 1.4826 x the median absolute deviation of ``values``.

    A few outliers do not move it, and it equals the SD for normally distributed data
    (Rousseeuw & Croux 1993, doi:10.1080/01621459.1993.10476408). The caller drops unknown
    values first.
    """
    return float(1.4826 * np.median(np.abs(values - np.median(values))))
