"""``repscope batch``: analyse folders of recordings into session, set and rep tables."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from repscope.cli._import_options import csv_import, import_options
from repscope.cli._names import EXERCISES, OUTPUT_FORMATS, PLACEMENTS
from repscope.cli.history import history_hook, history_option

if TYPE_CHECKING:
    from rich.console import Console

    from repscope.batch import BatchSummary

#: Environment variable naming the Dask scheduler (same as --scheduler).
SCHEDULER_ENV = "REPSCOPE_DASK_SCHEDULER"


def print_summary(summary: BatchSummary, console: Console, errors: Console) -> None:
    """Print the failures (one line each, on ``errors``) and the summary table."""
    from rich.table import Table

    for failure in summary.failures:
        errors.print(f"[red]failed[/red] {failure.path}: {failure.reason}", soft_wrap=True)
    table = Table(title="Batch summary", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    multiple = f"{summary.realtime_multiple:,.0f}x" if summary.recording_s > 0 else "-"
    table.add_row("recordings found", str(summary.files))
    table.add_row("analysed", str(summary.analysed))
    table.add_row("skipped (unchanged)", str(summary.skipped))
    table.add_row("failed", str(summary.failed))
    table.add_row(
        "sessions / sets / reps in output", f"{summary.sessions} / {summary.sets} / {summary.reps}"
    )
    table.add_row("recording time analysed", f"{summary.recording_s / 60:.1f} min")
    table.add_row("wall time", f"{summary.wall_s:.1f} s ({summary.executor})")
    table.add_row("worker time (CPU)", f"{summary.worker_s:.1f} s ({summary.worker_cpu_s:.1f} s)")
    table.add_row("multiple of real time", multiple)
    console.print(table)
    for name, path in summary.outputs.items():
        console.print(f"{name}: {path}")


@click.command(name="batch")
@click.argument("paths", nargs=-1, required=True, metavar="PATH|GLOB...")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder for sessions, sets and reps tables (also keeps the cache).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Local worker processes (default: number of CPUs; 1 runs in this process). "
    "With --scheduler: files in flight are twice this (default: the cluster's threads).",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    envvar=SCHEDULER_ENV,
    help=f"Run on this Dask distributed scheduler (or set {SCHEDULER_ENV}). "
    'Needs pip install "repscope[dask]"; workers must see the files at the same paths.',
)
@click.option(
    "--placement",
    type=click.Choice(PLACEMENTS),
    help="Where the sensor was worn, for every file (default: each file's metadata).",
)
@click.option(
    "--exercise",
    metavar="NAME",
    help=f"Exercise for every file: {', '.join(EXERCISES)} (default: each file's metadata).",
)
@click.option(
    "--tempo",
    metavar="E-B-C-T",
    help="Prescribed tempo for every file, e.g. 3-1-1-0 or 31X0.",
)
@click.option("--force", is_flag=True, help="Analyse every file again, even unchanged ones.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(OUTPUT_FORMATS),
    default="parquet",
    show_default=True,
    help="Format of the three output tables.",
)
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
@history_option
@import_options
def batch(
    paths: tuple[str, ...],
    out_dir: Path,
    workers: int | None,
    scheduler: str | None,
    placement: str | None,
    exercise: str | None,
    tempo: str | None,
    force: bool,
    fmt: str,
    no_progress: bool,
    history_db: str | None,
    columns: str | None,
    time_unit: str | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    csv_header: bool | None,
) -> None:
    """Analyse many recordings in parallel into sessions, sets and reps tables.

    PATH is a recording (repscope CSV or Parquet, MetaMotion export), a folder searched
    recursively for recordings (other CSV files, such as ground-truth tables, are
    skipped), or a quoted glob pattern ('data/**/*.csv'). Writes sessions, sets and reps
    (.parquet, or .csv with --format csv) to --out; every set and rep row carries its
    session's id, source path, athlete, exercise, load, placement and repscope version.
    Headerless numeric CSVs from other sensors are found and read with their layout told
    from the data; for CSVs with other column names, name the files and pass --columns
    and the unit options (see `repscope analyze --help`), which apply to every file.

    Files already analysed with the same content, options and repscope version are
    skipped (the cache is in --out/manifest.json); --force analyses them again. A file
    that cannot be analysed is reported with the reason and the batch goes on.

    Exit status: 0 when every file was analysed or skipped, 1 when some files failed,
    2 for bad usage (unknown option, no recordings found, unreachable scheduler).

    Example (a folder; a glob with options for every file; a Dask cluster):

    \b
        repscope batch sample_data --out results
        repscope batch 'sample_data/**/*.csv' --out results --placement bar --workers 2
        repscope batch sample_data --out results --scheduler tcp://10.0.0.5:8786
    """  # noqa: D301 (click needs the \b marker)
    from rich.console import Console

    from repscope.batch import run_batch

    history = history_hook(history_db)  # --history: opened (and checked) first
    summary = run_batch(
        paths,
        out_dir=out_dir,
        workers=workers,
        scheduler=scheduler or None,
        placement=placement,
        exercise=exercise,
        tempo=tempo,
        force=force,
        fmt=fmt,
        progress=not no_progress,
        on_session=history.on_session if history is not None else None,
        csv_import=csv_import(columns, time_unit, acc_unit, gyr_unit, csv_header),
    )
    if history is not None:
        history.close()
    print_summary(summary, Console(highlight=False), Console(stderr=True, highlight=False))
    if not summary.ok:
        click.get_current_context().exit(summary.exit_code)
