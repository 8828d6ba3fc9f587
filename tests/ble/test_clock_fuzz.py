"""Fuzzing every stream decoder together with the sample clock (issue 17.3).

A stream of packets from each emulated device is decoded and timed by
:class:`repscope.ble.clock.SampleClock`, with some packets corrupted on the way: a device
time or sequence number replaced by any value, a byte changed, the packet cut short, or
its bytes replaced. Every sample of a good packet must then be placed within one packet
period of where it belongs (device-timed protocols), so a corrupt packet never moves the
clock, the lost-packet count, or the spacing of the next packet's samples. Protocols
without device time (WitMotion, MetaMotion) number the samples they receive, so a dropped
packet can move later samples back by its own length until the host-time envelope
catches up; the bound there is one packet period per corrupt packet before it.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from _session import connect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repscope.ble.clock import SampleClock
from repscope.ble.devices import DRIVERS, diy

RATE = {"witmotion": 100.0, "metamotion": 100.0, "polar": 52.0, "movesense": 52.0, "diy": 100.0}
#: Byte range of the device-time field (and the sequence number) in the data notification.
TIME_FIELD = {"diy": (4, 8), "movesense": (2, 6), "polar": (1, 9)}
SEQ_FIELD = {"diy": (2, 4)}
#: Device times near each counter's wrap-around (DIY: u32 us, Movesense: u32 ms).
START_TIMES = {
    "diy": [100.0, 2**32 / 1e6 - 0.15],
    "movesense": [100.0, 2**32 / 1e3 - 0.4],
    "polar": [700_000_000.0],
    "witmotion": [0.0],
    "metamotion": [0.0],
}
LATENCY_S = 0.02
#: Resolution of the device clock (Movesense: whole milliseconds).
RESOLUTION_S = {"movesense": 1e-3}
#: Packets per stream: at most 500 samples, so that every sample has its own code.
N_PACKETS = {"witmotion": 24, "metamotion": 24, "polar": 12, "movesense": 24, "diy": 24}


def _code(k: int) -> tuple[float, float]:
    """Sample ``k``'s (acc_x, acc_y): unique for k < 500, so decoded samples can be matched."""
    return (k % 500) / 100 - 2.5, -(k % 500) / 200


def _match(acc: np.ndarray) -> int | None:
    kx = round((acc[0] + 2.5) * 100)
    ky = round(-acc[1] * 200)
    if kx != ky or not 0 <= kx < 500:
        return None
    x, y = _code(kx)
    if abs(acc[0] - x) > 0.003 or abs(acc[1] - y) > 0.002 or abs(acc[2] - 1.0) > 0.01:
        return None
    return kx


def corruption(name: str):
    kinds = [
        st.tuples(st.just("byte"), st.integers(0, 300), st.integers(0, 255)),
        st.tuples(st.just("cut"), st.integers(0, 300)),
        st.tuples(st.just("random"), st.binary(min_size=1, max_size=64)),
    ]
    if name in TIME_FIELD:
        lo, hi = TIME_FIELD[name]
        kinds.append(st.tuples(st.just("time"), st.integers(0, 2 ** (8 * (hi - lo)) - 1)))
        kinds.append(st.tuples(st.just("time_delta"), st.integers(-(2**20), 2**20)))
    if name in SEQ_FIELD:
        kinds.append(st.tuples(st.just("seq"), st.integers(0, 0xFFFF)))
    return st.one_of(*kinds)


def _corrupt(name: str, payload: bytes, how: tuple) -> bytes:
    kind = how[0]
    data = bytearray(payload)
    if kind == "byte":
        data[how[1] % len(data)] = how[2]
    elif kind == "cut":
        data = data[: how[1] % len(data)]
    elif kind == "random":
        data = bytearray(how[1])
    elif kind in ("time", "time_delta"):
        lo, hi = TIME_FIELD[name]
        old = int.from_bytes(data[lo:hi], "little")
        value = how[1] if kind == "time" else (old + how[1]) % 2 ** (8 * (hi - lo))
        data[lo:hi] = value.to_bytes(hi - lo, "little")
    elif kind == "seq":
        lo, hi = SEQ_FIELD[name]
        data[lo:hi] = how[1].to_bytes(hi - lo, "little")
    return bytes(data)


def _run(name: str, start_s: float, bad: dict[int, tuple]):
    driver = DRIVERS[name]
    peripheral = driver.new_peripheral()
    rate = RATE[name]
    decoder = connect(driver, peripheral, sampling_rate_hz=rate)
    decoder.att_mtu = peripheral.att_mtu  # as the transport does (Movesense needs it)
    spp = peripheral.samples_per_packet
    clock = SampleClock(sampling_rate_hz=rate)
    n_packets = N_PACKETS[name]
    assert n_packets * spp <= 500
    true_time = start_s + np.arange(n_packets * spp) / rate
    placed: list[tuple[float, np.ndarray]] = []

    def place(batches, host_time_s):
        for batch in batches:
            timed = clock.place(batch, host_time_s=host_time_s)
            placed.extend(zip(timed.time_s, timed.acc_g, strict=True))

    for p in range(n_packets):
        ks = np.arange(p * spp, (p + 1) * spp)
        acc = np.array([[*_code(k), 1.0] for k in ks])
        notifications = peripheral.encode(acc, np.zeros_like(acc), true_time[ks])
        arrival = true_time[ks[-1]] + LATENCY_S
        for i, (char, payload) in enumerate(notifications):
            if p in bad and i == 0:
                payload = _corrupt(name, payload, bad[p])
            place(decoder.feed(char, payload), arrival)
    place(decoder.flush(), true_time[-1] + LATENCY_S)
    return decoder, spp, rate, true_time, placed


@pytest.mark.parametrize("name", list(DRIVERS))
@settings(
    max_examples=int(os.environ.get("REPSCOPE_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_after_a_corrupt_packet_the_clock_is_where_it_belongs(name, data):
    start_s = data.draw(st.sampled_from(START_TIMES[name]), label="start_s")
    bad_packets = data.draw(
        st.sets(st.integers(2, N_PACKETS[name] - 3), min_size=1, max_size=4), label="bad"
    )
    bad = {p: data.draw(corruption(name), label=f"corruption {p}") for p in sorted(bad_packets)}
    decoder, spp, rate, true_time, placed = _run(name, start_s, bad)

    packet_s = spp / rate
    device_timed = name in TIME_FIELD
    seen: dict[int, float] = {}
    for time_s, acc in placed:
        k = _match(acc)
        if k is None or k // spp in bad:
            continue  # a corrupt packet's own samples: dropped or decoded as they came
        seen[k] = time_s
        # the clock's zero is host time 0 and arrivals are LATENCY_S after the last sample
        expected = true_time[k] + LATENCY_S
        bad_before = sum(1 for p in bad if p < k // spp)
        allowed = packet_s if device_timed else packet_s * (1 + bad_before)
        allowed += RESOLUTION_S.get(name, 1e-6)
        assert abs(time_s - expected) <= allowed, (k, time_s, expected, bad)
    times = [t for t, _ in placed]
    assert all(np.diff(times) > 0)
    if device_timed:
        # Good packets are kept: all of them with sequence numbers (DIY); without them a
        # corrupt timestamp can pass for a good packet's, which then goes as a duplicate:
        # at most one good packet per corrupt one
        missing = [
            p
            for p in range(N_PACKETS[name])
            if p not in bad and not all(k in seen for k in range(p * spp, (p + 1) * spp))
        ]
        assert len(missing) <= (0 if name == "diy" else len(bad)), (missing, bad)
        assert decoder.lost_packets_count == 0


def _times(batches):
    return np.concatenate([b.device_time_s for b in batches]) if batches else np.empty(0)


def test_one_diy_packet_going_back_is_not_a_wrap_and_a_bad_seq_loses_nothing():
    decoder = diy.DiyStreamDecoder()
    decoder.device_info["sampling_rate_hz"] = 100.0

    def packet(seq, t_us):
        return diy.encode_diy_packet(
            seq=seq,
            t_first_us=t_us,
            sample_period_us=None,
            acc_g=np.array([[0.0, 0.0, 1.0]]),
            gyr_dps=None,
            acc_range_g=16.0,
            gyr_range_dps=None,
        )

    out = []
    for seq in range(5):
        out += decoder.feed(diy.DATA_CHAR_UUID, packet(seq, 10_000_000 + 10_000 * seq))
    out += decoder.feed(diy.DATA_CHAR_UUID, packet(5, 3))  # device time corrupted backwards
    out += decoder.feed(diy.DATA_CHAR_UUID, packet(60_000, 10_060_000))  # seq corrupted
    for seq in range(7, 10):
        out += decoder.feed(diy.DATA_CHAR_UUID, packet(seq, 10_000_000 + 10_000 * seq))
    np.testing.assert_allclose(_times(out), 10.0 + 0.01 * np.array([0, 1, 2, 3, 4, 7, 8, 9]))
    assert decoder.lost_packets_count == 0  # was 65,535 + ...: the two bad ones are malformed
    assert decoder.malformed_count == 2


def test_a_real_diy_wrap_and_a_restart_are_still_followed():
    decoder = diy.DiyStreamDecoder()
    decoder.device_info["sampling_rate_hz"] = 100.0
    top = 2**32 - 15_000
    t_us = [top, top + 10_000, top + 20_000, top + 30_000]  # wraps after the second
    out = []
    for seq, t in enumerate(t_us):
        out += decoder.feed(diy.DATA_CHAR_UUID, _acc(seq, t & 0xFFFFFFFF))
    np.testing.assert_allclose(np.diff(_times(out)), 0.01, atol=1e-9)
    for seq in range(4, 7):
        out += decoder.feed(diy.DATA_CHAR_UUID, _acc(seq, 100_000_000 + 10_000 * seq))
    # the device restarts: seq and clock from zero; three agreeing packets re-synchronise
    assert decoder.feed(diy.DATA_CHAR_UUID, _acc(0, 0)) == []
    assert decoder.feed(diy.DATA_CHAR_UUID, _acc(1, 10_000)) == []
    (first, second, third) = decoder.feed(diy.DATA_CHAR_UUID, _acc(2, 20_000))
    assert first.resync and not second.resync and not third.resync
    assert first.lag_s == pytest.approx(0.02)  # it arrived with the third
    # the clock carries on in the epoch after the wrap; the time went back: a restart
    restart = _times([first, second, third]) - 2**32 / 1e6
    np.testing.assert_allclose(restart, [0.0, 0.01, 0.02], atol=1e-9)
    assert decoder.malformed_count == 0


def _acc(seq, t_us):
    return diy.encode_diy_packet(
        seq=seq,
        t_first_us=t_us,
        sample_period_us=None,
        acc_g=np.array([[0.0, 0.0, 1.0]]),
        gyr_dps=None,
        acc_range_g=16.0,
        gyr_range_dps=None,
    )


def test_one_movesense_timestamp_going_back_does_not_add_49_days():
    from repscope.ble.devices import GattWrite
    from repscope.ble.devices import movesense as ms

    decoder = DRIVERS["movesense"].new_stream_decoder()
    decoder.att_mtu = 247
    decoder.feed_write(GattWrite(ms.WRITE_CHAR_UUID, ms.subscribe_command(99, 52)))

    def message(t_ms):
        body = ms.encode_imu6_body(t_ms, np.zeros((4, 3)), np.zeros((4, 3)))
        return bytes([ms.TYPE_DATA, 99]) + body

    good = [1000 + round(4000 * k / 52) for k in range(8)]
    out = []
    for k, t_ms in enumerate(good):
        out += decoder.feed(ms.NOTIFY_CHAR_UUID, message(5 if k == 4 else t_ms))
    out += decoder.flush()
    times = _times(out)
    assert times.max() < 2.0  # was 4,294,967 s after the bad message
    assert decoder.malformed_count == 1
    assert len(times) == 7 * 4


def test_after_a_bad_polar_frame_the_next_frame_is_spaced_normally():
    name = "polar"
    bad = {3: ("time", 5)}  # a timestamp near 2000-01-01 in one ACC frame
    decoder, spp, _rate, true_time, placed = _run(name, START_TIMES[name][0], bad)
    times = {(_match(acc)): t for t, acc in placed if _match(acc) is not None}
    k = 4 * spp  # first sample of the next good frame
    assert times[k] == pytest.approx(true_time[k] + LATENCY_S, abs=1e-6)
    assert decoder.malformed_count == 1
