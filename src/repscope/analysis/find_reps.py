"""Stage 2 of the analysis: find the reps of one gap-free stretch.

Steps
-----
1. Orientation and gravity (:mod:`.orientation`): the vertical acceleration in m/s^2.
2. Velocity and position with drift removed between rests (:mod:`.kinematics`); at the
   wrist the velocity of long stretches without a rest is high-passed
   (:func:`.kinematics.highpass_unanchored`, :data:`WRIST_HIGHPASS_HZ`).
3. Strokes (:mod:`.strokes`): runs of one velocity sign with bell-shaped boundaries,
   re-found after every rep is closed on the same height (:mod:`.closure`); for the curl,
   strokes of the forearm's arc speed (:mod:`.rotation`). Strokes are paired into reps
   (:func:`.reps.pair_strokes`).
4. The rhythm finder (:mod:`.segmentation`) finds one cycle per rep without rests,
   gyroscope or mounting convention.
5. One rule picks the finder (:func:`.cycle_reps.choose_reps`); the picked reps come
   with their confidence and its reasons, and the signals they were found in.

Everything here is in the stretch's own sample indices and seconds from its start.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from repscope.analysis.closure import close_cycles
from repscope.analysis.cycle_reps import (
    RepChoice,
    choose_reps,
    cycle_confidence,
    merged_cycles,
    reps_from_cycles,
    split_cycles,
    stroke_travels,
    strokes_explain_cycles,
    usable_cycle,
)
from repscope.analysis.filters import cumulative_trapezoid, lowpass
from repscope.analysis.kinematics import (
    VerticalKinematics,
    highpass_unanchored,
    vertical_kinematics,
)
from repscope.analysis.orientation import (
    OrientationEstimator,
    OrientationResult,
    OrientationStart,
    default_estimator,
)
from repscope.analysis.profiles import ExerciseProfile
from repscope.analysis.rep_kinematics import turn_deg, velocity_walk_m2ps3
from repscope.analysis.reps import Rep, RepSettings, pair_strokes
from repscope.analysis.rotation import arc_speed, vertical_strokes
from repscope.analysis.segmentation import Segmentation, SegmentationSettings, segment_cycles
from repscope.analysis.stillness import StillnessSettings
from repscope.analysis.stretches import Stretch
from repscope.analysis.stroke_repair import restore_lost_strokes, snap_turnarounds
from repscope.analysis.strokes import Stroke, StrokeSettings, find_strokes
from repscope.recording import Recording

#: Low-pass applied to vertical acceleration before turnaround and jerk metrics (Hz).
METRIC_LOWPASS_HZ = 10.0
#: Wrist placement: velocity in stretches without a still interval longer than
#: ``WRIST_UNANCHORED_S`` is high-passed at this cut-off (see :func:`highpass_unanchored`).
WRIST_HIGHPASS_HZ = 0.1
#: Until version 0.1 only stretches of 8 s or more were high-passed; a short still point
#: mid-set then left its neighbouring stretches to drift (on the real wrist recordings, a
#: 7.8 s stretch between a data gap and the set's end lost 2 reps). Shorter than about one
#: and a half slow reps, the 0.1 Hz high-pass eats into the strokes themselves: at 2 or
#: 4 s, 3 of 144 simulated wrist sets (seeds 0-439) lost a rep; at 6 s none did.
WRIST_UNANCHORED_S = 6.0


@dataclass
class AnalysisConfig:
    """Every tunable of the pipeline, carried into the provenance."""

    stillness: StillnessSettings = dataclasses.field(default_factory=StillnessSettings)
    strokes: StrokeSettings = dataclasses.field(default_factory=StrokeSettings)
    reps: RepSettings = dataclasses.field(default_factory=RepSettings)
    orientation: OrientationEstimator | None = None
    segmentation: SegmentationSettings = dataclasses.field(default_factory=SegmentationSettings)
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


@dataclass(frozen=True)
class StretchSignals:
    """The per-sample signals of one stretch that the reps were found in.

    Attributes
    ----------
    velocity_mps, position_m
        Vertical velocity and position (drift-corrected, or the rhythm finder's).
    vertical_acc_mps2
        Vertical acceleration, low-passed at :data:`METRIC_LOWPASS_HZ`.
    still
        The stillness detector's mask.
    stroke_speed
        The signal the strokes were found in: the arc speed for rotation strokes (the
        curl), else the vertical velocity. The eccentric's arrival speed is read from it.
    horizontal_acc_mps2
        World-frame horizontal acceleration (N, 2), None without a gyroscope.
    gyr_dps
        The stretch's angular rate (N, 3), None without a gyroscope.
    """

    velocity_mps: np.ndarray
    position_m: np.ndarray
    vertical_acc_mps2: np.ndarray
    still: np.ndarray
    stroke_speed: np.ndarray
    horizontal_acc_mps2: np.ndarray | None
    gyr_dps: np.ndarray | None
    #: The orientation estimate at each sample (None: the estimator keeps none), from
    #: which a later call can continue (:meth:`.orientation.OrientationResult.start_at`).
    orientation: OrientationResult | None = None


@dataclass(frozen=True)
class FoundReps:
    """The reps of one stretch, how they were found, and how sure that is.

    ``reps`` and ``confidence`` run in parallel; each confidence is a level
    (``"high"``, ``"medium"``, ``"low"``) with its reasons. ``velocity_anchored`` says
    whether a rest anchors the velocity (zero-velocity update): the rhythm finder anchors
    it at the turnarounds themselves, so the speed of arrival there is not measured.
    """

    stretch: Stretch
    offset_s: float
    reps: tuple[Rep, ...]
    confidence: tuple[tuple[str, tuple[str, ...]], ...]
    velocity_anchored: bool
    signals: StretchSignals
    segmentation: Segmentation
    choice: RepChoice
    orientation_algorithm: str
    orientation_parameters: dict[str, Any]
    #: Noise floor of the stillness thresholds (quietest second, or the caller's if lower).
    noise_floor_mps2: float
    #: The gyroscope's bias, noise and still threshold, measured (None without one).
    gyro: dict[str, Any] | None
    #: The rests that anchor the velocity (sample ranges of the stretch) and the measured
    #: random walk of the velocity between them (:func:`.rep_kinematics.velocity_walk_m2ps3`).
    rests: tuple[tuple[int, int], ...] = ()
    velocity_walk_m2ps3: float = math.nan


def cut_stroke(
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


def _stroke_reps(
    kin: VerticalKinematics,
    acc_vertical: np.ndarray,
    gyr: np.ndarray | None,
    *,
    rate: float,
    placement: str,
    profile: ExerciseProfile,
    config: AnalysisConfig,
    starts_at_rest: bool = False,
) -> tuple[list[Rep], VerticalKinematics, np.ndarray, np.ndarray | None]:
    """Find the reps by strokes (steps 2-3).

    Returns the reps, the (closed) kinematics, the metric acceleration and the arc speed
    (None unless rotation strokes). ``starts_at_rest``: the first sample is a known zero
    velocity, so a stroke starting there is not cut by the recording's start.
    """
    acc_lp = lowpass(acc_vertical, cutoff_hz=METRIC_LOWPASS_HZ, sampling_rate_hz=rate)
    strokes = find_strokes(
        kin.velocity_mps, acc_lp, kin.still, sampling_rate_hz=rate, settings=config.strokes
    )
    first_direction = -1 if profile.first_phase == "eccentric" else 1
    if config.close_cycles:
        # Every rep starts at the same height (bar and wrist): close the position between rests
        # (repscope.analysis.closure) and find the strokes again on the corrected velocity.
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
            acc_vertical,
            sampling_rate_hz=rate,
            min_travel_m=profile.min_rom_m,
            first_direction=first_direction,
            rests=kin.anchors,
            min_rest_s=config.stillness.long_rest_s,
            settings=config.strokes,
        )
    n = kin.velocity_mps.size
    edge = round(0.5 * rate)
    open_start = not starts_at_rest and (not kin.anchors or kin.anchors[0][0] > edge)
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
            else lambda i0, i1, closed: turn_deg(gyr, i0, i1, rate, closed=closed)
        ),
        max_rotation_deg=profile.max_wrist_rotation_deg,
        cut_stroke=None if arc is not None else partial(cut_stroke, kin=kin, rate=rate),
        open_edge_rules=placement == "wrist",
    )
    if arc is not None:
        for rep in reps:
            ecc, con = (
                vertical_strokes([s], kin.velocity_mps, kin.position_m)[0] if s else None
                for s in (rep.eccentric, rep.concentric)
            )
            rep.eccentric, rep.concentric = ecc, con
    return reps, kin, acc_lp, arc


#: Multiples of the autocorrelation period tried when the reps at the period are split.
PERIOD_MULTIPLES: tuple[float, ...] = (2.0, 3.0)


def _rhythm(
    acc_g: np.ndarray,
    *,
    rate: float,
    concentric_first: bool,
    settings: SegmentationSettings,
    enabled: bool,
    max_travel_ratio: float,
) -> tuple[Segmentation, str, bool]:
    """Step 4: the rhythm finder's cycles, at a multiple of the period if they are split.

    The autocorrelation can peak at a fraction of the rep's period (the harmonics of a
    curl or a press correlate about as well as the rep). That splits reps, whose two
    strokes then travel unequal heights (:func:`.cycle_reps.split_cycles`); the first of
    :data:`PERIOD_MULTIPLES` within the period range whose reps are not split is used, and
    the reason says so. Returns the segmentation, that reason ("" when the reps were not
    split) and whether split reps stayed unmended (they keep ``low`` confidence).

    The opposite error, a multiple of the period, merges reps; it is not retried here:
    the travel of a merged cycle, integrated with zero velocity at its ends, is too
    irregular on real-like sets to tell it from an odd rep (half the period was tried on
    dev seeds 200000-200039 and mended none), and a rest, where there is one, lets the
    stroke finder's count win (:func:`.cycle_reps.merged_cycles`).
    """
    segmentation = segment_cycles(
        acc_g, sampling_rate_hz=rate, concentric_first=concentric_first, settings=settings
    )
    if not enabled:
        return segmentation, "", False

    def split_reps(seg: Segmentation) -> tuple[int, str]:
        travels = stroke_travels(seg.cycles, seg.vertical_acc_mps2, sampling_rate_hz=rate)
        n_reps = sum(1 for c in seg.cycles if usable_cycle(c))
        return n_reps, split_cycles(travels, max_travel_ratio=max_travel_ratio)

    _, split = split_reps(segmentation)
    if not split:
        return segmentation, "", False
    periods = [b.period_s for b in segmentation.bouts if b.cycles]
    for k in PERIOD_MULTIPLES:
        if not periods or not (
            settings.min_period_s <= k * min(periods) and k * max(periods) <= settings.max_period_s
        ):
            continue
        other = segment_cycles(
            acc_g,
            sampling_rate_hz=rate,
            concentric_first=concentric_first,
            settings=settings,
            period_multiple=k,
            periods_of=segmentation,  # its noise, bouts and periods: not measured again
        )
        m, other_split = split_reps(other)
        if m >= 2 and not other_split:
            return other, f"{split}, so counted at {k:g} x the autocorrelation period", False
    return segmentation, f"{split}, and no multiple of the period gave whole reps", True


def find_reps(
    grid: Recording,
    stretch: Stretch,
    *,
    placement: str,
    profile: ExerciseProfile,
    config: AnalysisConfig,
    known_noise_floor_mps2: float | None = None,
    ends_at_rest: bool = False,
    initial_orientation: OrientationStart | None = None,
    starts_at_rest: bool = False,
) -> FoundReps:
    """Find the reps of ``stretch`` of the uniform ``grid`` (steps 1-5 of the module docs).

    ``known_noise_floor_mps2``, ``ends_at_rest`` and ``starts_at_rest`` go to
    :func:`~repscope.analysis.kinematics.vertical_kinematics` (facts of a live window);
    ``initial_orientation`` to the orientation estimator (the orientation at the
    stretch's first sample, :class:`~repscope.analysis.orientation.OrientationStart`).
    """
    rate = grid.meta.sampling_rate_hz
    a, b = stretch.start_idx, stretch.end_idx
    acc_g = grid.acc_g[a:b]
    gyr = None if grid.gyr_dps is None else grid.gyr_dps[a:b]
    estimator = config.orientation or default_estimator(gyr is not None)
    orient = estimator.estimate(acc_g, gyr, sampling_rate_hz=rate, start=initial_orientation)
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
        known_noise_floor_mps2=known_noise_floor_mps2,
        ends_at_rest=ends_at_rest,
        starts_at_rest=starts_at_rest,
    )
    if placement == "wrist":
        kin = highpass_unanchored(
            kin,
            sampling_rate_hz=rate,
            cutoff_hz=WRIST_HIGHPASS_HZ,
            min_stretch_s=WRIST_UNANCHORED_S,
        )
    reps, kin, acc_lp, arc = _stroke_reps(
        kin,
        orient.vertical_acc_mps2,
        gyr,
        rate=rate,
        placement=placement,
        profile=profile,
        config=config,
        starts_at_rest=starts_at_rest,
    )
    concentric_first = profile.first_phase == "concentric"
    # with the rhythm finder off (the live engine's windows) its cycles are not looked for:
    # no rep would come from them, and a window has no provenance to describe them in
    segmentation, split, unmended = (
        _rhythm(
            acc_g,
            rate=rate,
            concentric_first=concentric_first,
            settings=config.segmentation,
            enabled=placement == "bar",
            max_travel_ratio=config.reps.max_travel_ratio,
        )
        if config.rhythm_finder
        else (Segmentation(rate, math.nan, math.nan, (), np.zeros(0), np.zeros(0)), "", False)
    )
    choice = (
        choose_reps(
            reps,
            segmentation.cycles,
            rests=kin.anchors,
            sampling_rate_hz=rate,
            min_excursion_ratio=config.segmentation.min_excursion_fraction,
        )
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
    proxy = segmentation.vertical_acc_mps2
    built = None
    if choice.finder == "cycles":
        built = reps_from_cycles(
            segmentation.cycles,
            proxy,
            sampling_rate_hz=rate,
            concentric_first=concentric_first,
            arc_speed_mps=arc,
        )
        merged = merged_cycles(built.reps)
        # a merge makes the rhythm undercount: the stroke finder, anchored by a rest
        # somewhere in the stretch or splitting every cycle it holds, must have found
        # more reps to be preferred
        if (
            merged
            and len(reps) > len(built.reps)
            and (kin.anchors or strokes_explain_cycles(reps, segmentation.cycles, rate))
        ):
            choice = RepChoice("strokes", "medium", (merged,))
        elif split:
            choice = RepChoice(choice.finder, choice.confidence, (*choice.reasons, split))
    confidence: list[tuple[str, tuple[str, ...]]]
    if built is not None and choice.finder == "cycles":
        reps = built.reps
        kin = dataclasses.replace(kin, velocity_mps=built.velocity_mps, position_m=built.position_m)
        acc_lp = lowpass(proxy, cutoff_hz=METRIC_LOWPASS_HZ, sampling_rate_hz=rate)
        stroke_speed = kin.velocity_mps
        periodicity = {id(c): bout.periodicity for bout in segmentation.bouts for c in bout.cycles}
        confidence = [
            (level, (*choice.reasons, *why))
            for level, why in (
                cycle_confidence(c, periodicity=periodicity[id(c)], sampling_rate_hz=rate)
                for c in segmentation.cycles
                if usable_cycle(c)
            )
        ]
    else:
        confidence = [(choice.confidence, tuple(choice.reasons)) for _ in reps]
    if unmended and choice.finder == "cycles":
        confidence = [("low", why) for _, why in confidence]
    signals = StretchSignals(
        velocity_mps=kin.velocity_mps,
        position_m=kin.position_m,
        vertical_acc_mps2=acc_lp,
        still=kin.still,
        stroke_speed=stroke_speed,
        horizontal_acc_mps2=orient.acc_world_mps2[:, :2] if gyr is not None else None,
        gyr_dps=gyr,
        orientation=orient,
    )
    return FoundReps(
        stretch=stretch,
        offset_s=float(grid.time_s[a]),
        reps=tuple(reps),
        confidence=tuple(confidence),
        # A rest somewhere in the stretch anchors the stroke finder's velocity (zero-velocity
        # update); the cycle finder anchors it at the turnarounds themselves, so the speed at
        # which the bar arrives there is not measured.
        velocity_anchored=choice.finder == "strokes" and bool(kin.anchors),
        signals=signals,
        segmentation=segmentation,
        choice=choice,
        orientation_algorithm=orient.algorithm,
        orientation_parameters=orient.parameters,
        noise_floor_mps2=kin.noise_floor_mps2,
        gyro=None if kin.gyro is None else dataclasses.asdict(kin.gyro),
        rests=tuple(kin.anchors),
        velocity_walk_m2ps3=velocity_walk_m2ps3(
            kin.anchors,
            sampling_rate_hz=rate,
            noise_floor_mps2=kin.noise_floor_mps2,
        ),
    )
