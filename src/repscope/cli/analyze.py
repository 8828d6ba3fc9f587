"""``repscope analyze``: sets, reps, tempo phases, velocity and flags of one recording."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from repscope.cli._import_options import csv_import, import_options
from repscope.cli._names import EXERCISES, PLACEMENTS
from repscope.cli._options import DEFAULT_DPI, dpi_option, reference_set_option, stop_at_loss_option
from repscope.cli._vbt import UNITS, profile_lines, reference_lines, vbt_line
from repscope.cli.report import check_report_path
from repscope.errors import InputError
from repscope.tempo import PHASES as TEMPO_PHASES
from repscope.tempo import format_phases, parse_tempo

if TYPE_CHECKING:
    from rich.console import Console

    from repscope.analysis import SessionAnalysis


def __getattr__(name: str) -> Any:
    # REPS_OUT_COLUMNS, the columns of ``--reps-out`` (repscope.analysis.tables), is
    # looked up on use so that importing this module does not import the analysis.
    if name == "REPS_OUT_COLUMNS":
        from repscope.analysis.tables import REP_COLUMNS

        return REP_COLUMNS
    raise AttributeError(name)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def write_reps_csv(result: SessionAnalysis, path: Path) -> None:
    """Write the rep table, one row per rep, empty cells for missing values."""
    from repscope.analysis.tables import REP_COLUMNS

    frame = result.reps[list(REP_COLUMNS)].copy()
    try:
        frame.to_csv(path, index=False, float_format="%.4f", na_rep="")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", path=path) from None


def no_reps_reason(provenance: dict[str, Any]) -> str:
    """Say what the analysis saw in a recording where it counted no rep, and why."""
    seen = []
    for stretch in provenance.get("stretches", []):
        for bout in stretch.get("bouts", []):
            period, regular = bout.get("rep_period_s"), bout.get("periodicity")
            if period is None or regular is None:
                continue
            where = f"{bout['start_s']:.1f}-{bout['end_s']:.1f} s"
            why = bout.get("rejected") or (
                "its cycles were too small or too quiet against the set's typical"
                if not bout.get("cycles")
                else "its reps were not kept"
            )
            seen.append(
                f"movement with a {period:.1f} s rhythm (periodicity {regular:.2f}) at {where}, "
                f"not counted: {why}"
            )
    if not seen:
        return "no repeated movement was found in this recording."
    return "; ".join(seen) + ". Check --exercise and --placement."


def print_tables(
    result: SessionAnalysis,
    console: Console,
    *,
    units: str = "kg",
    stop_at_loss: float | None = None,
) -> None:
    """Print one table per set, then its flagged reps in words, verdict and next set.

    Each flagged rep is a line of plain words with the rule's evidence
    (:data:`repscope.analysis.flags.FLAG_WORDS` and the reason); the set ends with its
    verdict, tempo consistency, velocity loss, confidence, the velocity-based training
    line (loads in ``units``, kg or lb) and the "next set" line
    (:mod:`repscope.analysis.advice`).
    """
    from rich.table import Table

    from repscope.analysis.advice import advise_set, rep_flags
    from repscope.analysis.flags import FLAG_WORDS, VERDICT_WORDS

    prov = result.provenance
    console.print(
        f"[bold]{prov['exercise']}[/bold] ({prov['placement']}, "
        f"{prov['sampling_rate_hz']:g} Hz, {prov['device']})"
        + (f", prescribed tempo {prov['tempo']}" if prov["tempo"] else "")
    )
    if result.sets.empty:
        console.print(f"No sets found: {no_reps_reason(prov)}")
        return
    for set_row in result.sets.to_dict(orient="records"):
        number = set_row["set"]
        reps = result.reps[result.reps["set"] == number].to_dict(orient="records")
        table = Table(
            title=(
                f"Set {number}: {set_row['n_reps']} reps, "
                f"{_fmt(set_row['start_s'])}-{_fmt(set_row['end_s'])} s, "
                f"mean tempo {set_row['tempo_code']}"
            ),
            title_justify="left",
        )
        for name in (
            "rep",
            "tempo E-B-C-T (s)",
            "ROM (m)",
            "MCV/MPV (m/s)",
            "confidence",
            "faults (#)",
        ):
            table.add_column(name, justify="left" if name == "confidence" else "right")
        for rep in reps:
            tempo = format_phases(rep[f"{phase}_s"] for phase in TEMPO_PHASES)
            table.add_row(
                str(rep["rep"]),
                tempo,
                _fmt(rep["rom_m"], 2),
                f"{_fmt(rep['mean_concentric_velocity_mps'], 2)}/"
                f"{_fmt(rep['mean_propulsive_velocity_mps'], 2)}",
                str(rep["confidence"]),
                str(len(rep_flags(rep)) or "-"),
            )
        console.print(table)
        flagged = [(rep["rep"], rep_flags(rep)) for rep in reps if rep_flags(rep)]
        for k, found in flagged:
            words = "; ".join(
                FLAG_WORDS.get(f, f) + (f" ({why})" if why else "") for f, why in found
            )
            console.print(f"  rep {k}: {words}", overflow="fold")
        if not flagged:
            console.print("  no rep was flagged")
        reasons = str(set_row["verdict_reasons"]).replace(";", "; ")
        verdict = VERDICT_WORDS.get(str(set_row["verdict"]), str(set_row["verdict"]))
        console.print(f"  verdict: [bold]{verdict}[/bold] ({reasons})")
        loss = set_row["velocity_loss"]
        console.print(
            f"  tempo consistency {_fmt(set_row['tempo_consistency'], 0)}/100; "
            f"velocity loss {_fmt(100 * loss if loss == loss else loss, 0)}%"
        )
        why = "; ".join(r for r in str(set_row["confidence_reasons"]).split(";") if r)
        console.print(f"  confidence: {set_row['confidence']}" + (f" ({why})" if why else ""))
        set_reps = result.reps[result.reps["set"] == number]
        console.print("  " + vbt_line(set_row, set_reps, units=units), markup=False)
        advice = advise_set(
            reps, {str(k): v for k, v in set_row.items()}, prov, stop_at_loss=stop_at_loss
        )
        console.print(f"  [bold]{advice.line}[/bold]")


@click.command(name="analyze")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--placement",
    type=click.Choice(PLACEMENTS),
    help="Where the sensor was worn (default: from the file's metadata).",
)
@click.option(
    "--exercise",
    metavar="NAME",
    help=f"Exercise: {', '.join(EXERCISES)} (default: from the file's metadata).",
)
@click.option(
    "--tempo",
    metavar="E-B-C-T",
    help="Prescribed tempo, e.g. 3-1-1-0, 31X0 or 3-1-X-1 (X: as fast as possible).",
)
@click.option(
    "--reps-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one row per rep to this CSV file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print sets, reps and provenance as JSON.")
@click.option(
    "--set-loads",
    "set_loads",
    metavar="LOADS",
    help="Load on the bar, one for all sets (100) or one per set in order (60,80,100), "
    "in --units. Gives power per rep and, with 3 or more loads, a same-day load-velocity "
    "profile with an estimated 1RM. Default: the file's metadata (set_loads_kg, load_kg).",
)
@click.option(
    "--mvt",
    "mvt_mps",
    type=float,
    metavar="M/S",
    help="Minimum velocity threshold (the velocity of this lifter's 1RM) for the 1RM and "
    "reps-in-reserve estimates; default bench 0.16, squat 0.24, none for other exercises.",
)
@reference_set_option
@click.option(
    "--reference-recording",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The lifter's baseline from another recording of the same exercise (e.g. a "
    "warm-up or normal set recorded on its own), read with the same options: every set "
    "here is compared with its set (--reference-set N picks one of several).",
)
@click.option(
    "--units",
    type=click.Choice(UNITS),
    default="kg",
    show_default=True,
    help="Unit of loads in --set-loads and on screen (JSON and CSV stay in kg).",
)
@click.option(
    "--report",
    "report_out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=check_report_path,
    help="Also draw the report: OUT.pdf (summary + one page per set), OUT.png or OUT.svg "
    "(one set: OUT; several: OUT-set1.png, ... and OUT-summary.png). See `repscope report`.",
)
@dpi_option
@stop_at_loss_option(
    "a set past it is told to end sooner, and --report draws it against each rep's "
    "velocity loss (default: the 40% 'fatigued' line)"
)
@import_options
def analyze(
    file: Path,
    placement: str | None,
    exercise: str | None,
    tempo: str | None,
    reps_out: Path | None,
    as_json: bool,
    set_loads: str | None,
    mvt_mps: float | None,
    reference_set: int | None,
    reference_recording: Path | None,
    units: str,
    report_out: Path | None,
    dpi: float | None,
    stop_at_loss: float | None,
    columns: str | None,
    time_unit: str | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    csv_header: bool | None,
) -> None:
    """Split FILE into sets and reps and measure every rep.

    For each rep: the four tempo phases (eccentric, bottom pause, concentric, top pause),
    range of motion, mean and peak concentric velocity, mean propulsive velocity, power
    (with a load), smoothness (LDLJ, SPARC) and its faults in plain words with their
    evidence (rushed the lowering, bounced out of the bottom, cut the range short, ground
    out, swung off line, moved jerkily, missed the tempo). Each set gets a verdict
    (controlled, ego lifting, grinding, partial reps, fatigued, ...) with its reasons, and
    every rep
    and set a confidence (high, medium, low) with its reasons: a flag the data cannot
    resolve is not raised, and the reasons say why. With loads
    (--set-loads or the file's metadata), sets at 3 or more loads give a same-day
    load-velocity profile and an estimated 1RM; sets of 4 or more reps an estimate of
    the reps in reserve from their velocity loss, or the reason there is none.

    FILE is a repscope CSV or Parquet recording, a MetaMotion export, or a CSV from
    another sensor: name its columns with --columns (time, ax, ay, az[, gx, gy, gz], by
    header name or position from 1) and their units; what is not given is told from the
    data (a headerless numeric CSV needs no option), and `repscope info FILE` shows it.

    \b
    Examples:
        repscope analyze sample_data/bench_3110_controlled.csv --tempo 3-1-1-0
        repscope analyze sample_data/bench_3110_controlled.csv --set-loads 175 --units lb
        repscope analyze sample_data/bench_ego.csv --report ego.png --dpi 100 \\
            --stop-at-loss 20%
        repscope analyze sample_data/other_sensor/bench_ego.csv --placement bar \\
            --exercise bench --columns t_ms,ax,ay,az,gx,gy,gz --time-unit ms \\
            --acc-unit m/s2 --gyr-unit rad/s
    """  # noqa: D301 (click needs the \b marker)
    from rich.console import Console

    from repscope.analysis import analyze_recording
    from repscope.analysis.reference import (
        compare_with_recording,
        compare_with_reference,
        reference_set_of,
    )
    from repscope.analysis.vbt import parse_loads
    from repscope.analysis.vbt_step import same_day_profile, with_velocity_based_training
    from repscope.io import ensure_analysable, read_recording

    if tempo is not None:
        parse_tempo(tempo)  # fail early with a clear message
    loads_kg = parse_loads(set_loads, unit=units) if set_loads is not None else None
    spec = csv_import(columns, time_unit, acc_unit, gyr_unit, csv_header)

    def analysed(path: Path, placement: str | None, exercise: str | None) -> SessionAnalysis:
        """Read, check and analyse one recording; its errors name its file."""
        recording = read_recording(path, csv_import=spec)
        ensure_analysable(recording, path=path)
        try:
            return analyze_recording(recording, placement=placement, exercise=exercise, tempo=tempo)
        except InputError as exc:
            raise exc.with_path(path) from None

    result = analysed(file, placement, exercise)
    try:
        if loads_kg is not None or mvt_mps is not None:
            result = with_velocity_based_training(result, set_loads_kg=loads_kg, mvt_mps=mvt_mps)
        if reference_recording is None:
            reference, why_reference = reference_set_of(result.sets, reference_set)
    except InputError as exc:
        raise exc.with_path(file) from None
    if reference_recording is not None:
        baseline = analysed(
            reference_recording,
            str(result.provenance["placement"]),
            str(result.provenance["exercise"]),
        )
        try:
            number, why, drifts = compare_with_recording(
                result.reps, baseline.reps, baseline.sets, reference_set=reference_set
            )
        except InputError as exc:
            raise exc.with_path(reference_recording) from None
        reference = None
        reference_label = f"set {number} of {reference_recording.name}"
        why_reference = why
    else:
        drifts = compare_with_reference(result.reps, reference=reference) if reference else []
        reference_label = f"set {reference}"
    profile = same_day_profile(
        result.sets, exercise=str(result.provenance["exercise"]), mvt_mps=mvt_mps
    )
    if reps_out is not None:
        write_reps_csv(result, reps_out)
    report_files = []
    if report_out is not None:
        from repscope.report import write_report  # matplotlib only when a report is asked for

        report_files = write_report(
            result, report_out, title=file.name, stop_at_loss=stop_at_loss,
            dpi=DEFAULT_DPI if dpi is None else dpi, reference_set=reference,
        )  # fmt: skip
    if as_json:
        document = {
            **result.to_json_dict(),
            "load_velocity_profile": profile.to_dict(),
            "reference_comparison": {
                "reference_set": reference,
                "reference": reference_label,
                "reference_recording": reference_recording,
                "why": why_reference,
                "drifts": [dataclasses.asdict(d) for d in drifts],
            },
        }
        click.echo(json.dumps(document, indent=2, default=_json_default))
        return
    console = Console(highlight=False)
    print_tables(result, console, units=units, stop_at_loss=stop_at_loss)
    if len({load for _, load, _ in profile.points}) >= 2:  # a ramp: one load says nothing
        for line in profile_lines(profile, units=units):
            console.print(line)
    sets_compared = [int(n) for n in result.sets["set"] if int(n) != reference]
    compared_with = reference is not None or reference_recording is not None
    if compared_with and sets_compared:
        for line in reference_lines(reference_label, why_reference, sets_compared, drifts):
            console.print(line, markup=False)
    if reps_out is not None:
        console.print(f"Rep table written to {reps_out}")
    for report_file in report_files:
        console.print(f"Report written to {report_file}")


def _json_default(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, Path):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
