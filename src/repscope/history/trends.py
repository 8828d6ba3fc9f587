"""Trends across training sessions: tempo consistency, flagged reps, velocity, estimated 1RM.

Everything here is a pure function of the history's tables (:mod:`repscope.history.store`);
:func:`compute_trends` runs them all for one athlete and exercise, and
:mod:`repscope.report.trends` draws the result.

Per session (:func:`session_summary`)
-------------------------------------
- Tempo: for each phase (eccentric, bottom pause, concentric, top pause), the mean and the
  standard deviation (``ddof=1``) of its duration over every rep of the session, and their
  ratio, the coefficient of variation (CV). A CV is only given for phases whose mean is
  at least :data:`MIN_MEAN_FOR_CV_S` (the CV of a prescribed 0 s pause is noise over
  nothing). The sets' ``tempo_consistency`` (0-100) is averaged.
- Flagged-rep rate: the share of reps with at least one flag, and the count of each flag.
- Session velocity: the mean over its sets of each set's best mean concentric velocity
  (MCV; ``best_mcv_mps``). The fastest rep of a set is the one least affected by
  fatigue, which is why velocity-based training reads a load's velocity from it.

Velocity at a load (:func:`velocity_at_load`)
---------------------------------------------
The session velocity of the sessions lifted at one load (default: the most common load,
:func:`most_common_load`). At a fixed load, a rising velocity means the athlete got
stronger (González-Badillo & Sánchez-Medina 2010: the velocity at a given %1RM is stable,
so velocity at a fixed absolute load tracks the 1RM).

Load-velocity profile and estimated 1RM
---------------------------------------
One point per session (its load and its session velocity), fitted by
:func:`repscope.analysis.load_velocity.fit_load_velocity`, which documents the line, the
refusals, the minimum velocity thresholds and the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from repscope.analysis.load_velocity import LOAD_RESOLUTION_KG as LOAD_RESOLUTION_KG
from repscope.analysis.load_velocity import MIN_DISTINCT_LOADS as MIN_DISTINCT_LOADS
from repscope.analysis.load_velocity import MVT_MPS as MVT_MPS
from repscope.analysis.load_velocity import NotEnoughLoadsError as NotEnoughLoadsError
from repscope.analysis.load_velocity import OneRepMaxEstimate as OneRepMaxEstimate
from repscope.analysis.load_velocity import VelocityThreshold as VelocityThreshold
from repscope.analysis.load_velocity import distinct_loads as distinct_loads
from repscope.analysis.load_velocity import fit_load_velocity as fit_load_velocity
from repscope.analysis.load_velocity import velocity_threshold as velocity_threshold
from repscope.analysis.profiles import FLAGS
from repscope.analysis.tables import PHASE_COLUMNS
from repscope.errors import InputError

#: The four tempo phases, in tempo order.
PHASES: tuple[str, str, str, str] = ("eccentric", "bottom_pause", "concentric", "top_pause")

#: A phase's coefficient of variation is reported only when its mean is at least this (s).
MIN_MEAN_FOR_CV_S = 0.1


def _phase_stats(durations: pd.Series) -> tuple[float, float, float]:
    values = durations.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if values.size > 1 else math.nan
    cv = sd / mean if mean >= MIN_MEAN_FOR_CV_S and math.isfinite(sd) else math.nan
    return mean, sd, cv


#: Columns of :func:`session_summary`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "session_id",
    "date",
    "start_time_utc",
    "load_kg",
    "n_sets",
    "n_reps",
    *(f"{kind}_{p}{unit}" for p in PHASES for kind, unit in (("mean", "_s"), ("sd", "_s"))),
    *(f"cv_{p}" for p in PHASES),
    "tempo_consistency",
    "n_flagged_reps",
    "flagged_rep_rate",
    *(f"n_{flag}" for flag in FLAGS),
    "session_velocity_mps",
)


def session_summary(sessions: pd.DataFrame, sets: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Return one row per session (:data:`SUMMARY_COLUMNS`, see the module docs).

    Parameters
    ----------
    sessions, sets, reps
        Tables from :class:`repscope.history.History` (same filters), in session order.
    """
    rows = []
    reps_by = dict(tuple(reps.groupby("session_id", sort=False))) if len(reps) else {}
    sets_by = dict(tuple(sets.groupby("session_id", sort=False))) if len(sets) else {}
    empty_reps = reps.iloc[0:0]
    empty_sets = sets.iloc[0:0]
    for session in sessions.to_dict(orient="records"):
        sid = session["session_id"]
        its_reps = reps_by.get(sid, empty_reps)
        its_sets = sets_by.get(sid, empty_sets)
        row: dict[str, object] = {
            "session_id": sid,
            "date": session.get("date"),
            "start_time_utc": session.get("start_time_utc"),
            "load_kg": session.get("load_kg"),
            "n_sets": len(its_sets),
            "n_reps": len(its_reps),
        }
        for phase, column in zip(PHASES, PHASE_COLUMNS, strict=True):
            mean, sd, cv = _phase_stats(its_reps[column])
            row[f"mean_{phase}_s"] = mean
            row[f"sd_{phase}_s"] = sd
            row[f"cv_{phase}"] = cv
        consistency = its_sets["tempo_consistency"].to_numpy(dtype=float)
        consistency = consistency[np.isfinite(consistency)]
        row["tempo_consistency"] = float(consistency.mean()) if consistency.size else math.nan
        flag_lists = [
            [f for f in v.split(";") if f] if isinstance(v, str) else [] for v in its_reps["flags"]
        ]
        n_flagged = sum(1 for flags in flag_lists if flags)
        row["n_flagged_reps"] = n_flagged
        row["flagged_rep_rate"] = n_flagged / len(its_reps) if len(its_reps) else math.nan
        for flag in FLAGS:
            row[f"n_{flag}"] = sum(1 for flags in flag_lists if flag in flags)
        best = its_sets["best_mcv_mps"].to_numpy(dtype=float)
        best = best[np.isfinite(best)]
        row["session_velocity_mps"] = float(best.mean()) if best.size else math.nan
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    return frame.astype({"load_kg": float, "n_sets": "int64", "n_reps": "int64"})


def most_common_load(summary: pd.DataFrame) -> float | None:
    """Return the load of most sessions with a velocity (the heaviest on a tie), or None."""
    usable = summary[np.isfinite(summary["session_velocity_mps"].to_numpy(dtype=float))]
    loads = usable["load_kg"].to_numpy(dtype=float)
    loads = np.round(loads[np.isfinite(loads)] / LOAD_RESOLUTION_KG) * LOAD_RESOLUTION_KG
    if loads.size == 0:
        return None
    values, counts = np.unique(loads, return_counts=True)
    best = counts.max()
    return float(values[counts == best].max())


def velocity_at_load(summary: pd.DataFrame, load_kg: float) -> pd.DataFrame:
    """Return the sessions lifted at ``load_kg`` (to :data:`LOAD_RESOLUTION_KG`) with a velocity."""
    loads = summary["load_kg"].to_numpy(dtype=float)
    velocity = summary["session_velocity_mps"].to_numpy(dtype=float)
    keep = (np.abs(loads - load_kg) <= LOAD_RESOLUTION_KG / 2 + 1e-9) & np.isfinite(velocity)
    return summary.loc[
        keep, ["session_id", "date", "start_time_utc", "load_kg", "session_velocity_mps"]
    ]


@dataclass
class TrendResult:
    """Everything :func:`compute_trends` found for one athlete and exercise.

    Attributes
    ----------
    athlete, exercise
        Whose trends (athlete None: not recorded).
    summary
        :func:`session_summary`.
    load_kg
        The load of the velocity-at-load trend (None when no session has one).
    at_load
        :func:`velocity_at_load` at ``load_kg``.
    estimate
        The load-velocity profile and estimated 1RM, or None.
    refusal
        Why there is no estimate (None when there is one).
    """

    athlete: str | None
    exercise: str
    summary: pd.DataFrame
    load_kg: float | None
    at_load: pd.DataFrame
    estimate: OneRepMaxEstimate | None
    refusal: str | None


def compute_trends(
    sessions: pd.DataFrame,
    sets: pd.DataFrame,
    reps: pd.DataFrame,
    *,
    exercise: str,
    athlete: str | None = None,
    load_kg: float | None = None,
    mvt_mps: float | None = None,
    confidence: float = 0.95,
) -> TrendResult:
    """Compute the session summary, the velocity at a load and the estimated 1RM.

    Parameters
    ----------
    sessions, sets, reps
        The history's tables for one athlete and exercise.
    exercise, athlete
        Whose they are (for labels and the default MVT).
    load_kg
        Load of the velocity trend; default :func:`most_common_load`.
    mvt_mps
        Minimum velocity threshold; default the exercise's (:data:`MVT_MPS`).
    confidence
        Level of the 1RM's interval.

    Raises
    ------
    InputError
        When there is no session, or ``mvt_mps`` is not a positive number. Too few
        loads, or an exercise without a default MVT, is not an error:
        :attr:`TrendResult.refusal` says why there is no estimate.
    """
    if sessions.empty:
        who = f" for athlete {athlete!r}" if athlete else ""
        raise InputError(
            f"the history has no {exercise} sessions{who} in this range",
            hint="`repscope history list` shows what it holds.",
        )
    threshold: VelocityThreshold | None = None
    refusal: str | None = None
    try:
        threshold = velocity_threshold(exercise, mvt_mps)
    except InputError as exc:
        if mvt_mps is not None:
            raise
        refusal = f"{exc.problem}. {exc.hint}"
    summary = session_summary(sessions, sets, reps)
    chosen = most_common_load(summary) if load_kg is None else float(load_kg)
    at_load = velocity_at_load(summary, chosen) if chosen is not None else summary.iloc[0:0]
    estimate: OneRepMaxEstimate | None = None
    if threshold is not None:
        try:
            estimate = fit_load_velocity(
                summary["load_kg"].to_numpy(dtype=float),
                summary["session_velocity_mps"].to_numpy(dtype=float),
                threshold=threshold,
                confidence=confidence,
            )
        except NotEnoughLoadsError as exc:
            refusal = exc.problem
    return TrendResult(
        athlete=athlete,
        exercise=exercise,
        summary=summary,
        load_kg=chosen,
        at_load=at_load[
            ["session_id", "date", "start_time_utc", "load_kg", "session_velocity_mps"]
        ],
        estimate=estimate,
        refusal=refusal,
    )
