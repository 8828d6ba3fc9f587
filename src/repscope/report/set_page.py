"""The set page (:func:`plot_set`): one set at a glance, A4 landscape.

Layout
------
Header (full width)
    Exercise, load, placement, rep count, the confidence; mean and prescribed tempo,
    tempo consistency (0-100 score), velocity loss against the stop line, the estimated
    1RM where the analysis has one; the verdict in words with its reasons; the confidence's
    reasons; the reps in reserve, labelled an estimate with its source (or why there is
    none); with several sets, how this set drifts from the lifter's baseline set
    (:mod:`repscope.analysis.reference`); then, bold, the "Next set" line
    (:mod:`repscope.analysis.advice`). A longer header moves the panels down.
Left column
    1. Vertical position and velocity over the set, each rep's four phases shaded (one
       colour per phase, :mod:`repscope.report.style`), rep numbers along the top and each
       flagged rep's flag codes above it.
    2. Tempo per rep: phase durations stacked E-B-C-T, against the prescribed tempo
       (dark dashed lines at the end of each prescribed phase, labelled, and a grey band:
       the ``tempo_off`` tolerance, :func:`repscope.analysis.flags.tempo_tolerance_s` of the
       analysis's thresholds, max(0.5 s, 25 %) by default, around the prescribed total; an ``X``
       phase has no duration, so no line from it on).
    3. Bar speed per rep (mean concentric velocity) and, on its own axes, the velocity loss
       per rep against the stop line (``stop_at_loss``, else the exercise's 40 %
       ``fatigued`` line); reps past it are drawn in the stop colour.
Right column
    4. The rep table: tempo, range of motion, velocity, velocity loss, confidence, flag
       codes (the first 20 reps; a note says how many more).
    5. The flags in plain words: per flag present, its code, its words, the reps, and the
       evidence of its first rep (the rule's reason).
    6. Bar path: the bar's height through each rep against the time from the rep's start,
       every rep overlaid (early reps dark, late reps light). repscope measures the
       vertical path only, and the title says so.
Footer
    Who made the page from what, in plain words, and where the methods are written.

Phase spans come from the rep table (:func:`phase_spans`). Artists tests look for carry a
``gid``: ``rep-<k>-<phase>`` (phase shading, once in each trace panel), ``tempo-<k>-<phase>``
(tempo bars), ``flags-<k>`` (flag codes), ``prescribed-<phase>`` and ``prescribed-band``,
``stop-line``, ``rep-table``, ``flag-words``, ``bar-path`` and ``next-set``.
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
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, NullLocator
from matplotlib.transforms import Bbox

from repscope.analysis import SessionAnalysis
from repscope.analysis.advice import rep_flags, rep_list, thresholds_of
from repscope.analysis.flags import FLAG_WORDS, VERDICT_WORDS, tempo_tolerance_s
from repscope.analysis.profiles import FLAGS, FlagThresholds
from repscope.errors import InputError
from repscope.report._page import (
    E1RM_COLUMNS,
    advice_for,
    baseline,
    describe,
    empty_page,
    first_value,
    fmt,
    footer,
    header,
    new_figure,
    rep_axis,
    rep_tick_step,
    resolve_tempo,
    rir_text,
    stop_line,
)
from repscope.report.phases import first_phase, phase_spans
from repscope.report.style import (
    FLAG_CODES,
    MCV_COLOUR,
    PAGE_IN,
    PHASE_ALPHA,
    PHASE_COLOURS,
    PHASE_DURATION_COLUMNS,
    PHASE_LABELS,
    PHASES,
    SEQUENCE_CMAP,
    STOP_COLOUR,
    TRACE_COLOUR,
    VELOCITY_LOSS_COLOUR,
    report_style,
)
from repscope.tempo import Tempo, format_phases

#: Space around a set's first and last rep in the trace panels (s, at least).
SET_MARGIN_S = 1.0
#: Reps listed in the rep table (the rest are counted in a note).
TABLE_MAX_REPS = 20
#: Left and right columns (figure fractions).
LEFT = (0.065, 0.60)
RIGHT = (0.665, 0.975)
TOP = 0.72
#: Space between the header's last line and the panels' top (figure fraction).
HEADER_GAP = 0.086


def plot_set(
    result: SessionAnalysis,
    set_number: int,
    *,
    tempo: str | Tempo | None = None,
    title: str | None = None,
    stop_at_loss: float | None = None,
    reference_set: int | None = None,
) -> Figure:
    """Draw the one-page report of one set.

    Parameters
    ----------
    result
        An analysis from :func:`repscope.analysis.analyze_recording`.
    set_number
        The set to draw, from 1. A set without reps gives a page saying so.
    tempo
        Prescribed tempo to draw the tempo bars against; defaults to the tempo the
        analysis was given (``result.provenance["tempo"]``), none if it had none.
    title
        Text put before the header's first line (e.g. the file name).
    stop_at_loss
        Velocity-loss stop threshold (0.2 for 20 %) drawn on the velocity-loss panel and
        used by the "next set" advice; None: the exercise's ``fatigued`` line (40 %).
    reference_set
        The lifter's baseline set the header compares this set with
        (:func:`repscope.report._page.baseline`); None: the lightest set, else the first.

    Returns
    -------
    Figure
        An A4 landscape figure with an Agg canvas (``fig.canvas.draw()`` works).
    """
    if set_number < 1:
        raise InputError(f"set numbers start at 1, got {set_number}", where="set_number")
    tempo_obj = resolve_tempo(result, tempo)
    with report_style():
        fig = new_figure()
        reps = result.reps[result.reps["set"] == set_number].sort_values("rep")
        rows = result.sets[result.sets["set"] == set_number]
        n_sets = len(result.sets)
        head = f"Set {set_number}" + (f" of {n_sets}" if n_sets > 1 else "")
        if title:
            head = f"{title}: {head.lower()}"
        if reps.empty:
            empty_page(fig, result, head, f"{describe(result)}: set {set_number} has no reps.")
            return fig
        set_row = {str(k): v for k, v in rows.iloc[0].to_dict().items()} if not rows.empty else {}
        set_row.setdefault("set", set_number)
        loss_line = stop_line(result, stop_at_loss)
        compared = baseline(result, reference_set).set_text(set_number)
        below = _set_header(
            fig, result, head, set_row, reps, tempo_obj, loss_line, stop_at_loss, compared
        )
        top = min(TOP, below - HEADER_GAP)  # a longer header pushes the panels down
        _phase_legend(fig, top)

        left_w = LEFT[1] - LEFT[0]
        vel_h = 0.125 * (top - 0.445) / (TOP - 0.445)
        ax_pos = fig.add_axes((LEFT[0], 0.445 + vel_h + 0.005, left_w, top - 0.45 - vel_h))
        ax_vel = fig.add_axes((LEFT[0], 0.445, left_w, vel_h), sharex=ax_pos)
        ax_tempo = fig.add_axes((LEFT[0], 0.275, left_w, 0.10))
        half = (left_w - 0.075) / 2
        ax_mcv = fig.add_axes((LEFT[0], 0.095, half, 0.10))
        ax_loss = fig.add_axes((LEFT[1] - half, 0.095, half, 0.10))

        spans = phase_spans(reps, first_phase=first_phase(result, reps))
        _draw_traces(result, reps, spans, ax_pos, ax_vel)
        _draw_tempo(reps, tempo_obj, ax_tempo, thresholds_of(result.provenance))
        _draw_mcv(reps, ax_mcv)
        _draw_loss(reps, ax_loss, loss_line)
        y = _draw_rep_table(fig, reps, top)
        y = _draw_flag_words(fig, reps, y)
        _draw_bar_path(fig, result, reps, y)
        footer(fig, result)
    return fig


def _set_header(
    fig: Figure,
    result: SessionAnalysis,
    head: str,
    set_row: dict[str, Any],
    reps: pd.DataFrame,
    tempo: Tempo | None,
    loss_line: tuple[float, str],
    stop_at_loss: float | None,
    compared: str,
) -> float:
    """Write the header; return the y below it."""
    n = len(reps)
    verdict = str(set_row.get("verdict") or "-")
    reasons = str(set_row.get("verdict_reasons") or "").replace(";", "; ")
    confidence = str(set_row.get("confidence") or "-")
    why = "; ".join(r for r in str(set_row.get("confidence_reasons") or "").split(";") if r)
    e1rm = first_value(set_row, E1RM_COLUMNS)
    loss = set_row.get("velocity_loss")
    lines = [
        f"{describe(result, set_row)} | {n} rep{'s' if n != 1 else ''} | "
        f"{fmt(set_row.get('start_s'))}-{fmt(set_row.get('end_s'))} s | confidence {confidence}"
        + (f" | estimated 1RM {e1rm:.0f} kg (an estimate)" if e1rm is not None else ""),
        f"mean tempo {set_row.get('tempo_code', '-')} s (E-B-C-T) | prescribed "
        f"{tempo.code() if tempo else 'none'} | tempo consistency "
        f"{fmt(set_row.get('tempo_consistency'), 0)}/100 (100: every rep alike) | velocity "
        f"loss {fmt(loss, 0, 100.0, '%')} ({loss_line[1].split(' (')[0]})",
        textwrap.shorten(
            f"verdict: {VERDICT_WORDS.get(verdict, verdict)}"
            + (f" ({reasons})" if reasons else ""),
            175,
        ),
        textwrap.shorten(f"confidence {confidence}" + (f": {why}" if why else ""), 175),
    ]
    rir = rir_text(set_row, result.provenance)
    lines += [textwrap.shorten(text, 175) for text in (rir, compared) if text]
    advice = advice_for(result, set_row, tempo=tempo, stop_at_loss=stop_at_loss)
    return header(fig, head, lines, advice=advice.line)


def _phase_legend(fig: Figure, top: float) -> None:
    """Draw the phase colours, once for the page, above the trace panels."""
    handles = [Patch(facecolor=PHASE_COLOURS[p], alpha=0.6, label=PHASE_LABELS[p]) for p in PHASES]
    fig.legend(
        handles=handles, loc="lower left", bbox_to_anchor=(LEFT[0] - 0.006, top + 0.045),
        ncols=4, frameon=False, handlelength=1.4, columnspacing=1.4,
    )  # fmt: skip


def _draw_traces(
    result: SessionAnalysis,
    reps: pd.DataFrame,
    spans: list[tuple[int, str, float, float]],
    ax_pos: Axes,
    ax_vel: Axes,
) -> None:
    t_start = min(float(reps["start_s"].min()), min(a for _, _, a, _ in spans))
    t_end = max(float(reps["end_s"].max()), max(b for _, _, _, b in spans))
    margin = max(SET_MARGIN_S, 0.03 * (t_end - t_start))
    lo, hi = t_start - margin, t_end + margin
    traces = result.traces
    time_s = traces["time_s"].to_numpy(float)
    keep = (time_s >= lo) & (time_s <= hi)
    t = time_s[keep]
    pos = traces["position_m"].to_numpy(float)[keep]
    vel = traces["velocity_mps"].to_numpy(float)[keep]

    for ax in (ax_pos, ax_vel):
        for rep, phase, a, b in spans:
            ax.axvspan(
                a, b, color=PHASE_COLOURS[phase], alpha=PHASE_ALPHA, lw=0,
                gid=f"rep-{rep}-{phase}",
            )  # fmt: skip
    ax_pos.plot(t, pos, color=TRACE_COLOUR, lw=1.0)
    ax_vel.plot(t, vel, color=TRACE_COLOUR, lw=1.0)
    ax_vel.axhline(0.0, color="#777777", lw=0.6, ls=":")
    ax_pos.set_xlim(lo, hi)
    ax_pos.set_ylabel(f"{_carrier(result)} height (m)")
    ax_vel.set_ylabel("vertical\nvelocity (m/s)")  # one line would run into the panel above
    ax_vel.set_xlabel("time (s)")
    ax_vel.xaxis.set_major_locator(MaxNLocator(nbins=12))
    ax_pos.tick_params(labelbottom=False)

    finite = pos[np.isfinite(pos)]
    if finite.size:  # headroom above the trace for the flag codes
        p_lo, p_hi = float(finite.min()), float(finite.max())
        rng = max(p_hi - p_lo, 0.05)
        ax_pos.set_ylim(p_lo - 0.05 * rng, p_hi + 0.5 * rng)

    mids = ((reps["start_s"] + reps["end_s"]) / 2.0).to_numpy(float)
    numbers = reps["rep"].to_numpy(int)
    width_in = ax_pos.get_position().width * PAGE_IN[0]
    step = rep_tick_step(
        mids, axis_width_in=width_in, span=hi - lo, chars=len(str(int(numbers.max())))
    )
    top = ax_pos.secondary_xaxis("top")
    top.set_xticks(mids[::step], labels=[str(k) for k in numbers[::step]])
    top.xaxis.set_minor_locator(NullLocator())
    top.set_xlabel("rep (#)", labelpad=2)

    per_in = width_in / (hi - lo)
    gaps = np.diff(mids) * per_in if mids.size > 1 else np.array([1.0])
    size = float(np.clip(gaps.min() * 72.0 / 2.6, 4.5, 7.0))
    for mid, row in zip(mids, reps.to_dict(orient="records"), strict=True):
        flags = [f for f, _ in rep_flags(row)]
        if flags:
            ax_pos.text(
                mid, 0.97, "\n".join(FLAG_CODES.get(f, f) for f in flags),
                transform=ax_pos.get_xaxis_transform(), ha="center", va="top", fontsize=size,
                fontweight="bold", linespacing=1.0, gid=f"flags-{int(row['rep'])}",
            )  # fmt: skip


def _carrier(result: SessionAnalysis) -> str:
    """Return what the sensor rode on: ``"wrist"`` for a wrist placement, else ``"bar"``."""
    return "wrist" if result.provenance.get("placement") == "wrist" else "bar"


def _draw_tempo(
    reps: pd.DataFrame, tempo: Tempo | None, ax: Axes, thresholds: FlagThresholds
) -> None:
    numbers = reps["rep"].to_numpy(int)
    x = np.arange(1, len(numbers) + 1, dtype=float)
    bottom = np.zeros(x.size)
    for phase in PHASES:
        values = np.nan_to_num(reps[PHASE_DURATION_COLUMNS[phase]].to_numpy(float), nan=0.0)
        bars = ax.bar(
            x, values, bottom=bottom, width=0.7, color=PHASE_COLOURS[phase],
            edgecolor="white", linewidth=0.4,
        )  # fmt: skip
        for rep, patch in zip(numbers, bars.patches, strict=True):
            patch.set_gid(f"tempo-{rep}-{phase}")
        bottom = bottom + values
    ax.set_ylabel("duration (s)")
    ax.set_title("tempo per rep", loc="left")
    handles: list[Any] = []
    ymax = max(float(bottom.max()) if bottom.size else 0.0, 0.5)
    if tempo is not None:
        total = 0.0
        for phase, target in zip(PHASES, tempo.as_tuple(), strict=True):
            if target is None:
                break
            total += target
            if target > 0:
                ax.axhline(total, color="#333333", ls="--", lw=0.9, gid=f"prescribed-{phase}")
                ax.text(
                    1.005, total, f"end of {'EBCT'[PHASES.index(phase)]}",
                    transform=ax.get_yaxis_transform(), fontsize=6, va="center", ha="left",
                    color="#333333",
                )  # fmt: skip
        handles.append(
            Line2D([], [], color="#333333", ls="--", lw=0.9, label=f"prescribed {tempo.code()}")
        )
        if total > 0:
            tol = tempo_tolerance_s(total, thresholds)  # the tempo_off rule's tolerance
            ax.axhspan(
                total - tol, total + tol, color="#999999", alpha=0.22, lw=0, gid="prescribed-band"
            )
            handles.append(
                Patch(
                    facecolor="#999999",
                    alpha=0.35,
                    label=f"on tempo: within {tol:.1f} s of {total:g} s",
                )
            )
            ymax = max(ymax, total + tol)
        ax.set_title(
            "X: as fast as possible, no target" if None in tempo.as_tuple() else "", loc="right",
            fontsize=6.5,
        )  # fmt: skip
    else:
        ax.set_title("no prescribed tempo", loc="right", fontsize=6.5)
    if handles:
        ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.85,
                  edgecolor="none", ncols=2, fontsize=6.5)  # fmt: skip
    ax.set_ylim(0, ymax * (1.45 if handles else 1.12))
    rep_axis(ax, list(numbers))


def _draw_mcv(reps: pd.DataFrame, ax: Axes) -> None:
    numbers = reps["rep"].to_numpy(int)
    x = np.arange(1, len(numbers) + 1, dtype=float)
    mcv = reps["mean_concentric_velocity_mps"].to_numpy(float)
    ax.plot(x, mcv, color=MCV_COLOUR, marker="o", ms=3.5, lw=1.2)
    finite = mcv[np.isfinite(mcv)]
    ax.set_ylim(0, max(float(finite.max()) if finite.size else 1.0, 0.05) * 1.2)
    ax.set_ylabel("velocity (m/s)")
    ax.set_title("bar speed per rep (mean concentric velocity)", loc="left")
    rep_axis(ax, list(numbers))


def _draw_loss(reps: pd.DataFrame, ax: Axes, loss_line: tuple[float, str]) -> None:
    numbers = reps["rep"].to_numpy(int)
    x = np.arange(1, len(numbers) + 1, dtype=float)
    loss = 100.0 * reps["velocity_loss"].to_numpy(float)
    stop, label = 100.0 * loss_line[0], loss_line[1]
    colours = [STOP_COLOUR if v >= stop else VELOCITY_LOSS_COLOUR for v in np.nan_to_num(loss)]
    ax.bar(x, np.nan_to_num(loss), width=0.6, color=colours)
    ax.axhline(stop, color=STOP_COLOUR, ls="--", lw=1.1, gid="stop-line", label=label)
    finite = loss[np.isfinite(loss)]
    ax.set_ylim(0, max(float(finite.max()) if finite.size else 0.0, stop) * 1.35)
    ax.set_ylabel("velocity loss (%)")
    ax.set_title("velocity loss per rep (below the set's fastest)", loc="left")
    ax.legend(loc="upper left", frameon=False, fontsize=6.5)
    rep_axis(ax, list(numbers))


def _draw_rep_table(fig: Figure, reps: pd.DataFrame, top_y: float) -> float:
    """Draw the rep table at the top of the right column; return the y below it."""
    shown = reps.head(TABLE_MAX_REPS).to_dict(orient="records")
    columns = ["rep", "tempo (s)", "ROM (m)", "MCV (m/s)", "loss", "confidence", "flags"]
    cells = []
    for row in shown:
        tempo = format_phases(row[PHASE_DURATION_COLUMNS[p]] for p in PHASES)
        flags = ", ".join(FLAG_CODES.get(f, f) for f, _ in rep_flags(row))
        cells.append([
            str(int(row["rep"])), tempo, fmt(row["rom_m"], 2),
            fmt(row["mean_concentric_velocity_mps"], 2), fmt(row["velocity_loss"], 0, 100.0, "%"),
            str(row.get("confidence") or "-"), flags or "-",
        ])  # fmt: skip
    row_h = 0.0185
    height = row_h * (len(cells) + 1)
    top = top_y + 0.02
    ax = fig.add_axes((RIGHT[0], top - height, RIGHT[1] - RIGHT[0], height))
    ax.set_axis_off()
    table = ax.table(
        cellText=cells, colLabels=columns, loc="upper center", cellLoc="center",
        colWidths=[0.05, 0.22, 0.12, 0.15, 0.075, 0.15, 0.235],
        bbox=Bbox.from_bounds(0.0, 0.0, 1.0, 1.0),
    )  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(6.8)
    for (r, _), cell in table.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_edgecolor("#BBBBBB")
        if r == 0:
            cell.set_text_props(fontweight="bold", fontsize=6.4)
            cell.set_facecolor("#EEEEEE")
    table.set_gid("rep-table")
    ax.set_title("every rep (?: not measured; MCV: mean concentric velocity)",
                 loc="left",
                 fontsize=8)  # fmt: skip
    y = top - height - 0.012
    if len(reps) > len(shown):
        fig.text(RIGHT[0], y, f"... and {len(reps) - len(shown)} more reps (--reps-out has all)",
                 fontsize=6.5, va="top")  # fmt: skip
        y -= 0.018
    return y


def _draw_flag_words(fig: Figure, reps: pd.DataFrame, y: float) -> float:
    """Draw the flags present, in plain words with the evidence of their first rep."""
    rows = reps.to_dict(orient="records")
    by_flag: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        for flag, reason in rep_flags(row):
            by_flag.setdefault(flag, []).append((int(row["rep"]), reason))
    lines: list[str] = []
    for flag in [f for f in FLAGS if f in by_flag] + [f for f in by_flag if f not in FLAGS]:
        hits = by_flag[flag]
        first_rep, reason = hits[0]
        text = f"{FLAG_CODES.get(flag, flag)}  {rep_list(k for k, _ in hits)} "
        text += f"{FLAG_WORDS.get(flag, flag)}" + (f"; rep {first_rep}: {reason}" if reason else "")
        lines.extend(textwrap.wrap(text, 82, subsequent_indent="     "))
    if not lines:
        lines = ["no rep was flagged"]
    room = max(3, int((y - 0.30) / 0.0165))  # keep room for the bar path below
    if len(lines) > room:
        lines = [*lines[: room - 1], "... (every flag with its reason: repscope analyze)"]
    fig.text(RIGHT[0], y, "flags in words", fontsize=8.5, va="top")
    fig.text(
        RIGHT[0], y - 0.022, "\n".join(lines), fontsize=6.6, va="top", ha="left",
        linespacing=1.35, gid="flag-words",
    )  # fmt: skip
    return y - 0.022 - 0.0165 * len(lines) - 0.02


def _draw_bar_path(fig: Figure, result: SessionAnalysis, reps: pd.DataFrame, y: float) -> None:
    """Bar height through each rep against the time from its start, every rep overlaid."""
    bottom = 0.095
    height = max(0.12, y - bottom - 0.035)
    ax = fig.add_axes((RIGHT[0] + 0.035, bottom, RIGHT[1] - RIGHT[0] - 0.035, height))
    traces = result.traces
    t = traces["time_s"].to_numpy(float)
    pos = traces["position_m"].to_numpy(float)
    cmap = colormaps[SEQUENCE_CMAP]
    n = len(reps)
    drawn = 0
    for k, row in enumerate(reps.to_dict(orient="records")):
        inside = (t >= float(row["start_s"])) & (t <= float(row["end_s"]))
        if inside.sum() < 2:
            continue
        colour = cmap(0.85 * k / max(n - 1, 1))
        ax.plot(t[inside] - t[inside][0], pos[inside] - pos[inside][0], color=colour, lw=0.9,
                label=f"rep {int(row['rep'])}")  # fmt: skip
        drawn += 1
    ax.set_xlabel("time from the rep's start (s)")
    ax.set_ylabel("height from the rep's start (m)")
    carrier = _carrier(result)
    ax.set_title(f"{carrier} path: height through each rep (vertical only)", loc="left")
    ax.set_gid("bar-path")
    if drawn:
        handles, labels = ax.get_legend_handles_labels()
        if len(handles) > 2:  # first and last rep name the colour scale
            handles, labels = [handles[0], handles[-1]], [labels[0], labels[-1]]
        ax.legend(handles, labels, loc="best", frameon=False, fontsize=6.5, ncols=2)
