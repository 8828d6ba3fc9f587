"""The device-driver interface: what every BLE IMU family provides.

A driver describes one device family's GATT protocol in pure Python (no ``bleak``):

* **client side** (used by :mod:`repscope.ble.transport`): which service and
  characteristics to look for, the writes that start and stop streaming, and a stateful
  :class:`StreamDecoder` that turns notification payloads into :class:`SampleBatch` objects
  in physical units (g, deg/s, seconds);
* **peripheral side** (used by :mod:`repscope.ble.emulator`): a :class:`PeripheralEncoder`
  that plays the device, answering commands the way the firmware does and packing samples
  into notifications in the device's real byte layout.

The decoders are built on pure functions (``decode_*`` in each driver module) that take
one payload and either return samples or raise :class:`MalformedPacket`. Vendor counts are
converted to units there and nowhere else.

How a transport drives a device
-------------------------------
1. Scan; keep advertisements for which :meth:`DeviceDriver.matches` is true.
2. Connect; create ``decoder = driver.new_stream_decoder()``; subscribe to every
   characteristic in :attr:`DeviceDriver.notify_char_uuids` (notifications *and*
   indications) and hand every payload to ``decoder.feed(char_uuid, payload)``.
3. Read every characteristic in :attr:`DeviceDriver.read_char_uuids` and pass the values to
   ``decoder.feed_read(char_uuid, value)`` (DIY configuration, Polar feature list).
4. Send :meth:`DeviceDriver.identify_commands` (MetaMotion board detection; replies arrive
   as notifications and fill ``decoder.device_info``), then wait until
   :meth:`StreamDecoder.identified` is true (a timeout of a second or two is plenty).
5. Send ``driver.start_commands(sampling_rate_hz=..., device_info=decoder.device_info)``
   in order, passing each one to ``decoder.feed_write(write)`` as it is sent (the decoder
   learns the configured rate, ranges and streams from them) and sleeping
   ``write.delay_after_s`` after it. Set ``decoder.att_mtu`` to the negotiated MTU when
   the platform reports it (Movesense uses it to tell a complete packet from the first
   half of a split one); never to more than it is.
6. On exit, send :meth:`DeviceDriver.stop_commands`, then ``decoder.flush()`` to collect
   samples still held back (Movesense, acc/gyro pairing).

Every UUID in this package is a full lower-case 128-bit string (see :func:`normalize_uuid`).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import numpy as np

#: The Bluetooth SIG base UUID, used to expand 16- and 32-bit UUIDs.
SIG_BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

#: GATT layout of a peripheral: ``[(service_uuid, [(char_uuid, [property, ...]), ...]), ...]``
#: with properties among ``"read"``, ``"write"``, ``"write-without-response"``,
#: ``"notify"`` and ``"indicate"`` (the BlueZ flag names).
GattLayout = list[tuple[str, list[tuple[str, list[str]]]]]


def normalize_uuid(uuid: str) -> str:
    """Return ``uuid`` as a full lower-case 128-bit UUID string.

    16-bit (``"180d"``, ``"0x180D"``) and 32-bit forms are expanded with the Bluetooth SIG
    base. A full 128-bit UUID is only lower-cased: it is *not* mapped to the SIG base,
    because some vendors (WitMotion) use a look-alike base ending ``00805f9a34fb``.

    Raises
    ------
    ValueError
        If ``uuid`` is not a UUID in one of these forms.
    """
    text = uuid.strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if re.fullmatch(r"[0-9a-f]{4}", text):
        return f"0000{text}{SIG_BASE_UUID_SUFFIX}"
    if re.fullmatch(r"[0-9a-f]{8}", text):
        return f"{text}{SIG_BASE_UUID_SUFFIX}"
    if _UUID_RE.fullmatch(text):
        return text
    raise ValueError(f"not a Bluetooth UUID: {uuid!r}")


Fit = Literal["next", "gap", "near"]
_T = TypeVar("_T")


class ContinuityGate(Generic[_T]):
    """Accept packets whose counters continue the stream; hold any other until confirmed.

    A packet whose fields are well formed may still carry a corrupt device time or sequence
    number. Taken at face value, one such packet moves the device clock (a large backward
    step read as a counter wrap-around adds 2^32 ticks to every later time) or the lost-packet
    count. The gate compares each packet with the last accepted one (the *reference*)
    through ``fits(reference, packet)``, which returns ``"next"`` (the packet that follows
    it), ``"gap"`` (a later packet after a plausible loss: counters consistent with each
    other and with the rate), ``"near"`` (within a second of where the packet belongs
    but not where it should be: jitter no device has, so corrupt) or ``None`` (far from
    it: corrupt, or the device restarted). Then:

    * ``"next"``, or ``"gap"`` when ``confirm_gaps`` is false (the protocol has a sequence
      number as well as a clock, so a gap is already two agreeing fields): accepted;
    * anything else is *held* (up to :attr:`max_held` packets, oldest dropped first). A
      held packet is accepted when two later packets follow it, each ``"next"`` after the
      one before (three agreeing packets: two corrupt ones can agree, by chance or by the
      same corruption), together with the held packets that lie consistently between the
      reference and it. A run that comes back to the stream from before the last
      resynchronisation is a resynchronisation too (the one before was corrupt). A held packet
      that is no gap after the reference is then marked as a resynchronisation (a device
      restart or a clock jump on which two packets agree). The other held packets are dropped and
      counted: they fit neither the stream before nor the one after.

    A corrupt packet therefore never becomes the reference, and the clock is untouched by
    it. The price is one packet of latency after a real discontinuity (and, without
    sequence numbers, after a real loss). The first packet of a stream is accepted as is.
    """

    def __init__(
        self, fits: Callable[[_T, _T], Fit | None], *, confirm_gaps: bool, max_held: int = 8
    ) -> None:
        self.fits = fits
        self.confirm_gaps = confirm_gaps
        self.max_held = max_held
        self.reference: _T | None = None
        self.held: list[_T] = []
        self.dropped = 0
        self.before_resync: _T | None = None

    def push(self, item: _T) -> list[tuple[_T, bool]]:
        """Offer one packet; return the accepted ones in order, each with its resync flag."""
        ref = self.reference
        if ref is None:
            self.reference = item
            return [(item, False)]
        fit = self.fits(ref, item)
        if fit == "next" or (fit == "gap" and not self.confirm_gaps):
            # held packets that continue after this one stay (a corrupt packet may have
            # looked like this one's predecessor); the others were corrupt
            chain, last, keep = [(item, False)], item, []
            for held in self.held:
                after = self.fits(last, held)
                if after == "next":
                    chain.append((held, False))
                    last = held
                elif after == "gap" and self.confirm_gaps:
                    keep.append(held)
                else:
                    self.dropped += 1
            self.held = keep
            self.reference = last
            return chain
        # A run of held packets, each "next" after the one before and the new packet
        # "next" after the last, is confirmed when it is long enough: two packets in all
        # when its first is far from the reference (a restart: None), three when its first
        # is a plausible gap or "near" (two corrupt packets can agree with each other, and
        # one of them with the reference; three rarely). The newest such run wins. Held
        # packets that lie consistently between the reference and it are kept too; the
        # others are dropped as corrupt.
        for held in reversed(self.held):
            if self.fits(held, item) != "next":
                continue
            run = [held]
            while True:
                before = [
                    o
                    for o in self.held
                    if all(o is not r for r in run) and self.fits(o, run[0]) == "next"
                ]
                if not before:
                    break
                run.insert(0, before[-1])
            if len(run) < 2:  # three agreeing packets: the run and the new one
                continue
            accepted: list[tuple[_T, bool]] = []
            last = ref
            position = next(i for i, h in enumerate(self.held) if h is run[0])
            for other in self.held[:position]:
                if any(other is r for r in run):
                    continue
                if self.fits(last, other) in ("next", "gap") and self.fits(other, run[0]) in (
                    "next",
                    "gap",
                ):
                    accepted.append((other, False))
                    last = other
            resync = self.fits(last, run[0]) not in ("next", "gap")
            # back to the stream before a re-synchronisation: that one was corrupt after
            # all, and the clock must re-anchor again
            earlier = self.before_resync
            if not resync and earlier is not None and last is ref:
                resync = self.fits(earlier, run[0]) in ("next", "gap")
            self.before_resync = ref if resync else self.before_resync
            accepted += [(run[0], resync), *((r, False) for r in run[1:]), (item, False)]
            self.held = [h for h in self.held if all(h is not a for a, _ in accepted)]
            return self._accept(accepted)
        self.held.append(item)
        if len(self.held) > self.max_held:
            self.held.pop(0)
            self.dropped += 1
        return []

    def flush(self) -> list[tuple[_T, bool]]:
        """End of stream: keep the held packets that are plausible gaps after the reference."""
        out: list[tuple[_T, bool]] = []
        for held in self.held:
            if self.reference is not None and self.fits(self.reference, held) == "gap":
                self.reference = held
                out.append((held, False))
            else:
                self.dropped += 1
        self.held = []
        return out

    @property
    def candidate(self) -> _T | None:
        """The newest held packet, if any."""
        return self.held[-1] if self.held else None

    def take_dropped(self) -> int:
        """Return and reset the number of packets dropped as corrupt."""
        dropped, self.dropped = self.dropped, 0
        return dropped

    def _accept(self, accepted: list[tuple[_T, bool]]) -> list[tuple[_T, bool]]:
        self.dropped += len(self.held)
        self.held = []
        self.reference = accepted[-1][0]
        return accepted


class MalformedPacket(ValueError):
    """A payload that does not follow the device's documented layout.

    Raised by the pure ``decode_*`` functions; :meth:`StreamDecoder.feed` catches it and
    counts it in :attr:`StreamDecoder.malformed_count`.
    """


@dataclass(frozen=True)
class SampleBatch:
    """Consecutive samples decoded from one or more notifications, in physical units.

    Attributes
    ----------
    acc_g
        Specific force in g, sensor frame, shape ``(n, 3)``, float64.
    gyr_dps
        Angular rate in deg/s, shape ``(n, 3)``, or ``None`` when the stream has no gyro.
    device_time_s
        The device's own clock for each sample in seconds, shape ``(n,)``, or ``None``
        when the protocol carries no timestamp (WitMotion, MetaMotion streaming). Its
        origin is device specific (boot for DIY and Movesense, 2000-01-01T00:00Z for
        Polar); only differences are meaningful. Already unwrapped across counter
        roll-overs.
    seq
        Sequence number of the packet the samples came from, when the protocol has one
        (DIY); ``None`` otherwise.
    resync
        The device counters do not continue from the previous batch (a device restart, a
        jump of its clock, or a first packet that turned out to be corrupt), but two
        consecutive packets agree on the new values (see :class:`ContinuityGate`). The
        clock may re-anchor here instead of reading the step as a gap.
    lag_s
        For a ``resync`` batch: device time from its last sample to the last sample of the
        newest batch delivered with it (the packets that confirmed it), so that the clock
        can bound its arrival by theirs.
    """

    acc_g: np.ndarray
    gyr_dps: np.ndarray | None = None
    device_time_s: np.ndarray | None = None
    seq: int | None = None
    resync: bool = False
    lag_s: float = 0.0

    def __post_init__(self) -> None:
        acc = np.asarray(self.acc_g, dtype=np.float64).reshape(-1, 3)
        object.__setattr__(self, "acc_g", acc)
        n = acc.shape[0]
        if self.gyr_dps is not None:
            gyr = np.asarray(self.gyr_dps, dtype=np.float64).reshape(-1, 3)
            if gyr.shape[0] != n:
                raise ValueError(f"gyr_dps has {gyr.shape[0]} samples, acc_g has {n}")
            object.__setattr__(self, "gyr_dps", gyr)
        if self.device_time_s is not None:
            t = np.asarray(self.device_time_s, dtype=np.float64).reshape(-1)
            if t.shape[0] != n:
                raise ValueError(f"device_time_s has {t.shape[0]} samples, acc_g has {n}")
            object.__setattr__(self, "device_time_s", t)

    @property
    def n_samples(self) -> int:
        """Number of samples in the batch."""
        return int(self.acc_g.shape[0])


@dataclass(frozen=True)
class GattWrite:
    """One write to a characteristic.

    Attributes
    ----------
    char_uuid
        Characteristic to write (full 128-bit, lower case).
    data
        Bytes to write.
    response
        ``True`` for a write request (acknowledged), ``False`` for write-without-response.
    delay_after_s
        How long the transport should wait after this write before sending the next one
        (WitMotion needs a pause after unlocking; Polar answers each control-point command
        before it accepts the next).
    """

    char_uuid: str
    data: bytes
    response: bool = True
    delay_after_s: float = 0.0


def with_lags(batches: list[SampleBatch]) -> list[SampleBatch]:
    """Set :attr:`SampleBatch.lag_s` of each ``resync`` batch from the newest batch."""
    if not batches or batches[-1].device_time_s is None:
        return batches
    newest = float(batches[-1].device_time_s[-1])
    out = []
    for batch in batches:
        if batch.resync and batch.device_time_s is not None and batch.n_samples:
            batch = dataclasses.replace(batch, lag_s=newest - float(batch.device_time_s[-1]))
        out.append(batch)
    return out


class StreamDecoder(ABC):
    """Stateful decoder for one connection; wraps a driver's pure ``decode_*`` functions.

    Feed it every notification/indication payload with :meth:`feed`, every write the
    client sends with :meth:`feed_write` and every characteristic value read with
    :meth:`feed_read`. :meth:`feed` never raises on bad bytes: a payload that cannot be
    decoded is dropped and counted.

    Attributes
    ----------
    packets_count
        Payloads passed to :meth:`feed` (WitMotion: complete 20-byte frames found in the
        byte stream).
    malformed_count
        Payloads (or, for byte streams, runs of garbage bytes) that could not be decoded.
    lost_packets_count
        Packets the device sent that never arrived, from sequence-number gaps (DIY only;
        stays 0 for protocols without sequence numbers).
    att_mtu
        The negotiated ATT MTU if the transport knows it (optional hint).
    device_info
        What the decoder learnt about the device from its replies, e.g.
        ``{"acc_chip": "BMI270"}`` for MetaMotion, ``{"acc_factor": 1.0}`` for Polar or the
        DIY configuration characteristic's fields.
    """

    def __init__(self) -> None:
        self.packets_count = 0
        self.malformed_count = 0
        self.lost_packets_count = 0
        self.device_info: dict[str, Any] = {}
        self.att_mtu: int | None = None

    def feed(self, char_uuid: str, payload: bytes) -> list[SampleBatch]:
        """Decode one notification or indication; return the batches it completes.

        Parameters
        ----------
        char_uuid
            The characteristic it came from (any case; 128-bit).
        payload
            Its bytes.

        Returns
        -------
        list of SampleBatch
            Zero or more batches in arrival order (zero when the payload was a command
            response, malformed, or a part that needs its partner, e.g. a MetaMotion
            accelerometer packet waiting for the gyroscope one).
        """
        try:
            return with_lags(self._feed(char_uuid.lower(), bytes(payload)))
        except MalformedPacket:
            self.malformed_count += 1
            return []

    def feed_write(self, write: GattWrite) -> None:
        """Tell the decoder about a command the client sent (ranges, rates, streams)."""
        try:
            self._observe_write(write.char_uuid.lower(), bytes(write.data))
        except MalformedPacket:
            # A write this decoder does not understand tells it nothing.
            return

    def feed_read(self, char_uuid: str, value: bytes) -> None:
        """Tell the decoder the value read from one of the driver's readable characteristics."""
        try:
            self._observe_read(char_uuid.lower(), bytes(value))
        except MalformedPacket:
            self.malformed_count += 1

    def identified(self) -> bool:
        """Whether the replies to :meth:`DeviceDriver.identify_commands` have all arrived."""
        return True

    def flush(self) -> list[SampleBatch]:
        """Return samples held back waiting for a partner or a continuation (end of stream)."""
        return []

    @abstractmethod
    def _feed(self, char_uuid: str, payload: bytes) -> list[SampleBatch]:
        """Decode one payload (subclasses; may raise :class:`MalformedPacket`)."""

    def _observe_write(self, char_uuid: str, data: bytes) -> None:  # noqa: B027
        """Learn from a client write (subclasses; default: nothing to learn)."""

    def _observe_read(self, char_uuid: str, value: bytes) -> None:  # noqa: B027
        """Learn from a characteristic read (subclasses; default: nothing to learn)."""


class PeripheralEncoder(ABC):
    """The device side of a protocol: what the firmware would do (used by the emulator).

    The emulator exposes :attr:`gatt_layout` as a GATT server, routes every client write
    to :meth:`handle_write` and sends back the ``(char_uuid, bytes)`` pairs it returns as
    notifications/indications, answers reads with :meth:`read`, reports CCCD changes with
    :meth:`set_notifying`, and, while :attr:`streaming` is true, turns simulated samples
    into notifications with :meth:`encode` (at most :attr:`samples_per_packet` samples per
    notification; call it with that many samples at a time to mimic the device's cadence).

    Attributes
    ----------
    streaming
        Whether the device is currently sending data.
    sampling_rate_hz
        The configured output data rate.
    acc_range_g, gyr_range_dps
        Configured full-scale ranges (``gyr_range_dps`` is ``None`` when the gyroscope is
        off or absent).
    att_mtu
        The negotiated ATT MTU; a notification carries at most ``att_mtu - 3`` bytes.
        Drivers whose packet size depends on it (DIY) pack more samples when it grows.
    """

    gatt_layout: GattLayout

    def __init__(self, *, sampling_rate_hz: float, acc_range_g: float, att_mtu: int = 23) -> None:
        self.streaming = False
        self.sampling_rate_hz = float(sampling_rate_hz)
        self.acc_range_g = float(acc_range_g)
        self.gyr_range_dps: float | None = None
        self.att_mtu = int(att_mtu)

    @abstractmethod
    def handle_write(self, char_uuid: str, data: bytes) -> list[tuple[str, bytes]]:
        """Act on a client write; return the notifications/indications it causes."""

    @abstractmethod
    def encode(
        self, acc_g: np.ndarray, gyr_dps: np.ndarray | None, device_time_s: np.ndarray
    ) -> list[tuple[str, bytes]]:
        """Pack samples into notifications ``(char_uuid, payload)`` in the device's layout.

        Parameters
        ----------
        acc_g
            ``(n, 3)`` specific force in g (clipped to the configured range).
        gyr_dps
            ``(n, 3)`` angular rate in deg/s, or ``None``; ignored when the device's
            gyroscope is not streaming.
        device_time_s
            ``(n,)`` the device clock at each sample, seconds since the device's epoch.
        """

    def read(self, char_uuid: str) -> bytes:
        """Return the value of a readable characteristic."""
        raise KeyError(f"characteristic {char_uuid} is not readable")

    def set_notifying(self, char_uuid: str, enabled: bool) -> None:  # noqa: B027
        """React to the client enabling/disabling notifications (WitMotion starts here)."""

    @property
    @abstractmethod
    def samples_per_packet(self) -> int:
        """Most samples one data notification carries in the current configuration."""


@dataclass(frozen=True)
class DeviceDriver(ABC):
    """One device family's GATT protocol, without any BLE stack.

    Subclasses set the class attributes and implement the command builders; instances are
    stateless and live in :data:`repscope.ble.devices.DRIVERS` under :attr:`name`.

    Attributes
    ----------
    name
        Short name used on the command line (``"witmotion"``, ``"diy"``, ...).
    display_name
        Human-readable family name.
    service_uuid
        Primary service holding the IMU stream.
    notify_char_uuids
        Characteristics to subscribe to (notifications and indications), in order.
    write_char_uuid
        Characteristic that receives commands.
    read_char_uuids
        Characteristics to read after starting (e.g. the DIY configuration).
    variants
        Hardware variants the peripheral side can emulate (first is the default).
    """

    name: str = ""
    display_name: str = ""
    service_uuid: str = ""
    notify_char_uuids: tuple[str, ...] = ()
    write_char_uuid: str = ""
    read_char_uuids: tuple[str, ...] = ()
    variants: tuple[str, ...] = field(default=())
    name_prefixes: tuple[str, ...] = ()

    def matches(self, *, name: str | None, service_uuids: Sequence[str]) -> bool:
        """Whether an advertisement (local name, advertised service UUIDs) is this family.

        True when the service UUID is advertised or the name starts with one of
        :attr:`name_prefixes` (case-insensitive; many devices advertise only a name).
        """
        wanted = self.service_uuid.lower()
        for uuid in service_uuids:
            try:
                if normalize_uuid(uuid) == wanted:
                    return True
            except ValueError:
                continue
        if name:
            lowered = name.lower()
            return any(lowered.startswith(p.lower()) for p in self.name_prefixes)
        return False

    def identify_commands(self) -> list[GattWrite]:
        """Return the writes whose replies identify the hardware (default: none)."""
        return []

    @abstractmethod
    def start_commands(
        self,
        *,
        sampling_rate_hz: float,
        acc_range_g: float | None = None,
        gyr_range_dps: float | None = None,
        device_info: Mapping[str, Any] | None = None,
    ) -> list[GattWrite]:
        """Return the writes that configure and start streaming, in the order to send them.

        Parameters
        ----------
        sampling_rate_hz
            Requested output rate; must be one of :meth:`supported_rates_hz`.
        acc_range_g
            Accelerometer full scale in g; ``None`` keeps the driver's documented default.
        gyr_range_dps
            Gyroscope full scale in deg/s; ``None`` keeps the default. Drivers whose
            gyroscope is optional stream it unless the family has none.
        device_info
            ``decoder.device_info`` after identification (MetaMotion needs the chip).

        Raises
        ------
        repscope.errors.InputError
            For an unsupported rate or range (the message lists the supported ones).
        """

    @abstractmethod
    def stop_commands(self, *, device_info: Mapping[str, Any] | None = None) -> list[GattWrite]:
        """Return the writes that stop streaming (``device_info`` as for starting)."""

    @abstractmethod
    def supported_rates_hz(self) -> tuple[float, ...]:
        """Output data rates the driver can configure, ascending."""

    @abstractmethod
    def new_stream_decoder(self) -> StreamDecoder:
        """Return a fresh decoder for one connection."""

    @abstractmethod
    def new_peripheral(self, *, variant: str | None = None) -> PeripheralEncoder:
        """Return a fresh emulated device (``variant`` in :attr:`variants`, default first)."""

    def _check_variant(self, variant: str | None) -> str:
        if variant is None:
            return self.variants[0]
        if variant not in self.variants:
            raise ValueError(
                f"unknown {self.name} variant {variant!r}; choose one of {', '.join(self.variants)}"
            )
        return variant


# ---------------------------------------------------------------------- shared helpers
def choose_value(
    value: float, supported: Sequence[float], *, what: str, device: str, unit: str
) -> float:
    """Return the entry of ``supported`` equal to ``value`` (within 1e-6 relative).

    Raises
    ------
    repscope.errors.InputError
        When ``value`` is not supported; the message lists the supported values.
    """
    from repscope.errors import InputError

    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, got {value!r}") from None
    for option in supported:
        if abs(number - option) <= 1e-6 * max(1.0, abs(option)):
            return float(option)
    listing = ", ".join(f"{v:g}" for v in supported)
    raise InputError(
        f"{device} cannot use {what} = {number:g} {unit}",
        hint=f"Choose one of {listing} {unit}.",
    )


def counts_to_units(raw: np.ndarray, scale: float) -> np.ndarray:
    """Multiply integer counts by ``scale`` (units per count) into a float64 array."""
    return np.asarray(raw, dtype=np.float64) * float(scale)


def units_to_counts(values: np.ndarray, scale: float, *, bits: int = 16) -> np.ndarray:
    """Quantise physical values to signed ``bits``-bit counts (rounded, saturated)."""
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    counts = np.rint(np.asarray(values, dtype=np.float64) / float(scale))
    counts = np.nan_to_num(counts, nan=0.0, posinf=high, neginf=low)
    return np.clip(counts, low, high).astype(np.int64)


class AccGyrPairer:
    """Join accelerometer and gyroscope samples that arrive in separate notifications.

    MetaMotion and Polar stream the two sensors independently at the same configured rate.
    Samples are paired in arrival order: the ``k``-th gyroscope sample joins the ``k``-th
    accelerometer sample. While the gyroscope is not expected, accelerometer samples pass
    straight through. When one side runs more than ``max_pending`` samples ahead (the
    other stream stalled), the oldest unpaired samples are dropped and counted in
    :attr:`dropped_count` rather than emitted without their partner.
    """

    def __init__(self, *, max_pending: int = 2048) -> None:
        self.gyro_expected = False
        self.max_pending = max_pending
        self.dropped_count = 0
        self._acc = np.empty((0, 3))
        self._acc_t: np.ndarray | None = None
        self._gyr = np.empty((0, 3))
        self._resync_at: list[int] = []

    def push_acc(
        self, acc_g: np.ndarray, times_s: np.ndarray | None = None, *, resync: bool = False
    ) -> list[SampleBatch]:
        """Add accelerometer samples (with optional device times); return completed pairs.

        ``resync`` marks the batch that starts with these samples (see
        :attr:`SampleBatch.resync`).
        """
        if not self.gyro_expected:
            return [SampleBatch(acc_g=acc_g, device_time_s=times_s, resync=resync)]
        if resync:
            self._resync_at.append(len(self._acc))
        self._acc = np.vstack([self._acc, acc_g])
        if times_s is not None:
            prior = self._acc_t if self._acc_t is not None else np.empty(0)
            self._acc_t = np.concatenate([prior, times_s])
        return self._emit()

    def push_gyr(self, gyr_dps: np.ndarray) -> list[SampleBatch]:
        """Add gyroscope samples; return completed pairs."""
        self.gyro_expected = True
        self._gyr = np.vstack([self._gyr, gyr_dps])
        return self._emit()

    def _emit(self) -> list[SampleBatch]:
        n = min(len(self._acc), len(self._gyr))
        out: list[SampleBatch] = []
        if n:
            times = None
            if self._acc_t is not None and len(self._acc_t) >= n:
                times, self._acc_t = self._acc_t[:n], self._acc_t[n:]
            cuts = sorted({0, n, *(i for i in self._resync_at if 0 < i < n)})
            for a, b in itertools.pairwise(cuts):
                out.append(
                    SampleBatch(
                        acc_g=self._acc[a:b],
                        gyr_dps=self._gyr[a:b],
                        device_time_s=None if times is None else times[a:b],
                        resync=a in self._resync_at,
                    )
                )
            self._acc, self._gyr = self._acc[n:], self._gyr[n:]
            self._resync_at = [i - n for i in self._resync_at if i >= n]
        for name in ("_acc", "_gyr"):
            pending = getattr(self, name)
            excess = len(pending) - self.max_pending
            if excess > 0:
                self.dropped_count += excess
                setattr(self, name, pending[excess:])
                if name == "_acc":
                    if self._acc_t is not None:
                        self._acc_t = self._acc_t[excess:]
                    self._resync_at = [max(0, i - excess) for i in self._resync_at]
        return out
