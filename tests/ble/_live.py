"""Helpers for the live BLE tests: an in-process emulated BlueZ and a recording client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from repscope.ble.clock import TimedSamples
from repscope.ble.devices import DRIVERS
from repscope.ble.emulator import ArraySource, EmulatedBlueZ, EmulatedDevice, Faults
from repscope.ble.session import LiveSession, SessionDevice
from repscope.ble.transport import LinkEvent, scan

T = TypeVar("T")


def run(coro: Awaitable[T], *, timeout_s: float = 30.0) -> T:
    """Run a coroutine in a fresh event loop with an overall timeout."""

    async def guarded() -> Any:
        return await asyncio.wait_for(coro, timeout=timeout_s)

    return asyncio.run(guarded())  # type: ignore[no-any-return]


def motion_source(n: int = 4000, *, seed: int = 0) -> ArraySource:
    """Distinctive, smooth motion within +-1.5 g and +-300 deg/s (misalignment shows)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 100.0
    acc = np.column_stack(
        [
            0.6 * np.sin(2 * np.pi * 0.7 * t) + 0.05 * rng.standard_normal(n),
            0.4 * np.cos(2 * np.pi * 1.3 * t) + 0.05 * rng.standard_normal(n),
            1.0 + 0.3 * np.sin(2 * np.pi * 0.4 * t) + 0.05 * rng.standard_normal(n),
        ]
    )
    gyr = np.column_stack(
        [
            250 * np.sin(2 * np.pi * 0.5 * t),
            120 * np.cos(2 * np.pi * 0.9 * t),
            40 * rng.standard_normal(n),
        ]
    )
    return ArraySource(acc, gyr, loop=True)


#: Highest rates the emulated radio carries comfortably at a 15 ms connection interval
#: (6 notifications per event): MetaMotion sends acc and gyro in separate notifications.
RATE_CAPS_HZ = {"metamotion": 200.0}


def fastest_rate(profile: str, *, at_most: float = 420.0) -> float:
    """Highest rate the driver supports, capped so that the link keeps up."""
    cap = min(at_most, RATE_CAPS_HZ.get(profile, at_most))
    return max(r for r in DRIVERS[profile].supported_rates_hz() if r <= cap)


@dataclass
class Collected:
    """What the client received, per label."""

    chunks: dict[str, list[TimedSamples]] = field(default_factory=dict)
    events: list[LinkEvent] = field(default_factory=list)

    def sink(self, label: str, samples: TimedSamples) -> None:
        self.chunks.setdefault(label, []).append(samples)

    def count(self, label: str) -> int:
        return sum(c.n_samples for c in self.chunks.get(label, []))

    def arrays(self, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        parts = self.chunks[label]
        time_s = np.concatenate([p.time_s for p in parts])
        acc = np.concatenate([p.acc_g for p in parts])
        gyr = None
        if all(p.gyr_dps is not None for p in parts):
            gyr = np.concatenate([p.gyr_dps for p in parts])  # type: ignore[misc]
        return time_s, acc, gyr


async def wait_until(predicate: Callable[[], bool], *, timeout_s: float) -> None:
    """Poll ``predicate`` every 20 ms until true (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.02)


def make_device(
    profile: str,
    index: int,
    *,
    faults: Faults | None = None,
    connection_interval_s: float = 0.015,
    att_mtu: int = 247,
    rssi_dbm: int = -55,
) -> EmulatedDevice:
    """An emulated sensor with the distinctive motion source."""
    driver = DRIVERS[profile]
    prefix = driver.name_prefixes[0] if driver.name_prefixes else profile
    return EmulatedDevice(
        driver,
        address=f"C0:FF:EE:00:{index:02X}:01",
        name=f"{prefix}-test-{index}",
        source=motion_source(seed=index),
        faults=faults,
        connection_interval_s=connection_interval_s,
        att_mtu=att_mtu,
        rssi_dbm=rssi_dbm,
    )


__all__ = [
    "Collected",
    "EmulatedBlueZ",
    "LiveSession",
    "SessionDevice",
    "fastest_rate",
    "make_device",
    "motion_source",
    "run",
    "scan",
    "wait_until",
]
