"""WitMotion BWT901BLECL / WT901BLECL (BLE 5.0): the common cheap bar clip.

Protocol (vendor repository ``WITMOTION/WitBluetooth_BWT901BLE5_0``, datasheet section 6.1;
see ``firmware_notes/witmotion.md``):

* Service ``0000ffe5-0000-1000-8000-00805f9a34fb``, notify ``0000ffe4-...``, write
  ``0000ffe9-...``. The base ends ``00805f9a34fb`` (``9a``), *not* the Bluetooth SIG's
  ``9b``: code that normalises UUIDs to the SIG base never finds this device.
* The sensor streams as soon as notifications are enabled. Each data frame is 20 bytes,
  ``55 61`` then nine int16: ax ay az (g = raw / 32768 * 16), gx gy gz
  (deg/s = raw / 32768 * 2000), roll pitch yaw (deg = raw / 32768 * 180). There is no
  timestamp and no sequence number.
* Notifications are a byte stream: a frame may straddle two notifications, and register
  read replies (``55 71`` + 18 bytes) share the stream. The decoder buffers bytes and
  resynchronises on ``55 61`` / ``55 71``, as the vendor SDK does.
* Commands are ``FF AA <reg> <lo> <hi>``: unlock ``FF AA 69 88 B5`` (about 10 s), output
  rate register 0x03, save ``FF AA 00 00 00``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from repscope.ble.devices.base import (
    DeviceDriver,
    GattLayout,
    GattWrite,
    MalformedPacket,
    PeripheralEncoder,
    SampleBatch,
    StreamDecoder,
    choose_value,
    counts_to_units,
    units_to_counts,
)

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_CHAR_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_CHAR_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

FRAME_SIZE = 20
HEADER = 0x55
FLAG_DATA = 0x61
FLAG_REGISTER = 0x71
ACC_RANGE_G = 16.0
GYR_RANGE_DPS = 2000.0
ANGLE_RANGE_DEG = 180.0

#: Output-rate register 0x03 codes [third-party sources agree; see firmware_notes].
RATE_CODES: dict[float, int] = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}
DEFAULT_RATE_HZ = 10.0
REG_SAVE = 0x00
REG_RATE = 0x03
REG_READ = 0x27
REG_UNLOCK = 0x69
UNLOCK_VALUE = 0xB588  # written as 88 B5

_FRAME = struct.Struct("<BB9h")
_COMMAND = struct.Struct("<BBBH")  # FF AA reg value


@dataclass(frozen=True)
class WitFrame:
    """One decoded ``55 61`` frame."""

    acc_g: np.ndarray
    gyr_dps: np.ndarray
    angle_deg: np.ndarray


def decode_wit_frame(frame: bytes) -> WitFrame:
    """Decode one 20-byte ``55 61`` data frame.

    Raises
    ------
    MalformedPacket
        When the frame is not 20 bytes or does not start with ``55 61``.
    """
    if len(frame) != FRAME_SIZE:
        raise MalformedPacket(f"WitMotion frame of {len(frame)} bytes, expected 20")
    head, flag, *raw = _FRAME.unpack(frame)
    if head != HEADER or flag != FLAG_DATA:
        raise MalformedPacket(f"WitMotion frame starts {head:02x} {flag:02x}, expected 55 61")
    values = np.asarray(raw, dtype=np.int64)
    return WitFrame(
        acc_g=counts_to_units(values[0:3], ACC_RANGE_G / 32768),
        gyr_dps=counts_to_units(values[3:6], GYR_RANGE_DPS / 32768),
        angle_deg=counts_to_units(values[6:9], ANGLE_RANGE_DEG / 32768),
    )


def encode_wit_frame(acc_g: np.ndarray, gyr_dps: np.ndarray, angle_deg: np.ndarray) -> bytes:
    """Build one ``55 61`` frame (values saturate at the int16 limits)."""
    raw = np.concatenate(
        [
            units_to_counts(np.reshape(acc_g, 3), ACC_RANGE_G / 32768),
            units_to_counts(np.reshape(gyr_dps, 3), GYR_RANGE_DPS / 32768),
            units_to_counts(np.reshape(angle_deg, 3), ANGLE_RANGE_DEG / 32768),
        ]
    )
    return _FRAME.pack(HEADER, FLAG_DATA, *(int(v) for v in raw))


def command(register: int, value: int) -> bytes:
    """``FF AA <reg> <value lo> <value hi>``."""
    return _COMMAND.pack(0xFF, 0xAA, register, value & 0xFFFF)


class WitStreamDecoder(StreamDecoder):
    """Byte-stream decoder: buffers notifications and resynchronises on ``55 61``/``55 71``.

    ``packets_count`` counts complete data frames; ``malformed_count`` counts runs of
    bytes skipped while hunting for a frame header (one per run, however long).
    ``skipped_bytes`` holds the total number of bytes skipped.
    """

    def __init__(self) -> None:
        super().__init__()
        self._buffer = bytearray()
        self.skipped_bytes = 0
        self.register_replies: list[bytes] = []

    def _feed(self, char_uuid: str, payload: bytes) -> list[SampleBatch]:
        if char_uuid != NOTIFY_CHAR_UUID:
            return []
        self._buffer.extend(payload)
        acc_rows: list[np.ndarray] = []
        gyr_rows: list[np.ndarray] = []
        buf = self._buffer
        start = 0
        skipping = False
        while len(buf) - start >= 2:
            if buf[start] == HEADER and buf[start + 1] in (FLAG_DATA, FLAG_REGISTER):
                if len(buf) - start < FRAME_SIZE:
                    break
                frame = bytes(buf[start : start + FRAME_SIZE])
                skipping = False
                if frame[1] == FLAG_DATA:
                    decoded = decode_wit_frame(frame)
                    self.packets_count += 1
                    acc_rows.append(decoded.acc_g)
                    gyr_rows.append(decoded.gyr_dps)
                else:
                    self.register_replies.append(frame)
                    del self.register_replies[:-16]
                start += FRAME_SIZE
                continue
            if not skipping:
                self.malformed_count += 1
                skipping = True
            self.skipped_bytes += 1
            start += 1
        # keep a lone trailing 0x55 (it may start the next frame); drop other leftovers
        if len(buf) - start == 1 and buf[start] != HEADER:
            if not skipping:
                self.malformed_count += 1
            self.skipped_bytes += 1
            start += 1
        del buf[:start]
        if not acc_rows:
            return []
        return [SampleBatch(acc_g=np.vstack(acc_rows), gyr_dps=np.vstack(gyr_rows))]


class WitPeripheral(PeripheralEncoder):
    """Emulated BWT901BLECL: streams at 10 Hz from the moment notifications are enabled.

    Honours unlock / rate / save; a rate write without a prior unlock (within the
    device's ~10 s window, not modelled) is ignored, as on the real sensor.
    """

    def __init__(self) -> None:
        super().__init__(sampling_rate_hz=DEFAULT_RATE_HZ, acc_range_g=ACC_RANGE_G)
        self.gyr_range_dps = GYR_RANGE_DPS
        self.unlocked = False
        self.saved_rate_hz = DEFAULT_RATE_HZ
        self.gatt_layout: GattLayout = [
            (
                SERVICE_UUID,
                [
                    (WRITE_CHAR_UUID, ["write", "write-without-response"]),
                    (NOTIFY_CHAR_UUID, ["notify"]),
                ],
            )
        ]

    @property
    def samples_per_packet(self) -> int:
        """One frame per notification."""
        return 1

    def set_notifying(self, char_uuid: str, enabled: bool) -> None:
        """Streaming follows the notify CCCD."""
        if char_uuid.lower() == NOTIFY_CHAR_UUID:
            self.streaming = enabled

    def handle_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        """Unlock, rate and save commands; others are ignored."""
        if char_uuid.lower() != WRITE_CHAR_UUID or len(data) != _COMMAND.size:
            return []
        ff, aa, register, value = _COMMAND.unpack(data)
        if (ff, aa) != (0xFF, 0xAA):
            return []
        if register == REG_UNLOCK and value == UNLOCK_VALUE:
            self.unlocked = True
        elif register == REG_RATE and self.unlocked:
            by_code = {code: rate for rate, code in RATE_CODES.items()}
            if value in by_code:
                self.sampling_rate_hz = by_code[value]
        elif register == REG_SAVE and value == 0:
            self.saved_rate_hz = self.sampling_rate_hz
            self.unlocked = False
        return []

    def encode(
        self, acc_g: np.ndarray, gyr_dps: np.ndarray | None, device_time_s: np.ndarray
    ) -> list[tuple[str, bytes]]:
        """One 20-byte frame per sample (angles are sent as zero: the emulator has none)."""
        acc = np.asarray(acc_g, dtype=np.float64).reshape(-1, 3)
        gyr = np.zeros_like(acc) if gyr_dps is None else np.asarray(gyr_dps).reshape(-1, 3)
        zeros = np.zeros(3)
        return [
            (NOTIFY_CHAR_UUID, encode_wit_frame(acc[i], gyr[i], zeros)) for i in range(len(acc))
        ]


@dataclass(frozen=True)
class WitMotionDriver(DeviceDriver):
    """WitMotion BWT901BLECL / WT901BLECL over BLE 5.0."""

    name: str = "witmotion"
    display_name: str = "WitMotion BWT901BLECL (BLE 5.0)"
    service_uuid: str = SERVICE_UUID
    notify_char_uuids: tuple[str, ...] = (NOTIFY_CHAR_UUID,)
    write_char_uuid: str = WRITE_CHAR_UUID
    read_char_uuids: tuple[str, ...] = ()
    variants: tuple[str, ...] = field(default=("BWT901BLECL",))
    name_prefixes: tuple[str, ...] = ("WT901", "BWT901", "WT9011")

    def start_commands(
        self,
        *,
        sampling_rate_hz: float,
        acc_range_g: float | None = None,
        gyr_range_dps: float | None = None,
        device_info: Mapping[str, Any] | None = None,
    ) -> list[GattWrite]:
        """Unlock, set the output rate (register 0x03), save.

        The ranges are fixed (±16 g, ±2000 deg/s in the packet scale); asking for others
        is an error.
        """
        rate = choose_value(
            sampling_rate_hz,
            tuple(RATE_CODES),
            what="sampling_rate_hz",
            device=self.name,
            unit="Hz",
        )
        if acc_range_g is not None:
            choose_value(
                acc_range_g, (ACC_RANGE_G,), what="acc_range_g", device=self.name, unit="g"
            )
        if gyr_range_dps is not None:
            choose_value(
                gyr_range_dps,
                (GYR_RANGE_DPS,),
                what="gyr_range_dps",
                device=self.name,
                unit="deg/s",
            )
        return [
            GattWrite(WRITE_CHAR_UUID, command(REG_UNLOCK, UNLOCK_VALUE), False, 0.1),
            GattWrite(WRITE_CHAR_UUID, command(REG_RATE, RATE_CODES[rate]), False, 0.1),
            GattWrite(WRITE_CHAR_UUID, command(REG_SAVE, 0), False, 0.1),
        ]

    def stop_commands(self, *, device_info: Mapping[str, Any] | None = None) -> list[GattWrite]:
        """None: the sensor stops when notifications are disabled."""
        return []

    def supported_rates_hz(self) -> tuple[float, ...]:
        """10, 20, 50, 100 and 200 Hz (the factory default is 10 Hz)."""
        return tuple(RATE_CODES)

    def new_stream_decoder(self) -> WitStreamDecoder:
        """Return a fresh byte-stream decoder."""
        return WitStreamDecoder()

    def new_peripheral(self, *, variant: str | None = None) -> WitPeripheral:
        """Return an emulated sensor."""
        self._check_variant(variant)
        return WitPeripheral()
