"""Stage 4 of the analysis: the metrics of each rep of a set, and the set's summary.

Per rep (:class:`RepMetrics`): the four tempo phases from the strokes' times, range of
motion, mean concentric velocity (``rom_m / concentric_s``), time under tension, the
turnaround measures that the bounce rule reads, smoothness, and the confidence with its
reasons. A rep the set's rhythm puts inside a data gap is inserted unmeasured
(:func:`insert_gap_reps`, :mod:`.gap_reps`).

Per set (:class:`SetSummary`): mean phases, their coefficients of variation (CV, lower is
steadier) and ``tempo_consistency`` (a 0-100 score, higher is steadier:
``100 * (1 - mean CV of the eccentric and concentric)``, clipped), range of motion,
best and last MCV over full-range reps, velocity loss (last against best, :mod:`.flags`),
the fatigue slope, flag counts, the verdict and the lowest confidence of its measured reps.

Column names and units are documented in :mod:`.tables`, which turns these results into
tables at the output boundary.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from repscope.analysis.gap_reps import gap_rep_reason, infer_gap_reps
from repscope.analysis.grind import sticking_ratio
from repscope.analysis.profiles import FLAGS
from repscope.analysis.rep_kinematics import (
    RepKinematics,
    arrival_ratio,
    arrival_unmeasured,
    turnaround_acc,
)
from repscope.analysis.reps import Rep
from repscope.analysis.strokes import Stroke
from repscope.tempo import format_phases

#: Confidence levels, lowest first.
CONFIDENCE_LEVELS: tuple[str, ...] = ("low", "medium", "high")
#: The four tempo phases, in the order of a tempo code.
PHASES: tuple[str, str, str, str] = ("eccentric", "bottom_pause", "concentric", "top_pause")


def lowest_confidence(levels: Sequence[str]) -> str:
    """Return the lowest of ``levels`` (``"low"`` when there are none)."""
    return min(levels, key=CONFIDENCE_LEVELS.index) if levels else "low"


@dataclass(frozen=True)
class MeasuredRep:
    """A rep on the recording's grid, what its own samples measure, and how sure that is."""

    rep: Rep
    kinematics: RepKinematics
    confidence: str
    confidence_reasons: tuple[str, ...]
    velocity_anchored: bool
    #: Largest horizontal speed over the complete rep (:mod:`.swing`), NaN otherwise.
    horizontal_speed_mps: float = math.nan
    #: Error (1 SD) of the anchored velocity at the eccentric's end: how far that lies from
    #: a rest (:func:`.rep_kinematics.anchored_velocity_sd_mps`); 0 when not known.
    arrival_velocity_sd_mps: float = 0.0


@dataclass(frozen=True)
class RepMetrics:
    """Every measure of one rep (NaN where unknown). Units are in the names.

    ``turnaround_bottom_pause_s`` and ``turnaround_arrival_ratio`` describe the turnaround
    into this rep's concentric, which for concentric-first lifts ends the previous rep's
    eccentric. ``inferred`` marks a rep placed in a data gap by the set's rhythm.
    """

    set_number: int
    rep_number: int
    start_s: float
    end_s: float
    eccentric_s: float
    bottom_pause_s: float
    concentric_s: float
    top_pause_s: float
    rom_m: float
    eccentric_rom_m: float
    mean_concentric_velocity_mps: float
    peak_concentric_velocity_mps: float
    time_under_tension_s: float
    peak_turnaround_acc_mps2: float
    eccentric_arrival_ratio: float
    turnaround_arrival_ratio: float
    turnaround_bottom_pause_s: float
    ldlj: float
    sparc: float
    horizontal_excursion_m: float
    rotation_deg: float
    confidence: str
    confidence_reasons: tuple[str, ...]
    inferred: bool = False
    #: Largest horizontal speed over the complete rep (:mod:`.swing`); not a table column.
    horizontal_speed_mps: float = math.nan
    #: The concentric's deepest speed dip between two peaks (:func:`.grind.sticking_ratio`);
    #: not a table column.
    sticking_ratio: float = math.nan

    def __post_init__(self) -> None:
        # the output boundary joins reasons with ";" (tables.py): one inside a reason
        # would split it into two, so it becomes a comma here
        clean = tuple(r.replace(";", ",") for r in self.confidence_reasons)
        object.__setattr__(self, "confidence_reasons", clean)

    @property
    def complete(self) -> bool:
        """Both strokes measured (none cut by an edge or a gap)."""
        return math.isfinite(self.eccentric_s) and math.isfinite(self.concentric_s)

    def phase_s(self, phase: str) -> float:
        """Duration of ``phase`` (one of :data:`PHASES`)."""
        return float(getattr(self, f"{phase}_s"))

    @classmethod
    def measures(cls) -> list[str]:
        """Return the measured fields: all but the set and rep numbers, confidence, inferred."""
        labels = {"set_number", "rep_number", "confidence", "confidence_reasons", "inferred"}
        return [f for f in cls.__dataclass_fields__ if f not in labels]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> RepMetrics:
        """Read a rep-table row back (columns of :mod:`.tables`; missing measures NaN)."""
        reasons = row.get("confidence_reasons", "")
        numbers = {f: float(row.get(f, math.nan)) for f in cls.measures()}
        return cls(
            set_number=int(row.get("set", 0)),
            rep_number=int(row.get("rep", 0)),
            confidence=str(row.get("confidence", "medium")),
            confidence_reasons=tuple(r for r in str(reasons or "").split(";") if r),
            inferred=bool(row.get("inferred", False)),
            **numbers,
        )


def set_rep_metrics(
    members: Sequence[MeasuredRep],
    *,
    time_s: np.ndarray,
    stroke_speed: np.ndarray,
    vertical_acc_mps2: np.ndarray,
    eccentric_first: bool,
    acc_rate_hz: float,
    bounce_min_arrival_ratio: float = math.nan,
) -> list[RepMetrics]:
    """Metrics of one set's reps, in order, on the recording's grid.

    ``stroke_speed`` is the signal the strokes were found in (arrival ratios),
    ``vertical_acc_mps2`` the low-passed vertical acceleration (NaN outside stretches),
    ``acc_rate_hz`` the accelerometer's own rate (whether the arrival is sampled).
    """
    out = []
    # each eccentric's arrival ratio, by stroke: read again at the turnaround it ends (the
    # same rep's when eccentric-first, the previous rep's otherwise)
    arrivals: dict[int, float] = {}

    def arrival_of(ecc: Stroke | None) -> float:
        if ecc is None:
            return arrival_ratio(stroke_speed, time_s, ecc)
        if id(ecc) not in arrivals:
            arrivals[id(ecc)] = arrival_ratio(stroke_speed, time_s, ecc)
        return arrivals[id(ecc)]

    for k, measured in enumerate(members):
        rep, kin = measured.rep, measured.kinematics
        anchored = measured.velocity_anchored
        arrival = arrival_of(rep.eccentric)
        unjudged = arrival_unmeasured(
            anchored,
            rep.eccentric,
            acc_rate_hz,
            velocity_sd_mps=measured.arrival_velocity_sd_mps,
            bounce_min_arrival_ratio=bounce_min_arrival_ratio,
        )
        if unjudged:
            arrival = math.nan
        turn_pause, turn_acc, turn_arrival = math.nan, math.nan, math.nan
        # the turnaround into this rep's concentric ends which eccentric?
        before_m = measured if eccentric_first else (members[k - 1] if k else None)
        before = before_m.rep if before_m is not None else None
        ecc_before = before.eccentric if before is not None else None
        if ecc_before is not None and rep.concentric is not None:
            assert before is not None
            turn_pause = before.bottom_pause_s
            turn_arrival = arrival_of(ecc_before)
            assert before_m is not None
            why = arrival_unmeasured(
                anchored,
                ecc_before,
                acc_rate_hz,
                velocity_sd_mps=before_m.arrival_velocity_sd_mps,
                bounce_min_arrival_ratio=bounce_min_arrival_ratio,
            )
            if why:
                turn_arrival = math.nan
                unjudged = unjudged or why
            turn_acc = turnaround_acc(vertical_acc_mps2, time_s, ecc_before, rep.concentric)
        con_s = rep.concentric.duration_s if rep.concentric else math.nan
        out.append(
            RepMetrics(
                set_number=rep.set_number,
                rep_number=k + 1,
                start_s=rep.start_s,
                end_s=rep.end_s,
                eccentric_s=rep.eccentric.duration_s if rep.eccentric else math.nan,
                bottom_pause_s=rep.bottom_pause_s,
                concentric_s=con_s,
                top_pause_s=rep.top_pause_s,
                rom_m=kin.rom_m,
                eccentric_rom_m=kin.eccentric_rom_m,
                mean_concentric_velocity_mps=kin.rom_m / con_s if con_s > 0 else math.nan,
                peak_concentric_velocity_mps=kin.peak_concentric_velocity_mps,
                time_under_tension_s=rep.end_s - rep.start_s,
                peak_turnaround_acc_mps2=turn_acc,
                eccentric_arrival_ratio=arrival,
                turnaround_arrival_ratio=turn_arrival,
                turnaround_bottom_pause_s=turn_pause,
                ldlj=kin.ldlj,
                sparc=kin.sparc,
                horizontal_excursion_m=kin.horizontal_excursion_m,
                rotation_deg=kin.rotation_deg,
                horizontal_speed_mps=measured.horizontal_speed_mps,
                sticking_ratio=sticking_ratio(stroke_speed, time_s, rep.concentric),
                confidence=measured.confidence,
                confidence_reasons=(
                    *measured.confidence_reasons,
                    *((unjudged,) if unjudged else ()),
                ),
            )
        )
    return out


def insert_gap_reps(
    reps: Sequence[RepMetrics], turns_s: Sequence[float], gaps: Sequence[tuple[float, float]]
) -> list[RepMetrics]:
    """Insert the reps the set's rhythm puts inside data gaps (:mod:`.gap_reps`).

    ``turns_s`` is the end of each rep's first stroke. Inserted reps are unmeasured (NaN),
    ``low`` confidence, ``inferred``; the set's reps are numbered again from 1.
    """
    inferred = infer_gap_reps(list(turns_s), list(gaps))
    if not inferred:
        return list(reps)
    out: list[RepMetrics] = []
    for k, rep in enumerate(reps):
        out.append(rep)
        for gap_rep in (g for g in inferred if g.after == k):
            unmeasured = dict.fromkeys(RepMetrics.measures(), math.nan)
            unmeasured.update(
                start_s=max(gap_rep.gap_start_s, rep.end_s),
                end_s=min(gap_rep.gap_end_s, reps[k + 1].start_s),
            )
            out.append(
                RepMetrics(
                    set_number=rep.set_number,
                    rep_number=0,
                    confidence="low",
                    confidence_reasons=(gap_rep_reason(gap_rep),),
                    inferred=True,
                    **unmeasured,
                )
            )
    return [replace(rep, rep_number=k) for k, rep in enumerate(out, start=1)]


@dataclass(frozen=True)
class SetSummary:
    """One set's summary (the set table's row; see the module docs)."""

    set_number: int
    start_s: float
    end_s: float
    n_reps: int
    exercise: str
    mean_phase_s: tuple[float, float, float, float]
    cv_phase: tuple[float, float, float, float]
    tempo_code: str
    tempo_consistency: float
    mean_rom_m: float
    cv_rom: float
    best_mcv_mps: float
    last_mcv_mps: float
    velocity_loss: float
    fatigue_slope_mps_per_rep: float
    n_flagged_reps: int
    flag_counts: tuple[tuple[str, int], ...]
    verdict: str
    verdict_reasons: tuple[str, ...]
    confidence: str
    confidence_reasons: tuple[str, ...]


def summarize_set(
    reps: Sequence[RepMetrics],
    *,
    exercise: str,
    flags: Sequence[Sequence[str]],
    full_range: np.ndarray,
    verdict: tuple[str, Sequence[str]],
) -> SetSummary:
    """Summarise one set's reps (see the module docs)."""
    means, cvs = [], []
    for phase in PHASES:
        values = np.array([r.phase_s(phase) for r in reps], dtype=float)
        values = values[np.isfinite(values)]
        mean = float(values.mean()) if values.size else math.nan
        means.append(mean)
        cvs.append(
            float(values.std(ddof=1) / mean) if values.size >= 2 and mean > 0.05 else math.nan
        )
    steadiness = [c for c in (cvs[0], cvs[2]) if math.isfinite(c)]
    rom = np.array([r.rom_m for r in reps], dtype=float)
    mcv_all = np.array([r.mean_concentric_velocity_mps for r in reps], dtype=float)
    # velocity loss over full-range reps only: a partial rep is fast because it is short;
    # truncated reps have no concentric measured
    mcv = mcv_all[np.isfinite(mcv_all) & np.asarray(full_range, dtype=bool)]
    best = float(np.max(mcv)) if mcv.size else math.nan
    reasons = [reason for r in reps for reason in r.confidence_reasons if reason]
    return SetSummary(
        set_number=reps[0].set_number,
        start_s=float(min(r.start_s for r in reps)),
        end_s=float(max(r.end_s for r in reps)),
        n_reps=len(reps),
        exercise=exercise,
        mean_phase_s=(means[0], means[1], means[2], means[3]),
        cv_phase=(cvs[0], cvs[1], cvs[2], cvs[3]),
        tempo_code=format_phases(means),
        tempo_consistency=(
            float(np.clip(100.0 * (1.0 - np.mean(steadiness)), 0.0, 100.0))
            if steadiness
            else math.nan
        ),
        mean_rom_m=float(np.nanmean(rom)),
        cv_rom=float(np.nanstd(rom, ddof=1) / np.nanmean(rom)) if rom.size >= 2 else math.nan,
        best_mcv_mps=best,
        last_mcv_mps=float(mcv[-1]) if mcv.size else math.nan,
        velocity_loss=float(1.0 - mcv[-1] / best) if mcv.size and best > 0 else math.nan,
        fatigue_slope_mps_per_rep=(
            float(np.polyfit(np.arange(1, mcv.size + 1), mcv, 1)[0]) if mcv.size >= 3 else math.nan
        ),
        n_flagged_reps=sum(1 for f in flags if f),
        flag_counts=tuple((flag, sum(1 for f in flags if flag in f)) for flag in FLAGS),
        verdict=verdict[0],
        verdict_reasons=tuple(verdict[1]),
        confidence=lowest_confidence([r.confidence for r in reps if not r.inferred]),
        confidence_reasons=tuple(dict.fromkeys(reasons)),
    )
