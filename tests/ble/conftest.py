"""Fixtures for the BLE tests: a private dbus-daemon with the bluetoothctl shim.

Every test here runs the real bleak BlueZ backend against the emulated BlueZ. The bus is
started once per test process (each xdist worker has its own) and stopped at the end; a
missing dbus-daemon is an error, never a skip (scripts/test.sh installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from repscope.ble.emulator import PrivateBus, start_private_bus


@pytest.fixture(scope="session")
def private_bus() -> Iterator[PrivateBus]:
    """A private bus exported as the system bus for this process (bleak reads it)."""
    bus = start_private_bus()
    saved = {k: os.environ.get(k) for k in ("DBUS_SYSTEM_BUS_ADDRESS", "PATH")}
    os.environ.update(bus.env())
    try:
        yield bus
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        bus.stop()
