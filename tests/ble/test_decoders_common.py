"""Contract tests for every device driver: registry, fuzzing, truncation, no bleak."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _session import connect, stream
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repscope.ble.devices import DRIVERS, GattWrite, get_driver, identify_driver, normalize_uuid
from repscope.errors import InputError

NAMES = ["witmotion", "metamotion", "polar", "movesense", "diy"]
DEFAULT_RATE = {
    "witmotion": 100.0,
    "metamotion": 100.0,
    "polar": 52.0,
    "movesense": 52.0,
    "diy": 100.0,
}


def test_registry_has_every_family_with_full_lowercase_uuids():
    assert list(DRIVERS) == NAMES
    for name, driver in DRIVERS.items():
        assert driver.name == name
        for uuid in (driver.service_uuid, driver.write_char_uuid, *driver.notify_char_uuids):
            assert normalize_uuid(uuid) == uuid
        assert driver.supported_rates_hz() == tuple(sorted(driver.supported_rates_hz()))
    with pytest.raises(InputError, match="diy, metamotion"):
        get_driver("fitbit")


def test_identify_driver_by_service_uuid():
    for driver in DRIVERS.values():
        assert identify_driver(name=None, service_uuids=[driver.service_uuid.upper()]) is driver
    assert identify_driver(name="Some Speaker", service_uuids=["180d"]) is None


def test_normalize_uuid_keeps_vendor_bases():
    assert normalize_uuid("0x180D") == "0000180d-0000-1000-8000-00805f9b34fb"
    assert normalize_uuid("0000FFE4-0000-1000-8000-00805F9A34FB").endswith("9a34fb")
    with pytest.raises(ValueError, match="not a Bluetooth UUID"):
        normalize_uuid("ffe")


@pytest.mark.parametrize("name", NAMES)
def test_unsupported_rate_is_an_input_error_listing_the_choices(name):
    with pytest.raises(InputError, match="Choose one of"):
        DRIVERS[name].start_commands(
            sampling_rate_hz=1.0, device_info={"acc_chip": "BMI160", "gyr_chip": "BMI160"}
        )


@pytest.mark.parametrize("name", NAMES)
def test_every_gatt_layout_exposes_the_driver_characteristics(name):
    driver = DRIVERS[name]
    peripheral = driver.new_peripheral()
    (service, chars), *_ = peripheral.gatt_layout
    flags = dict(chars)
    assert service == driver.service_uuid
    for char in driver.notify_char_uuids:
        assert {"notify", "indicate"} & set(flags[char])
    assert {"write", "write-without-response"} & set(flags[driver.write_char_uuid])
    for char in driver.read_char_uuids:
        assert "read" in flags[char]
    with pytest.raises(ValueError, match="variant"):
        driver.new_peripheral(variant="nope")


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunks=st.lists(st.binary(max_size=64), max_size=6))
def test_arbitrary_bytes_never_raise(name, chunks):
    driver = DRIVERS[name]
    decoder = driver.new_stream_decoder()
    for i, chunk in enumerate(chunks):
        char = driver.notify_char_uuids[i % len(driver.notify_char_uuids)]
        for batch in decoder.feed(char, chunk):
            assert np.isfinite(batch.acc_g).all()
            assert batch.acc_g.shape[1] == 3
        decoder.feed_write(GattWrite(driver.write_char_uuid, chunk))
        for read_char in driver.read_char_uuids:
            decoder.feed_read(read_char, chunk)
    decoder.flush()
    assert decoder.malformed_count >= 0


def _decoded(decoder, char, payload):
    batches = list(decoder.feed(char, payload)) + list(decoder.flush())
    if not batches:
        return np.empty((0, 3))
    return np.concatenate([b.acc_g for b in batches])


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None)
@given(cut=st.integers(1, 400), seed=st.integers(0, 1000))
def test_truncated_data_packets_are_counted_or_give_a_prefix(name, cut, seed):
    """A cut packet is counted as malformed, or (where the protocol has no length field
    and the cut falls on a structural boundary, e.g. after whole samples) decodes to a
    strict prefix of the full packet's samples: data is lost, never invented. The other
    packets of the same batch follow the cut one, because some decoders (Polar: separate
    ACC and GYRO frames) emit a sample only once both streams have it."""
    driver = DRIVERS[name]
    rng = np.random.default_rng(seed)

    def fresh():
        peripheral = driver.new_peripheral()
        decoder = connect(driver, peripheral, sampling_rate_hz=DEFAULT_RATE[name])
        n = peripheral.samples_per_packet
        packets = peripheral.encode(
            rng.uniform(-1, 1, (n, 3)), rng.uniform(-90, 90, (n, 3)), np.arange(n) / 50
        )
        # a byte stream (WitMotion) would splice the cut frame onto the next packet
        return decoder, packets[0], [] if name == "witmotion" else packets[1:]

    def decode_all(decoder, first, rest):
        out = [_decoded(decoder, *first)] + [_decoded(decoder, *p) for p in rest]
        return np.concatenate(out)

    state = rng.bit_generator.state
    decoder, (char, payload), rest = fresh()
    if cut >= len(payload):
        return
    full = decode_all(decoder, (char, payload), rest)
    rng.bit_generator.state = state
    decoder, (_char2, payload2), _rest2 = fresh()
    assert payload2 == payload
    before = decoder.malformed_count
    part = decode_all(decoder, (char, payload[:cut]), rest)
    if name == "witmotion":  # a byte stream: a cut frame waits for the rest
        assert decoder.malformed_count == before and part.shape[0] == 0
    elif decoder.malformed_count == before:
        assert part.shape[0] < full.shape[0]
        np.testing.assert_allclose(part, full[: part.shape[0]], atol=1e-9)
    else:
        assert decoder.malformed_count == before + 1


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_with_default_settings(name):
    driver = DRIVERS[name]
    peripheral = driver.new_peripheral()
    rate = DEFAULT_RATE[name]
    decoder = connect(driver, peripheral, sampling_rate_hz=rate)
    n = 50
    t = np.arange(n) / rate
    acc = np.column_stack([0.5 * np.sin(2 * np.pi * t), 0.2 * np.cos(t), 1 + 0.3 * np.sin(5 * t)])
    gyr = np.column_stack([100 * np.sin(3 * t), -50 * t, 20 * np.cos(7 * t)])
    batches = stream(peripheral, decoder, acc, gyr, t)
    np.testing.assert_allclose(np.vstack([b.acc_g for b in batches]), acc, atol=2e-3)
    np.testing.assert_allclose(np.vstack([b.gyr_dps for b in batches]), gyr, atol=0.1)
    assert decoder.malformed_count == 0
    for write in driver.stop_commands(device_info=decoder.device_info):
        peripheral.handle_write(write.char_uuid, write.data)
        peripheral.set_notifying(write.char_uuid, False)
    for char in driver.notify_char_uuids:
        peripheral.set_notifying(char, False)
    assert not peripheral.streaming


def test_device_packages_do_not_import_bleak():
    code = (
        "import sys, repscope.ble.devices, repscope.ble.devices.polar; "
        "assert 'bleak' not in sys.modules, 'bleak imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
