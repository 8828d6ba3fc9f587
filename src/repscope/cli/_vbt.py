"""Terminal lines for velocity-based training: loads, MPV, reps in reserve, same-day 1RM.

Loads are kilograms inside repscope; ``--units lb`` converts them for display only (the
JSON and CSV outputs stay in kg, their column names say so). Light at import: the
analysis is imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from repscope.analysis.reference import Drift
    from repscope.analysis.vbt_step import SameDayProfile

#: The units ``--units`` takes (loads only; velocities stay in m/s, power in W).
UNITS: tuple[str, ...] = ("kg", "lb")

#: One pound in kilograms (:data:`repscope.analysis.vbt.KG_PER_LB`).
KG_PER_LB = 0.45359237


def fmt_load(load_kg: float | None, units: str, digits: int = 1) -> str:
    """Format a load in ``units`` (``kg`` or ``lb``), e.g. ``"176.4 lb"``; ``"-"`` if unknown."""
    if load_kg is None or not math.isfinite(load_kg):
        return "-"
    value = load_kg / KG_PER_LB if units == "lb" else load_kg
    return f"{value:.{digits}f} {units}".replace(".0 ", " ")


def vbt_line(set_row: Mapping[Any, Any], reps: pd.DataFrame, *, units: str) -> str:
    """One line per set: load, power, best MPV and the reps in reserve (or why none)."""
    import numpy as np

    parts = []
    load = float(set_row.get("load_kg", math.nan))
    if math.isfinite(load):
        parts.append(f"load {fmt_load(load, units)}")
        mean_w = reps["mean_concentric_power_w"].to_numpy(float)
        peak_w = reps["peak_concentric_power_w"].to_numpy(float)
        if np.isfinite(mean_w).any():
            parts.append(f"power {np.nanmean(mean_w):.0f} W mean, {np.nanmax(peak_w):.0f} W peak")
    best = float(set_row.get("best_mpv_mps", math.nan))
    if math.isfinite(best):
        parts.append(f"best MPV {best:.2f} m/s")
    rir = float(set_row.get("estimated_rir", math.nan))
    note = str(set_row.get("estimated_rir_note") or "")
    if math.isfinite(rir):
        low, high = float(set_row["estimated_rir_low"]), float(set_row["estimated_rir_high"])
        parts.append(f"reps in reserve {rir:.0f} (range {low:.0f}-{high:.0f}; {note})")
    elif note:
        parts.append(note)
    return "; ".join(parts)


def profile_lines(profile: SameDayProfile, *, units: str) -> list[str]:
    """Return the same-day load-velocity profile's lines: points, 1RM estimate or refusal."""
    shown = ", ".join(
        f"set {s}: {fmt_load(load, units)} at {v:.2f} m/s" for s, load, v in profile.points
    )
    lines = [f"Load-velocity profile (best MCV per set): {shown or 'no set with a load'}"]
    lines += [f"  left out: {why}" for why in profile.left_out]
    e = profile.estimate
    if e is None:
        lines.append(f"  no 1RM estimate: {profile.refusal}")
        return lines
    level = f"{100 * e.confidence:g}%"
    interval = f"{level} interval {fmt_load(e.ci_low_kg, units)} to {fmt_load(e.ci_high_kg, units)}"
    slope = e.slope_mps_per_kg * (KG_PER_LB if units == "lb" else 1.0)
    lines.append(
        f"  estimated 1RM {fmt_load(e.one_rm_kg, units)} ({interval}) where the line "
        f"reaches {e.threshold.mvt_mps:g} m/s (threshold: {e.threshold.source}); "
        f"line v = {e.intercept_mps:.3f} {slope:+.5f} x load "
        f"m/s per {units}, R^2 {e.r_squared:.3f}"
    )
    beyond = e.one_rm_kg / e.max_load_kg - 1.0
    if beyond > 0.25:
        lines.append(
            f"  the estimate lies {100 * beyond:.0f}% above the heaviest set: heavier sets "
            "would make it more reliable"
        )
    if e.mvt_range_kg is not None:
        lo, hi = sorted(e.mvt_range_kg)
        lines.append(
            f"  the threshold varies between lifters: at +-1 SD the estimate is "
            f"{fmt_load(lo, units)} to {fmt_load(hi, units)}"
        )
    return lines


def reference_lines(
    reference: str, why: str, compared: list[int], drifts: list[Drift]
) -> list[str]:
    """Return where each set drifts from the reference (e.g. ``"set 1"``), one line per set."""
    lines = [f"Against {reference} ({why}), the lifter's baseline:"]
    for number in compared:
        found = [d.text for d in drifts if d.set == number]
        lines.append(
            f"  set {number}: "
            + ("; ".join(found) if found else "no drift in tempo, range, smoothness or bar path")
        )
    return lines
