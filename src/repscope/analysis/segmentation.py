"""Segmentation: find the reps of a set from its rhythm, without needing rests.

Real lifters do not rest between reps (touch-and-go), real gyroscopes carry a bias of
several deg/s, and a bar sensor may be mounted any way up and roll with the bar. This
stage therefore uses only what survives all of that: the magnitude of the specific force.

Steps
-----
1. **Vertical acceleration, orientation-free.** ``|f| - g`` where ``f`` is the measured
   specific force. For a bar moving with vertical acceleration ``a_v`` and horizontal
   ``a_h``, ``|g + a| - g = a_v + a_h^2 / (2 g) + O(a^3 / g^2)``: the error is second
   order in the (small) horizontal acceleration, and needs no orientation estimate, no
   gyroscope and no mounting convention.
2. **Bouts.** Rests longer than ``set_gap_s`` (the set split of
   :class:`repscope.analysis.reps.RepSettings`) cut the stretch into bouts, each
   segmented on its own: the activity is the 1 s moving RMS of the band-passed signal,
   a rest is activity below ``rest_noise_factor`` times the noise floor (the RMS of the
   quietest second of the stretch).
3. **Rep period** ``T``: the first autocorrelation peak of the 0.15-3 Hz band-passed
   signal, at lags of ``min_period_s``-``max_period_s`` (0.7-8 s: from a fast
   touch-and-go row to a 3-1-3-1 tempo rep), that reaches ``period_peak_fraction`` (0.8)
   of the highest: twice the period correlates nearly as well as the period (the octave
   error of pitch detection; de Cheveigné & Kawahara 2002, YIN,
   doi:10.1121/1.1458024, take the first dip for the same reason). Half a period does
   not: a rep's acceleration (+, -, -, +) shifted by half a rep is (-, +, +, -). The
   peak's height is the bout's *periodicity* (1 for identical reps). Autocorrelation for
   rep periods: Morris et al. 2014 (RecoFit, doi:10.1145/2556288.2557116).
4. **Position proxy.** The signal is integrated twice in the frequency domain
   (``-A(f) / (2 pi f)^2``), band-limited with Butterworth-shaped magnitude responses
   around the rep frequency ``f0 = 1/T`` (high-pass at ``highpass_fraction * f0``, low-pass at
   ``lowpass_harmonics * f0``, order 4, zero phase). Double integration weights the
   fundamental over the harmonics and the noise by ``1/f^2``; the band limits remove the
   drift that makes plain integration useless without rests.
5. **Cycles.** A concentric-first lift (deadlift, row, curl, press) has one *top* per
   rep, an eccentric-first lift (squat, bench) one *bottom*: the rep's middle turnaround,
   a point of zero vertical velocity. Candidates are the maxima (minima) of the position
   proxy at least ``min_separation_periods * T`` apart. A candidate counts when
   (a) its *excursion* (its drop to the lower of the neighbouring valleys; at the
   recording's edges, to the valley on the inner side, so a rep cut by the start or end
   still counts) is at least ``min_excursion_fraction`` (0.5) of the bout's typical
   excursion (the median of the upper half) for the first and last turnaround, which may
   be a set-up move (picking the bar up, racking), and ``min_interior_excursion_fraction``
   (0.25) between two reps, where the rhythm vouches for a partial rep (a half rep is
   counted, then flagged ``partial_rom``); the first or last turnaround is held to the
   interior bar too when it rises and falls like a rep (both sides drop by heights within
   ``edge_balance_ratio``, 2.2, the stroke finder's pairing ratio, to valleys inside the
   recording: a set-up move leaves the bar at another height); and at least
   ``min_excursion_noise_factor`` times the excursion that the noise floor alone
   produces through the same filter; and
   (b) the bar was moving around it: the activity over one period centred on it is at
   least ``rest_noise_factor`` x the sensor noise in that band, and the turnaround lies
   between the first and the last one whose activity reaches ``min_activity_fraction``
   of the typical, or that is a slow rep of full range (``full_range_fraction`` of the
   typical excursion, rising and falling like a rep, activity at least the typical over
   ``slow_rep_factor`` squared), or a partial rep at the set's tempo (rising and falling
   like a rep, the same activity bar, and lasting, valley to valley, no longer than the
   longest of the set's reps whose activity reaches ``min_activity_fraction``: a partial
   first or last rep keeps the set's tempo, a set-up move such as a curl's pick-up takes
   longer; on the real Feather curl set whose edge move rises and falls like a rep it
   lasts 1.6 periods against the set's longest rep's 1.05). For these two, a turnaround
   whose outer valley is the recording's edge sample (where the band filter may put it)
   rises and falls like a rep by its two drops alone; its range counts only when both
   strokes reach it, and its span runs to the edge (so is at least the rep's).
   (b) rejects the ringing of the band filter over a bar at rest at the recording's
   edges, and keeps a slow grind between two reps. A partial rep hidden between two
   full ones is restored afterwards (:mod:`repscope.analysis.missed_turns`).
6. A bout whose typical excursion exceeds :data:`MAX_PLAUSIBLE_EXCURSION_M` was
   integrated at a wrong period (a multiple of the true one) and gives no reps.
7. Each rep spans from the valley before its middle turnaround to the valley after it.

Each cycle carries its evidence (excursion and activity ratios, the bout's periodicity);
:func:`cycle_confidence` turns them into a confidence with reasons. A turnaround's
geometry (its sides, excursion and span) is measured in :mod:`repscope.analysis.excursions`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from repscope.analysis.excursions import excursions, rep_spans, whole_at_edge
from repscope.analysis.filters import butter_sos, runs
from repscope.analysis.missed_turns import restore_missed_turns
from repscope.analysis.profiles import MAX_BARBELL_TRAVEL_M
from repscope.analysis.robust import upper_half_median as _typical
from repscope.analysis.stillness import noise_floor
from repscope.recording import STANDARD_GRAVITY_MPS2, check_sampling_rate

#: A bout whose typical excursion is larger than any lift's travel
#: (:data:`~repscope.analysis.profiles.MAX_BARBELL_TRAVEL_M`) was integrated at a wrong
#: period.
MAX_PLAUSIBLE_EXCURSION_M = MAX_BARBELL_TRAVEL_M


#: Lifting movement lives below this frequency (Hz); above it, until Nyquist, the quietest
#: second shows the sensor's own noise (and vibration) only.
MOTION_BAND_TOP_HZ = 5.0


def sensor_noise_psd(acc_mps2: np.ndarray, *, sampling_rate_hz: float) -> float:
    """White-noise density ((m/s^2)^2/Hz) above the motion band, from the quietest second.

    The signal above :data:`MOTION_BAND_TOP_HZ` is taken as the sensor's noise; its power
    in the quietest second, spread over the band up to Nyquist, is the density (the
    quietest of many seconds reads white noise about 0.6x low: the noise gates it feeds
    err towards keeping a rep). Below
    about 12 Hz sampling there is no such band and the density of the whole quietest
    second (motion included, so an upper bound) is returned.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    x = np.asarray(acc_mps2, dtype=float)
    nyquist = rate / 2
    if nyquist <= 1.2 * MOTION_BAND_TOP_HZ or x.size < 32:
        centred = x - (x.mean() if x.size else 0.0)
        return noise_floor(centred, sampling_rate_hz=rate) ** 2 / nyquist
    sos = butter_sos(4, MOTION_BAND_TOP_HZ, btype="highpass", sampling_rate_hz=rate)
    high = np.asarray(signal.sosfiltfilt(sos, x))
    return noise_floor(high, sampling_rate_hz=rate) ** 2 / (nyquist - MOTION_BAND_TOP_HZ)


@dataclass(frozen=True)
class SegmentationSettings:
    """Parameters of :func:`segment_cycles` (see module docs); relative, never absolute."""

    min_period_s: float = 0.7
    max_period_s: float = 8.0
    period_band_hz: tuple[float, float] = (0.15, 1.5)
    period_peak_fraction: float = 0.8
    highpass_fraction: float = 0.4
    lowpass_harmonics: float = 3.0
    filter_order: int = 4
    min_separation_periods: float = 0.35
    min_excursion_fraction: float = 0.5
    min_interior_excursion_fraction: float = 0.25
    min_excursion_noise_factor: float = 5.0
    min_activity_fraction: float = 0.5
    rest_noise_factor: float = 3.0
    set_gap_s: float = 15.0
    edge_balance_ratio: float = 2.2
    min_hidden_excursion_fraction: float = 0.08
    slow_rep_factor: float = 2.0
    #: a rep short of this share of the typical range is partial (the ``partial_rom``
    #: flag's bar, :class:`repscope.analysis.profiles.FlagThresholds`)
    full_range_fraction: float = 0.75

    def __post_init__(self) -> None:
        if not 0 < self.min_period_s < self.max_period_s:
            raise ValueError("need 0 < min_period_s < max_period_s")
        for name in (
            "highpass_fraction",
            "min_separation_periods",
            "min_excursion_fraction",
            "min_interior_excursion_fraction",
            "min_activity_fraction",
            "min_hidden_excursion_fraction",
            "full_range_fraction",
        ):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name} must lie in (0, 1)")
        if not self.slow_rep_factor >= 1:
            raise ValueError("slow_rep_factor must be at least 1")
        if not self.edge_balance_ratio > 1:
            raise ValueError("edge_balance_ratio must exceed 1")
        if self.lowpass_harmonics <= 1 or self.filter_order < 1:
            raise ValueError("lowpass_harmonics must exceed 1 and filter_order be positive")


@dataclass(frozen=True)
class Cycle:
    """One rep found by its rhythm. Indices are samples of the segmented signal."""

    start_idx: int
    turn_idx: int
    end_idx: int
    excursion_m: float
    excursion_ratio: float
    activity_ratio: float
    cut_at_start: bool
    cut_at_end: bool


@dataclass(frozen=True)
class Bout:
    """A stretch of continuous movement and the reps found in it."""

    start_idx: int
    end_idx: int
    period_s: float
    periodicity: float
    cycles: tuple[Cycle, ...]
    #: Why the bout's cycles were rejected ("" when they were not).
    rejected: str = ""


@dataclass(frozen=True)
class Segmentation:
    """Result of :func:`segment_cycles`."""

    sampling_rate_hz: float
    noise_floor_mps2: float
    noise_psd: float
    bouts: tuple[Bout, ...]
    position_proxy_m: np.ndarray = field(repr=False)
    #: The orientation-free vertical acceleration it segmented (:func:`vertical_acc_proxy`).
    vertical_acc_mps2: np.ndarray = field(repr=False)

    @property
    def cycles(self) -> list[Cycle]:
        """Every cycle of every bout, in time order."""
        return [c for b in self.bouts for c in b.cycles]


def vertical_acc_proxy(acc_g: np.ndarray) -> np.ndarray:
    """``|f| - g`` in m/s^2 from specific force in g (step 1 of the module docs)."""
    return (np.linalg.norm(np.asarray(acc_g, dtype=float), axis=1) - 1.0) * STANDARD_GRAVITY_MPS2


def moving_rms(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving RMS over ``window`` samples (shorter at the edges)."""
    window = max(int(window), 1)
    c = np.concatenate(([0.0], np.cumsum(np.asarray(x, dtype=float) ** 2)))
    i = np.arange(x.size)
    lo = np.clip(i - window // 2, 0, x.size)
    hi = np.clip(i + (window - window // 2), 0, x.size)
    return np.sqrt((c[hi] - c[lo]) / np.maximum(hi - lo, 1))


def _bandpass(x: np.ndarray, lo_hz: float, hi_hz: float, rate: float) -> np.ndarray:
    hi_hz = min(hi_hz, 0.45 * rate)
    if x.size < 16 or lo_hz >= hi_hz:
        return x - (x.mean() if x.size else 0.0)
    sos = butter_sos(2, (lo_hz, hi_hz), btype="bandpass", sampling_rate_hz=rate)
    padlen = min(3 * 2 * sos.shape[0], x.size - 1)
    return np.asarray(signal.sosfiltfilt(sos, x, padlen=padlen))


def rep_period(
    acc_mps2: np.ndarray, *, sampling_rate_hz: float, settings: SegmentationSettings
) -> tuple[float, float]:
    """Return the rep period (s) and its autocorrelation peak (0-1); NaN, 0 if none."""
    rate = check_sampling_rate(sampling_rate_hz)
    x = _bandpass(acc_mps2, *settings.period_band_hz, rate)
    x = x - x.mean() if x.size else x
    i0 = max(int(settings.min_period_s * rate), 1)
    i1 = min(int(settings.max_period_s * rate), x.size // 2)
    if i1 <= i0 + 2 or not np.any(x):
        return math.nan, 0.0
    nfft = 1 << int(np.ceil(np.log2(2 * x.size)))
    spec = np.fft.rfft(x, nfft)
    ac = np.fft.irfft(spec * np.conj(spec), nfft)[: x.size]
    # the biased estimate (not divided by the overlap) tapers long lags, so a rep's
    # period wins over its multiples
    ac = ac / ac[0]
    peaks, _ = signal.find_peaks(ac[i0:i1])
    if not peaks.size:
        return math.nan, 0.0
    heights = ac[i0:i1][peaks]
    if not heights.max() > 0:
        return math.nan, 0.0
    # the first peak nearly as high as the highest: a multiple of the period (an octave
    # error, as in pitch detection) correlates about as well as the period itself
    best = peaks[np.flatnonzero(heights >= settings.period_peak_fraction * heights.max())[0]]
    return (i0 + best) / rate, float(np.clip(ac[i0 + best], 0.0, 1.0))


def _proxy_gain(freq: np.ndarray, period_s: float, settings: SegmentationSettings) -> np.ndarray:
    """Gain of :func:`position_proxy`: double integration times the two band edges."""
    f0 = 1.0 / period_s
    order = 2 * settings.filter_order
    safe = np.maximum(freq, 1e-12)
    gain = np.where(freq > 0, -1.0 / (2 * np.pi * safe) ** 2, 0.0)
    gain /= np.sqrt(1.0 + (settings.highpass_fraction * f0 / safe) ** order)
    gain /= np.sqrt(1.0 + (freq / (settings.lowpass_harmonics * f0)) ** order)
    return np.asarray(gain)


def position_proxy(
    acc_mps2: np.ndarray,
    *,
    sampling_rate_hz: float,
    period_s: float,
    settings: SegmentationSettings,
) -> np.ndarray:
    """Band-limited double integral of ``acc_mps2`` (m), zero phase (step 4)."""
    rate = check_sampling_rate(sampling_rate_hz)
    n = acc_mps2.size
    if n < 4:
        return np.zeros(n)
    x = acc_mps2 - acc_mps2.mean()
    # mirror one period-bounded stretch at each end to soften the edges
    pad = min(n - 1, int(2 * period_s * rate))
    padded = np.concatenate((x[pad:0:-1], x, x[-2 : -pad - 2 : -1]))
    nfft = 1 << int(np.ceil(np.log2(2 * padded.size)))
    freq = np.fft.rfftfreq(nfft, 1.0 / rate)
    gain = _proxy_gain(freq, period_s, settings)
    out = np.fft.irfft(np.fft.rfft(padded, nfft) * gain, nfft)
    return np.asarray(out[pad : pad + n])


def _noise_excursion(
    noise_psd: float, *, sampling_rate_hz: float, period_s: float, settings: SegmentationSettings
) -> float:
    """RMS (m) that white noise of density ``noise_psd`` ((m/s^2)^2/Hz) gives the proxy.

    The variance is the density times the integral of the squared gain of
    :func:`position_proxy` over 0..Nyquist.
    """
    freq = np.linspace(0.0, sampling_rate_hz / 2, 4096)[1:]
    gain = _proxy_gain(freq, period_s, settings)
    return float(np.sqrt(noise_psd * np.trapezoid(gain**2, freq)))


def _bouts(
    activity: np.ndarray, noise: float, rate: float, settings: SegmentationSettings
) -> list[tuple[int, int]]:
    """Split at rests (activity under ``rest_noise_factor`` x noise) of ``set_gap_s`` or more."""
    quiet = activity <= settings.rest_noise_factor * noise
    n = quiet.size
    long_rest = int(settings.set_gap_s * rate)
    bouts, begin = [], 0
    for lo, hi in runs(quiet):
        if hi - lo < long_rest:
            continue
        if lo > begin:
            bouts.append((begin, int(lo)))
        begin = int(hi)
    if begin < n:
        bouts.append((begin, n))
    return bouts


def _segment_bout(
    acc: np.ndarray,
    a: int,
    b: int,
    *,
    rate: float,
    concentric_first: bool,
    noise_psd: float,
    settings: SegmentationSettings,
    proxy_out: np.ndarray,
    period_multiple: float = 1.0,
    measured: tuple[float, float] | None = None,
) -> Bout | None:
    seg = acc[a:b]
    # the bout's period and periodicity, unless the caller measured them already
    period, periodicity = measured or rep_period(seg, sampling_rate_hz=rate, settings=settings)
    if not math.isfinite(period):
        return None
    period *= period_multiple
    pos = position_proxy(seg, sampling_rate_hz=rate, period_s=period, settings=settings)
    proxy_out[a:b] = pos
    x = pos if concentric_first else -pos
    peaks, _ = signal.find_peaks(
        x, distance=max(1, int(settings.min_separation_periods * period * rate))
    )
    if not peaks.size:
        return Bout(a, b, period, periodicity, ())
    band = _bandpass(seg, settings.highpass_fraction / period, MOTION_BAND_TOP_HZ, rate)
    half = max(int(period * rate / 2), 1)

    def activity_at(idx: np.ndarray) -> np.ndarray:
        return np.array([np.sqrt(np.mean(band[max(0, i - half) : i + half] ** 2)) for i in idx])

    activity = activity_at(peaks)
    typical_activity = _typical(activity)
    # outside the first and last clearly moving turnaround, the band filter may ring over
    # a bar at rest; between them the rhythm vouches for a slow rep (a grind moves the
    # bar gently), which needs only to stand out of the sensor noise. A slow rep of full
    # range (``full_range_fraction``; a grind, a 3 s lowering) also moves the bar gently:
    # its range vouches for it when it rises and falls like a rep (a set-up move, such as
    # picking the bar up, does not) and is at most ``slow_rep_factor`` times slower than
    # typical (acceleration, and so activity, scales with range / duration^2)
    # A partial rep (a short first or last one) moves the bar gently too, but at the set's
    # tempo: it rises and falls like a rep and lasts, valley to valley, no longer than the
    # longest of the set's clearly active reps (a set-up move, such as a curl's pick-up,
    # takes longer than the set's reps)
    reach = excursions(x, peaks)
    clear = activity >= settings.min_activity_fraction * typical_activity
    spans, cut = rep_spans(x, peaks)
    longest = np.max(spans[clear & ~cut], initial=-np.inf)
    # a rep cut by the recording's edge shows its full range on both strokes
    full = np.where(cut, excursions(x, peaks, both_sides=True), reach)
    slow = (
        ((full >= settings.full_range_fraction * _typical(reach)) | (spans <= longest))
        & (activity >= typical_activity / settings.slow_rep_factor**2)
        & np.array(
            [
                whole_at_edge(x, peaks, k, settings.edge_balance_ratio, cut_ok=True)
                for k in range(peaks.size)
            ],
            dtype=bool,
        )
    )
    strong = np.flatnonzero(clear | slow)
    band_noise = math.sqrt(noise_psd * (MOTION_BAND_TOP_HZ - settings.highpass_fraction / period))
    inside = np.zeros(peaks.size, dtype=bool)
    if strong.size:
        inside[strong[0] : strong[-1] + 1] = True
    moving = inside & (activity >= settings.rest_noise_factor * band_noise)
    peaks, activity = peaks[moving], activity[moving]
    moving_peaks = peaks
    noise_floor_m = settings.min_excursion_noise_factor * _noise_excursion(
        noise_psd, sampling_rate_hz=rate, period_s=period, settings=settings
    )
    exc, typical = np.empty(0), math.nan  # set by the loop whenever a peak is left
    while peaks.size:
        exc = excursions(x, peaks)
        typical = _typical(exc)
        # the first and last turnaround may be a set-up move (picking the bar up, racking);
        # between two reps the rhythm vouches for a short, partial rep
        fraction = np.full(peaks.size, settings.min_interior_excursion_fraction)
        for k in {0, peaks.size - 1}:
            if not whole_at_edge(x, peaks, k, settings.edge_balance_ratio):
                fraction[k] = settings.min_excursion_fraction
        keep = (exc >= fraction * typical) & (exc >= noise_floor_m)
        if keep.all():
            break
        rejected = np.flatnonzero(~keep)
        drop = rejected[np.argmin(exc[rejected])]
        peaks = np.delete(peaks, drop)
        activity = np.delete(activity, drop)
    restored = restore_missed_turns(
        x, peaks, moving_peaks, period_samples=period * rate,
        floor_m=max(noise_floor_m, settings.min_hidden_excursion_fraction * typical),
    )  # fmt: skip
    if restored.size > peaks.size:
        peaks, activity, exc = restored, activity_at(restored), excursions(x, restored)
    if peaks.size and not typical <= MAX_PLAUSIBLE_EXCURSION_M:
        return Bout(
            a, b, period, periodicity, (), f"typical excursion {typical:.1f} m is not a lift"
        )
    cycles = []
    for k, i in enumerate(peaks):
        lo = peaks[k - 1] if k else 0
        hi = peaks[k + 1] if k + 1 < peaks.size else x.size - 1
        start = lo + int(np.argmin(x[lo : i + 1]))
        end = i + int(np.argmin(x[i : hi + 1]))
        cycles.append(
            Cycle(
                start_idx=a + start,
                turn_idx=a + int(i),
                end_idx=a + end,
                excursion_m=float(exc[k]),
                excursion_ratio=float(exc[k] / typical) if typical > 0 else math.nan,
                activity_ratio=float(activity[k] / typical_activity)
                if typical_activity > 0
                else math.nan,
                cut_at_start=start == 0,
                cut_at_end=end == x.size - 1,
            )
        )
    return Bout(a, b, period, periodicity, tuple(cycles))


def segment_cycles(
    acc_g: np.ndarray,
    *,
    sampling_rate_hz: float,
    concentric_first: bool,
    settings: SegmentationSettings | None = None,
    period_multiple: float = 1.0,
    periods_of: Segmentation | None = None,
) -> Segmentation:
    """Find the reps of a gap-free, uniformly sampled stretch by their rhythm.

    Parameters
    ----------
    acc_g
        Specific force (N, 3) in g, any sensor orientation.
    sampling_rate_hz
        Rate of the uniform grid.
    concentric_first
        Whether a rep starts at the bottom (deadlift, row, curl, press) rather than at
        the top (squat, bench).
    settings
        Parameters (module docs); the defaults when None.
    period_multiple
        Use this multiple of each bout's autocorrelation period (the caller's retry when
        the reps at the period itself are split, :func:`.cycle_reps.split_cycles`).
    periods_of
        The segmentation of the same ``acc_g`` with the same settings at
        ``period_multiple`` 1 (the caller's first try): its noise, bouts and periods are
        taken from it instead of measured again. The result is the same.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    settings = settings or SegmentationSettings()
    if periods_of is not None:
        acc, proxy = periods_of.vertical_acc_mps2, np.zeros(periods_of.vertical_acc_mps2.size)
        bouts = []
        for first in periods_of.bouts:
            bout = _segment_bout(
                acc, first.start_idx, first.end_idx, rate=rate,
                concentric_first=concentric_first, noise_psd=periods_of.noise_psd,
                settings=settings, proxy_out=proxy, period_multiple=period_multiple,
                measured=(first.period_s, first.periodicity),
            )  # fmt: skip
            if bout is not None:
                bouts.append(bout)
        return Segmentation(
            rate, periods_of.noise_floor_mps2, periods_of.noise_psd, tuple(bouts), proxy, acc
        )
    acc = vertical_acc_proxy(acc_g)
    proxy = np.zeros(acc.size)
    if acc.size < int(2 * settings.min_period_s * rate):
        return Segmentation(rate, math.nan, math.nan, (), proxy, acc)
    band = _bandpass(acc, settings.period_band_hz[0], MOTION_BAND_TOP_HZ, rate)
    noise_psd = sensor_noise_psd(acc, sampling_rate_hz=rate)
    noise = math.sqrt(noise_psd * (MOTION_BAND_TOP_HZ - settings.period_band_hz[0]))
    activity = moving_rms(band, round(rate))
    bouts = []
    for a, b in _bouts(activity, noise, rate, settings):
        if b - a < int(2 * settings.min_period_s * rate):
            continue
        bout = _segment_bout(
            acc, a, b, rate=rate, concentric_first=concentric_first, noise_psd=noise_psd,
            settings=settings, proxy_out=proxy, period_multiple=period_multiple,
        )  # fmt: skip
        if bout is not None:
            bouts.append(bout)
    return Segmentation(rate, noise, noise_psd, tuple(bouts), proxy, acc)
