"""Per-rep kinematics of reps found by their rhythm, and the choice between the two finders.

Two stages find reps:

* the **stroke finder** (:mod:`.strokes`, :mod:`.reps`): velocity integrated between rests
  (zero-velocity updates), split into strokes by its sign. Precise where the bar rests
  between reps, but without rests its velocity drifts and reps are lost.
* the **cycle finder** (:mod:`.segmentation`): one middle turnaround per rep from the set's
  rhythm, no rests needed.

:func:`choose_reps` decides per gap-free stretch, in one place:

1. the bar never rested in the stretch (no still interval at all, as in every real bar
   set measured): nothing anchors the stroke finder's velocity, so the cycle reps,
   ``high`` if the stroke finder counts the same, else ``medium``;
2. both agree (same count, each cycle's window holds the middle turnaround of exactly one
   stroke rep): the stroke reps, confidence ``high``;
3. they disagree and the bar rested at least once inside the set (between the first
   rep's start and the last one's end, by either finder): the stroke finder's velocity
   is anchored, so its reps are used, ``medium``, with both counts in the reason. On
   simulated sets with rests the rhythm is the weaker finder: it merges reps when the
   autocorrelation picks a multiple of the period. Except where the rhythm holds a whole
   rep (at least the range at which it counts a rep on its own) that no stroke rep
   covers for half its time: an anchor holds the velocity only near it, and an impulse
   lost in a radio gap far from it swallows a rep (:func:`_uncovered_cycles`); then
   the cycle reps, ``medium``. On the real-like arm, dev seeds 280000-280079, this took
   exact counts from 77.5 % to 82.5 % (4 sets, each of them right), with simulated
   sets with rests (seeds 0-159) 100 % exact before and after;
4. otherwise (no rest inside the set) the cycle reps, measured here.

Per-rep kinematics of a cycle rep
---------------------------------
The bar's vertical velocity is zero at each turnaround, so each stroke (valley to middle
turnaround, middle turnaround to valley) is integrated on its own from the
orientation-free vertical acceleration ``|f| - g`` with zero velocity at both ends: the
running integral minus a linear ramp that closes it (the zero-velocity update of
practitioners who restart integration at every phase boundary; Zhang et al. 2024,
doi:10.1007/s11036-024-02293-0, combine integration with filtering for the same reason).
Each stroke's start and end come from the same rule as the stroke finder's: the bell
model of its speed (:func:`.strokes.bell_boundaries`, strokes step 3), so a pause is the
time between one stroke's modelled end and the next one's start. A speed threshold
would not do: a minimum-jerk stroke spends 5.9 % of its duration at each end under 5 %
of its peak speed, so a threshold shortens every phase and lengthens every pause by
about a tenth of a second (measured on the real-like arm, dev seeds 200000-200039:
eccentric bias -0.24 s with the threshold, -0.10 s with the bell model; concentric
-0.15 s and -0.02 s). Only where the fit fails is the dwell under
:data:`PAUSE_SPEED_FRACTION` of the peak speed taken as the pause.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from repscope.analysis.filters import cumulative_trapezoid
from repscope.analysis.profiles import MERGED_TRAVEL_RATIO
from repscope.analysis.reps import Rep
from repscope.analysis.segmentation import Cycle
from repscope.analysis.strokes import Stroke, bell_boundaries
from repscope.recording import check_sampling_rate

#: Share of a stroke's peak speed under which its ends count as a pause (module docs).
PAUSE_SPEED_FRACTION = 0.05


@dataclass(frozen=True)
class RepChoice:
    """Which finder's reps a stretch uses, and why."""

    finder: str  # "strokes" or "cycles"
    confidence: str  # "high", "medium" or "low"
    reasons: tuple[str, ...]


@dataclass
class CycleKinematics:
    """Reps built from cycles, with the stretch's velocity and position (m/s, m)."""

    reps: list[Rep]
    velocity_mps: np.ndarray
    position_m: np.ndarray


def _turn_time_s(rep: Rep) -> float:
    """Return the time of the rep's middle turnaround (the end of its first stroke)."""
    return rep.first.end_s


def choose_reps(
    stroke_reps: Sequence[Rep],
    cycles: Sequence[Cycle],
    *,
    rests: Sequence[tuple[int, int]],
    sampling_rate_hz: float,
    min_excursion_ratio: float = 0.5,
) -> RepChoice:
    """Choose the stroke or the cycle reps of a stretch (rule in the module docs).

    ``rests`` are the stroke finder's still intervals (sample ranges of the stretch);
    ``min_excursion_ratio`` the range (share of the set's typical) at which the rhythm
    counts a rep on its own (:class:`.segmentation.SegmentationSettings`'
    ``min_excursion_fraction``), which a rep the stroke finder lost must reach.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    if not cycles:
        return RepChoice("strokes", "medium" if stroke_reps else "high", ("no rhythm found",))
    hits = _turn_hits(stroke_reps, cycles, rate)
    agree = len(stroke_reps) == len(cycles) and bool(np.all(hits == 1))
    if not rests:
        # nothing anchors the stroke finder's velocity: measure from the turnarounds
        return RepChoice(
            "cycles",
            "high" if agree else "medium",
            (
                "the bar never rested: reps measured between their turnarounds"
                + (", and the stroke finder agrees on the count" if agree else ""),
            ),
        )
    if agree:
        return RepChoice("strokes", "high", ("rests and rhythm agree",))
    first = min([cycles[0].start_idx, *(r.first.start_idx for r in stroke_reps)])
    last = max([cycles[-1].end_idx, *(r.last.end_idx for r in stroke_reps)])
    inside = sum(1 for a, b in rests if a > first and b < last)
    missed = _uncovered_cycles(stroke_reps, cycles, rate, min_excursion_ratio)
    if inside and missed:
        return RepChoice(
            "cycles",
            "medium",
            (
                f"the rhythm finds {len(cycles)} reps, the rests {len(stroke_reps)}, and "
                f"{len(missed)} of the rhythm's whole reps "
                f"{'lies' if len(missed) == 1 else 'lie'} where the rests found none "
                f"(from {missed[0]:.1f} s): counted by the rhythm",
            ),
        )
    if inside:
        return RepChoice(
            "strokes",
            "medium",
            (
                f"the rhythm finds {len(cycles)} reps, the rests {len(stroke_reps)}, and "
                f"{inside} rests inside the set anchor the count",
            ),
        )
    return RepChoice(
        "cycles",
        "medium",
        ("the bar never rested inside the set: reps counted by their rhythm",),
    )


#: A rhythm rep less than this share of whose duration lies inside stroke reps is one
#: the stroke finder missed (half: a rep shifted by a phase still overlaps half).
COVERED_SHARE = 0.5


def _turn_hits(stroke_reps: Sequence[Rep], cycles: Sequence[Cycle], rate: float) -> np.ndarray:
    """Per cycle, how many stroke reps have their middle turnaround in its window.

    Counted by bisection (the turnarounds sorted once: a count per window was quadratic in
    an hour's reps); both window ends are inside.
    """
    turns = np.sort(np.array([_turn_time_s(r) for r in stroke_reps], dtype=float))
    window_lo = np.array([c.start_idx / rate for c in cycles], dtype=float)
    window_hi = np.array([c.end_idx / rate for c in cycles], dtype=float)
    return np.searchsorted(turns, window_hi, "right") - np.searchsorted(turns, window_lo, "left")


def _uncovered_cycles(
    stroke_reps: Sequence[Rep], cycles: Sequence[Cycle], rate: float, min_excursion_ratio: float
) -> list[float]:
    """Start times (s) of the usable cycles that the stroke reps leave mostly uncovered.

    A rest anchors the stroke finder's velocity near it; far from it, on a sensor whose
    samples come in bursts with lost packets, an impulse that falls into a gap leaves the
    velocity off zero until the next anchor, and a whole rep can vanish into a long
    "pause" of its neighbour. The rhythm needs no anchor: a complete cycle of its that no
    stroke rep covers for :data:`COVERED_SHARE` of its duration, and that spans at least
    ``min_excursion_ratio`` of the set's typical range (the bar at which the rhythm counts
    a rep with no neighbour vouching for it), is a rep the stroke finder lost. The rhythm
    also invents small cycles over a long rest between slow reps (0.3 of the typical
    range on simulated curls with 1 s pauses); those stay below the bar.
    """
    spans = [(r.first.start_idx, r.last.end_idx) for r in stroke_reps]
    out = []
    for c in cycles:
        if not usable_cycle(c) or c.cut_at_start or c.cut_at_end:
            continue
        if not c.excursion_ratio >= min_excursion_ratio:
            continue
        length = c.end_idx - c.start_idx
        covered = sum(max(0, min(b, c.end_idx) - max(a, c.start_idx)) for a, b in spans)
        if length > 0 and covered < COVERED_SHARE * length:
            out.append(c.start_idx / rate)
    return out


def _closed_velocity(acc: np.ndarray, i0: int, i1: int, rate: float) -> np.ndarray:
    """Velocity over ``acc[i0:i1+1]`` with zero velocity at both ends (module docs)."""
    v = cumulative_trapezoid(acc[i0 : i1 + 1], dx=1.0 / rate, initial=0.0)
    return np.asarray(v - np.linspace(0.0, 1.0, v.size) * v[-1])


def stroke_travels(
    cycles: Sequence[Cycle], acc_mps2: np.ndarray, *, sampling_rate_hz: float
) -> list[tuple[float, float]]:
    """Heights travelled by the two strokes of each complete, usable cycle (m).

    The same integral as the reps' (:func:`reps_from_cycles`) without their boundaries:
    all :func:`split_cycles` needs, at a fraction of the cost.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    out = []
    for c in cycles:
        if not usable_cycle(c) or c.cut_at_start or c.cut_at_end:
            continue
        first = _closed_velocity(acc_mps2, c.start_idx, c.turn_idx, rate)
        second = _closed_velocity(acc_mps2, c.turn_idx, c.end_idx, rate)
        out.append(
            (
                abs(float(np.trapezoid(first, dx=1.0 / rate))),
                abs(float(np.trapezoid(second, dx=1.0 / rate))),
            )
        )
    return out


def _stroke(
    acc: np.ndarray,
    i0: int,
    i1: int,
    direction: int,
    rate: float,
    out_v: np.ndarray,
    timing: np.ndarray | None = None,
) -> Stroke:
    """Integrate ``acc[i0:i1+1]`` with zero velocity at both ends; trim end pauses.

    ``timing``: a speed whose bell model gives the stroke's start and end instead of the
    integrated velocity's (the curl's arc speed, :func:`_arc_turn`).
    """
    v = _closed_velocity(acc, i0, i1, rate)
    out_v[i0 : i1 + 1] = v
    speed = np.abs(v)
    peak = float(speed.max()) if speed.size else 0.0
    bounds = bell_boundaries(direction * (v if timing is None else timing[i0 : i1 + 1]))
    if bounds is not None:
        # the same boundary rule as the stroke finder's (strokes.py, step 3)
        start = i0 + min(max(bounds[0], 0.0), v.size - 1.0)
        end = i0 + min(max(bounds[1], 0.0), v.size - 1.0)
    else:
        moving = (
            np.flatnonzero(speed >= PAUSE_SPEED_FRACTION * peak) if peak > 0 else np.zeros(0, int)
        )
        start = float(i0 + int(moving[0])) if len(moving) else float(i0)
        end = float(i0 + int(moving[-1])) if len(moving) else float(i1)
    end = max(end, start + 1.0)
    a, b = int(np.floor(start)), int(np.ceil(end))
    disp = float(np.trapezoid(v, dx=1.0 / rate)) if v.size > 1 else 0.0
    return Stroke(
        start_idx=a,
        end_idx=b,
        direction=direction,
        start_s=start / rate,
        end_s=end / rate,
        displacement_m=disp,
        peak_speed_mps=peak,
    )


def usable_cycle(c: Cycle) -> bool:
    """Whether a cycle makes a rep: two strokes of 2+ samples, not cut at both ends."""
    long_enough = c.turn_idx - c.start_idx >= 2 and c.end_idx - c.turn_idx >= 2
    return long_enough and not (c.cut_at_start and c.cut_at_end)


def reps_from_cycles(
    cycles: Sequence[Cycle],
    acc_mps2: np.ndarray,
    *,
    sampling_rate_hz: float,
    concentric_first: bool,
    arc_speed_mps: np.ndarray | None = None,
) -> CycleKinematics:
    """Build :class:`Rep` objects and per-stroke velocity from cycles (module docs).

    ``arc_speed_mps`` (the curl's forearm arc speed, :mod:`.rotation`): the phases follow
    the rotation, as the stroke finder's do for the curl (:func:`_arc_turn`).
    """
    rate = check_sampling_rate(sampling_rate_hz)
    n = acc_mps2.size
    velocity = np.zeros(n)
    reps: list[Rep] = []
    first_dir = 1 if concentric_first else -1
    usable = [c for c in cycles if usable_cycle(c)]
    turns = [
        c.turn_idx if arc_speed_mps is None else _arc_turn(arc_speed_mps, c, first_dir)
        for c in usable
    ]
    ends = [(c.start_idx, c.end_idx) for c in usable]
    if arc_speed_mps is not None:
        ends = _arc_ends(arc_speed_mps, usable, turns, first_dir)
    for c, turn, (i0, i1) in zip(usable, turns, ends, strict=True):
        first = _stroke(acc_mps2, i0, turn, first_dir, rate, velocity, arc_speed_mps)
        second = _stroke(acc_mps2, turn, i1, -first_dir, rate, velocity, arc_speed_mps)
        # a stroke the recording's edge cut is not measured: its phase is unknown (NaN)
        kept_first = None if c.cut_at_start else first
        kept_second = None if c.cut_at_end else second
        ecc, con = (kept_second, kept_first) if concentric_first else (kept_first, kept_second)
        reps.append(Rep(eccentric=ecc, concentric=con, eccentric_first=not concentric_first))
    position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
    return CycleKinematics(reps=reps, velocity_mps=velocity, position_m=position)


def _arc_turn(arc_mps: np.ndarray, c: Cycle, first_dir: int) -> int:
    """Return the curl's turnaround: where the forearm's rotation reverses, nearest the cycle's.

    A curl lifts the bar on an arc about the elbow: the bar is highest near 90 degrees of
    flexion, but the elbow flexes on towards its active limit (146 degrees on average in
    352 healthy adults; Zwerus et al. 2019, doi:10.1177/1758573217728711), where the
    rotation, not the height, turns. The phases of a curl are flexion and extension:
    the turn is the sign change of the arc speed (from ``first_dir`` to its opposite)
    within the cycle nearest to its height turnaround; the cycle's own turn when there is
    none.
    """
    seg = first_dir * arc_mps[c.start_idx : c.end_idx + 1]
    flips = np.flatnonzero((seg[:-1] > 0) & (seg[1:] <= 0)) + c.start_idx
    flips = flips[(flips > c.start_idx + 1) & (flips < c.end_idx - 1)]
    if not flips.size:
        return c.turn_idx
    return int(flips[np.argmin(np.abs(flips - c.turn_idx))])


def _arc_ends(
    arc_mps: np.ndarray, cycles: Sequence[Cycle], turns: Sequence[int], first_dir: int
) -> list[tuple[int, int]]:
    """Return each curl cycle's start and end where the forearm's rotation turns at the bottom.

    The rhythm places a rep's ends at the bar's lowest point, found in the vertical signal.
    On the curl's arc (``z = r (cos θ0 - cos θ)``, θ0 = 10 degrees, :mod:`.rotation`) the
    height changes with ``sin θ``: at the bottom the bar moves mostly forwards, and its
    vertical speed is under a fifth of its arc speed for the first 0.2 rad of flexion. The
    vertical signal sees the rep start late, and a stroke window that begins there cuts
    the start of the flexion off (real-like dev seeds 280000-280079, 290000-290079,
    200000-200039: cycle starts 0.3-0.5 s into the flexion, concentric -0.23 s median
    bias, bottom pauses too long). The rotation turns where the arc speed does: between
    the end of one extension and the start of the next flexion, each found from its
    stroke's peak as the last (first) sample above :data:`PAUSE_SPEED_FRACTION` of that
    peak (the bell fit then trims the pause, as for every stroke). The bottom between
    two cycles that share an end is the middle of that quiet span; at a set's first start
    and last end the search reaches back (on) by the stroke's own length.
    """
    n = arc_mps.size
    out = []
    for k, (c, turn) in enumerate(zip(cycles, turns, strict=True)):
        linked_prev = k > 0 and cycles[k - 1].end_idx == c.start_idx
        linked_next = k + 1 < len(cycles) and cycles[k + 1].start_idx == c.end_idx
        lo = turns[k - 1] if linked_prev else max(0, c.start_idx - (turn - c.start_idx))
        hi = turns[k + 1] if linked_next else min(n - 1, c.end_idx + (c.end_idx - turn))
        out.append(
            (
                _arc_bottom(arc_mps, lo, turn, first_dir, c.start_idx, own_first=True),
                _arc_bottom(arc_mps, turn, hi, first_dir, c.end_idx, own_first=False),
            )
        )
    return out


def _arc_bottom(
    arc_mps: np.ndarray, top0: int, top1: int, first_dir: int, fallback: int, *, own_first: bool
) -> int:
    """Bottom turnaround between ``top0`` and ``top1``: the middle of the quiet span.

    The quiet span runs from the end of the extension (``-first_dir`` arc speed) to the
    start of the next flexion (``first_dir``), each where its speed falls to
    :data:`PAUSE_SPEED_FRACTION` of its stroke's peak. ``own_first``: the rep's own
    stroke is the flexion (the window before its top), else the extension; the other
    stroke belongs to a neighbour and is missing at a set's ends (its peak under the same
    share of the own stroke's), where the own stroke's quiet end is the bottom.
    ``fallback`` (the rhythm's own bottom) when the window is too short.
    """
    if top1 - top0 < 4:
        return fallback
    seg = first_dir * arc_mps[top0 : top1 + 1]
    if own_first:
        up = int(np.argmax(seg))
        down = int(np.argmin(seg[: up + 1]))
        own, other = seg[up], -seg[down]
    else:
        down = int(np.argmin(seg))
        up = down + int(np.argmax(seg[down:]))
        own, other = -seg[down], seg[up]
    if not own > 0:
        return fallback
    quiet = PAUSE_SPEED_FRACTION * own
    if other > quiet:
        between = seg[down : up + 1]
        start = down + int(np.flatnonzero(between <= PAUSE_SPEED_FRACTION * seg[up])[-1])
        end = down + int(np.flatnonzero(between >= PAUSE_SPEED_FRACTION * seg[down])[0])
        middle = (min(start, end) + max(start, end)) // 2
    elif own_first:
        middle = int(np.flatnonzero(seg[: up + 1] <= quiet)[-1]) if seg[0] <= quiet else 0
    else:
        after = np.flatnonzero(seg[down:] >= -quiet)
        middle = down + int(after[0]) if after.size else seg.size - 1
    # both strokes of the rep keep 2+ samples
    return int(min(max(top0 + middle, top0 + 2), top1 - 2))


def merged_cycles(reps: Sequence[Rep]) -> str:
    """Why the cycle reps look merged ("" when they do not).

    Every rep of a set travels about the same height. A cycle that travels
    :data:`MERGED_TRAVEL_RATIO` x the set's median holds two reps the rhythm did not
    separate (a rushed rep between two normal ones shortens one interval). Where a rest
    anchors the stroke finder and it found more reps, its reps are used instead
    (:mod:`repscope.analysis.pipeline`).
    """
    travel = np.array([max(abs(s.displacement_m) for s in r.strokes) for r in reps])
    if travel.size < 3:
        return ""
    median = float(np.median(travel))
    worst = float(travel.max())
    if median > 0 and worst > MERGED_TRAVEL_RATIO * median:
        return (
            f"the rhythm merged reps (one travels {worst:.2f} m against the set's "
            f"{median:.2f} m): counted from rests"
        )
    return ""


def strokes_explain_cycles(
    stroke_reps: Sequence[Rep], cycles: Sequence[Cycle], rate: float
) -> bool:
    """Whether every usable cycle holds the middle turnaround of at least one stroke rep.

    Without a rest the stroke finder's velocity is unanchored and usually loses reps. Where
    it nonetheless turns inside every rhythm rep, and twice inside the one the rhythm
    merged (:func:`merged_cycles`), it saw each rep the rhythm saw and split the merged
    one: its reps are the better count (real-like dev seeds 290000-290079: of three
    sets, two became exact and one went from 8 to 11 of 12 reps; 280000-280079: one
    more exact, none worse).
    """
    usable = [c for c in cycles if usable_cycle(c)]
    return bool(usable) and bool(np.all(_turn_hits(stroke_reps, usable, rate) >= 1))


#: More than this share of a set's reps unbalanced means a rhythm at a fraction of the
#: rep period: a set holds at most a few odd reps.
SPLIT_SHARE = 1 / 3


def split_cycles(travels: Sequence[tuple[float, float]], *, max_travel_ratio: float) -> str:
    """Why the cycle reps look split by a rhythm at a fraction of the period ("" if not).

    A rep ends at the height where it started, so its two strokes travel the same
    distance. When the autocorrelation's first strong peak lies at a fraction of the
    rep's period (a curl's or a press's harmonics can correlate as well as the rep
    itself), the turnarounds fall inside strokes and one stroke of a "rep" travels much
    further than the other. Unbalanced is the stroke finder's own pairing rule
    (:class:`.reps.RepSettings`: the longer stroke over ``max_travel_ratio`` times the
    shorter); more than :data:`SPLIT_SHARE` of the complete reps unbalanced is not a set
    with a few odd reps. ``travels``: both strokes' heights per complete rep
    (:func:`stroke_travels`).
    """
    if len(travels) < 3:
        return ""
    unbalanced = sum(1 for a, b in travels if max(a, b) > max_travel_ratio * min(a, b))
    if unbalanced > SPLIT_SHARE * len(travels):
        return (
            f"{unbalanced} of {len(travels)} reps rose and fell by unequal heights: "
            "the rhythm split reps"
        )
    return ""


def cycle_confidence(
    cycle: Cycle, *, periodicity: float, sampling_rate_hz: float
) -> tuple[str, list[str]]:
    """Confidence of one cycle rep and its reasons (evidence from :mod:`.segmentation`)."""
    reasons: list[str] = []
    level = 2  # 2 high, 1 medium, 0 low
    if cycle.cut_at_start or cycle.cut_at_end:
        reasons.append("cut by the recording's edge (partial)")
        level = min(level, 1)
    if math.isfinite(cycle.excursion_ratio) and cycle.excursion_ratio < 0.7:
        reasons.append(f"range {cycle.excursion_ratio:.0%} of the set's typical")
        level = min(level, 1)
    if periodicity < 0.3:
        reasons.append(f"irregular rhythm (periodicity {periodicity:.2f})")
        level = min(level, 0)
    if sampling_rate_hz < 20:
        reasons.append(f"sparse data ({sampling_rate_hz:g} samples/s)")
        level = min(level, 0)
    return ("low", "medium", "high")[level], reasons
