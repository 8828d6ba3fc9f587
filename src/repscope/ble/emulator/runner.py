"""Run emulated sensors until told to stop (the library side of ``repscope emulate``).

:func:`default_devices` turns profile names into :class:`EmulatedDevice` objects with
distinct addresses (``C0:FF:EE:00:00:01``, ``...:02``, ...) and advertised names
(``<driver name prefix>-<n>``, e.g. ``repscope-diy-1``); :func:`serve` starts the
emulated BlueZ on a bus, adds the devices, reports readiness and waits; optional periodic
link losses exercise the client's reconnection, and timed faults
(:class:`~repscope.ble.emulator.faults.TimedFault`: a link loss or a stall at a given
second) reproduce a scenario.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from repscope.ble.devices import get_driver
from repscope.ble.emulator.device import EmulatedDevice
from repscope.ble.emulator.faults import Faults, TimedFault
from repscope.ble.emulator.service import EmulatedBlueZ
from repscope.ble.emulator.sources import RestSource, SampleSource, simulated_set_source

ADDRESS_PREFIX = "C0:FF:EE:00:00"


@dataclass(frozen=True)
class SetOptions:
    """A simulated set for the emulated sensors to play (see :mod:`repscope.simulate`)."""

    exercise: str
    reps: int
    tempo: str
    load_kg: float | None
    placement: str
    sampling_rate_hz: float
    seed: int
    loop: bool


def default_name(profile: str, index: int) -> str:
    """Advertised name of the ``index``-th (1-based) emulated sensor of ``profile``."""
    driver = get_driver(profile)
    prefix = driver.name_prefixes[0] if driver.name_prefixes else driver.name
    if prefix.endswith(("-", "_", " ")):
        return f"{prefix}{index}"
    return f"{prefix}-{profile}-{index}" if prefix.lower() == "repscope" else f"{prefix}-{index}"


def default_devices(
    profiles: Sequence[str],
    *,
    names: Sequence[str] = (),
    set_options: SetOptions | None = None,
    faults: Faults | None = None,
    connection_interval_s: float = 0.030,
    att_mtu: int = 247,
    keep_log: bool = False,
) -> list[EmulatedDevice]:
    """One emulated sensor per entry of ``profiles`` (names default to :func:`default_name`).

    ``keep_log`` keeps every generated sample and packet fate in memory
    (:attr:`EmulatedDevice.log`, for tests that compare what was sent with what arrived);
    off by default, because a ``--loop`` session would grow without bound. The counters in
    :attr:`EmulatedDevice.stats` are kept either way (:func:`device_stats`).

    Raises
    ------
    repscope.errors.InputError
        For an unknown profile or a bad set description.
    """
    devices = []
    for index, profile in enumerate(profiles, start=1):
        driver = get_driver(profile)
        name = names[index - 1] if index - 1 < len(names) else default_name(profile, index)
        source: SampleSource
        if set_options is None:
            source = RestSource(seed=index)
        else:
            source = simulated_set_source(
                exercise=set_options.exercise,
                reps=set_options.reps,
                tempo=set_options.tempo,
                load_kg=set_options.load_kg,
                placement=set_options.placement,
                sampling_rate_hz=set_options.sampling_rate_hz,
                seed=set_options.seed + index - 1,
                loop=set_options.loop,
            )
        device = EmulatedDevice(
            driver,
            address=f"{ADDRESS_PREFIX}:{index:02X}",
            name=name,
            source=source,
            faults=faults,
            connection_interval_s=connection_interval_s,
            att_mtu=att_mtu,
        )
        device.keep_log = keep_log
        devices.append(device)
    return devices


def device_stats(devices: Sequence[EmulatedDevice]) -> list[dict[str, object]]:
    """Return what each device did since power-on, as JSON-ready dicts (``--stats-out``).

    One dict per device: ``name``, ``address``, ``profile`` and every counter of
    :class:`~repscope.ble.emulator.device.DeviceStats` (``samples_generated``,
    ``packets_sent``, ``packets_overflowed``: the radio could not carry the rate, ...).
    """
    return [
        {
            "name": device.name,
            "address": device.address,
            "profile": device.driver.name,
            **asdict(device.stats),
        }
        for device in devices
    ]


async def serve(
    devices: Sequence[EmulatedDevice],
    *,
    bus_address: str,
    stop_event: asyncio.Event,
    on_ready: Callable[[EmulatedBlueZ], None] | None = None,
    link_loss_every_s: float | None = None,
    link_loss_outage_s: float = 1.0,
    seconds: float | None = None,
    timed_faults: Sequence[TimedFault] = (),
) -> EmulatedBlueZ:
    """Serve ``devices`` on ``bus_address`` until ``stop_event`` is set (or ``seconds``).

    ``timed_faults`` are played ``at_s`` after the devices are ready, on every device (a
    link loss only on the connected ones), to within 0.1 s.
    """
    bluez = EmulatedBlueZ()
    await bluez.start(bus_address)
    try:
        for device in devices:
            bluez.add_device(device)
        if on_ready is not None:
            on_ready(bluez)
        loop = asyncio.get_running_loop()
        deadline = None if seconds is None else loop.time() + seconds
        next_loss = None if link_loss_every_s is None else loop.time() + link_loss_every_s
        ready_at = loop.time()
        pending = sorted(timed_faults, key=lambda f: f.at_s)
        while not stop_event.is_set():
            now = loop.time()
            if deadline is not None and now >= deadline:
                break
            while pending and now >= ready_at + pending[0].at_s:
                fault = pending.pop(0)
                for device in devices:
                    if fault.kind == "stall":
                        device.trigger_stall(duration_s=fault.duration_s)
                    elif device.connected:
                        device.trigger_link_loss(outage_s=fault.duration_s)
            if next_loss is not None and now >= next_loss:
                for device in devices:
                    if device.connected:
                        device.trigger_link_loss(outage_s=link_loss_outage_s)
                assert link_loss_every_s is not None
                next_loss = now + link_loss_every_s
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=0.1)
    finally:
        await bluez.stop()
    return bluez
