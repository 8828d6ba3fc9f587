"""The GATT database of one emulated sensor, exported as BlueZ exports a real one.

BlueZ shows a connected device's attributes as D-Bus objects below the device's path
(``doc/org.bluez.GattService.rst`` and ``GattCharacteristic.rst`` in the BlueZ tree):

* one ``org.bluez.GattService1`` per primary service, at ``<device>/serviceXXXX``;
* one ``org.bluez.GattCharacteristic1`` per characteristic, at ``.../charXXXX``, whose
  ``Handle`` is its value handle (declaration handle + 1);
* one ``org.bluez.GattDescriptor1`` for the Client Characteristic Configuration
  descriptor (UUID 0x2902) of each characteristic that can notify or indicate.

``XXXX`` is the attribute handle in hex, counted up from :data:`FIRST_HANDLE` as a
peripheral's attribute table would be. bleak reads the handles and paths, so they follow
BlueZ's numbering. Besides the profile's services, every device carries a Device
Information service (0x180A) with the manufacturer, model and firmware strings.

What each method does when called is the device's business: :func:`export_gatt` wires
the D-Bus methods to a :class:`GattHandlers` (the :class:`~repscope.ble.emulator.device.
EmulatedDevice`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from dbus_fast import Message, Variant

from repscope.ble.devices.base import normalize_uuid
from repscope.ble.emulator.objects import DBusObject, ObjectServer

SERVICE_IFACE = "org.bluez.GattService1"
CHAR_IFACE = "org.bluez.GattCharacteristic1"
DESC_IFACE = "org.bluez.GattDescriptor1"

CCCD_UUID = normalize_uuid("2902")
DIS_UUID = normalize_uuid("180a")
DIS_MANUFACTURER_UUID = normalize_uuid("2a29")
DIS_MODEL_UUID = normalize_uuid("2a24")
DIS_FIRMWARE_UUID = normalize_uuid("2a26")

#: First attribute handle of the exported table (as on a peripheral whose GAP and GATT
#: services take the handles below it).
FIRST_HANDLE = 0x000A

#: One characteristic of a service: UUID, BlueZ flags, fixed value (``None``: ask the
#: peripheral).
CharSpec = tuple[str, list[str], bytes | None]
#: One service: UUID and its characteristics.
ServiceSpec = tuple[str, list[CharSpec]]


@dataclass
class GattChar:
    """One exported characteristic and the clients that have notifications on."""

    uuid: str
    path: str
    handle: int
    flags: list[str]
    static_value: bytes | None = None
    sessions: set[str] = field(default_factory=set)
    cccd_path: str | None = None

    @property
    def can_notify(self) -> bool:
        """Whether clients can start notifications (or indications) on it."""
        return "notify" in self.flags or "indicate" in self.flags


class GattHandlers(Protocol):
    """What a device does when a client calls a characteristic's or descriptor's method."""

    def read_value(self, char: GattChar, msg: Message, options: dict[str, Variant]) -> list[Any]:
        """``ReadValue`` of a characteristic."""

    def write_value(
        self, char: GattChar, msg: Message, data: bytes, options: dict[str, Variant]
    ) -> list[Any]:
        """``WriteValue`` of a characteristic."""

    def start_notify(self, char: GattChar, msg: Message) -> list[Any]:
        """``StartNotify`` of a characteristic."""

    def stop_notify(self, char: GattChar, msg: Message) -> list[Any]:
        """``StopNotify`` of a characteristic."""

    def cccd_read(self, char: GattChar, msg: Message, options: dict[str, Variant]) -> list[Any]:
        """``ReadValue`` of a characteristic's CCCD."""

    def cccd_write(self, msg: Message, data: bytes, options: dict[str, Variant]) -> list[Any]:
        """``WriteValue`` of a CCCD (BlueZ refuses it: clients use ``StartNotify``)."""


def gatt_services(
    layout: Any, *, model: str, firmware: str, manufacturer: str = "repscope emulator"
) -> list[ServiceSpec]:
    """List the services to export: a peripheral's ``gatt_layout`` plus Device Information."""
    services: list[ServiceSpec] = []
    for service_uuid, chars in layout:
        specs: list[CharSpec] = [(normalize_uuid(c), list(flags), None) for c, flags in chars]
        services.append((normalize_uuid(service_uuid), specs))
    dis: list[CharSpec] = [
        (DIS_MANUFACTURER_UUID, ["read"], manufacturer.encode()),
        (DIS_MODEL_UUID, ["read"], model.encode()),
        (DIS_FIRMWARE_UUID, ["read"], firmware.encode()),
    ]
    services.append((DIS_UUID, dis))
    return services


def _bind(method: Callable[..., list[Any]], char: GattChar) -> Callable[..., list[Any]]:
    """Make a D-Bus method handler that passes ``char`` before the call's own arguments."""

    def handler(*args: Any) -> list[Any]:
        return method(char, *args)

    return handler


def export_gatt(
    server: ObjectServer,
    device_path: str,
    services: list[ServiceSpec],
    *,
    att_mtu: int,
    handlers: GattHandlers,
) -> tuple[list[GattChar], list[str]]:
    """Export ``services`` below ``device_path``; return the characteristics and all paths.

    The paths come in export order, so removing them in reverse takes the descriptors
    down before their characteristics and those before their service.
    """
    chars: list[GattChar] = []
    paths: list[str] = []
    handle = FIRST_HANDLE
    for service_uuid, char_specs in services:
        service_path = f"{device_path}/service{handle:04x}"
        service_props = {
            "UUID": Variant("s", service_uuid),
            "Device": Variant("o", device_path),
            "Primary": Variant("b", True),
            "Includes": Variant("ao", []),
            "Handle": Variant("q", handle),
        }
        server.export(DBusObject(service_path, properties={SERVICE_IFACE: service_props}))
        paths.append(service_path)
        handle += 1
        for char_uuid, flags, static in char_specs:
            char_path = f"{service_path}/char{handle:04x}"
            char = GattChar(char_uuid, char_path, handle, flags, static)
            props: dict[str, Variant] = {
                "UUID": Variant("s", char_uuid),
                "Service": Variant("o", service_path),
                "Value": Variant("ay", b""),
                "Flags": Variant("as", flags),
                "MTU": Variant("q", att_mtu),
                "Handle": Variant("q", handle + 1),
            }
            if char.can_notify:
                props["Notifying"] = Variant("b", False)
            obj = DBusObject(char_path, properties={CHAR_IFACE: props})
            obj.methods[(CHAR_IFACE, "ReadValue")] = ("ay", _bind(handlers.read_value, char))
            obj.methods[(CHAR_IFACE, "WriteValue")] = ("", _bind(handlers.write_value, char))
            obj.methods[(CHAR_IFACE, "StartNotify")] = ("", _bind(handlers.start_notify, char))
            obj.methods[(CHAR_IFACE, "StopNotify")] = ("", _bind(handlers.stop_notify, char))
            server.export(obj)
            paths.append(char_path)
            chars.append(char)
            handle += 2
            if char.can_notify:
                desc_path = f"{char_path}/desc{handle:04x}"
                char.cccd_path = desc_path
                desc_props = {
                    "UUID": Variant("s", CCCD_UUID),
                    "Characteristic": Variant("o", char_path),
                    "Value": Variant("ay", b""),
                    "Flags": Variant("as", ["read", "write"]),
                    "Handle": Variant("q", handle),
                }
                desc = DBusObject(desc_path, properties={DESC_IFACE: desc_props})
                desc.methods[(DESC_IFACE, "ReadValue")] = ("ay", _bind(handlers.cccd_read, char))
                desc.methods[(DESC_IFACE, "WriteValue")] = ("", handlers.cccd_write)
                server.export(desc)
                paths.append(desc_path)
                handle += 1
        handle += 1
    return chars, paths
