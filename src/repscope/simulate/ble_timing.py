"""Bursty BLE row timing and stale rows, as a board streaming text lines over BLE shows them.

Modelled on the 25 clean sets of ``shared/realdata/feather_bar`` (LSM6DS33 on an
nRF52840 Feather, Nordic UART to a laptop; ``benchmarks/real_vs_sim.py`` measures them):

- Rows arrive in bursts, one burst per BLE connection event about 30 ms apart: 3 rows
  2-4 ms apart, then a 22-24 ms gap (row intervals 3-4 ms alternate with 20-35 ms).
  Bursts of 1 or 2 rows are common on a poor link (a third to a half of all bursts there).
- Missed connection events lengthen a gap to a multiple of the interval (53-61, 83-90 ms);
  stalls of 100-440 ms occur a few times per set (longest interval 61 / 134 / 442 ms,
  min / median / max over sets).
- Stale rows, 25-34% of rows: the previous row's six motion values under a new
  timestamp. They are rows read 2-4 ms after the previous one, before the sensor had a
  new sample; a row opening a burst is never stale in the real data.
- Half-stale rows: only the accelerometer's three values repeat (2.4 / 3.5 / 3.9% of
  rows) or only the gyro's (3.2 / 3.8 / 4.6%); the two are read separately.
- 23-59 distinct (not stale) samples per second.

The model
---------
1. Connection events at ``t_k = t_{k-1} + interval_s · (1 + m_k)``, where ``m_k``, the
   number of missed events, is geometric with per-event miss probability
   ``miss_probability``. Stalls: a Poisson process of ``stalls_per_s`` adds
   U(``stall_s``) seconds of silence.
2. An event carries 3 rows, or with probability ``short_burst_probability`` 1 or 2
   (equally likely); rows within a burst are U(``row_spacing_s``) apart.
3. Time stamps are the row's read instant rounded to ``clock_resolution_s`` (the board's
   millisecond clock); rows within a burst are at least ``row_spacing_s[0]`` apart, so
   stamps stay increasing.
4. ``round(stale_share · n)`` of the rows inside bursts (not the first of a burst) are
   chosen at random, without replacement and with weights ``spacing^-4``, and marked
   stale (capped at the number of such rows). The sooner a row follows the previous one,
   the likelier the sensor has no new sample: in the real sets a fresh row is 4 ms after
   the previous fresh one at the 10th percentile, while 36% of all row spacings are 3 ms.
5. Of the other rows inside bursts, ``round(half_stale_share · n)`` (capped) are chosen
   the same way and repeat the previous row's accelerometer or (equally likely) gyro
   values only.

Values of a fresh row are the sensor's signal at the row's read instant; a stale row
repeats the previous row's values exactly (see :mod:`repscope.simulate.sensor`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from repscope.errors import InputError

#: Stale rows are chosen with weight ``spacing ** -STALE_SPACING_EXPONENT`` (module docs).
STALE_SPACING_EXPONENT = 4.0


@dataclass(frozen=True)
class BleTiming:
    """Parameters of the bursty BLE timing (see module docs for the measured values).

    Attributes
    ----------
    interval_s
        BLE connection interval, default 0.030 s (bursts about 30 ms apart).
    miss_probability
        Probability that a connection event is missed (the gap grows by one interval);
        default 0.08.
    short_burst_probability
        Probability that an event carries 1 or 2 rows instead of 3; default 0.1.
    row_spacing_s
        Range of the uniform spacing of rows within a burst; default 2.8-4.5 ms (real
        rows within a burst: 4 ms in 60%, 3 ms in 36%, 2 or 5 ms in the rest).
    stalls_per_s
        Rate of longer stalls; default 0.05 per second.
    stall_s
        Range of a stall's extra silence; default 0.10-0.44 s.
    stale_share
        Share of all rows that repeat the previous row's values; default 0.33.
    half_stale_share
        Share of all rows that repeat only the accelerometer's or only the gyro's values;
        default 0 (real: 6-8%).
    clock_resolution_s
        Resolution of the time stamps; default 0.001 s (a millisecond clock).
    """

    interval_s: float = 0.030
    miss_probability: float = 0.08
    short_burst_probability: float = 0.1
    row_spacing_s: tuple[float, float] = (0.0028, 0.0045)
    stalls_per_s: float = 0.05
    stall_s: tuple[float, float] = (0.10, 0.44)
    stale_share: float = 0.33
    half_stale_share: float = 0.0
    clock_resolution_s: float = 0.001

    def __post_init__(self) -> None:
        if not (math.isfinite(self.interval_s) and 0.005 <= self.interval_s <= 1.0):
            raise InputError("BleTiming.interval_s must lie in 0.005-1 s")
        for name in ("miss_probability", "short_burst_probability"):
            v = getattr(self, name)
            if not 0 <= v < 0.95:
                raise InputError(f"BleTiming.{name} must lie in [0, 0.95)")
        if not 0 <= self.stale_share < 0.6:
            raise InputError("BleTiming.stale_share must lie in [0, 0.6)")
        if not 0 <= self.half_stale_share < 0.3:
            raise InputError("BleTiming.half_stale_share must lie in [0, 0.3)")
        if not (math.isfinite(self.stalls_per_s) and self.stalls_per_s >= 0):
            raise InputError("BleTiming.stalls_per_s must be zero or positive")
        lo, hi = self.row_spacing_s
        if not 0 < lo <= hi or 3 * hi >= self.interval_s:
            raise InputError(
                "BleTiming.row_spacing_s must be positive, ordered, and a 3-row burst must "
                "fit in one interval"
            )
        if not 0 < self.clock_resolution_s <= lo / 2:
            raise InputError(
                "BleTiming.clock_resolution_s must be positive and at most half the smallest "
                "row spacing (time stamps must stay increasing)"
            )
        s_lo, s_hi = self.stall_s
        if not 0 <= s_lo <= s_hi:
            raise InputError("BleTiming.stall_s must be an ordered pair of non-negative numbers")


@dataclass
class BleRows:
    """Rows of a BLE stream.

    ``read_time_s`` is each row's true read instant, ``stamp_s`` its time stamp (rounded
    to the clock), ``stale`` marks rows that repeat the previous row's values,
    ``acc_stale`` and ``gyr_stale`` rows that repeat only those (``stale`` rows are in
    neither) and ``burst_start`` the first row of each burst.
    """

    read_time_s: np.ndarray
    stamp_s: np.ndarray
    stale: np.ndarray
    burst_start: np.ndarray
    acc_stale: np.ndarray
    gyr_stale: np.ndarray


def ble_rows(start_s: float, end_s: float, timing: BleTiming, rng: np.random.Generator) -> BleRows:
    """Row times and stale marks of a stream covering ``[start_s, end_s]`` (module docs).

    The first row is at ``start_s``; no row is later than ``end_s``. Random draws, in
    order: event gaps and stalls, burst sizes, row spacings, stale choice, then (only when
    ``half_stale_share > 0``) the half-stale choice and which half.
    """
    span = end_s - start_s
    if span <= 0:
        raise InputError("a BLE stream needs a positive duration")
    n_max = int(span / timing.interval_s) + 2
    misses = rng.geometric(1.0 - timing.miss_probability, n_max) - 1
    gaps = timing.interval_s * (1 + misses)
    n_stalls = rng.poisson(timing.stalls_per_s * span)
    stall_at = rng.integers(0, n_max, n_stalls)
    np.add.at(gaps, stall_at, rng.uniform(*timing.stall_s, n_stalls))
    events = start_s + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    events = events[events <= end_s]
    n_ev = events.size
    short = rng.uniform(size=n_ev) < timing.short_burst_probability
    sizes = np.where(short, rng.integers(1, 3, n_ev), 3)
    owner = np.repeat(np.arange(n_ev), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(owner.size) - first[owner]
    spacing = rng.uniform(*timing.row_spacing_s, owner.size)
    spacing[pos == 0] = 0.0
    offset = np.zeros(owner.size)
    for k in (1, 2):  # within-burst cumulative spacing (bursts hold at most 3 rows)
        sel = pos == k
        offset[sel] = offset[np.flatnonzero(sel) - 1] + spacing[sel]
    read = events[owner] + offset
    keep = read <= end_s
    read, pos = read[keep], pos[keep]
    res = timing.clock_resolution_s
    stamp = np.round(read / res) * res
    inner = np.flatnonzero(pos > 0)
    n_stale = min(round(timing.stale_share * read.size), inner.size)
    stale = np.zeros(read.size, dtype=bool)
    weight = np.zeros(read.size)  # only rows inside bursts are ever chosen
    weight[inner] = spacing[keep][inner] ** -STALE_SPACING_EXPONENT
    if n_stale:
        w = weight[inner]
        stale[rng.choice(inner, n_stale, replace=False, p=w / w.sum())] = True
    acc_stale = np.zeros(read.size, dtype=bool)
    gyr_stale = np.zeros(read.size, dtype=bool)
    if timing.half_stale_share > 0:
        rest = inner[~stale[inner]]
        n_half = min(round(timing.half_stale_share * read.size), rest.size)
        if n_half:
            w = weight[rest]
            half = rng.choice(rest, n_half, replace=False, p=w / w.sum())
            on_acc = rng.uniform(size=n_half) < 0.5
            acc_stale[half[on_acc]] = True
            gyr_stale[half[~on_acc]] = True
    return BleRows(
        read_time_s=read,
        stamp_s=stamp,
        stale=stale,
        burst_start=pos == 0,
        acc_stale=acc_stale,
        gyr_stale=gyr_stale,
    )
