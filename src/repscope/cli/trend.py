"""``repscope trend``: one athlete's lift across the sessions of the training history."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from repscope.cli._names import DEFAULT_MVT_MPS
from repscope.cli._options import DEFAULT_DPI, dpi_option
from repscope.cli._vbt import KG_PER_LB, UNITS, fmt_load
from repscope.cli.history import check_date, db_option
from repscope.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console

    from repscope.history.trends import TrendResult


def _fmt(value: float | None, digits: int = 1, scale: float = 1.0) -> str:
    if value is None or not math.isfinite(float(value)):
        return "-"
    return f"{float(value) * scale:.{digits}f}"


def check_trend_path(
    ctx: click.Context | None, param: click.Parameter | None, value: Path | None
) -> Path | None:
    """Click callback: fail before reading the history when the extension is unknown."""
    from repscope.report.writer import report_format

    if value is not None:
        report_format(value)
    return value


def print_trends(result: TrendResult, console: Console, *, units: str = "kg") -> None:
    """Print the per-session table, the velocity at a load and the 1RM estimate.

    Loads are shown in ``units`` (``kg`` or ``lb``).
    """
    from rich.table import Table

    per_unit = KG_PER_LB if units == "lb" else 1.0

    summary = result.summary
    table = Table(
        title=f"{result.athlete or 'athlete not recorded'}, {result.exercise}: "
        f"{len(summary)} session{'s' if len(summary) != 1 else ''}",
        title_justify="left",
    )
    for name in (
        "date",
        f"load ({units})",
        "reps",
        "mean tempo E-B-C-T (s)",
        "CV ecc (%)",
        "CV con (%)",
        "flagged (%)",
        "velocity (m/s)",
    ):
        table.add_column(
            name, justify="left" if name in ("date", "mean tempo E-B-C-T (s)") else "right"
        )
    for row in summary.to_dict(orient="records"):
        tempo = "-".join(
            _fmt(row[f"mean_{p}_s"])
            for p in ("eccentric", "bottom_pause", "concentric", "top_pause")
        )
        table.add_row(
            row["date"] or "-",
            _fmt(row["load_kg"], 1, 1.0 / per_unit),
            str(row["n_reps"]),
            tempo,
            _fmt(row["cv_eccentric"], 0, 100.0),
            _fmt(row["cv_concentric"], 0, 100.0),
            _fmt(row["flagged_rep_rate"], 0, 100.0),
            _fmt(row["session_velocity_mps"], 2),
        )
    console.print(table)
    console.print(
        "velocity: mean over sets of each set's fastest mean concentric velocity; "
        "CV: standard deviation over mean of the phase's duration over the session's reps"
    )
    at_load = result.at_load
    if result.load_kg is not None and len(at_load):
        v = at_load["session_velocity_mps"].to_numpy(float)
        change = f", change {v[-1] - v[0]:+.2f} m/s" if len(v) > 1 else ""
        console.print(
            f"Velocity at {fmt_load(result.load_kg, units)}: "
            f"{len(v)} session{'s' if len(v) != 1 else ''}, "
            f"first {v[0]:.2f} m/s, last {v[-1]:.2f} m/s{change}"
        )
    estimate = result.estimate
    if estimate is None:
        console.print(f"[bold]No 1RM estimate[/bold]: {result.refusal}")
        return
    console.print(
        f"Load-velocity profile: v = {estimate.intercept_mps:.3f} "
        f"{estimate.slope_mps_per_kg * per_unit:+.4f} x load (m/s, {units}), "
        f"r^2 {estimate.r_squared:.2f}, residual SD {estimate.residual_sd_mps:.3f} m/s, "
        f"{estimate.n_points} sessions at {estimate.n_loads} loads "
        f"({fmt_load(estimate.min_load_kg, units)} to {fmt_load(estimate.max_load_kg, units)})"
    )
    level = f"{100 * estimate.confidence:g}%"
    interval = (
        f"{level} CI {fmt_load(estimate.ci_low_kg, units)} to "
        f"{fmt_load(estimate.ci_high_kg, units)}"
        if estimate.bounded
        else f"{level} CI unbounded: velocity does not fall clearly enough with load"
    )
    console.print(
        "[bold]Estimated 1RM (an estimate, not a measured lift): "
        f"{fmt_load(estimate.one_rm_kg, units)}"
        f"[/bold] ({interval}), where the line reaches {estimate.threshold.mvt_mps:g} m/s "
        f"[{estimate.threshold.source}]"
    )
    if estimate.mvt_range_kg is not None and estimate.threshold.sd_mps:
        low, high = sorted(estimate.mvt_range_kg)
        console.print(
            f"  The 1RM velocity differs between athletes (SD {estimate.threshold.sd_mps:g} m/s "
            f"in that study); at {estimate.threshold.mvt_mps:g} ± "
            f"{estimate.threshold.sd_mps:g} m/s the estimate is {fmt_load(low, units)} to "
            f"{fmt_load(high, units)}."
        )
    beyond = estimate.one_rm_kg / estimate.max_load_kg - 1.0
    if beyond > 0.25:
        console.print(
            f"  The estimate lies {100 * beyond:.0f}% above the heaviest load lifted; "
            "heavier sessions would make it more reliable."
        )


@click.command("trend")
@click.option("--exercise", required=True, metavar="NAME", help="The exercise, e.g. bench.")
@click.option(
    "--athlete",
    default=None,
    help="The athlete (may be left out when the history holds one athlete for the exercise).",
)
@db_option
@click.option(
    "--since", default=None, metavar="YYYY-MM-DD", callback=check_date, help="First date (UTC)."
)
@click.option(
    "--until", default=None, metavar="YYYY-MM-DD", callback=check_date, help="Last date (UTC)."
)
@click.option(
    "--load",
    "load_kg",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="LOAD",
    help="Load of the velocity-at-load trend, in --units (default: the most common load).",
)
@click.option(
    "--mvt",
    "mvt_mps",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="M/S",
    help="Minimum velocity threshold (velocity of a 1RM lift) for the 1RM estimate; default "
    + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_MVT_MPS.items())
    + " m/s, required for other exercises.",
)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 0.999),
    default=0.95,
    show_default=True,
    help="Level of the 1RM's confidence interval.",
)
@click.option(
    "--units",
    type=click.Choice(UNITS),
    default="kg",
    show_default=True,
    help="Unit of --load and of loads on screen (the trends page stays in kg).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=check_trend_path,
    help="Also draw the trends page: OUT.pdf, OUT.png or OUT.svg.",
)
@dpi_option
def trend(
    exercise: str,
    athlete: str | None,
    db: Path | None,
    since: str | None,
    until: str | None,
    load_kg: float | None,
    mvt_mps: float | None,
    confidence: float,
    units: str,
    out: Path | None,
    dpi: float | None,
) -> None:
    """Show how an athlete's lift develops across the sessions in the history.

    Per session: tempo (each phase's mean and its coefficient of variation), the share
    of flagged reps, and the velocity (mean of each set's fastest rep). Across sessions:
    the velocity at one load, and a load-velocity profile (least-squares line of velocity
    against load, one point per session) with an ESTIMATED 1RM: the load where the line
    reaches the exercise's minimum velocity threshold, with its confidence interval. With
    fewer than 3 different loads no 1RM is estimated. Methods and references:
    docs/history.md.

    \b
    Example (after `repscope history add sample_data --athlete ana`):
        repscope trend --athlete ana --exercise bench --out ana-bench.pdf
    """  # noqa: D301 (click needs the \b marker)
    from rich.console import Console

    from repscope.history import open_history
    from repscope.history.trends import compute_trends

    with open_history(db, create=False) as store:
        if athlete is None:
            athletes = sorted(
                {a for a in store.sessions(exercise=exercise)["athlete"] if a is not None}
            )
            if len(athletes) > 1:
                raise InputError(
                    f"the history holds {exercise} sessions of several athletes "
                    f"({', '.join(athletes[:5])})",
                    where="--athlete",
                    hint="Pass --athlete NAME.",
                )
            athlete = athletes[0] if athletes else None
        sessions = store.sessions(athlete, exercise, since, until)
        sets = store.sets(athlete, exercise, since, until)
        reps = store.reps(athlete, exercise, since, until)
        source = str(store.path)
    result = compute_trends(
        sessions,
        sets,
        reps,
        exercise=exercise,
        athlete=athlete,
        load_kg=load_kg * KG_PER_LB if load_kg is not None and units == "lb" else load_kg,
        mvt_mps=mvt_mps,
        confidence=confidence,
    )
    console = Console(highlight=False)
    print_trends(result, console, units=units)
    if out is not None:
        from repscope.report.trends import write_trends  # matplotlib only when asked for

        written = write_trends(result, out, source=source, dpi=dpi or DEFAULT_DPI)
        console.print(f"Trends written to {written}")
