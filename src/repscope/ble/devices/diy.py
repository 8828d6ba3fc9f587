"""repscope open DIY profile, version 1: a documented binary IMU stream for home-made sensors.

The full specification, with rationale and firmware advice, is
``firmware_notes/diy-open-profile.md``; the reference firmware is
``firmware_notes/diy_sensor/diy_sensor.ino`` and the shared test vectors are
``firmware_notes/diy_sensor/test_vectors.json``. Summary (all little-endian):

Service ``caaf0001-8278-422f-94a3-25f387ae4527`` with three characteristics:

* **data** ``caaf0002-...`` (notify): one packet per notification::

      offset  type  field
      0       u8    version (= 1)
      1       u8    flags: bit 0 G  gyroscope samples present
                           bits 1-2    accelerometer range code (2, 4, 8, 16 g)
                           bits 3-5    gyroscope range code (125, 250, 500, 1000, 2000,
                                       4000 deg/s; 6 and 7 reserved)
                           bit 6 P     sample-period field present
                           bit 7       reserved, 0
      2       u16   sequence number, +1 per packet, wraps 65535 -> 0
      4       u32   device clock of the first sample, microseconds, wraps
      8       u16   sample period in microseconds (only when P is set)
      8 | 10  ...   N samples: ax ay az [gx gy gz] as int16

  N is ``(len - header) / (6 or 12)`` and must be a whole number >= 1; without P it must be
  1. A count ``c`` means ``c / 32768 * range``: acc in g, gyro in deg/s, whatever the chip.
  At MTU 23 (20-byte payload) a packet holds one acc+gyro sample (8 + 12 bytes) or one
  acc sample; at MTU 247 it holds up to 19 acc+gyro or 39 acc samples.

* **config** ``caaf0003-...`` (read, notify; 14 bytes)::

      0 u8 profile version (1)    1 u8 status (bit 0 streaming, bit 1 gyro fitted,
      2 u16 acc_range_g                        bit 2 gyro enabled)
      4 u16 gyr_range_dps (0: off) 6 f32 sampling_rate_hz
      10 u8 fw major, 11 u8 fw minor, 12 u8 fw patch, 13 u8 samples per packet

* **control** ``caaf0004-...`` (write): ``01 <u16 rate_hz> <u8 acc_range_g>
  <u16 gyr_range_dps>`` starts (0 = device default range; gyro range 0 = gyro off), ``02``
  stops. The device answers by notifying the config characteristic.

The sequence number lets the client count lost packets and the device clock lets it
rebuild sample times free of the connection-interval jitter of host timestamps.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from repscope.ble.devices.base import (
    ContinuityGate,
    DeviceDriver,
    Fit,
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

SERVICE_UUID = "caaf0001-8278-422f-94a3-25f387ae4527"
DATA_CHAR_UUID = "caaf0002-8278-422f-94a3-25f387ae4527"
CONFIG_CHAR_UUID = "caaf0003-8278-422f-94a3-25f387ae4527"
CONTROL_CHAR_UUID = "caaf0004-8278-422f-94a3-25f387ae4527"

PROFILE_VERSION = 1
#: Accelerometer full scales (g) indexed by the 2-bit range code.
ACC_RANGES_G: tuple[float, ...] = (2.0, 4.0, 8.0, 16.0)
#: Gyroscope full scales (deg/s) indexed by the 3-bit range code (codes 6, 7 reserved).
GYR_RANGES_DPS: tuple[float, ...] = (125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0)
#: Rates the reference firmware offers (Hz); the period field needs rates above 15.3 Hz.
SUPPORTED_RATES_HZ: tuple[float, ...] = (25.0, 50.0, 100.0, 200.0, 400.0)
DEFAULT_ACC_RANGE_G = 16.0
DEFAULT_GYR_RANGE_DPS = 2000.0
#: Longest span of data one notification should hold (latency bound for firmware).
MAX_PACKET_SPAN_S = 0.05

FLAG_GYRO = 0x01
FLAG_PERIOD = 0x40
FLAG_RESERVED = 0x80

OP_START = 0x01
OP_STOP = 0x02

STATUS_STREAMING = 0x01
STATUS_GYRO_FITTED = 0x02
STATUS_GYRO_ENABLED = 0x04

_HEADER = struct.Struct("<BBHI")  # version, flags, seq, t_first_us
_PERIOD = struct.Struct("<H")
_CONFIG = struct.Struct("<BBHHfBBBB")
_START = struct.Struct("<BHBH")  # op, rate_hz, acc_range_g, gyr_range_dps
_COUNT_SCALE = 32768.0


@dataclass(frozen=True)
class DiyPacket:
    """One decoded data packet of the open profile (values already in units)."""

    seq: int
    t_first_us: int
    sample_period_us: int | None
    acc_range_g: float
    gyr_range_dps: float | None
    acc_g: np.ndarray
    gyr_dps: np.ndarray | None

    @property
    def n_samples(self) -> int:
        """Samples in the packet."""
        return int(self.acc_g.shape[0])


@dataclass(frozen=True)
class DiyConfig:
    """The configuration characteristic's fields."""

    streaming: bool
    gyro_fitted: bool
    gyro_enabled: bool
    acc_range_g: float
    gyr_range_dps: float | None
    sampling_rate_hz: float
    firmware_version: tuple[int, int, int]
    samples_per_packet: int
    profile_version: int = PROFILE_VERSION

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-friendly dict (what ``StreamDecoder.device_info`` holds)."""
        return {
            "profile_version": self.profile_version,
            "streaming": self.streaming,
            "gyro_fitted": self.gyro_fitted,
            "gyro_enabled": self.gyro_enabled,
            "acc_range_g": self.acc_range_g,
            "gyr_range_dps": self.gyr_range_dps,
            "sampling_rate_hz": self.sampling_rate_hz,
            "firmware_version": ".".join(str(v) for v in self.firmware_version),
            "samples_per_packet": self.samples_per_packet,
        }


# ---------------------------------------------------------------------- pure functions
def header_size(*, period_present: bool) -> int:
    """Bytes before the first sample."""
    return _HEADER.size + (_PERIOD.size if period_present else 0)


def max_samples_per_packet(*, att_mtu: int, gyro: bool) -> int:
    """Most samples that fit one notification at ``att_mtu`` (payload = MTU - 3).

    Packets of one sample omit the period field, so one sample always fits at MTU 23.
    """
    payload = att_mtu - 3
    size = 12 if gyro else 6
    many = (payload - header_size(period_present=True)) // size
    if many >= 2:
        return int(many)
    return 1 if payload - header_size(period_present=False) >= size else 0


def decode_diy_packet(payload: bytes) -> DiyPacket:
    """Decode one data notification.

    Raises
    ------
    MalformedPacket
        Wrong version, reserved flag or range code set, no samples, a length that is
        not a whole number of samples, several samples without a period field, or a zero
        period with several samples.
    """
    if len(payload) < _HEADER.size:
        raise MalformedPacket(f"DIY packet of {len(payload)} bytes is shorter than its header")
    version, flags, seq, t_first_us = _HEADER.unpack_from(payload, 0)
    if version != PROFILE_VERSION:
        raise MalformedPacket(f"DIY packet version {version}, this decoder reads version 1")
    if flags & FLAG_RESERVED:
        raise MalformedPacket("DIY packet has the reserved flag bit 7 set")
    gyro = bool(flags & FLAG_GYRO)
    acc_range_g = ACC_RANGES_G[(flags >> 1) & 0x03]
    gyr_code = (flags >> 3) & 0x07
    if gyro and gyr_code >= len(GYR_RANGES_DPS):
        raise MalformedPacket(f"DIY packet uses reserved gyro range code {gyr_code}")
    offset = _HEADER.size
    period_us: int | None = None
    if flags & FLAG_PERIOD:
        if len(payload) < offset + _PERIOD.size:
            raise MalformedPacket("DIY packet is too short for its period field")
        (period_us,) = _PERIOD.unpack_from(payload, offset)
        offset += _PERIOD.size
    sample_size = 12 if gyro else 6
    body = len(payload) - offset
    n, rest = divmod(body, sample_size)
    if n == 0 or rest:
        raise MalformedPacket(
            f"DIY packet body of {body} bytes is not a whole number of {sample_size}-byte samples"
        )
    if n > 1 and not period_us:
        raise MalformedPacket(f"DIY packet holds {n} samples but no (or a zero) sample period")
    raw = np.frombuffer(payload, dtype="<i2", offset=offset).reshape(n, sample_size // 2)
    acc_g = counts_to_units(raw[:, 0:3], acc_range_g / _COUNT_SCALE)
    gyr_dps = None
    gyr_range = None
    if gyro:
        gyr_range = GYR_RANGES_DPS[gyr_code]
        gyr_dps = counts_to_units(raw[:, 3:6], gyr_range / _COUNT_SCALE)
    return DiyPacket(
        seq=seq,
        t_first_us=t_first_us,
        sample_period_us=period_us,
        acc_range_g=acc_range_g,
        gyr_range_dps=gyr_range,
        acc_g=acc_g,
        gyr_dps=gyr_dps,
    )


def encode_diy_packet(
    *,
    seq: int,
    t_first_us: int,
    sample_period_us: int | None,
    acc_g: np.ndarray,
    gyr_dps: np.ndarray | None,
    acc_range_g: float,
    gyr_range_dps: float | None,
) -> bytes:
    """Build one data notification (the peripheral side of :func:`decode_diy_packet`).

    Values beyond the range saturate at the int16 limits. The period field is written
    whenever ``sample_period_us`` is given (required for more than one sample).
    """
    acc = np.asarray(acc_g, dtype=np.float64).reshape(-1, 3)
    n = acc.shape[0]
    if n == 0:
        raise ValueError("a DIY packet needs at least one sample")
    if n > 1 and not sample_period_us:
        raise ValueError("several samples need a sample period")
    flags = ACC_RANGES_G.index(float(acc_range_g)) << 1
    columns = [units_to_counts(acc, acc_range_g / _COUNT_SCALE)]
    if gyr_dps is not None:
        if gyr_range_dps is None:
            raise ValueError("gyro samples need gyr_range_dps")
        flags |= FLAG_GYRO | (GYR_RANGES_DPS.index(float(gyr_range_dps)) << 3)
        gyr = np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
        columns.append(units_to_counts(gyr, gyr_range_dps / _COUNT_SCALE))
    header = b""
    if sample_period_us is not None:
        flags |= FLAG_PERIOD
        header = _PERIOD.pack(int(sample_period_us))
    body = np.hstack(columns).astype("<i2").tobytes()
    return _HEADER.pack(PROFILE_VERSION, flags, seq & 0xFFFF, t_first_us & 0xFFFFFFFF) + (
        header + body
    )


def decode_diy_config(value: bytes) -> DiyConfig:
    """Decode the configuration characteristic (14 bytes; longer values are allowed)."""
    if len(value) < _CONFIG.size:
        raise MalformedPacket(f"DIY config of {len(value)} bytes, expected {_CONFIG.size}")
    version, status, acc_range, gyr_range, rate, major, minor, patch, per_packet = (
        _CONFIG.unpack_from(value, 0)
    )
    if version != PROFILE_VERSION:
        raise MalformedPacket(f"DIY config version {version}, this decoder reads version 1")
    if not math.isfinite(rate) or rate <= 0:
        raise MalformedPacket(f"DIY config sampling rate {rate!r} is not positive")
    return DiyConfig(
        profile_version=version,
        streaming=bool(status & STATUS_STREAMING),
        gyro_fitted=bool(status & STATUS_GYRO_FITTED),
        gyro_enabled=bool(status & STATUS_GYRO_ENABLED),
        acc_range_g=float(acc_range),
        gyr_range_dps=float(gyr_range) if gyr_range else None,
        sampling_rate_hz=float(rate),
        firmware_version=(major, minor, patch),
        samples_per_packet=per_packet,
    )


def encode_diy_config(config: DiyConfig) -> bytes:
    """Build the configuration characteristic value."""
    status = (
        (STATUS_STREAMING if config.streaming else 0)
        | (STATUS_GYRO_FITTED if config.gyro_fitted else 0)
        | (STATUS_GYRO_ENABLED if config.gyro_enabled else 0)
    )
    return _CONFIG.pack(
        config.profile_version,
        status,
        int(config.acc_range_g),
        int(config.gyr_range_dps or 0),
        config.sampling_rate_hz,
        *config.firmware_version,
        config.samples_per_packet,
    )


def encode_start_command(
    *, sampling_rate_hz: float, acc_range_g: float, gyr_range_dps: float | None
) -> bytes:
    """``01 <u16 rate_hz> <u8 acc_range_g> <u16 gyr_range_dps>`` (gyro 0 = off)."""
    return _START.pack(OP_START, round(sampling_rate_hz), int(acc_range_g), int(gyr_range_dps or 0))


# ---------------------------------------------------------------------- client side
class DiyStreamDecoder(StreamDecoder):
    """Decoder for the open profile: counts lost packets and unwraps the device clock.

    Each data packet passes a :class:`~repscope.ble.devices.base.ContinuityGate`: its
    sequence number and device clock must continue the last accepted packet's, consistently
    with each other and with the sample period (a step of ``s`` sequence numbers must come
    with ``s - 1`` packets' worth of device time on top of the previous packet's samples).
    The u32 microsecond clock wraps every 71.6 minutes; a wrap is taken only when it is such
    a consistent forward step. A packet that fails is held; it is dropped and counted as
    malformed if the next packet continues the old stream, and accepted as a
    resynchronisation (device restart) if the next packet continues it instead.
    ``lost_packets_count`` grows by the sequence gap of accepted packets, less the
    malformed packets in between. A repeated sequence number is dropped.
    """

    def __init__(self) -> None:
        super().__init__()
        self._gate: ContinuityGate[DiyPacket] = ContinuityGate(self._fits, confirm_gaps=False)
        self._requested_rate_hz: float | None = None
        self._max_n = 1
        self._last_raw_us: int | None = None
        self._last_t_us = 0
        self._malformed_since = 0
        self._last_seq_accepted: int | None = None

    def _period_us(self, *packets: DiyPacket) -> float | None:
        for packet in packets:
            if packet.sample_period_us:
                return float(packet.sample_period_us)
        rate = self.device_info.get("sampling_rate_hz") or self._requested_rate_hz
        return 1e6 / float(rate) if rate else None

    def _fits(self, ref: DiyPacket, packet: DiyPacket) -> Fit | None:
        step = (packet.seq - ref.seq) & 0xFFFF
        if step == 0 or step >= 0x8000:
            signed_us = ((packet.t_first_us - ref.t_first_us + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
            return "near" if abs(signed_us) < 1e6 else None
        dt_us = (packet.t_first_us - ref.t_first_us) & 0xFFFFFFFF
        period = self._period_us(ref, packet)
        kind: Fit = "next" if step == 1 else "gap"
        if period is None:  # no rate known yet: only order and a 1 Hz floor
            return kind if 0 < dt_us <= 1e6 * (ref.n_samples + (step - 1) * self._max_n) else None
        n_max = max(self._max_n, ref.n_samples, packet.n_samples)
        low = (ref.n_samples + (step - 1)) * period
        high = (ref.n_samples + (step - 1) * n_max) * period
        # the same for every step, so that a packet within it is never followed by a good
        # one outside it (a µs clock drifts far less than this over any plausible gap)
        tolerance = 0.3 * period
        if low - tolerance <= dt_us <= high + tolerance:
            return kind
        signed_us = ((packet.t_first_us - ref.t_first_us + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
        return "near" if -1e6 < signed_us < high + 1e6 else None

    def _feed(self, char_uuid: str, payload: bytes) -> list[SampleBatch]:
        if char_uuid == CONFIG_CHAR_UUID:
            self.device_info.update(decode_diy_config(payload).as_dict())
            return []
        if char_uuid != DATA_CHAR_UUID:
            return []
        self.packets_count += 1
        try:
            packet = decode_diy_packet(payload)
        except MalformedPacket:
            self._malformed_since += 1
            raise
        reference = self._gate.reference
        if reference is not None and reference.seq == packet.seq:
            if reference.t_first_us == packet.t_first_us:
                return []  # a repeated packet
            self._malformed_since += 1
            raise MalformedPacket("DIY packet repeats the last sequence number with another time")
        accepted = self._gate.push(packet)
        dropped = self._gate.take_dropped()
        self.malformed_count += dropped
        self._malformed_since += dropped
        return [self._batch(p, resync) for p, resync in accepted]

    def flush(self) -> list[SampleBatch]:
        """Return a packet held back after a discontinuity if it is a plausible gap."""
        out = [self._batch(p, resync) for p, resync in self._gate.flush()]
        self.malformed_count += self._gate.take_dropped()
        return out

    def _batch(self, packet: DiyPacket, resync: bool) -> SampleBatch:
        previous = self._last_seq_accepted
        if self._last_raw_us is None or resync:
            base = self._last_t_us - (self._last_t_us & 0xFFFFFFFF)
            t_us = base + packet.t_first_us
        else:
            t_us = self._last_t_us + ((packet.t_first_us - self._last_raw_us) & 0xFFFFFFFF)
            if previous is not None:
                step = (packet.seq - previous) & 0xFFFF
                self.lost_packets_count += max(0, step - 1 - self._malformed_since)
        self._malformed_since = 0
        self._last_seq_accepted = packet.seq
        self._last_raw_us = packet.t_first_us
        self._last_t_us = t_us
        self._max_n = max(self._max_n, packet.n_samples)
        period = packet.sample_period_us or 0
        times = (t_us + period * np.arange(packet.n_samples, dtype=np.float64)) * 1e-6
        return SampleBatch(
            acc_g=packet.acc_g,
            gyr_dps=packet.gyr_dps,
            device_time_s=times,
            seq=packet.seq,
            resync=resync,
        )

    def _observe_write(self, char_uuid: str, data: bytes) -> None:
        if char_uuid == CONTROL_CHAR_UUID and len(data) >= _START.size and data[0] == OP_START:
            rate_hz = _START.unpack_from(data, 0)[1]
            if rate_hz:
                self._requested_rate_hz = _nearest(SUPPORTED_RATES_HZ, rate_hz)

    def _observe_read(self, char_uuid: str, value: bytes) -> None:
        if char_uuid == CONFIG_CHAR_UUID:
            self.device_info.update(decode_diy_config(value).as_dict())


# ---------------------------------------------------------------------- device side
class DiyPeripheral(PeripheralEncoder):
    """Emulated open-profile sensor (the reference firmware's behaviour)."""

    def __init__(
        self, *, gyro_fitted: bool = True, firmware_version: tuple[int, int, int] = (1, 0, 0)
    ) -> None:
        super().__init__(sampling_rate_hz=100.0, acc_range_g=DEFAULT_ACC_RANGE_G)
        self.gyro_fitted = gyro_fitted
        self.firmware_version = tuple(firmware_version)
        self.gyr_range_dps = DEFAULT_GYR_RANGE_DPS if gyro_fitted else None
        self.seq = 0
        self.gatt_layout: GattLayout = [
            (
                SERVICE_UUID,
                [
                    (DATA_CHAR_UUID, ["notify"]),
                    (CONFIG_CHAR_UUID, ["read", "notify"]),
                    (CONTROL_CHAR_UUID, ["write", "write-without-response"]),
                ],
            )
        ]

    @property
    def samples_per_packet(self) -> int:
        """Samples per notification: as many as fit the MTU, at most 50 ms of data."""
        by_mtu = max_samples_per_packet(att_mtu=self.att_mtu, gyro=self.gyr_range_dps is not None)
        by_latency = max(1, math.ceil(self.sampling_rate_hz * MAX_PACKET_SPAN_S))
        return max(1, min(by_mtu, by_latency))

    def config(self) -> DiyConfig:
        """Return the current configuration characteristic fields."""
        return DiyConfig(
            streaming=self.streaming,
            gyro_fitted=self.gyro_fitted,
            gyro_enabled=self.gyr_range_dps is not None,
            acc_range_g=self.acc_range_g,
            gyr_range_dps=self.gyr_range_dps,
            sampling_rate_hz=self.sampling_rate_hz,
            firmware_version=(
                int(self.firmware_version[0]),
                int(self.firmware_version[1]),
                int(self.firmware_version[2]),
            ),
            samples_per_packet=self.samples_per_packet,
        )

    def read(self, char_uuid: str) -> bytes:
        """Config is the only readable characteristic."""
        if char_uuid.lower() == CONFIG_CHAR_UUID:
            return encode_diy_config(self.config())
        return super().read(char_uuid)

    def handle_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        """Start/stop; unsupported values snap to the nearest supported one, as firmware does."""
        if char_uuid.lower() != CONTROL_CHAR_UUID or not data:
            return []
        if data[0] == OP_START and len(data) >= _START.size:
            _, rate_hz, acc_range, gyr_range = _START.unpack_from(data, 0)
            if rate_hz:
                self.sampling_rate_hz = _nearest(SUPPORTED_RATES_HZ, rate_hz)
            if acc_range:
                self.acc_range_g = _nearest(ACC_RANGES_G, acc_range)
            if not self.gyro_fitted or gyr_range == 0:
                self.gyr_range_dps = None
            else:
                self.gyr_range_dps = _nearest(GYR_RANGES_DPS, gyr_range)
            self.streaming = True
        elif data[0] == OP_STOP:
            self.streaming = False
        else:
            return []
        return [(CONFIG_CHAR_UUID, encode_diy_config(self.config()))]

    def encode(
        self, acc_g: np.ndarray, gyr_dps: np.ndarray | None, device_time_s: np.ndarray
    ) -> list[tuple[str, bytes]]:
        """Pack samples ``samples_per_packet`` at a time; the period is the nominal one."""
        acc = np.asarray(acc_g, dtype=np.float64).reshape(-1, 3)
        times_us = np.rint(np.asarray(device_time_s, dtype=np.float64) * 1e6).astype(np.int64)
        gyr = None
        if gyr_dps is not None and self.gyr_range_dps is not None:
            gyr = np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
        period_us = round(1e6 / self.sampling_rate_hz)
        step = self.samples_per_packet
        out: list[tuple[str, bytes]] = []
        for start in range(0, acc.shape[0], step):
            stop = min(start + step, acc.shape[0])
            payload = encode_diy_packet(
                seq=self.seq,
                t_first_us=int(times_us[start]),
                sample_period_us=period_us if stop - start > 1 else None,
                acc_g=acc[start:stop],
                gyr_dps=None if gyr is None else gyr[start:stop],
                acc_range_g=self.acc_range_g,
                gyr_range_dps=self.gyr_range_dps,
            )
            self.seq = (self.seq + 1) & 0xFFFF
            out.append((DATA_CHAR_UUID, payload))
        return out


def _nearest(options: tuple[float, ...], value: float) -> float:
    return min(options, key=lambda option: (abs(option - value), option))


@dataclass(frozen=True)
class DiyDriver(DeviceDriver):
    """repscope open DIY profile v1 (see module docs and ``firmware_notes/``)."""

    name: str = "diy"
    display_name: str = "repscope open DIY profile v1"
    service_uuid: str = SERVICE_UUID
    notify_char_uuids: tuple[str, ...] = (DATA_CHAR_UUID, CONFIG_CHAR_UUID)
    write_char_uuid: str = CONTROL_CHAR_UUID
    read_char_uuids: tuple[str, ...] = (CONFIG_CHAR_UUID,)
    variants: tuple[str, ...] = field(default=("acc+gyro", "acc-only"))
    name_prefixes: tuple[str, ...] = ("repscope",)

    def start_commands(
        self,
        *,
        sampling_rate_hz: float,
        acc_range_g: float | None = None,
        gyr_range_dps: float | None = None,
        device_info: Mapping[str, Any] | None = None,
    ) -> list[GattWrite]:
        """One control write: ``01 <rate> <acc range> <gyro range>`` (gyro at 2000 dps by default).

        A board without a gyroscope ignores the gyro range and sends acc-only packets.
        """
        rate = choose_value(
            sampling_rate_hz,
            SUPPORTED_RATES_HZ,
            what="sampling_rate_hz",
            device=self.name,
            unit="Hz",
        )
        acc = choose_value(
            DEFAULT_ACC_RANGE_G if acc_range_g is None else acc_range_g,
            ACC_RANGES_G,
            what="acc_range_g",
            device=self.name,
            unit="g",
        )
        gyr = choose_value(
            DEFAULT_GYR_RANGE_DPS if gyr_range_dps is None else gyr_range_dps,
            GYR_RANGES_DPS,
            what="gyr_range_dps",
            device=self.name,
            unit="deg/s",
        )
        data = encode_start_command(sampling_rate_hz=rate, acc_range_g=acc, gyr_range_dps=gyr)
        return [GattWrite(CONTROL_CHAR_UUID, data, response=True)]

    def stop_commands(self, *, device_info: Mapping[str, Any] | None = None) -> list[GattWrite]:
        """``02``."""
        return [GattWrite(CONTROL_CHAR_UUID, bytes([OP_STOP]), response=True)]

    def supported_rates_hz(self) -> tuple[float, ...]:
        """25-400 Hz in octaves."""
        return SUPPORTED_RATES_HZ

    def new_stream_decoder(self) -> DiyStreamDecoder:
        """Return a fresh :class:`DiyStreamDecoder`."""
        return DiyStreamDecoder()

    def new_peripheral(self, *, variant: str | None = None) -> DiyPeripheral:
        """Return an emulated open-profile sensor, with (``"acc+gyro"``) or without a gyroscope."""
        chosen = self._check_variant(variant)
        return DiyPeripheral(gyro_fitted=chosen == "acc+gyro")
