"""MbientLab MetaMotion: hand-built MetaWear frames for BMI160 and BMI270, pairing, round trip."""

from __future__ import annotations

import numpy as np
import pytest
from _session import connect, stream
from hypothesis import given, settings
from hypothesis import strategies as st

from repscope.ble.devices import DRIVERS, GattWrite
from repscope.ble.devices import metamotion as mm
from repscope.errors import InputError

CMD = mm.COMMAND_CHAR_UUID
NOTIFY = mm.NOTIFY_CHAR_UUID


def _decoder(acc_info: str, gyr_info: str):
    decoder = DRIVERS["metamotion"].new_stream_decoder()
    assert not decoder.identified()
    decoder.feed(NOTIFY, bytes.fromhex(acc_info))
    decoder.feed(NOTIFY, bytes.fromhex(gyr_info))
    assert decoder.identified()
    return decoder


def test_bmi160_acc_and_gyro_notifications_pair_into_one_batch():
    decoder = _decoder("0380 0103", "1380 0001")  # acc impl 1, gyro impl 0: BMI160
    assert (decoder.device_info["acc_chip"], decoder.device_info["gyr_chip"]) == ("BMI160",) * 2
    decoder.feed_write(GattWrite(CMD, bytes.fromhex("0303 2808")))  # 100 Hz, code 8 = ±8 g
    decoder.feed_write(GattWrite(CMD, bytes.fromhex("1303 2800")))  # 100 Hz, ±2000 deg/s
    decoder.feed_write(GattWrite(CMD, bytes.fromhex("1301 01")))  # gyro power on
    # acc: x 0x1000 = 4096 -> 1 g at ±8 g, y -4096 -> -1 g, z 0
    assert decoder.feed(NOTIFY, bytes.fromhex("0304 0010 00f0 0000")) == []
    # gyro (BMI160 data register 5): 164 -> 10 deg/s at 16.4 LSB/(deg/s)
    (batch,) = decoder.feed(NOTIFY, bytes.fromhex("1305 a400 5cff 0000"))
    np.testing.assert_allclose(batch.acc_g, [[1.0, -1.0, 0.0]])
    np.testing.assert_allclose(batch.gyr_dps, [[10.0, -10.0, 0.0]])
    assert batch.device_time_s is None
    assert decoder.packets_count == 2


def test_bmi270_registers_and_range_codes_differ():
    decoder = _decoder("0380 0400", "1380 0100")  # acc impl 4, gyro impl 1: BMI270
    decoder.feed_write(GattWrite(CMD, bytes.fromhex("0303 a802")))  # BMI270 code 2 = ±8 g
    decoder.feed_write(GattWrite(CMD, bytes.fromhex("1303 2801")))  # ±1000 deg/s (32.8)
    decoder.feed_write(GattWrite(CMD, bytes.fromhex("1301 01")))
    # packed acc (BMI270 register 5): three samples
    decoder.feed(NOTIFY, bytes.fromhex("0305 0010 0000 0000 0000 0020 0000 0000 0000 0030"))
    # gyro data register 4 on the BMI270 (one sample), then packed register 5 (three)
    (first,) = decoder.feed(NOTIFY, bytes.fromhex("1304 4801 0000 0000"))  # 328 -> 10 deg/s
    np.testing.assert_allclose(first.acc_g, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(first.gyr_dps, [[10.0, 0.0, 0.0]])
    (rest,) = decoder.feed(
        NOTIFY, bytes.fromhex("1305 0000 4801 0000 0000 0000 4801 0000 0000 0000")
    )
    np.testing.assert_allclose(rest.acc_g, [[0.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    np.testing.assert_allclose(rest.gyr_dps, [[0.0, 10.0, 0.0], [0.0, 0.0, 10.0]])


def test_gyro_data_before_identification_is_counted_not_guessed():
    decoder = DRIVERS["metamotion"].new_stream_decoder()
    assert decoder.feed(NOTIFY, bytes.fromhex("1305 a400 5cff 0000")) == []
    assert decoder.malformed_count == 1


@pytest.mark.parametrize(
    "payload", ["03", "0304 0010 00f0", "0304 0010 00f0 0000 00", "031c 0010 00f0 0000"]
)
def test_truncated_or_misaligned_packets_are_counted(payload):
    decoder = _decoder("0380 0103", "1380 0001")
    assert decoder.feed(NOTIFY, bytes.fromhex(payload)) == []
    assert decoder.malformed_count == 1


def test_start_commands_for_each_chip():
    driver = DRIVERS["metamotion"]
    bmi160 = {"acc_chip": "BMI160", "gyr_chip": "BMI160"}
    writes = driver.start_commands(sampling_rate_hz=100, device_info=bmi160)
    assert [w.data.hex() for w in writes] == [
        "0303280c",  # acc 100 Hz (0x20 | 8), ±16 g (code 0x0C)
        "13032800",  # gyro 100 Hz, ±2000 deg/s
        "030401",  # subscribe acc data
        "130501",  # subscribe gyro data (BMI160 register 5)
        "03020100",
        "13020100",
        "130101",
        "030101",
    ]
    bmi270 = {"acc_chip": "BMI270", "gyr_chip": "BMI270"}
    writes = driver.start_commands(
        sampling_rate_hz=200, acc_range_g=4, gyr_range_dps=500, device_info=bmi270
    )
    assert [w.data.hex() for w in writes[:4]] == ["0303a901", "13032902", "030501", "130501"]
    with pytest.raises(InputError, match="board type is unknown"):
        driver.start_commands(sampling_rate_hz=100)
    with pytest.raises(InputError, match="gyr_range_dps"):
        driver.start_commands(sampling_rate_hz=100, gyr_range_dps=300, device_info=bmi160)


def test_stop_commands_never_touch_bmi160_config_registers_without_chip():
    writes = DRIVERS["metamotion"].stop_commands()
    assert bytes.fromhex("030500") not in [w.data for w in writes]
    assert [w.data.hex() for w in writes[:2]] == ["030100", "130100"]


def test_stalled_gyro_drops_oldest_unpaired_samples():
    decoder = _decoder("0380 0103", "1380 0001")
    decoder.feed_write(GattWrite(CMD, bytes.fromhex("1301 01")))
    decoder.pairer.max_pending = 5
    for _ in range(8):
        assert decoder.feed(NOTIFY, bytes.fromhex("0304 0040 0000 0000")) == []
    assert decoder.unpaired_dropped_count == 3


@settings(max_examples=30, deadline=None)
@given(
    variant=st.sampled_from(["MetaMotionR", "MetaMotionS"]),
    rate=st.sampled_from(mm.SUPPORTED_RATES_HZ),
    acc_range=st.sampled_from([2.0, 4.0, 8.0, 16.0]),
    gyr_range=st.sampled_from([125.0, 250.0, 500.0, 1000.0, 2000.0]),
    n=st.integers(1, 30),
    seed=st.integers(0, 2**32 - 1),
)
def test_round_trip(variant, rate, acc_range, gyr_range, n, seed):
    rng = np.random.default_rng(seed)
    driver = DRIVERS["metamotion"]
    peripheral = driver.new_peripheral(variant=variant)
    decoder = connect(
        driver, peripheral, sampling_rate_hz=rate, acc_range_g=acc_range, gyr_range_dps=gyr_range
    )
    acc = rng.uniform(-0.99, 0.99, (n, 3)) * acc_range
    gyr = rng.uniform(-0.99, 0.99, (n, 3)) * gyr_range
    batches = stream(peripheral, decoder, acc, gyr, np.arange(n) / rate)
    lsb_g = 1 / mm.ACC_LSB_PER_G[acc_range]
    lsb_dps = 1 / mm.GYR_LSB_PER_DPS[mm.GYR_RANGE_CODES[gyr_range]]
    np.testing.assert_allclose(np.vstack([b.acc_g for b in batches]), acc, atol=lsb_g / 2 + 1e-12)
    np.testing.assert_allclose(
        np.vstack([b.gyr_dps for b in batches]), gyr, atol=lsb_dps / 2 + 1e-9
    )
    assert decoder.malformed_count == 0
    assert peripheral.samples_per_packet == (3 if rate >= 200 else 1)
