"""The analysis pipeline: recording in, sets, reps, phases, metrics, flags and provenance out.

Stages (each its own module)
----------------------------
1. Timebase: resample onto a uniform grid at the nominal rate, never across gaps
   (:func:`repscope.io.timebase.resample_uniform`); each gap-free stretch is analysed on
   its own.
2. Orientation and gravity (:mod:`.orientation`): vertical acceleration in m/s^2.
3. Velocity and position with drift removed (:mod:`.kinematics`).
4. Strokes (:mod:`.strokes`), then reps and sets (:mod:`.reps`). For wrist placement the
   velocity of long stretches without a still interval is high-passed first
   (:func:`.kinematics.highpass_unanchored`).
5. Metrics per rep and per set (this module, columns in :mod:`.tables`), smoothness
   (:mod:`.smoothness`).
6. Flags and verdicts (:mod:`.flags`).
7. Provenance: package version, algorithms, parameters, sampling rate, device.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy.integrate import cumulative_trapezoid

from repscope import __version__
from repscope.analysis.closure import close_cycles
from repscope.analysis.cycle_reps import (
    RepChoice,
    choose_reps,
    cycle_confidence,
    merged_cycles,
    reps_from_cycles,
    usable_cycle,
)
from repscope.analysis.flags import FLAGS, flag_set, set_verdict, velocity_loss
from repscope.analysis.gap_reps import gap_rep_reason, infer_gap_reps
from repscope.analysis.kinematics import (
    StillnessSettings,
    VerticalKinematics,
    highpass_unanchored,
    lowpass,
    runs,
    vertical_kinematics,
)
from repscope.analysis.orientation import OrientationEstimator, default_estimator
from repscope.analysis.profiles import ExerciseProfile, get_profile
from repscope.analysis.reps import Rep, RepSettings, group_sets, pair_strokes
from repscope.analysis.rotation import arc_speed, vertical_strokes
from repscope.analysis.segmentation import (
    Segmentation,
    SegmentationSettings,
    segment_cycles,
)
from repscope.analysis.smoothness import ldlj, sparc
from repscope.analysis.strokes import (
    Stroke,
    StrokeSettings,
    find_strokes,
    restore_lost_strokes,
    snap_turnarounds,
)
from repscope.analysis.tables import PHASE_COLUMNS, REP_COLUMNS, SET_COLUMNS, empty_reps
from repscope.analysis.vbt_step import with_velocity_based_training
from repscope.errors import InputError
from repscope.recording import PLACEMENTS, STANDARD_GRAVITY_MPS2, Recording
from repscope.tempo import Tempo, parse_tempo

#: Low-pass applied to vertical acceleration before turnaround and jerk metrics (Hz).
METRIC_LOWPASS_HZ = 10.0
#: Half-width of the window around a turnaround searched for its peak acceleration (s).
TURNAROUND_WINDOW_S = 0.2
#: Gaps up to this long (lost BLE packets, a stalled link) are bridged by linear
#: interpolation for the analysis; longer gaps split the recording into separately
#: analysed stretches. The number of bridged gaps is reported in the provenance. Real BLE
#: links stall for up to 0.44 s inside a set (the longest interval in the 25 clean
#: Feather bar sets; shared/notes/real-sensors.md); at 0.25 s such stalls cut a sparse
#: set into stretches too short for a rhythm. A 0.5 s gap hides only frequencies above
#: 1 Hz, above the fundamental of all but the fastest reps.
MAX_BRIDGED_GAP_S = 0.5
#: Wrist placement: velocity in stretches without a still interval longer than
#: ``WRIST_UNANCHORED_S`` is high-passed at this cut-off (see :func:`highpass_unanchored`).
WRIST_HIGHPASS_HZ = 0.1
#: Until version 0.1 only stretches of 8 s or more were high-passed; a short still point
#: mid-set then left its neighbouring stretches to drift (on the real wrist recordings, a
#: 7.8 s stretch between a data gap and the set's end lost 2 reps). Shorter than about one
#: and a half slow reps, the 0.1 Hz high-pass eats into the strokes themselves: at 2 or
#: 4 s, 3 of 144 simulated wrist sets (seeds 0-439) lost a rep; at 6 s none did.
WRIST_UNANCHORED_S = 6.0
#: Confidence levels, lowest first.
CONFIDENCE_LEVELS: tuple[str, ...] = ("low", "medium", "high")
#: Where in the eccentric its arrival speed is read (fraction of its duration).
ARRIVAL_FRACTION = 0.9


@dataclass
class AnalysisConfig:
    """Every tunable of the pipeline, carried into the provenance."""

    stillness: StillnessSettings = field(default_factory=StillnessSettings)
    strokes: StrokeSettings = field(default_factory=StrokeSettings)
    reps: RepSettings = field(default_factory=RepSettings)
    orientation: OrientationEstimator | None = None
    segmentation: SegmentationSettings = field(default_factory=SegmentationSettings)
    close_cycles: bool = True
    restore_lost_strokes: bool = True
    #: Let the rhythm-based finder (:mod:`.segmentation`) replace the stroke finder's reps
    #: where the bar never rests (:func:`.cycle_reps.choose_reps`). Bar placement only: at
    #: the wrist the forearm's rotation adds centripetal and tangential acceleration to
    #: ``|f|``, which is then not the bar's vertical acceleration (on the real wrist sets
    #: it lost a rep in 6 presses; the wrist path high-passes unanchored velocity
    #: instead). The live engine's short windows turn it off: a window holds two or three
    #: reps, too few for a rhythm.
    rhythm_finder: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Parameters as plain data."""
        return {
            "stillness": dataclasses.asdict(self.stillness),
            "strokes": dataclasses.asdict(self.strokes),
            "reps": dataclasses.asdict(self.reps),
            "segmentation": dataclasses.asdict(self.segmentation),
            "close_cycles": self.close_cycles,
            "restore_lost_strokes": self.restore_lost_strokes,
            "rhythm_finder": self.rhythm_finder,
        }


@dataclass
class SessionAnalysis:
    """Result of :func:`analyze_recording`.

    Attributes
    ----------
    reps
        Rep table (columns in :mod:`repscope.analysis.tables`).
    sets
        Set table.
    traces
        Per-sample signals for plots: ``time_s``, ``vertical_acc_mps2``, ``velocity_mps``,
        ``position_m``, ``still``, ``set`` (0 outside sets), ``rep`` (0 outside reps),
        ``phase`` (``eccentric``, ``bottom_pause``, ``concentric``, ``top_pause`` or ``""``).
    provenance
        Version, algorithms, parameters, sampling rate, device, placement, exercise, tempo.
    meta
        The analysed recording's metadata.
    """

    reps: pd.DataFrame
    sets: pd.DataFrame
    traces: pd.DataFrame
    provenance: dict[str, Any]
    meta: dict[str, Any]

    def to_json_dict(self) -> dict[str, Any]:
        """Return sets (each with its reps), summaries and provenance as JSON-ready data."""

        def clean(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, np.generic):
                return clean(value.item())
            return value

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {str(k): clean(v) for k, v in row.items()}
                for row in frame.to_dict(orient="records")
            ]

        sets_out = []
        for set_row in records(self.sets):
            members = self.reps[self.reps["set"] == set_row["set"]]
            rep_rows = records(members)
            for rep in rep_rows:
                rep["flags"] = [f for f in str(rep["flags"]).split(";") if f]
                rep["flag_reasons"] = [r for r in str(rep["flag_reasons"]).split(";") if r]
            set_row["verdict_reasons"] = [
                r for r in str(set_row["verdict_reasons"]).split(";") if r
            ]
            sets_out.append({**set_row, "reps": rep_rows})
        return {"recording": self.meta, "sets": sets_out, "provenance": self.provenance}


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


def _segments(recording: Recording) -> tuple[Recording, list[tuple[int, int]], int]:
    """Uniform grid, gap-free stretches, and how many short gaps were bridged."""
    from repscope.io.timebase import gap_mask, resample_uniform, timebase_report

    rate = recording.meta.sampling_rate_hz
    max_gap_s = max(MAX_BRIDGED_GAP_S, 2.5 / rate)
    uniform = resample_uniform(recording, sampling_rate_hz=rate, max_gap_s=max_gap_s)
    valid = ~gap_mask(uniform)
    gaps = timebase_report(recording).gaps
    bridged = sum(1 for g in gaps if g[1] - g[0] <= max_gap_s)
    return uniform, runs(valid), bridged


@dataclass
class _SegmentResult:
    reps: list[Rep]
    rows: list[dict[str, Any]]
    offset_s: float
    velocity: np.ndarray
    position: np.ndarray
    vertical_acc: np.ndarray
    still: np.ndarray
    algorithm: str
    orientation_parameters: dict[str, Any]
    #: The signal the strokes were found in: the arc speed for rotation strokes (the curl),
    #: else the vertical velocity. The eccentric's arrival speed is read from it.
    stroke_speed: np.ndarray
    #: Noise floor of the stillness thresholds (quietest second, or the caller's if lower).
    noise_floor_mps2: float
    #: The gyroscope's bias, noise and still threshold, measured (None without one).
    gyro: dict[str, Any] | None
    #: The rhythm-based segmentation of the stretch and which finder's reps were used.
    segmentation: Segmentation
    choice: RepChoice
    #: Per rep: confidence ("high", "medium", "low") and its reasons.
    confidence: list[tuple[str, list[str]]]


def _closed_integral(x: np.ndarray, dt: float) -> np.ndarray:
    """Trapezoidal running integral of ``x`` (N, k), ramped back to zero at the end.

    The linear ramp is the zero-velocity (or return-to-attitude) correction over a rep:
    whatever constant bias the signal has, the integral starts and ends at zero.
    """
    out = cumulative_trapezoid(x, dx=dt, axis=0, initial=0.0)
    return out - np.linspace(0.0, 1.0, out.shape[0])[:, None] * out[-1]


def _excursion(acc_h: np.ndarray | None, a: int, b: int, rate: float) -> float:
    """Largest horizontal distance from the start over [a, b), drift-corrected (ZUPT ends)."""
    if acc_h is None or b - a < 3:
        return math.nan
    dt = 1.0 / rate
    vel = _closed_integral(acc_h[a:b], dt)
    pos = cumulative_trapezoid(vel, dx=dt, axis=0, initial=0.0)
    return float(np.max(np.linalg.norm(pos, axis=1)))


def _rotation_deg(gyr_dps: np.ndarray | None, a: int, b: int, rate: float) -> float:
    """Largest rotation away from the rep's starting attitude, in degrees.

    The angular rate is integrated over the rep (small-angle approximation: the rotation
    vector is the running integral of the rate) with a linear correction that brings it
    back to zero at the rep's end, which removes gyroscope bias (a barbell rep ends in
    the attitude it started in).
    """
    if gyr_dps is None or b - a < 3:
        return math.nan
    angle = _closed_integral(gyr_dps[a:b], 1.0 / rate)
    return float(np.max(np.linalg.norm(angle, axis=1)))


def _turn_deg(gyr_dps: np.ndarray, a: int, b: int, rate: float, *, closed: bool) -> float:
    """Rotation over samples ``a:b`` in degrees: closed as :func:`_rotation_deg`, or open."""
    if closed:
        return _rotation_deg(gyr_dps, a, b, rate)
    if b - a < 3:
        return math.nan
    angle = np.cumsum(gyr_dps[a:b], axis=0) / rate
    return float(np.max(np.linalg.norm(angle, axis=1)))


def _analyse_segment(
    recording: Recording,
    a: int,
    b: int,
    *,
    placement: str,
    profile: ExerciseProfile,
    config: AnalysisConfig,
) -> _SegmentResult:
    rate = recording.meta.sampling_rate_hz
    acc_g = recording.acc_g[a:b]
    gyr = recording.gyr_dps
    gyr = None if gyr is None else gyr[a:b]
    estimator = config.orientation or default_estimator(gyr is not None)
    orient = estimator.estimate(acc_g, gyr, sampling_rate_hz=rate)
    stillness = config.stillness
    if profile.rotation_strokes:
        # a curl's heights come through an arc and a lagging attitude: not closed on
        stillness = dataclasses.replace(stillness, closure_margin_m=None)
    kin = vertical_kinematics(
        orient.vertical_acc_mps2,
        orient.acc_world_mps2,
        gyr,
        sampling_rate_hz=rate,
        settings=stillness,
    )
    if placement == "wrist":
        kin = highpass_unanchored(
            kin,
            sampling_rate_hz=rate,
            cutoff_hz=WRIST_HIGHPASS_HZ,
            min_stretch_s=WRIST_UNANCHORED_S,
        )
    acc_lp = lowpass(orient.vertical_acc_mps2, cutoff_hz=METRIC_LOWPASS_HZ, sampling_rate_hz=rate)
    strokes = find_strokes(
        kin.velocity_mps, acc_lp, kin.still, sampling_rate_hz=rate, settings=config.strokes
    )
    if config.close_cycles:
        # Every rep starts at the same height (bar and wrist): close the position between rests
        # (repscope.analysis.closure) and find the strokes again on the corrected velocity.
        first_direction = -1 if profile.first_phase == "eccentric" else 1
        returns = [
            s.start_s * rate
            for s in strokes
            if s.direction == first_direction and abs(s.displacement_m) >= profile.min_rom_m
        ]
        velocity, n_closed = close_cycles(
            kin.velocity_mps, kin.anchors, returns, sampling_rate_hz=rate
        )
        if n_closed:
            kin = dataclasses.replace(
                kin,
                velocity_mps=velocity,
                position_m=cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0),
            )
            strokes = find_strokes(
                kin.velocity_mps, acc_lp, kin.still, sampling_rate_hz=rate, settings=config.strokes
            )
    arc = None
    if profile.rotation_strokes and gyr is not None:
        # the curl: strokes of the forearm's rotation (repscope.analysis.rotation)
        arc = arc_speed(
            gyr, kin.velocity_mps, sampling_rate_hz=rate, arc_radius_m=profile.arc_radius_m
        )
    if arc is not None:
        arc_acc = lowpass(
            np.gradient(arc) * rate, cutoff_hz=METRIC_LOWPASS_HZ, sampling_rate_hz=rate
        )
        strokes = find_strokes(
            arc, arc_acc, kin.still, sampling_rate_hz=rate, settings=config.strokes
        )
    strokes = snap_turnarounds(strokes, kin.still, sampling_rate_hz=rate)
    if arc is None and config.restore_lost_strokes:
        strokes = restore_lost_strokes(
            strokes,
            orient.vertical_acc_mps2,
            sampling_rate_hz=rate,
            min_travel_m=profile.min_rom_m,
            first_direction=-1 if profile.first_phase == "eccentric" else 1,
            rests=kin.anchors,
            min_rest_s=config.stillness.long_rest_s,
            settings=config.strokes,
        )
    n = kin.velocity_mps.size
    edge = round(0.5 * rate)
    open_start = not kin.anchors or kin.anchors[0][0] > edge
    open_end = not kin.anchors or kin.anchors[-1][1] < n - edge
    reps = pair_strokes(
        strokes,
        profile,
        settings=config.reps,
        open_start_s=0.0 if open_start else None,
        open_end_s=(n - 1) / rate if open_end else None,
        rotation_deg=(
            None
            if gyr is None or placement != "wrist"
            else lambda i0, i1, closed: _turn_deg(gyr, i0, i1, rate, closed=closed)
        ),
        max_rotation_deg=profile.max_wrist_rotation_deg,
        cut_stroke=None if arc is not None else partial(_cut_stroke, kin=kin, rate=rate),
        open_edge_rules=placement == "wrist",
    )
    if arc is not None:
        for rep in reps:
            ecc, con = (
                vertical_strokes([s], kin.velocity_mps, kin.position_m)[0] if s else None
                for s in (rep.eccentric, rep.concentric)
            )
            rep.eccentric, rep.concentric = ecc, con
    concentric_first = profile.first_phase == "concentric"
    segmentation = segment_cycles(
        acc_g,
        sampling_rate_hz=rate,
        concentric_first=concentric_first,
        settings=config.segmentation,
    )
    choice = (
        choose_reps(reps, segmentation.cycles, rests=kin.anchors, sampling_rate_hz=rate)
        if config.rhythm_finder and placement == "bar"
        else RepChoice(
            "strokes",
            "medium",
            (
                "wrist: counted from rests and the high-passed velocity"
                if placement == "wrist"
                else "short window: counted from rests only",
            ),
        )
    )
    stroke_speed = kin.velocity_mps if arc is None else arc
    confidence: list[tuple[str, list[str]]]
    proxy = segmentation.vertical_acc_mps2
    built = None
    if choice.finder == "cycles":
        built = reps_from_cycles(
            segmentation.cycles, proxy, sampling_rate_hz=rate, concentric_first=concentric_first
        )
        merged = merged_cycles(built.reps)
        # a merge makes the rhythm undercount: the stroke finder, anchored by a rest
        # somewhere in the stretch, must have found more reps to be preferred
        if merged and kin.anchors and len(reps) > len(built.reps):
            choice = RepChoice("strokes", "medium", (merged,))
    if built is not None and choice.finder == "cycles":
        reps = built.reps
        kin = dataclasses.replace(kin, velocity_mps=built.velocity_mps, position_m=built.position_m)
        acc_lp = lowpass(proxy, cutoff_hz=METRIC_LOWPASS_HZ, sampling_rate_hz=rate)
        stroke_speed = kin.velocity_mps
        periodicity = {id(c): b.periodicity for b in segmentation.bouts for c in b.cycles}
        confidence = [
            cycle_confidence(c, periodicity=periodicity[id(c)], sampling_rate_hz=rate)
            for c in segmentation.cycles
            if usable_cycle(c)
        ]
        confidence = [(lvl, [*choice.reasons, *why]) for lvl, why in confidence]
    else:
        confidence = [(choice.confidence, list(choice.reasons)) for _ in reps]
    # A rest somewhere in the stretch anchors the stroke finder's velocity (zero-velocity
    # update); the cycle finder anchors it at the turnarounds themselves, so the speed at
    # which the bar arrives there is not measured.
    velocity_anchored = choice.finder == "strokes" and bool(kin.anchors)
    acc_h = orient.acc_world_mps2[:, :2] if gyr is not None else None
    gyr_speed = None if gyr is None else np.linalg.norm(gyr, axis=1)
    offset = float(recording.time_s[a])
    rows = []
    for rep, (level, why) in zip(reps, confidence, strict=True):
        con = rep.concentric
        row: dict[str, Any] = {
            "velocity_anchored": velocity_anchored,
            "confidence": level,
            "confidence_reasons": why,
            "rom_m": abs(rep.first.displacement_m),
            "peak_concentric_velocity_mps": math.nan,
            "ldlj": math.nan,
            "sparc": math.nan,
            "horizontal_excursion_m": math.nan,
            "rotation_deg": math.nan,
        }
        if con is not None:
            i0, i1 = con.start_idx, max(con.end_idx, con.start_idx + 1)
            v_con = kin.velocity_mps[i0 : i1 + 1]
            a_con = acc_lp[i0 : i1 + 1]
            speed_for_sparc = (
                gyr_speed[i0 : i1 + 1]
                if placement == "wrist" and gyr_speed is not None
                else np.abs(v_con)
            )
            row["rom_m"] = abs(con.displacement_m)
            row["peak_concentric_velocity_mps"] = float(np.max(v_con)) if v_con.size else math.nan
            row["ldlj"] = ldlj(v_con, sampling_rate_hz=rate, acceleration=a_con)
            row["sparc"] = sparc(speed_for_sparc, sampling_rate_hz=rate)
        if not rep.truncated:
            lo, hi = rep.first.start_idx, rep.last.end_idx + 1
            row["horizontal_excursion_m"] = _excursion(acc_h, lo, hi, rate)
            row["rotation_deg"] = _rotation_deg(gyr, lo, hi, rate)
        rows.append(row)
    return _SegmentResult(
        reps=reps,
        rows=rows,
        offset_s=offset,
        velocity=kin.velocity_mps,
        position=kin.position_m,
        vertical_acc=acc_lp,
        still=kin.still,
        algorithm=orient.algorithm,
        orientation_parameters=orient.parameters,
        stroke_speed=stroke_speed,
        noise_floor_mps2=kin.noise_floor_mps2,
        gyro=None if kin.gyro is None else dataclasses.asdict(kin.gyro),
        segmentation=segmentation,
        choice=choice,
        confidence=confidence,
    )


def _cut_stroke(
    stroke: Stroke, travel_m: float, *, kin: VerticalKinematics, rate: float
) -> Stroke | None:
    """Return the stroke up to where it has travelled ``travel_m`` (None if it never does)."""
    i0, i1 = stroke.start_idx, min(stroke.end_idx, kin.position_m.size - 1)
    travelled = (kin.position_m[i0 : i1 + 1] - kin.position_m[i0]) * stroke.direction
    reached = np.flatnonzero(travelled >= travel_m)
    if not reached.size:
        return None
    j = i0 + int(reached[0])
    return dataclasses.replace(
        stroke,
        end_idx=j,
        end_s=j / rate,
        displacement_m=float(kin.position_m[j] - kin.position_m[i0]),
        peak_speed_mps=float(np.max(np.abs(kin.velocity_mps[i0 : j + 1]))),
    )


#: Fewest accelerometer samples the last tenth of an eccentric (where its arrival speed is
#: read, at :data:`ARRIVAL_FRACTION`) must hold for the bounce rule: the braking into the
#: bottom, or its absence, must be sampled at least twice.
MIN_ARRIVAL_TAIL_SAMPLES = 2


def _arrival_unmeasured(anchored: bool, ecc: Stroke | None, acc_rate_hz: float) -> str:
    """Why the arrival speed of ``ecc`` is not measured ("" when it is).

    ``acc_rate_hz`` is the accelerometer's own rate (a MetaMotion's 12.5 Hz, not the
    25 Hz grid it is interpolated onto).
    """
    if ecc is None:
        return ""
    if not anchored:
        return (
            "bounce not judged: the bar never rested, "
            "so its speed arriving at the bottom is not measured"
        )
    tail = (1.0 - ARRIVAL_FRACTION) * ecc.duration_s
    if tail * acc_rate_hz < MIN_ARRIVAL_TAIL_SAMPLES:
        return (
            f"bounce not judged: at {acc_rate_hz:g} Hz the accelerometer samples the last "
            f"{tail:.2f} s of the negative {tail * acc_rate_hz:.1f} times, "
            f"under {MIN_ARRIVAL_TAIL_SAMPLES}"
        )
    return ""


def _nearest_index(time_s: np.ndarray, t: float) -> int:
    """Index of the grid sample nearest to ``t`` (the grid may restart after a long gap)."""
    i = int(np.searchsorted(time_s, t))
    if i <= 0:
        return 0
    if i >= time_s.size:
        return time_s.size - 1
    return i if time_s[i] - t < t - time_s[i - 1] else i - 1


def _turnaround_acc(acc: np.ndarray, time_s: np.ndarray, ecc: Stroke, con: Stroke) -> float:
    # the samples from the last at or before the window's start to the first at or after
    # its end
    lo = max(
        int(np.searchsorted(time_s, min(ecc.end_s, con.start_s) - TURNAROUND_WINDOW_S, "right"))
        - 1,
        0,
    )
    hi = int(np.searchsorted(time_s, max(ecc.end_s, con.start_s) + TURNAROUND_WINDOW_S, "left")) + 1
    hi = min(hi, acc.size)
    return float(np.max(acc[lo:hi])) if hi > lo else math.nan


def _arrival_ratio(velocity: np.ndarray, time_s: np.ndarray, ecc: Stroke | None) -> float:
    """Eccentric speed at ARRIVAL_FRACTION of its duration over its peak speed.

    A controlled eccentric decelerates to the bottom (about 0.1 at 90% for a
    minimum-jerk profile); a bounce arrives fast and lets the bottom stop it (0.5-0.9).
    ``velocity`` is the signal the strokes were found in: the vertical velocity, or for
    rotation strokes (the curl) the arc speed. A curl's movement is the forearm turning
    about the elbow; near the bottom the hands move mostly sideways, so their vertical
    speed falls towards zero before the rotation stops, bounced or not.
    The speed counted is the speed *in the eccentric's direction* (velocity times the
    stroke's direction, negative values as 0): a stroke whose end reaches past the
    turnaround into the rising bar (a stroke boundary placed late, e.g. at a grind's
    sticking point) must not read the concentric's speed as arrival speed.
    """
    if ecc is None:
        return math.nan
    i0 = _nearest_index(time_s, ecc.start_s)
    i1 = _nearest_index(time_s, ecc.end_s)
    seg = np.clip(
        np.nan_to_num(velocity[max(i0, 0) : max(i1, i0 + 1) + 1]) * ecc.direction, 0.0, None
    )
    if seg.size < 3 or seg.max() <= 0:
        return math.nan
    k = round(ARRIVAL_FRACTION * (seg.size - 1))
    return float(seg[k] / seg.max())


def _set_summary(
    number: int,
    reps: pd.DataFrame,
    exercise: str,
    flags: list[list[str]],
    verdict: tuple[str, list[str]],
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "set": number,
        "start_s": float(reps["start_s"].min()),
        "end_s": float(reps["end_s"].max()),
        "n_reps": len(reps),
        "exercise": exercise,
    }
    means = []
    for col in PHASE_COLUMNS:
        values = reps[col].to_numpy(float)
        values = values[np.isfinite(values)]
        name = col.removesuffix("_s")
        mean = float(values.mean()) if values.size else math.nan
        means.append(mean)
        row[f"mean_{col}"] = mean
        row[f"cv_{name}"] = (
            float(values.std(ddof=1) / mean) if values.size >= 2 and mean > 0.05 else math.nan
        )
    row["tempo_code"] = "-".join("?" if not math.isfinite(m) else f"{m:.1f}" for m in means)
    cvs = [row["cv_eccentric"], row["cv_concentric"]]
    cvs = [c for c in cvs if math.isfinite(c)]
    row["tempo_consistency"] = (
        float(np.clip(100.0 * (1.0 - np.mean(cvs)), 0.0, 100.0)) if cvs else math.nan
    )
    rom = reps["rom_m"].to_numpy(float)
    row["mean_rom_m"] = float(np.nanmean(rom))
    row["cv_rom"] = float(np.nanstd(rom, ddof=1) / np.nanmean(rom)) if rom.size >= 2 else math.nan
    mcv_all = reps["mean_concentric_velocity_mps"].to_numpy(float)
    # velocity loss over full-range reps only: a partial rep is fast because it is short;
    # truncated reps have no concentric measured
    mcv = mcv_all[np.isfinite(mcv_all) & reps["full_range"].to_numpy(bool)]
    best = float(np.max(mcv)) if mcv.size else math.nan
    row["best_mcv_mps"] = best
    row["last_mcv_mps"] = float(mcv[-1]) if mcv.size else math.nan
    row["velocity_loss"] = float(1.0 - mcv[-1] / best) if mcv.size and best > 0 else math.nan
    row["fatigue_slope_mps_per_rep"] = (
        float(np.polyfit(np.arange(1, mcv.size + 1), mcv, 1)[0]) if mcv.size >= 3 else math.nan
    )
    row["n_flagged_reps"] = sum(1 for f in flags if f)
    for flag in FLAGS:
        row[f"n_{flag}"] = sum(1 for f in flags if flag in f)
    row["verdict"] = verdict[0]
    row["verdict_reasons"] = ";".join(verdict[1])
    measured = ~reps["inferred"].astype(bool) if "inferred" in reps else np.ones(len(reps), bool)
    levels = [str(c) for c in reps["confidence"][measured]]
    row["confidence"] = min(levels, key=CONFIDENCE_LEVELS.index) if levels else "low"
    reasons = [r for text in reps["confidence_reasons"] for r in str(text).split(";") if r]
    row["confidence_reasons"] = ";".join(dict.fromkeys(reasons))
    return row


def analyze_recording(
    recording: Recording,
    *,
    placement: str | None = None,
    exercise: str | None = None,
    tempo: str | Tempo | None = None,
    config: AnalysisConfig | None = None,
) -> SessionAnalysis:
    """Analyse a recording: sets, reps, tempo phases, velocity, smoothness, flags.

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
    """
    config = config or AnalysisConfig()
    placement, profile = _resolve(recording, placement, exercise)
    tempo_obj = parse_tempo(tempo) if isinstance(tempo, str) else tempo
    uniform, segments, bridged_gaps = _segments(recording)
    rate = uniform.meta.sampling_rate_hz
    time_s = uniform.time_s
    n = time_s.size
    velocity = np.full(n, np.nan)
    stroke_speed = np.full(n, np.nan)
    position = np.full(n, np.nan)
    vertical_acc = np.full(n, np.nan)
    still = np.zeros(n, dtype=bool)
    all_reps: list[tuple[Rep, dict[str, Any], float, _SegmentResult]] = []
    algorithms: set[str] = set()
    orientation_parameters: dict[str, Any] = {}
    floors: list[float] = []
    stretches: list[dict[str, Any]] = []
    min_samples = int(2 * rate)
    for a, b in segments:
        if b - a < min_samples:
            continue
        seg = _analyse_segment(uniform, a, b, placement=placement, profile=profile, config=config)
        velocity[a:b] = seg.velocity
        stroke_speed[a:b] = seg.stroke_speed
        position[a:b] = seg.position
        vertical_acc[a:b] = seg.vertical_acc
        still[a:b] = seg.still
        algorithms.add(seg.algorithm)
        orientation_parameters = seg.orientation_parameters
        floors.append(seg.noise_floor_mps2)
        stretches.append(
            {
                "start_s": float(time_s[a]),
                "end_s": float(time_s[b - 1]),
                "finder": seg.choice.finder,
                "gyro_calibration": seg.gyro,
                "finder_reasons": list(seg.choice.reasons),
                "acc_noise_density_mps2_per_sqrt_hz": _finite(
                    math.sqrt(seg.segmentation.noise_psd)
                    if seg.segmentation.noise_psd >= 0
                    else math.nan
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
                    for bout in seg.segmentation.bouts
                ],
            }
        )
        for rep, row in zip(seg.reps, seg.rows, strict=True):
            all_reps.append((rep, row, seg.offset_s, seg))

    analysed = [(a, b) for a, b in segments if b - a >= min_samples]
    data_gaps = [
        (float(time_s[b0 - 1]), float(time_s[a1]))
        for (_, b0), (a1, _) in itertools.pairwise(analysed)
    ]
    # Shift strokes onto the recording's time base before grouping into sets.
    shifted: list[Rep] = []
    extras: list[dict[str, Any]] = []
    for rep, row, offset, _seg in all_reps:
        base = _nearest_index(time_s, offset)

        def move(s: Stroke, off: float = offset, base_i: int = base) -> Stroke:
            return dataclasses.replace(
                s,
                start_s=s.start_s + off,
                end_s=s.end_s + off,
                start_idx=s.start_idx + base_i,
                end_idx=s.end_idx + base_i,
            )

        shifted.append(
            Rep(
                eccentric=move(rep.eccentric) if rep.eccentric else None,
                concentric=move(rep.concentric) if rep.concentric else None,
                eccentric_first=rep.eccentric_first,
            )
        )
        extras.append(row)
    sets = group_sets(shifted, settings=config.reps)

    rep_rows: list[dict[str, Any]] = []
    set_rows: list[dict[str, Any]] = []
    set_col = np.zeros(n, dtype=np.int64)
    rep_col = np.zeros(n, dtype=np.int64)
    phase_col = np.full(n, "", dtype=object)
    index = {id(r): k for k, r in enumerate(shifted)}
    eccentric_first = profile.first_phase == "eccentric"
    acc_for_turn = np.nan_to_num(vertical_acc)
    acc_rate = float(recording.meta.extra.get("accelerometer_rate_hz") or rate)
    for members in sets:
        rows = []
        for k, rep in enumerate(members):
            extra = extras[index[id(rep)]]
            arrival = _arrival_ratio(stroke_speed, time_s, rep.eccentric)
            unjudged = _arrival_unmeasured(extra["velocity_anchored"], rep.eccentric, acc_rate)
            if unjudged:
                arrival = math.nan
            turn_pause, turn_acc, turn_arrival = math.nan, math.nan, math.nan
            # the turnaround into this rep's concentric ends which eccentric?
            ecc_before = (
                rep.eccentric if eccentric_first else (members[k - 1].eccentric if k else None)
            )
            pause_before = (
                rep.bottom_pause_s
                if eccentric_first
                else (members[k - 1].bottom_pause_s if k else math.nan)
            )
            if ecc_before is not None and rep.concentric is not None:
                turn_pause = pause_before
                turn_arrival = _arrival_ratio(stroke_speed, time_s, ecc_before)
                why = _arrival_unmeasured(extra["velocity_anchored"], ecc_before, acc_rate)
                if why:
                    turn_arrival = math.nan
                    unjudged = unjudged or why
                turn_acc = _turnaround_acc(acc_for_turn, time_s, ecc_before, rep.concentric)
            con_s = rep.concentric.duration_s if rep.concentric else math.nan
            rows.append(
                {
                    "set": rep.set_number,
                    "rep": k + 1,
                    "start_s": rep.start_s,
                    "end_s": rep.end_s,
                    "eccentric_s": rep.eccentric.duration_s if rep.eccentric else math.nan,
                    "bottom_pause_s": rep.bottom_pause_s,
                    "concentric_s": con_s,
                    "top_pause_s": rep.top_pause_s,
                    "rom_m": extra["rom_m"],
                    "mean_concentric_velocity_mps": extra["rom_m"] / con_s
                    if con_s > 0
                    else math.nan,
                    "peak_concentric_velocity_mps": extra["peak_concentric_velocity_mps"],
                    "time_under_tension_s": rep.end_s - rep.start_s,
                    "peak_turnaround_acc_mps2": turn_acc,
                    "eccentric_arrival_ratio": arrival,
                    "turnaround_arrival_ratio": turn_arrival,
                    "ldlj": extra["ldlj"],
                    "sparc": extra["sparc"],
                    "horizontal_excursion_m": extra["horizontal_excursion_m"],
                    "rotation_deg": extra["rotation_deg"],
                    "turnaround_bottom_pause_s": turn_pause,
                    "eccentric_rom_m": abs(rep.eccentric.displacement_m)
                    if rep.eccentric is not None
                    else math.nan,
                    "confidence": extra["confidence"],
                    "confidence_reasons": ";".join(
                        [*extra["confidence_reasons"], *([unjudged] if unjudged else [])]
                    ),
                }
            )
            for stroke, name in ((rep.eccentric, "eccentric"), (rep.concentric, "concentric")):
                if stroke is not None:
                    phase_col[stroke.start_idx : stroke.end_idx + 1] = name
            lo = rep.first.start_idx
            hi = rep.last.end_idx + 1
            set_col[lo:hi] = rep.set_number
            rep_col[lo:hi] = k + 1
        rows = _with_gap_reps(rows, [r.first.end_s for r in members], data_gaps)
        frame = pd.DataFrame(rows)
        flags, reasons = flag_set(frame, thresholds=profile.thresholds, tempo=tempo_obj)
        # full-range reps: complete (no stroke cut by an edge or a gap) and not partial
        complete = np.isfinite(frame["eccentric_s"].to_numpy(float)) & np.isfinite(
            frame["concentric_s"].to_numpy(float)
        )
        full_range = complete & np.array(["partial_rom" not in f for f in flags])
        frame["velocity_loss"] = velocity_loss(
            frame["mean_concentric_velocity_mps"].to_numpy(float), full_range=full_range
        )
        frame["full_range"] = full_range
        frame["flags"] = [";".join(f) for f in flags]
        frame["flag_reasons"] = [";".join(r) for r in reasons]
        loss = frame["velocity_loss"].to_numpy(float)
        loss = loss[np.isfinite(loss)]
        levels = [str(c) for c in frame["confidence"][~frame["inferred"].astype(bool)]]
        verdict = set_verdict(
            flags,
            thresholds=profile.thresholds,
            velocity_loss=float(loss[-1]) if loss.size else math.nan,  # the set's: last vs best
            confidence=min(levels, key=CONFIDENCE_LEVELS.index),
        )
        set_rows.append(_set_summary(members[0].set_number, frame, profile.name, flags, verdict))
        rep_rows.extend(frame.reindex(columns=list(REP_COLUMNS)).to_dict(orient="records"))
    # pauses between phases inside sets
    for members in sets:
        for rep in members:
            if rep.truncated:
                continue
            first, last = rep.first, rep.last
            inner = "bottom_pause" if rep.eccentric_first else "top_pause"
            phase_col[first.end_idx + 1 : last.start_idx] = inner
        for prev, nxt in itertools.pairwise(members):
            name = "top_pause" if prev.eccentric_first else "bottom_pause"
            phase_col[prev.last.end_idx + 1 : nxt.first.start_idx] = name

    reps_df = pd.DataFrame(rep_rows, columns=list(REP_COLUMNS)) if rep_rows else empty_reps()
    if not reps_df.empty:
        reps_df = reps_df.astype({"set": "int64", "rep": "int64"})
    sets_df = pd.DataFrame(set_rows, columns=list(SET_COLUMNS))
    traces = pd.DataFrame(
        {
            "time_s": time_s,
            "vertical_acc_mps2": vertical_acc,
            "velocity_mps": velocity,
            "position_m": position,
            "still": still,
            "set": set_col,
            "rep": rep_col,
            "phase": phase_col,
        }
    )
    meta = uniform.meta
    provenance = {
        "repscope_version": __version__,
        "algorithms": {
            "orientation": sorted(algorithms) or [default_estimator(uniform.has_gyro).name],
            "velocity": "two-pass ZUPT with linear drift removal",
            "strokes": "velocity sign runs; boundaries from a bell-shaped speed fit",
            "reps": f"stroke pairing ({profile.first_phase} first)",
        },
        "parameters": {
            **config.to_dict(),
            "orientation": orientation_parameters,
            "profile": profile.to_dict(),
            "metric_lowpass_hz": METRIC_LOWPASS_HZ,
            "gravity_mps2": STANDARD_GRAVITY_MPS2,
        },
        "sampling_rate_hz": rate,
        "bridged_gaps": bridged_gaps,
        # the stillness detector's noise floor, measured (lowest over the gap-free stretches)
        "noise_floor_mps2": min(floors) if floors else None,
        "stretches": stretches,
        "max_bridged_gap_s": max(MAX_BRIDGED_GAP_S, 2.5 / rate),
        "source_sampling_rate_hz": recording.meta.sampling_rate_hz,
        "device": meta.device,
        "placement": placement,
        "exercise": profile.name,
        "tempo": tempo_obj.code() if tempo_obj else None,
        "source": meta.source,
    }
    meta_dict = recording.meta.to_dict()
    analysis = SessionAnalysis(
        reps=reps_df, sets=sets_df, traces=traces, provenance=provenance, meta=meta_dict
    )
    return with_velocity_based_training(analysis)  # MPV, loads, power, RIR


def _with_gap_reps(
    rows: list[dict[str, Any]], turns_s: list[float], gaps: list[tuple[float, float]]
) -> list[dict[str, Any]]:
    """Insert the reps the set's rhythm puts inside data gaps (:mod:`.gap_reps`)."""
    for row in rows:
        row.setdefault("inferred", False)
    inferred = infer_gap_reps(turns_s, gaps)
    if not inferred:
        return rows
    out: list[dict[str, Any]] = []
    for k, row in enumerate(rows):
        out.append(row)
        for gap_rep in (g for g in inferred if g.after == k):
            blank: dict[str, Any] = {key: math.nan for key in row}
            blank.update(
                set=row["set"],
                start_s=max(gap_rep.gap_start_s, row["end_s"]),
                end_s=min(gap_rep.gap_end_s, rows[k + 1]["start_s"]),
                confidence="low",
                confidence_reasons=gap_rep_reason(gap_rep),
                inferred=True,
            )
            out.append(blank)
    for number, row in enumerate(out, start=1):
        row["rep"] = number
    return out


def _finite(value: float) -> float | None:
    """``value``, or None if it is not finite (JSON has no NaN)."""
    return float(value) if math.isfinite(value) else None
