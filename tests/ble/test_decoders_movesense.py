"""Movesense GATT SensorData Protocol: hand-built IMU6 messages, continuations, round trip."""

from __future__ import annotations

import numpy as np
import pytest
from _session import connect, stream
from hypothesis import given, settings
from hypothesis import strategies as st

from repscope.ble.devices import DRIVERS, GattWrite
from repscope.ble.devices import movesense as ms
from repscope.errors import InputError

NOTIFY = ms.NOTIFY_CHAR_UUID
# "/Meas/IMU6/52" under reference 0x63 (99)
SUBSCRIBE_52 = bytes.fromhex("0163 2f4d6561732f494d55362f3532")
# data: 02 63 | t = 1000 ms | acc (0, 0, 9.80665 m/s^2) | gyro (1.5, -2.0, 0) deg/s
ONE_SAMPLE = bytes.fromhex("0263 e8030000 00000000 00000000 0ae81c41 0000c03f 000000c0 00000000")


def _decoder(att_mtu=None):
    decoder = DRIVERS["movesense"].new_stream_decoder()
    decoder.att_mtu = att_mtu
    decoder.feed_write(GattWrite(ms.WRITE_CHAR_UUID, SUBSCRIBE_52))
    return decoder


def test_subscribe_command_bytes():
    (write,) = DRIVERS["movesense"].start_commands(sampling_rate_hz=52)
    assert write.data == SUBSCRIBE_52
    assert DRIVERS["movesense"].stop_commands()[0].data == bytes([2, 99])
    with pytest.raises(InputError, match="ranges"):
        DRIVERS["movesense"].start_commands(sampling_rate_hz=52, acc_range_g=8)


def test_hand_built_message_converts_m_s2_to_g():
    decoder = _decoder(att_mtu=247)  # 30 bytes < 244: certainly complete
    (batch,) = decoder.feed(NOTIFY, ONE_SAMPLE)
    np.testing.assert_allclose(batch.acc_g, [[0.0, 0.0, 1.0]], rtol=1e-7)
    np.testing.assert_allclose(batch.gyr_dps, [[1.5, -2.0, 0.0]])
    np.testing.assert_allclose(batch.device_time_s, [1.0])


def test_two_samples_are_spaced_by_the_subscribed_rate():
    body = bytes.fromhex("d0070000") + np.zeros(12, dtype="<f4").tobytes()
    decoder = _decoder(att_mtu=247)
    (batch,) = decoder.feed(NOTIFY, bytes([2, 99]) + body)
    np.testing.assert_allclose(batch.device_time_s, [2.0, 2.0 + 1 / 52])


def test_continuation_packets_are_joined():
    decoder = _decoder(att_mtu=23)  # 20-byte notifications: the 30-byte message is split
    first, second = ONE_SAMPLE[:20], bytes([3, 99]) + ONE_SAMPLE[20:]
    assert decoder.feed(NOTIFY, first) == []
    (batch,) = decoder.feed(NOTIFY, second)
    np.testing.assert_allclose(batch.gyr_dps, [[1.5, -2.0, 0.0]])


def test_without_mtu_a_full_size_message_waits_for_the_next_packet_or_flush():
    decoder = _decoder()
    next_sample = ONE_SAMPLE[:2] + (1019).to_bytes(4, "little") + ONE_SAMPLE[6:]  # +1/52 s
    assert decoder.feed(NOTIFY, ONE_SAMPLE) == []  # might continue
    (held,) = decoder.feed(NOTIFY, next_sample)  # a new message: the held one was whole
    np.testing.assert_allclose(held.device_time_s, [1.0])
    (last,) = decoder.flush()
    np.testing.assert_allclose(last.acc_g, [[0.0, 0.0, 1.0]], rtol=1e-7)
    np.testing.assert_allclose(last.device_time_s, [1.019])


def test_lost_continuation_and_orphan_continuation_are_counted():
    decoder = _decoder(att_mtu=23)
    decoder.feed(NOTIFY, ONE_SAMPLE[:20])  # first half; its continuation never comes
    decoder.feed(NOTIFY, ONE_SAMPLE[:20])
    assert decoder.malformed_count == 1
    fresh = _decoder(att_mtu=23)
    assert fresh.feed(NOTIFY, bytes([3, 99]) + ONE_SAMPLE[20:]) == []
    assert fresh.malformed_count == 1


def test_command_results_and_other_subscriptions():
    decoder = _decoder()
    decoder.feed(NOTIFY, bytes.fromhex("0163 c800"))
    assert decoder.device_info["command_results"] == [(99, 200)]
    assert decoder.feed(NOTIFY, bytes([2, 100]) + bytes(68)) == []  # ECG under ref 100
    assert decoder.malformed_count == 0


@settings(max_examples=25, deadline=None)
@given(
    rate=st.sampled_from([13.0, 52.0, 104.0, 208.0, 416.0]),
    mtu=st.sampled_from([23, 161, 247, 512]),
    tell_mtu=st.booleans(),
    n=st.integers(1, 80),
    seed=st.integers(0, 2**32 - 1),
)
def test_round_trip(rate, mtu, tell_mtu, n, seed):
    rng = np.random.default_rng(seed)
    driver = DRIVERS["movesense"]
    peripheral = driver.new_peripheral()
    peripheral.att_mtu = mtu
    decoder = connect(driver, peripheral, sampling_rate_hz=rate)
    decoder.att_mtu = mtu if tell_mtu else None
    acc = rng.uniform(-15, 15, (n, 3))
    gyr = rng.uniform(-1999, 1999, (n, 3))
    t = 100.0 + np.arange(n) / rate
    batches = stream(peripheral, decoder, acc, gyr, t)
    np.testing.assert_allclose(np.vstack([b.acc_g for b in batches]), acc, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.vstack([b.gyr_dps for b in batches]), gyr, rtol=1e-6)
    # timestamps are whole milliseconds of the first sample of each message
    np.testing.assert_allclose(
        np.concatenate([b.device_time_s for b in batches]), t, atol=5e-4 + 1e-9
    )
    assert decoder.malformed_count == 0
