"""Polar Verity Sense and H10 through the Polar Measurement Data (PMD) service.

Protocol (``polarofficial/polar-ble-sdk``: ``BlePMDClient.kt``, ``PmdDataFrame.kt``,
``PmdSetting.kt``, ``PmdControlPointResponse.kt``, ``model/AccData.kt``,
``model/GyrData.kt``; see ``firmware_notes/polar.md``):

* Service ``fb005c80-02e7-f387-1cad-8acd2d8df0c8``; control point ``fb005c81-...``
  (read = feature bitmap, write = commands, indicate = responses); data ``fb005c82-...``
  (notify).
* Commands ``01 <type>`` get settings, ``02 <type> <TLVs>`` start, ``03 <type>`` stop;
  measurement types ACC 2, GYRO 5, SDK mode 9. A setting TLV is
  ``[setting u8][count u8][count values]`` with SAMPLE_RATE 0, RESOLUTION 1, RANGE 2 (u16),
  RANGE_MILLIUNIT 3 (u32), CHANNELS 4 (u8) and FACTOR 5 (f32, only in start responses).
* Responses ``F0 <op> <type> <status> [<more> <TLVs>]``, status 0 = success.
* Data frame ``[type u8 & 0x3F][u64 ns since 2000-01-01T00:00Z of the LAST sample]
  [frame type u8, bit 7 = compressed][payload]``. Raw ACC frame types 0/1/2 hold int8/16/24
  per axis in milli-g. Compressed frames hold a reference sample (``channels`` values of
  ``ceil(resolution / 8)`` bytes, signed) then blocks ``[bit width u8][count u8][count x
  channels deltas]``, bit-packed LSB first within each block, two's-complement; each sample
  is the previous one plus its delta. Values are multiplied by the start response's
  FACTOR: compressed ACC type 1 gives milli-g, compressed ACC type 0 gives g, compressed
  GYRO type 0 gives deg/s (GYRO type 1 deltas act on float32 bit patterns).
* Earlier samples of a frame are spaced by ``(t_frame - t_previous_frame) / n``; the first
  frame of a stream uses the nominal rate (as the SDK does).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from repscope.ble.devices.base import (
    AccGyrPairer,
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
    units_to_counts,
)
from repscope.errors import InputError

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_POINT_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_CHAR_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

TYPE_ACC = 2
TYPE_GYRO = 5
TYPE_SDK_MODE = 9
TYPE_MASK = 0x3F

OP_GET_SETTINGS = 1
OP_START = 2
OP_STOP = 3
RESPONSE_CODE = 0xF0
FEATURES_CODE = 0x0F

SETTING_SAMPLE_RATE = 0
SETTING_RESOLUTION = 1
SETTING_RANGE = 2
SETTING_RANGE_MILLIUNIT = 3
SETTING_CHANNELS = 4
SETTING_FACTOR = 5
_SETTING_SIZES = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4}

STATUS_SUCCESS = 0
STATUS_NOT_SUPPORTED = 3
STATUS_ALREADY_IN_STATE = 6
STATUS_INVALID_SAMPLE_RATE = 8
STATUS_INVALID_RANGE = 9

COMPRESSED_BIT = 0x80
#: Seconds from 1970-01-01 to 2000-01-01, the epoch of PMD timestamps.
PMD_EPOCH_UNIX_S = 946_684_800

_HEADER = struct.Struct("<BQB")
_TIMESTAMP_TYPE_BYTES = _HEADER.size  # 10


@dataclass(frozen=True)
class Model:
    """What one Polar model offers."""

    acc_rates_hz: tuple[float, ...]
    acc_ranges_g: tuple[float, ...]
    gyr_rates_hz: tuple[float, ...]
    gyr_ranges_dps: tuple[float, ...]
    default_rate_hz: float
    #: rates available without SDK mode (Verity Sense: only 52 Hz)
    non_sdk_rates_hz: tuple[float, ...]
    features: bytes


MODELS: dict[str, Model] = {
    "VeritySense": Model(
        acc_rates_hz=(26.0, 52.0, 104.0, 208.0, 416.0),
        acc_ranges_g=(2.0, 4.0, 8.0, 16.0),
        gyr_rates_hz=(26.0, 52.0, 104.0, 208.0, 416.0),
        gyr_ranges_dps=(250.0, 500.0, 1000.0, 2000.0),
        default_rate_hz=52.0,
        non_sdk_rates_hz=(52.0,),
        features=bytes([FEATURES_CODE, 0x6E, 0x02]),  # PPG ACC PPI GYRO MAG | SDK mode
    ),
    "H10": Model(
        acc_rates_hz=(25.0, 50.0, 100.0, 200.0),
        acc_ranges_g=(2.0, 4.0, 8.0),
        gyr_rates_hz=(),
        gyr_ranges_dps=(),
        default_rate_hz=200.0,
        non_sdk_rates_hz=(25.0, 50.0, 100.0, 200.0),
        features=bytes([FEATURES_CODE, 0x05, 0x00]),  # ECG ACC
    ),
}
DEFAULT_ACC_RANGE_G = 8.0
DEFAULT_GYR_RANGE_DPS = 2000.0


# ---------------------------------------------------------------------- pure functions
def encode_settings(settings: Mapping[int, float]) -> bytes:
    """TLVs ``[setting][1][value]`` for the start command (FACTOR is never sent)."""
    out = bytearray()
    for setting, value in settings.items():
        size = _SETTING_SIZES[setting]
        out += bytes([setting, 1]) + int(value).to_bytes(size, "little")
    return bytes(out)


def parse_settings(data: bytes) -> dict[int, list[float]]:
    """Parse TLVs (counts may exceed 1 in settings responses); FACTOR as float32.

    Raises
    ------
    MalformedPacket
        On an unknown setting or a TLV running past the end.
    """
    out: dict[int, list[float]] = {}
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise MalformedPacket("PMD settings TLV cut short")
        setting, count = data[offset], data[offset + 1]
        offset += 2
        if setting not in _SETTING_SIZES:
            raise MalformedPacket(f"unknown PMD setting {setting}")
        size = _SETTING_SIZES[setting]
        if offset + size * count > len(data):
            raise MalformedPacket("PMD settings TLV cut short")
        values: list[float] = []
        for _ in range(count):
            chunk = data[offset : offset + size]
            if setting == SETTING_FACTOR:
                values.append(struct.unpack("<f", chunk)[0])
            else:
                values.append(float(int.from_bytes(chunk, "little")))
            offset += size
        out[setting] = values
    return out


@dataclass(frozen=True)
class ControlPointResponse:
    """A decoded ``F0 ...`` control-point response."""

    op_code: int
    measurement_type: int
    status: int
    more: bool
    settings: dict[int, list[float]]

    @property
    def success(self) -> bool:
        """Whether the status is 0."""
        return self.status == STATUS_SUCCESS


def decode_control_point_response(payload: bytes) -> ControlPointResponse:
    """Decode ``F0 <op> <type> <status> [<more> <TLVs>]``."""
    if len(payload) < 4 or payload[0] != RESPONSE_CODE:
        raise MalformedPacket("not a PMD control-point response")
    status = payload[3]
    more = False
    settings: dict[int, list[float]] = {}
    if status == STATUS_SUCCESS:
        more = len(payload) > 4 and payload[4] != 0
        if len(payload) > 5 and payload[2] & TYPE_MASK != TYPE_SDK_MODE:
            settings = parse_settings(payload[5:])
    return ControlPointResponse(payload[1], payload[2] & TYPE_MASK, status, more, settings)


def encode_control_point_response(
    op_code: int, measurement_type: int, status: int, settings: bytes = b""
) -> bytes:
    """Build a response (``more`` = 0)."""
    head = bytes([RESPONSE_CODE, op_code, measurement_type, status])
    if status != STATUS_SUCCESS:
        return head
    return head + b"\x00" + settings


def _sign_extend(values: np.ndarray, bits: int) -> np.ndarray:
    sign = 1 << (bits - 1)
    return (values ^ sign) - sign


def parse_delta_frames(content: bytes, *, channels: int, resolution_bits: int) -> np.ndarray:
    """Decompress a PMD delta frame to integer samples, shape ``(n, channels)``.

    Layout: a reference sample of ``channels`` signed little-endian values of
    ``ceil(resolution_bits / 8)`` bytes, then blocks ``[width u8][count u8][bits]`` where
    ``bits`` holds ``count * channels`` deltas of ``width`` bits, LSB first, in
    ``ceil(count * channels * width / 8)`` bytes, sign-extended from ``width`` bits. Each
    sample = previous + delta.

    Raises
    ------
    MalformedPacket
        When the reference or a block runs past the end, a block is empty, or its width is
        0 or wider than ``resolution_bits + 1`` (the most a difference can need).
    """
    ref_bytes = (resolution_bits + 7) // 8
    offset = channels * ref_bytes
    if len(content) < offset:
        raise MalformedPacket("PMD delta frame shorter than its reference sample")
    ref = np.array(
        [
            int.from_bytes(content[i * ref_bytes : (i + 1) * ref_bytes], "little", signed=True)
            for i in range(channels)
        ],
        dtype=np.int64,
    )
    blocks = [ref.reshape(1, channels)]
    while offset < len(content):
        if offset + 2 > len(content):
            raise MalformedPacket("PMD delta block header cut short")
        width, count = content[offset], content[offset + 1]
        offset += 2
        if width == 0 or width > resolution_bits + 1 or count == 0:
            raise MalformedPacket(f"PMD delta block with width {width} and count {count}")
        n_bits = width * count * channels
        n_bytes = (n_bits + 7) // 8
        if offset + n_bytes > len(content):
            raise MalformedPacket("PMD delta block runs past the end of the frame")
        bits = np.unpackbits(
            np.frombuffer(content, dtype=np.uint8, count=n_bytes, offset=offset), bitorder="little"
        )[:n_bits].reshape(-1, width)
        weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
        deltas = _sign_extend(bits.astype(np.int64) @ weights, width)
        blocks.append(deltas.reshape(count, channels))
        offset += n_bytes
    stacked = np.vstack(blocks)
    return np.cumsum(stacked, axis=0)


def encode_delta_frames(samples: np.ndarray, *, resolution_bits: int) -> bytes:
    """Compress integer samples ``(n, channels)`` into one reference and one delta block.

    The block width is the fewest bits (at least 2) that hold every delta.
    """
    data = np.asarray(samples, dtype=np.int64)
    n = data.shape[0]
    ref_bytes = (resolution_bits + 7) // 8
    out = bytearray()
    for value in data[0]:
        out += int(value).to_bytes(ref_bytes, "little", signed=True)
    if n == 1:
        return bytes(out)
    deltas = np.diff(data, axis=0).reshape(-1)
    peak = int(max(deltas.max(), -deltas.min() - 1, 0))
    width = max(2, peak.bit_length() + 1)
    if n - 1 > 255:
        raise ValueError("a PMD delta block holds at most 255 samples")
    unsigned = deltas & ((1 << width) - 1)
    bits = ((unsigned[:, None] >> np.arange(width)) & 1).astype(np.uint8).reshape(-1)
    out += bytes([width, n - 1]) + np.packbits(bits, bitorder="little").tobytes()
    return bytes(out)


@dataclass(frozen=True)
class PmdFrame:
    """One decoded data frame: samples in units (ACC in g, GYRO in deg/s)."""

    measurement_type: int
    timestamp_ns: int
    frame_type: int
    compressed: bool
    values: np.ndarray


def decode_pmd_frame(payload: bytes, *, factor: float = 1.0) -> PmdFrame:
    """Decode one ACC or GYRO data notification.

    Parameters
    ----------
    payload
        The notification.
    factor
        The FACTOR from this measurement's start response (1.0 when none was given).

    Raises
    ------
    MalformedPacket
        For unknown measurement or frame types, empty or misaligned raw payloads and bad
        delta frames.
    """
    if len(payload) < _HEADER.size:
        raise MalformedPacket(f"PMD frame of {len(payload)} bytes is shorter than its header")
    raw_type, timestamp_ns, frame_byte = _HEADER.unpack_from(payload, 0)
    measurement = raw_type & TYPE_MASK
    frame_type = frame_byte & 0x7F
    compressed = bool(frame_byte & COMPRESSED_BIT)
    content = payload[_HEADER.size :]
    values: np.ndarray
    if measurement == TYPE_ACC:
        if not compressed:
            if frame_type not in (0, 1, 2):
                raise MalformedPacket(f"raw ACC frame type {frame_type} is not supported")
            width = frame_type + 1
            if not content or len(content) % (3 * width):
                raise MalformedPacket("raw ACC frame is not a whole number of samples")
            counts = np.array(
                [
                    int.from_bytes(content[i : i + width], "little", signed=True)
                    for i in range(0, len(content), width)
                ],
                dtype=np.int64,
            ).reshape(-1, 3)
            values = counts / 1000.0  # milli-g to g
        elif frame_type == 0:
            values = parse_delta_frames(content, channels=3, resolution_bits=16) * float(factor)
        elif frame_type == 1:
            counts = parse_delta_frames(content, channels=3, resolution_bits=16)
            values = counts * float(factor) / 1000.0
        else:
            raise MalformedPacket(f"compressed ACC frame type {frame_type} is not supported")
    elif measurement == TYPE_GYRO:
        if not compressed:
            raise MalformedPacket("raw GYRO frames are not supported (the SDK has none)")
        if frame_type == 0:
            values = parse_delta_frames(content, channels=3, resolution_bits=16) * float(factor)
        elif frame_type == 1:
            bits = parse_delta_frames(content, channels=3, resolution_bits=32)
            as_u32 = (bits & 0xFFFFFFFF).astype("<u4")
            values = as_u32.view("<f4").astype(np.float64) * float(factor)
        else:
            raise MalformedPacket(f"compressed GYRO frame type {frame_type} is not supported")
    else:
        raise MalformedPacket(f"PMD measurement type {measurement} is not ACC or GYRO")
    values = np.asarray(values, dtype=np.float64).reshape(-1, 3)
    if not np.isfinite(values).all():
        raise MalformedPacket("PMD frame decodes to non-finite values")
    return PmdFrame(measurement, timestamp_ns, frame_type, compressed, values)


def encode_pmd_frame(
    measurement_type: int,
    timestamp_ns: int,
    counts: np.ndarray,
    *,
    frame_type: int,
    compressed: bool,
) -> bytes:
    """Build a data frame from integer counts (raw types: milli-g; compressed: 16-bit)."""
    head = _HEADER.pack(
        measurement_type, int(timestamp_ns), frame_type | (COMPRESSED_BIT if compressed else 0)
    )
    data = np.asarray(counts, dtype=np.int64).reshape(-1, 3)
    if compressed:
        return head + encode_delta_frames(data, resolution_bits=16)
    width = frame_type + 1
    body = b"".join(int(v).to_bytes(width, "little", signed=True) for v in data.reshape(-1))
    return head + body


def model_from_features(value: bytes) -> str | None:
    """Model from the control point's feature bitmap (``0F <b1> <b2>``): gyro = Verity."""
    if len(value) < 2 or value[0] != FEATURES_CODE:
        raise MalformedPacket("not a PMD feature bitmap")
    if value[1] & 0x20:
        return "VeritySense"
    if value[1] & 0x04:
        return "H10"
    return None


# ---------------------------------------------------------------------- client side
#: Longest jump of the device clock between two ACC frames read as lost frames rather
#: than a corrupt timestamp (a real loss is still accepted once the next frame agrees).
MAX_GAP_S = 5.0


def _frame_fitter(rate_hz: float) -> Callable[[PmdFrame, PmdFrame], Fit | None]:
    """Whether an ACC frame's timestamp (its last sample's) continues another's.

    The next frame ends its own sample count later; after ``k - 1`` lost frames of that
    size, ``k`` times that (a gap of up to :data:`MAX_GAP_S`). The tolerance is half a
    period plus 3 % of a frame's span (the real rate differs a little from the nominal
    one), the same for every ``k``.
    Anything else within a second is ``"near"``: corrupt, never a restart.
    """
    period_ns = 1e9 / rate_hz

    def fits(ref: PmdFrame, frame: PmdFrame) -> Fit | None:
        dt_ns = frame.timestamp_ns - ref.timestamp_ns
        span = len(frame.values) * period_ns
        k = round(dt_ns / span)
        tolerance = 0.5 * period_ns + 0.03 * span
        if k >= 1 and dt_ns <= span + 1e9 * MAX_GAP_S and abs(dt_ns - k * span) <= tolerance:
            return "next" if k == 1 else "gap"
        return "near" if -1e9 < dt_ns < span + 1e9 else None

    return fits


class PolarStreamDecoder(StreamDecoder):
    """Decodes PMD frames, learns FACTOR from start responses and pairs ACC with GYRO.

    ``device_info`` gains ``"model"`` (from the feature read), ``"acc_factor"`` /
    ``"gyr_factor"`` (from start responses) and ``"errors"`` (failed commands as
    ``(op, type, status)``). Device times are seconds since 2000-01-01T00:00Z. Once the
    ACC rate is known, ACC frames pass a :class:`~repscope.ble.devices.base.ContinuityGate`:
    a frame whose timestamp does not continue the previous one is held until the next
    frame shows whether it was a loss or a restart (accepted) or corrupt (dropped and
    counted as malformed), so one bad frame moves neither the clock nor the spacing of
    the next frame's samples. GYRO frames carry no time that is used.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pairer = AccGyrPairer()
        self.factors: dict[int, float] = {}
        self.rates_hz: dict[int, float] = {}
        self._previous_ns: dict[int, int] = {}
        self._gate: ContinuityGate[PmdFrame] | None = None

    def _feed(self, char_uuid: str, payload: bytes) -> list[SampleBatch]:
        if char_uuid == CONTROL_POINT_UUID:
            if payload[:1] == bytes([FEATURES_CODE]):
                # BlueZ also delivers a read of a characteristic the client is subscribed to
                # as a notification: this is the feature bitmap read, not a response.
                self._observe_read(char_uuid, payload)
                return []
            self._on_response(decode_control_point_response(payload))
            return []
        if char_uuid != DATA_CHAR_UUID:
            return []
        self.packets_count += 1
        if not payload:
            raise MalformedPacket("empty PMD data notification")
        measurement = payload[0] & TYPE_MASK
        if measurement not in (TYPE_ACC, TYPE_GYRO):
            return []  # another PMD stream (ECG, PPG, ...) this driver does not record
        frame = decode_pmd_frame(payload, factor=self.factors.get(measurement, 1.0))
        if measurement == TYPE_GYRO:
            return self.pairer.push_gyr(frame.values)
        rate = self.rates_hz.get(TYPE_ACC)
        if not rate:
            return self.pairer.push_acc(frame.values, self._sample_times(frame, None, False))
        if self._gate is None:
            self._gate = ContinuityGate(_frame_fitter(rate), confirm_gaps=True)
        accepted = self._gate.push(frame)
        self.malformed_count += self._gate.take_dropped()
        return self._push_accepted(accepted)

    def _push_accepted(self, accepted: list[tuple[PmdFrame, bool]]) -> list[SampleBatch]:
        out: list[SampleBatch] = []
        for frame, resync in accepted:
            times = self._sample_times(frame, self.rates_hz.get(TYPE_ACC), resync)
            out += self.pairer.push_acc(frame.values, times, resync=resync)
        return out

    def flush(self) -> list[SampleBatch]:
        """Return an ACC frame held after a discontinuity if it is a plausible gap."""
        if self._gate is None:
            return []
        out = self._push_accepted(self._gate.flush())
        self.malformed_count += self._gate.take_dropped()
        return out

    def _sample_times(self, frame: PmdFrame, rate: float | None, resync: bool) -> np.ndarray | None:
        """Return the times of a frame's samples; its timestamp is the last sample's.

        As the SDK does, earlier samples are spaced by the time since the previous frame
        over the sample count, but only when that previous frame is the one just before
        (the spacing within 10 % of the nominal period); otherwise by the nominal period.
        """
        n = len(frame.values)
        previous = self._previous_ns.get(frame.measurement_type)
        self._previous_ns[frame.measurement_type] = frame.timestamp_ns
        step_ns: float | None = None
        if previous is not None and not resync and frame.timestamp_ns > previous:
            step_ns = (frame.timestamp_ns - previous) / n
            if rate and abs(step_ns * rate / 1e9 - 1.0) > 0.1:
                step_ns = None
        if step_ns is None:
            if not rate:
                return None
            step_ns = 1e9 / rate
        offsets = (np.arange(n) - (n - 1)) * step_ns
        return (frame.timestamp_ns + offsets) / 1e9

    def _on_response(self, response: ControlPointResponse) -> None:
        if not response.success:
            self.device_info.setdefault("errors", []).append(
                (response.op_code, response.measurement_type, response.status)
            )
            if response.op_code == OP_START and response.measurement_type == TYPE_GYRO:
                self.pairer.gyro_expected = False
            return
        if response.op_code == OP_START and SETTING_FACTOR in response.settings:
            factor = float(response.settings[SETTING_FACTOR][0])
            self.factors[response.measurement_type] = factor
            key = {TYPE_ACC: "acc_factor", TYPE_GYRO: "gyr_factor"}.get(response.measurement_type)
            if key:
                self.device_info[key] = factor
        if response.op_code == OP_GET_SETTINGS:
            self.device_info.setdefault("settings", {})[response.measurement_type] = {
                k: list(v) for k, v in response.settings.items()
            }

    def _observe_write(self, char_uuid: str, data: bytes) -> None:
        if char_uuid != CONTROL_POINT_UUID or len(data) < 2 or data[0] != OP_START:
            return
        measurement = data[1] & TYPE_MASK
        if measurement not in (TYPE_ACC, TYPE_GYRO):
            return
        settings = parse_settings(data[2:])
        if SETTING_SAMPLE_RATE in settings:
            self.rates_hz[measurement] = settings[SETTING_SAMPLE_RATE][0]
        if measurement == TYPE_GYRO:
            self.pairer.gyro_expected = True

    def _observe_read(self, char_uuid: str, value: bytes) -> None:
        if char_uuid == CONTROL_POINT_UUID:
            self.device_info["model"] = model_from_features(value)


# ---------------------------------------------------------------------- device side
class PolarPeripheral(PeripheralEncoder):
    """Emulated Verity Sense (compressed ACC type 1 and GYRO type 0 frames) or H10 (raw ACC).

    FACTOR is range / 32768 in the stream's unit (milli-g or deg/s), an assumption: the
    real values are device specific. Verity Sense rates other than 52 Hz need SDK mode.
    """

    def __init__(self, *, model: str) -> None:
        spec = MODELS[model]
        super().__init__(sampling_rate_hz=spec.default_rate_hz, acc_range_g=DEFAULT_ACC_RANGE_G)
        self.model = model
        self.spec = spec
        self.att_mtu = 232
        self.sdk_mode = False
        self.active: dict[int, dict[str, float]] = {}
        self.gatt_layout: GattLayout = [
            (
                SERVICE_UUID,
                [
                    (CONTROL_POINT_UUID, ["read", "write", "indicate"]),
                    (DATA_CHAR_UUID, ["notify"]),
                ],
            )
        ]

    @property
    def samples_per_packet(self) -> int:
        """As many samples as fit one notification in the worst case (17-bit deltas)."""
        payload = self.att_mtu - 3 - _TIMESTAMP_TYPE_BYTES
        if self.model == "H10":
            return max(1, payload // 6)
        # reference (6 bytes) + block header (2) + up to 17 bits per delta and channel
        return max(1, min(256, (payload - 8) * 8 // 51 + 1))

    def read(self, char_uuid: str) -> bytes:
        """Return the feature bitmap (``0F <b1> <b2>``)."""
        if char_uuid.lower() == CONTROL_POINT_UUID:
            return self.spec.features
        return super().read(char_uuid)

    def _factor(self, measurement: int) -> float:
        config = self.active[measurement]
        if measurement == TYPE_ACC:
            return config["range"] * 1000.0 / 32768.0
        return config["range"] / 32768.0

    def handle_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        """Get settings, start and stop; answers are control-point indications."""
        if char_uuid.lower() != CONTROL_POINT_UUID or len(data) < 2:
            return []
        op, measurement = data[0], data[1] & TYPE_MASK
        reply = self._answer(op, measurement, data[2:])
        self.streaming = TYPE_ACC in self.active
        if TYPE_ACC in self.active:
            self.sampling_rate_hz = self.active[TYPE_ACC]["rate"]
            self.acc_range_g = self.active[TYPE_ACC]["range"]
        self.gyr_range_dps = self.active[TYPE_GYRO]["range"] if TYPE_GYRO in self.active else None
        return [(CONTROL_POINT_UUID, reply)]

    def _answer(self, op: int, measurement: int, body: bytes) -> bytes:
        spec = self.spec
        if measurement == TYPE_SDK_MODE and self.model == "VeritySense":
            if op == OP_START:
                self.sdk_mode = True
            elif op == OP_STOP:
                self.sdk_mode = False
                self.active.clear()
            return encode_control_point_response(op, measurement, STATUS_SUCCESS)
        if measurement == TYPE_ACC:
            rates, ranges = spec.acc_rates_hz, spec.acc_ranges_g
        elif measurement == TYPE_GYRO and spec.gyr_rates_hz:
            rates, ranges = spec.gyr_rates_hz, spec.gyr_ranges_dps
        else:
            return encode_control_point_response(op, measurement, STATUS_NOT_SUPPORTED)
        allowed = rates if self.sdk_mode else spec.non_sdk_rates_hz
        if op == OP_GET_SETTINGS:
            tlv = bytes([SETTING_SAMPLE_RATE, len(allowed)])
            tlv += b"".join(int(r).to_bytes(2, "little") for r in allowed)
            tlv += bytes([SETTING_RESOLUTION, 1]) + (16).to_bytes(2, "little")
            tlv += bytes([SETTING_RANGE, len(ranges)])
            tlv += b"".join(int(r).to_bytes(2, "little") for r in ranges)
            return encode_control_point_response(op, measurement, STATUS_SUCCESS, tlv)
        if op == OP_STOP:
            self.active.pop(measurement, None)
            return encode_control_point_response(op, measurement, STATUS_SUCCESS)
        if op != OP_START:
            return encode_control_point_response(op, measurement, 1)
        if measurement in self.active:
            return encode_control_point_response(op, measurement, STATUS_ALREADY_IN_STATE)
        try:
            settings = parse_settings(body)
        except MalformedPacket:
            return encode_control_point_response(op, measurement, 4)
        rate = settings.get(SETTING_SAMPLE_RATE, [0.0])[0]
        full_scale = settings.get(SETTING_RANGE, [ranges[-1]])[0]
        if rate not in allowed:
            return encode_control_point_response(op, measurement, STATUS_INVALID_SAMPLE_RATE)
        if full_scale not in ranges:
            return encode_control_point_response(op, measurement, STATUS_INVALID_RANGE)
        self.active[measurement] = {"rate": rate, "range": full_scale}
        factor = b""
        if self.model != "H10":
            factor = bytes([SETTING_FACTOR, 1]) + struct.pack("<f", self._factor(measurement))
        return encode_control_point_response(op, measurement, STATUS_SUCCESS, factor)

    def encode(
        self, acc_g: np.ndarray, gyr_dps: np.ndarray | None, device_time_s: np.ndarray
    ) -> list[tuple[str, bytes]]:
        """ACC frame (then GYRO frame) per ``samples_per_packet`` samples.

        ``device_time_s`` is seconds since 2000-01-01; each frame carries its last
        sample's time in nanoseconds.
        """
        acc = np.asarray(acc_g, dtype=np.float64).reshape(-1, 3)
        times_ns = np.rint(np.asarray(device_time_s, dtype=np.float64) * 1e9).astype(np.int64)
        step = self.samples_per_packet
        out: list[tuple[str, bytes]] = []
        for start in range(0, len(acc), step):
            stop = min(start + step, len(acc))
            t_last = int(times_ns[stop - 1])
            if TYPE_ACC in self.active:
                if self.model == "H10":
                    counts = units_to_counts(acc[start:stop] * 1000.0, 1.0)
                    frame = encode_pmd_frame(
                        TYPE_ACC, t_last, counts, frame_type=1, compressed=False
                    )
                else:
                    counts = units_to_counts(acc[start:stop] * 1000.0, self._factor(TYPE_ACC))
                    frame = encode_pmd_frame(
                        TYPE_ACC, t_last, counts, frame_type=1, compressed=True
                    )
                out.append((DATA_CHAR_UUID, frame))
            if TYPE_GYRO in self.active and gyr_dps is not None:
                gyr = np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)[start:stop]
                counts = units_to_counts(gyr, self._factor(TYPE_GYRO))
                frame = encode_pmd_frame(TYPE_GYRO, t_last, counts, frame_type=0, compressed=True)
                out.append((DATA_CHAR_UUID, frame))
        return out


@dataclass(frozen=True)
class PolarDriver(DeviceDriver):
    """Polar Verity Sense (ACC + GYRO) and H10 (ACC) via PMD."""

    name: str = "polar"
    display_name: str = "Polar Verity Sense / H10 (PMD)"
    service_uuid: str = SERVICE_UUID
    notify_char_uuids: tuple[str, ...] = (CONTROL_POINT_UUID, DATA_CHAR_UUID)
    write_char_uuid: str = CONTROL_POINT_UUID
    read_char_uuids: tuple[str, ...] = (CONTROL_POINT_UUID,)
    variants: tuple[str, ...] = field(default=("VeritySense", "H10"))
    name_prefixes: tuple[str, ...] = ("Polar Sense", "Polar OH1", "Polar H10", "Polar Verity")

    def _model(self, sampling_rate_hz: float, device_info: Mapping[str, Any] | None) -> str:
        model = (device_info or {}).get("model")
        if model in MODELS:
            return str(model)
        for name, spec in MODELS.items():
            if any(math.isclose(sampling_rate_hz, r) for r in spec.acc_rates_hz):
                return name
        return "VeritySense"

    def start_commands(
        self,
        *,
        sampling_rate_hz: float,
        acc_range_g: float | None = None,
        gyr_range_dps: float | None = None,
        device_info: Mapping[str, Any] | None = None,
    ) -> list[GattWrite]:
        """SDK mode when needed, then start ACC (and GYRO on the Verity Sense).

        The model comes from ``device_info["model"]`` (the feature read) or, failing
        that, from the rate: the H10 and Verity Sense rate sets do not overlap.
        """
        model = self._model(float(sampling_rate_hz), device_info)
        spec = MODELS[model]
        device = f"Polar {model}"
        rate = choose_value(
            sampling_rate_hz, spec.acc_rates_hz, what="sampling_rate_hz", device=device, unit="Hz"
        )
        acc_range = choose_value(
            DEFAULT_ACC_RANGE_G if acc_range_g is None else acc_range_g,
            spec.acc_ranges_g,
            what="acc_range_g",
            device=device,
            unit="g",
        )
        writes: list[GattWrite] = []
        if rate not in spec.non_sdk_rates_hz:
            writes.append(
                GattWrite(CONTROL_POINT_UUID, bytes([OP_START, TYPE_SDK_MODE]), True, 0.5)
            )
        settings = {SETTING_SAMPLE_RATE: rate, SETTING_RESOLUTION: 16, SETTING_RANGE: acc_range}
        writes.append(
            GattWrite(
                CONTROL_POINT_UUID,
                bytes([OP_START, TYPE_ACC]) + encode_settings(settings),
                True,
                0.2,
            )
        )
        if spec.gyr_rates_hz:
            gyr_range = choose_value(
                DEFAULT_GYR_RANGE_DPS if gyr_range_dps is None else gyr_range_dps,
                spec.gyr_ranges_dps,
                what="gyr_range_dps",
                device=device,
                unit="deg/s",
            )
            settings = {SETTING_SAMPLE_RATE: rate, SETTING_RESOLUTION: 16, SETTING_RANGE: gyr_range}
            writes.append(
                GattWrite(
                    CONTROL_POINT_UUID,
                    bytes([OP_START, TYPE_GYRO]) + encode_settings(settings),
                    True,
                    0.2,
                )
            )
        elif gyr_range_dps is not None:
            raise InputError(f"the {device} has no gyroscope", hint="Leave gyr_range_dps unset.")
        return writes

    def stop_commands(self, *, device_info: Mapping[str, Any] | None = None) -> list[GattWrite]:
        """Stop ACC, GYRO and SDK mode (the H10 gets only the ACC stop when known)."""
        model = (device_info or {}).get("model")
        types = [TYPE_ACC] if model == "H10" else [TYPE_ACC, TYPE_GYRO, TYPE_SDK_MODE]
        return [GattWrite(CONTROL_POINT_UUID, bytes([OP_STOP, t]), True, 0.2) for t in types]

    def supported_rates_hz(self) -> tuple[float, ...]:
        """H10: 25-200 Hz; Verity Sense: 26-416 Hz (52 Hz without SDK mode)."""
        rates = {r for spec in MODELS.values() for r in spec.acc_rates_hz}
        return tuple(sorted(rates))

    def new_stream_decoder(self) -> PolarStreamDecoder:
        """Return a fresh decoder."""
        return PolarStreamDecoder()

    def new_peripheral(self, *, variant: str | None = None) -> PolarPeripheral:
        """Return an emulated Verity Sense or H10."""
        return PolarPeripheral(model=self._check_variant(variant))
