"""Polar PMD: hand-computed delta frames, raw frames, responses with FACTOR, timing, round trip."""

from __future__ import annotations

import numpy as np
import pytest
from _session import connect, stream
from hypothesis import given, settings
from hypothesis import strategies as st

from repscope.ble.devices import DRIVERS, GattWrite, MalformedPacket, polar
from repscope.errors import InputError

CP = polar.CONTROL_POINT_UUID
DATA = polar.DATA_CHAR_UUID
TS = bytes.fromhex("00e1f50500000000")  # u64 100_000_000 ns


def test_hand_computed_delta_frame():
    # reference (100, -200, 1000), then one block: width 3 bits, 2 samples x 3 channels,
    # deltas (+1, -1, +3), (-4, 0, +2) = 001 111 011 100 000 010, packed LSB first:
    # bits 100111110 001000 010 -> bytes F9 08 01
    content = bytes.fromhex("6400 38ff e803 0302 f90801")
    samples = polar.parse_delta_frames(content, channels=3, resolution_bits=16)
    np.testing.assert_array_equal(samples, [[100, -200, 1000], [101, -201, 1003], [97, -201, 1005]])
    # as an ACC compressed type-1 frame (factor 1: milli-g)
    frame = polar.decode_pmd_frame(bytes([2]) + TS + b"\x81" + content)
    np.testing.assert_allclose(
        frame.values, [[0.1, -0.2, 1.0], [0.101, -0.201, 1.003], [0.097, -0.201, 1.005]]
    )
    assert (frame.timestamp_ns, frame.compressed, frame.frame_type) == (100_000_000, True, 1)


def test_encoder_writes_the_same_bits():
    samples = np.array([[100, -200, 1000], [101, -201, 1003], [97, -201, 1005]])
    assert polar.encode_delta_frames(samples, resolution_bits=16) == bytes.fromhex(
        "6400 38ff e803 0302 f90801"
    )


def test_several_delta_blocks_and_24_bit_reference():
    # 24-bit reference (-1, 2, 0x7FFFFF) + block width 2 count 1 (1, -1, 0) + block width 4
    # count 1 (-8, 7, 0): bits 01 11 00 -> 0x0D ; 0x8 0x7 0x0 -> 0x78 0x00
    content = bytes.fromhex("ffffff 020000 ffff7f 0201 0d 0401 7800")
    out = polar.parse_delta_frames(content, channels=3, resolution_bits=24)
    np.testing.assert_array_equal(out, [[-1, 2, 0x7FFFFF], [0, 1, 0x7FFFFF], [-8, 8, 0x7FFFFF]])


@pytest.mark.parametrize(
    ("frame_type", "body", "expected_mg"),
    [
        (0, "e8 18 00", [-24, 24, 0]),  # int8
        (1, "e803 18fc 0000", [1000, -1000, 0]),  # int16
        (2, "a08601 60 79fe 000000", [100000, -100000, 0]),  # int24
    ],
)
def test_raw_acc_frames_in_milli_g(frame_type, body, expected_mg):
    frame = polar.decode_pmd_frame(bytes([2]) + TS + bytes([frame_type]) + bytes.fromhex(body))
    np.testing.assert_allclose(frame.values, [np.array(expected_mg) / 1000])


def test_start_response_factor_scales_gyro_frames_and_times_follow_timestamps():
    decoder = DRIVERS["polar"].new_stream_decoder()
    decoder.feed_read(CP, bytes.fromhex("0f6e02"))
    assert decoder.device_info["model"] == "VeritySense"
    start_gyro = bytes.fromhex("0205 0001 3400 0101 1000 0201 d007")  # 52 Hz, 16 bit, 2000 dps
    decoder.feed_write(GattWrite(CP, start_gyro))
    decoder.feed_write(GattWrite(CP, bytes.fromhex("0202 0001 3400 0101 1000 0201 0800")))
    decoder.feed(CP, bytes.fromhex("f0 02 05 00 00 05 01 0000003f"))  # FACTOR 0.5
    assert decoder.device_info["gyr_factor"] == 0.5
    # gyro: reference (10, 20, -30), block width 2 count 1 deltas (1, -1, 0) -> 0x0D
    t1_ns = 1_000_000_000
    gyro = (
        bytes([5]) + t1_ns.to_bytes(8, "little") + b"\x80" + bytes.fromhex("0a00 1400 e2ff 0201 0d")
    )
    assert decoder.feed(DATA, gyro) == []  # waits for its accelerometer partner
    acc = (
        bytes([2])
        + t1_ns.to_bytes(8, "little")
        + b"\x01"
        + bytes.fromhex("e803 0000 0000 e803 0000 0000")
    )
    (batch,) = decoder.feed(DATA, acc)
    np.testing.assert_allclose(batch.gyr_dps, [[5.0, 10.0, -15.0], [5.5, 9.5, -15.0]])
    np.testing.assert_allclose(batch.acc_g, [[1.0, 0, 0], [1.0, 0, 0]])
    # first frame: nominal 52 Hz spacing ending at the frame timestamp
    np.testing.assert_allclose(batch.device_time_s, [1.0 - 1 / 52, 1.0])
    # next frame: spacing from the timestamps, (1.04 s - 1.0 s) / 2 samples (the device
    # runs 4 % slower than nominal)
    t2_ns = 1_040_000_000
    acc2 = bytes([2]) + t2_ns.to_bytes(8, "little") + b"\x01" + bytes(12)
    gyro2 = (
        bytes([5]) + t2_ns.to_bytes(8, "little") + b"\x80" + bytes.fromhex("0000 0000 0000 0201 00")
    )
    decoder.feed(DATA, acc2)
    (batch2,) = decoder.feed(DATA, gyro2)
    np.testing.assert_allclose(batch2.device_time_s, [1.02, 1.04])


def test_feature_read_delivered_as_notification_is_not_malformed():
    # BlueZ delivers a read of a subscribed characteristic as a notification as well, so
    # the control point's feature bitmap (read at set-up) also arrives through feed().
    decoder = DRIVERS["polar"].new_stream_decoder()
    assert decoder.feed(CP, bytes.fromhex("0f0500")) == []
    assert decoder.malformed_count == 0
    assert decoder.device_info["model"] == "H10"
    # a response still counts as one, and a truncated bitmap is malformed
    decoder.feed(CP, bytes.fromhex("f0 02 02 00 00"))
    assert decoder.feed(CP, bytes.fromhex("0f")) == []
    assert decoder.malformed_count == 1


def test_failed_gyro_start_falls_back_to_acc_only():
    decoder = DRIVERS["polar"].new_stream_decoder()
    decoder.feed_write(GattWrite(CP, bytes.fromhex("0205 0001 3400")))
    decoder.feed(CP, bytes.fromhex("f0 02 05 03"))  # NOT_SUPPORTED
    assert decoder.device_info["errors"] == [(2, 5, 3)]
    acc = bytes([2]) + TS + b"\x01" + bytes.fromhex("e803 0000 0000")
    (batch,) = decoder.feed(DATA, acc)
    assert batch.gyr_dps is None


@pytest.mark.parametrize(
    "payload",
    [
        "02" + "00" * 8,  # no frame-type byte
        "02" + "00" * 8 + "01" + "e803 00",  # raw int16 cut mid-sample
        "02" + "00" * 8 + "81" + "6400 38ff",  # reference cut short
        "02" + "00" * 8 + "81" + "6400 38ff e803 0302 f908",  # delta block cut short
        "02" + "00" * 8 + "81" + "6400 38ff e803 0002",  # zero-width block
        "05" + "00" * 8 + "01" + "e803 0000 0000",  # raw gyro frames do not exist
        "02" + "00" * 8 + "05" + "e803 0000 0000",  # unknown raw ACC type
    ],
)
def test_malformed_frames_are_counted(payload):
    data = bytes.fromhex(payload)
    with pytest.raises(MalformedPacket):
        polar.decode_pmd_frame(data)
    decoder = DRIVERS["polar"].new_stream_decoder()
    assert decoder.feed(DATA, data) == []
    assert decoder.malformed_count == 1


def test_start_commands_and_sdk_mode():
    driver = DRIVERS["polar"]
    h10 = driver.start_commands(sampling_rate_hz=200, device_info={"model": "H10"})
    assert [w.data.hex() for w in h10] == ["02020001c80001011000020108 00".replace(" ", "")]
    verity = driver.start_commands(sampling_rate_hz=52, device_info={"model": "VeritySense"})
    assert [w.data[:2].hex() for w in verity] == ["0202", "0205"]
    sdk = driver.start_commands(sampling_rate_hz=208, device_info={"model": "VeritySense"})
    assert sdk[0].data.hex() == "0209"
    with pytest.raises(InputError, match="25, 50, 100, 200"):
        driver.start_commands(sampling_rate_hz=52, device_info={"model": "H10"})
    with pytest.raises(InputError, match="no gyroscope"):
        driver.start_commands(sampling_rate_hz=100, gyr_range_dps=500)


def test_peripheral_rejects_sdk_rates_without_sdk_mode():
    peripheral = DRIVERS["polar"].new_peripheral(variant="VeritySense")
    (reply,) = peripheral.handle_write(CP, bytes.fromhex("0202 0001 d000 0101 1000 0201 0800"))
    response = polar.decode_control_point_response(reply[1])
    assert response.status == polar.STATUS_INVALID_SAMPLE_RATE
    (reply,) = peripheral.handle_write(CP, bytes.fromhex("0102"))
    settings_ = polar.decode_control_point_response(reply[1]).settings
    assert settings_[polar.SETTING_SAMPLE_RATE] == [52.0]
    assert settings_[polar.SETTING_RANGE] == [2.0, 4.0, 8.0, 16.0]


@settings(max_examples=30, deadline=None)
@given(
    case=st.sampled_from(
        [("VeritySense", 52.0), ("VeritySense", 416.0), ("H10", 100.0), ("H10", 25.0)]
    ),
    acc_range=st.sampled_from([2.0, 4.0, 8.0]),
    n=st.integers(1, 90),
    seed=st.integers(0, 2**32 - 1),
    smooth=st.booleans(),
)
def test_round_trip(case, acc_range, n, seed, smooth):
    variant, rate = case
    rng = np.random.default_rng(seed)
    driver = DRIVERS["polar"]
    peripheral = driver.new_peripheral(variant=variant)
    decoder = connect(driver, peripheral, sampling_rate_hz=rate, acc_range_g=acc_range)
    if smooth:  # small deltas (narrow blocks), as real motion gives
        acc = np.clip(
            np.cumsum(rng.normal(0, 0.02, (n, 3)), axis=0), -acc_range + 0.01, acc_range - 0.01
        )
    else:  # worst case: full-width deltas
        acc = rng.uniform(-acc_range + 0.01, acc_range - 0.01, (n, 3))
    gyr = rng.uniform(-1990, 1990, (n, 3))
    t = 7.5e8 + np.arange(n) / rate
    batches = stream(peripheral, decoder, acc, gyr, t)
    out_acc = np.vstack([b.acc_g for b in batches])
    lsb = acc_range / 32768 if variant == "VeritySense" else 0.001
    np.testing.assert_allclose(out_acc, acc, atol=lsb / 2 + 1e-9)
    np.testing.assert_allclose(np.concatenate([b.device_time_s for b in batches]), t, atol=1e-6)
    if variant == "VeritySense":
        np.testing.assert_allclose(np.vstack([b.gyr_dps for b in batches]), gyr, atol=2000 / 32768)
    else:
        assert all(b.gyr_dps is None for b in batches)
    assert all(len(p) <= peripheral.att_mtu - 3 for _, p in peripheral.encode(acc, gyr, t))
    assert decoder.malformed_count == 0
