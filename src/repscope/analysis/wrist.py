"""Wrist placement: rep period from periodicity, then peak picking on the best axis.

Placeholder module being written; see :func:`reconcile`.
"""

from __future__ import annotations

import numpy as np

from repscope.analysis.profiles import ExerciseProfile
from repscope.analysis.reps import Rep
from repscope.analysis.strokes import Stroke


def reconcile(
    reps: list[Rep],
    strokes: list[Stroke],
    acc_world_mps2: np.ndarray,
    profile: ExerciseProfile,
    *,
    sampling_rate_hz: float,
) -> list[Rep]:
    """Return the stroke-based reps (periodicity cross-check comes next)."""
    return reps
