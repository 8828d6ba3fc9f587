"""Movesense sensors running the GATT SensorData Protocol app (``gatt_sensordata_app``).

Protocol (Movesense device library sample ``gatt_sensordata_app`` and its Python client
examples; third-party clients agree; see ``firmware_notes/movesense.md``):

* Service ``34802252-7185-4d5d-b431-630e7050e8f0``; commands are written to
  ``34800001-...``; everything comes back on ``34800002-...`` (notify).
* Commands ``[op][ref]...``: subscribe ``01 <ref> "/Meas/IMU6/<rate>"`` (ASCII path, no
  terminator), unsubscribe ``02 <ref>``. ``ref`` is a client-chosen byte that tags the
  subscription's notifications.
* Notifications ``[type][ref]...``: 1 = command result, 2 = data, 3 = continuation of the
  previous data message (when it did not fit one notification).
* IMU6 data message body: u32 device time of the first sample in milliseconds, then
  N x 3 float32 acceleration in m/s^2, then N x 3 float32 angular rate in deg/s. The
  decoder divides acceleration by standard gravity (9.80665) to get g.

A data message whose first notification fills the whole MTU may continue in the next
notification, so a length that happens to be a whole number of samples is not proof of
completeness. The decoder therefore holds such a message back until the next
notification (or :meth:`~MovesenseStreamDecoder.flush`) unless ``att_mtu`` is set and
shows the notification was shorter than the MTU allows.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
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
)
from repscope.errors import InputError
from repscope.recording import STANDARD_GRAVITY_MPS2

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_CHAR_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_CHAR_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"

OP_HELLO = 0
OP_SUBSCRIBE = 1
OP_UNSUBSCRIBE = 2
TYPE_RESULT = 1
TYPE_DATA = 2
TYPE_CONTINUATION = 3
#: The reference byte repscope uses for its IMU6 subscription.
REF_IMU6 = 99
SUPPORTED_RATES_HZ: tuple[float, ...] = (13.0, 26.0, 52.0, 104.0, 208.0, 416.0, 833.0, 1666.0)
#: Full scales the emulator saturates at (the app does not change the sensor's defaults).
EMULATED_ACC_RANGE_G = 16.0
EMULATED_GYR_RANGE_DPS = 2000.0
SAMPLE_BYTES = 24  # 3 float32 acc + 3 float32 gyro
_PATH_RE = re.compile(r"^/Meas/IMU6/(\d+)$")
_TIMESTAMP = struct.Struct("<I")
#: Longest jump of the device clock between two messages read as lost messages rather
#: than a corrupt timestamp (a real loss is still accepted once the next message agrees).
MAX_GAP_S = 5.0


@dataclass(frozen=True)
class Imu6Message:
    """One decoded IMU6 data message."""

    timestamp_ms: int
    acc_g: np.ndarray
    gyr_dps: np.ndarray


def decode_imu6_body(body: bytes) -> Imu6Message:
    """Decode an IMU6 message body (after ``[type][ref]``, continuations joined).

    Raises
    ------
    MalformedPacket
        When the body is not a timestamp plus a whole number (>= 1) of samples, or holds
        non-finite numbers.
    """
    if len(body) < _TIMESTAMP.size + SAMPLE_BYTES or (len(body) - 4) % SAMPLE_BYTES:
        raise MalformedPacket(
            f"Movesense IMU6 body of {len(body)} bytes is not 4 + a multiple of 24"
        )
    (timestamp_ms,) = _TIMESTAMP.unpack_from(body, 0)
    n = (len(body) - 4) // SAMPLE_BYTES
    with np.errstate(invalid="ignore"):  # a signalling NaN in corrupt data: rejected below
        floats = np.frombuffer(body, dtype="<f4", offset=4).astype(np.float64)
    acc_mps2 = floats[: 3 * n].reshape(n, 3)
    gyr_dps = floats[3 * n :].reshape(n, 3)
    if not (np.isfinite(acc_mps2).all() and np.isfinite(gyr_dps).all()):
        raise MalformedPacket("Movesense IMU6 message holds non-finite values")
    return Imu6Message(timestamp_ms, acc_mps2 / STANDARD_GRAVITY_MPS2, gyr_dps)


def encode_imu6_body(timestamp_ms: int, acc_g: np.ndarray, gyr_dps: np.ndarray) -> bytes:
    """Build an IMU6 message body (float32; acceleration converted to m/s^2)."""
    acc = np.asarray(acc_g, dtype=np.float64).reshape(-1, 3) * STANDARD_GRAVITY_MPS2
    gyr = np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
    return (
        _TIMESTAMP.pack(timestamp_ms & 0xFFFFFFFF)
        + acc.astype("<f4").tobytes()
        + gyr.astype("<f4").tobytes()
    )


def subscribe_command(ref: int, sampling_rate_hz: float) -> bytes:
    """``01 <ref> "/Meas/IMU6/<rate>"``."""
    return bytes([OP_SUBSCRIBE, ref]) + f"/Meas/IMU6/{round(sampling_rate_hz)}".encode("ascii")


class MovesenseStreamDecoder(StreamDecoder):
    """Joins continuation packets and decodes IMU6 messages.

    ``device_info["command_results"]`` collects ``(ref, status)`` from command-result
    notifications. Device times are seconds on the sensor's millisecond clock (unwrapped),
    with samples ``1 / rate`` apart after the message timestamp; they are ``None`` when
    the subscription (and so the rate) was not passed to :meth:`feed_write`. With a known
    rate each message passes a :class:`~repscope.ble.devices.base.ContinuityGate`: a
    timestamp that does not continue the previous message (one message's samples later)
    is held until the next message shows whether it was a loss or a restart (accepted) or
    corrupt (dropped and counted as malformed); a u32 wrap is only such a continuation.
    """

    def __init__(self) -> None:
        super().__init__()
        self.rates_hz: dict[int, float] = {}
        self._pending: dict[int, bytearray] = {}
        self._max_len = 0
        self._gates: dict[int, ContinuityGate[Imu6Message]] = {}
        self._last_ms: int | None = None
        self._last_raw_ms: int | None = None

    def _full_size(self, length: int) -> bool:
        if self.att_mtu:
            return length >= self.att_mtu - 3
        return length >= self._max_len

    def _complete(self, body: bytes | bytearray) -> bool:
        return len(body) >= 4 + SAMPLE_BYTES and (len(body) - 4) % SAMPLE_BYTES == 0

    def _feed(self, char_uuid: str, payload: bytes) -> list[SampleBatch]:
        if char_uuid != NOTIFY_CHAR_UUID:
            return []
        if len(payload) < 2:
            raise MalformedPacket("Movesense notification shorter than its header")
        kind, ref = payload[0], payload[1]
        if kind == TYPE_RESULT:
            status = int.from_bytes(payload[2:4], "little") if len(payload) >= 4 else None
            self.device_info.setdefault("command_results", []).append((ref, status))
            return []
        if kind not in (TYPE_DATA, TYPE_CONTINUATION):
            raise MalformedPacket(f"unknown Movesense notification type {kind}")
        if self.rates_hz and ref not in self.rates_hz:
            return []  # another subscription (ECG, HR, ...)
        self.packets_count += 1
        self._max_len = max(self._max_len, len(payload))
        out: list[SampleBatch] = []
        if kind == TYPE_DATA:
            held = self._pending.pop(ref, None)
            if held is not None:
                out += self._emit(ref, held)  # the next message began: the held one was whole
            body = bytearray(payload[2:])
        else:
            held = self._pending.pop(ref, None)
            if held is None:
                raise MalformedPacket("Movesense continuation without a data packet")
            body = held + payload[2:]
        if self._complete(body) and not self._full_size(len(payload)):
            out += self._emit(ref, body)
        else:
            self._pending[ref] = body
        return out

    def _emit(self, ref: int, body: bytes | bytearray) -> list[SampleBatch]:
        try:
            message = decode_imu6_body(bytes(body))
        except MalformedPacket:
            self.malformed_count += 1
            return []
        rate = self.rates_hz.get(ref)
        if not rate:
            return [SampleBatch(acc_g=message.acc_g, gyr_dps=message.gyr_dps)]
        gate = self._gates.setdefault(ref, ContinuityGate(self._fitter(rate), confirm_gaps=True))
        accepted = gate.push(message)
        self.malformed_count += gate.take_dropped()
        return [self._timed(m, rate, resync) for m, resync in accepted]

    @staticmethod
    def _fitter(rate_hz: float) -> Callable[[Imu6Message, Imu6Message], Fit | None]:
        """Whether a message's timestamp continues another's at ``rate_hz``.

        The next message starts one message's samples later; after ``k - 1`` lost
        messages of the same size, ``k`` messages later (a gap of up to :data:`MAX_GAP_S`).
        The tolerance is a quarter period, 0.2 % of a message's span (the real rate is not
        exactly the nominal one) and 1.5 ms (timestamps are whole milliseconds), the same
        for every ``k``: a message within it is never followed by a good one outside it.
        Anything else within a second is ``"near"``: corrupt, never a restart.
        """
        period_ms = 1000.0 / rate_hz

        def fits(ref: Imu6Message, message: Imu6Message) -> Fit | None:
            dt_ms = (message.timestamp_ms - ref.timestamp_ms) & 0xFFFFFFFF
            span = len(ref.acc_g) * period_ms
            k = round(dt_ms / span)
            tolerance = 0.25 * period_ms + 0.002 * span + 1.5
            if k >= 1 and dt_ms <= span + 1000.0 * MAX_GAP_S and abs(dt_ms - k * span) <= tolerance:
                return "next" if k == 1 else "gap"
            signed_ms = ((dt_ms + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
            return "near" if -1000.0 < signed_ms < span + 1000.0 else None

        return fits

    def _timed(self, message: Imu6Message, rate: float, resync: bool) -> SampleBatch:
        if self._last_ms is None or self._last_raw_ms is None or resync:
            base = 0 if self._last_ms is None else self._last_ms - (self._last_ms & 0xFFFFFFFF)
            t_ms = base + message.timestamp_ms
        else:
            t_ms = self._last_ms + ((message.timestamp_ms - self._last_raw_ms) & 0xFFFFFFFF)
        self._last_ms = t_ms
        self._last_raw_ms = message.timestamp_ms
        times = t_ms / 1000.0 + np.arange(len(message.acc_g)) / rate
        return SampleBatch(
            acc_g=message.acc_g, gyr_dps=message.gyr_dps, device_time_s=times, resync=resync
        )

    def flush(self) -> list[SampleBatch]:
        """Emit messages held back for a possible continuation or a confirmation."""
        out: list[SampleBatch] = []
        for ref, body in list(self._pending.items()):
            out += self._emit(ref, body)
        self._pending.clear()
        for ref, gate in self._gates.items():
            rate = self.rates_hz[ref]
            out += [self._timed(m, rate, resync) for m, resync in gate.flush()]
            self.malformed_count += gate.take_dropped()
        return out

    def _observe_write(self, char_uuid: str, data: bytes) -> None:
        if char_uuid != WRITE_CHAR_UUID or len(data) < 2:
            return
        if data[0] == OP_SUBSCRIBE:
            match = _PATH_RE.match(data[2:].decode("ascii", errors="replace"))
            if match:
                self.rates_hz[data[1]] = float(match.group(1))
                self.device_info["sampling_rate_hz"] = float(match.group(1))


class MovesensePeripheral(PeripheralEncoder):
    """Emulated Movesense with ``gatt_sensordata_app``.

    A message holds ``rate / 13`` samples (1 at 13 Hz, 4 at 52 Hz, 8 at 104 Hz) and is
    split into a data notification plus continuations when it exceeds ``att_mtu - 3``.
    """

    def __init__(self) -> None:
        super().__init__(sampling_rate_hz=52.0, acc_range_g=EMULATED_ACC_RANGE_G, att_mtu=247)
        self.gyr_range_dps = EMULATED_GYR_RANGE_DPS
        self.ref: int | None = None
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
        """Samples per data message (several notifications when it is long)."""
        return max(1, round(self.sampling_rate_hz / 13.0))

    def handle_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        """Subscribe to ``/Meas/IMU6/<rate>`` and unsubscribe; answer with a result (200)."""
        if char_uuid.lower() != WRITE_CHAR_UUID or len(data) < 2:
            return []
        op, ref = data[0], data[1]
        status = 200
        if op == OP_SUBSCRIBE:
            match = _PATH_RE.match(data[2:].decode("ascii", errors="replace"))
            if match and float(match.group(1)) in SUPPORTED_RATES_HZ:
                self.sampling_rate_hz = float(match.group(1))
                self.ref = ref
                self.streaming = True
            else:
                status = 404
        elif op == OP_UNSUBSCRIBE:
            if ref == self.ref:
                self.streaming = False
                self.ref = None
        elif op != OP_HELLO:
            status = 400
        return [(NOTIFY_CHAR_UUID, bytes([TYPE_RESULT, ref]) + status.to_bytes(2, "little"))]

    def encode(
        self, acc_g: np.ndarray, gyr_dps: np.ndarray | None, device_time_s: np.ndarray
    ) -> list[tuple[str, bytes]]:
        """One message per ``samples_per_packet`` samples, split to fit the MTU."""
        acc = np.clip(np.asarray(acc_g, dtype=np.float64).reshape(-1, 3), -16.0, 16.0)
        gyr = (
            np.zeros_like(acc)
            if gyr_dps is None
            else np.clip(np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3), -2000.0, 2000.0)
        )
        times_ms = np.rint(np.asarray(device_time_s, dtype=np.float64) * 1000.0).astype(np.int64)
        ref = REF_IMU6 if self.ref is None else self.ref
        room = max(1, self.att_mtu - 3 - 2)
        step = self.samples_per_packet
        out: list[tuple[str, bytes]] = []
        for start in range(0, len(acc), step):
            stop = min(start + step, len(acc))
            body = encode_imu6_body(int(times_ms[start]), acc[start:stop], gyr[start:stop])
            for i, chunk_start in enumerate(range(0, len(body), room)):
                kind = TYPE_DATA if i == 0 else TYPE_CONTINUATION
                chunk = body[chunk_start : chunk_start + room]
                out.append((NOTIFY_CHAR_UUID, bytes([kind, ref]) + chunk))
        return out


@dataclass(frozen=True)
class MovesenseDriver(DeviceDriver):
    """Movesense (gatt_sensordata_app firmware) streaming /Meas/IMU6."""

    name: str = "movesense"
    display_name: str = "Movesense (GATT SensorData app)"
    service_uuid: str = SERVICE_UUID
    notify_char_uuids: tuple[str, ...] = (NOTIFY_CHAR_UUID,)
    write_char_uuid: str = WRITE_CHAR_UUID
    read_char_uuids: tuple[str, ...] = ()
    variants: tuple[str, ...] = field(default=("Movesense",))
    name_prefixes: tuple[str, ...] = ("Movesense",)

    def start_commands(
        self,
        *,
        sampling_rate_hz: float,
        acc_range_g: float | None = None,
        gyr_range_dps: float | None = None,
        device_info: Mapping[str, Any] | None = None,
    ) -> list[GattWrite]:
        """Subscribe to ``/Meas/IMU6/<rate>`` under reference :data:`REF_IMU6`.

        The app cannot change the ranges (that is a separate ``/Meas/Acc/Config`` call it
        does not expose), so asking for one is an error.
        """
        rate = choose_value(
            sampling_rate_hz,
            SUPPORTED_RATES_HZ,
            what="sampling_rate_hz",
            device=self.name,
            unit="Hz",
        )
        if acc_range_g is not None or gyr_range_dps is not None:
            raise InputError(
                "the Movesense GATT SensorData app cannot set the sensor ranges",
                hint="Leave acc_range_g and gyr_range_dps unset for Movesense.",
            )
        return [GattWrite(WRITE_CHAR_UUID, subscribe_command(REF_IMU6, rate), True)]

    def stop_commands(self, *, device_info: Mapping[str, Any] | None = None) -> list[GattWrite]:
        """Unsubscribe ``02 <ref>``."""
        return [GattWrite(WRITE_CHAR_UUID, bytes([OP_UNSUBSCRIBE, REF_IMU6]), True)]

    def supported_rates_hz(self) -> tuple[float, ...]:
        """13-1666 Hz, the sensor's IMU rates."""
        return SUPPORTED_RATES_HZ

    def new_stream_decoder(self) -> MovesenseStreamDecoder:
        """Return a fresh decoder."""
        return MovesenseStreamDecoder()

    def new_peripheral(self, *, variant: str | None = None) -> MovesensePeripheral:
        """Return an emulated sensor."""
        self._check_variant(variant)
        return MovesensePeripheral()
