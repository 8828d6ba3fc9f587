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
