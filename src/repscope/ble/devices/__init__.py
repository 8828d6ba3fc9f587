"""Device drivers: one pure-Python protocol description per BLE IMU family.

``DRIVERS`` maps each short name to a driver instance::

    from repscope.ble.devices import DRIVERS, get_driver
    driver = get_driver("diy")
    decoder = driver.new_stream_decoder()

See :mod:`repscope.ble.devices.base` for the interface and the order in which a transport
uses it. Nothing here imports ``bleak``.
"""

from __future__ import annotations

from repscope.ble.devices.base import (
    DeviceDriver,
    GattLayout,
    GattWrite,
    MalformedPacket,
    PeripheralEncoder,
    SampleBatch,
    StreamDecoder,
    normalize_uuid,
)
from repscope.ble.devices.diy import DiyDriver
from repscope.ble.devices.metamotion import MetaMotionDriver
from repscope.ble.devices.movesense import MovesenseDriver
from repscope.ble.devices.polar import PolarDriver
from repscope.ble.devices.witmotion import WitMotionDriver

#: Every supported family by short name.
DRIVERS: dict[str, DeviceDriver] = {
    driver.name: driver
    for driver in (
        WitMotionDriver(),
        MetaMotionDriver(),
        PolarDriver(),
        MovesenseDriver(),
        DiyDriver(),
    )
}


def get_driver(name: str) -> DeviceDriver:
    """Return the driver called ``name``.

    Raises
    ------
    repscope.errors.InputError
        When no driver has that name (the message lists the known ones).
    """
    from repscope.errors import InputError

    try:
        return DRIVERS[name.lower()]
    except KeyError:
        raise InputError(
            f"unknown device family {name!r}",
            hint=f"Choose one of {', '.join(sorted(DRIVERS))}.",
        ) from None


def identify_driver(*, name: str | None, service_uuids: list[str]) -> DeviceDriver | None:
    """Return the first driver whose :meth:`~DeviceDriver.matches` accepts an advertisement."""
    for driver in DRIVERS.values():
        if driver.matches(name=name, service_uuids=service_uuids):
            return driver
    return None


__all__ = [
    "DRIVERS",
    "DeviceDriver",
    "GattLayout",
    "GattWrite",
    "MalformedPacket",
    "PeripheralEncoder",
    "SampleBatch",
    "StreamDecoder",
    "get_driver",
    "identify_driver",
    "normalize_uuid",
]
