"""Helpers shared by the decoder tests: play the transport's handshake against an encoder."""

from __future__ import annotations

import numpy as np

from repscope.ble.devices import DeviceDriver, PeripheralEncoder, SampleBatch, StreamDecoder


def connect(
    driver: DeviceDriver,
    peripheral: PeripheralEncoder,
    *,
    sampling_rate_hz: float,
    **ranges: float,
) -> StreamDecoder:
    """Run the documented transport sequence between a decoder and an emulated device."""
    decoder = driver.new_stream_decoder()
    for char in driver.notify_char_uuids:
        peripheral.set_notifying(char, True)
    for char in driver.read_char_uuids:
        decoder.feed_read(char, peripheral.read(char))
    for write in driver.identify_commands():
        for char, payload in peripheral.handle_write(write.char_uuid, write.data):
            decoder.feed(char, payload)
    assert decoder.identified()
    for write in driver.start_commands(
        sampling_rate_hz=sampling_rate_hz, device_info=decoder.device_info, **ranges
    ):
        decoder.feed_write(write)
        for char, payload in peripheral.handle_write(write.char_uuid, write.data):
            decoder.feed(char, payload)
    assert peripheral.streaming
    return decoder


def stream(
    peripheral: PeripheralEncoder,
    decoder: StreamDecoder,
    acc_g: np.ndarray,
    gyr_dps: np.ndarray | None,
    time_s: np.ndarray,
) -> list[SampleBatch]:
    """Encode in device-sized chunks, decode every notification, then flush."""
    batches: list[SampleBatch] = []
    step = peripheral.samples_per_packet
    for start in range(0, len(time_s), step):
        part = slice(start, start + step)
        gyr = None if gyr_dps is None else gyr_dps[part]
        for char, payload in peripheral.encode(acc_g[part], gyr, time_s[part]):
            batches.extend(decoder.feed(char, payload))
    batches.extend(decoder.flush())
    return batches
