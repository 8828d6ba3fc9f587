"""MbientLab MetaMotion (MetaWear protocol): MMR/MMC (BMI160) and MMS (BMI270).

Protocol (``mbientlab/MetaWear-SDK-Cpp``: ``accelerometer_bosch.cpp``,
``gyro_bosch.cpp``, ``gyro_bosch_register.h``; see ``firmware_notes/metamotion.md``):

* Service ``326a9000-85cb-9195-d9dd-464cfbbae75a``; commands are written to
  ``326a9001-...``, everything the board says arrives on ``326a9006-...``.
* Every command and notification is ``[module][register][payload]``. Accelerometer module
  0x03, gyroscope module 0x13. Reading a register sets bit 7 (``0x80 | register``); the
  module-info register 0 read as ``[module, 0x80]`` answers ``[module, 0x80,
  implementation, revision, ...]``. Accelerometer implementation 1 = BMI160, 4 = BMI270;
  gyroscope implementation 0 = BMI160, 1 = BMI270.
* Accelerometer registers (both chips): power 0x01, data-interrupt enable 0x02, config
  0x03, data 0x04; packed data (three samples per notification) 0x1C on the BMI160, 0x05
  on the BMI270 [third-party source only]. Gyroscope: power 0x01, enable 0x02, config
  0x03, data 0x05 / packed 0x07 (BMI160) and data 0x04 / packed 0x05 (BMI270).
* Config payloads are the Bosch register images: accelerometer ``[acc_conf, acc_range]``
  with ``acc_conf = odr | bwp << 4`` (bwp = 2, "normal"; the BMI270 also sets bit 7,
  ``acc_filter_perf``: 0x28 / 0xA8 at 100 Hz, the SDK defaults) and ``acc_range`` codes
  3/5/8/12 (BMI160) or 0/1/2/3 (BMI270) for ±2/4/8/16 g; gyroscope ``[gyr_conf,
  gyr_range]`` with ``gyr_conf = odr | 2 << 4`` and range codes 0..4 for ±2000..125 deg/s.
  Bosch ODR codes: 6 = 25 Hz, 7 = 50, 8 = 100, 9 = 200, 10 = 400, 11 = 800.
* Data: int16 x, y, z. g = raw / {16384, 8192, 4096, 2048}; deg/s = raw / {16.4, 32.8,
  65.6, 131.2, 262.4}. Streamed samples carry no device timestamp.

The accelerometer and gyroscope notify separately; the decoder pairs them in order.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from repscope.ble.devices.base import (
    AccGyrPairer,
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
from repscope.errors import InputError

SERVICE_UUID = "326a9000-85cb-9195-d9dd-464cfbbae75a"
COMMAND_CHAR_UUID = "326a9001-85cb-9195-d9dd-464cfbbae75a"
NOTIFY_CHAR_UUID = "326a9006-85cb-9195-d9dd-464cfbbae75a"

MODULE_ACC = 0x03
MODULE_GYRO = 0x13
REG_POWER = 0x01
REG_INTERRUPT_ENABLE = 0x02
REG_CONFIG = 0x03
REG_INFO_READ = 0x80

ACC_IMPL_BMI160 = 1
ACC_IMPL_BMI270 = 4
GYRO_IMPL_BMI160 = 0
GYRO_IMPL_BMI270 = 1
CHIPS = ("BMI160", "BMI270")


@dataclass(frozen=True)
class ChipRegisters:
    """Register numbers and codes that differ between the BMI160 and the BMI270."""

    acc_data: int
    acc_packed: int
    gyr_data: int
    gyr_packed: int
    acc_conf_base: int  # bwp (and filter_perf) bits OR-ed with the ODR code
    acc_range_codes: dict[float, int]


REGISTERS: dict[str, ChipRegisters] = {
    "BMI160": ChipRegisters(
        acc_data=0x04,
        acc_packed=0x1C,
        gyr_data=0x05,
        gyr_packed=0x07,
        acc_conf_base=0x20,
        acc_range_codes={2.0: 0x03, 4.0: 0x05, 8.0: 0x08, 16.0: 0x0C},
    ),
    "BMI270": ChipRegisters(
        acc_data=0x04,
        acc_packed=0x05,
        gyr_data=0x04,
        gyr_packed=0x05,
        acc_conf_base=0xA0,
        acc_range_codes={2.0: 0x00, 4.0: 0x01, 8.0: 0x02, 16.0: 0x03},
    ),
}

#: Bosch output-data-rate codes shared by the accelerometer and gyroscope of both chips.
ODR_CODES: dict[float, int] = {25.0: 6, 50.0: 7, 100.0: 8, 200.0: 9, 400.0: 10, 800.0: 11}
#: Rates offered for streaming both sensors (packed registers above 100 Hz).
SUPPORTED_RATES_HZ: tuple[float, ...] = (25.0, 50.0, 100.0, 200.0, 400.0)
PACKED_FROM_HZ = 200.0
ACC_LSB_PER_G: dict[float, float] = {2.0: 16384.0, 4.0: 8192.0, 8.0: 4096.0, 16.0: 2048.0}
#: Gyroscope range codes (0..4) and their sensitivity in LSB per deg/s.
GYR_RANGE_CODES: dict[float, int] = {2000.0: 0, 1000.0: 1, 500.0: 2, 250.0: 3, 125.0: 4}
GYR_LSB_PER_DPS: tuple[float, ...] = (16.4, 32.8, 65.6, 131.2, 262.4)
DEFAULT_ACC_RANGE_G = 16.0
DEFAULT_GYR_RANGE_DPS = 2000.0

_XYZ = struct.Struct("<3h")


def decode_xyz_samples(payload: bytes, *, packed: bool) -> np.ndarray:
    """Raw int16 triplets after the 2-byte header: one (unpacked) or three (packed).

    Raises
    ------
    MalformedPacket
        When the payload is not ``2 + 6`` (or ``2 + 18`` when packed) bytes long.
    """
    expected = 2 + (18 if packed else 6)
    if len(payload) != expected:
        kind = "packed " if packed else ""
        raise MalformedPacket(f"MetaWear {kind}data of {len(payload)} bytes, expected {expected}")
    return np.frombuffer(payload, dtype="<i2", offset=2).reshape(-1, 3).astype(np.int64)


def chip_from_info(module: int, payload: bytes) -> str | None:
    """Chip name from a module-info reply ``[module, 0x80, implementation, revision, ...]``.

    Returns ``None`` when the module is absent (a 2-byte reply) or unknown.
    """
    if len(payload) < 3:
        return None
    implementation = payload[2]
    if module == MODULE_ACC:
        return {ACC_IMPL_BMI160: "BMI160", ACC_IMPL_BMI270: "BMI270"}.get(implementation)
    if module == MODULE_GYRO:
        return {GYRO_IMPL_BMI160: "BMI160", GYRO_IMPL_BMI270: "BMI270"}.get(implementation)
    return None


def decode_acc_config(chip: str, payload: bytes) -> tuple[float, float]:
    """``(sampling_rate_hz, acc_range_g)`` from a ``03 03 <conf> <range>`` command."""
    if len(payload) != 4:
        raise MalformedPacket("MetaWear accelerometer config must be 4 bytes")
    rate = _rate_from_odr(payload[2] & 0x0F)
    by_code = {code: g for g, code in REGISTERS[chip].acc_range_codes.items()}
    if payload[3] not in by_code:
        raise MalformedPacket(f"unknown {chip} accelerometer range code {payload[3]}")
    return rate, by_code[payload[3]]


def decode_gyr_config(payload: bytes) -> tuple[float, float]:
    """``(sampling_rate_hz, gyr_range_dps)`` from a ``13 03 <conf> <range>`` command."""
    if len(payload) != 4:
        raise MalformedPacket("MetaWear gyroscope config must be 4 bytes")
    rate = _rate_from_odr(payload[2] & 0x0F)
    by_code = {code: dps for dps, code in GYR_RANGE_CODES.items()}
    if payload[3] not in by_code:
        raise MalformedPacket(f"unknown gyroscope range code {payload[3]}")
    return rate, by_code[payload[3]]


def _rate_from_odr(code: int) -> float:
    by_code = {c: hz for hz, c in ODR_CODES.items()}
    if code not in by_code:
        raise MalformedPacket(f"unsupported Bosch ODR code {code}")
    return by_code[code]


def acc_scale_g(acc_range_g: float) -> float:
    """Return the g per count at a range."""
    return 1.0 / ACC_LSB_PER_G[acc_range_g]


def gyr_scale_dps(gyr_range_dps: float) -> float:
    """deg/s per count at a range."""
    return 1.0 / GYR_LSB_PER_DPS[GYR_RANGE_CODES[gyr_range_dps]]


class MetaMotionStreamDecoder(StreamDecoder):
    """Decodes accelerometer/gyroscope notifications and pairs them.

    The decoder learns the chips from module-info replies (``device_info["acc_chip"]``,
    ``["gyr_chip"]``) and the ranges from the config commands passed to
    :meth:`feed_write`. Until it knows the range it assumes the MetaWear firmware
    defaults (BMI160 ±2 g, BMI270 ±8 g, gyro ±2000 deg/s). Data from the gyroscope's
    registers is only accepted once the gyro chip is known (the BMI160 data register 5 is
    the BMI270's packed register).
    """

    def __init__(self) -> None:
        super().__init__()
        self.pairer = AccGyrPairer()
        self.acc_range_g: float | None = None
        self.gyr_range_dps: float | None = None

    @property
    def unpaired_dropped_count(self) -> int:
        """Samples dropped because their partner stream stalled."""
        return self.pairer.dropped_count

    def identified(self) -> bool:
        """Both module-info replies have arrived."""
        return "acc_chip" in self.device_info and "gyr_chip" in self.device_info

    def _feed(self, char_uuid: str, payload: bytes) -> list[SampleBatch]:
        if char_uuid != NOTIFY_CHAR_UUID:
            return []
        if len(payload) < 2:
            raise MalformedPacket("MetaWear notification shorter than its header")
        module, register = payload[0], payload[1]
        if register == REG_INFO_READ:
            key = {MODULE_ACC: "acc_chip", MODULE_GYRO: "gyr_chip"}.get(module)
            if key is not None:
                self.device_info[key] = chip_from_info(module, payload)
                self.device_info[f"{key}_revision"] = payload[3] if len(payload) > 3 else None
            return []
        if module == MODULE_ACC:
            chip = self.device_info.get("acc_chip") or "BMI160"
            regs = REGISTERS[chip]
            if register not in (regs.acc_data, regs.acc_packed):
                return []  # another accelerometer register (motion, step, config reply...)
            self.packets_count += 1
            raw = decode_xyz_samples(payload, packed=register == regs.acc_packed)
            default = 2.0 if chip == "BMI160" else 8.0
            acc = counts_to_units(raw, acc_scale_g(self.acc_range_g or default))
            return self.pairer.push_acc(acc)
        if module == MODULE_GYRO:
            gyr_chip = self.device_info.get("gyr_chip")
            if gyr_chip is None:
                raise MalformedPacket("gyroscope data before the gyro chip is known")
            regs = REGISTERS[gyr_chip]
            if register not in (regs.gyr_data, regs.gyr_packed):
                return []
            self.packets_count += 1
            raw = decode_xyz_samples(payload, packed=register == regs.gyr_packed)
            gyr = counts_to_units(raw, gyr_scale_dps(self.gyr_range_dps or DEFAULT_GYR_RANGE_DPS))
            return self.pairer.push_gyr(gyr)
        return []

    def _observe_write(self, char_uuid: str, data: bytes) -> None:
        if char_uuid != COMMAND_CHAR_UUID or len(data) < 2:
            return
        module, register = data[0], data[1]
        if module == MODULE_ACC and register == REG_CONFIG:
            chip = self.device_info.get("acc_chip") or "BMI160"
            rate, self.acc_range_g = decode_acc_config(chip, data)
            self.device_info["sampling_rate_hz"] = rate
            self.device_info["acc_range_g"] = self.acc_range_g
        elif module == MODULE_GYRO and register == REG_CONFIG:
            _, self.gyr_range_dps = decode_gyr_config(data)
            self.device_info["gyr_range_dps"] = self.gyr_range_dps
        elif module == MODULE_GYRO and register == REG_POWER and data[2:3] == b"\x01":
            self.pairer.gyro_expected = True


class MetaMotionPeripheral(PeripheralEncoder):
    """Emulated MetaMotion board (``"MetaMotionR"``: BMI160, ``"MetaMotionS"``: BMI270)."""

    def __init__(self, *, chip: str) -> None:
        super().__init__(sampling_rate_hz=100.0, acc_range_g=2.0 if chip == "BMI160" else 8.0)
        self.chip = chip
        self.regs = REGISTERS[chip]
        self.gyr_range_dps = DEFAULT_GYR_RANGE_DPS
        self.gyr_rate_hz = 100.0
        self.subscribed: set[tuple[int, int]] = set()
        self.enabled = {MODULE_ACC: False, MODULE_GYRO: False}
        self.powered = {MODULE_ACC: False, MODULE_GYRO: False}
        self.gatt_layout: GattLayout = [
            (
                SERVICE_UUID,
                [
                    (COMMAND_CHAR_UUID, ["write", "write-without-response"]),
                    (NOTIFY_CHAR_UUID, ["notify"]),
                ],
            )
        ]

    @property
    def gyro_streaming(self) -> bool:
        """Whether gyro samples are being notified."""
        regs = self.regs
        return (
            self.powered[MODULE_GYRO]
            and self.enabled[MODULE_GYRO]
            and bool(
                {(MODULE_GYRO, regs.gyr_data), (MODULE_GYRO, regs.gyr_packed)} & self.subscribed
            )
        )

    @property
    def samples_per_packet(self) -> int:
        """Three when a packed register is subscribed, else one."""
        packed = (MODULE_ACC, self.regs.acc_packed) in self.subscribed
        return 3 if packed else 1

    def handle_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        """Answer module info; apply config, subscribe, enable and power commands."""
        if char_uuid.lower() != COMMAND_CHAR_UUID or len(data) < 2:
            return []
        module, register, body = data[0], data[1], data[2:]
        if module not in (MODULE_ACC, MODULE_GYRO):
            if register == REG_INFO_READ:
                return [(NOTIFY_CHAR_UUID, bytes([module, REG_INFO_READ]))]
            return []
        if register == REG_INFO_READ:
            if module == MODULE_ACC:
                impl = ACC_IMPL_BMI160 if self.chip == "BMI160" else ACC_IMPL_BMI270
            else:
                impl = GYRO_IMPL_BMI160 if self.chip == "BMI160" else GYRO_IMPL_BMI270
            return [(NOTIFY_CHAR_UUID, bytes([module, REG_INFO_READ, impl, 1]))]
        try:
            if register == REG_CONFIG and module == MODULE_ACC:
                self.sampling_rate_hz, self.acc_range_g = decode_acc_config(self.chip, data)
            elif register == REG_CONFIG and module == MODULE_GYRO:
                self.gyr_rate_hz, self.gyr_range_dps = decode_gyr_config(data)
        except MalformedPacket:
            return []
        if register == REG_POWER and len(body) == 1:
            self.powered[module] = body[0] == 1
        elif register == REG_INTERRUPT_ENABLE and len(body) == 2:
            if body[0]:
                self.enabled[module] = True
            if body[1]:
                self.enabled[module] = False
        elif register != REG_CONFIG and len(body) == 1:
            data_regs = (
                (self.regs.acc_data, self.regs.acc_packed)
                if module == MODULE_ACC
                else (self.regs.gyr_data, self.regs.gyr_packed)
            )
            if register in data_regs:
                if body[0]:
                    self.subscribed.add((module, register))
                else:
                    self.subscribed.discard((module, register))
        self.streaming = self.powered[MODULE_ACC] and self.enabled[MODULE_ACC]
        return []

    def encode(
        self, acc_g: np.ndarray, gyr_dps: np.ndarray | None, device_time_s: np.ndarray
    ) -> list[tuple[str, bytes]]:
        """Accelerometer then gyroscope notifications for each group of samples."""
        acc = np.asarray(acc_g, dtype=np.float64).reshape(-1, 3)
        acc_counts = units_to_counts(acc, acc_scale_g(self.acc_range_g))
        out: list[tuple[str, bytes]] = []
        gyr_counts = None
        if gyr_dps is not None and self.gyro_streaming:
            gyr = np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
            gyr_counts = units_to_counts(gyr, gyr_scale_dps(self.gyr_range_dps or 2000.0))
        acc_packed = (MODULE_ACC, self.regs.acc_packed) in self.subscribed
        gyr_packed = (MODULE_GYRO, self.regs.gyr_packed) in self.subscribed
        step = 3 if acc_packed else 1
        for start in range(0, len(acc), step):
            out.extend(
                _xyz_notifications(
                    MODULE_ACC,
                    self.regs.acc_data,
                    self.regs.acc_packed,
                    acc_counts[start : start + step],
                    acc_packed,
                )
            )
            if gyr_counts is not None:
                out.extend(
                    _xyz_notifications(
                        MODULE_GYRO,
                        self.regs.gyr_data,
                        self.regs.gyr_packed,
                        gyr_counts[start : start + step],
                        gyr_packed,
                    )
                )
        return out


def _xyz_notifications(
    module: int, data_reg: int, packed_reg: int, counts: np.ndarray, packed: bool
) -> list[tuple[str, bytes]]:
    """One notification per sample, or per three samples on a packed register.

    A packed register always carries three samples; a shorter tail goes out unpacked.
    """
    out = []
    if packed and len(counts) == 3:
        body = b"".join(_XYZ.pack(*(int(v) for v in row)) for row in counts)
        return [(NOTIFY_CHAR_UUID, bytes([module, packed_reg]) + body)]
    for row in counts:
        out.append(
            (NOTIFY_CHAR_UUID, bytes([module, data_reg]) + _XYZ.pack(*(int(v) for v in row)))
        )
    return out


@dataclass(frozen=True)
class MetaMotionDriver(DeviceDriver):
    """MbientLab MetaMotion R/C/S streaming accelerometer and gyroscope."""

    name: str = "metamotion"
    display_name: str = "MbientLab MetaMotion (MetaWear)"
    service_uuid: str = SERVICE_UUID
    notify_char_uuids: tuple[str, ...] = (NOTIFY_CHAR_UUID,)
    write_char_uuid: str = COMMAND_CHAR_UUID
    read_char_uuids: tuple[str, ...] = ()
    variants: tuple[str, ...] = field(default=("MetaMotionR", "MetaMotionS"))
    name_prefixes: tuple[str, ...] = ("MetaWear", "MetaMotion")

    def identify_commands(self) -> list[GattWrite]:
        """Read the accelerometer and gyroscope module info (``03 80``, ``13 80``)."""
        return [
            GattWrite(COMMAND_CHAR_UUID, bytes([MODULE_ACC, REG_INFO_READ]), True),
            GattWrite(COMMAND_CHAR_UUID, bytes([MODULE_GYRO, REG_INFO_READ]), True),
        ]

    def start_commands(
        self,
        *,
        sampling_rate_hz: float,
        acc_range_g: float | None = None,
        gyr_range_dps: float | None = None,
        device_info: Mapping[str, Any] | None = None,
    ) -> list[GattWrite]:
        """Configure, subscribe, enable and power both sensors at the same rate.

        Needs ``device_info["acc_chip"]`` and ``["gyr_chip"]`` from the module-info replies
        (the registers and range codes differ between the BMI160 and the BMI270). At 200 Hz
        and above the packed registers (three samples per notification) are used.
        """
        info = device_info or {}
        acc_chip, gyr_chip = info.get("acc_chip"), info.get("gyr_chip")
        if acc_chip not in CHIPS or gyr_chip not in CHIPS:
            raise InputError(
                "the MetaMotion board type is unknown (no module-info reply)",
                hint="Send identify_commands() first and pass decoder.device_info.",
            )
        rate = choose_value(
            sampling_rate_hz,
            SUPPORTED_RATES_HZ,
            what="sampling_rate_hz",
            device=self.name,
            unit="Hz",
        )
        acc_range = choose_value(
            DEFAULT_ACC_RANGE_G if acc_range_g is None else acc_range_g,
            tuple(ACC_LSB_PER_G),
            what="acc_range_g",
            device=self.name,
            unit="g",
        )
        gyr_range = choose_value(
            DEFAULT_GYR_RANGE_DPS if gyr_range_dps is None else gyr_range_dps,
            tuple(GYR_RANGE_CODES),
            what="gyr_range_dps",
            device=self.name,
            unit="deg/s",
        )
        acc_regs, gyr_regs = REGISTERS[acc_chip], REGISTERS[gyr_chip]
        packed = rate >= PACKED_FROM_HZ
        odr = ODR_CODES[rate]
        acc_stream = acc_regs.acc_packed if packed else acc_regs.acc_data
        gyr_stream = gyr_regs.gyr_packed if packed else gyr_regs.gyr_data
        raw = [
            bytes(
                [
                    MODULE_ACC,
                    REG_CONFIG,
                    acc_regs.acc_conf_base | odr,
                    acc_regs.acc_range_codes[acc_range],
                ]
            ),
            bytes([MODULE_GYRO, REG_CONFIG, 0x20 | odr, GYR_RANGE_CODES[gyr_range]]),
            bytes([MODULE_ACC, acc_stream, 1]),
            bytes([MODULE_GYRO, gyr_stream, 1]),
            bytes([MODULE_ACC, REG_INTERRUPT_ENABLE, 1, 0]),
            bytes([MODULE_GYRO, REG_INTERRUPT_ENABLE, 1, 0]),
            bytes([MODULE_GYRO, REG_POWER, 1]),
            bytes([MODULE_ACC, REG_POWER, 1]),
        ]
        return [GattWrite(COMMAND_CHAR_UUID, data, True) for data in raw]

    def stop_commands(self, *, device_info: Mapping[str, Any] | None = None) -> list[GattWrite]:
        """Power down and disable both sensors, then unsubscribe their data registers.

        Unsubscribing needs the chips (``device_info``): register numbers differ, and on
        the BMI160 accelerometer 0x05 is a config register, not a data stream. Without
        ``device_info`` only the chip-independent registers are touched.
        """
        info = device_info or {}
        raw = [
            bytes([MODULE_ACC, REG_POWER, 0]),
            bytes([MODULE_GYRO, REG_POWER, 0]),
            bytes([MODULE_ACC, REG_INTERRUPT_ENABLE, 0, 1]),
            bytes([MODULE_GYRO, REG_INTERRUPT_ENABLE, 0, 1]),
            bytes([MODULE_ACC, REGISTERS["BMI160"].acc_data, 0]),
        ]
        acc_chip, gyr_chip = info.get("acc_chip"), info.get("gyr_chip")
        if acc_chip in CHIPS:
            raw.append(bytes([MODULE_ACC, REGISTERS[acc_chip].acc_packed, 0]))
        if gyr_chip in CHIPS:
            raw.append(bytes([MODULE_GYRO, REGISTERS[gyr_chip].gyr_data, 0]))
            raw.append(bytes([MODULE_GYRO, REGISTERS[gyr_chip].gyr_packed, 0]))
        return [GattWrite(COMMAND_CHAR_UUID, data, True) for data in raw]

    def supported_rates_hz(self) -> tuple[float, ...]:
        """25-400 Hz (Bosch ODRs); packed streaming from 200 Hz."""
        return SUPPORTED_RATES_HZ

    def new_stream_decoder(self) -> MetaMotionStreamDecoder:
        """Return a fresh decoder."""
        return MetaMotionStreamDecoder()

    def new_peripheral(self, *, variant: str | None = None) -> MetaMotionPeripheral:
        """Return an emulated MetaMotionR (BMI160) or MetaMotionS (BMI270)."""
        chosen = self._check_variant(variant)
        return MetaMotionPeripheral(chip="BMI160" if chosen == "MetaMotionR" else "BMI270")
