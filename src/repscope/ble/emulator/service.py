"""The emulated ``org.bluez`` service: one adapter and any number of emulated sensors.

Usage (inside a running event loop, with ``DBUS_SYSTEM_BUS_ADDRESS`` pointing at a
private bus, see :mod:`repscope.ble.emulator.bus`)::

    bluez = EmulatedBlueZ()
    await bluez.start()
    device = bluez.add_device(EmulatedDevice(DRIVERS["diy"], address="C0:FF:EE:00:00:01",
                                             name="repscope-diy"))
    ...  # bleak in this or another process now sees the sensor
    await bluez.stop()

``org.bluez.Adapter1`` at ``/org/bluez/hci0`` is powered, has the ``central`` role and
implements ``SetDiscoveryFilter``, ``StartDiscovery``, ``StopDiscovery``,
``RemoveDevice`` and ``GetDiscoveryFilters``. As in BlueZ, discovery is a per-client
session: a client that starts discovery twice gets ``org.bluez.Error.InProgress``, a
client that stops without having started gets ``org.bluez.Error.Failed``, and a client
whose bus connection closes loses its discovery and notification sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

from dbus_fast import Message, Variant

from repscope.ble.emulator.bus import check_private_bus_address
from repscope.ble.emulator.device import EmulatedDevice
from repscope.ble.emulator.objects import DBusMethodError, DBusObject, ObjectServer

ADAPTER_IFACE = "org.bluez.Adapter1"
BLUEZ_NAME = "org.bluez"


class EmulatedBlueZ:
    """A stand-in BlueZ daemon (see the module docs).

    Parameters
    ----------
    adapter
        Adapter name (``hci0``).
    adapter_address
        The adapter's own Bluetooth address.
    """

    def __init__(
        self, *, adapter: str = "hci0", adapter_address: str = "00:1A:7D:DA:71:0E"
    ) -> None:
        self.adapter_path = f"/org/bluez/{adapter}"
        self.adapter_address = adapter_address
        self.server = ObjectServer(BLUEZ_NAME)
        self.devices: dict[str, EmulatedDevice] = {}
        self.discovery_clients: set[str] = set()
        self.discovery_filters: dict[str, dict[str, Any]] = {}
        self.bus_address: str | None = None
        self._advert_task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self, bus_address: str | None = None) -> None:
        """Connect to the private bus (default ``$DBUS_SYSTEM_BUS_ADDRESS``) and serve.

        Raises
        ------
        repscope.ble.emulator.bus.EmulatorError
            When no address is given or it is a real system bus.
        """
        address = check_private_bus_address(
            bus_address or os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
        )
        await self.server.connect(address)
        self.bus_address = address
        self.server.on_client_gone(self._client_gone)
        self._export_adapter()
        self._advert_task = asyncio.ensure_future(self._advertise_loop())

    async def stop(self) -> None:
        """Power every device off and leave the bus."""
        if self._advert_task is not None:
            self._advert_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._advert_task
            self._advert_task = None
        for device in list(self.devices.values()):
            await device.detach()
        self.devices.clear()
        self.server.disconnect()

    async def __aenter__(self) -> EmulatedBlueZ:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ devices
    def add_device(self, device: EmulatedDevice) -> EmulatedDevice:
        """Power ``device`` on (it starts advertising) and return it."""
        if device.address in self.devices:
            raise ValueError(f"a device with address {device.address} already exists")
        self.devices[device.address] = device
        device.attach(self)
        return device

    async def remove_device(self, address: str) -> None:
        """Power a device off and forget it."""
        device = self.devices.pop(address.upper(), None)
        if device is not None:
            await device.detach()

    # ------------------------------------------------------------------ adapter
    def _export_adapter(self) -> None:
        props = {
            "Address": Variant("s", self.adapter_address),
            "AddressType": Variant("s", "public"),
            "Name": Variant("s", "repscope-emulated"),
            "Alias": Variant("s", "repscope-emulated"),
            "Class": Variant("u", 0),
            "Powered": Variant("b", True),
            "PowerState": Variant("s", "on"),
            "Discoverable": Variant("b", False),
            "DiscoverableTimeout": Variant("u", 180),
            "Pairable": Variant("b", True),
            "PairableTimeout": Variant("u", 0),
            "Discovering": Variant("b", False),
            "UUIDs": Variant("as", []),
            "Modalias": Variant("s", "usb:v1D6Bp0246d0542"),
            "Roles": Variant("as", ["central", "peripheral"]),
            "ExperimentalFeatures": Variant("as", []),
        }
        obj = DBusObject(self.adapter_path, properties={ADAPTER_IFACE: props})
        obj.methods[(ADAPTER_IFACE, "SetDiscoveryFilter")] = ("", self._set_discovery_filter)
        obj.methods[(ADAPTER_IFACE, "StartDiscovery")] = ("", self._start_discovery)
        obj.methods[(ADAPTER_IFACE, "StopDiscovery")] = ("", self._stop_discovery)
        obj.methods[(ADAPTER_IFACE, "RemoveDevice")] = ("", self._remove_device)
        obj.methods[(ADAPTER_IFACE, "GetDiscoveryFilters")] = ("as", self._get_filters)
        self.server.export(obj)

    @property
    def discovering(self) -> bool:
        """Whether any client is discovering."""
        return bool(self.discovery_clients)

    def _set_discovering(self) -> None:
        self.server.set_properties(
            self.adapter_path, ADAPTER_IFACE, {"Discovering": Variant("b", self.discovering)}
        )

    def _set_discovery_filter(self, msg: Message, filters: dict[str, Variant]) -> list[Any]:
        assert msg.sender is not None
        self.discovery_filters[msg.sender] = {k: v.value for k, v in filters.items()}
        return []

    def _get_filters(self, msg: Message) -> list[Any]:
        return [["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable"]]

    def _start_discovery(self, msg: Message) -> list[Any]:
        assert msg.sender is not None
        if msg.sender in self.discovery_clients:
            raise DBusMethodError("org.bluez.Error.InProgress", "Operation already in progress")
        was = self.discovering
        self.discovery_clients.add(msg.sender)
        if not was:
            self._set_discovering()
        now = time.monotonic()
        for device in self.devices.values():
            device._last_advert = now - device.advertising_interval_s  # advertise at once
        return []

    def _stop_discovery(self, msg: Message) -> list[Any]:
        if msg.sender not in self.discovery_clients:
            raise DBusMethodError("org.bluez.Error.Failed", "No discovery started")
        self.discovery_clients.discard(msg.sender)
        if not self.discovering:
            self._set_discovering()
        return []

    def _remove_device(self, msg: Message, path: str) -> list[Any]:
        for device in self.devices.values():
            if device.path == path and device.exported:
                device.removed_by_client()
                return []
        raise DBusMethodError("org.bluez.Error.DoesNotExist", "Does Not Exist")

    def _client_gone(self, client: str) -> None:
        if client in self.discovery_clients:
            self.discovery_clients.discard(client)
            if not self.discovering:
                self._set_discovering()
        self.discovery_filters.pop(client, None)
        for device in self.devices.values():
            device.client_gone(client)

    async def _advertise_loop(self) -> None:
        while True:
            await asyncio.sleep(0.02)
            if not self.discovering:
                continue
            now = time.monotonic()
            for device in list(self.devices.values()):
                device.advertise(now)
