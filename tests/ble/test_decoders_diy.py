"""repscope open DIY profile: shared test vectors, stream behaviour, round trips, fuzzing."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repscope.ble.devices import DRIVERS, GattWrite, MalformedPacket, diy
from repscope.errors import InputError

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads(
    (REPO_ROOT / "firmware_notes" / "diy_sensor" / "test_vectors.json").read_text()
)


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


@pytest.mark.parametrize("vector", VECTORS["packets"], ids=lambda v: v["name"])
def test_shared_vectors_decode_to_documented_values(vector):
    packet = diy.decode_diy_packet(_hex(vector["hex"]))
    assert packet.seq == vector["seq"]
    assert packet.t_first_us == vector["t_first_us"]
    assert packet.sample_period_us == vector["sample_period_us"]
    assert packet.acc_range_g == vector["acc_range_g"]
    np.testing.assert_array_equal(packet.acc_g, np.array(vector["acc_g"]))
    if vector["gyr_dps"] is None:
        assert packet.gyr_dps is None
    else:
        np.testing.assert_array_equal(packet.gyr_dps, np.array(vector["gyr_dps"]))
        assert packet.gyr_range_dps == vector["gyr_range_dps"]


@pytest.mark.parametrize("vector", VECTORS["packets"], ids=lambda v: v["name"])
def test_shared_vectors_are_what_the_encoder_writes(vector):
    payload = diy.encode_diy_packet(
        seq=vector["seq"],
        t_first_us=vector["t_first_us"],
        sample_period_us=vector["sample_period_us"],
        acc_g=np.array(vector["acc_g"]),
        gyr_dps=None if vector["gyr_dps"] is None else np.array(vector["gyr_dps"]),
        acc_range_g=vector["acc_range_g"],
        gyr_range_dps=vector["gyr_range_dps"],
    )
    assert payload == _hex(vector["hex"])


def test_shared_vectors_counts_match_their_hex():
    # The counts in the JSON are the little-endian int16 words after the header.
    for vector in VECTORS["packets"]:
        payload = _hex(vector["hex"])
        header = 10 if vector["sample_period_us"] is not None else 8
        rows = vector["acc_counts"]
        if vector["gyr_counts"] is not None:
            rows = [a + g for a, g in zip(vector["acc_counts"], vector["gyr_counts"], strict=True)]
        flat = [c for row in rows for c in row]
        assert list(struct.unpack(f"<{len(flat)}h", payload[header:])) == flat


@pytest.mark.parametrize("vector", VECTORS["malformed"], ids=lambda v: v["name"])
def test_shared_malformed_vectors_are_rejected(vector):
    with pytest.raises(MalformedPacket):
        diy.decode_diy_packet(_hex(vector["hex"]))
    decoder = diy.DiyStreamDecoder()
    assert decoder.feed(diy.DATA_CHAR_UUID, _hex(vector["hex"])) == []
    assert decoder.malformed_count == 1


@pytest.mark.parametrize("vector", VECTORS["config"], ids=lambda v: v["name"])
def test_shared_config_vectors(vector):
    config = diy.decode_diy_config(_hex(vector["hex"]))
    assert config.streaming is vector["streaming"]
    assert config.gyro_fitted is vector["gyro_fitted"]
    assert config.gyro_enabled is vector["gyro_enabled"]
    assert config.acc_range_g == vector["acc_range_g"]
    assert config.gyr_range_dps == vector["gyr_range_dps"]
    assert config.sampling_rate_hz == vector["sampling_rate_hz"]
    assert config.as_dict()["firmware_version"] == vector["firmware_version"]
    assert config.samples_per_packet == vector["samples_per_packet"]
    assert diy.encode_diy_config(config) == _hex(vector["hex"])


def test_shared_command_vectors():
    driver = DRIVERS["diy"]
    by_name = {v["name"]: _hex(v["hex"]) for v in VECTORS["commands"]}
    (start,) = driver.start_commands(sampling_rate_hz=100, acc_range_g=16, gyr_range_dps=2000)
    assert start == GattWrite(diy.CONTROL_CHAR_UUID, by_name["start_100hz_16g_2000dps"], True)
    assert driver.stop_commands()[0].data == by_name["stop"]
    peripheral = driver.new_peripheral()
    peripheral.handle_write(diy.CONTROL_CHAR_UUID, by_name["start_50hz_8g_gyro_off"])
    assert peripheral.streaming
    assert (peripheral.sampling_rate_hz, peripheral.acc_range_g) == (50.0, 8.0)
    assert peripheral.gyr_range_dps is None


def test_stream_decoder_unwraps_clock_and_seq_across_wrap():
    decoder = DRIVERS["diy"].new_stream_decoder()
    before, after = VECTORS["packets"][1], VECTORS["packets"][2]
    (b1,) = decoder.feed(diy.DATA_CHAR_UUID, _hex(before["hex"]))
    (b2,) = decoder.feed(diy.DATA_CHAR_UUID, _hex(after["hex"]))
    np.testing.assert_allclose(b1.device_time_s, np.array(before["device_time_us"]) / 1e6)
    # 4294967000 + 3 * 10000 us, i.e. continuous across the u32 roll-over
    np.testing.assert_allclose(b2.device_time_s, [4294.997, 4295.007])
    assert (b1.seq, b2.seq) == (65535, 0)
    assert decoder.lost_packets_count == 0
    assert decoder.malformed_count == 0


def _acc_packet(seq: int, t_us: int = 0) -> bytes:
    return struct.pack("<BBHI3h", 1, 0x06, seq, t_us, 2048, 0, 0)


def test_lost_packets_are_counted_from_sequence_gaps_including_wrap():
    decoder = diy.DiyStreamDecoder()
    # 65535 and 0 lost across the wrap, then 3 and 4; one sample per packet every 10 ms
    for seq in (65533, 65534, 65537, 65538, 65541):
        decoder.feed(diy.DATA_CHAR_UUID, _acc_packet(seq & 0xFFFF, 10_000 * (seq - 65533)))
    assert decoder.lost_packets_count == 4
    assert decoder.packets_count == 5
    assert decoder.malformed_count == 0
    # a repeated sequence number is dropped, not counted as lost
    assert decoder.feed(diy.DATA_CHAR_UUID, _acc_packet(5, 80_000)) == []
    assert decoder.lost_packets_count == 4


def test_config_notifications_and_reads_fill_device_info():
    decoder = diy.DiyStreamDecoder()
    decoder.feed_read(diy.CONFIG_CHAR_UUID, _hex(VECTORS["config"][1]["hex"]))
    assert decoder.device_info["sampling_rate_hz"] == 50.0
    assert decoder.device_info["gyr_range_dps"] is None
    assert decoder.feed(diy.CONFIG_CHAR_UUID, _hex(VECTORS["config"][0]["hex"])) == []
    assert decoder.device_info["acc_range_g"] == 16.0


def test_packets_fit_the_mtu():
    assert diy.max_samples_per_packet(att_mtu=23, gyro=True) == 1
    assert diy.max_samples_per_packet(att_mtu=23, gyro=False) == 1
    assert diy.max_samples_per_packet(att_mtu=247, gyro=True) == 19
    assert diy.max_samples_per_packet(att_mtu=247, gyro=False) == 39
    peripheral = DRIVERS["diy"].new_peripheral()
    peripheral.handle_write(
        diy.CONTROL_CHAR_UUID,
        diy.encode_start_command(sampling_rate_hz=400, acc_range_g=16, gyr_range_dps=2000),
    )
    for mtu in (23, 50, 185, 247, 517):
        peripheral.att_mtu = mtu
        n = peripheral.samples_per_packet
        packets = peripheral.encode(np.zeros((n, 3)), np.zeros((n, 3)), np.arange(n) / 400)
        assert len(packets) == 1
        assert len(packets[0][1]) <= mtu - 3


def test_start_commands_reject_unsupported_values():
    driver = DRIVERS["diy"]
    with pytest.raises(InputError, match="25, 50, 100, 200, 400"):
        driver.start_commands(sampling_rate_hz=60)
    with pytest.raises(InputError, match="acc_range_g"):
        driver.start_commands(sampling_rate_hz=100, acc_range_g=3)


def test_matches_service_uuid_or_name():
    driver = DRIVERS["diy"]
    assert driver.matches(name=None, service_uuids=[diy.SERVICE_UUID.upper()])
    assert driver.matches(name="repscope-bar", service_uuids=[])
    assert not driver.matches(
        name="WT901BLE68", service_uuids=["0000ffe5-0000-1000-8000-00805f9a34fb"]
    )


def _run(peripheral, decoder, acc, gyr, t):
    batches = []
    n = peripheral.samples_per_packet
    for start in range(0, len(t), n):
        sl = slice(start, start + n)
        for char, payload in peripheral.encode(acc[sl], None if gyr is None else gyr[sl], t[sl]):
            batches.extend(decoder.feed(char, payload))
    return batches


@settings(max_examples=40, deadline=None)
@given(
    rate=st.sampled_from(diy.SUPPORTED_RATES_HZ),
    acc_range=st.sampled_from(diy.ACC_RANGES_G),
    gyr_range=st.sampled_from(diy.GYR_RANGES_DPS),
    mtu=st.sampled_from([23, 64, 247]),
    n=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    gyro=st.booleans(),
)
def test_encoder_decoder_round_trip(rate, acc_range, gyr_range, mtu, n, seed, gyro):
    rng = np.random.default_rng(seed)
    driver = DRIVERS["diy"]
    peripheral = driver.new_peripheral(variant="acc+gyro" if gyro else "acc-only")
    peripheral.att_mtu = mtu
    decoder = driver.new_stream_decoder()
    for write in driver.start_commands(
        sampling_rate_hz=rate, acc_range_g=acc_range, gyr_range_dps=gyr_range
    ):
        decoder.feed_write(write)
        for char, payload in peripheral.handle_write(write.char_uuid, write.data):
            decoder.feed(char, payload)
    acc = rng.uniform(-acc_range, acc_range, size=(n, 3))
    gyr = rng.uniform(-gyr_range, gyr_range, size=(n, 3))
    t0 = rng.uniform(0, 4000)
    t = t0 + np.arange(n) / rate
    batches = _run(peripheral, decoder, acc, gyr, t)
    out_acc = np.vstack([b.acc_g for b in batches])
    out_t = np.concatenate([b.device_time_s for b in batches])
    # saturating quantisation: within half a count, except the +range edge (clipped to 32767)
    lsb = acc_range / 32768
    assert np.all(np.abs(out_acc - np.clip(acc, -acc_range, acc_range - lsb)) <= lsb / 2 + 1e-12)
    if gyro:
        out_gyr = np.vstack([b.gyr_dps for b in batches])
        lsb_g = gyr_range / 32768
        assert np.all(
            np.abs(out_gyr - np.clip(gyr, -gyr_range, gyr_range - lsb_g)) <= lsb_g / 2 + 1e-9
        )
    else:
        assert all(b.gyr_dps is None for b in batches)
    # device clock to within a microsecond per sample (nominal period rounded to 1 us)
    assert np.all(np.abs(out_t - t) <= 1e-6 * (n + 1))
    assert decoder.device_info["streaming"] is True
    assert decoder.lost_packets_count == 0
    assert decoder.malformed_count == 0


def test_dropped_notifications_show_up_as_lost_packets():
    driver = DRIVERS["diy"]
    peripheral = driver.new_peripheral()
    peripheral.handle_write(
        diy.CONTROL_CHAR_UUID, driver.start_commands(sampling_rate_hz=100)[0].data
    )
    decoder = driver.new_stream_decoder()
    packets = peripheral.encode(np.zeros((10, 3)), np.zeros((10, 3)), np.arange(10) / 100)
    assert len(packets) == 10  # MTU 23 with gyro: one sample per packet
    for i, (char, payload) in enumerate(packets):
        if i not in (3, 4, 7):
            decoder.feed(char, payload)
    assert decoder.lost_packets_count == 3


@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=80))
def test_arbitrary_bytes_never_raise(payload):
    decoder = diy.DiyStreamDecoder()
    batches = decoder.feed(diy.DATA_CHAR_UUID, payload)
    try:
        diy.decode_diy_packet(payload)
    except MalformedPacket:
        assert batches == []
        assert decoder.malformed_count == 1
    else:
        assert decoder.malformed_count == 0
        assert len(batches) == 1
    decoder.feed(diy.CONFIG_CHAR_UUID, payload)
    decoder.feed_read(diy.CONFIG_CHAR_UUID, payload)
    decoder.feed_write(GattWrite(diy.CONTROL_CHAR_UUID, payload))


@settings(max_examples=100, deadline=None)
@given(cut=st.integers(0, 69))
def test_truncated_packets_are_counted(cut):
    payload = diy.encode_diy_packet(
        seq=1,
        t_first_us=0,
        sample_period_us=10000,
        acc_g=np.zeros((5, 3)),
        gyr_dps=np.zeros((5, 3)),
        acc_range_g=16,
        gyr_range_dps=2000,
    )
    assert len(payload) == 70
    decoder = diy.DiyStreamDecoder()
    batches = decoder.feed(diy.DATA_CHAR_UUID, payload[:cut])
    # A cut at a sample boundary is a valid shorter packet; anything else is malformed.
    valid = cut >= 22 and (cut - 10) % 12 == 0
    assert (len(batches) == 1) == valid
    assert decoder.malformed_count == (0 if valid else 1)
