"""WitMotion BWT901BLECL: hand-built 55 61 frames, byte-stream resync, commands, round trip."""

from __future__ import annotations

import numpy as np
import pytest
from _session import connect, stream
from hypothesis import given, settings
from hypothesis import strategies as st

from repscope.ble.devices import DRIVERS, MalformedPacket
from repscope.ble.devices import witmotion as wm
from repscope.errors import InputError

# 55 61 | ax 0x0800 (1 g) | ay 0xF800 (-1 g) | az 0 | gx 0x4000 (1000 deg/s) | gy -1 | gz 0
#       | roll 0x4000 (90 deg) | pitch 0 | yaw 0x8000 (-180 deg)
FRAME = bytes.fromhex("5561 0008 00f8 0000 0040 ffff 0000 0040 0000 0080")
# a register-read reply (55 71 + 18 bytes) that shares the stream
REPLY = bytes.fromhex("5571 0300 0900") + bytes(14)


def test_hand_built_frame_decodes_to_units():
    frame = wm.decode_wit_frame(FRAME)
    np.testing.assert_array_equal(frame.acc_g, [1.0, -1.0, 0.0])
    np.testing.assert_array_equal(frame.gyr_dps, [1000.0, -2000 / 32768, 0.0])
    np.testing.assert_array_equal(frame.angle_deg, [90.0, 0.0, -180.0])


@pytest.mark.parametrize("bad", [FRAME[:19], bytes.fromhex("5571") + FRAME[2:], FRAME + b"\x00"])
def test_pure_decoder_rejects_other_bytes(bad):
    with pytest.raises(MalformedPacket):
        wm.decode_wit_frame(bad)


def test_uuid_base_is_the_vendor_9a_one_not_the_sig_base():
    driver = DRIVERS["witmotion"]
    assert driver.service_uuid == "0000ffe5-0000-1000-8000-00805f9a34fb"
    assert driver.notify_char_uuids == ("0000ffe4-0000-1000-8000-00805f9a34fb",)
    assert driver.matches(name=None, service_uuids=["0000FFE5-0000-1000-8000-00805F9A34FB"])
    # the SIG-base look-alike (ffe5 short form) is a different UUID
    assert not driver.matches(name=None, service_uuids=["ffe5"])
    assert driver.matches(name="WT901BLE68", service_uuids=[])


def test_resync_after_garbage_and_frames_split_across_notifications():
    decoder = DRIVERS["witmotion"].new_stream_decoder()
    data = b"\x00\x55\x12\x61" + FRAME + REPLY + FRAME + b"\x55"
    batches = []
    for i in range(0, len(data), 7):  # 7-byte notifications cut frames anywhere
        batches += decoder.feed(wm.NOTIFY_CHAR_UUID, data[i : i + 7])
    acc = np.vstack([b.acc_g for b in batches])
    np.testing.assert_array_equal(acc, [[1.0, -1.0, 0.0], [1.0, -1.0, 0.0]])
    assert all(b.device_time_s is None for b in batches)
    assert decoder.packets_count == 2
    assert decoder.malformed_count == 1  # one run of garbage
    assert decoder.skipped_bytes == 4
    assert decoder.register_replies == [REPLY]
    # the trailing 0x55 is kept: it may begin the next frame
    (batch,) = decoder.feed(wm.NOTIFY_CHAR_UUID, FRAME[1:])
    np.testing.assert_array_equal(batch.gyr_dps, [[1000.0, -2000 / 32768, 0.0]])


def test_garbage_containing_a_false_header_costs_one_frame_at_most():
    decoder = DRIVERS["witmotion"].new_stream_decoder()
    batches = decoder.feed(wm.NOTIFY_CHAR_UUID, b"\x55\x55\x55" + FRAME + FRAME)
    assert sum(b.n_samples for b in batches) == 2
    assert decoder.malformed_count == 1


def test_start_commands_unlock_rate_save():
    writes = DRIVERS["witmotion"].start_commands(sampling_rate_hz=100)
    assert [w.data.hex(" ") for w in writes] == [
        "ff aa 69 88 b5",
        "ff aa 03 09 00",
        "ff aa 00 00 00",
    ]
    assert all(w.char_uuid == wm.WRITE_CHAR_UUID for w in writes)
    assert DRIVERS["witmotion"].stop_commands() == []
    with pytest.raises(InputError, match="10, 20, 50, 100, 200"):
        DRIVERS["witmotion"].start_commands(sampling_rate_hz=60)
    with pytest.raises(InputError, match="acc_range_g"):
        DRIVERS["witmotion"].start_commands(sampling_rate_hz=100, acc_range_g=8)


def test_peripheral_defaults_to_10_hz_and_needs_unlock():
    peripheral = DRIVERS["witmotion"].new_peripheral()
    assert peripheral.sampling_rate_hz == 10.0
    assert not peripheral.streaming
    peripheral.handle_write(wm.WRITE_CHAR_UUID, wm.command(wm.REG_RATE, 0x09))
    assert peripheral.sampling_rate_hz == 10.0  # locked
    for write in DRIVERS["witmotion"].start_commands(sampling_rate_hz=50):
        peripheral.handle_write(write.char_uuid, write.data)
    assert (peripheral.sampling_rate_hz, peripheral.saved_rate_hz) == (50.0, 50.0)
    peripheral.set_notifying(wm.NOTIFY_CHAR_UUID, True)
    assert peripheral.streaming


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), cut=st.integers(1, 45))
def test_round_trip(n, seed, cut):
    rng = np.random.default_rng(seed)
    driver = DRIVERS["witmotion"]
    peripheral = driver.new_peripheral()
    decoder = connect(driver, peripheral, sampling_rate_hz=100)
    acc = rng.uniform(-15.9, 15.9, (n, 3))
    gyr = rng.uniform(-1999, 1999, (n, 3))
    packets = peripheral.encode(acc, gyr, np.arange(n) / 100)
    data = b"".join(p for _, p in packets)
    batches = []
    for i in range(0, len(data), cut):  # any notification boundaries
        batches += decoder.feed(wm.NOTIFY_CHAR_UUID, data[i : i + cut])
    np.testing.assert_allclose(np.vstack([b.acc_g for b in batches]), acc, atol=8 / 32768 + 1e-12)
    np.testing.assert_allclose(np.vstack([b.gyr_dps for b in batches]), gyr, atol=1000 / 32768)
    assert decoder.malformed_count == 0
    assert decoder.packets_count == n
    assert stream(peripheral, decoder, acc, gyr, np.arange(n) / 100)  # chunked path too
