"""What every report page shares: the figure, header, footer, rep axis and the set words.

Private to :mod:`repscope.report`; the pages are :mod:`repscope.report.set_page` and
:mod:`repscope.report.summary_page`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from repscope.analysis import SessionAnalysis
from repscope.analysis.advice import NextSet, advise_set, thresholds_of
from repscope.analysis.reference import Drift, compare_with_reference, reference_set_of
from repscope.analysis.vbt import RIR_CONFIDENCE
from repscope.report.style import PAGE_IN
from repscope.tempo import Tempo, parse_tempo

#: Text shown when there is nothing to plot.
NO_REPS_TEXT = "No reps detected"

#: Set-table columns an analysis may carry for the load and the estimated 1RM (added by
#: the velocity-based-training analysis when the load is known); the first present wins.
LOAD_COLUMNS: tuple[str, ...] = ("load_kg",)
E1RM_COLUMNS: tuple[str, ...] = ("e1rm_kg", "estimated_1rm_kg")

#: Characters of a page title that fit the page's width at 13 pt bold (longer: smaller).
TITLE_MAX_CHARS = 88

#: Where the methods behind every number are written down (the footer points there).
METHODS_DOC = "docs/methods.md"


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite number."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fmt(value: Any, digits: int = 1, scale: float = 1.0, suffix: str = "") -> str:
    """``value * scale`` to ``digits`` decimals with ``suffix``; ``-`` when missing."""
    return f"{float(value) * scale:.{digits}f}{suffix}" if finite(value) else "-"


def new_figure() -> Figure:
    """Return an A4 landscape figure on an Agg canvas (no pyplot)."""
    fig = Figure(figsize=PAGE_IN)
    FigureCanvasAgg(fig)
    return fig


def resolve_tempo(result: SessionAnalysis, tempo: str | Tempo | None) -> Tempo | None:
    """Return the tempo to draw against: the one given, else the analysis's, else None."""
    if isinstance(tempo, Tempo):
        return tempo
    code = tempo if tempo is not None else result.provenance.get("tempo")
    return parse_tempo(code) if code else None


def stop_line(result: SessionAnalysis, stop_at_loss: float | None) -> tuple[float, str]:
    """Return the velocity-loss line to draw (0..1) and its label.

    The stop threshold when one is given (``--stop-at-loss``); otherwise the exercise's
    ``large_velocity_loss`` (40 %), the loss at which the set is called ``fatigued``.
    """
    if stop_at_loss is not None:
        return stop_at_loss, f"stop at {stop_at_loss:.0%}"
    large = thresholds_of(result.provenance).large_velocity_loss
    return large, f"fatigued at {large:.0%} (no stop threshold given)"


def set_rows(result: SessionAnalysis, set_number: int) -> list[dict[str, Any]]:
    """Return the rep rows of one set, by rep number, with string keys."""
    reps = result.reps[result.reps["set"] == set_number].sort_values("rep")
    return [{str(k): v for k, v in r.items()} for r in reps.to_dict(orient="records")]


def advice_for(
    result: SessionAnalysis,
    set_row: Mapping[str, Any],
    *,
    tempo: Tempo | None,
    stop_at_loss: float | None,
) -> NextSet:
    """Return the set's "next set" advice (:func:`repscope.analysis.advice.advise_set`)."""
    rows = set_rows(result, int(set_row["set"]))
    return advise_set(rows, set_row, result.provenance, tempo=tempo, stop_at_loss=stop_at_loss)


#: The source of the reps-in-reserve estimate, as the pages cite it
#: (:mod:`repscope.analysis.vbt`).
RIR_SOURCE = "Sánchez-Medina & González-Badillo 2011"


def rir_text(set_row: Mapping[str, Any], provenance: Mapping[str, Any]) -> str:
    """Return the set's reps in reserve, labelled an estimate with its source, or why not.

    Empty when the set table has no RIR columns (an analysis made before they existed).
    """
    if "estimated_rir" not in set_row and "estimated_rir_note" not in set_row:
        return ""
    rir = first_value(set_row, ("estimated_rir",))
    if rir is None:
        note = str(set_row.get("estimated_rir_note") or "no RIR estimate")
        return note if note.strip() else "no RIR estimate"
    low, high = set_row.get("estimated_rir_low"), set_row.get("estimated_rir_high")
    vbt = provenance.get("velocity_based_training") or {}
    mvt = first_value(vbt, ("mvt_mps",)) if isinstance(vbt, Mapping) else None
    to_mvt = f" to the MVT {mvt:g} m/s" if mvt is not None else ""
    return (
        f"reps in reserve {rir:.0f} ({100 * RIR_CONFIDENCE:g}% interval "
        f"{fmt(low, 0)}-{fmt(high, 0)}), an estimate: the set's bar speed per rep "
        f"extrapolated{to_mvt} ({RIR_SOURCE})"
    )


def rir_cell(set_row: Mapping[str, Any]) -> str:
    """Return the reps in reserve for a table cell: ``"2 (1-4)"``, or ``"-"``."""
    rir = first_value(set_row, ("estimated_rir",))
    if rir is None:
        return "-"
    low, high = set_row.get("estimated_rir_low"), set_row.get("estimated_rir_high")
    return f"{rir:.0f} ({fmt(low, 0)}-{fmt(high, 0)})"


@dataclass(frozen=True)
class Baseline:
    """The reference set the other sets are compared with, and how they drift from it."""

    reference: int | None
    why: str
    drifts: tuple[Drift, ...]

    def set_text(self, set_number: int) -> str:
        """Return one set's comparison in words; empty without a reference (one set)."""
        if self.reference is None:
            return ""
        if set_number == self.reference:
            return (
                f"baseline: this set ({self.why}); the other sets are compared with it "
                "for tempo, range, smoothness and bar path"
            )
        found = [d.text for d in self.drifts if d.set == set_number]
        return f"against the baseline, set {self.reference} ({self.why}): " + (
            "; ".join(found) if found else "no drift in tempo, range, smoothness or bar path"
        )


def baseline(result: SessionAnalysis, reference_set: int | None = None) -> Baseline:
    """Compare the sets with the reference set (:mod:`repscope.analysis.reference`).

    ``reference_set`` names it (``--reference-set``); None: the lightest set, else the
    first. With one set there is no reference.
    """
    if result.sets.empty:
        return Baseline(None, "no sets", ())
    reference, why = reference_set_of(result.sets, reference_set)
    if reference is None:
        return Baseline(None, why, ())
    return Baseline(reference, why, tuple(compare_with_reference(result.reps, reference=reference)))


def first_value(row: Mapping[str, Any], columns: Sequence[str]) -> float | None:
    """Return the first finite value among ``columns`` of ``row``, else None."""
    for column in columns:
        if finite(row.get(column)):
            return float(row[column])
    return None


def describe(result: SessionAnalysis, set_row: Mapping[str, Any] | None = None) -> str:
    """``exercise, load, placement``: the set's load when the set table has it."""
    prov = result.provenance
    load = first_value(set_row or {}, LOAD_COLUMNS)
    if load is None and finite(result.meta.get("load_kg")):
        load = float(result.meta["load_kg"])
    set_loads = [
        float(value)
        for column in LOAD_COLUMNS
        if set_row is None and column in result.sets.columns
        for value in result.sets[column]
        if finite(value)
    ]
    if load is None and set_loads:  # a session page: the loads of its sets
        low, high = min(set_loads), max(set_loads)
        load_text = f"{low:g} kg" if low == high else f"{low:g}-{high:g} kg"
    else:
        load_text = f"{load:g} kg" if load is not None else "load not recorded"
    return f"{prov.get('exercise', '?')}, {load_text}, {prov.get('placement', '?')}"


def footer(fig: Figure, result: SessionAnalysis) -> None:
    """One plain line: who made the page from what, and where the methods are written."""
    prov = result.provenance
    rate: Any = prov.get("sampling_rate_hz")
    source_rate: Any = prov.get("source_sampling_rate_hz")
    rate_text = f"{rate:g} Hz" if finite(rate) else "unknown-rate"
    if finite(source_rate) and finite(rate) and float(source_rate) != float(rate):
        rate_text += f" (recorded at {float(source_rate):g} Hz)"
    gaps = int(prov.get("bridged_gaps", 0) or 0)
    text = (
        f"Made by repscope {prov.get('repscope_version', '?')} from a {rate_text} recording "
        f"(device {prov.get('device') or 'unknown'}); {gaps} gap{'s' if gaps != 1 else ''} "
        f"bridged. How each number is measured: {METHODS_DOC}; the settings used: "
        "repscope analyze --json."
    )
    fig.text(
        0.04, 0.012, "\n".join(textwrap.wrap(text, 200)), fontsize=6.2, color="#444444",
        va="bottom", ha="left", gid="footer",
    )  # fmt: skip


def header(fig: Figure, title: str, lines: Sequence[str], *, advice: str = "") -> float:
    """Title, info lines and the bold "Next set" line; return the y below them.

    A long title (a device's file name) is set smaller so that it stays on the page.
    """
    size = min(13.0, 13.0 * TITLE_MAX_CHARS / max(len(title), 1))
    fig.text(0.04, 0.975, title, fontsize=size, fontweight="bold", va="top", ha="left")
    y = 0.935
    if lines:
        fig.text(0.04, y, "\n".join(lines), fontsize=8.5, va="top", ha="left", linespacing=1.45)
        y -= 0.0215 * len(lines) + 0.008
    if advice:
        fig.text(
            0.04, y, advice, fontsize=10, fontweight="bold", va="top", ha="left",
            color="#0B4F8A", gid="next-set",
        )  # fmt: skip
        y -= 0.035
    return y


def empty_page(fig: Figure, result: SessionAnalysis, title: str, detail: str) -> None:
    """Draw the "No reps detected" page, with the footer."""
    header(fig, title, [])
    fig.text(0.5, 0.55, NO_REPS_TEXT, fontsize=20, ha="center", va="center", gid="no-reps")
    fig.text(0.5, 0.49, detail, fontsize=9, ha="center", va="center", color="#444444")
    footer(fig, result)


def rep_tick_step(positions: np.ndarray, *, axis_width_in: float, span: float, chars: int) -> int:
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


def rep_axis(ax: Axes, numbers: Sequence[int], *, label: str = "rep (#)") -> None:
    """Integer ticks 1..n labelled with ``numbers``, thinned so labels never collide."""
    n = len(numbers)
    ax.set_xlim(0.4, max(n, 1) + 0.6)
    width_in = ax.get_position().width * PAGE_IN[0]
    step = rep_tick_step(
        np.arange(1, n + 1, dtype=float), axis_width_in=width_in, span=n + 0.2,
        chars=len(str(max(numbers, default=1))),
    )  # fmt: skip
    ticks = list(range(1, n + 1, step))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([str(numbers[t - 1]) for t in ticks])
    ax.set_xlabel(label)
