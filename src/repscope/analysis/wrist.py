"""Wrist placement: rep period from periodicity, then peak picking on the best axis.

A wrist sensor does not follow the bar exactly (the forearm rotates, the hand adjusts its
grip), and consumer wrist sensors often sample slowly (12.5-25 Hz), so vertical velocity is
less reliable than on the bar. Rep counting on the wrist therefore follows the periodicity
approach of wrist-IMU exercise work (Morris et al. 2014, RecoFit, doi:10.1145/2556288.2557116):

1. **Filter**: band-pass every accelerometer and gyroscope axis to the band of lifting
   rhythms, ``band_hz`` = 0.15-1.5 Hz (periods of 0.7-7 s), 2nd-order Butterworth, zero
   phase.
2. **Best axis**: the first principal component of the (standardised) accelerometer axes,
   and of the gyroscope axes; each candidate is scored by its autocorrelation peak and the
   best one is kept.
3. **Active part**: samples whose 2 s moving RMS exceeds ``active_fraction`` of the 95th
   percentile of that RMS, merged across gaps shorter than two periods, longest run kept.
4. **Period**: the lag of the highest autocorrelation peak between ``min_period_s`` and
   ``max_period_s`` in the active part.
5. **Peaks**: :func:`scipy.signal.find_peaks` with a minimum distance of
   ``distance_fraction`` x period and a prominence of ``prominence_fraction`` x the signal's
   robust amplitude (5th-95th percentile range), on both polarities; the polarity whose
   peak intervals are the more regular (lower coefficient of variation) wins.

The count is the number of peaks. The pipeline does not use it: on the real MetaMotion
wrist recordings it counts worse than the stroke-based reps (see ``docs/accuracy.md``),
and it is kept as the reference counter the accuracy benchmark reports beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from repscope.analysis.filters import butter_sos, runs
from repscope.recording import check_sampling_rate


@dataclass(frozen=True)
class WristSettings:
    """Parameters of the periodicity counter (see module docs)."""

    band_hz: tuple[float, float] = (0.15, 1.5)
    min_period_s: float = 1.2
    max_period_s: float = 7.0
    active_fraction: float = 0.25
    distance_fraction: float = 0.6
    prominence_fraction: float = 0.25


@dataclass
class WristCount:
    """Result of :func:`periodicity_count`."""

    n_reps: int
    period_s: float
    peak_indices: np.ndarray
    axis: str
    active: tuple[int, int]
    signal: np.ndarray = field(repr=False)


def _bandpass(x: np.ndarray, rate: float, band: tuple[float, float]) -> np.ndarray:
    high = min(band[1], 0.45 * rate)
    sos = butter_sos(2, (band[0], high), btype="bandpass", sampling_rate_hz=rate)
    padlen = min(x.shape[0] - 1, int(3 * rate / band[0]))
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0, padlen=padlen))


def _first_component(x: np.ndarray) -> np.ndarray:
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = x / scale
    _, _, vt = np.linalg.svd(z - z.mean(axis=0), full_matrices=False)
    return np.asarray(z @ vt[0])


def _autocorr_peak(x: np.ndarray, rate: float, settings: WristSettings) -> tuple[float, float]:
    x = x - x.mean()
    n = x.size
    if n < 4:
        return float("nan"), 0.0
    spectrum = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    if ac[0] <= 0:
        return float("nan"), 0.0
    ac = ac / ac[0]
    lo = int(settings.min_period_s * rate)
    hi = min(int(settings.max_period_s * rate), n - 1)
    if hi <= lo + 1:
        return float("nan"), 0.0
    peaks, _ = signal.find_peaks(ac[lo:hi])
    if peaks.size == 0:
        return float("nan"), 0.0
    best = peaks[np.argmax(ac[lo:hi][peaks])]
    return (lo + best) / rate, float(ac[lo + best])


def _active_part(
    x: np.ndarray, rate: float, period_s: float, settings: WristSettings
) -> tuple[int, int]:
    win = max(int(2 * rate), 1)
    rms = np.sqrt(np.convolve(x**2, np.ones(win) / win, mode="same"))
    active = rms > settings.active_fraction * np.percentile(rms, 95)
    gap = int(2 * period_s * rate) if np.isfinite(period_s) else win
    segments = runs(active)
    merged: list[tuple[int, int]] = []
    for a, b in segments:
        if merged and a - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    if not merged:
        return 0, x.size
    return max(merged, key=lambda r: r[1] - r[0])


def periodicity_count(
    acc_g: np.ndarray,
    gyr_dps: np.ndarray | None,
    *,
    sampling_rate_hz: float,
    settings: WristSettings | None = None,
) -> WristCount:
    """Count reps on a wrist recording of one set by periodicity (see module docs)."""
    rate = check_sampling_rate(
        sampling_rate_hz, max_cutoff_hz=(settings or WristSettings()).band_hz[0]
    )
    settings = settings or WristSettings()
    candidates: dict[str, np.ndarray] = {
        "acc_pc1": _first_component(_bandpass(acc_g, rate, settings.band_hz))
    }
    if gyr_dps is not None:
        candidates["gyr_pc1"] = _first_component(_bandpass(gyr_dps, rate, settings.band_hz))
    best: tuple[float, str, float] | None = None
    for name, x in candidates.items():
        period, strength = _autocorr_peak(x, rate, settings)
        if best is None or strength > best[0]:
            best = (strength, name, period)
    assert best is not None
    _, axis, period = best
    x = candidates[axis]
    a, b = _active_part(x, rate, period, settings)
    period2, _ = _autocorr_peak(x[a:b], rate, settings)
    if np.isfinite(period2):
        period = period2
    if not np.isfinite(period):
        return WristCount(0, float("nan"), np.empty(0, dtype=int), axis, (a, b), x)
    part = x[a:b]
    amplitude = float(np.percentile(part, 95) - np.percentile(part, 5))
    distance = max(int(settings.distance_fraction * period * rate), 1)
    chosen: np.ndarray | None = None
    chosen_cv = np.inf
    for polarity in (1.0, -1.0):
        peaks, _ = signal.find_peaks(
            polarity * part, distance=distance, prominence=settings.prominence_fraction * amplitude
        )
        if peaks.size >= 3:
            intervals = np.diff(peaks)
            cv = float(intervals.std() / intervals.mean())
        else:
            cv = np.inf if peaks.size == 0 else 1.0
        if chosen is None or cv < chosen_cv:
            chosen, chosen_cv = peaks, cv
    assert chosen is not None
    return WristCount(int(chosen.size), float(period), chosen + a, axis, (a, b), x)
