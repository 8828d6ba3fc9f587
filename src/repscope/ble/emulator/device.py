"""One emulated BLE IMU: ``org.bluez.Device1``, its GATT objects and its radio.

An :class:`EmulatedDevice` plays a driver's :class:`~repscope.ble.devices.PeripheralEncoder`
behind the D-Bus objects BlueZ would create for a real sensor:

* **Advertising.** While it is in range and not connected, the device's ``RSSI`` is
  re-emitted (with a little jitter) every advertising interval whenever some client is
  discovering; that is how bleak sees advertisements.
* **Connection.** ``Connect`` sets ``Connected``, exports the GATT objects (the profile's
  services plus a Device Information service) at BlueZ's object paths, then sets
  ``ServicesResolved``. ``Disconnect`` and link loss undo it in reverse order.
* **GATT.** ``ReadValue`` asks the peripheral; ``WriteValue`` is handed to
  :meth:`~repscope.ble.devices.PeripheralEncoder.handle_write` and its replies are
  notified at the next connection event; ``StartNotify``/``StopNotify`` sessions belong
  to the caller's bus connection and end when it closes. Payloads longer than
  ``MTU - 3`` are never notified (counted in :attr:`DeviceStats.oversize_packets`).
* **Streaming.** While the peripheral says ``streaming``, the device's sample clock runs
  at ``sampling_rate_hz * (1 + clock_ppm * 1e-6)``: samples are taken from the source as
  they fall due, grouped ``samples_per_packet`` at a time into notifications, and the
  queued notifications go out at each *connection event* (every
  ``connection_interval_s``, at most ``max_packets_per_event`` per event), so they reach
  the client in bursts as from a real radio.
* **Faults.** :class:`Faults` drops or corrupts (cuts the last byte off) data packets at
  given rates, and :meth:`EmulatedDevice.trigger_link_loss` plays a supervision timeout:
  the link drops, notifications stop, the device is out of range for a while (samples
  keep being produced and lost, so the client sees a gap), then advertises again and
  accepts a new connection. :meth:`EmulatedDevice.trigger_stall` holds every
  notification for a while, then sends the backlog as fast as the radio allows
  (``repscope emulate --fault``: :mod:`repscope.ble.emulator.faults`).

Everything the device generated is kept in :attr:`EmulatedDevice.log` so that tests can
compare what the client decoded with what was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any, Protocol

import numpy as np
from dbus_fast import Message, Variant

from repscope.ble.devices.base import DeviceDriver, PeripheralEncoder, normalize_uuid
from repscope.ble.emulator.crystal import CrystalClock
from repscope.ble.emulator.faults import Faults
from repscope.ble.emulator.gatt import CHAR_IFACE, GattChar, export_gatt, gatt_services
from repscope.ble.emulator.objects import DBusMethodError, DBusObject, ObjectServer
from repscope.ble.emulator.records import DeviceStats, PacketRecord, StreamLog
from repscope.ble.emulator.sources import RestSource, SampleSource
from repscope.recording import check_sampling_rate

logger = logging.getLogger(__name__)

DEVICE_IFACE = "org.bluez.Device1"

ERR_FAILED = "org.bluez.Error.Failed"
ERR_NOT_PERMITTED = "org.bluez.Error.NotPermitted"
ERR_NOT_SUPPORTED = "org.bluez.Error.NotSupported"
ERR_NOT_CONNECTED = "org.bluez.Error.NotConnected"
ERR_ALREADY_CONNECTED = "org.bluez.Error.AlreadyConnected"
ERR_IN_PROGRESS = "org.bluez.Error.InProgress"
ERR_INVALID_ARGS = "org.bluez.Error.InvalidArguments"


#: First attribute handle used for the emulated GATT database.


class Adapter(Protocol):
    """What a device needs of the emulated BlueZ it is attached to.

    :class:`~repscope.ble.emulator.service.EmulatedBlueZ` is one; the device never calls
    back into it otherwise, so the two modules do not import each other.
    """

    @property
    def server(self) -> ObjectServer:
        """The object server that exports the device's objects."""

    @property
    def adapter_path(self) -> str:
        """Object path of the adapter (``/org/bluez/hci0``)."""


class EmulatedDevice:
    """An emulated sensor of one driver family (see the module docs).

    Parameters
    ----------
    driver
        The device family (e.g. ``DRIVERS["diy"]``).
    address
        Bluetooth address ``AA:BB:CC:DD:EE:FF``.
    name
        Advertised local name; ``None`` advertises no name (only the service UUID).
    variant
        Hardware variant of the driver's peripheral (``None``: the driver's default).
    source
        Where samples come from (default: a sensor lying still).
    rssi_dbm
        Mean advertised RSSI; each advertisement adds up to +-3 dB of jitter.
    att_mtu
        Negotiated ATT MTU reported on the characteristics.
    connection_interval_s
        BLE connection interval (7.5 ms to 4 s); notifications leave in bursts at this period.
    max_packets_per_event
        Notifications sent per connection event at most (the rest wait for the next one).
    advertising_interval_s
        Period of the RSSI re-emission while discovering.
    tx_queue_packets
        Notifications the device can hold while waiting for connection events; data
        packets beyond it are lost, as in firmware whose radio cannot carry the data rate.
    clock_ppm
        Frequency error of the device's sample clock in parts per million.
    faults
        Stream faults to inject (default none).
    firmware
        Firmware revision string for the Device Information service.
    """

    def __init__(
        self,
        driver: DeviceDriver,
        *,
        address: str,
        name: str | None,
        variant: str | None = None,
        source: SampleSource | None = None,
        rssi_dbm: int = -60,
        att_mtu: int = 247,
        connection_interval_s: float = 0.030,
        max_packets_per_event: int = 6,
        advertising_interval_s: float = 0.1,
        tx_queue_packets: int = 256,
        clock_ppm: float = 0.0,
        faults: Faults | None = None,
        firmware: str = "1.0.0",
    ) -> None:
        address = address.upper()
        parts = address.split(":")
        if len(parts) != 6 or not all(len(p) == 2 for p in parts):
            raise ValueError(f"not a Bluetooth address: {address!r}")
        int("".join(parts), 16)
        if not 0.0075 <= connection_interval_s <= 4.0:
            raise ValueError("connection_interval_s must lie in [0.0075, 4] s")
        if not 23 <= att_mtu <= 517:
            raise ValueError("att_mtu must lie in [23, 517]")
        self.driver = driver
        self.address = address
        self.name = name
        self.variant = variant
        self.source: SampleSource = source if source is not None else RestSource()
        self.rssi_dbm = int(rssi_dbm)
        self.att_mtu = int(att_mtu)
        self.connection_interval_s = float(connection_interval_s)
        self.max_packets_per_event = int(max_packets_per_event)
        self.advertising_interval_s = float(advertising_interval_s)
        self.tx_queue_packets = int(tx_queue_packets)
        self.clock_ppm = float(clock_ppm)
        self.faults = faults if faults is not None else Faults()
        self.firmware = firmware
        self.peripheral: PeripheralEncoder = driver.new_peripheral(variant=variant)
        self.peripheral.att_mtu = self.att_mtu
        self.stats = DeviceStats()
        self.log = StreamLog()
        self.keep_log = True

        self.bluez: Adapter | None = None
        self.path = ""
        self.connected = False
        self.connected_client: str | None = None
        self.exported = False
        self._out_of_range_until = 0.0
        self._stalled_until = 0.0
        self._chars: dict[str, GattChar] = {}
        self._chars_by_uuid: dict[str, GattChar] = {}
        self._gatt_paths: list[str] = []
        self._control_queue: deque[tuple[str, bytes]] = deque()
        self._data_queue: deque[tuple[str, bytes, PacketRecord]] = deque()
        self._rng = np.random.default_rng(self.faults.seed)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._was_streaming = False
        self._clock = CrystalClock(clock_ppm=self.clock_ppm, boot_time_s=time.monotonic())
        self._source_done = False
        self._last_advert = 0.0

    # ------------------------------------------------------------------ properties
    @property
    def in_range(self) -> bool:
        """Whether the device can be seen and connected (false during a link-loss outage)."""
        return time.monotonic() >= self._out_of_range_until

    @property
    def advertising(self) -> bool:
        """Whether the device advertises now (in range and not connected)."""
        return self.in_range and not self.connected

    @property
    def service_uuids(self) -> list[str]:
        """Service UUIDs advertised (the profile's primary services)."""
        return [normalize_uuid(service) for service, _ in self.peripheral.gatt_layout]

    # ------------------------------------------------------------------ lifecycle
    def attach(self, bluez: Adapter) -> None:
        """Power on under ``bluez``: export ``Device1`` and start the radio task."""
        self.bluez = bluez
        self.path = f"{bluez.adapter_path}/dev_{self.address.replace(':', '_')}"
        self._export_device()
        self._task = asyncio.ensure_future(self._radio())

    async def detach(self) -> None:
        """Power off: drop the link, remove the objects, stop the radio task."""
        if self.connected:
            self._drop_link(reason="power off")
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.bluez is not None and self.exported:
            self.bluez.server.unexport(self.path)
            self.exported = False

    def _export_device(self) -> None:
        assert self.bluez is not None
        alias = self.name or self.address.replace(":", "-")
        props: dict[str, Variant] = {
            "Address": Variant("s", self.address),
            "AddressType": Variant("s", "public"),
            "Alias": Variant("s", alias),
            "Adapter": Variant("o", self.bluez.adapter_path),
            "Paired": Variant("b", False),
            "Bonded": Variant("b", False),
            "Trusted": Variant("b", False),
            "Blocked": Variant("b", False),
            "LegacyPairing": Variant("b", False),
            "Connected": Variant("b", self.connected),
            "ServicesResolved": Variant("b", False),
            "UUIDs": Variant("as", self.service_uuids),
            "RSSI": Variant("n", self._rssi_sample()),
            "TxPower": Variant("n", 0),
            "ManufacturerData": Variant("a{qv}", {}),
            "ServiceData": Variant("a{sv}", {}),
        }
        if self.name:
            props["Name"] = Variant("s", self.name)
        obj = DBusObject(self.path, properties={DEVICE_IFACE: props})
        obj.methods[(DEVICE_IFACE, "Connect")] = ("", self._dbus_connect)
        obj.methods[(DEVICE_IFACE, "Disconnect")] = ("", self._dbus_disconnect)
        obj.methods[(DEVICE_IFACE, "Pair")] = ("", self._dbus_pair)
        obj.methods[(DEVICE_IFACE, "CancelPairing")] = ("", lambda msg: [])
        obj.methods[(DEVICE_IFACE, "ConnectProfile")] = ("", self._not_supported)
        obj.methods[(DEVICE_IFACE, "DisconnectProfile")] = ("", self._not_supported)
        obj.writable[(DEVICE_IFACE, "Trusted")] = lambda value: None
        obj.writable[(DEVICE_IFACE, "Alias")] = lambda value: None
        self.bluez.server.export(obj)
        self.exported = True

    def removed_by_client(self) -> None:
        """``Adapter1.RemoveDevice``: forget the device (it reappears when it advertises)."""
        assert self.bluez is not None
        if self.connected:
            self._drop_link(reason="removed")
        if self.exported:
            self.bluez.server.unexport(self.path)
            self.exported = False

    def _rssi_sample(self) -> int:
        return int(self.rssi_dbm + self._rng.integers(-3, 4))

    def advertise(self, now: float) -> None:
        """Send one advertisement (an RSSI update) if due; called by the adapter."""
        if not self.advertising or now - self._last_advert < self.advertising_interval_s:
            return
        assert self.bluez is not None
        self._last_advert = now
        if not self.exported:
            self._export_device()
            return
        self.bluez.server.set_properties(
            self.path, DEVICE_IFACE, {"RSSI": Variant("n", self._rssi_sample())}
        )

    # ------------------------------------------------------------------ Device1 methods
    def _not_supported(self, msg: Message, *args: Any) -> list[Any]:
        raise DBusMethodError(ERR_NOT_SUPPORTED, "Operation is not supported")

    def _dbus_pair(self, msg: Message) -> list[Any]:
        assert self.bluez is not None
        self.bluez.server.set_properties(
            self.path, DEVICE_IFACE, {"Paired": Variant("b", True), "Bonded": Variant("b", True)}
        )
        return []

    async def _dbus_connect(self, msg: Message) -> list[Any]:
        if self.connected:
            raise DBusMethodError(ERR_ALREADY_CONNECTED, "Already Connected")
        deadline = time.monotonic() + 2.0
        while not self.in_range:
            if time.monotonic() >= deadline:
                raise DBusMethodError(ERR_FAILED, "Software caused connection abort")
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.01)  # connection set-up
        if self.connected:
            raise DBusMethodError(ERR_ALREADY_CONNECTED, "Already Connected")
        self._connect(msg.sender)
        return []

    def _dbus_disconnect(self, msg: Message) -> list[Any]:
        if self.connected:
            self._drop_link(reason="client")
        return []

    def _connect(self, client: str | None) -> None:
        assert self.bluez is not None
        self.connected = True
        self.connected_client = client
        self.stats.connections += 1
        self.peripheral.att_mtu = self.att_mtu
        self.bluez.server.set_properties(self.path, DEVICE_IFACE, {"Connected": Variant("b", True)})
        loop = asyncio.get_running_loop()
        loop.call_later(0.005, self._resolve_services)
        self._wake.set()

    def _resolve_services(self) -> None:
        if not self.connected:
            return
        assert self.bluez is not None
        self._export_gatt()
        self.bluez.server.set_properties(
            self.path, DEVICE_IFACE, {"ServicesResolved": Variant("b", True)}
        )

    def trigger_stall(self, *, duration_s: float) -> None:
        """Send nothing for ``duration_s`` from now; samples keep being queued meanwhile.

        Afterwards the queued notifications go out, ``max_packets_per_event`` per
        connection event, so they arrive late and bunched; a queue longer than
        ``tx_queue_packets`` overflows (the packets are lost, as from a real sensor).
        """
        self._stalled_until = time.monotonic() + max(0.0, duration_s)
        self.stats.stalls += 1

    def trigger_link_loss(self, *, outage_s: float = 1.0) -> None:
        """Play a supervision timeout now; the device stays unreachable for ``outage_s``."""
        self._out_of_range_until = time.monotonic() + max(0.0, outage_s)
        if self.connected:
            self.stats.link_losses += 1
            self._drop_link(reason="link loss")

    def _drop_link(self, *, reason: str) -> None:
        assert self.bluez is not None
        logger.debug("%s: link down (%s)", self.address, reason)
        for record in self._data_queue:
            record[2].fate = "lost"
            self.stats.packets_lost_to_link += 1
        self._data_queue.clear()
        self._control_queue.clear()
        for char in self._chars.values():
            if char.sessions:
                char.sessions.clear()
                self.peripheral.set_notifying(char.uuid, False)
        self.bluez.server.set_properties(
            self.path, DEVICE_IFACE, {"ServicesResolved": Variant("b", False)}
        )
        for path in reversed(self._gatt_paths):
            self.bluez.server.unexport(path)
        self._gatt_paths.clear()
        self._chars.clear()
        self._chars_by_uuid.clear()
        self.connected = False
        self.connected_client = None
        self.bluez.server.set_properties(
            self.path, DEVICE_IFACE, {"Connected": Variant("b", False)}
        )

    def client_gone(self, client: str) -> None:
        """End the notification sessions of a client whose bus connection closed."""
        for char in self._chars.values():
            if client in char.sessions:
                self._remove_session(char, client)

    # ------------------------------------------------------------------ GATT methods
    def _export_gatt(self) -> None:
        assert self.bluez is not None
        services = gatt_services(
            self.peripheral.gatt_layout, model=self.driver.display_name, firmware=self.firmware
        )
        chars, self._gatt_paths = export_gatt(
            self.bluez.server, self.path, services, att_mtu=self.att_mtu, handlers=self
        )
        self._chars = {char.path: char for char in chars}
        self._chars_by_uuid = {char.uuid: char for char in chars}

    def _require_connected(self) -> None:
        if not self.connected:
            raise DBusMethodError(ERR_FAILED, "Not connected")

    def read_value(self, char: GattChar, msg: Message, options: dict[str, Variant]) -> list[Any]:
        """``ReadValue``: a fixed value, or what the peripheral answers."""
        self._require_connected()
        if "read" not in char.flags:
            raise DBusMethodError(ERR_NOT_PERMITTED, "Read not permitted")
        if char.static_value is not None:
            value = char.static_value
        else:
            try:
                value = bytes(self.peripheral.read(char.uuid))
            except KeyError:
                raise DBusMethodError(ERR_NOT_PERMITTED, "Read not permitted") from None
        self._set_value(char, value)
        return [value]

    def write_value(
        self, char: GattChar, msg: Message, data: bytes, options: dict[str, Variant]
    ) -> list[Any]:
        """``WriteValue``: hand the bytes to the peripheral; its replies are notified."""
        self._require_connected()
        kind = options["type"].value if "type" in options else "request"
        if kind == "command":
            if "write-without-response" not in char.flags:
                raise DBusMethodError(ERR_NOT_PERMITTED, "Write not permitted")
            if len(data) > self.att_mtu - 3:
                raise DBusMethodError(ERR_INVALID_ARGS, "Invalid Length")
        elif "write" not in char.flags:
            raise DBusMethodError(ERR_NOT_PERMITTED, "Write not permitted")
        if len(data) > 512:
            raise DBusMethodError(ERR_INVALID_ARGS, "Invalid Length")
        replies = self.peripheral.handle_write(char.uuid, bytes(data))
        self._control_queue.extend(replies)
        self._check_streaming()
        self._wake.set()
        return []

    def start_notify(self, char: GattChar, msg: Message) -> list[Any]:
        """``StartNotify``: a session of the caller's bus connection."""
        self._require_connected()
        if not char.can_notify:
            raise DBusMethodError(ERR_NOT_SUPPORTED, "Operation is not supported")
        assert msg.sender is not None
        first = not char.sessions
        char.sessions.add(msg.sender)
        if first:
            assert self.bluez is not None
            self.bluez.server.set_properties(
                char.path, CHAR_IFACE, {"Notifying": Variant("b", True)}
            )
            self.peripheral.set_notifying(char.uuid, True)
            self._check_streaming()
            self._wake.set()
        return []

    def stop_notify(self, char: GattChar, msg: Message) -> list[Any]:
        """``StopNotify``: end the caller's session."""
        self._require_connected()
        if msg.sender not in char.sessions:
            raise DBusMethodError(ERR_FAILED, "No notify session started")
        self._remove_session(char, msg.sender)
        return []

    def _remove_session(self, char: GattChar, client: str | None) -> None:
        char.sessions.discard(client or "")
        if not char.sessions:
            assert self.bluez is not None
            self.bluez.server.set_properties(
                char.path, CHAR_IFACE, {"Notifying": Variant("b", False)}
            )
            self.peripheral.set_notifying(char.uuid, False)
            self._check_streaming()

    def cccd_read(self, char: GattChar, msg: Message, options: dict[str, Variant]) -> list[Any]:
        """Answer the CCCD's value: notifications on (``01 00``) or off."""
        self._require_connected()
        return [b"\x01\x00" if char.sessions else b"\x00\x00"]

    def cccd_write(self, msg: Message, data: bytes, options: dict[str, Variant]) -> list[Any]:
        """BlueZ refuses CCCD writes: clients use ``StartNotify``."""
        raise DBusMethodError(ERR_NOT_PERMITTED, "Write not permitted")

    def _set_value(self, char: GattChar, value: bytes) -> None:
        assert self.bluez is not None
        self.bluez.server.set_properties(char.path, CHAR_IFACE, {"Value": Variant("ay", value)})

    # ------------------------------------------------------------------ streaming
    def _check_streaming(self) -> None:
        streaming = bool(self.peripheral.streaming)
        rate_hz = self.peripheral.sampling_rate_hz
        if streaming and not self._was_streaming:
            self._clock.start(check_sampling_rate(rate_hz), now=time.monotonic())
        elif not streaming and self._was_streaming:
            self._clock.discard_pending()
        elif streaming and rate_hz != self._clock.rate_hz:
            # the client changed the rate while streaming: send what waits, then go on
            self._flush_pending(partial=True)
            self._clock.change_rate(check_sampling_rate(rate_hz), now=time.monotonic())
        self._was_streaming = streaming

    def _produce(self, now: float) -> None:
        """Take the samples that fell due from the source and encode full packets."""
        self._check_streaming()
        if not self._was_streaming or self._source_done:
            return
        taken = self._clock.take_due(self.source, now=now)
        if taken is None:
            self._source_done = True
            self._flush_pending(partial=True)
        elif taken:
            self._flush_pending(partial=False)

    def _flush_pending(self, *, partial: bool) -> None:
        per_packet = max(1, int(self.peripheral.samples_per_packet))
        for run in self._clock.runs(per_packet, partial=partial):
            n = run.acc_g.shape[0]
            if self.keep_log:
                self.log.acc_g.append(run.acc_g)
                self.log.gyr_dps.append(run.gyr_dps)
                self.log.device_time_s.append(run.device_time_s)
                self.log.true_host_time_s.append(run.host_time_s)
            self.stats.samples_generated += n
            packets = self.peripheral.encode(run.acc_g, run.gyr_dps, run.device_time_s)
            for i, (char_uuid, payload) in enumerate(packets):
                # several packets (Polar's ACC and GYRO frames) can carry one run of samples
                self._queue_data(char_uuid, payload, run.first, n, carries_count=i == 0)

    def _queue_data(
        self, char_uuid: str, payload: bytes, first: int, n: int, *, carries_count: bool = True
    ) -> None:
        self.stats.packets_generated += 1
        record = PacketRecord(first, n, "queued", counts_samples=carries_count)
        if self.keep_log:
            self.log.packets.append(record)
        if not self.connected:
            record.fate = "lost"
            self.stats.packets_lost_to_link += 1
            return
        if len(self._data_queue) >= self.tx_queue_packets:
            record.fate = "overflow"
            self.stats.packets_overflowed += 1
            return
        faults = self.faults
        if faults.drop_rate and self._rng.random() < faults.drop_rate:
            record.fate = "dropped"
            self.stats.packets_dropped += 1
            return
        if faults.malformed_rate and self._rng.random() < faults.malformed_rate:
            record.fate = "malformed"
            self.stats.packets_malformed += 1
            payload = payload[:-1]
        self._data_queue.append((normalize_uuid(char_uuid), payload, record))

    def _notify(self, char_uuid: str, payload: bytes) -> bool:
        char = self._chars_by_uuid.get(normalize_uuid(char_uuid))
        if char is None or not char.sessions:
            return False
        if len(payload) > self.att_mtu - 3:
            self.stats.oversize_packets += 1
            logger.warning(
                "%s: %d-byte notification exceeds MTU %d - 3; not sent",
                self.address,
                len(payload),
                self.att_mtu,
            )
            return False
        self._set_value(char, payload)
        return True

    def connection_event(self) -> None:
        """One connection event: produce due samples, send queued notifications."""
        now = time.monotonic()
        self._produce(now)
        if not self.connected or now < self._stalled_until:
            return
        budget = self.max_packets_per_event
        while self._control_queue and budget > 0:
            char_uuid, payload = self._control_queue.popleft()
            self._notify(char_uuid, payload)
            budget -= 1
            self._check_streaming()
        while self._data_queue and budget > 0:
            char_uuid, payload, record = self._data_queue.popleft()
            if self._notify(char_uuid, payload):
                if record.fate == "queued":
                    record.fate = "sent"
                    self.stats.packets_sent += 1
                    if record.counts_samples:
                        self.stats.samples_sent += record.n_samples
                        if not self._was_streaming:
                            self.stats.samples_sent_after_stop += record.n_samples
            else:
                if record.fate == "queued":
                    record.fate = "oversize" if len(payload) > self.att_mtu - 3 else "lost"
                    if record.fate == "lost":
                        self.stats.packets_lost_to_link += 1
            budget -= 1

    async def _radio(self) -> None:
        """Run connection events on a fixed grid while connected or streaming."""
        next_event = time.monotonic()
        while True:
            if self.connected or self._was_streaming:
                next_event += self.connection_interval_s
                delay = next_event - time.monotonic()
                if delay < -1.0:  # fell far behind (suspended process): resynchronise
                    next_event = time.monotonic()
                    delay = 0.0
                await asyncio.sleep(max(0.0, delay))
                self.connection_event()
            else:
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=0.05)
                next_event = time.monotonic()
                self._check_streaming()
