"""``repscope scan``: list the BLE IMUs in range that repscope can record."""

from __future__ import annotations

import json

import click

from repscope.cli._names import DEVICE_FAMILIES


@click.command("scan")
@click.option(
    "--seconds",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="How long to listen for advertisements.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only (for scripts).")
def scan(seconds: float, as_json: bool) -> None:
    """List nearby sensors of the supported families, strongest signal first.

    Connected sensors do not advertise; they are listed with an unknown RSSI.
    Without hardware, try it against the emulator (see `repscope emulate --help`).

    \b
    Example:
        repscope scan --seconds 3
    """  # noqa: D301 (click needs the \b marker)
    import asyncio

    from repscope.ble.transport import scan as ble_scan

    found = asyncio.run(ble_scan(timeout_s=seconds))
    rows = [
        {
            "address": f.address,
            "name": f.name,
            "family": f.driver,
            "rssi_dbm": f.rssi_dbm,
            "connected": f.connected,
        }
        for f in found
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(
            f"No sensor found in {seconds:g} s (families: {', '.join(DEVICE_FAMILIES)}). "
            "Check that it is on, charged and not connected to a phone."
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} sensor(s)")
    for column in ("address", "name", "family", "RSSI"):
        table.add_column(column)
    for f in found:
        rssi = "connected" if f.rssi_dbm is None else f"{f.rssi_dbm} dBm"
        table.add_row(f.address, f.name or "-", f.driver, rssi)
    Console().print(table)
