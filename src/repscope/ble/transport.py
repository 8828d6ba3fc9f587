"""BLE transport: scanning, connecting, streaming and reconnecting (the only bleak user).

Everything protocol-specific lives in the drivers (:mod:`repscope.ble.devices`);
everything about time in :mod:`repscope.ble.clock`. This module moves bytes:

* :func:`scan` finds sensors of the known families (a driver's ``matches`` on the
  advertised name and service UUIDs) with their RSSI. Scan once and pick devices from the
  result: BlueZ allows one discovery per client, and a device that is already connected
  does not advertise (:func:`scan` also lists the adapter's connected sensors).
* :class:`DeviceLink` keeps one sensor streaming: connect (with retries), subscribe,
  identify, configure and start the stream following the driver's recipe, then wait;
  after a link loss (bleak's ``disconnected_callback``) it reconnects with exponential
  backoff until stopped. Every notification is stamped with ``time.monotonic()`` in the
  bleak callback and put on an :class:`asyncio.Queue` as a :class:`Notification`; the
  callback does nothing else.
* :class:`~repscope.ble.session.LiveSession` runs several links and decodes what they
  queue.

A :class:`ClockAnchor` pairs one ``time.monotonic()`` reading with the UTC wall clock so
that monotonic times can be reported as dates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from repscope.ble.devices import DRIVERS, DeviceDriver, StreamDecoder
from repscope.errors import InputError, RepscopeError
from repscope.recording import check_sampling_rate

logger = logging.getLogger(__name__)


#: Wait after the stop commands of a (re)connection for packets still in flight.
STOP_DRAIN_S = 0.1


class TransportError(RepscopeError):
    """A sensor could not be reached or configured."""


# ---------------------------------------------------------------------- clock anchor
@dataclass(frozen=True)
class ClockAnchor:
    """One simultaneous reading of the monotonic and the UTC wall clock."""

    monotonic_s: float
    utc: datetime

    @classmethod
    def now(cls) -> ClockAnchor:
        """Read both clocks now."""
        return cls(time.monotonic(), datetime.now(timezone.utc))

    def to_utc(self, monotonic_s: float) -> datetime:
        """Return the UTC date of a monotonic time."""
        return self.utc + timedelta(seconds=monotonic_s - self.monotonic_s)


# ---------------------------------------------------------------------- scanning
@dataclass(frozen=True)
class FoundDevice:
    """A sensor seen while scanning.

    Attributes
    ----------
    address
        Bluetooth address.
    name
        Advertised name (``None`` when it advertises none).
    rssi_dbm
        Last RSSI (``None`` for an already-connected device, which does not advertise).
    driver
        Short name of the matching driver (``"diy"``, ``"witmotion"``, ...).
    service_uuids
        Advertised service UUIDs.
    ble_device
        bleak's handle (connect with it rather than by address: no second scan needed).
    """

    address: str
    name: str | None
    rssi_dbm: int | None
    driver: str
    service_uuids: tuple[str, ...]
    ble_device: Any = field(repr=False, compare=False, default=None)
    connected: bool = False


def _match_driver(
    drivers: Mapping[str, DeviceDriver], name: str | None, uuids: Sequence[str]
) -> DeviceDriver | None:
    for driver in drivers.values():
        if driver.matches(name=name, service_uuids=list(uuids)):
            return driver
    return None


def _att_mtu(client: BleakClient, char_uuids: Sequence[str]) -> int | None:
    """Return the link's ATT MTU from a notifying characteristic, or None if unknown.

    bleak gives each characteristic's ``max_write_without_response_size``, which BlueZ
    5.62+ derives from the negotiated MTU (its characteristic property "MTU", minus the
    3-byte ATT header); older BlueZ reports the minimum MTU, 23. Too low a value is safe
    for the decoders (Movesense then holds a full-size notification back until the next
    one), too high a value is not, so only what bleak reports is used.
    """
    for uuid in char_uuids:
        char = client.services.get_characteristic(uuid.lower())
        if char is not None:
            size = char.max_write_without_response_size
            return int(size) + 3 if isinstance(size, int) and size > 0 else None
    return None


async def scan(
    *, timeout_s: float = 5.0, drivers: Mapping[str, DeviceDriver] | None = None
) -> list[FoundDevice]:
    """Scan for sensors of the known families, strongest first.

    Parameters
    ----------
    timeout_s
        How long to listen.
    drivers
        Families to accept (default: all of :data:`repscope.ble.devices.DRIVERS`).

    Raises
    ------
    TransportError
        When Bluetooth is unavailable (no adapter, powered off, no D-Bus).
    """
    drivers = DRIVERS if drivers is None else drivers
    seen: dict[str, tuple[BLEDevice, AdvertisementData, DeviceDriver]] = {}

    def on_advert(device: BLEDevice, adv: AdvertisementData) -> None:
        driver = _match_driver(drivers, adv.local_name or device.name, adv.service_uuids)
        if driver is not None:
            seen[device.address] = (device, adv, driver)

    try:
        async with BleakScanner(detection_callback=on_advert):
            await asyncio.sleep(timeout_s)
        connected = await _connected_devices(drivers)
    except (BleakError, OSError, FileNotFoundError) as exc:
        raise TransportError(f"cannot scan for Bluetooth devices: {exc}") from exc
    found = [
        FoundDevice(
            address=device.address,
            name=adv.local_name or device.name,
            rssi_dbm=adv.rssi,
            driver=driver.name,
            service_uuids=tuple(adv.service_uuids),
            ble_device=device,
        )
        for device, adv, driver in seen.values()
    ]
    known = {f.address for f in found}
    found += [f for f in connected if f.address not in known]
    found.sort(key=lambda f: -(f.rssi_dbm if f.rssi_dbm is not None else -999))
    return found


async def _connected_devices(drivers: Mapping[str, DeviceDriver]) -> list[FoundDevice]:
    """Sensors the adapter is already connected to (they do not advertise)."""
    try:
        from bleak import BleakAdapter  # bleak >= 3
    except ImportError:  # pragma: no cover - older bleak
        return []
    uuids = sorted({d.service_uuid for d in drivers.values()})
    if not uuids:
        return []
    adapter = await BleakAdapter.get()
    out = []
    for device in await adapter.get_connected_devices(uuids):
        props = device.details.get("props", {}) if isinstance(device.details, dict) else {}
        service_uuids = tuple(props.get("UUIDs", ()))
        driver = _match_driver(drivers, device.name, service_uuids)
        if driver is not None:
            out.append(
                FoundDevice(
                    address=device.address,
                    name=device.name,
                    rssi_dbm=None,
                    driver=driver.name,
                    service_uuids=service_uuids,
                    ble_device=device,
                    connected=True,
                )
            )
    return out


def pick_devices(found: Sequence[FoundDevice], wanted: Sequence[str]) -> list[FoundDevice]:
    """Choose devices by address or name (case-insensitive), one per entry of ``wanted``.

    Raises
    ------
    repscope.errors.InputError
        When an entry matches no device or several.
    """
    chosen: list[FoundDevice] = []
    listing = ", ".join(f"{f.name or '?'} ({f.address})" for f in found) or "none"
    for entry in wanted:
        key = entry.strip().lower()
        by_address = [f for f in found if f.address.lower() == key]
        matches = by_address or [f for f in found if (f.name or "").lower() == key]
        if not matches:
            raise InputError(
                f"no sensor called {entry!r} was found",
                where="--device",
                hint=f"Sensors seen: {listing}. Check it is on and in range.",
            )
        if len(matches) > 1:
            raise InputError(
                f"{len(matches)} sensors are called {entry!r}",
                where="--device",
                hint="Give the address instead: " + ", ".join(m.address for m in matches) + ".",
            )
        if matches[0] in chosen:
            raise InputError(f"sensor {entry!r} was given twice", where="--device")
        chosen.append(matches[0])
    return chosen


# ---------------------------------------------------------------------- streaming
@dataclass(frozen=True)
class Notification:
    """One notification as it reached the host."""

    device: str
    char_uuid: str
    payload: bytes
    host_time_s: float
    connection: int


@dataclass(frozen=True)
class LinkEvent:
    """A change of a link's state (put on the same queue as the notifications).

    ``kind`` is ``"connected"`` (``decoder`` is the connection's set-up decoder, which
    sees identification replies), ``"configuring"`` (``decoder`` replaces it just before
    the start commands), ``"streaming"`` (the start commands were acknowledged and the
    configuration read),
    ``"disconnected"``, ``"retry"`` (a failed attempt; ``detail`` says why) or ``"gave_up"``.
    """

    device: str
    kind: str
    host_time_s: float
    connection: int
    detail: str = ""
    decoder: StreamDecoder | None = None


@dataclass
class LinkStats:
    """What a link did."""

    connections: int = 0
    link_losses: int = 0
    failed_attempts: int = 0
    notifications: int = 0


class DeviceLink:
    """Keep one sensor streaming; see the module docs.

    Parameters
    ----------
    device
        A :class:`FoundDevice` from :func:`scan` (or an address: then bleak scans for it).
    driver
        The device's family.
    label
        Name of the stream in events and files (e.g. ``"bar"``).
    sampling_rate_hz
        Rate to configure (one of ``driver.supported_rates_hz()``).
    queue
        Where notifications and link events go.
    reconnect
        Reconnect after a link loss (until :meth:`stop`).
    connect_attempts
        Attempts for the *first* connection before giving up (reconnection tries for ever).
    backoff_initial_s, backoff_max_s
        Wait after the first failed attempt, doubled after each failure up to the maximum.
    connect_timeout_s
        Timeout of one connection attempt.
    acquire_notify
        Use BlueZ ``AcquireNotify`` (a socket per characteristic, cheaper than D-Bus
        signals) where the characteristic offers it.
    """

    def __init__(
        self,
        device: FoundDevice | str,
        driver: DeviceDriver,
        *,
        label: str,
        sampling_rate_hz: float,
        queue: asyncio.Queue[Notification | LinkEvent],
        reconnect: bool = True,
        connect_attempts: int = 3,
        backoff_initial_s: float = 0.25,
        backoff_max_s: float = 8.0,
        connect_timeout_s: float = 10.0,
        acquire_notify: bool = False,
    ) -> None:
        self.device = device
        self.address = device if isinstance(device, str) else device.address
        self.driver = driver
        self.label = label
        self.sampling_rate_hz = check_sampling_rate(sampling_rate_hz)
        self.queue = queue
        self.reconnect = reconnect
        self.connect_attempts = connect_attempts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.connect_timeout_s = connect_timeout_s
        self.acquire_notify = acquire_notify
        self.stats = LinkStats()
        self.device_info: dict[str, Any] = {}
        self.firmware: str | None = None
        self.connection = 0
        self._client: BleakClient | None = None
        self._lost = asyncio.Event()
        self._stop = asyncio.Event()
        self._connected = asyncio.Event()

    @property
    def is_connected(self) -> bool:
        """Whether the link is up."""
        return self._client is not None and self._client.is_connected

    async def wait_connected(self, timeout_s: float) -> None:
        """Wait until the first connection is streaming."""
        await asyncio.wait_for(self._connected.wait(), timeout=timeout_s)

    def stop(self) -> None:
        """Ask :meth:`run` to stop streaming, disconnect and return."""
        self._stop.set()
        self._lost.set()

    def _target(self) -> BLEDevice | str:
        if isinstance(self.device, FoundDevice) and self.device.ble_device is not None:
            return self.device.ble_device
        return self.address

    async def run(self) -> None:
        """Connect, stream and reconnect until :meth:`stop` (or until the first connect fails).

        Raises
        ------
        TransportError
            When the first connection fails ``connect_attempts`` times, or the sensor
            rejects the configuration.
        """
        delay = self.backoff_initial_s
        failures = 0
        while not self._stop.is_set():
            try:
                await self._connect_and_start()
            except (BleakError, asyncio.TimeoutError, OSError, EOFError) as exc:
                failures += 1
                self.stats.failed_attempts += 1
                detail = f"{type(exc).__name__}: {exc}".strip()
                await self._close_client()
                self._emit_event("retry", detail)
                if self.stats.connections == 0 and failures >= self.connect_attempts:
                    self._emit_event("gave_up", detail)
                    raise TransportError(
                        f"could not connect to {self.label} ({self.address}) after "
                        f"{failures} attempts: {detail}"
                    ) from exc
                if not self.reconnect and self.stats.connections > 0:
                    break
                await self._sleep_unless_stopped(delay)
                delay = min(delay * 2, self.backoff_max_s)
                continue
            failures = 0
            delay = self.backoff_initial_s
            self._connected.set()
            await self._lost.wait()
            if self._stop.is_set():
                break
            self.stats.link_losses += 1
            await self._close_client()
            if not self.reconnect:
                break
            await self._sleep_unless_stopped(delay)
        await self._shutdown()

    async def _sleep_unless_stopped(self, delay_s: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=delay_s)

    def _emit_event(
        self, kind: str, detail: str = "", decoder: StreamDecoder | None = None
    ) -> None:
        self.queue.put_nowait(
            LinkEvent(self.label, kind, time.monotonic(), self.connection, detail, decoder)
        )

    def _on_disconnect(self, client: BleakClient) -> None:
        if client is self._client:
            self._emit_event("disconnected")
            self._lost.set()

    async def _connect_and_start(self) -> None:
        self._lost.clear()
        client = BleakClient(
            self._target(),
            disconnected_callback=self._on_disconnect,
            timeout=self.connect_timeout_s,
        )
        self._client = client
        await client.connect()
        if self._lost.is_set():
            raise BleakError("link lost while connecting")
        self.connection += 1
        self.stats.connections += 1
        driver = self.driver
        att_mtu = _att_mtu(client, driver.notify_char_uuids)
        decoder = driver.new_stream_decoder()
        decoder.att_mtu = att_mtu
        self._emit_event("connected", decoder=decoder)
        connection = self.connection
        label = self.label
        put = self.queue.put_nowait
        monotonic = time.monotonic

        for char_uuid in driver.notify_char_uuids:
            uuid = char_uuid.lower()

            def on_notify(_char: Any, data: bytearray, uuid: str = uuid) -> None:
                put(Notification(label, uuid, bytes(data), monotonic(), connection))

            notify_kwargs: dict[str, Any] = {}
            if self.acquire_notify:
                notify_kwargs["bluez"] = {"use_start_notify": False}
            await client.start_notify(uuid, on_notify, **notify_kwargs)

        if self.firmware is None:
            self.firmware = await self._read_firmware(client)
        # Step 3 of the driver contract (repscope.ble.devices.base): readable
        # characteristics before identification, so that start_commands knows the model
        # (a Polar Verity Sense and an H10 take different rates); read again once streaming.
        for char_uuid in driver.read_char_uuids:
            decoder.feed_read(char_uuid, bytes(await client.read_gatt_char(char_uuid)))
        for write in driver.identify_commands():
            await client.write_gatt_char(write.char_uuid, write.data, response=write.response)
        deadline = time.monotonic() + 2.0
        while not decoder.identified() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        # Put the sensor in a known state first: after a link loss, or a client that died,
        # it may still stream with an old configuration (Polar then refuses a new start).
        # Packets still in flight are left to the set-up decoder, which is then replaced
        # by a fresh one, so that no stale half-pair or byte fragment reaches the stream.
        for write in driver.stop_commands():
            try:
                await client.write_gatt_char(write.char_uuid, write.data, response=write.response)
            except BleakError as exc:
                logger.debug("%s: stop command before start failed: %s", self.label, exc)
        await asyncio.sleep(STOP_DRAIN_S)
        info = dict(decoder.device_info)
        decoder = driver.new_stream_decoder()
        decoder.device_info.update(info)
        decoder.att_mtu = att_mtu
        self._emit_event("configuring", decoder=decoder)
        for write in driver.start_commands(
            sampling_rate_hz=self.sampling_rate_hz, device_info=decoder.device_info
        ):
            decoder.feed_write(write)
            await client.write_gatt_char(write.char_uuid, write.data, response=write.response)
        for char_uuid in driver.read_char_uuids:
            decoder.feed_read(char_uuid, bytes(await client.read_gatt_char(char_uuid)))
        self.device_info = dict(decoder.device_info)
        self._emit_event("streaming")

    async def _read_firmware(self, client: BleakClient) -> str | None:
        """Firmware revision from the Device Information service, when there is one."""
        uuid = "00002a26-0000-1000-8000-00805f9b34fb"
        if client.services.get_characteristic(uuid) is None:
            return None
        try:
            return bytes(await client.read_gatt_char(uuid)).decode(errors="replace").strip("\0 ")
        except BleakError:
            return None

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(BleakError, asyncio.TimeoutError, OSError, EOFError):
                await asyncio.wait_for(client.disconnect(), timeout=5.0)

    async def _shutdown(self) -> None:
        client = self._client
        if client is not None and client.is_connected:
            with contextlib.suppress(BleakError, asyncio.TimeoutError, OSError, EOFError):
                for write in self.driver.stop_commands():
                    await asyncio.wait_for(
                        client.write_gatt_char(
                            write.char_uuid, write.data, response=write.response
                        ),
                        timeout=2.0,
                    )
        await self._close_client()
