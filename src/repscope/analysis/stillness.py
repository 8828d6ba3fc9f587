"""Where the bar may be still: the candidates for zero-velocity updates, from the noise.

Step 1 of the velocity stage (:mod:`repscope.analysis.kinematics` gives the whole):
candidates are runs of at least ``short_pause_s`` where the low-passed (5 Hz)
earth-frame acceleration magnitude and, if present, the angular speed stay below
thresholds (:func:`still_mask`), trimmed at both ends to where the vertical acceleration
is at the noise level (:func:`trim_anchor`).

Thresholds adapt to the sensor: the acceleration threshold is ``noise_factor`` times the
noise floor measured in the quietest second of the recording (:func:`noise_floor`), never
below ``min_acc_threshold_mps2`` (:func:`acc_threshold`). A caller that has seen a quieter
second elsewhere passes it (``known_noise_floor_mps2`` of
:func:`~.kinematics.vertical_kinematics`) and the lower of the two is
used: a live window in the middle of a touch-and-go set has no rest, its quietest second
is slow motion, and with that floor the middle of a slow eccentric passes for a rest
(measured: a 3-0-1-0 squat window's floor was 0.22 m/s^2 against the session's 0.13, and
the window paired the strokes wrongly until it was given the session's floor).

The gyroscope's bias and noise are measured in the same quietest second
(:func:`calibrate_gyro`) and written into the provenance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repscope.analysis.filters import lowpass


@dataclass(frozen=True)
class StillnessSettings:
    """Thresholds of the still detector (see module docs)."""

    lowpass_hz: float = 5.0
    window_s: float = 0.2
    noise_factor: float = 3.0
    min_acc_threshold_mps2: float = 0.12
    gyr_threshold_dps: float = 6.0
    long_rest_s: float = 1.5
    short_pause_s: float = 0.1
    accept_speed_mps: float = 0.1
    accept_floor_mps: float = 0.04
    accept_growth_mps_per_s: float = 0.006
    trim_factor: float = 1.5
    erode_s: float = 0.3
    vouch_gap_s: float = 1.0
    readmit_rounds: int = 2
    edge_speed_mps: float | None = 0.05
    pass_through_m: float | None = 0.12
    pass_through_turn_deg_per_m: float | None = 250.0
    closure_margin_m: float | None = 0.10
    #: A fixed noise floor for every call, and whether every call's data end at rest.
    #: Facts of one call (a live window) are arguments of :func:`~.kinematics.vertical_kinematics`
    #: instead; these stay for configurations (and provenance records) that set them.
    noise_floor_mps2: float | None = None
    ends_at_rest: bool = False


@dataclass(frozen=True)
class GyroCalibration:
    """Gyroscope bias and noise measured in a recording's quietest second (deg/s)."""

    bias_dps: tuple[float, float, float]
    noise_dps: float
    threshold_dps: float


def quietest_second(acc_mag: np.ndarray, *, sampling_rate_hz: float) -> slice:
    """Return the whole second of ``acc_mag`` with the lowest RMS (all of it if shorter)."""
    n = max(round(sampling_rate_hz), 4)
    if acc_mag.size < 2 * n:
        return slice(0, acc_mag.size)
    usable = acc_mag[: acc_mag.size // n * n].reshape(-1, n)
    k = int(np.argmin(np.sqrt(np.mean(usable**2, axis=1))))
    return slice(k * n, (k + 1) * n)


def calibrate_gyro(
    gyr_lp_dps: np.ndarray, quiet: slice, *, settings: StillnessSettings
) -> GyroCalibration:
    """Bias (median per axis) and noise (RMS of the rest) in the quietest second.

    Real uncalibrated gyroscopes carry 5-16 deg/s of bias and 1.4-33 deg/s of noise in
    the quietest second of a set (shared/notes/real-sensors.md): a fixed still threshold
    in deg/s never fires on them. The bias is subtracted; the still threshold is
    ``noise_factor`` x the measured noise, and never below ``gyr_threshold_dps``: the
    sway of a bar held by hands, which a threshold from a near-perfect simulated gyroscope
    must not undercut.

    Measured on every recording and written into the provenance, but **not applied** to
    the still detector yet: with the bias removed and this threshold, the stroke finder
    took the brief stillness at real touch-and-go turnarounds for rests, trusted its own
    count over the rhythm's, and the real bar sets fell from 25 to 15 of 25 exact. Where
    the bar never rests, the reps come from the rhythm finder
    (:mod:`repscope.analysis.segmentation`), which does not use the gyroscope.
    """
    window = gyr_lp_dps[quiet]
    bias = np.median(window, axis=0) if window.size else np.zeros(3)
    noise = float(np.sqrt(np.mean(np.sum((window - bias) ** 2, axis=1)))) if window.size else 0.0
    threshold = max(settings.gyr_threshold_dps, settings.noise_factor * noise)
    return GyroCalibration(
        bias_dps=(float(bias[0]), float(bias[1]), float(bias[2])),
        noise_dps=noise,
        threshold_dps=threshold,
    )


def motion_magnitude(
    acc_world_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings,
) -> tuple[np.ndarray, np.ndarray | None, GyroCalibration | None]:
    """Low-passed acceleration magnitude (gravity removed), angular speed (bias removed)."""
    acc_lp = lowpass(
        acc_world_mps2, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=sampling_rate_hz
    )
    return motion_magnitude_of_lowpassed(
        acc_lp, gyr_dps, sampling_rate_hz=sampling_rate_hz, settings=settings
    )


def motion_magnitude_of_lowpassed(
    acc_lp: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings,
) -> tuple[np.ndarray, np.ndarray | None, GyroCalibration | None]:
    """:func:`motion_magnitude` from the already low-passed world acceleration."""
    acc_mag = np.linalg.norm(np.atleast_2d(acc_lp.T).T, axis=1)
    gyr_mag = None
    calibration = None
    if gyr_dps is not None:
        gyr_lp = lowpass(gyr_dps, cutoff_hz=settings.lowpass_hz, sampling_rate_hz=sampling_rate_hz)
        quiet = quietest_second(acc_mag, sampling_rate_hz=sampling_rate_hz)
        calibration = calibrate_gyro(gyr_lp, quiet, settings=settings)
        # measured and reported, not applied: see calibrate_gyro
        gyr_mag = np.linalg.norm(gyr_lp, axis=1)
    return acc_mag, gyr_mag, calibration


def noise_floor(acc_mag: np.ndarray, *, sampling_rate_hz: float) -> float:
    """RMS of ``acc_mag`` in its quietest second (:func:`quietest_second`; 0 when empty)."""
    if acc_mag.size == 0:
        return 0.0
    quiet = acc_mag[quietest_second(acc_mag, sampling_rate_hz=sampling_rate_hz)]
    return float(np.sqrt(np.mean(quiet**2)))


def known_noise_floor(
    acc_mag: np.ndarray, *, sampling_rate_hz: float, settings: StillnessSettings
) -> float:
    """Return the noise floor of ``acc_mag``, or ``settings.noise_floor_mps2`` if lower."""
    floor = noise_floor(acc_mag, sampling_rate_hz=sampling_rate_hz)
    if settings.noise_floor_mps2 is not None:
        floor = min(floor, settings.noise_floor_mps2)
    return floor


def acc_threshold(floor_mps2: float, *, settings: StillnessSettings) -> float:
    """Adaptive acceleration threshold: the noise floor times a factor, with a minimum."""
    return max(settings.noise_factor * floor_mps2, settings.min_acc_threshold_mps2)


def trim_anchor(
    anchor: tuple[int, int], vertical_acc_lp: np.ndarray, *, level_mps2: float, min_len: int
) -> tuple[int, int]:
    """Shrink a still run from both ends while the vertical acceleration exceeds ``level``.

    A slow movement leaves rest with an acceleration below the still threshold, so a still
    run swallows the movement's first (and last) fraction of a second; velocity forced to
    zero there makes the movement start late. Trimming to where the acceleration is at the
    noise level gives that tail back to the integration.
    """
    a, b = anchor
    while b - a > min_len and abs(vertical_acc_lp[b - 1]) > level_mps2:
        b -= 1
    while b - a > min_len and abs(vertical_acc_lp[a]) > level_mps2:
        a += 1
    return a, b


def still_mask(
    acc_mag: np.ndarray,
    gyr_mag: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    threshold_mps2: float,
    settings: StillnessSettings,
) -> np.ndarray:
    """Mark samples whose surrounding window stays below the stillness thresholds."""
    quiet = acc_mag < threshold_mps2
    if gyr_mag is not None:
        quiet &= gyr_mag < settings.gyr_threshold_dps
    half = max(round(settings.window_s * sampling_rate_hz / 2), 1)
    # A sample is still when every sample within +-half is quiet: erode the quiet mask.
    kernel = np.ones(2 * half + 1)
    loud = np.convolve((~quiet).astype(float), kernel, mode="same") > 0
    return ~loud
