"""``repscope info``: what is in a recording file, and how trustworthy its timebase is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from repscope.cli._import_options import csv_import, import_options


def _fmt(value: Any, unit: str = "", digits: str = ".4g") -> str:
    if value is None:
        return "unknown"
    if isinstance(value, float):
        return f"{value:{digits}}{unit}"
    return f"{value}{unit}"


def _rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    tb = info["timebase"]
    units = info["units"]
    gaps = tb["gaps"]
    if gaps:
        first = gaps[0]
        gap_text = (
            f"{len(gaps)} ({tb['missing_samples']} samples, {tb['gap_time_s']:.2f} s); "
            f"first {first['start_s']:.3f}-{first['end_s']:.3f} s"
        )
    else:
        gap_text = "none"
    threshold = tb.get("gap_threshold_s")
    if threshold is not None and threshold == threshold:
        gap_text += f" (a gap: an interval over {threshold * 1e3:.3g} ms, 2 rhythm intervals)"
    rows = [
        ("file", info["file"]),
        ("format", info["format"]),
        ("metadata source", info["metadata_source"]),
        *_import_rows(info),
        ("device", _fmt(info["device"])),
        ("placement", _fmt(info["placement"])),
        ("exercise", _fmt(info["exercise"])),
        ("load", _fmt(info["load_kg"], " kg", "g")),
        ("athlete", _fmt(info["athlete"])),
        ("start (UTC)", _fmt(info["start_time_utc"])),
        ("duration", f"{info['duration_s']:.2f} s"),
        ("samples", str(info["n_samples"])),
        ("nominal rate", f"{tb['nominal_rate_hz']:g} Hz"),
        (
            "effective rate",
            f"{tb['effective_rate_hz']:.4g} Hz (median interval), "
            f"{tb['mean_rate_hz']:.4g} Hz (count/duration)",
        ),
        (
            "jitter",
            f"{tb['jitter_s'] * 1e3:.3f} ms std, p99 deviation "
            f"{tb['p99_interval_deviation_s'] * 1e3:.3f} ms",
        ),
        ("gaps", gap_text),
        ("duplicate timestamps", str(tb["duplicate_timestamps"])),
        ("stale rows", str(tb["stale_rows"])),
        (
            "units check",
            f"{'ok' if units['ok'] else 'SUSPECT'}: acceleration in g "
            f"(median |acc| {units['median_acc_magnitude_g']:.3f} g)",
        ),
        ("gyroscope", "yes" if info["has_gyro"] else "no (accelerometer only)"),
        *_recorder_rows(info),
    ]
    return rows


def _recorder_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    """Return a row saying whether a BLE recording was closed (``extra["ble"]["complete"]``).

    The rows of the data file are what is read and analysed; after a kill the sidecar's
    counters are those of its last update (up to a few seconds old, or from before the
    first sample), so they are shown as such, never used.
    """
    extra = info.get("extra") or {}
    ble = extra.get("ble") if isinstance(extra, dict) else None
    if not isinstance(ble, dict) or "complete" not in ble:
        return []
    if ble["complete"]:
        return [("recording", "closed normally by the recorder")]
    counted = ble.get("samples")
    stale = "" if counted is None else f"; its sidecar counted {counted} at its last update"
    return [
        (
            "recording",
            "NOT CLOSED: the recorder stopped without finishing (killed, crashed or power "
            f"lost); the {info['n_samples']} data rows are what is used{stale}",
        )
    ]


def _import_rows(info: dict[str, Any]) -> list[tuple[str, str]]:
    """Rows saying which columns were read as what, and how that was decided."""
    spec = info.get("import")
    if not spec:
        return []
    how = spec.get("how", {})
    gyr = (
        f"{', '.join(spec['gyr'])} in {spec['gyr_unit']} -> gyr_*_dps"
        if spec.get("gyr")
        else "none"
    )
    rows = [
        ("time column", f"{spec['time']} in {spec['time_unit']} -> time_s"),
        ("accelerometer", f"{', '.join(spec['acc'])} in {spec['acc_unit']} -> acc_*_g"),
        ("gyroscope columns", gyr),
    ]
    rows += [(f"  {name.replace('_', ' ')}", text) for name, text in how.items()]
    removed = info.get("stale_rows_removed")
    if removed is not None:
        read = info["extra"].get("rows_read", 0)
        share = f" ({100 * removed / read:.0f}% of {read} rows)" if read else ""
        rows.append(
            ("stale rows removed", f"{removed}{share}: same motion values as the row before")
        )
    return rows


@click.command("info")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print JSON only (for scripts).")
@click.option(
    "--allow-short",
    is_flag=True,
    help="Describe recordings shorter than 5 s / 50 samples instead of failing.",
)
@import_options
def info(
    file: Path,
    as_json: bool,
    allow_short: bool,
    columns: str | None,
    time_unit: str | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    csv_header: bool | None,
) -> None:
    """Describe a recording FILE: metadata, timebase quality and units.

    FILE is a repscope CSV (with its .json sidecar), a .parquet file or a MetaMotion
    CSV export (its accelerometer/gyroscope partner is found automatically). The format
    is detected from the content. Exits with status 2 and one line on stderr if the file
    cannot be used. FILE may also be a CSV from
    another sensor: name its columns with --columns (time, ax, ay, az[, gx, gy, gz], by
    header name or position from 1) and their units; what is not given is told from the
    data (a headerless numeric CSV needs no option), and `repscope info FILE` shows it.

    \b
    Example:
        repscope info sample_data/bench_ego.csv
        repscope info --json sample_data/curl_wrist_rushed.csv
        repscope info sample_data/other_sensor/bench_ego.csv --header
    """  # noqa: D301 (click needs the \b marker)
    from rich.console import Console
    from rich.table import Table

    from repscope.io import detect_format, ensure_analysable, read_recording
    from repscope.io.describe import describe_recording

    spec = csv_import(columns, time_unit, acc_unit, gyr_unit, csv_header)
    fmt = "generic" if spec is not None else detect_format(file)
    recording = read_recording(file, format=fmt, csv_import=spec)
    if not allow_short:
        ensure_analysable(recording, path=file)
    description = describe_recording(recording, path=file, fmt=fmt)
    if as_json:
        click.echo(json.dumps(description, indent=2, allow_nan=True))
        return
    table = Table(title=f"repscope info: {file.name}", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in _rows(description):
        table.add_row(name, value)
    Console().print(table)
