"""The velocity-based-training step: MPV, loads, power and RIR added to an analysis' tables.

:func:`with_velocity_based_training` runs on a finished :class:`SessionAnalysis` (the
pipeline calls it last, with the loads of the recording's metadata; ``repscope analyze
--set-loads`` calls it again with the loads given). The maths is in
:mod:`repscope.analysis.vbt`; this module only finds each rep's concentric in the traces
and writes the columns (documented in :mod:`repscope.analysis.tables`).

Loads per set, first found wins:

1. the loads given (``--set-loads``): one for every set, or one per set;
2. the recording's metadata ``extra.set_loads_kg`` (a list in the JSON sidecar), when it
   holds one load per set found;
3. the recording's ``load_kg``, for every set;
4. none: power and the same-day profile are left out.

:func:`same_day_profile` fits the load-velocity line of one session's sets (a warm-up
ramp) with :func:`repscope.analysis.load_velocity.fit_load_velocity`, the rule the
history's trends use across sessions.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from repscope.analysis.filters import runs
from repscope.analysis.load_velocity import (
    NotEnoughLoadsError,
    OneRepMaxEstimate,
    VelocityThreshold,
    fit_load_velocity,
    velocity_threshold,
)
from repscope.analysis.vbt import (
    MIN_RIR_REPS,
    RIR_CONFIDENCE,
    concentric_power,
    loads_per_set,
    propulsive_phase,
    reps_in_reserve,
)
from repscope.errors import InputError

if TYPE_CHECKING:
    from repscope.analysis.results import SessionAnalysis

#: Where the propulsive phase and the power come from, for the provenance.
METHODS: dict[str, str] = {
    "mean_propulsive_velocity": "mean velocity while the bar's acceleration is >= -g, "
    "from the velocity peak's first crossing below -g (Sanchez-Medina et al. 2010, "
    "doi:10.1055/s-0029-1242813)",
    "power": "P = m (a + g) v over the concentric; m the external load only",
    "estimated_rir": "least-squares MCV over rep number, extrapolated to the exercise's MVT "
    f"({100 * RIR_CONFIDENCE:g}% Fieller interval; at least {MIN_RIR_REPS} full-range reps)",
}


def _metadata_loads(meta: dict[str, Any], n_sets: int) -> tuple[tuple[float, ...] | None, str]:
    extra = meta.get("extra") or {}
    listed = extra.get("set_loads_kg") if isinstance(extra, dict) else None
    if isinstance(listed, list) and len(listed) == n_sets and n_sets:
        try:
            return tuple(float(v) for v in listed), "metadata extra.set_loads_kg"
        except (TypeError, ValueError):
            pass
    if meta.get("load_kg") is not None:
        return tuple(float(meta["load_kg"]) for _ in range(n_sets)), "metadata load_kg"
    return None, "unknown"


def _concentric(
    time_s: np.ndarray, concentric: np.ndarray, start_s: float, end_s: float
) -> np.ndarray:
    """Return the indices of the concentric samples in [start_s, end_s] (longest run).

    ``time_s`` and ``concentric`` (the traces' phase is ``"concentric"``) are the traces'
    columns as arrays, made once per analysis: converting the text column for every rep
    cost O(samples) per rep (2.7 s of an hour's 6.6 s).
    """
    lo = int(np.searchsorted(time_s, start_s, "left"))
    hi = int(np.searchsorted(time_s, end_s, "right"))
    spans = runs(concentric[lo:hi])
    if not spans:
        return np.arange(0)
    a, b = max(spans, key=lambda span: span[1] - span[0])
    return np.arange(lo + a, lo + b)


def with_velocity_based_training(
    analysis: SessionAnalysis,
    *,
    set_loads_kg: Sequence[float] | None = None,
    mvt_mps: float | None = None,
) -> SessionAnalysis:
    """Return ``analysis`` with MPV, loads, power and RIR in its rep and set tables.

    Parameters
    ----------
    analysis
        A finished analysis (its traces hold each rep's concentric).
    set_loads_kg
        One load for every set or one per set, in kg; default: from the metadata (see the
        module docs).
    mvt_mps
        Minimum velocity threshold for the RIR; default the exercise's.

    Raises
    ------
    InputError
        When ``set_loads_kg`` holds several loads and not one per set.
    """
    reps = analysis.reps.copy()
    sets = analysis.sets.copy()
    n_sets = len(sets)
    if set_loads_kg is not None:
        loads: tuple[float, ...] | None = loads_per_set(set_loads_kg, n_sets)
        source = "--set-loads"
    else:
        loads, source = _metadata_loads(analysis.meta, n_sets)
    load_by_set = dict(zip(sets["set"].tolist(), loads or (), strict=False))
    rate = float(analysis.provenance["sampling_rate_hz"])
    traces = analysis.traces
    velocity = traces["velocity_mps"].to_numpy(float) if len(traces) else np.zeros(0)
    acc = traces["vertical_acc_mps2"].to_numpy(float) if len(traces) else np.zeros(0)
    time_s = traces["time_s"].to_numpy(float) if len(traces) else np.zeros(0)
    concentric = (
        (traces["phase"] == "concentric").to_numpy(bool) if len(traces) else np.zeros(0, bool)
    )
    mpv, power_mean, power_peak, rep_load = [], [], [], []
    # the columns read for every rep, as lists once (itertuples builds a row per rep)
    for set_number, mcv_value, start_s, end_s in zip(
        reps["set"].tolist(),
        reps["mean_concentric_velocity_mps"].tolist(),
        reps["start_s"].tolist(),
        reps["end_s"].tolist(),
        strict=True,
    ):
        load = load_by_set.get(int(set_number), math.nan)
        rep_load.append(load)
        mcv = float(mcv_value)
        idx = _concentric(time_s, concentric, float(start_s), float(end_s))
        if not math.isfinite(mcv) or len(idx) < 2:
            mpv.append(math.nan)
            power_mean.append(math.nan)
            power_peak.append(math.nan)
            continue
        v, a = velocity[idx], acc[idx]
        phase = propulsive_phase(v, a, sampling_rate_hz=rate)
        mpv.append(phase.mean_propulsive_velocity_mps if phase.braked else mcv)
        mean_w, peak_w = concentric_power(v, a, load_kg=load, sampling_rate_hz=rate)
        power_mean.append(mean_w)
        power_peak.append(peak_w)
    reps["mean_propulsive_velocity_mps"] = np.asarray(mpv, dtype=float)
    reps["load_kg"] = np.asarray(rep_load, dtype=float)
    reps["mean_concentric_power_w"] = np.asarray(power_mean, dtype=float)
    reps["peak_concentric_power_w"] = np.asarray(power_peak, dtype=float)

    exercise = str(analysis.provenance.get("exercise"))
    threshold: VelocityThreshold | None
    try:
        threshold = velocity_threshold(exercise, mvt_mps)
    except InputError:
        if mvt_mps is not None:
            raise
        threshold = None
    set_load, best_mpv, rir, rir_low, rir_high, rir_note = [], [], [], [], [], []
    # the rep table's columns as arrays, once: a set's full-range reps are a mask on them
    # (the same values in the same order as filtering the table for every set)
    rep_set = reps["set"].to_numpy()
    rep_full = np.isfinite(reps["velocity_loss"].to_numpy(float))
    rep_mpv = reps["mean_propulsive_velocity_mps"].to_numpy(float)
    rep_number = reps["rep"].to_numpy(float)
    rep_mcv = reps["mean_concentric_velocity_mps"].to_numpy(float)
    for set_row in sets.itertuples(index=False):
        full = (rep_set == set_row.set) & rep_full
        set_load.append(load_by_set.get(int(set_row.set), math.nan))
        values = rep_mpv[full]
        values = values[np.isfinite(values)]
        best_mpv.append(float(values.max()) if values.size else math.nan)
        estimate = reps_in_reserve(
            rep_number[full],
            rep_mcv[full],
            threshold=threshold,
            set_confidence=str(set_row.confidence),
        )
        rir.append(estimate.rir)
        rir_low.append(estimate.low)
        rir_high.append(estimate.high)
        rir_note.append(estimate.note)
    sets["load_kg"] = np.asarray(set_load, dtype=float)
    sets["best_mpv_mps"] = np.asarray(best_mpv, dtype=float)
    sets["estimated_rir"] = np.asarray(rir, dtype=float)
    sets["estimated_rir_low"] = np.asarray(rir_low, dtype=float)
    sets["estimated_rir_high"] = np.asarray(rir_high, dtype=float)
    sets["estimated_rir_note"] = pd.Series(rir_note, index=sets.index, dtype=object)
    provenance = {
        **analysis.provenance,
        "velocity_based_training": {
            "set_loads_kg": list(loads) if loads is not None else None,
            "load_source": source,
            "mvt_mps": threshold.mvt_mps if threshold else None,
            "mvt_source": threshold.source if threshold else None,
            "methods": METHODS,
        },
    }
    return dataclasses.replace(analysis, reps=reps, sets=sets, provenance=provenance)


@dataclass(frozen=True)
class SameDayProfile:
    """The load-velocity profile of one session's sets, or why there is none.

    Attributes
    ----------
    estimate
        The line and the estimated 1RM (None when refused).
    refusal
        Why there is no estimate (None when there is one).
    points
        The sets used: ``(set, load_kg, best_mcv_mps)``.
    left_out
        Sets with a load and a velocity left out, and why.
    """

    estimate: OneRepMaxEstimate | None
    refusal: str | None
    points: tuple[tuple[int, float, float], ...]
    left_out: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the estimate's numbers, the refusal and the points."""
        out: dict[str, Any] = {
            "refusal": self.refusal,
            "points": [
                {"set": s, "load_kg": load, "best_mcv_mps": v} for s, load, v in self.points
            ],
            "left_out": list(self.left_out),
        }
        if self.estimate is not None:
            e = self.estimate

            def finite(value: float) -> float | None:
                return value if math.isfinite(value) else None

            out.update(
                one_rm_kg=e.one_rm_kg,
                ci_low_kg=finite(e.ci_low_kg),
                ci_high_kg=finite(e.ci_high_kg),
                confidence=e.confidence,
                intercept_mps=e.intercept_mps,
                slope_mps_per_kg=e.slope_mps_per_kg,
                r_squared=e.r_squared,
                residual_sd_mps=finite(e.residual_sd_mps),
                mvt_mps=e.threshold.mvt_mps,
                mvt_source=e.threshold.source,
                mvt_range_kg=list(e.mvt_range_kg) if e.mvt_range_kg else None,
            )
        return out


def same_day_profile(
    sets: pd.DataFrame,
    *,
    exercise: str,
    mvt_mps: float | None = None,
    confidence: float = 0.95,
) -> SameDayProfile:
    """Fit one session's load-velocity line (one point per set) and estimate the 1RM.

    A set's point is its load and its best MCV (``best_mcv_mps``, the rep least affected
    by fatigue, as across sessions). Sets with low confidence are left out. Besides the
    refusals of :func:`fit_load_velocity`, a fit whose interval is unbounded gives no
    estimate.
    """
    points, left_out = [], []
    for row in sets.to_dict(orient="records"):
        load, best = float(row["load_kg"]), float(row["best_mcv_mps"])
        if not (math.isfinite(load) and math.isfinite(best)):
            continue
        if str(row["confidence"]) == "low":
            left_out.append(f"set {row['set']}: low confidence")
            continue
        points.append((int(row["set"]), load, best))
    try:
        threshold = velocity_threshold(exercise, mvt_mps)
    except InputError as exc:
        if mvt_mps is not None:
            raise
        return SameDayProfile(None, f"{exc.problem}. {exc.hint}", tuple(points), tuple(left_out))
    try:
        estimate = fit_load_velocity(
            [p[1] for p in points],
            [p[2] for p in points],
            threshold=threshold,
            confidence=confidence,
            point_name="sets",
        )
    except NotEnoughLoadsError as exc:
        return SameDayProfile(None, exc.problem, tuple(points), tuple(left_out))
    if not estimate.bounded:
        # a number whose interval is unbounded says nothing a lifter can use
        return SameDayProfile(
            None,
            f"velocity falls too little with load against the sets' scatter "
            f"(slope {estimate.slope_mps_per_kg:+.5f} m/s per kg, R^2 "
            f"{estimate.r_squared:.2f}): the 1RM's {100 * confidence:g}% interval is unbounded",
            tuple(points),
            tuple(left_out),
        )
    return SameDayProfile(estimate, None, tuple(points), tuple(left_out))
