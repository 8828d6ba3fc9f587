"""Reps hidden in a data gap, inferred from the set's rhythm.

BLE streams lose seconds at a time (the real MetaMotion wrist sets have gaps of 2-4 s
inside sets). A rep whose turnaround falls in such a gap was performed, and a lifter
counts it; its phases and speed are unknown. The rule:

1. The set's *rhythm* ``P`` is the median interval between the middle turnarounds of
   consecutive reps that no gap separates (at least ``MIN_INTERVALS`` of them).
2. For two consecutive reps with a gap between their turnarounds, the interval ``D``
   between the turnarounds holds ``round(D / P) - 1`` more reps when ``D / P`` is at least
   ``MIN_RATIO`` (1.5: halfway between one interval and two, so a rep slowed by a long
   pause is not doubled). Each inferred rep is placed where the rhythm puts it and must
   fall inside the gap: a rep the data show would have been found.
3. Inferred reps carry no measurement (NaN), ``low`` confidence and the reason
   "inside a data gap ... inferred from the set's rhythm (partial)".
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Fewest gap-free turnaround intervals that define a set's rhythm.
MIN_INTERVALS = 3
#: Interval ratio from which a gap holds a hidden rep (module docs).
MIN_RATIO = 1.5


@dataclass(frozen=True)
class GapRep:
    """A rep inferred inside a data gap."""

    after: int  # index of the rep it follows
    turn_s: float  # where the rhythm puts its middle turnaround
    gap_start_s: float
    gap_end_s: float


def _in_gap(a: float, b: float, gaps: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(g0, g1) for g0, g1 in gaps if g0 < b and g1 > a]


def infer_gap_reps(
    turn_times_s: Sequence[float], gaps: Sequence[tuple[float, float]]
) -> list[GapRep]:
    """Return the reps hidden in ``gaps`` between consecutive turnarounds (module docs).

    Parameters
    ----------
    turn_times_s
        Middle turnaround of each rep of one set, in time order (s).
    gaps
        Data gaps as ``(start_s, end_s)``.
    """
    turns = np.asarray(turn_times_s, dtype=float)
    if turns.size < 2 or not gaps:
        return []
    intervals = np.diff(turns)
    crossing = [bool(_in_gap(a, b, gaps)) for a, b in itertools.pairwise(turns)]
    clean = intervals[~np.asarray(crossing)]
    if clean.size < MIN_INTERVALS:
        return []
    period = float(np.median(clean))
    if not period > 0:
        return []
    out: list[GapRep] = []
    for k, (interval, crosses) in enumerate(zip(intervals, crossing, strict=True)):
        if not crosses or interval / period < MIN_RATIO:
            continue
        hidden = round(interval / period) - 1
        step = interval / (hidden + 1)
        for j in range(1, hidden + 1):
            turn = float(turns[k] + j * step)
            inside = [g for g in gaps if g[0] <= turn <= g[1]]
            if inside:
                out.append(GapRep(k, turn, inside[0][0], inside[0][1]))
    return out


def gap_rep_reason(rep: GapRep) -> str:
    """Return the confidence reason of an inferred rep."""
    return (
        f"inside a data gap ({rep.gap_start_s:.1f}-{rep.gap_end_s:.1f} s): "
        "inferred from the set's rhythm (partial)"
    )
