"""The report pages: one page per set (:func:`plot_set`) and a session summary.

Every page is a :class:`matplotlib.figure.Figure` built directly (with an Agg canvas
attached), never through pyplot, so making a report touches no global plotting state and
works without a display.

Set page (A4 portrait), top to bottom
-------------------------------------
1. Header: exercise, load, placement, rep count, mean tempo (``tempo_code``), prescribed
   tempo, tempo consistency, velocity loss, verdict and its reasons, confidence and its
   reasons.
2. Vertical position and velocity over the set, with each rep's four phases shaded
   (eccentric, bottom pause, concentric, top pause; one colour per phase, see
   :mod:`repscope.report.style`). Phase spans come from the rep table: the rep starts
   with its first phase (eccentric for squat and bench, concentric for deadlift, row,
   ohp and curl, read from the provenance's exercise profile, or from
   ``traces["phase"]`` at the rep's start when the provenance lacks it), the first
   stroke lasts its duration, the second ends at ``end_s``, the pause between them fills
   the gap and the pause after the rep follows ``end_s``. Rep numbers run along the top
   and each flagged rep carries its flags' short codes (key in the panel's title).
3. Tempo bars: each rep's phase durations stacked in E-B-C-T order, against the
   prescribed tempo (dashed lines at the end of each prescribed phase and a grey target
   band of max(0.5 s, 25%) around the last one, the ``tempo_off`` tolerance; an ``X`` phase
   has no duration, so no line from it on).
4. Mean concentric velocity per rep with the velocity loss (percent below the set's best
   rep) on a second axis.
5. Range of motion per rep with the set's mean.
6. Footer: provenance (repscope version, algorithms, sampling rate, device).

Artists that tests look for carry a ``gid``: ``rep-<k>-<phase>`` for the phase shading
(one per existing phase of each rep in each of the two trace panels),
``tempo-<k>-<phase>`` for the tempo bar segments and ``flags-<k>`` for flag labels.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

from repscope.analysis import SessionAnalysis
from repscope.analysis.flags import FLAGS
from repscope.errors import InputError
from repscope.report.style import (
    A4_PORTRAIT_IN,
    CONSISTENCY_COLOUR,
    FLAG_CODES,
    FLAG_COLOURS,
    MCV_COLOUR,
    PHASE_ALPHA,
    PHASE_COLOURS,
    PHASE_DURATION_COLUMNS,
    PHASE_LABELS,
    PHASES,
    ROM_COLOUR,
    TRACE_COLOUR,
    VELOCITY_LOSS_COLOUR,
    report_style,
)
from repscope.tempo import Tempo, parse_tempo

#: Text shown when there is nothing to plot.
NO_REPS_TEXT = "No reps detected"

#: Space around a set's first and last rep in the trace panels (s, at least).
SET_MARGIN_S = 1.0


# ----------------------------------------------------------------------------- helpers


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _fmt(value: Any, digits: int = 1, scale: float = 1.0, suffix: str = "") -> str:
    return f"{float(value) * scale:.{digits}f}{suffix}" if _finite(value) else "-"


def _new_figure() -> Figure:
    fig = Figure(figsize=A4_PORTRAIT_IN)
    FigureCanvasAgg(fig)
    return fig


def _resolve_tempo(result: SessionAnalysis, tempo: str | Tempo | None) -> Tempo | None:
    if isinstance(tempo, Tempo):
        return tempo
    code = tempo if tempo is not None else result.provenance.get("tempo")
    return parse_tempo(code) if code else None


def _first_phase(result: SessionAnalysis, reps: pd.DataFrame) -> str:
    """Eccentric or concentric: the phase each rep of this result starts with."""
    profile = result.provenance.get("parameters", {}).get("profile", {})
    first = profile.get("first_phase") if isinstance(profile, dict) else None
    if first in ("eccentric", "concentric"):
        return str(first)
    traces = result.traces
    if not reps.empty and not traces.empty:
        t0 = float(reps["start_s"].iloc[0])
        k = int(np.searchsorted(traces["time_s"].to_numpy(float), t0))
        window = traces["phase"].iloc[k : k + 5]
        for name in window:
            if name in ("eccentric", "concentric"):
                return str(name)
    return "eccentric"


def phase_spans(reps: pd.DataFrame, *, first_phase: str) -> list[tuple[int, str, float, float]]:
    """Return ``(rep, phase, start_s, end_s)`` for every phase that exists in each rep.

    A phase exists when its duration in the rep table is finite and positive.

    Parameters
    ----------
    reps
        Rep table (columns in :mod:`repscope.analysis.tables`), one set.
    first_phase
        ``"eccentric"`` (the stroke down comes first) or ``"concentric"``.
    """
    spans: list[tuple[int, str, float, float]] = []
    second = "concentric" if first_phase == "eccentric" else "eccentric"
    between = "bottom_pause" if first_phase == "eccentric" else "top_pause"
    after = "top_pause" if first_phase == "eccentric" else "bottom_pause"
    for row in reps.to_dict(orient="records"):
        rep = int(row["rep"])
        start, end = float(row["start_s"]), float(row["end_s"])
        d = {p: float(row[PHASE_DURATION_COLUMNS[p]]) for p in PHASES}
        pieces = [
            (first_phase, start, start + d[first_phase]),
            (between, start + d[first_phase], start + d[first_phase] + d[between]),
            (second, end - d[second], end),
            (after, end, end + d[after]),
        ]
        for phase, a, b in pieces:
            if _finite(d[phase]) and d[phase] > 0 and b > a:
                spans.append((rep, phase, a, b))
    return spans


def _rep_tick_step(positions: np.ndarray, *, axis_width_in: float, span: float, chars: int) -> int:
    """Smallest step k so that every k-th rep label has room (labels ~0.6 em per char)."""
    if positions.size < 2 or span <= 0:
        return 1
    label_in = 0.6 * chars * 7.5 / 72.0 * 1.6  # label width plus a gap
    per_in = axis_width_in / span
    for k in range(1, positions.size + 1):
        gaps = (positions[k:] - positions[:-k]) * per_in
        if gaps.size == 0 or gaps.min() >= label_in:
            return k
    return positions.size


def _rep_axis(ax: Axes, numbers: Sequence[int]) -> None:
    """Integer rep ticks on the x axis, thinned so labels never collide."""
    n = len(numbers)
    ax.set_xlim(0.4, max(n, 1) + 0.6)
    width_in = ax.get_position().width * A4_PORTRAIT_IN[0]
    step = _rep_tick_step(
        np.arange(1, n + 1, dtype=float),
        axis_width_in=width_in,
        span=n + 0.2,
        chars=len(str(n)),
    )
    ticks = list(range(1, n + 1, step))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xlabel("rep (#)")


def _footer(fig: Figure, result: SessionAnalysis) -> None:
    prov = result.provenance
    algorithms = prov.get("algorithms", {}) or {}
    algo = "; ".join(
        f"{k}: {', '.join(v) if isinstance(v, list | tuple) else v}" for k, v in algorithms.items()
    )
    rate: Any = prov.get("sampling_rate_hz")
    source_rate: Any = prov.get("source_sampling_rate_hz")
    rate_text = f"{rate:g} Hz" if _finite(rate) else "unknown rate"
    if _finite(source_rate) and _finite(rate) and float(source_rate) != float(rate):
        rate_text += f" (recorded at {float(source_rate):g} Hz)"
    text = (
        f"repscope {prov.get('repscope_version', '?')} | sampling rate {rate_text} | "
        f"device {prov.get('device') or 'unknown'} | bridged gaps {prov.get('bridged_gaps', 0)}"
        f" | algorithms: {algo}"
    )
    fig.text(
        0.06,
        0.012,
        "\n".join(textwrap.wrap(text, 160)),
        fontsize=5.8,
        color="#444444",
        va="bottom",
        ha="left",
        gid="footer",
    )


def _header(fig: Figure, title: str, lines: Sequence[str]) -> None:
    fig.text(0.06, 0.975, title, fontsize=13, fontweight="bold", va="top", ha="left")
    fig.text(0.06, 0.950, "\n".join(lines), fontsize=8.5, va="top", ha="left", linespacing=1.45)


def _empty_page(fig: Figure, result: SessionAnalysis, title: str, detail: str) -> None:
    _header(fig, title, [])
    fig.text(0.5, 0.55, NO_REPS_TEXT, fontsize=20, ha="center", va="center", gid="no-reps")
    fig.text(0.5, 0.50, detail, fontsize=9, ha="center", va="center", color="#444444")
    _footer(fig, result)


def _describe(result: SessionAnalysis) -> str:
    prov = result.provenance
    load: Any = result.meta.get("load_kg")
    load_text = f"{float(load):g} kg" if _finite(load) else "load not recorded"
    return f"{prov.get('exercise', '?')}, {load_text}, {prov.get('placement', '?')}"


# ----------------------------------------------------------------------------- set page


def plot_set(
    result: SessionAnalysis,
    set_number: int,
    *,
    tempo: str | Tempo | None = None,
    title: str | None = None,
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

    Returns
    -------
    Figure
        An A4 portrait figure with an Agg canvas (``fig.canvas.draw()`` works).
    """
    if set_number < 1:
        raise InputError(f"set numbers start at 1, got {set_number}", where="set_number")
    tempo_obj = _resolve_tempo(result, tempo)
    with report_style():
        fig = _new_figure()
        reps = result.reps[result.reps["set"] == set_number].sort_values("rep")
        rows = result.sets[result.sets["set"] == set_number]
        n_sets = len(result.sets)
        head = f"Set {set_number}" + (f" of {n_sets}" if n_sets > 1 else "")
        if title:
            head = f"{title}: {head.lower()}"
        if reps.empty:
            _empty_page(fig, result, head, f"{_describe(result)}: set {set_number} has no reps.")
            return fig
        set_row = rows.iloc[0].to_dict() if not rows.empty else {}
        _set_header(fig, result, head, set_row, reps, tempo_obj)
        first = _first_phase(result, reps)
        spans = phase_spans(reps, first_phase=first)

        outer = fig.add_gridspec(
            4, 1, left=0.10, right=0.89, top=0.812, bottom=0.085,
            height_ratios=[2.6, 1.25, 1.0, 1.0], hspace=0.42,
        )  # fmt: skip
        inner = outer[0].subgridspec(2, 1, hspace=0.07, height_ratios=[1.15, 1.0])
        ax_pos = fig.add_subplot(inner[0])
        ax_vel = fig.add_subplot(inner[1], sharex=ax_pos)
        ax_tempo = fig.add_subplot(outer[1])
        ax_mcv = fig.add_subplot(outer[2])
        ax_rom = fig.add_subplot(outer[3])

        _draw_traces(result, reps, spans, ax_pos, ax_vel)
        _draw_tempo(reps, tempo_obj, ax_tempo)
        _draw_velocity(reps, ax_mcv)
        _draw_rom(reps, ax_rom)
        _footer(fig, result)
    return fig


def _set_header(
    fig: Figure,
    result: SessionAnalysis,
    head: str,
    set_row: dict[str, Any],
    reps: pd.DataFrame,
    tempo: Tempo | None,
) -> None:
    n = len(reps)
    consistency = set_row.get("tempo_consistency")
    loss = set_row.get("velocity_loss")
    reasons = str(set_row.get("verdict_reasons") or "").replace(";", "; ")
    verdict = str(set_row.get("verdict") or "-")
    lines = [
        f"{_describe(result)} | {n} rep{'s' if n != 1 else ''} | "
        f"{_fmt(set_row.get('start_s'))}-{_fmt(set_row.get('end_s'))} s",
        f"mean tempo {set_row.get('tempo_code', '-')} s (E-B-C-T) | prescribed "
        f"{tempo.code() if tempo else 'none'} | tempo consistency "
        f"{_fmt(consistency, 0)}/100 | velocity loss {_fmt(loss, 0, 100.0, '%')}",
    ]
    # one line each for the verdict and the confidence (the full reasons are in the tables)
    lines.append(textwrap.shorten(f"verdict: {verdict}: {reasons}" if reasons else verdict, 118))
    confidence = str(set_row.get("confidence") or "-")
    why = "; ".join(r for r in str(set_row.get("confidence_reasons") or "").split(";") if r)
    lines.append(textwrap.shorten(f"confidence: {confidence}" + (f" ({why})" if why else ""), 118))
    _header(fig, head, lines)
    handles = [Patch(facecolor=PHASE_COLOURS[p], alpha=0.6, label=PHASE_LABELS[p]) for p in PHASES]
    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.095, 0.888),
        ncols=4,
        frameon=False,
        handlelength=1.4,
        columnspacing=1.4,
    )


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
    ax_pos.set_ylabel("vertical position (m)")
    ax_vel.set_ylabel("vertical velocity (m/s)")
    ax_vel.set_xlabel("time (s)")
    ax_vel.xaxis.set_major_locator(MaxNLocator(nbins=10))
    ax_pos.tick_params(labelbottom=False)

    # Leave headroom above the position trace for the flag labels.
    finite = pos[np.isfinite(pos)]
    if finite.size:
        p_lo, p_hi = float(finite.min()), float(finite.max())
        rng = max(p_hi - p_lo, 0.05)
        ax_pos.set_ylim(p_lo - 0.05 * rng, p_hi + 0.45 * rng)

    # Rep numbers along the top, thinned so they never collide.
    mids = ((reps["start_s"] + reps["end_s"]) / 2.0).to_numpy(float)
    numbers = reps["rep"].to_numpy(int)
    width_in = ax_pos.get_position().width * A4_PORTRAIT_IN[0]
    step = _rep_tick_step(
        mids, axis_width_in=width_in, span=hi - lo, chars=len(str(int(numbers.max())))
    )
    top = ax_pos.secondary_xaxis("top")
    top.set_xticks(mids[::step], labels=[str(k) for k in numbers[::step]])
    top.xaxis.set_minor_locator(NullLocator())
    top.set_xlabel("rep (#)", labelpad=2)

    # Flag codes above each flagged rep, one code per line.
    per_in = width_in / (hi - lo)
    gaps = np.diff(mids) * per_in if mids.size > 1 else np.array([1.0])
    size = float(np.clip(gaps.min() * 72.0 / 2.6, 4.5, 7.0))
    present: list[str] = []
    for mid, row in zip(mids, reps.to_dict(orient="records"), strict=True):
        flags = [f for f in str(row["flags"] or "").split(";") if f]
        if not flags:
            continue
        present.extend(f for f in flags if f not in present)
        ax_pos.text(
            mid,
            0.97,
            "\n".join(FLAG_CODES.get(f, f) for f in flags),
            transform=ax_pos.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=size,
            fontweight="bold",
            linespacing=1.0,
            gid=f"flags-{int(row['rep'])}",
        )
    if present:
        order = [f for f in FLAGS if f in present] + [f for f in present if f not in FLAGS]
        key = ", ".join(f"{FLAG_CODES.get(f, f)} {f.replace('_', ' ')}" for f in order)
        key = f"flags above each rep: {key}"
    else:
        key = "no rep was flagged"
    ax_pos.figure.text(0.10, 0.862, key, fontsize=7, ha="left", va="top", gid="flag-key")


def _draw_tempo(reps: pd.DataFrame, tempo: Tempo | None, ax: Axes) -> None:
    numbers = reps["rep"].to_numpy(int)
    x = np.arange(1, len(numbers) + 1, dtype=float)
    bottom = np.zeros(x.size)
    for phase in PHASES:
        values = np.nan_to_num(reps[PHASE_DURATION_COLUMNS[phase]].to_numpy(float), nan=0.0)
        bars = ax.bar(
            x, values, bottom=bottom, width=0.7, color=PHASE_COLOURS[phase],
            edgecolor="white", linewidth=0.4, label=PHASE_LABELS[phase],
        )  # fmt: skip
        for rep, patch in zip(numbers, bars.patches, strict=True):
            patch.set_gid(f"tempo-{rep}-{phase}")
        bottom = bottom + values
    ax.set_ylabel("duration (s)")
    ax.set_title("tempo per rep", loc="left")
    if tempo is not None:
        total = 0.0
        for phase, target in zip(PHASES, tempo.as_tuple(), strict=True):
            if target is None:
                break
            total += target
            if target > 0:
                ax.axhline(
                    total, color=PHASE_COLOURS[phase], ls="--", lw=1.2,
                    gid=f"prescribed-{phase}",
                )  # fmt: skip
        note = f"dashed: prescribed {tempo.code()}, end of each phase"
        if total > 0:
            # the band a rep's cumulative time may lie in without being tempo_off (the
            # flag rule's default tolerance: max(0.5 s, 25 %) of the target)
            tol = max(0.5, 0.25 * total)
            ax.axhspan(
                total - tol, total + tol, color="#999999", alpha=0.15, lw=0,
                gid="prescribed-band",
            )  # fmt: skip
            note += f"; grey band: +-{tol:.1f} s"
        if None in tempo.as_tuple():
            note += " (X: no target)"
        ax.set_title(note, loc="right", fontsize=6.5)
    else:
        ax.set_title("no prescribed tempo", loc="right", fontsize=6.5)
    ymax = max(float(bottom.max()) if bottom.size else 0.0, 0.5)
    if tempo is not None:
        ymax = max(ymax, sum(v for v in tempo.as_tuple() if v is not None))
    ax.set_ylim(0, ymax * 1.12)
    # Ticks follow the reps' positions, labelled with their numbers.
    _rep_axis(ax, list(numbers))
    ax.set_xticklabels([str(numbers[int(t) - 1]) for t in ax.get_xticks()])


def _draw_velocity(reps: pd.DataFrame, ax: Axes) -> None:
    x = np.arange(1, len(reps) + 1, dtype=float)
    mcv = reps["mean_concentric_velocity_mps"].to_numpy(float)
    ax.plot(x, mcv, color=MCV_COLOUR, marker="o", ms=3.5, lw=1.2, label="mean concentric velocity")
    ax.set_ylabel("mean concentric\nvelocity (m/s)")
    finite = mcv[np.isfinite(mcv)]
    top = float(finite.max()) if finite.size else 1.0
    ax.set_ylim(0, max(top, 0.05) * 1.2)
    twin = ax.twinx()
    twin.spines["right"].set_visible(True)
    loss = 100.0 * reps["velocity_loss"].to_numpy(float)
    twin.plot(
        x, loss, color=VELOCITY_LOSS_COLOUR, ls="--", marker="s", ms=3.0, lw=1.0,
        label="velocity loss",
    )  # fmt: skip
    twin.set_ylabel("velocity loss\n(% below best rep)", color=VELOCITY_LOSS_COLOUR)
    twin.tick_params(axis="y", colors=VELOCITY_LOSS_COLOUR)
    finite_loss = loss[np.isfinite(loss)]
    twin.set_ylim(0, max(float(finite_loss.max()) if finite_loss.size else 0.0, 10.0) * 1.2)
    ax.set_title("bar speed per rep", loc="left")
    handles = [ax.get_lines()[0], twin.get_lines()[0]]
    ax.legend(
        handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=2,
        borderaxespad=0.1,
    )  # fmt: skip
    numbers = reps["rep"].to_numpy(int)
    _rep_axis(ax, list(numbers))
    ax.set_xticklabels([str(numbers[int(t) - 1]) for t in ax.get_xticks()])


def _draw_rom(reps: pd.DataFrame, ax: Axes) -> None:
    numbers = reps["rep"].to_numpy(int)
    x = np.arange(1, len(numbers) + 1, dtype=float)
    rom = reps["rom_m"].to_numpy(float)
    ax.bar(x, rom, width=0.6, color=ROM_COLOUR, label="range of motion")
    finite = rom[np.isfinite(rom)]
    if finite.size:
        ax.axhline(float(finite.mean()), color="#555555", ls=":", lw=1.0, label="set mean")
    ax.set_ylabel("range of motion (m)")
    ax.set_title("range of motion per rep (concentric travel)", loc="left")
    ax.legend(
        loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=2, borderaxespad=0.1
    )
    top = float(finite.max()) if finite.size else 0.5
    ax.set_ylim(0, max(top, 0.05) * 1.25)
    _rep_axis(ax, list(numbers))
    ax.set_xticklabels([str(numbers[int(t) - 1]) for t in ax.get_xticks()])


# ----------------------------------------------------------------------------- summary


def plot_session_summary(result: SessionAnalysis, *, title: str | None = None) -> Figure:
    """Draw the session summary page: every set side by side.

    Bar charts of tempo consistency, velocity loss and flagged reps (stacked by flag) per
    set, and a table of the sets (reps, mean tempo, consistency, velocity loss, verdict).
    A recording without sets gives a page saying "No reps detected" with the provenance.

    Parameters
    ----------
    result
        An analysis from :func:`repscope.analysis.analyze_recording`.
    title
        Text put before the page title (e.g. the file name).
    """
    with report_style():
        fig = _new_figure()
        head = "Session summary" if not title else f"{title}: session summary"
        sets = result.sets.sort_values("set")
        if sets.empty:
            _empty_page(fig, result, head, f"{_describe(result)}: no sets were found.")
            return fig
        n_reps = int(sets["n_reps"].sum())
        prov = result.provenance
        _header(
            fig,
            head,
            [
                f"{_describe(result)} | {len(sets)} set{'s' if len(sets) != 1 else ''}, "
                f"{n_reps} reps | prescribed tempo {prov.get('tempo') or 'none'}",
            ],
        )
        grid = fig.add_gridspec(
            4, 1, left=0.12, right=0.92, top=0.90, bottom=0.08,
            height_ratios=[1.0, 1.0, 1.2, 1.4], hspace=0.55,
        )  # fmt: skip
        numbers = sets["set"].to_numpy(int)
        x = np.arange(1, len(numbers) + 1, dtype=float)
        ax_c = fig.add_subplot(grid[0])
        ax_c.bar(x, sets["tempo_consistency"].to_numpy(float), color=CONSISTENCY_COLOUR, width=0.6)
        ax_c.set_ylim(0, 105)
        ax_c.set_ylabel("tempo consistency\n(score, 0-100)")
        ax_c.set_title("tempo consistency per set (100: every rep alike)", loc="left")

        ax_l = fig.add_subplot(grid[1])
        ax_l.bar(
            x, 100.0 * sets["velocity_loss"].to_numpy(float), color=VELOCITY_LOSS_COLOUR,
            width=0.6,
        )  # fmt: skip
        loss = 100.0 * sets["velocity_loss"].to_numpy(float)
        finite = loss[np.isfinite(loss)]
        ax_l.set_ylim(0, max(float(finite.max()) if finite.size else 0.0, 10.0) * 1.2)
        ax_l.set_ylabel("velocity loss\n(% below best rep)")
        ax_l.set_title("velocity loss per set (last rep against the best)", loc="left")

        ax_f = fig.add_subplot(grid[2])
        bottom = np.zeros(x.size)
        for flag in FLAGS:
            column = f"n_{flag}"
            if column not in sets.columns:
                continue
            counts = sets[column].fillna(0).to_numpy(float)
            if not counts.any():
                continue
            ax_f.bar(
                x, counts, bottom=bottom, width=0.6, color=FLAG_COLOURS.get(flag, "#999999"),
                label=flag.replace("_", " "), edgecolor="white", linewidth=0.4,
            )  # fmt: skip
            bottom = bottom + counts
        ax_f.set_ylim(0, max(float(bottom.max()) if bottom.size else 0.0, 1.0) * 1.25)
        ax_f.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax_f.set_ylabel("flags\n(count of reps)")
        if bottom.any():
            ax_f.set_title("flags per set (a rep with two flags counts twice)", loc="left")
            ax_f.legend(loc="upper left", frameon=False, ncols=4, fontsize=6.5)
        else:
            ax_f.set_title("flags per set: none", loc="left")
        for ax in (ax_c, ax_l, ax_f):
            ax.set_xlim(0.4, len(numbers) + 0.6)
            ax.xaxis.set_major_locator(FixedLocator(list(x)))
            ax.set_xticklabels([str(k) for k in numbers])
            ax.set_xlabel("set (#)")

        ax_t = fig.add_subplot(grid[3])
        ax_t.set_axis_off()
        _summary_table(ax_t, sets)
        _footer(fig, result)
    return fig


def _summary_table(ax: Axes, sets: pd.DataFrame) -> None:
    columns = [
        "set",
        "reps",
        "mean tempo (s)",
        "consistency",
        "velocity loss",
        "flagged reps",
        "verdict",
        "confidence",
    ]
    shown = sets.head(20)
    cells = [
        [
            str(int(row["set"])),
            str(int(row["n_reps"])),
            str(row["tempo_code"]),
            _fmt(row["tempo_consistency"], 0),
            _fmt(row["velocity_loss"], 0, 100.0, "%"),
            str(int(row["n_flagged_reps"])) if _finite(row["n_flagged_reps"]) else "-",
            str(row["verdict"]).replace("_", " "),
            str(row.get("confidence") or "-"),
        ]
        for row in shown.to_dict(orient="records")
    ]
    table = ax.table(
        cellText=cells,
        colLabels=columns,
        loc="upper center",
        cellLoc="center",
        colWidths=[0.06, 0.06, 0.18, 0.12, 0.13, 0.12, 0.19, 0.13],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1.0, 1.3)
    table.set_gid("summary-table")
    if len(sets) > len(shown):
        ax.text(0.0, 0.0, f"... and {len(sets) - len(shown)} more sets", fontsize=7)
