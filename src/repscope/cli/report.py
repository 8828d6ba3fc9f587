"""``repscope report``: set and session reports of one or more recordings (PDF, PNG, SVG)."""

from __future__ import annotations

from pathlib import Path

import click

from repscope.cli._import_options import csv_import, import_options
from repscope.cli._names import EXERCISES, PLACEMENTS
from repscope.cli._options import DEFAULT_DPI, dpi_option, reference_set_option, stop_at_loss_option
from repscope.errors import InputError
from repscope.tempo import parse_tempo


def check_report_path(
    ctx: click.Context | None, param: click.Parameter | None, value: Path | None
) -> Path | None:
    """Click callback: fail before any analysis when the report's extension is unknown."""
    from repscope.report.writer import report_format

    if value is not None:
        report_format(value)
    return value


@click.command(name="report")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Report file: .pdf (all recordings), .png or .svg (one recording).",
)
@click.option(
    "--placement",
    type=click.Choice(PLACEMENTS),
    help="Where the sensor was worn (default: from each file's metadata).",
)
@click.option(
    "--exercise",
    metavar="NAME",
    help=f"Exercise: {', '.join(EXERCISES)} (default: from each file's metadata).",
)
@click.option(
    "--tempo",
    metavar="E-B-C-T",
    help="Prescribed tempo drawn against each rep's phases, e.g. 3-1-1-0 or 31X0.",
)
@stop_at_loss_option(
    "the reports draw it against each rep's velocity loss and tell a set past it to end "
    "sooner (default: the 40% 'fatigued' line)"
)
@dpi_option
@reference_set_option
@import_options
def report(
    files: tuple[Path, ...],
    out: Path,
    placement: str | None,
    exercise: str | None,
    tempo: str | None,
    stop_at_loss: float | None,
    dpi: float | None,
    reference_set: int | None,
    columns: str | None,
    time_unit: str | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    csv_header: bool | None,
) -> None:
    """Analyse each FILE and draw its report: a summary page, then one page per set.

    A set page (A4 landscape) shows the bar's height and velocity with every rep's phases
    shaded (lowering, bottom pause, lifting, top pause) and its flags, the tempo of each
    rep against the prescribed tempo, bar speed, velocity loss against the stop line, a
    table of every rep, the flags in plain words with their evidence, and the bar path,
    under a header with the verdict, the confidence, the reps in reserve (an estimate,
    with its source), how the set drifts from the lifter's baseline set (--reference-set)
    and the "Next set" line. The summary page sets every set side by side: bar speed per
    rep, tempo, tempo consistency, velocity loss, flagged reps and a table with each
    set's reps in reserve and next-set advice, then each set's drift from the baseline.

    PDF: one file with every recording's summary and set pages. PNG/SVG (one FILE only):
    one page per file; a single set is written to OUT itself, several sets to
    OUT-set1.png, OUT-set2.png, ... plus OUT-summary.png; no sets to OUT (a "No reps
    detected" page). Files are reproducible: the same input gives identical bytes.
    FILE may also be a CSV from
    another sensor: name its columns with --columns (time, ax, ay, az[, gx, gy, gz], by
    header name or position from 1) and their units; what is not given is told from the
    data (a headerless numeric CSV needs no option), and `repscope info FILE` shows it.

    \b
    Example:
        repscope report sample_data/squat_session.csv --out squat.pdf --tempo 3-1-X-0
        repscope report sample_data/bench_ego.csv --out ego.png --dpi 200 \\
            --stop-at-loss 20%
    """  # noqa: D301 (click needs the \b marker)
    from repscope.analysis import analyze_recording
    from repscope.io import ensure_analysable, read_recording
    from repscope.report import report_format, write_pdf_report, write_report

    report_format(out)
    if len(files) > 1 and report_format(out) != "pdf":
        raise InputError(
            "several recordings go into one .pdf report",
            path=out,
            hint="Use --out NAME.pdf, or run once per file for PNG/SVG.",
        )
    if tempo is not None:
        parse_tempo(tempo)
    spec = csv_import(columns, time_unit, acc_unit, gyr_unit, csv_header)
    results = []
    for file in files:
        recording = read_recording(file, csv_import=spec)
        ensure_analysable(recording, path=file)
        try:
            results.append(
                analyze_recording(recording, placement=placement, exercise=exercise, tempo=tempo)
            )
        except InputError as exc:
            raise exc.with_path(file) from None
    titles = [f.name for f in files]
    if report_format(out) == "pdf":
        written = write_pdf_report(
            results, out, titles=titles, stop_at_loss=stop_at_loss, reference_set=reference_set
        )
    else:
        written = write_report(
            results[0], out, title=titles[0], stop_at_loss=stop_at_loss,
            dpi=DEFAULT_DPI if dpi is None else dpi, reference_set=reference_set,
        )  # fmt: skip
    for path in written:
        click.echo(f"Report written to {path}")
