"""The session summary page (:func:`plot_session_summary`): every set at a glance.

Made to read the same for one set and for ten, A4 landscape:

Header
    Exercise, load, placement, sets and reps, prescribed tempo, the session's lowest
    confidence and, where the analysis has them, each set's load and the estimated 1RM;
    then, bold, the "Next set" line of the last set.
Panels
    - ``bar-speed``: mean concentric velocity per rep, one line per set (early sets dark,
      late sets light): the sets' speed and its loss side by side.
    - ``tempo-sets``: each set's mean phase durations stacked E-B-C-T against the
      prescribed tempo (dashed): tempo across sets.
    - ``consistency``: tempo consistency per set, the 0-100 score (100: every rep alike).
    - ``loss``: velocity loss per set (last rep against the set's fastest) against the stop
      line (``stop_at_loss``, else the exercise's 40 % ``fatigued`` line).
    - ``flagged``: flagged reps per set against the set's reps (a rep with two flags
      counts once).
Table
    One row per set (the first 12; a note counts the rest): load, reps, mean tempo, tempo
    consistency, velocity loss, reps in reserve (an estimate), flagged reps, verdict,
    confidence and its next-set advice. Under it, the RIR's source (or why a set has
    none) and how each set drifts from the lifter's baseline set
    (:mod:`repscope.analysis.reference`).

A recording without sets gives a page saying "No reps detected", with the footer.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, MaxNLocator
from matplotlib.transforms import Bbox

from repscope.analysis import SessionAnalysis
from repscope.analysis.flags import VERDICT_WORDS
from repscope.analysis.vbt_step import SameDayProfile, same_day_profile
from repscope.report._page import (
    E1RM_COLUMNS,
    LOAD_COLUMNS,
    Baseline,
    advice_for,
    baseline,
    describe,
    empty_page,
    finite,
    first_value,
    fmt,
    footer,
    header,
    new_figure,
    resolve_tempo,
    rir_cell,
    rir_text,
    stop_line,
)
from repscope.report.style import (
    CONSISTENCY_COLOUR,
    PHASE_COLOURS,
    PHASE_LABELS,
    PHASES,
    SEQUENCE_CMAP,
    STOP_COLOUR,
    VELOCITY_LOSS_COLOUR,
    report_style,
)
from repscope.tempo import Tempo

#: Sets listed in the table (the rest are counted in a note).
TABLE_MAX_SETS = 12
#: Lines of notes under the table at most (RIR source, drift from the baseline).
NOTES_MAX_LINES = 4
#: Height of one note line (figure fraction, 6.5 pt with its spacing).
NOTE_LINE_H = 0.0145
_CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}


def plot_session_summary(
    result: SessionAnalysis,
    *,
    title: str | None = None,
    tempo: str | Tempo | None = None,
    stop_at_loss: float | None = None,
    reference_set: int | None = None,
) -> Figure:
    """Draw the session summary page (panels and table in the module docs).

    Parameters
    ----------
    result
        An analysis from :func:`repscope.analysis.analyze_recording`.
    title
        Text put before the page title (e.g. the file name).
    tempo
        Prescribed tempo; defaults to the analysis's.
    stop_at_loss
        Velocity-loss stop threshold (0.2 for 20 %); None: the ``fatigued`` line (40 %).
    reference_set
        The lifter's baseline set; None: the lightest set, else the first.
    """
    tempo_obj = resolve_tempo(result, tempo)
    with report_style():
        fig = new_figure()
        head = "Session summary" if not title else f"{title}: session summary"
        sets = result.sets.sort_values("set")
        if sets.empty:
            empty_page(fig, result, head, f"{describe(result)}: no sets were found.")
            return fig
        rows = [{str(k): v for k, v in r.items()} for r in sets.to_dict(orient="records")]
        advice = [advice_for(result, r, tempo=tempo_obj, stop_at_loss=stop_at_loss) for r in rows]
        loss_line = stop_line(result, stop_at_loss)
        profile = load_velocity_profile(result)
        _summary_header(fig, result, head, rows, tempo_obj, loss_line, advice[-1].line, profile)

        ax_speed = fig.add_axes((0.065, 0.55, 0.40, 0.23))
        ax_tempo = fig.add_axes((0.555, 0.55, 0.40, 0.23))
        ax_cons = fig.add_axes((0.065, 0.33, 0.25, 0.13))
        ax_loss = fig.add_axes((0.385, 0.33, 0.25, 0.13))
        ax_flag = fig.add_axes((0.705, 0.33, 0.25, 0.13))
        numbers = sets["set"].to_numpy(int)
        _draw_speed(result, numbers, ax_speed)
        _draw_set_tempo(sets, tempo_obj, ax_tempo)
        _draw_consistency(sets, ax_cons)
        _draw_loss(sets, ax_loss, loss_line)
        _draw_flagged(sets, ax_flag)
        pad = max(0.6, (4 - len(numbers)) / 2)  # a set or two keep bars of a usual width
        for ax in (ax_tempo, ax_cons, ax_loss, ax_flag):
            ax.set_xlim(1 - pad, len(numbers) + pad)
            ax.xaxis.set_major_locator(FixedLocator(list(range(1, len(numbers) + 1))))
            ax.set_xticklabels([str(k) for k in numbers])
            ax.set_xlabel("set (#)")
        notes = _notes(result, rows, baseline(result, reference_set), profile)
        _sets_table(fig, result, rows, [a.text for a in advice], notes)
        footer(fig, result)
    return fig


def _summary_header(
    fig: Figure,
    result: SessionAnalysis,
    head: str,
    rows: list[dict[str, Any]],
    tempo: Tempo | None,
    loss_line: tuple[float, str],
    advice: str,
    profile: SameDayProfile | None,
) -> None:
    n_reps = int(sum(int(r["n_reps"]) for r in rows))
    levels = [str(r.get("confidence") or "") for r in rows]
    lowest = min(levels, key=lambda c: _CONFIDENCE_ORDER.get(c, 3)) if levels else "-"
    line = (
        f"{describe(result)} | {len(rows)} set{'s' if len(rows) != 1 else ''}, {n_reps} reps | "
        f"prescribed tempo {tempo.code() if tempo else 'none'} | lowest confidence {lowest}"
    )
    loads = [first_value(r, LOAD_COLUMNS) for r in rows]
    if any(v is not None for v in loads):
        line += " | loads " + ", ".join("-" if v is None else f"{v:g}" for v in loads) + " kg"
    e1rm = [v for v in (first_value(r, E1RM_COLUMNS) for r in rows) if v is not None]
    if not e1rm and profile is not None and profile.estimate is not None:
        e1rm = [profile.estimate.one_rm_kg]
    if e1rm:
        line += f" | estimated 1RM {e1rm[-1]:.0f} kg (an estimate)"
    legend = (
        "tempo consistency: a 0-100 score, 100 when every rep took the same time | velocity "
        "loss: the last rep against the set's fastest"
    )
    last = int(rows[-1]["set"])
    header(
        fig,
        head,
        [line, legend, f"dashed line: {loss_line[1]}"],
        advice=advice.replace("Next set:", f"After set {last}, next set:"),
    )


def _draw_speed(result: SessionAnalysis, numbers: np.ndarray, ax: Axes) -> None:
    cmap = colormaps[SEQUENCE_CMAP]
    n = len(numbers)
    top = 0.0
    longest = 1
    for k, number in enumerate(numbers):
        reps = result.reps[result.reps["set"] == number].sort_values("rep")
        mcv = reps["mean_concentric_velocity_mps"].to_numpy(float)
        if mcv.size == 0:
            continue
        longest = max(longest, mcv.size)
        x = np.arange(1, mcv.size + 1)
        ax.plot(x, mcv, marker="o", ms=3, lw=1.1, color=cmap(0.85 * k / max(n - 1, 1)),
                label=f"set {number}")  # fmt: skip
        if np.isfinite(mcv).any():
            top = max(top, float(np.nanmax(mcv)))
    ax.set_ylim(0, max(top, 0.05) * 1.3)
    ax.set_xlim(0.5, longest + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("rep (#)")
    ax.set_ylabel("velocity (m/s)")
    ax.set_title("bar speed per rep (mean concentric velocity), one line per set", loc="left")
    ax.legend(loc="upper right", frameon=False, fontsize=6.5, ncols=min(n, 5))
    ax.set_gid("bar-speed")


def _draw_set_tempo(sets: pd.DataFrame, tempo: Tempo | None, ax: Axes) -> None:
    x = np.arange(1, len(sets) + 1, dtype=float)
    bottom = np.zeros(x.size)
    handles: list[Any] = []
    for phase in PHASES:
        values = np.nan_to_num(sets[f"mean_{phase}_s"].to_numpy(float))
        bars = ax.bar(x, values, bottom=bottom, width=0.6, color=PHASE_COLOURS[phase],
                      edgecolor="white", linewidth=0.4, label=PHASE_LABELS[phase])  # fmt: skip
        handles.append(bars)
        bottom = bottom + values
    ymax = max(float(bottom.max()) if bottom.size else 0.0, 0.5)
    if tempo is not None:
        total = sum(v for v in tempo.as_tuple() if v is not None)
        if total > 0:
            ax.axhline(total, color="#333333", ls="--", lw=0.9, gid="prescribed-total")
            untimed = " (X not counted)" if None in tempo.as_tuple() else ""
            handles.append(Line2D([], [], color="#333333", ls="--", lw=0.9,
                                  label=f"prescribed {tempo.code()}{untimed}"))  # fmt: skip
            ymax = max(ymax, total)
    ax.set_ylim(0, ymax * 1.4)
    ax.set_ylabel("mean duration (s)")
    ax.set_title("tempo per set: mean of each phase", loc="left")
    ax.legend(handles=handles, loc="upper left", frameon=False, fontsize=6.5, ncols=3)
    ax.set_gid("tempo-sets")


def _draw_consistency(sets: pd.DataFrame, ax: Axes) -> None:
    x = np.arange(1, len(sets) + 1, dtype=float)
    ax.bar(x, sets["tempo_consistency"].to_numpy(float), color=CONSISTENCY_COLOUR, width=0.6)
    ax.set_ylim(0, 105)
    ax.set_ylabel("score (0-100)")
    ax.set_title("tempo consistency (100: every rep alike)", loc="left")
    ax.set_gid("consistency")


def _draw_loss(sets: pd.DataFrame, ax: Axes, loss_line: tuple[float, str]) -> None:
    x = np.arange(1, len(sets) + 1, dtype=float)
    loss = 100.0 * sets["velocity_loss"].to_numpy(float)
    stop = 100.0 * loss_line[0]
    colours = [STOP_COLOUR if v >= stop else VELOCITY_LOSS_COLOUR for v in np.nan_to_num(loss)]
    ax.bar(x, np.nan_to_num(loss), color=colours, width=0.6)
    ax.axhline(stop, color=STOP_COLOUR, ls="--", lw=1.1, gid="stop-line",
               label=loss_line[1].split(" (")[0])  # fmt: skip
    finite = loss[np.isfinite(loss)]
    ax.set_ylim(0, max(float(finite.max()) if finite.size else 0.0, stop) * 1.35)
    ax.set_ylabel("velocity loss (%)")
    ax.set_title("velocity loss per set", loc="left")
    ax.legend(loc="upper left", frameon=False, fontsize=6.5)
    ax.set_gid("loss")


def _draw_flagged(sets: pd.DataFrame, ax: Axes) -> None:
    x = np.arange(1, len(sets) + 1, dtype=float)
    n = sets["n_reps"].to_numpy(float)
    flagged = np.nan_to_num(sets["n_flagged_reps"].to_numpy(float))
    ax.bar(x, n, width=0.6, color="white", edgecolor="#555555", linewidth=0.8, label="reps")
    ax.bar(x, flagged, width=0.6, color=STOP_COLOUR, label="flagged reps")
    ax.set_ylim(0, max(float(n.max()) if n.size else 1.0, 1.0) * 1.4)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("reps (#)")
    ax.set_title("flagged reps of each set", loc="left")
    ax.legend(loc="upper left", frameon=False, fontsize=6.5, ncols=2)
    ax.set_gid("flagged")


def load_velocity_profile(result: SessionAnalysis) -> SameDayProfile | None:
    """Return the session's same-day load-velocity profile, None without two loads.

    The one :func:`repscope.analysis.vbt_step.same_day_profile` that ``repscope analyze``
    prints (each set's load and best mean concentric velocity, the exercise's minimum
    velocity threshold), so the page says what the terminal says.
    """
    if not {"load_kg", "best_mcv_mps", "confidence"} <= set(result.sets.columns):
        return None
    exercise = str(result.provenance.get("exercise") or "")
    profile = same_day_profile(result.sets, exercise=exercise)
    return profile if len({load for _, load, _ in profile.points}) >= 2 else None


def _profile_note(profile: SameDayProfile | None) -> list[str]:
    """Return the load-velocity line under the table: the 1RM estimate, or why none."""
    if profile is None:
        return []
    loads = ", ".join(f"{load:g}" for _, load, _ in profile.points)
    head = f"load-velocity profile (each set's best MCV at {loads} kg): "
    e = profile.estimate
    if e is None:
        return [head + f"no 1RM estimate: {profile.refusal}"]
    return [
        head + f"estimated 1RM {e.one_rm_kg:.0f} kg ({100 * e.confidence:g}% interval "
        f"{e.ci_low_kg:.0f}-{e.ci_high_kg:.0f} kg) where the line reaches "
        f"{e.threshold.mvt_mps:g} m/s, an estimate, not a measured lift"
    ]


def _notes(
    result: SessionAnalysis,
    rows: list[dict[str, Any]],
    base: Baseline,
    profile: SameDayProfile | None = None,
) -> list[str]:
    """Return the lines under the table: the 1RM, the RIR source, the drift from the baseline."""
    lines: list[str] = _profile_note(profile)
    given = [r for r in rows if finite(r.get("estimated_rir"))]
    if given:
        source = rir_text(given[0], result.provenance).split(", an estimate: ", 1)[-1]
        lines.append(f"reps in reserve (RIR): an estimate, {source}")
    refused: dict[str, list[str]] = {}
    for row in rows:
        why = rir_text(row, result.provenance) if row not in given else ""
        if why:
            why = why.removeprefix("no RIR estimate: ")
            refused.setdefault(why, []).append(str(int(row["set"])))
    if refused:
        lines.append(
            "no RIR estimate ('-'): "
            + "; ".join(f"set{'s' if len(n) > 1 else ''} {', '.join(n)}: {why}"
                        for why, n in refused.items())
        )  # fmt: skip
    if base.reference is not None:
        parts = [
            f"set {int(r['set'])}: " + (
                "; ".join(d.text for d in base.drifts if d.set == int(r["set"]))
                or "no drift"
            )
            for r in rows if int(r["set"]) != base.reference
        ]  # fmt: skip
        lines.append(
            f"against the baseline, set {base.reference} ({base.why}), in tempo, range, "
            "smoothness and bar path: " + " | ".join(parts)
        )
    wrapped = [w for line in lines for w in textwrap.wrap(line, 235, subsequent_indent="  ")]
    if len(wrapped) > NOTES_MAX_LINES:
        wrapped = [*wrapped[: NOTES_MAX_LINES - 1], "... (all of it: repscope analyze)"]
    return wrapped


def _sets_table(
    fig: Figure,
    result: SessionAnalysis,
    rows: list[dict[str, Any]],
    advice: list[str],
    notes: list[str],
) -> None:
    columns = ["set", "load", "reps", "mean tempo (s)", "tempo consistency", "velocity loss",
               "RIR (estimate)", "flagged reps", "verdict", "confidence", "next set"]  # fmt: skip
    shown = rows[:TABLE_MAX_SETS]
    cells = []
    for row, text in zip(shown, advice, strict=False):
        load = first_value(row, LOAD_COLUMNS)
        if load is None:  # the recording's load holds for every set
            load = first_value(result.meta, ("load_kg",))
        verdict = str(row["verdict"])
        cells.append([
            str(int(row["set"])), "-" if load is None else f"{load:g} kg", str(int(row["n_reps"])),
            str(row["tempo_code"]), fmt(row["tempo_consistency"], 0),
            fmt(row["velocity_loss"], 0, 100.0, "%"), rir_cell(row),
            f"{int(row['n_flagged_reps'])} of {int(row['n_reps'])}",
            VERDICT_WORDS.get(verdict, verdict).split(":")[0],
            str(row.get("confidence") or "-"), textwrap.shorten(text, 85),
        ])  # fmt: skip
    top = 0.26
    notes_h = NOTE_LINE_H * len(notes) + (0.01 if notes else 0.0)
    row_h = min(0.019, (top - 0.05 - notes_h) / (len(cells) + 1))  # the footer stays clear
    height = row_h * (len(cells) + 1)
    ax = fig.add_axes((0.04, top - height, 0.935, height))
    ax.set_axis_off()
    table = ax.table(
        cellText=cells, colLabels=columns, cellLoc="center",
        bbox=Bbox.from_bounds(0.0, 0.0, 1.0, 1.0),
        colWidths=[0.03, 0.045, 0.035, 0.09, 0.085, 0.07, 0.07, 0.065, 0.1, 0.06, 0.35],
    )  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(6.8)
    for (r, c), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_edgecolor("#BBBBBB")
        if r == 0:
            cell.set_text_props(fontweight="bold", fontsize=6.4)
            cell.set_facecolor("#EEEEEE")
        elif c == len(columns) - 1:
            cell.set_text_props(ha="left")
            cell.PAD = 0.01
    table.set_gid("summary-table")
    y = top - height - 0.008
    if len(rows) > len(shown):
        fig.text(0.04, y, f"... and {len(rows) - len(shown)} more sets",
                 fontsize=6.5, va="top")  # fmt: skip
        y -= NOTE_LINE_H
    if notes:
        fig.text(0.04, y, "\n".join(notes), fontsize=6.5, va="top", ha="left",
                 linespacing=1.3, gid="summary-notes")  # fmt: skip
