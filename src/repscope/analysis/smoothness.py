"""Movement smoothness: SPARC and log dimensionless jerk (LDLJ).

Both metrics score a speed profile; a single bell-shaped profile is the smoothest, and
hesitations, sticking points and corrections make the scores more negative.

References
----------
- Balasubramanian S, Melendez-Calderon A, Roby-Brami A, Burdet E (2015). On the analysis
  of movement smoothness. J NeuroEng Rehabil 12:112. doi:10.1186/s12984-015-0090-9
- Balasubramanian S, Melendez-Calderon A, Burdet E (2012). A robust and sensitive metric
  for quantifying movement smoothness. IEEE TBME 59(8):2126-36.
  doi:10.1109/TBME.2011.2179545
- Hogan N, Sternad D (2009). Sensitivity of smoothness measures to movement duration,
  amplitude, and arrests. J Mot Behav 41(6):529-34. doi:10.3200/35-09-004-RC

Notes
-----
SPARC is meant for speed profiles. On velocity reconstructed by integrating an
accelerometer it is fragile (drift adds low-frequency content), which is why repscope
computes it on the concentric phase only, after drift removal, and on gyroscope angular
speed for wrist placement (Melendez-Calderon et al. 2021, doi:10.1109/TBME.2020.3019366).
"""

from __future__ import annotations

import numpy as np

from repscope.recording import check_sampling_rate

#: SPARC defaults from Balasubramanian et al. (2015): 4 levels of zero padding, a 10 Hz
#: upper cut-off and an adaptive amplitude threshold of 0.05.
SPARC_PAD_LEVEL = 4
SPARC_FC_HZ = 10.0
SPARC_AMP_THRESHOLD = 0.05


def sparc(
    speed: np.ndarray,
    *,
    sampling_rate_hz: float,
    pad_level: int = SPARC_PAD_LEVEL,
    fc_hz: float = SPARC_FC_HZ,
    amp_threshold: float = SPARC_AMP_THRESHOLD,
) -> float:
    """Spectral arc length (SPARC) of a speed profile.

    Steps (Balasubramanian et al. 2015): zero-pad the profile to
    ``2 ** (ceil(log2(n)) + pad_level)`` points; take the FFT magnitude normalised by its
    DC value; keep frequencies up to ``fc_hz`` and then only up to the last one whose
    magnitude is at least ``amp_threshold``; return minus the arc length of that curve with
    frequency normalised to the selected band.

    Parameters
    ----------
    speed
        Speed samples (any unit; SPARC is dimensionless).
    sampling_rate_hz
        Sampling rate of ``speed``.
    pad_level, fc_hz, amp_threshold
        The published defaults.

    Returns
    -------
    float
        SPARC (<= 0; about -1.41 for a bell-shaped profile), NaN for fewer than 3 samples
        or an all-zero profile.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    speed = np.asarray(speed, dtype=float)
    if speed.size < 3 or not np.isfinite(speed).all() or not np.any(speed):
        return float("nan")
    n_fft = int(2 ** (np.ceil(np.log2(speed.size)) + pad_level))
    freq = np.fft.rfftfreq(n_fft, d=1.0 / rate)
    magnitude = np.abs(np.fft.rfft(speed, n_fft))
    magnitude = magnitude / magnitude.max()
    band = freq <= min(fc_hz, rate / 2)
    freq, magnitude = freq[band], magnitude[band]
    above = np.flatnonzero(magnitude >= amp_threshold)
    last = int(above[-1]) if above.size else 1
    last = max(last, 1)
    freq, magnitude = freq[: last + 1], magnitude[: last + 1]
    span = freq[-1] - freq[0]
    arc = np.sqrt((np.diff(freq) / span) ** 2 + np.diff(magnitude) ** 2)
    return float(-arc.sum())


def ldlj(
    velocity: np.ndarray,
    *,
    sampling_rate_hz: float,
    acceleration: np.ndarray | None = None,
) -> float:
    """Log dimensionless jerk of a movement from its velocity profile.

    ``LDLJ = -ln( (T^3 / v_peak^2) * integral(jerk^2 dt) )`` with ``T`` the movement
    duration, ``v_peak`` the peak absolute velocity and jerk the second derivative of
    velocity (Balasubramanian et al. 2015, eq. for the velocity-based form; Hogan & Sternad
    2009). A minimum-jerk point-to-point movement scores ``-ln(720 / 1.875^2) = -5.32``;
    jerkier movements score lower.

    Parameters
    ----------
    velocity
        Velocity samples in m/s over one movement.
    sampling_rate_hz
        Sampling rate.
    acceleration
        Measured acceleration (m/s^2) on the same samples, if available; jerk is then its
        first derivative, which avoids differentiating twice.

    Returns
    -------
    float
        LDLJ, NaN for fewer than 5 samples or no motion.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    velocity = np.asarray(velocity, dtype=float)
    if velocity.size < 5 or not np.isfinite(velocity).all():
        return float("nan")
    v_peak = float(np.max(np.abs(velocity)))
    if v_peak <= 0:
        return float("nan")
    dt = 1.0 / rate
    duration_s = (velocity.size - 1) * dt
    acc = np.gradient(velocity, dt) if acceleration is None else np.asarray(acceleration, float)
    jerk = np.gradient(acc, dt)
    integral = float(np.trapezoid(jerk**2, dx=dt))
    if integral <= 0:
        return float("nan")
    return float(-np.log(duration_s**3 / v_peak**2 * integral))
