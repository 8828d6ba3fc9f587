"""``repscope convert``: rewrite a recording as repscope CSV or Parquet, setting metadata."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from repscope.cli._import_options import csv_import, import_options
from repscope.cli._names import PLACEMENTS
from repscope.errors import InputError


@click.command("convert")
@click.argument("source", metavar="IN", type=click.Path(path_type=Path))
@click.argument("target", metavar="OUT", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default=None,
    help="Output format; default: from OUT's extension (.csv or .parquet).",
)
@click.option("--placement", type=click.Choice(PLACEMENTS), help="Where the IMU was worn.")
@click.option("--exercise", help="Exercise name, e.g. bench, squat, deadlift.")
@click.option("--load-kg", type=float, help="Load on the bar in kg.")
@click.option("--athlete", help="Athlete name or id.")
@import_options
@click.option("--force", is_flag=True, help="Overwrite OUT (and its .json sidecar) if they exist.")
def convert(
    source: Path,
    target: Path,
    fmt: str | None,
    placement: str | None,
    exercise: str | None,
    load_kg: float | None,
    athlete: str | None,
    columns: str | None,
    time_unit: str | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    csv_header: bool | None,
    force: bool,
) -> None:
    """Convert recording IN to OUT (repscope CSV + .json sidecar, or Parquet).

    IN may be any format `repscope info` reads, including MetaMotion exports, which
    carry no placement, exercise or load: set them here. Values read exactly and are
    written exactly (float64 round trip). IN may also be a CSV from
    another sensor: name its columns with --columns (time, ax, ay, az[, gx, gy, gz], by
    header name or position from 1) and their units; what is not given is told from the
    data (a headerless numeric CSV needs no option), and `repscope info FILE` shows it.
    An existing OUT (or, for CSV, its .json sidecar) is not overwritten without --force.

    \b
    Examples (a MetaMotion export is converted the same way):
        repscope convert sample_data/bench_ego.csv bench.parquet --placement bar --load-kg 80
        repscope convert sample_data/other_sensor/bench_ego.csv other.parquet \\
            --columns 2,3,4,5,6,7,8 --placement bar --exercise bench
    """  # noqa: D301 (click needs the \b marker)
    if not force:
        _refuse_existing(target, fmt)
    from repscope.io import read_recording, write_recording

    recording = read_recording(
        source, csv_import=csv_import(columns, time_unit, acc_unit, gyr_unit, csv_header)
    )
    changes: dict[str, object] = {}
    if placement is not None:
        changes["placement"] = placement
    if exercise is not None:
        changes["exercise"] = exercise
    if load_kg is not None:
        changes["load_kg"] = load_kg
    if athlete is not None:
        changes["athlete"] = athlete
    if changes:
        meta = dataclasses.replace(recording.meta, **changes)  # type: ignore[arg-type]
        meta.validate(path=str(source))
        recording = dataclasses.replace(recording, meta=meta)
    written = write_recording(recording, target, format=fmt)
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"{recording.n_samples} samples, {recording.duration_s:.2f} s, "
        f"{recording.meta.sampling_rate_hz:g} Hz, gyroscope {'yes' if recording.has_gyro else 'no'}"
    )


def _refuse_existing(target: Path, fmt: str | None) -> None:
    """Raise a one-line error if convert would overwrite a file (OUT or its sidecar)."""
    from repscope.io.project_csv import sidecar_path

    outputs = [target]
    if (fmt or target.suffix.lower().lstrip(".")) == "csv":
        outputs.append(sidecar_path(target))
    for path in outputs:
        if path.exists():
            raise InputError(
                "already exists",
                path=path,
                hint="Give --force to overwrite it, or choose another OUT.",
            )
