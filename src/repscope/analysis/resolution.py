"""What the data can resolve: reps that were not measured, flags that are withheld.

The flag rules of :mod:`repscope.analysis.flags` read a rep only where its numbers can be
trusted (:func:`unmeasured_reasons`) and raise a flag only where the data resolve it
(:func:`rushed_negative_withheld`); each returns the reason a lifter sees otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from repscope.analysis.profiles import MAX_BARBELL_TRAVEL_M, MERGED_TRAVEL_RATIO, FlagThresholds
from repscope.analysis.robust import robust_sd, upper_half_median

if TYPE_CHECKING:
    from repscope.analysis.metrics import RepMetrics


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def full_range_reference(travel_m: np.ndarray, *, fraction: float) -> float:
    """Return the set's full range of motion, the reference of ``partial_rom``.

    Parameters
    ----------
    travel_m
        One stroke's travel per rep of the set (m); NaN entries (unknown) are ignored.
    fraction
        ``partial_rom_fraction``: a rep travelling less than this fraction of the full
        range is cut short.

    Returns
    -------
    float
        The median travel of the reps with ``travel >= fraction * p90``, ``p90`` being the
        set's 90th percentile travel (its maximum with fewer than 3 known values); NaN
        without any known value.
    """
    known = travel_m[np.isfinite(travel_m)]
    if known.size == 0:
        return math.nan
    return float(np.median(known[known >= fraction * _top_travel(known)]))


def _top_travel(known: np.ndarray) -> float:
    """Return the set's 90th percentile travel (its maximum with fewer than 3 values)."""
    return float(np.percentile(known, 90)) if known.size >= 3 else float(np.max(known))


def full_range_support(travel_m: np.ndarray, *, fraction: float) -> tuple[int, int]:
    """Return how many of the known reps make the full range, and how many are known.

    The reps of :func:`full_range_reference` (travel at least ``fraction`` x the set's
    90th percentile). A partial rep is cut short of the range the set shows; when fewer
    than half the reps reach it, the long ones are as likely over-measured (a merged
    cycle, an impulse integrated across a gap: the real-like arm's range of motion has
    95% limits of agreement of about +-0.3 m) as the short ones cut short, so
    ``partial_rom`` is not judged (the "full range" is what most reps of a set do).
    """
    known = travel_m[np.isfinite(travel_m)]
    if known.size == 0:
        return 0, 0
    return int(np.count_nonzero(known >= fraction * _top_travel(known))), int(known.size)


def timing_scatter_s(durations_s: np.ndarray) -> float:
    """Return the set's scatter of one phase's measured durations (s), a robust SD.

    1.4826 x the median absolute deviation of the known values: the lifter's own
    rep-to-rep variation plus the timing error of the phase boundaries, robust to the few
    faulty reps of a set. 0 with fewer than 3 known values (nothing to measure it on).
    """
    known = durations_s[np.isfinite(durations_s)]
    if known.size < 3:
        return 0.0
    return robust_sd(known)


def rushed_negative_limit_s(target_s: float | None, thresholds: FlagThresholds) -> float:
    """Return the eccentric duration (s) under which a lowering is rushed (module docs)."""
    t = thresholds
    if target_s is not None and _finite(target_s) and target_s > 0:
        return t.rushed_negative_fraction * target_s
    return t.rushed_negative_min_eccentric_s


def rushed_negative_withheld(
    eccentric_s: float,
    *,
    limit_s: float,
    scatter_s: float,
    travel_fraction: float,
    thresholds: FlagThresholds,
) -> str:
    """Why a lowering under ``limit_s`` is not resolved as rushed ("" when it is).

    ``travel_fraction``: the eccentric's travel over the set's full eccentric travel (NaN
    when unknown); ``scatter_s``: :func:`timing_scatter_s` of the set's eccentrics. Steps
    1 and 2 of ``rushed_negative`` in the module docs.
    """
    t = thresholds
    if _finite(travel_fraction) and travel_fraction < t.partial_rom_fraction:
        return (
            f"rushed_negative not judged: the {eccentric_s:.2f} s lowering stroke travelled "
            f"{travel_fraction:.0%} of the set's full descent (split, not the whole lowering)"
        )
    margin = t.rushed_negative_noise_margin * scatter_s
    if not eccentric_s < limit_s - margin:
        return (
            f"rushed_negative not judged: lowering {eccentric_s:.2f} s is within "
            f"{margin:.2f} s (the set's timing scatter {scatter_s:.2f} s x "
            f"{t.rushed_negative_noise_margin:g}) of the {limit_s:.2f} s limit"
        )
    return ""


#: How a withheld ``partial_rom`` begins (:mod:`.flags`): the rep's range is not resolved.
PARTIAL_ROM_WITHHELD = "partial_rom not judged"


def range_unresolved(withheld: Sequence[str]) -> bool:
    """Whether a rep's range is unresolved: its ``partial_rom`` was withheld.

    The one rule for both uses. Where fewer than half the judged reps reach the set's full
    range, a short rep is neither flagged partial nor known to be full; velocity loss,
    which compares full-range reps only (:func:`.flags.velocity_loss`), leaves it out as
    well: a short rep is fast because it is short.
    """
    return any(w.startswith(PARTIAL_ROM_WITHHELD) for w in withheld)


def implausible_travel(rom_m: float, eccentric_rom_m: float = math.nan) -> str:
    """Why a rep's measured travel cannot be a lift ("" when it can).

    The one home of the rule (:data:`~repscope.analysis.profiles.MAX_BARBELL_TRAVEL_M`):
    such a rep was merged with its neighbours or integrated across a lost impulse, so
    none of its numbers can be trusted.
    """
    worst = max((v for v in (rom_m, eccentric_rom_m) if _finite(v)), default=math.nan)
    if _finite(worst) and worst > MAX_BARBELL_TRAVEL_M:
        return (
            f"measured travel {worst:.1f} m is beyond any barbell lift "
            f"({MAX_BARBELL_TRAVEL_M:g} m): not measured, no flag raised"
        )
    return ""


def unmeasured_reasons(reps: Sequence[RepMetrics], *, thresholds: FlagThresholds) -> list[str]:
    """Per rep, why its numbers cannot be trusted ("" when they can); the one rule.

    First any travel beyond a barbell lift (:func:`implausible_travel`); then, against
    the set's typical travel (the median of the upper half, at least three, of the
    remaining complete reps: not lowered by partial reps, and not raised by one outlier
    as a high percentile of a short set is), a travel over
    :data:`~repscope.analysis.profiles.MERGED_TRAVEL_RATIO` times it.
    """
    out = [implausible_travel(r.rom_m, r.eccentric_rom_m) for r in reps]
    rom = np.array(
        [
            r.rom_m if not why and _finite(r.eccentric_s) and _finite(r.concentric_s) else math.nan
            for r, why in zip(reps, out, strict=True)
        ],
        dtype=float,
    )
    if np.count_nonzero(np.isfinite(rom)) < 3:
        return out  # too few reps to say what the set's typical travel is
    typical = upper_half_median(rom[np.isfinite(rom)])
    for k, rep in enumerate(reps):
        if not out[k] and _finite(rep.rom_m) and rep.rom_m > MERGED_TRAVEL_RATIO * typical:
            out[k] = (
                f"travelled {rep.rom_m:.2f} m, {rep.rom_m / typical:.1f}x the set's typical "
                f"{typical:.2f} m: two reps merged or mismeasured, no flag raised"
            )
    return out


def with_unmeasured(
    reps: Sequence[RepMetrics],
    *,
    thresholds: FlagThresholds,
    unmeasured: Sequence[str] | None = None,
) -> list[RepMetrics]:
    """Return ``reps`` with ``low`` confidence and the reason where not measured.

    ``unmeasured``: :func:`unmeasured_reasons` of ``reps`` if already computed.
    """
    if unmeasured is None:
        unmeasured = unmeasured_reasons(reps, thresholds=thresholds)
    out = []
    for rep, why in zip(reps, unmeasured, strict=True):
        if why and why not in rep.confidence_reasons:
            rep = replace(rep, confidence="low", confidence_reasons=(*rep.confidence_reasons, why))
        out.append(rep)
    return out
