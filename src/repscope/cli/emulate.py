"""``repscope emulate``: simulated BLE sensors on a private emulated BlueZ (no hardware)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path

import click

from repscope.cli._names import DEVICE_FAMILIES, PLACEMENTS


def _check_faults(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """Refuse a bad ``--fault`` spec before any bus is started (exit 2, one line)."""
    from repscope.ble.emulator.faults import parse_fault
    from repscope.errors import InputError

    for spec in value:
        try:
            parse_fault(spec)
        except InputError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return value


@click.command("emulate")
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    required=True,
    type=click.Choice(DEVICE_FAMILIES),
    help="Sensor family to emulate; repeat for several sensors.",
)
@click.option("--name", "names", multiple=True, help="Advertised name (in --profile order).")
@click.option(
    "--rate-hz",
    type=float,
    default=100.0,
    show_default=True,
    help="Rate at which the set is simulated (the sensor streams at the rate the client sets).",
)
@click.option("--exercise", default=None, help="Simulate a set of this exercise (else: at rest).")
@click.option("--reps", type=click.IntRange(min=1), default=8, show_default=True)
@click.option("--tempo", default="3-1-1-0", show_default=True, help="Tempo code of the set.")
@click.option("--load-kg", type=click.FloatRange(min=0), default=None)
@click.option("--placement", type=click.Choice(PLACEMENTS), default="bar", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--loop", is_flag=True, help="Repeat the set for ever (else the stream ends).")
@click.option(
    "--bus-address",
    default=None,
    help="Use this private bus instead of starting one (never the system bus).",
)
@click.option(
    "--connection-interval-ms",
    type=click.FloatRange(min=7.5, max=4000),
    default=30.0,
    show_default=True,
)
@click.option("--mtu", type=click.IntRange(min=23, max=517), default=247, show_default=True)
@click.option("--drop-rate", type=click.FloatRange(0, 1), default=0.0, help="Lose data packets.")
@click.option(
    "--malformed-rate", type=click.FloatRange(0, 1), default=0.0, help="Corrupt data packets."
)
@click.option(
    "--link-loss-every",
    type=click.FloatRange(min=0.5),
    default=None,
    help="Drop every link after this many seconds (tests reconnection).",
)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    callback=_check_faults,
    metavar="SPEC",
    help="Inject a fault; repeat for several: link-loss@T[:D] (every connected sensor loses "
    "its link T s after the emulator is ready, for D s, default 1), stall@T:D (send nothing "
    "for D s, then the backlog), drop-packets:P, corrupt-packets:P (per data packet; "
    "replaces --drop-rate/--malformed-rate).",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Exit after this long (default: until Ctrl-C).",
)
@click.option(
    "--stats-out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="On exit, write each sensor's counters (samples generated, packets sent, dropped, "
    "overflowed, ...) to this JSON file.",
)
def emulate(
    profiles: tuple[str, ...],
    names: tuple[str, ...],
    rate_hz: float,
    exercise: str | None,
    reps: int,
    tempo: str,
    load_kg: float | None,
    placement: str,
    seed: int,
    loop: bool,
    bus_address: str | None,
    connection_interval_ms: float,
    mtu: int,
    drop_rate: float,
    malformed_rate: float,
    link_loss_every: float | None,
    fault_specs: tuple[str, ...],
    seconds: float | None,
    stats_out: Path | None,
) -> None:
    """Emulate BLE IMUs so that live mode can be tried without hardware.

    Starts a private D-Bus daemon with a stand-in BlueZ on it (never the system bus),
    prints the DBUS_SYSTEM_BUS_ADDRESS=... line to export in another terminal, and runs
    until Ctrl-C. The real bleak stack talks to it; only the radio is missing.

    \b
    Example (two terminals):
        repscope emulate --profile diy --exercise bench --reps 8 --tempo 3-1-1-0 --loop
    \b
        # in the second terminal, the export line the first one printed, then:
        export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/tmp/repscope-bluez-.../bus,guid=...
        repscope record --device repscope-diy-1 --out bench.csv --seconds 30
    \b
    Faults, to see how a client copes (times from when the emulator is ready):
        repscope emulate --profile witmotion --fault link-loss@20s --fault stall@10s:2s
        repscope emulate --profile diy --fault corrupt-packets:0.01 --fault link-loss@5s:3s
    """  # noqa: D301 (click needs the \b marker)
    import asyncio

    from repscope.ble.emulator import Faults, start_private_bus
    from repscope.ble.emulator.bus import check_private_bus_address
    from repscope.ble.emulator.faults import parse_faults
    from repscope.ble.emulator.runner import SetOptions, default_devices, device_stats, serve

    set_options = None
    if exercise is not None:
        set_options = SetOptions(
            exercise=exercise,
            reps=reps,
            tempo=tempo,
            load_kg=load_kg,
            placement=placement,
            sampling_rate_hz=rate_hz,
            seed=seed,
            loop=loop,
        )
    faults, timed_faults = parse_faults(
        fault_specs, base=Faults(drop_rate=drop_rate, malformed_rate=malformed_rate, seed=seed)
    )
    devices = default_devices(
        profiles,
        names=names,
        set_options=set_options,
        faults=faults,
        connection_interval_s=connection_interval_ms / 1000.0,
        att_mtu=mtu,
    )
    bus = None
    if bus_address is None:
        bus = start_private_bus()
        address = bus.address
    else:
        address = check_private_bus_address(bus_address)
    try:
        click.echo(f"DBUS_SYSTEM_BUS_ADDRESS={address}")
        if bus is not None:
            click.echo(
                f"# in another terminal: export DBUS_SYSTEM_BUS_ADDRESS={address}\n"
                f"# optional (pins the BlueZ version bleak sees): export PATH={bus.shim_dir}:$PATH"
            )

        def on_ready(_bluez: object) -> None:
            for device in devices:
                click.echo(f"emulating {device.driver.name} as {device.name!r} ({device.address})")
            click.echo("ready; press Ctrl-C to stop", err=True)
            click.echo("ready")

        async def main() -> None:
            stop = asyncio.Event()
            loop_ = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop_.add_signal_handler(sig, stop.set)
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
            await serve(
                devices,
                bus_address=address,
                stop_event=stop,
                on_ready=on_ready,
                link_loss_every_s=link_loss_every,
                seconds=seconds,
                timed_faults=timed_faults,
            )

        asyncio.run(main())
    finally:
        if bus is not None:
            bus.stop()
        stats = device_stats(devices)
        for entry in stats:
            click.echo(
                f"{entry['name']}: {entry['samples_generated']} samples generated, "
                f"{entry['packets_sent']} packets sent, {entry['packets_dropped']} dropped, "
                f"{entry['packets_overflowed']} overflowed, "
                f"{entry['packets_lost_to_link']} lost to link losses",
                err=True,
            )
        if stats_out is not None:
            stats_out.write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
