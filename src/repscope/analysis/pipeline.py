"""The analysis pipeline: recording in, sets, reps, phases, metrics, flags and provenance out.

Stages (each its own module, each with typed results)
-----------------------------------------------------
1. Timebase (:mod:`.stretches`): a uniform grid at the nominal rate, never across gaps;
   each gap-free stretch is analysed on its own.
2. Finding the reps (:mod:`.find_reps`): orientation and gravity, velocity with drift
   removed, strokes and the rhythm finder, one rule to choose between them
   (:func:`.find_reps.find_reps` -> :class:`.find_reps.FoundReps`).
3. Per-rep kinematics (:mod:`.rep_kinematics`): travel, speed, smoothness, excursion and
   rotation of each rep's own samples (:class:`.rep_kinematics.RepKinematics`).
4. Metrics (:mod:`.metrics`): reps grouped into sets (:func:`.reps.group_sets`), tempo
   phases, velocity and turnaround measures per rep (:class:`.metrics.RepMetrics`), reps
   inferred in data gaps, the set summary (:class:`.metrics.SetSummary`).
5. Flags and verdicts (:mod:`.flags`) -> :class:`.results.SetResult` per set.

Tables (:mod:`.tables`), per-sample traces and the provenance (package version,
algorithms, parameters, measured noise and calibration, sampling rate, device) are made
at the end: the output boundary.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from repscope import __version__
from repscope.analysis.find_reps import METRIC_LOWPASS_HZ, AnalysisConfig, FoundReps, find_reps
from repscope.analysis.flags import (
    full_range_mask,
    judge_reps,
    set_verdict,
    velocity_loss,
)
from repscope.analysis.metrics import (
    MeasuredRep,
    RepMetrics,
    insert_gap_reps,
    lowest_confidence,
    set_rep_metrics,
    summarize_set,
)
from repscope.analysis.orientation import OrientationStart, default_estimator
from repscope.analysis.profiles import ExerciseProfile, get_profile
from repscope.analysis.rep_kinematics import anchored_velocity_sd_mps, measure_rep, nearest_index
from repscope.analysis.reps import Rep, group_sets
from repscope.analysis.resolution import unmeasured_reasons, with_unmeasured
from repscope.analysis.results import RepResult, SessionAnalysis, SetResult
from repscope.analysis.set_end import find_racks
from repscope.analysis.stretches import Timebase, split_stretches
from repscope.analysis.strokes import Stroke
from repscope.analysis.swing import horizontal_speed_mps, swing_unmeasured
from repscope.analysis.tables import coded_text, rep_table, set_table
from repscope.analysis.vbt_step import with_velocity_based_training
from repscope.errors import InputError
from repscope.recording import PLACEMENTS, STANDARD_GRAVITY_MPS2, Recording
from repscope.tempo import Tempo, parse_tempo

__all__ = ["AnalysisConfig", "SessionAnalysis", "Stages", "analyze_recording", "run_stages"]


def _resolve(
    recording: Recording, placement: str | None, exercise: str | None
) -> tuple[str, ExerciseProfile]:
    placement = placement or recording.meta.placement
    if placement is None:
        raise InputError(
            "the sensor placement is unknown",
            where="--placement",
            hint="Pass --placement bar or --placement wrist.",
        )
    if placement not in PLACEMENTS:
        raise InputError(f"placement must be bar or wrist, got {placement!r}", where="--placement")
    return placement, get_profile(exercise or recording.meta.exercise)


def _shift(rep: Rep, offset_s: float, base_idx: int) -> Rep:
    """``rep`` moved from its stretch's time base onto the recording's grid."""

    def move(s: Stroke) -> Stroke:
        return dataclasses.replace(
            s,
            start_s=s.start_s + offset_s,
            end_s=s.end_s + offset_s,
            start_idx=s.start_idx + base_idx,
            end_idx=s.end_idx + base_idx,
        )

    return Rep(
        eccentric=move(rep.eccentric) if rep.eccentric else None,
        concentric=move(rep.concentric) if rep.concentric else None,
        eccentric_first=rep.eccentric_first,
    )


def _measure(
    found: FoundReps, *, placement: str, time_s: np.ndarray, rate: float
) -> list[MeasuredRep]:
    """Stage 3 for one stretch's reps, each moved onto the recording's grid."""
    sig = found.signals
    base = nearest_index(time_s, found.offset_s)
    out = []
    unjudged = swing_unmeasured(sig.horizontal_acc_mps2, rate)
    for rep, (level, reasons) in zip(found.reps, found.confidence, strict=True):
        if unjudged:
            reasons = (*reasons, unjudged)
        kinematics = measure_rep(
            rep,
            velocity_mps=sig.velocity_mps,
            vertical_acc_mps2=sig.vertical_acc_mps2,
            horizontal_acc_mps2=sig.horizontal_acc_mps2,
            gyr_dps=sig.gyr_dps,
            sampling_rate_hz=rate,
            speed_from_gyro=placement == "wrist",
        )
        out.append(
            MeasuredRep(
                rep=_shift(rep, found.offset_s, base),
                kinematics=kinematics,
                confidence=level,
                confidence_reasons=reasons,
                velocity_anchored=found.velocity_anchored,
                horizontal_speed_mps=(
                    math.nan
                    if rep.truncated or rep.concentric is None
                    else horizontal_speed_mps(
                        sig.horizontal_acc_mps2,
                        rep.concentric.start_idx,
                        rep.concentric.end_idx + 1,
                        rate,
                    )
                ),
                # the wrist's velocity is high-passed, not closed at rests
                arrival_velocity_sd_mps=anchored_velocity_sd_mps(
                    rep.eccentric.end_s * rate if rep.eccentric else math.nan,
                    found.rests if found.velocity_anchored and placement == "bar" else (),
                    walk_m2ps3=found.velocity_walk_m2ps3,
                    sampling_rate_hz=rate,
                ),
            )
        )
    return out


def _judge_set(
    reps: list[RepMetrics], *, profile: ExerciseProfile, tempo: Tempo | None
) -> SetResult:
    """Stage 5 for one set: flags, velocity loss over full-range reps, verdict, summary."""
    t = profile.thresholds
    unmeasured = unmeasured_reasons(reps, thresholds=t)  # once: the rule reads the whole set
    reps = with_unmeasured(reps, thresholds=t, unmeasured=unmeasured)
    flags, reasons, withheld = judge_reps(reps, thresholds=t, tempo=tempo, unmeasured=unmeasured)
    # a flag the data cannot resolve is not raised, and the rep says why
    reps = [
        replace(r, confidence_reasons=(*r.confidence_reasons, *why)) if why else r
        for r, why in zip(reps, withheld, strict=True)
    ]
    # full-range reps: complete (no stroke cut by an edge or a gap) and not partial
    full_range = full_range_mask(reps, flags, unmeasured=unmeasured, withheld=withheld)
    loss = velocity_loss(
        np.array([r.mean_concentric_velocity_mps for r in reps], dtype=float),
        full_range=full_range,
    )
    known = loss[np.isfinite(loss)]
    verdict = set_verdict(
        flags,
        thresholds=profile.thresholds,
        velocity_loss=float(known[-1]) if known.size else math.nan,  # the set's: last vs best
        confidence=lowest_confidence([r.confidence for r in reps if not r.inferred]),
    )
    summary = summarize_set(
        reps, exercise=profile.name, flags=flags, full_range=full_range, verdict=verdict
    )
    return SetResult(
        summary=summary,
        reps=tuple(
            RepResult(r, tuple(f), tuple(why), float(v), bool(full))
            for r, f, why, v, full in zip(reps, flags, reasons, loss, full_range, strict=True)
        ),
    )


def _on_grid(found: list[FoundReps], n: int, name: str, *, fill: Any = np.nan) -> np.ndarray:
    """Put the stretches' signal ``name`` on the whole grid of ``n`` samples.

    ``name`` is a :class:`.find_reps.StretchSignals` field; ``fill`` outside the stretches.
    """
    out = np.full(n, fill)
    for f in found:
        out[f.stretch.start_idx : f.stretch.end_idx] = getattr(f.signals, name)
    return out


#: The traces' phase labels ("" outside the reps).
PHASE_NAMES = ("", "eccentric", "concentric", "bottom_pause", "top_pause")


def _traces(
    timebase: Timebase,
    found: list[FoundReps],
    sets: list[list[MeasuredRep]],
    vertical_acc_mps2: np.ndarray,
) -> pd.DataFrame:
    """Per-sample signals for plots, with set, rep and phase labels."""
    time_s = timebase.grid.time_s
    n = time_s.size
    set_col = np.zeros(n, dtype=np.int64)
    rep_col = np.zeros(n, dtype=np.int64)
    # the phase as codes into PHASE_NAMES, made text once (tables.coded_text)
    phase_col = np.zeros(n, dtype=np.int8)
    code = {name: k for k, name in enumerate(PHASE_NAMES)}
    for members in sets:
        for k, measured in enumerate(members):
            rep = measured.rep
            for stroke, name in ((rep.eccentric, "eccentric"), (rep.concentric, "concentric")):
                if stroke is not None:
                    phase_col[stroke.start_idx : stroke.end_idx + 1] = code[name]
            set_col[rep.first.start_idx : rep.last.end_idx + 1] = rep.set_number
            rep_col[rep.first.start_idx : rep.last.end_idx + 1] = k + 1
    # pauses between phases inside sets
    for members in sets:
        for measured in members:
            rep = measured.rep
            if rep.truncated:
                continue
            inner = "bottom_pause" if rep.eccentric_first else "top_pause"
            phase_col[rep.first.end_idx + 1 : rep.last.start_idx] = code[inner]
        for prev, nxt in itertools.pairwise(members):
            name = "top_pause" if prev.rep.eccentric_first else "bottom_pause"
            phase_col[prev.rep.last.end_idx + 1 : nxt.rep.first.start_idx] = code[name]
    return pd.DataFrame(
        {
            "time_s": time_s,
            "vertical_acc_mps2": vertical_acc_mps2,
            "velocity_mps": _on_grid(found, n, "velocity_mps"),
            "position_m": _on_grid(found, n, "position_m"),
            "still": _on_grid(found, n, "still", fill=False),
            "set": set_col,
            "rep": rep_col,
            "phase": coded_text(phase_col, PHASE_NAMES),
        }
    )


def _stretch_provenance(found: FoundReps, time_s: np.ndarray) -> dict[str, Any]:
    """Describe what the finder saw in one stretch: its choice, noise, calibration and rhythm."""
    a, b = found.stretch.start_idx, found.stretch.end_idx
    noise_psd = found.segmentation.noise_psd
    return {
        "start_s": float(time_s[a]),
        "end_s": float(time_s[b - 1]),
        "finder": found.choice.finder,
        "gyro_calibration": found.gyro,
        "finder_reasons": list(found.choice.reasons),
        "acc_noise_density_mps2_per_sqrt_hz": _finite(
            math.sqrt(noise_psd) if noise_psd >= 0 else math.nan
        ),
        "bouts": [
            {
                "start_s": float(time_s[a + bout.start_idx]),
                "end_s": float(time_s[a + bout.end_idx - 1]),
                "rep_period_s": _finite(bout.period_s),
                "periodicity": _finite(bout.periodicity),
                "cycles": len(bout.cycles),
                "rejected": bout.rejected,
            }
            for bout in found.segmentation.bouts
        ],
    }


@dataclass(frozen=True)
class Stages:
    """What stages 1-5 give, before the output boundary (tables, traces, provenance).

    Attributes
    ----------
    timebase
        Stage 1: the uniform grid and its gap-free stretches.
    found
        Stage 2, one per stretch.
    sets
        Stage 3, the measured reps grouped into sets.
    results
        Stages 4-5, one per set, in the order of ``sets``.
    vertical_acc_mps2
        The stretches' low-passed vertical acceleration on the whole grid (NaN between).
    racks
        Where the bar rested at the sensor's floor (s), the set split's racks.
    """

    timebase: Timebase
    found: list[FoundReps]
    sets: list[list[MeasuredRep]]
    results: list[SetResult]
    vertical_acc_mps2: np.ndarray
    racks: list[tuple[float, float]]


def run_stages(
    recording: Recording,
    *,
    placement: str,
    profile: ExerciseProfile,
    tempo: Tempo | None,
    config: AnalysisConfig,
    known_noise_floor_mps2: float | None = None,
    ends_at_rest: bool = False,
    initial_orientation: OrientationStart | None = None,
    starts_at_rest: bool = False,
) -> Stages:
    """Run stages 1-5 of the module docs on ``recording`` (no tables, traces or VBT).

    :func:`analyze_recording` adds the output boundary; the live engine calls this
    directly on its windows. The arguments are those of :func:`analyze_recording`,
    resolved (a known placement, a profile, a parsed tempo, a configuration).
    """
    timebase = split_stretches(recording, starts_at_rest=starts_at_rest)  # stage 1
    grid = timebase.grid
    time_s = grid.time_s
    found = [  # stage 2
        find_reps(
            grid,
            stretch,
            placement=placement,
            profile=profile,
            config=config,
            known_noise_floor_mps2=known_noise_floor_mps2,
            ends_at_rest=ends_at_rest,
            # facts of the recording's first sample: for the stretch that starts there
            initial_orientation=initial_orientation if stretch.start_idx == 0 else None,
            starts_at_rest=starts_at_rest and stretch.start_idx == 0,
        )
        for stretch in timebase.stretches
    ]
    rate = float(grid.meta.sampling_rate_hz)
    measured = [  # stage 3
        m for f in found for m in _measure(f, placement=placement, time_s=time_s, rate=rate)
    ]
    by_rep = {id(m.rep): m for m in measured}
    racks = find_racks(time_s, grid.acc_g, sampling_rate_hz=rate, settings=config.reps.set_end)
    sets = [
        [by_rep[id(rep)] for rep in members]
        for members in group_sets([m.rep for m in measured], settings=config.reps, racks=racks)
    ]
    stroke_speed = _on_grid(found, time_s.size, "stroke_speed")
    vertical_acc = _on_grid(found, time_s.size, "vertical_acc_mps2")
    acc_rate = float(recording.meta.extra.get("accelerometer_rate_hz") or rate)
    data_gaps = timebase.data_gaps()
    results = []
    for members in sets:
        metrics = set_rep_metrics(  # stage 4
            members,
            time_s=time_s,
            stroke_speed=stroke_speed,
            vertical_acc_mps2=vertical_acc,
            eccentric_first=profile.first_phase == "eccentric",
            acc_rate_hz=acc_rate,
            bounce_min_arrival_ratio=profile.thresholds.bounce_min_arrival_ratio,
        )
        metrics = insert_gap_reps(metrics, [m.rep.first.end_s for m in members], data_gaps)
        results.append(_judge_set(metrics, profile=profile, tempo=tempo))  # stage 5
    return Stages(
        timebase=timebase,
        found=found,
        sets=sets,
        results=results,
        vertical_acc_mps2=vertical_acc,
        racks=[(float(a), float(b)) for a, b in racks],
    )


def analyze_recording(
    recording: Recording,
    *,
    placement: str | None = None,
    exercise: str | None = None,
    tempo: str | Tempo | None = None,
    config: AnalysisConfig | None = None,
    known_noise_floor_mps2: float | None = None,
    ends_at_rest: bool = False,
    initial_orientation: OrientationStart | None = None,
    starts_at_rest: bool = False,
) -> SessionAnalysis:
    """Analyse a recording: sets, reps, tempo phases, velocity, smoothness, flags.

    Runs the stages of the module docs in order.

    Parameters
    ----------
    recording
        Any recording (readers return validated ones); gaps are handled.
    placement
        ``"bar"`` or ``"wrist"``; defaults to the recording's metadata, error if unknown.
    exercise
        Exercise name (see :data:`repscope.analysis.profiles.PROFILES`); defaults to the
        metadata.
    tempo
        Prescribed tempo (``"3-1-1-0"``, ``"31X0"``), enables ``tempo_off`` and makes
        ``rushed_negative`` relative to it.
    config
        Pipeline parameters; the documented defaults when None.
    known_noise_floor_mps2
        A noise floor the caller has measured elsewhere (a live window in a set without
        a rest); the stillness thresholds use it when it is lower than the recording's.
    ends_at_rest
        The caller knows the sensor is at zero velocity on the first and last samples (a
        live window at a turnaround); see
        :func:`~repscope.analysis.anchors.validate_anchors`.
    initial_orientation
        The sensor's orientation at the first sample, known to the caller (a live window
        that starts where an earlier window's estimate stands); the orientation filter
        continues from it (:mod:`repscope.analysis.orientation`) instead of converging on
        the first seconds of data. Written into the provenance when given.
    starts_at_rest
        The caller knows the sensor is at zero velocity on the first sample (a live
        window that starts at the end of a reported rep): a stroke starting there is not
        cut by the recording's start, and the first still interval is bridged to it.
    """
    config = config or AnalysisConfig()
    placement, profile = _resolve(recording, placement, exercise)
    tempo_obj = parse_tempo(tempo) if isinstance(tempo, str) else tempo
    staged = run_stages(
        recording,
        placement=placement,
        profile=profile,
        tempo=tempo_obj,
        config=config,
        known_noise_floor_mps2=known_noise_floor_mps2,
        ends_at_rest=ends_at_rest,
        initial_orientation=initial_orientation,
        starts_at_rest=starts_at_rest,
    )
    timebase, found, sets, results = staged.timebase, staged.found, staged.sets, staged.results
    grid = timebase.grid
    time_s = grid.time_s
    vertical_acc = staged.vertical_acc_mps2
    floors = [f.noise_floor_mps2 for f in found]
    provenance = {
        "repscope_version": __version__,
        "algorithms": {
            "orientation": sorted({f.orientation_algorithm for f in found})
            or [default_estimator(grid.has_gyro).name],
            "velocity": "two-pass ZUPT with linear drift removal",
            "strokes": "velocity sign runs; boundaries from a bell-shaped speed fit",
            "reps": f"stroke pairing ({profile.first_phase} first)",
            "sets": "split at a rack (analysis.set_end) or a gap over set_gap_s",
        },
        "parameters": {
            **config.to_dict(),
            "orientation": found[-1].orientation_parameters if found else {},
            "profile": profile.to_dict(),
            "metric_lowpass_hz": METRIC_LOWPASS_HZ,
            "gravity_mps2": STANDARD_GRAVITY_MPS2,
        },
        "sampling_rate_hz": grid.meta.sampling_rate_hz,
        "bridged_gaps": timebase.bridged_gaps,
        # the stillness detector's noise floor, measured (lowest over the gap-free stretches)
        "noise_floor_mps2": min(floors) if floors else None,
        # where the bar rested at the sensor's floor (the set split's racks), seconds
        "racked_spans_s": [[a, b] for a, b in staged.racks],
        "stretches": [_stretch_provenance(f, time_s) for f in found],
        "max_bridged_gap_s": timebase.max_bridged_gap_s,
        "source_sampling_rate_hz": recording.meta.sampling_rate_hz,
        "device": grid.meta.device,
        "placement": placement,
        "exercise": profile.name,
        "tempo": tempo_obj.code() if tempo_obj else None,
        "source": grid.meta.source,
    }
    # facts of the call, only when given (an analysis without them is unchanged)
    if initial_orientation is not None:
        provenance["initial_orientation"] = {
            "quat_wxyz": list(initial_orientation.quat_wxyz),
            "gyr_bias_dps": list(initial_orientation.gyr_bias_dps),
        }
    if starts_at_rest:
        provenance["starts_at_rest"] = True
    analysis = SessionAnalysis(
        reps=rep_table(results),
        sets=set_table(results),
        traces=_traces(timebase, found, sets, vertical_acc),
        provenance=provenance,
        meta=recording.meta.to_dict(),
        results=tuple(results),
    )
    return with_velocity_based_training(analysis)  # MPV, loads, power, RIR


def _finite(value: float) -> float | None:
    """``value``, or None if it is not finite (JSON has no NaN)."""
    return float(value) if math.isfinite(value) else None
