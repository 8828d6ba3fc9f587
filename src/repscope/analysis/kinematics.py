"""Vertical velocity and position from vertical acceleration, with drift removed.

Integrating an accelerometer drifts: a constant bias of 0.005 g becomes 1 m/s of velocity
error after 20 s. repscope removes drift with zero-velocity updates (ZUPT): wherever the
bar is known to be still, velocity is set to zero, and between two still intervals the
integrated velocity is corrected by a linear ramp so that it is zero at both ends (the
standard "linear drift" ZUPT of pedestrian and barbell inertial tracking, e.g. Foxlin
2005, doi:10.1109/MCG.2005.140; its barbell use in Lorenzetti et al. 2017,
doi:10.1186/s13102-017-0083-z).

Finding still points is the hard part: a bar moving at constant speed has zero
acceleration too, and a slow (3 s) eccentric accelerates at only 0.2-0.3 m/s^2, so "small
acceleration" alone cannot tell a pause from the middle of a slow eccentric. repscope
finds candidates by acceleration and keeps only those the integral agrees with.
:func:`vertical_kinematics` runs the steps, each in its own module:

1. **Candidates** (:mod:`repscope.analysis.stillness`): runs where the low-passed
   acceleration magnitude and angular speed stay under thresholds set from the noise the
   recording itself shows in its quietest second.
2. **Consistency check** (:func:`~.anchors.validate_anchors`): a
   candidate inside which the bar, integrated from its neighbours as if it were not
   there, moves faster than a bridge-length dependent limit is false.
3. **Edges** (:func:`~.anchors.trim_moving_edges`).
4. **Heights** (:func:`~.anchor_heights.drop_passed_anchors`): a bar
   rests only where it turns; a rest it passes through is false.
5. **Closure** (:func:`~.anchor_heights.reselect_by_closure`): every
   rep returns the bar to where it started; a rest that makes the heights drift is false.
6. Velocity is integrated between the accepted rests
   (:func:`~.anchors.integrate_between_anchors`), and position from it.

A recording (or gap-free stretch) is taken to begin and end at rest even where no still
interval was found there. :func:`highpass_unanchored` removes the slow velocity error of
long stretches with no rest (the wrist, which never rests between reps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from repscope.analysis.anchor_heights import drop_passed_anchors, reselect_by_closure
from repscope.analysis.anchors import (
    erode_anchor,
    integrate_between_anchors,
    trim_moving_edges,
    validate_anchors,
)
from repscope.analysis.filters import butter_sos, cumulative_trapezoid, lowpass, runs
from repscope.analysis.stillness import (
    GyroCalibration,
    StillnessSettings,
    acc_threshold,
    known_noise_floor,
    motion_magnitude_of_lowpassed,
    still_mask,
    trim_anchor,
)
from repscope.recording import check_sampling_rate


@dataclass
class VerticalKinematics:
    """Vertical velocity and position of the bar (or wrist), drift removed."""

    velocity_mps: np.ndarray
    position_m: np.ndarray
    still: np.ndarray
    anchors: list[tuple[int, int]]
    acc_threshold_mps2: float
    #: Noise floor the thresholds were set from (see ``StillnessSettings.noise_floor_mps2``).
    noise_floor_mps2: float = math.nan
    #: The gyroscope's bias and noise measured in the quietest second (None without one).
    gyro: GyroCalibration | None = None


def vertical_kinematics(
    vertical_acc_mps2: np.ndarray,
    acc_world_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings | None = None,
    known_noise_floor_mps2: float | None = None,
    ends_at_rest: bool = False,
    starts_at_rest: bool = False,
) -> VerticalKinematics:
    """Two-pass ZUPT velocity and position (see module docs for the steps).

    ``known_noise_floor_mps2`` and ``ends_at_rest`` are facts of the call (a live window:
    the quietest floor measured elsewhere; both ends at zero velocity), used as
    ``settings.noise_floor_mps2`` and ``settings.ends_at_rest`` are; ``starts_at_rest``
    says the first sample alone is at zero velocity (:func:`~.anchors.validate_anchors`).
    """
    rate = check_sampling_rate(sampling_rate_hz)
    settings = settings or StillnessSettings()
    acc_world_lp = lowpass(acc_world_mps2, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=rate)
    acc_mag, gyr_mag, gyro = motion_magnitude_of_lowpassed(
        acc_world_lp, gyr_dps, sampling_rate_hz=rate, settings=settings
    )
    floor = known_noise_floor(acc_mag, sampling_rate_hz=rate, settings=settings)
    if known_noise_floor_mps2 is not None:
        floor = min(floor, known_noise_floor_mps2)
    threshold = acc_threshold(floor, settings=settings)
    still = still_mask(
        acc_mag,
        gyr_mag,
        sampling_rate_hz=rate,
        threshold_mps2=threshold,
        settings=settings,
    )
    world = np.asarray(acc_world_mps2)
    if world.ndim == 2 and world.shape[1] == 3 and np.array_equal(world[:, 2], vertical_acc_mps2):
        # the orientation stage's vertical is the world frame's z: its low-pass is there
        # already (the same filter, column by column: the same numbers)
        vertical_lp = acc_world_lp[:, 2]
    else:
        vertical_lp = lowpass(
            vertical_acc_mps2, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=rate
        )
    level = settings.trim_factor * floor
    min_len = max(round(settings.short_pause_s * rate), 1)
    still_runs = [
        trim_anchor(r, vertical_lp, level_mps2=level, min_len=min_len) for r in runs(still)
    ]
    candidates = [(a, b) for a, b in still_runs if (b - a) / rate >= settings.short_pause_s]
    anchors = validate_anchors(
        vertical_acc_mps2,
        candidates,
        sampling_rate_hz=rate,
        accept_speed_mps=settings.accept_speed_mps,
        min_len=min_len,
        trusted_len=round(settings.long_rest_s * rate),
        accept_floor_mps=settings.accept_floor_mps,
        accept_growth_mps_per_s=settings.accept_growth_mps_per_s,
        vouch_gap_s=settings.vouch_gap_s,
        readmit_rounds=settings.readmit_rounds,
        ends_at_rest=settings.ends_at_rest or ends_at_rest,
        starts_at_rest=starts_at_rest,
    )
    if settings.edge_speed_mps is not None:
        anchors = trim_moving_edges(
            vertical_acc_mps2,
            anchors,
            sampling_rate_hz=rate,
            level_mps=settings.edge_speed_mps,
            min_len=min_len,
        )
    if settings.pass_through_m is not None:
        anchors = drop_passed_anchors(
            vertical_acc_mps2,
            anchors,
            sampling_rate_hz=rate,
            min_step_m=settings.pass_through_m,
            gyr_dps=gyr_dps,
            max_turn_deg_per_m=settings.pass_through_turn_deg_per_m,
        )
    if settings.closure_margin_m is not None:
        reselected = reselect_by_closure(
            vertical_acc_mps2,
            anchors,
            candidates,
            sampling_rate_hz=rate,
            settings=settings,
            margin_m=settings.closure_margin_m,
        )
        if reselected != anchors and settings.pass_through_m is not None:
            # the heights are judged again on the re-selected anchors
            reselected = drop_passed_anchors(
                vertical_acc_mps2,
                reselected,
                sampling_rate_hz=rate,
                min_step_m=settings.pass_through_m,
                gyr_dps=gyr_dps,
                max_turn_deg_per_m=settings.pass_through_turn_deg_per_m,
            )
        anchors = reselected
    margin = round(settings.erode_s * rate)
    n = len(vertical_acc_mps2)
    anchors = [erode_anchor(r, margin=margin, min_len=min_len, n=n) for r in anchors]
    # A recording (or gap-free stretch) is taken to begin and end with the sensor at rest
    # even where no still interval was found there: trimmed exports often start mid-set,
    # and an unanchored end would drift without bound.
    bounded = list(anchors)
    if not bounded or bounded[0][0] > 0:
        bounded.insert(0, (0, 1))
    if bounded[-1][1] < n:
        bounded.append((n - 1, n))
    velocity = integrate_between_anchors(vertical_acc_mps2, bounded, sampling_rate_hz=rate)
    position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
    accepted = np.zeros_like(still)
    for a, b in anchors:
        accepted[a:b] = True
    return VerticalKinematics(
        velocity_mps=velocity,
        position_m=position,
        still=accepted,
        anchors=anchors,
        acc_threshold_mps2=threshold,
        noise_floor_mps2=floor,
        gyro=gyro,
    )


def highpass_unanchored(
    kin: VerticalKinematics,
    *,
    sampling_rate_hz: float,
    cutoff_hz: float,
    min_stretch_s: float = 8.0,
) -> VerticalKinematics:
    """High-pass the velocity of long stretches that have no still interval inside.

    A wrist in a set never rests between reps, so ZUPT has nothing to hold on to; the
    sensor's scale and alignment errors, which change as the forearm turns, then leave a
    slowly varying velocity error. Over stretches of at least ``min_stretch_s`` between
    anchors the velocity is high-passed (2nd-order Butterworth, zero phase, ``cutoff_hz``,
    well below the rep frequency of 0.15-1 Hz) and the position re-integrated. Used for
    wrist placement only: a bar sensor's phase timing must not be filtered.
    """
    rate = check_sampling_rate(sampling_rate_hz, max_cutoff_hz=cutoff_hz)
    velocity = kin.velocity_mps.copy()
    edges = [0] + [x for a, b in kin.anchors for x in (a, b)] + [velocity.size]
    sos = butter_sos(2, cutoff_hz, btype="highpass", sampling_rate_hz=rate)
    for lo, hi in zip(edges[::2], edges[1::2], strict=True):
        if (hi - lo) / rate >= min_stretch_s:
            padlen = min(hi - lo - 1, int(rate / cutoff_hz))
            velocity[lo:hi] = signal.sosfiltfilt(sos, velocity[lo:hi], padlen=padlen)
    position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
    return VerticalKinematics(
        velocity_mps=velocity,
        position_m=position,
        still=kin.still,
        anchors=kin.anchors,
        acc_threshold_mps2=kin.acc_threshold_mps2,
        noise_floor_mps2=kin.noise_floor_mps2,
        gyro=kin.gyro,
    )
