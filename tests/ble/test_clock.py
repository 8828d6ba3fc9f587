"""Sample-clock reconstruction, without Bluetooth: bursts, gaps, sequence numbers."""

from __future__ import annotations

import numpy as np
import pytest

from repscope.ble.clock import (
    SampleClock,
    agreed_period,
    find_time_gaps,
    lower_envelope_fit,
    lower_hull_slope,
    sequence_gap,
    split_half_slopes,
)
from repscope.ble.devices import SampleBatch

pytestmark = pytest.mark.ble


def bursty_arrivals(
    n_packets: int,
    *,
    rate_hz: float,
    per_packet: int,
    interval_s: float,
    true_rate_hz: float | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """True time of each packet's last sample, and its arrival at the next connection event."""
    rng = np.random.default_rng(seed)
    true_rate = true_rate_hz or rate_hz
    last_sample_s = 10.0 + (np.arange(n_packets) * per_packet + per_packet - 1) / true_rate
    events = np.ceil(last_sample_s / interval_s) * interval_s
    arrival_s = events + 0.002 + rng.uniform(0, 0.003, n_packets)  # stack + OS latency
    return last_sample_s, arrival_s


def test_host_clock_removes_connection_interval_bursts():
    rate, per_packet = 100.0, 1
    last_s, arrival_s = bursty_arrivals(3000, rate_hz=rate, per_packet=per_packet, interval_s=0.03)
    # arrivals come three at a time: host stamps are not a clock
    assert np.percentile(np.diff(arrival_s), 90) > 0.025
    assert np.percentile(np.diff(arrival_s), 10) < 0.002
    clock = SampleClock(sampling_rate_hz=rate)
    times = np.concatenate(
        [clock.place(SampleBatch(acc_g=np.zeros((1, 3))), host_time_s=t).time_s for t in arrival_s]
    )
    assert clock.mode == "host_time"
    assert np.all(np.diff(times) > 0)
    settled = slice(500, None)  # after the first 5 s the fit uses the measured period
    intervals = np.diff(times[settled])
    # raw stamps are off by up to 20 ms; refits of the envelope move samples by < 0.5 ms
    assert np.percentile(np.abs(intervals - 1 / rate), 99) < 2e-4
    assert np.abs(intervals - 1 / rate).max() < 5e-4
    offset = np.median(times - last_s)
    assert np.abs((times - last_s - offset)[settled]).max() < 0.003
    assert clock.gaps == []


def test_host_clock_measures_a_device_running_slow():
    # a cheap sensor configured for 100 Hz that really samples at 98.5 Hz
    _last_s, arrival_s = bursty_arrivals(
        3000, rate_hz=100, per_packet=1, interval_s=0.03, true_rate_hz=98.5
    )
    clock = SampleClock(sampling_rate_hz=100)
    times = np.concatenate(
        [clock.place(SampleBatch(acc_g=np.zeros((1, 3))), host_time_s=t).time_s for t in arrival_s]
    )
    assert clock.effective_rate_hz == pytest.approx(98.5, rel=2e-3)
    assert np.median(np.diff(times[1000:])) == pytest.approx(1 / 98.5, rel=2e-3)


def test_host_clock_is_not_tilted_by_host_stalls():
    # a loaded host: every notification a little late, and every 2 s a 0.2 s stall after
    # which the queued notifications arrive together. Only arrivals are delayed, never
    # advanced, so the clock must follow the least-delayed packets and not step.
    # (A least-squares period fit stepped by 10.6 ms here.)
    rate = 100.0
    last_s, arrival_s = bursty_arrivals(1500, rate_hz=rate, per_packet=1, interval_s=0.03)
    rng = np.random.default_rng(3)
    arrival_s = arrival_s + rng.exponential(0.002, arrival_s.size)
    for stall_start in np.arange(11.0, last_s[-1], 2.0):
        stalled = (arrival_s >= stall_start) & (arrival_s < stall_start + 0.2)
        arrival_s[stalled] = stall_start + 0.2 + 1e-4 * np.arange(stalled.sum())
    clock = SampleClock(sampling_rate_hz=rate)
    times = np.concatenate(
        [clock.place(SampleBatch(acc_g=np.zeros((1, 3))), host_time_s=t).time_s for t in arrival_s]
    )
    error_s = times - last_s
    error_s -= np.median(error_s)
    settled = slice(300, None)  # the period is fitted from 2 s of data on
    assert np.abs(error_s[settled]).max() < 0.003
    # The period changes only as far as both halves of the connection agree, so the
    # first estimate (2 s of data, 960 ppm long) is kept until 4.7 s; while the period is
    # long the envelope follows the newest least-delayed packet and stepped once by
    # 1.4 ms (with a period refitted from scratch every 0.5 s: < 1 ms). The 30 ms bursts
    # are what this bounds.
    assert np.abs(np.diff(times[settled]) - 1 / rate).max() < 2e-3
    assert clock.gaps == []


def _place_all(clock: SampleClock, arrival_s: np.ndarray) -> np.ndarray:
    return np.concatenate(
        [clock.place(SampleBatch(acc_g=np.zeros((1, 3))), host_time_s=t).time_s for t in arrival_s]
    )


@pytest.mark.parametrize("stall_s", [(10.0, 14.0), (20.0, 26.0)])
def test_host_clock_period_is_not_tilted_by_a_multi_second_stall(stall_s):
    # A loaded host delivers every notification 20 ms late for seconds: from the start of
    # the connection (the session starting while the machine is busy), or for 6 s in the
    # middle, longer than half the 10 s offset window. The least latency steps by 20 ms,
    # which a period fitted over a few seconds took for a rate error: the period was
    # 0.5% short for 4 s and the samples were placed up to 20 ms early (through the
    # emulator on a busy machine: 2000-4000 ppm, 8-20 ms). The sensor's crystal is not
    # what changed, so the period must not follow.
    rate = 100.0
    last_s, arrival_s = bursty_arrivals(3000, rate_hz=rate, per_packet=1, interval_s=0.03)
    stalled = (arrival_s >= stall_s[0]) & (arrival_s < stall_s[1])
    arrival_s[stalled] += 0.020
    clock = SampleClock(sampling_rate_hz=rate)
    periods = []
    times = []
    for t in arrival_s:
        times.append(clock.place(SampleBatch(acc_g=np.zeros((1, 3))), host_time_s=t).time_s)
        periods.append(1 / clock.effective_rate_hz)
    time_s = np.concatenate(times)
    assert np.abs(np.array(periods) * rate - 1).max() < 5e-4
    error_s = time_s - last_s
    error_s -= np.median(error_s)
    # the samples delivered late during the stall may be placed late (the clock cannot
    # know that the least latency will drop), and the first ones after it are squeezed
    # behind them (times never go back); every other sample is within 3 ms
    outside = (last_s > 12.0) & ((last_s < stall_s[0]) | (last_s > stall_s[1] + 0.1))
    assert np.abs(error_s[outside]).max() < 0.003


def test_host_clock_still_follows_a_slow_device_through_a_stall():
    # the same stall with a sensor really sampling at 98.5 Hz: the rate is still measured
    rate = 100.0
    last_s, arrival_s = bursty_arrivals(
        3000, rate_hz=rate, per_packet=1, interval_s=0.03, true_rate_hz=98.5
    )
    arrival_s[(arrival_s >= 10.0) & (arrival_s < 14.0)] += 0.020
    clock = SampleClock(sampling_rate_hz=rate)
    time_s = _place_all(clock, arrival_s)
    assert clock.effective_rate_hz == pytest.approx(98.5, rel=5e-4)
    error_s = time_s - last_s
    error_s -= np.median(error_s)
    assert np.abs(error_s[last_s > 16.0]).max() < 0.003


def test_lower_hull_slope_ignores_delayed_points():
    index = np.arange(200, dtype=float)
    arrival = 2.0 + 0.01 * index
    arrival[150:190] += np.linspace(0.3, 0.0, 40)  # a stall late in the window
    assert lower_hull_slope(index, arrival) == pytest.approx(0.01)
    assert lower_hull_slope(index[:1], arrival[:1]) is None


def test_split_half_slopes_tell_a_stall_from_a_rate_error():
    index = np.arange(400, dtype=float)
    drift = 2.0 + 0.0101 * index  # a crystal 1% slow: both halves and the whole agree
    first, second, whole = split_half_slopes(index, drift)
    assert first == pytest.approx(0.0101) and second == pytest.approx(0.0101)
    assert agreed_period(0.01, (first, second, whole)) == pytest.approx(0.0101)
    stalled = 2.0 + 0.01 * index
    stalled[:150] += 0.02  # the first 1.5 s delivered 20 ms late
    first, second, whole = split_half_slopes(index, stalled)
    assert second == pytest.approx(0.01)
    assert first < 0.01 and whole < 0.01
    assert agreed_period(0.01, (first, second, whole)) == 0.01  # the halves disagree
    assert split_half_slopes(index[:3], stalled[:3]) is None
    assert agreed_period(0.01, None) == 0.01


def test_lower_envelope_passes_through_the_least_delayed_packet():
    index = np.arange(10)
    arrival = 1.0 + index * 0.01 + np.array([5, 3, 0, 4, 6, 2, 7, 1, 3, 5]) * 1e-3
    offset, period = lower_envelope_fit(index, arrival, nominal_period_s=0.01)
    assert period == 0.01  # too short a span to fit: nominal period
    assert offset == pytest.approx(1.0)  # packet 2 had no delay
    assert np.all(arrival - (offset + period * index) >= -1e-12)


def test_device_time_clock_keeps_device_spacing_and_reports_sequence_gaps():
    rate = 200.0
    clock = SampleClock(sampling_rate_hz=rate, anchor_s=100.0)
    out = []
    for seq in range(40):
        if seq in (10, 11, 12):  # three packets of 4 samples lost
            continue
        device_t = 5.0 + (seq * 4 + np.arange(4)) / rate
        arrival = 100.0 + 0.02 + (seq * 4 + 3) / rate + (seq % 3) * 0.01  # bursty
        out.append(
            clock.place(
                SampleBatch(acc_g=np.zeros((4, 3)), device_time_s=device_t, seq=seq),
                host_time_s=arrival,
            )
        )
    times = np.concatenate([o.time_s for o in out])
    assert clock.mode == "device_time"
    steps = np.diff(times)
    assert np.sum(steps > 1.5 / rate) == 1
    assert np.allclose(steps[steps < 1.5 / rate], 1 / rate)
    (gap,) = clock.gaps
    assert gap.reason == "sequence"
    assert gap.missing_samples == 12
    assert clock.lost_packets == 3
    assert gap.end_time_s - gap.start_time_s == pytest.approx(13 / rate)
    # the offset is the first packet's bound: that packet's latency (20 ms) is the bias
    assert times[0] == pytest.approx(0.02, abs=1e-9)


def test_host_clock_reports_reconnection_as_link_loss_gap():
    rate = 50.0
    clock = SampleClock(sampling_rate_hz=rate)
    for k in range(100):
        clock.place(SampleBatch(acc_g=np.zeros((1, 3))), host_time_s=k / rate, connection=1)
    # 1.5 s later the link is back
    for k in range(50):
        clock.place(SampleBatch(acc_g=np.zeros((1, 3))), host_time_s=3.5 + k / rate, connection=2)
    (gap,) = clock.gaps
    assert gap.reason == "link_loss"
    assert gap.missing_samples == round((3.5 - 99 / rate) * rate) - 1


def test_device_time_duplicate_packet_is_dropped():
    clock = SampleClock(sampling_rate_hz=100)
    batch = SampleBatch(acc_g=np.ones((2, 3)), device_time_s=np.array([1.0, 1.01]), seq=7)
    assert clock.place(batch, host_time_s=5.0).n_samples == 2
    assert clock.place(batch, host_time_s=5.03).n_samples == 0
    assert clock.gaps == []


def test_sequence_gap_wraps_at_16_bits():
    assert sequence_gap(65534, 1) == 2
    assert sequence_gap(5, 6) == 0
    assert sequence_gap(None, 6) == 0


def test_find_time_gaps_boundaries():
    # 1.5 periods is not a gap, just above it is
    assert find_time_gaps(np.array([0.0, 0.015]), sampling_rate_hz=100, reason="x") == []
    (gap,) = find_time_gaps(np.array([0.0, 0.0151]), sampling_rate_hz=100, reason="x")
    assert gap.missing_samples == 1
