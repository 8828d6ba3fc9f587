"""The trends page: one athlete's lift across sessions (PDF, PNG or SVG).

One A4 landscape page, as the session reports. Panels (each axes has a ``gid`` for tests
and tools), the tempo across the top two thirds of the first row:

``tempo``
    Each phase's mean duration per session with a band of ± one standard deviation over
    the session's reps (phase colours of :mod:`repscope.report.style`).
``tempo-cv``
    Tempo variability: each phase's coefficient of variation per session (lower is
    steadier). Named apart from *tempo consistency*, the sets' 0-100 score (higher is
    steadier).
``flags``
    The share of the session's reps with at least one flag, the bar split between the
    flags in proportion to their counts.
``velocity-at-load``
    The session velocity (mean of each set's fastest rep) of the sessions lifted at one
    load.
``load-velocity``
    Every session's load and velocity, the fitted line, the minimum velocity threshold,
    and the estimated 1RM with its confidence interval, labelled as an estimate; or the
    reason no 1RM was estimated.

The maths is in :mod:`repscope.history.trends`. Figures are built without pyplot
(:class:`matplotlib.figure.Figure` on the Agg canvas) inside
:func:`repscope.report.style.report_style`, and written with the same reproducible
metadata as the session reports.
"""

from __future__ import annotations

import math
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from repscope import __version__
from repscope.analysis.flags import FLAG_WORDS
from repscope.analysis.profiles import FLAGS
from repscope.errors import InputError
from repscope.history.trends import PHASES, TrendResult
from repscope.report.style import (
    FLAG_COLOURS,
    MCV_COLOUR,
    OKABE_ITO,
    PAGE_IN,
    PHASE_ALPHA,
    PHASE_COLOURS,
    PHASE_LABELS,
    report_style,
)

# The session reports' writer metadata (no timestamps, repscope as the creator), shared so
# that both kinds of page are reproducible in the same way.
from repscope.report.writer import _METADATA, DEFAULT_PNG_DPI, report_format

#: ``gid`` of each panel, top to bottom, left to right.
PANELS: tuple[str, ...] = ("tempo", "tempo-cv", "flags", "velocity-at-load", "load-velocity")

#: Colour of the fitted load-velocity line and the 1RM estimate.
FIT_COLOUR = OKABE_ITO["blue"]


def _x_values(summary: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """Session positions: matplotlib date numbers when every session has a time, else 1..n."""
    moments: list[datetime] = []
    for start, day in zip(summary["start_time_utc"], summary["date"], strict=True):
        moment = _moment(start, day)
        if moment is None:
            return np.arange(1, len(summary) + 1, dtype=float), False
        moments.append(moment)
    return np.asarray(mdates.date2num(moments), dtype=float), True


def _moment(start: object, day: object) -> datetime | None:
    if isinstance(start, str) and start:
        text = start[:-1] + "+00:00" if start.endswith(("Z", "z")) else start
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(day, str) and day:
        try:
            return datetime.fromisoformat(day).replace(hour=12)
        except ValueError:
            return None
    return None


def _format_x(ax: Axes, dated: bool, n: int) -> None:
    if dated:
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_xlabel("session date (UTC)")
    else:
        ax.set_xlim(0.4, n + 0.6)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("session (#, in the order added)")


def _bar_width(x: np.ndarray, dated: bool) -> float:
    if x.size < 2:
        return 0.6
    spacing = float(np.min(np.diff(np.unique(x)))) if np.unique(x).size > 1 else 1.0
    return 0.6 * spacing if not dated else max(0.6 * spacing, 0.3)


def _fmt(value: float | None, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value is not None and math.isfinite(value) else "-"


def _tempo_panel(ax: Axes, summary: pd.DataFrame, x: np.ndarray) -> None:
    for phase in PHASES:
        mean = summary[f"mean_{phase}_s"].to_numpy(float)
        sd = np.nan_to_num(summary[f"sd_{phase}_s"].to_numpy(float))
        colour = PHASE_COLOURS[phase]
        ax.fill_between(x, mean - sd, mean + sd, color=colour, alpha=PHASE_ALPHA, linewidth=0)
        ax.plot(x, mean, marker="o", markersize=3, color=colour, label=PHASE_LABELS[phase])
    ax.set_ylim(bottom=0)
    ax.set_ylabel("phase duration (s)")
    ax.set_title("tempo per session: mean phase duration, band ± 1 SD over the reps", loc="left")
    ax.legend(loc="upper left", frameon=False, ncols=4, fontsize=6.5)


def _cv_panel(ax: Axes, summary: pd.DataFrame, x: np.ndarray) -> None:
    drawn = False
    for phase in PHASES:
        cv = 100.0 * summary[f"cv_{phase}"].to_numpy(float)
        if not np.isfinite(cv).any():
            continue
        drawn = True
        ax.plot(
            x, cv, marker="o", markersize=3, color=PHASE_COLOURS[phase], label=PHASE_LABELS[phase]
        )
    ax.set_ylim(bottom=0)
    ax.set_ylabel("coefficient of variation (%)")
    # a CV (lower is steadier), so not "tempo consistency": that name is the 0-100 score
    ax.set_title("tempo variability: CV of each phase\n(lower is steadier)", loc="left")
    if drawn:
        ax.legend(loc="upper left", frameon=False, fontsize=6.0, ncols=2)


def _flags_panel(ax: Axes, summary: pd.DataFrame, x: np.ndarray, width: float) -> None:
    rate = 100.0 * np.nan_to_num(summary["flagged_rep_rate"].to_numpy(float))
    counts = {flag: summary[f"n_{flag}"].to_numpy(float) for flag in FLAGS}
    total = np.sum(list(counts.values()), axis=0)
    # Each bar is the flagged-rep rate, split between the flags in proportion to their counts
    # (a rep with two flags would otherwise count twice and the bar pass 100%).
    scale = np.divide(rate, total, out=np.zeros_like(rate), where=total > 0)
    bottom = np.zeros(x.size)
    for flag in FLAGS:
        part = counts[flag] * scale
        if not part.any():
            continue
        ax.bar(
            x, part, bottom=bottom, width=width, color=FLAG_COLOURS.get(flag, "#999999"),
            label=FLAG_WORDS.get(flag, flag), edgecolor="white", linewidth=0.4,
        )  # fmt: skip
        bottom = bottom + part
    ax.plot(
        x, 100.0 * summary["flagged_rep_rate"].to_numpy(float), linestyle="none", marker="_",
        markersize=9, color="black", label="any flag",
    )  # fmt: skip
    top = max(float(rate.max()) if rate.size else 0.0, 10.0)
    ax.set_ylim(0, min(top * 1.35, 135.0))
    if not rate.any():  # bars of height 0 would leave the panel looking empty
        ax.text(
            0.5, 0.5, "no rep flagged in these sessions", transform=ax.transAxes,
            ha="center", va="center", fontsize=8, color="#444444", gid="no-flags",
        )  # fmt: skip
    ax.set_ylabel("reps flagged (%)")
    ax.set_title("flagged reps (bar split by flag count)", loc="left")
    ax.legend(loc="upper left", frameon=False, fontsize=6.0, ncols=2)


def _velocity_panel(
    ax: Axes, result: TrendResult, summary: pd.DataFrame, x_all: np.ndarray
) -> None:
    if result.load_kg is None or result.at_load.empty:
        ax.set_title("velocity at a load", loc="left")
        ax.text(0.5, 0.5, "no session with a load and a velocity", transform=ax.transAxes,
                ha="center", va="center", color="#444444")  # fmt: skip
        return
    position = {sid: k for k, sid in enumerate(summary["session_id"])}
    x = x_all[[position[sid] for sid in result.at_load["session_id"]]]
    v = result.at_load["session_velocity_mps"].to_numpy(float)
    ax.plot(x, v, marker="o", markersize=4, color=MCV_COLOUR)
    low, high = float(np.min(v)), float(np.max(v))
    pad = max(0.05, 0.15 * (high - low))
    ax.set_ylim(max(0.0, low - pad), high + pad)
    ax.set_ylabel("velocity (m/s)")
    ax.set_title(f"velocity at {result.load_kg:g} kg (mean of each set's fastest rep)", loc="left")


def _lv_panel(ax: Axes, result: TrendResult) -> None:
    summary = result.summary
    loads = summary["load_kg"].to_numpy(float)
    velocity = summary["session_velocity_mps"].to_numpy(float)
    keep = np.isfinite(loads) & np.isfinite(velocity)
    ax.scatter(loads[keep], velocity[keep], s=14, color=MCV_COLOUR, zorder=3, label="sessions")
    ax.set_xlabel("load (kg)")
    ax.set_ylabel("velocity (m/s)")
    estimate = result.estimate
    if estimate is None:
        ax.set_title("load-velocity profile: no 1RM estimate", loc="left")
        reason = "\n".join(textwrap.wrap(result.refusal or "no estimate", 48))
        ax.text(0.03, 0.04, reason, transform=ax.transAxes, ha="left", va="bottom",
                fontsize=6.5, color="#444444", gid="refusal")  # fmt: skip
        return
    mvt = estimate.threshold.mvt_mps
    right = estimate.one_rm_kg
    if estimate.bounded:
        right = max(right, estimate.ci_high_kg)
    left = min(float(loads[keep].min()), estimate.one_rm_kg) * 0.9
    right = right * 1.04
    line_x = np.linspace(left, right, 50)
    ax.plot(line_x, estimate.velocity_at(line_x), color=FIT_COLOUR, label="fitted line")
    ax.axhline(mvt, color="black", linestyle="--", linewidth=0.8,
               label=f"minimum velocity threshold {mvt:g} m/s")  # fmt: skip
    if estimate.bounded:
        ax.errorbar(
            [estimate.one_rm_kg], [mvt],
            xerr=[[estimate.one_rm_kg - estimate.ci_low_kg],
                  [estimate.ci_high_kg - estimate.one_rm_kg]],
            fmt="D", color=FIT_COLOUR, markersize=5, capsize=3, zorder=4,
            label=f"estimated 1RM, {100 * estimate.confidence:g}% CI",
        )  # fmt: skip
        level = f"{100 * estimate.confidence:g}%"
        interval = f"{level} CI {estimate.ci_low_kg:.1f}-{estimate.ci_high_kg:.1f} kg"
    else:
        ax.plot([estimate.one_rm_kg], [mvt], "D", color=FIT_COLOUR, markersize=5,
                label="estimated 1RM")  # fmt: skip
        interval = "CI unbounded"
    ax.set_xlim(left, right)
    ax.set_ylim(0, max(float(velocity[keep].max()) * 1.15, mvt * 2))
    ax.set_title("load-velocity profile and estimated 1RM", loc="left")
    text = (
        f"estimated 1RM {estimate.one_rm_kg:.1f} kg\n{interval}\n"
        "an estimate, not a measured 1RM\n"
        f"v = {estimate.intercept_mps:.3f} {estimate.slope_mps_per_kg:+.4f}·load, "
        f"r² {estimate.r_squared:.2f}\n{estimate.n_points} sessions, {estimate.n_loads} loads"
    )
    ax.text(0.97, 0.97, text, transform=ax.transAxes, ha="right", va="top", fontsize=6.3,
            gid="estimate")  # fmt: skip
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 0.2), frameon=False, fontsize=5.8)


def plot_trends(result: TrendResult, *, source: str | None = None) -> Figure:
    """Draw the trends page of one athlete's exercise (panels in the module docs).

    Parameters
    ----------
    result
        From :func:`repscope.history.trends.compute_trends`.
    source
        Where the sessions came from (e.g. the history file), for the footer.
    """
    summary = result.summary.reset_index(drop=True)
    with report_style():
        fig = Figure(figsize=PAGE_IN)  # A4 landscape, as the session reports
        FigureCanvasAgg(fig)
        who = result.athlete or "athlete not recorded"
        dates = [d for d in summary["date"] if isinstance(d, str) and d]
        span = f", {min(dates)} to {max(dates)}" if dates else ""
        fig.text(0.04, 0.975, f"Trends: {who}, {result.exercise}", fontsize=13,
                 fontweight="bold", va="top", ha="left")  # fmt: skip
        estimate_line = (
            result.estimate.describe()
            if result.estimate is not None
            else f"no 1RM estimate: {result.refusal}"
        )
        head = [
            f"{len(summary)} session{'s' if len(summary) != 1 else ''}{span} | "
            f"{int(summary['n_reps'].sum())} reps",
            "\n".join(textwrap.wrap(estimate_line, 170)),
        ]
        fig.text(0.04, 0.935, "\n".join(head), fontsize=8.0, va="top", ha="left",
                 linespacing=1.45)  # fmt: skip
        grid = fig.add_gridspec(
            2, 3, left=0.065, right=0.975, top=0.83, bottom=0.11,
            hspace=0.42, wspace=0.3,
        )  # fmt: skip
        x, dated = _x_values(summary)
        ax_tempo = fig.add_subplot(grid[0, :2])
        ax_cv = fig.add_subplot(grid[0, 2])
        ax_flags = fig.add_subplot(grid[1, 0])
        ax_vel = fig.add_subplot(grid[1, 1])
        ax_lv = fig.add_subplot(grid[1, 2])
        _tempo_panel(ax_tempo, summary, x)
        _cv_panel(ax_cv, summary, x)
        _flags_panel(ax_flags, summary, x, _bar_width(x, dated))
        _velocity_panel(ax_vel, result, summary, x)
        _lv_panel(ax_lv, result)
        for ax in (ax_tempo, ax_cv, ax_flags, ax_vel):
            _format_x(ax, dated, len(summary))
            if dated and len(x):
                pad = max(1.0, 0.03 * float(x.max() - x.min()))
                ax.set_xlim(float(x.min()) - pad, float(x.max()) + pad)
        for ax, gid in zip((ax_tempo, ax_cv, ax_flags, ax_vel, ax_lv), PANELS, strict=True):
            ax.set_gid(gid)
        threshold = (
            result.estimate.threshold.source if result.estimate is not None else "no estimate"
        )
        footer = (
            f"repscope {__version__} | sessions from {source or 'the training history'} | "
            "session velocity: mean over sets of each set's fastest mean concentric velocity | "
            "1RM: load where the least-squares load-velocity line reaches the minimum velocity "
            f"threshold ({threshold}); Fieller confidence interval; an estimate, not a "
            "measured 1RM"
        )
        fig.text(0.04, 0.012, "\n".join(textwrap.wrap(footer, 230)), fontsize=5.8,
                 color="#444444", va="bottom", ha="left", gid="footer")  # fmt: skip
    return fig


def write_trends(
    result: TrendResult,
    path: str | Path,
    *,
    source: str | None = None,
    dpi: float = DEFAULT_PNG_DPI,
) -> Path:
    """Draw the trends page and write it to ``path`` (``.pdf``, ``.png`` or ``.svg``).

    The same result gives the same bytes (see :mod:`repscope.report.writer`).
    """
    fmt = report_format(path)
    fig = plot_trends(result, source=source)
    with report_style():
        try:
            fig.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", path=path) from None
    return Path(path)
