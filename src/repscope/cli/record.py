"""``repscope record``: record one or several live BLE sensors to project CSV files."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path

import click

from repscope.cli._names import PLACEMENTS
from repscope.cli.history import add_recordings, check_history, history_option
from repscope.errors import InputError


def _parse_device(entry: str) -> tuple[str | None, str]:
    """``LABEL=DEVICE`` or ``DEVICE`` -> (label or None, device)."""
    label, sep, device = entry.partition("=")
    if not sep:
        return None, entry.strip()
    if not label.strip() or not device.strip():
        raise InputError(f"cannot read --device {entry!r}", hint="Write LABEL=NAME or NAME.")
    return label.strip(), device.strip()


@click.command("record")
@click.option(
    "--device",
    "devices",
    multiple=True,
    required=True,
    metavar="[LABEL=]NAME|ADDRESS",
    help="Sensor to record, by advertised name or address; repeat for several. "
    "An optional LABEL names its file (bar=..., wrist=... also set the placement).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Output CSV. With several sensors: OUT-stem.LABEL.csv for each.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop after this long (default: until Ctrl-C).",
)
@click.option(
    "--rate-hz",
    type=float,
    default=100.0,
    show_default=True,
    help="Sampling rate to configure on every sensor.",
)
@click.option(
    "--raw-out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also keep every notification (JSON lines) for replay.",
)
@click.option("--athlete", default=None, help="Athlete name or id (metadata).")
@click.option("--exercise", default=None, help="Exercise, e.g. bench (metadata).")
@click.option("--load-kg", type=click.FloatRange(min=0), default=None, help="Load (metadata).")
@click.option(
    "--placement",
    type=click.Choice(PLACEMENTS),
    default=None,
    help="Where the sensor is worn (one sensor; with several, use bar=/wrist= labels).",
)
@click.option(
    "--scan-seconds",
    type=click.FloatRange(min=0.1),
    default=4.0,
    show_default=True,
    help="How long to scan for the sensors first.",
)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@history_option
def record(
    devices: tuple[str, ...],
    out: Path,
    seconds: float | None,
    rate_hz: float,
    raw_out: Path | None,
    athlete: str | None,
    exercise: str | None,
    load_kg: float | None,
    placement: str | None,
    scan_seconds: float,
    force: bool,
    history_db: str | None,
) -> None:
    """Record live sensors to project CSV files (crash-safe: rows are on disk within 0.25 s).

    Connection losses are survived (the recorder reconnects and the gap is listed in the
    JSON sidecar). Stop with Ctrl-C or --seconds.

    \b
    Examples:
        repscope record --device repscope-diy-1 --out bench.csv --seconds 60 --exercise bench
        repscope record --device bar=WT901BLE67 --device wrist=C0:FF:EE:00:00:02 --out s.csv
    """  # noqa: D301 (click needs the \b marker)
    import asyncio

    from repscope.ble.recorder import RecordTarget, SessionInfo, record_session, safe_label
    from repscope.ble.transport import pick_devices, scan

    parsed = [_parse_device(entry) for entry in devices]
    if placement is not None and len(parsed) > 1:
        raise InputError(
            "--placement applies to one sensor",
            where="--placement",
            hint="With several sensors, label them bar=... and wrist=... instead.",
        )
    check_history(history_db)  # a bad --history file fails before the recording, not after
    recorded: list[Path] = []

    async def main() -> None:
        click.echo(f"scanning for {scan_seconds:g} s ...", err=True)
        found = await scan(timeout_s=scan_seconds)
        chosen = pick_devices(found, [name for _, name in parsed])
        targets = []
        for (label, _), device in zip(parsed, chosen, strict=True):
            name = safe_label(label or device.name or device.address.replace(":", ""))
            where = placement if placement else (name if name in PLACEMENTS else None)
            targets.append(RecordTarget(name, device, where))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)

        def on_event(event: object) -> None:
            kind = getattr(event, "kind", "")
            if kind in ("disconnected", "connected", "retry"):
                detail = getattr(event, "detail", "")
                click.echo(f"{getattr(event, 'device', '')}: {kind} {detail}".rstrip(), err=True)

        def on_progress(counts: dict[str, int]) -> None:
            if sys.stderr.isatty():
                text = ", ".join(f"{k} {v} samples" for k, v in counts.items())
                click.echo(f"recording: {text}", err=True)

        click.echo("recording; press Ctrl-C to stop", err=True)
        summary = await record_session(
            targets,
            out=out,
            sampling_rate_hz=rate_hz,
            info=SessionInfo(athlete=athlete, exercise=exercise, load_kg=load_kg),
            seconds=seconds,
            raw_out=raw_out,
            overwrite=force,
            stop_event=stop,
            on_event=on_event,
            on_progress=on_progress,
        )
        for label, path in summary.files.items():
            stats = summary.stats[label]
            click.echo(
                f"{label}: {summary.samples[label]} samples -> {path} "
                f"({len(stats.gaps)} gap(s), {stats.missing_samples} samples missing, "
                f"{stats.malformed_packets} malformed packet(s), "
                f"{stats.link_losses} link loss(es))"
            )
        recorded.extend(summary.files.values())

    asyncio.run(main())
    if history_db is not None:  # analysed after recording; a file that fails is kept
        add_recordings(recorded, history_db)
