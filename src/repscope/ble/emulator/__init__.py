"""An emulated BlueZ: real bleak, no radio (see ``docs/ble.md``).

* :mod:`~repscope.ble.emulator.bus` starts and stops a private ``dbus-daemon`` and writes
  the ``bluetoothctl`` shim;
* :mod:`~repscope.ble.emulator.service` exports ``org.bluez`` (adapter, devices, GATT);
* :mod:`~repscope.ble.emulator.device` plays one sensor: ``Device1``, its link and radio;
* :mod:`~repscope.ble.emulator.gatt` exports its GATT database as BlueZ does;
* :mod:`~repscope.ble.emulator.crystal` is its crystal and the samples waiting for a
  packet; :mod:`~repscope.ble.emulator.records` counts and logs what it did;
* :mod:`~repscope.ble.emulator.faults` holds the faults it can play (rates and timed);
* :mod:`~repscope.ble.emulator.sources` supplies its samples.
"""

from __future__ import annotations

from repscope.ble.emulator.bus import (
    EmulatorError,
    PrivateBus,
    check_private_bus_address,
    start_private_bus,
    write_bluetoothctl_shim,
)
from repscope.ble.emulator.device import EmulatedDevice
from repscope.ble.emulator.faults import Faults
from repscope.ble.emulator.records import DeviceStats, StreamLog
from repscope.ble.emulator.service import EmulatedBlueZ
from repscope.ble.emulator.sources import (
    ArraySource,
    RecordingSource,
    RestSource,
    SampleSource,
)

__all__ = [
    "ArraySource",
    "DeviceStats",
    "EmulatedBlueZ",
    "EmulatedDevice",
    "EmulatorError",
    "Faults",
    "PrivateBus",
    "RecordingSource",
    "RestSource",
    "SampleSource",
    "StreamLog",
    "check_private_bus_address",
    "start_private_bus",
    "write_bluetoothctl_shim",
]
