"""The lifter's own baseline: working sets compared with a warm-up or reference set.

Warm-up sets are practice at a light load: the lifter moves the way they mean to move.
A working set that drifts from it (a shorter lowering, a shallower range, a jerkier rise,
a bar that wanders) shows what the heavier load or the fatigue changed. The comparison is
with the lifter's own set, not with a population norm.

Which set is the reference (:func:`reference_set_of`): the one named
(``repscope analyze --reference-set N``), else the lightest set when the sets have loads
and the lightest is lighter than the others, else the first set. With one set there is
nothing to compare. The baseline may also come from another recording of the same lifter
and exercise (``--reference-recording FILE``, :func:`compare_with_recording`): a warm-up
recorded on its own, or the lifter's normal sets against a set done differently.

What counts as a drift (:func:`compare_with_reference`), per working set against the
reference, on the set means of measured reps:

- ``eccentric_s`` and ``concentric_s``: off by more than :data:`TEMPO_DRIFT_FRACTION` of
  the reference and by at least :data:`TEMPO_DRIFT_MIN_S` (a slower concentric under a
  heavier load is expected: it is reported, as what the load did, not as a fault);
- ``rom_m``: off by more than :data:`ROM_DRIFT_FRACTION` (partial reps, or a deeper
  range);
- ``ldlj`` (log dimensionless jerk of the concentric, higher is smoother): lower by more
  than :data:`LDLJ_DRIFT` (half the ``jerky`` flag's 2.0 within a set);
- ``horizontal_excursion_m`` (the bar path): larger by more than
  :data:`PATH_DRIFT_M` and by half the reference.

The thresholds are working values chosen here, not published cut-offs (none exists for a
lifter's drift from their own warm-up); the tempo and range thresholds sit above the
flags' own within-set tolerances (``tempo_off`` 25%, ``partial_rom`` 25%) for tempo and
below them for range. Every drift is given with both numbers, so a coach can judge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repscope.errors import InputError

#: A phase drifts when it differs from the reference's by more than this fraction ...
TEMPO_DRIFT_FRACTION = 0.25
#: ... and by at least this many seconds.
TEMPO_DRIFT_MIN_S = 0.3
#: Range of motion drifts when it differs by more than this fraction.
ROM_DRIFT_FRACTION = 0.10
#: Smoothness drifts when the LDLJ falls by more than this.
LDLJ_DRIFT = 1.0
#: The bar path drifts when the horizontal excursion grows by more than this (m) ...
PATH_DRIFT_M = 0.03
#: ... and by more than this fraction of the reference's.
PATH_DRIFT_FRACTION = 0.5


@dataclass(frozen=True)
class Drift:
    """One measure of one working set that differs from the reference set.

    Attributes
    ----------
    set
        The working set.
    measure
        ``eccentric_s``, ``concentric_s``, ``rom_m``, ``ldlj`` or
        ``horizontal_excursion_m``.
    value, reference
        The working set's mean and the reference set's.
    text
        In words, e.g. ``"lowering 1.2 s against 2.9 s"``.
    """

    set: int
    measure: str
    value: float
    reference: float
    text: str


def reference_set_of(sets: pd.DataFrame, chosen: int | None = None) -> tuple[int | None, str]:
    """Return the reference set's number and why it was chosen (None with fewer than 2 sets).

    Raises
    ------
    InputError
        When ``chosen`` is not a set of the analysis.
    """
    numbers = [int(n) for n in sets["set"]]
    if chosen is not None:
        if chosen not in numbers:
            raise InputError(
                f"there is no set {chosen}: the analysis found {len(numbers)} set(s)",
                where="--reference-set",
            )
        return chosen, "named with --reference-set"
    if len(numbers) < 2:
        return None, "one set: nothing to compare"
    loads = sets["load_kg"].to_numpy(float) if "load_kg" in sets else np.full(len(sets), np.nan)
    if np.isfinite(loads).all():
        lightest = float(loads.min())
        if np.count_nonzero(loads == lightest) == 1:
            return numbers[int(np.argmin(loads))], "the lightest set"
    return numbers[0], "the first set"


def _mean(reps: pd.DataFrame, column: str) -> float:
    values = reps[column].to_numpy(float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


_WORDS = {"eccentric_s": "lowering", "concentric_s": "lifting"}


def compare_with_reference(reps: pd.DataFrame, *, reference: int) -> list[Drift]:
    """Return how each other set drifts from ``reference`` (see the module docs).

    Parameters
    ----------
    reps
        The rep table (columns of :mod:`repscope.analysis.tables`).
    reference
        The reference set's number.
    """
    base = reps[reps["set"] == reference]
    drifts: list[Drift] = []
    for number in sorted(int(n) for n in set(reps["set"]) if int(n) != reference):
        work = reps[reps["set"] == number]
        for column, word in _WORDS.items():
            value, ref = _mean(work, column), _mean(base, column)
            if not (math.isfinite(value) and math.isfinite(ref)) or ref <= 0:
                continue
            if abs(value - ref) > max(TEMPO_DRIFT_FRACTION * ref, TEMPO_DRIFT_MIN_S):
                drifts.append(
                    Drift(number, column, value, ref, f"{word} {value:.1f} s against {ref:.1f} s")
                )
        value, ref = _mean(work, "rom_m"), _mean(base, "rom_m")
        if math.isfinite(value) and math.isfinite(ref) and ref > 0:
            change = value / ref - 1.0
            if abs(change) > ROM_DRIFT_FRACTION:
                drifts.append(
                    Drift(
                        number,
                        "rom_m",
                        value,
                        ref,
                        f"range {value:.2f} m against {ref:.2f} m ({100 * change:+.0f}%)",
                    )
                )
        value, ref = _mean(work, "ldlj"), _mean(base, "ldlj")
        if math.isfinite(value) and math.isfinite(ref) and value < ref - LDLJ_DRIFT:
            drifts.append(
                Drift(
                    number,
                    "ldlj",
                    value,
                    ref,
                    f"jerkier rise: smoothness (LDLJ) {value:.1f} against {ref:.1f}",
                )
            )
        value, ref = (
            _mean(work, "horizontal_excursion_m"),
            _mean(base, "horizontal_excursion_m"),
        )
        if (
            math.isfinite(value)
            and math.isfinite(ref)
            and value - ref > max(PATH_DRIFT_M, PATH_DRIFT_FRACTION * ref)
        ):
            drifts.append(
                Drift(
                    number,
                    "horizontal_excursion_m",
                    value,
                    ref,
                    f"bar wanders {100 * value:.0f} cm sideways against {100 * ref:.0f} cm",
                )
            )
    return drifts


#: The set number the reference recording's set takes in a combined table.
OTHER_RECORDING_SET = 0


def compare_with_recording(
    reps: pd.DataFrame,
    reference_reps: pd.DataFrame,
    reference_sets: pd.DataFrame,
    *,
    reference_set: int | None = None,
) -> tuple[int, str, list[Drift]]:
    """Compare every set of ``reps`` with one set of another recording's rep table.

    The reference set is chosen among ``reference_sets`` (that recording's set table) by
    :func:`reference_set_of`'s rule; a recording of one set gives that set. Returns its
    number there, why, and the drifts of the sets of ``reps``.

    Raises
    ------
    InputError
        When the reference recording has no reps, or no set ``reference_set``.
    """
    if not len(reference_reps):
        raise InputError(
            "the reference recording has no reps to compare with",
            where="--reference-recording",
        )
    chosen: int | None
    chosen, why = reference_set_of(reference_sets, reference_set)
    if chosen is None:  # one set: nothing to compare within it, so it is the baseline
        chosen, why = int(reference_sets["set"].iloc[0]), "its only set"
    base = reference_reps[reference_reps["set"] == chosen].assign(set=OTHER_RECORDING_SET)
    combined = pd.concat([base, reps], ignore_index=True)
    return chosen, why, compare_with_reference(combined, reference=OTHER_RECORDING_SET)
