"""Sample-time reconstruction for live BLE streams, with lost data reported as gaps.

Host arrival times are a poor clock for BLE samples. A peripheral queues notifications
and the radio sends them at connection events, so at 100 Hz with a 30 ms connection
interval three packets arrive together every 30 ms, each 0-30 ms after its samples were
taken, plus operating-system scheduling jitter. :class:`SampleClock` gives every sample
a time on the host's monotonic clock (seconds since a session anchor) by the best means
the protocol allows:

1. **Device timestamps** (Polar, Movesense, DIY): ``time = device_time + offset``. The
   offset (host minus device clock) is bounded above by every packet, since a packet
   arrives after its last sample was taken: ``offset <= arrival - device_time_last``.
   The first packet's bound fixes the offset for the session (the bias is that packet's
   latency, typically below one connection interval); the smallest bound seen later is
   kept in :attr:`SampleClock.offset_bound_s` for the record. Device-clock drift against
   the host (tens of ppm: a few ms per minute) is not corrected. A device time that jumps
   forward by more than 1.5 sample periods is a **gap** (``missing = round(dt * rate) - 1``);
   a sequence-number jump on the same packet labels it ``"sequence"``. The decoders let
   no corrupt counter through (:class:`repscope.ble.devices.base.ContinuityGate`); a batch
   marked ``resync`` (two packets agree on a jump of the device's counters) re-anchors the
   offset when the old one would put its samples before the previous ones or after
   their arrival.
2. **Host arrival times only** (WitMotion, MetaMotion): the samples of one connection are
   numbered ``k = 0, 1, ...`` and each packet's arrival is paired with the index of its last
   sample. Latency only ever adds to an arrival, so the clock line lies *under* the points
   (arrival against index). Over a sliding window (``window_s``) the sample period is the
   slope of the line that supports the points' lower convex hull at their mean index: the
   line under every point with the least total distance to them (the linear-programming
   skew estimator of Moon, Skelly and Towsley 1999, doi:10.1109/INFCOM.1999.752160). It
   depends only on the least-delayed packets, so a host stall that delays a run of
   notifications (a loaded machine, a garbage collection) does not tilt it, as it would tilt
   a least-squares fit. The period is limited to +-5 % of nominal and refitted at most every
   ``refit_s`` of arrivals. The offset is the *lower envelope*, the smallest
   ``arrival - period * k``: the packet with the least latency. Sample ``k`` gets
   ``offset + period * k``. Bursts therefore vanish. A packet lost inside a connection
   cannot be seen at once without sequence numbers: the envelope moves up by one period
   when the pre-loss packets leave the window, and that step is reported as a gap
   (``"host_time"``) up to ``window_s`` after the loss.
3. **Reconnection** starts a new host-time segment; the silence between the last sample
   before the link loss and the first one after it is reported as a ``"link_loss"`` gap
   (device-timestamp protocols report it from the device time instead).

Output times are strictly increasing: a sample that would not be later than its
predecessor is placed half a period after it (host mode), or dropped as a duplicate
(device-time mode, e.g. a repeated packet).

The maths is in pure functions (:func:`lower_envelope_fit`, :func:`find_time_gaps`,
:func:`sequence_gap`) so that it can be tested without Bluetooth.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from repscope.ble.devices.base import SampleBatch
from repscope.recording import check_sampling_rate

#: A device-time step longer than this many sample periods is a gap.
GAP_FACTOR = 1.5
#: Host-mode period estimates are kept within this fraction of the nominal period.
MAX_RATE_ERROR = 0.05
#: Host-mode least-squares period needs at least this much data (s) in the window.
MIN_FIT_SPAN_S = 2.0


@dataclass(frozen=True)
class Gap:
    """Samples that should exist but never arrived.

    Attributes
    ----------
    start_time_s
        Time of the last sample before the gap.
    end_time_s
        Time of the first sample after it.
    missing_samples
        Estimated number of samples lost.
    reason
        ``"sequence"`` (packet counter jumped), ``"device_time"`` (device clock jumped),
        ``"link_loss"`` (a reconnection), ``"host_time"`` (host-clock envelope step).
    """

    start_time_s: float
    end_time_s: float
    missing_samples: int
    reason: str

    def to_dict(self) -> dict[str, float | int | str]:
        """JSON-friendly form (for the recording sidecar)."""
        return {
            "start_time_s": round(self.start_time_s, 6),
            "end_time_s": round(self.end_time_s, 6),
            "missing_samples": self.missing_samples,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class TimedSamples:
    """Samples with reconstructed times (seconds since the session anchor)."""

    time_s: np.ndarray
    acc_g: np.ndarray
    gyr_dps: np.ndarray | None
    gaps: tuple[Gap, ...] = ()
    connection: int = 1

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.time_s.shape[0])


# ---------------------------------------------------------------------- pure functions
def lower_hull_slope(index: np.ndarray, arrival_s: np.ndarray) -> float | None:
    """Slope of the line under all points ``(index, arrival)`` closest to them in total.

    Among lines ``a + b * index`` with every point on or above them, the one minimising
    ``sum(arrival - a - b * index)`` maximises its height at the mean index, so it is the
    line through the edge of the points' lower convex hull that spans the mean index
    (Moon, Skelly and Towsley 1999, doi:10.1109/INFCOM.1999.752160). Delays only raise
    points, so the slope is set by the least-delayed ones.

    ``index`` must be strictly increasing. Returns ``None`` for fewer than two points.
    """
    x = np.asarray(index, dtype=np.float64)
    y = np.asarray(arrival_s, dtype=np.float64)
    if x.size < 2:
        return None
    hull: list[int] = []  # Andrew's monotone chain, lower half
    for i in range(x.size):
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            # drop a when it lies on or above the segment o -> i
            if (x[a] - x[o]) * (y[i] - y[o]) - (y[a] - y[o]) * (x[i] - x[o]) <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    x_mean = float(x.mean())
    for left, right in itertools.pairwise(hull):
        if x[right] >= x_mean:
            return float((y[right] - y[left]) / (x[right] - x[left]))
    return float((y[hull[-1]] - y[hull[-2]]) / (x[hull[-1]] - x[hull[-2]]))


def lower_envelope_fit(
    index: np.ndarray,
    arrival_s: np.ndarray,
    *,
    nominal_period_s: float,
    min_fit_span_s: float = MIN_FIT_SPAN_S,
    max_rate_error: float = MAX_RATE_ERROR,
    period_s: float | None = None,
) -> tuple[float, float]:
    """Fit ``arrival = offset + period * index`` under the arrivals.

    Parameters
    ----------
    index
        Sample index of the last sample of each packet (strictly increasing).
    arrival_s
        Host arrival time of each packet.
    nominal_period_s
        The configured sample period; used alone when the data span less than
        ``min_fit_span_s``, and the fitted period (:func:`lower_hull_slope`) is clipped to
        ``nominal * (1 +- max_rate_error)``.
    period_s
        Use this period instead of fitting one (the caller refits only now and then).

    Returns
    -------
    (offset_s, period_s)
        ``offset`` is the lower envelope ``min(arrival - period * index)``: the line passes
        through the least-delayed packet and under all others.
    """
    index = np.asarray(index, dtype=np.float64)
    arrival_s = np.asarray(arrival_s, dtype=np.float64)
    period = float(nominal_period_s) if period_s is None else float(period_s)
    if period_s is None and index.size >= 3 and arrival_s[-1] - arrival_s[0] >= min_fit_span_s:
        slope = lower_hull_slope(index, arrival_s)
        if slope is not None:
            low = nominal_period_s * (1 - max_rate_error)
            high = nominal_period_s * (1 + max_rate_error)
            period = min(max(slope, low), high)
    offset = float(np.min(arrival_s - period * index))
    return offset, period


def find_time_gaps(
    time_s: np.ndarray, *, sampling_rate_hz: float, reason: str, previous_s: float | None = None
) -> list[Gap]:
    """Gaps where consecutive times are more than :data:`GAP_FACTOR` periods apart.

    ``previous_s`` is the time of the sample before ``time_s[0]``, if any.
    """
    times = np.asarray(time_s, dtype=np.float64)
    if previous_s is not None:
        times = np.concatenate([[previous_s], times])
    if times.size < 2:
        return []
    period = 1.0 / check_sampling_rate(sampling_rate_hz)
    dt = np.diff(times)
    gaps = []
    for i in np.flatnonzero(dt > GAP_FACTOR * period):
        missing = max(1, round(dt[i] / period) - 1)
        gaps.append(Gap(float(times[i]), float(times[i + 1]), int(missing), reason))
    return gaps


def sequence_gap(previous_seq: int | None, seq: int | None, *, modulus: int = 1 << 16) -> int:
    """Packets missing between two sequence numbers (0 when unknown or consecutive)."""
    if previous_seq is None or seq is None:
        return 0
    step = (seq - previous_seq) % modulus
    return max(0, step - 1)


# ---------------------------------------------------------------------- stateful clock
@dataclass
class _HostSegment:
    connection: int
    next_index: int = 0
    fitted_at_s: float | None = None
    points: deque[tuple[int, float]] = field(default_factory=deque)


class SampleClock:
    """Give each sample of one device a time (see the module docs).

    Parameters
    ----------
    sampling_rate_hz
        The device's configured rate.
    anchor_s
        Host monotonic time of the session's zero (``time_s = monotonic - anchor_s``).
    window_s
        Sliding window of the host-time fit.
    refit_s
        Host-time mode: the period is refitted when this much arrival time has passed since
        the last fit (the offset is updated on every packet).

    Attributes
    ----------
    gaps
        Every gap found so far.
    offset_s
        Device-time mode: host minus device clock in use (``None`` before the first packet).
    offset_bound_s
        Device-time mode: smallest ``arrival - device_time`` seen (an upper bound of the
        true offset; ``offset_s - offset_bound_s`` bounds the offset's bias).
    mode
        ``"device_time"`` or ``"host_time"`` once the first batch was placed.
    """

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        anchor_s: float = 0.0,
        window_s: float = 10.0,
        refit_s: float = 0.5,
    ) -> None:
        self.sampling_rate_hz = check_sampling_rate(sampling_rate_hz)
        self.period_s = 1.0 / self.sampling_rate_hz
        self.anchor_s = float(anchor_s)
        self.window_s = float(window_s)
        self.refit_s = float(refit_s)
        self.gaps: list[Gap] = []
        self.mode: str | None = None
        self.offset_s: float | None = None
        self.offset_bound_s: float | None = None
        self.last_time_s: float | None = None
        self.samples_placed = 0
        self.lost_packets = 0
        self._last_device_time_s: float | None = None
        self._last_seq: int | None = None
        self._segment: _HostSegment | None = None
        self._fit_period_s = self.period_s

    def place(self, batch: SampleBatch, *, host_time_s: float, connection: int = 1) -> TimedSamples:
        """Time the samples of ``batch``, which arrived at ``host_time_s`` (monotonic).

        ``connection`` numbers the link (1, then +1 per reconnection).
        """
        if batch.n_samples == 0:
            return TimedSamples(np.zeros(0), batch.acc_g, batch.gyr_dps, (), connection)
        if batch.device_time_s is not None:
            self.mode = "device_time"
            out = self._place_device_time(batch, host_time_s - self.anchor_s)
        else:
            self.mode = "host_time"
            out = self._place_host_time(batch, host_time_s - self.anchor_s, connection)
        if out.n_samples:
            self.last_time_s = float(out.time_s[-1])
            self.samples_placed += out.n_samples
        self.gaps.extend(out.gaps)
        return TimedSamples(out.time_s, out.acc_g, out.gyr_dps, out.gaps, connection)

    @property
    def effective_rate_hz(self) -> float:
        """Host mode: the rate the envelope fit measures; else the nominal rate."""
        return 1.0 / self._fit_period_s

    # ------------------------------------------------------------------ device time
    def _place_device_time(self, batch: SampleBatch, arrival_s: float) -> TimedSamples:
        assert batch.device_time_s is not None
        device_t = batch.device_time_s
        missing_packets = 0 if batch.resync else sequence_gap(self._last_seq, batch.seq)
        if batch.seq is not None:
            self._last_seq = batch.seq
        self.lost_packets += missing_packets
        # a resync batch arrived with the packets that confirmed it: bound it by theirs
        bound = arrival_s - float(device_t[-1]) - (batch.lag_s if batch.resync else 0.0)
        restarted = (
            self._last_device_time_s is not None
            and device_t[0] < self._last_device_time_s - 1.0  # device clock went back: reboot
        )
        if batch.resync and self.offset_s is not None:
            # The device's counters jumped (confirmed by the decoder): keep the offset if it
            # still places the samples after the previous ones and before their arrival.
            first = float(device_t[0]) + self.offset_s
            restarted = (
                restarted
                or bound < self.offset_s
                or (self.last_time_s is not None and first <= self.last_time_s)
            )
        if self.offset_s is None or restarted:
            self.offset_s = bound
            self.offset_bound_s = bound
        self.offset_bound_s = min(self.offset_bound_s or bound, bound)
        times = device_t + self.offset_s
        keep = np.ones(times.shape[0], dtype=bool)
        if self.last_time_s is not None:
            # Output times never go back. After a re-anchoring, samples that fall at or
            # before ones already placed (placed too late from corrupt counters the decoder
            # let through) are dropped rather than shifted: the loss is bounded, a shift
            # would last for the rest of the session.
            keep = times > self.last_time_s
        times = times[keep]
        acc = batch.acc_g[keep]
        gyr = None if batch.gyr_dps is None else batch.gyr_dps[keep]
        self._last_device_time_s = float(device_t[-1])
        reason = "sequence" if missing_packets else "device_time"
        gaps = find_time_gaps(
            times,
            sampling_rate_hz=self.sampling_rate_hz,
            reason=reason,
            previous_s=self.last_time_s,
        )
        return TimedSamples(times, acc, gyr, tuple(gaps))

    # ------------------------------------------------------------------ host time
    def _place_host_time(
        self, batch: SampleBatch, arrival_s: float, connection: int
    ) -> TimedSamples:
        segment = self._segment
        new_segment = segment is None or segment.connection != connection
        if new_segment:
            segment = self._segment = _HostSegment(connection)
            self._fit_period_s = self.period_s
        assert segment is not None
        n = batch.n_samples
        last_index = segment.next_index + n - 1
        segment.points.append((last_index, arrival_s))
        while segment.points and arrival_s - segment.points[0][1] > self.window_s:
            segment.points.popleft()
        index = np.fromiter((p[0] for p in segment.points), dtype=np.float64)
        arrivals = np.fromiter((p[1] for p in segment.points), dtype=np.float64)
        refit = segment.fitted_at_s is None or arrival_s - segment.fitted_at_s >= self.refit_s
        offset, period = lower_envelope_fit(
            index,
            arrivals,
            nominal_period_s=self.period_s,
            period_s=None if refit else self._fit_period_s,
        )
        if refit and arrivals[-1] - arrivals[0] >= MIN_FIT_SPAN_S:
            segment.fitted_at_s = arrival_s
        self._fit_period_s = period
        k = segment.next_index + np.arange(n, dtype=np.float64)
        times = offset + period * k
        segment.next_index += n
        gaps: list[Gap] = []
        if self.last_time_s is not None:
            # never go back in time: squeeze behind the previous sample if needed
            floor = self.last_time_s + 0.5 * period * np.arange(1, n + 1)
            times = np.maximum(times, floor)
            reason = "link_loss" if new_segment else "host_time"
            gaps = find_time_gaps(
                times,
                sampling_rate_hz=1.0 / period,
                reason=reason,
                previous_s=self.last_time_s,
            )
        return TimedSamples(times, batch.acc_g, batch.gyr_dps, tuple(gaps))
