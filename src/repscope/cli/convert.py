"""``repscope convert``: rewrite a recording as repscope CSV or Parquet, setting metadata."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from repscope.errors import InputError
from repscope.io import read_recording, write_recording
from repscope.io.project_csv import sidecar_path
from repscope.recording import PLACEMENTS


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
@click.option("--force", is_flag=True, help="Overwrite OUT (and its .json sidecar) if they exist.")
def convert(
    source: Path,
    target: Path,
    fmt: str | None,
    placement: str | None,
    exercise: str | None,
    load_kg: float | None,
    athlete: str | None,
    force: bool,
) -> None:
    """Convert recording IN to OUT (repscope CSV + .json sidecar, or Parquet).

    IN may be any format `repscope info` reads, including MetaMotion exports, which
    carry no placement, exercise or load: set them here. Values read exactly and are
    written exactly (float64 round trip). An existing OUT (or, for CSV, its .json
    sidecar) is not overwritten without --force.

    \b
    Example:
        repscope convert A-bench-heavy_..._Accelerometer_12.500Hz_1.4.4.csv bench.parquet \\
            --placement wrist --exercise bench --load-kg 80
    """  # noqa: D301 (click needs the \b marker)
    if not force:
        _refuse_existing(target, fmt)
    recording = read_recording(source)
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
