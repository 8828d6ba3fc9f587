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
   (arrival against index). A slope is that of the line that supports the points' lower
   convex hull at their mean index: the line under every point with the least total
   distance to them (the linear-programming skew estimator of Moon, Skelly and Towsley
   1999, doi:10.1109/INFCOM.1999.752160). It depends only on the least-delayed packets, so
   a short stall that delays a run of notifications is bridged, as it would not be by a
   least-squares fit. A stall of *seconds* is not: on a loaded machine (the live analysis
   runs on the same event loop) every notification can arrive 10-20 ms late for seconds,
   so the least latency steps, and a hull over a few seconds reads the step as a rate
   error (through the emulator with both cores busy: a period 2000-4000 ppm off for
   seconds, samples placed up to 20 ms off). The sample period belongs to the sensor's
   crystal, off by up to a few percent but steady (drift: tens of ppm), so it is measured
   over the connection, not the offset window: up to ``PERIOD_SPAN_S`` (120 s) of
   arrivals, kept as the lower-hull vertices of each second (the hull of a union is the
   hull of the parts' hulls), refitted every ``refit_s`` once ``MIN_FIT_SPAN_S`` (2 s) is
   covered, and kept across reconnections. The slopes of the first half, the second half
   and the whole are compared: a rate error tilts them alike, a stall of seconds raises
   the least latency in one half only, so they disagree. The period moves only as far as
   they agree (the current period is clipped to their range: :func:`agreed_period`), and
   is limited to +-5 % of nominal. The offset is the *lower envelope* over the sliding
   window (``window_s``), the smallest ``arrival - period * k``: the packet with the least
   latency. Sample ``k`` gets ``offset + period * k``. Bursts therefore vanish. A drop in
   the least latency (a stall ending) still moves the envelope down at once: the samples
   timed during the stall keep their later times. A packet lost inside a connection
   cannot be seen at once without sequence numbers: the envelope moves up by one period
   when the pre-loss packets leave the window, and that step is reported as a gap
   (``"host_time"``) up to ``window_s`` after the loss.
3. **Reconnection** starts a new host-time segment; the silence between the last sample
   before the link loss and the first one after it is reported as a ``"link_loss"`` gap
   (device-timestamp protocols report it from the device time instead).

Output times are strictly increasing: a sample that would not be later than its
predecessor is placed half a period after it (host mode), or dropped as a duplicate
(device-time mode, e.g. a repeated packet).

The maths is in pure functions (:func:`lower_hull_slope`, :func:`split_half_slopes`,
:func:`agreed_period`, :func:`lower_envelope_fit`, :func:`find_time_gaps`,
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
#: Host-mode period fit needs at least this much data (s) in the connection.
MIN_FIT_SPAN_S = 2.0
#: Host mode: the period is fitted over at most this much of the connection (s).
PERIOD_SPAN_S = 120.0
#: Host mode: arrivals are summarised by their lower hull per block of this length (s).
HULL_BLOCK_S = 1.0


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
def lower_hull(index: np.ndarray, arrival_s: np.ndarray) -> np.ndarray:
    """Positions of the vertices of the points' lower convex hull, left to right.

    Andrew's monotone chain (lower half); ``index`` must be strictly increasing.
    """
    x = np.asarray(index, dtype=np.float64)
    y = np.asarray(arrival_s, dtype=np.float64)
    hull: list[int] = []
    for i in range(x.size):
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            # drop a when it lies on or above the segment o -> i
            if (x[a] - x[o]) * (y[i] - y[o]) - (y[a] - y[o]) * (x[i] - x[o]) <= 0:
                hull.pop()
            else:
                break
        hull.append(i)
    return np.asarray(hull, dtype=np.intp)


def lower_hull_slope(
    index: np.ndarray, arrival_s: np.ndarray, *, at_index: float | None = None
) -> float | None:
    """Slope of the line under all points ``(index, arrival)`` closest to them in total.

    Among lines ``a + b * index`` with every point on or above them, the one minimising
    ``sum(arrival - a - b * index)`` maximises its height at the mean index, so it is the
    line through the edge of the points' lower convex hull that spans the mean index
    (Moon, Skelly and Towsley 1999, doi:10.1109/INFCOM.1999.752160). Delays only raise
    points, so the slope is set by the least-delayed ones.

    ``at_index`` replaces the mean index (points summarised by their hull vertices no
    longer have the mean of the original points). ``index`` must be strictly increasing.
    Returns ``None`` for fewer than two points.
    """
    x = np.asarray(index, dtype=np.float64)
    y = np.asarray(arrival_s, dtype=np.float64)
    if x.size < 2:
        return None
    hull = lower_hull(x, y)
    x_mean = float(x.mean()) if at_index is None else float(at_index)
    for left, right in itertools.pairwise(hull):
        if x[right] >= x_mean:
            return float((y[right] - y[left]) / (x[right] - x[left]))
    return float((y[hull[-1]] - y[hull[-2]]) / (x[hull[-1]] - x[hull[-2]]))


def split_half_slopes(
    index: np.ndarray, arrival_s: np.ndarray
) -> tuple[float, float, float] | None:
    """Lower-hull slopes (:func:`lower_hull_slope`) of the first half, the second, and all.

    The points are split at the middle of their index range, and each slope is taken at
    the middle of its points' index range (the mean index of evenly numbered packets;
    the points may be hull vertices standing for many more). ``index`` must be strictly
    increasing. Returns ``None`` when a half has fewer than two points.
    """
    x = np.asarray(index, dtype=np.float64)
    y = np.asarray(arrival_s, dtype=np.float64)
    if x.size < 4:
        return None
    middle = 0.5 * (x[0] + x[-1])
    slopes = []
    for part in (x <= middle, x >= middle, np.ones(x.size, dtype=bool)):
        if np.count_nonzero(part) < 2:
            return None
        xp = x[part]
        slope = lower_hull_slope(xp, y[part], at_index=0.5 * (xp[0] + xp[-1]))
        assert slope is not None
        slopes.append(slope)
    return slopes[0], slopes[1], slopes[2]


def agreed_period(current_s: float, slopes: tuple[float, ...] | None) -> float:
    """Move the period only as far as the halves of the data (and all of it) agree.

    A sensor's rate error (its crystal) tilts the least-delayed packets the same way in
    both halves; a host stall that delays every notification for seconds raises them in
    one half only, so the halves' slopes disagree and a period between them is kept.
    The result is ``current_s`` clipped to the range of ``slopes``
    (:func:`split_half_slopes`); ``None`` keeps it.
    """
    if slopes is None:
        return float(current_s)
    return float(min(max(current_s, min(slopes)), max(slopes)))


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
    #: (last sample index, arrival) of the packets in the offset window
    points: deque[tuple[int, float]] = field(default_factory=deque)
    #: the period's data: the lower-hull vertices of each closed block of arrivals
    #: (first arrival of the block, indices, arrivals), then the open block's packets
    blocks: deque[tuple[float, np.ndarray, np.ndarray]] = field(default_factory=deque)
    open_start_s: float | None = None
    open_index: list[int] = field(default_factory=list)
    open_arrival_s: list[float] = field(default_factory=list)

    def add(self, index: int, arrival_s: float, *, window_s: float) -> None:
        self.points.append((index, arrival_s))
        while self.points and arrival_s - self.points[0][1] > window_s:
            self.points.popleft()
        if self.open_start_s is not None and arrival_s - self.open_start_s >= HULL_BLOCK_S:
            x = np.asarray(self.open_index, dtype=np.float64)
            y = np.asarray(self.open_arrival_s, dtype=np.float64)
            vertices = lower_hull(x, y)
            self.blocks.append((self.open_start_s, x[vertices], y[vertices]))
            self.open_start_s = None
            self.open_index.clear()
            self.open_arrival_s.clear()
            while self.blocks and arrival_s - self.blocks[0][0] > PERIOD_SPAN_S:
                self.blocks.popleft()
        if self.open_start_s is None:
            self.open_start_s = arrival_s
        self.open_index.append(index)
        self.open_arrival_s.append(arrival_s)

    def span_s(self) -> float:
        first = self.blocks[0][0] if self.blocks else self.open_start_s
        return 0.0 if first is None else self.open_arrival_s[-1] - first

    def period_points(self) -> tuple[np.ndarray, np.ndarray]:
        x = [b[1] for b in self.blocks] + [np.asarray(self.open_index, dtype=np.float64)]
        y = [b[2] for b in self.blocks] + [np.asarray(self.open_arrival_s, dtype=np.float64)]
        return np.concatenate(x), np.concatenate(y)


class SampleClock:
    """Give each sample of one device a time (see the module docs).

    Parameters
    ----------
    sampling_rate_hz
        The device's configured rate.
    anchor_s
        Host monotonic time of the session's zero (``time_s = monotonic - anchor_s``).
    window_s
        Host-time mode: sliding window of the offset (the lower envelope); the period is
        measured over the connection (up to :data:`PERIOD_SPAN_S`).
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
            # the period belongs to the sensor's crystal, not to the link: it is kept
            segment = self._segment = _HostSegment(connection)
        assert segment is not None
        n = batch.n_samples
        last_index = segment.next_index + n - 1
        segment.add(last_index, arrival_s, window_s=self.window_s)
        period = self._fit_period_s
        refit = segment.fitted_at_s is None or arrival_s - segment.fitted_at_s >= self.refit_s
        if refit and segment.span_s() >= MIN_FIT_SPAN_S:
            segment.fitted_at_s = arrival_s
            slopes = split_half_slopes(*segment.period_points())
            period = agreed_period(period, slopes)
            low = self.period_s * (1 - MAX_RATE_ERROR)
            high = self.period_s * (1 + MAX_RATE_ERROR)
            period = min(max(period, low), high)
        index = np.fromiter((p[0] for p in segment.points), dtype=np.float64)
        arrivals = np.fromiter((p[1] for p in segment.points), dtype=np.float64)
        offset, period = lower_envelope_fit(
            index, arrivals, nominal_period_s=self.period_s, period_s=period
        )
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
