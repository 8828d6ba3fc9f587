"""The ``grind`` rule: a slow concentric with a sticking region.

A grind is a concentric lifted close to failure: the bar leaves the bottom, slows in the
*sticking region* (its velocity falls from a first peak to a local minimum part-way up,
the *sticking point*, where the lifter's force falls below the load's: Elliott, Wilson &
Kerr 1989, "A biomechanical analysis of the sticking region in the bench press", Med Sci
Sports Exerc 21(4):450-462, PubMed 2779404; van den Tillaar & Ettema 2009, Med Sci
Sports Exerc 41(11), whose review finds the first velocity minimum at 90% of 1RM but
not at 75%) and is pushed through it, so the concentric takes longer than the set's
other reps. Three routes, each on complete reps only (next to a cut the stroke may hold
the lifter's set-up) and against the set's own reps:

1. **slow**: ``concentric_s >= t.grind_concentric_ratio`` (1.5) x the set's median
   concentric. A lifter repeats a tempo to about 10% (the simulator's 12% jitter), and
   fatigue slows the later reps (the simulator: 4% per rep, so the last of 12 reps
   lifts 1.18x the set's median, 1.46x at two SDs of jitter); 1.5x is beyond both. The
   simulator's grinds are 1.5-3x slower; the rule stood at 1.6 before issue 16 and
   missed the lower part of that range. (Velocity loss alone is fatigue, reported per
   set, not a grind.)
2. **sticking**: ``concentric_s >= t.grind_min_concentric_ratio`` (1.0) x the set's
   median (no faster than the set's usual lift) *and* the concentric's speed dips to at
   most ``t.grind_sticking_ratio`` (0.5) of the lower of the peaks either side of it
   (:func:`sticking_ratio`), but not to rest (above :data:`STOPPED_RATIO`). A rep lifted
   without a sticking region has one speed peak (a minimum-jerk or
   ``tau^a (1 - tau)^b`` profile rises and falls once: ratio 1), while the sticking
   point lies between a first peak and the drive through it. Half the lower peak is far
   below what the integration noise makes of a one-peak profile: on the clean dev seeds
   no rep without a grind reads 0.5 or less (1st percentile 0.95 over 3396 reps), while
   the simulator's sticking point falls to 20-40% of the mean speed and reads 0.11-0.5.
   The dip is evidence of its own, so the rep need only be as slow as the set's median:
   on the real-like dev arm 6 of 33 grinds lift only 1.1-1.5x the set's median and are
   found only this way.
3. **stalled**: the concentric *stroke* stopped at the sticking point. The bar slowed
   there so much that the stroke detector ended the concentric at it (the rest of the
   drive taken for a pause or the next rep's start), so the stroke travels less than
   ``t.partial_rom_fraction`` of the set's full concentric range while the eccentric
   before it travelled the full range (at least that share of the set's full eccentric
   travel), and the stroke took at least ``t.grind_min_concentric_ratio`` x the set's
   median (a stall is slow: under three quarters of the range in the set's usual time).
   Every rep starts and ends at the same height, so a full descent followed by a short
   rise is a rise that stalled part-way, not a partial rep (which is short both ways:
   :mod:`.flags` ``partial_rom`` step 4 withholds the partial flag for exactly this
   case). The two travels are integrated separately and disagree by the set's own
   measurement error, so the rep's up/down balance (concentric over eccentric travel,
   :func:`travel_balance`) must also lie at least ``t.grind_stall_noise_margin`` (2)
   robust SDs below the set's median balance. On the clean simulated sets most stalls
   lie 2-30 SDs out (a few, in sets with other faults, 1-2); on the 25 clean real
   feather-bar sets, whose travels disagree by 20-50% rep to rep, every short rise after
   a full lowering lies within 1.6 SDs (the doubtful sets: 2.2), and without this margin
   route 3 flagged 6 of their reps. Simulated stalled strokes take 1.0-1.6x the set's
   median (most 1.1 or more); the real-like arm's false stalls 0.8-1.04x. Needs the
   eccentric's travel.

Development seeds, grind true/false alarms/misses (precision, recall), rescored offline
from the same analysed reps; before (route 1 at 1.6) -> now:

- clean 362000-362479 (118 grinds): 86/5/32 (0.945, 0.729) -> 109/6/9 (0.948, 0.924);
  route 1 at 1.6 instead: 106/5/12 (0.955, 0.898);
- real-like 363000-363119 (33 grinds): 16/2/17 (0.889, 0.485) -> 23/5/10 (0.821,
  0.697); route 1 at 1.6 instead: 23/3/10 (0.885, 0.697). Two of the five false alarms
  were there before and two more are concentric strokes that swallowed a pause (1.5-1.8x
  slower than true): segmentation, not the rule.

The clean misses left are strokes cut short both ways (taken for partial reps),
concentric strokes that swallowed a pause, and the last slow reps of long sets (under
1.5x a median the fatigue has already raised). On the 25 clean real feather-bar sets
grind fires on 2 of 70 curl reps (1.6-1.7x their set's median, one a first rep) and on
no other rep; 3 of their 377 reps dip to 0.5 or less, all in doubtful sets.
"""

from __future__ import annotations

import math

import numpy as np

from repscope.analysis.profiles import FlagThresholds
from repscope.analysis.rep_kinematics import nearest_index
from repscope.analysis.robust import robust_sd
from repscope.analysis.strokes import Stroke

#: A peak either side of a dip counts only when it reaches this share of the stroke's
#: highest speed: a stroke starts and ends near rest, where the integration noise makes
#: small wiggles whose "dips" are no sticking region.
MIN_SIDE_PEAK_FRACTION = 0.3
#: A dip to this share of the lower peak or less is a stop, not a sticking point: the
#: sticking region slows the bar without stopping it (the velocity minimum of Elliott et
#: al. 1989 is above zero; :mod:`.strokes` merges runs across a sticking point for the
#: same reason), so a stroke whose speed falls to rest between two peaks holds two moves
#: with a pause between them. Simulated grinds dip to 0.11 at the least (clean dev seeds
#: 362000-479 and real-like 363000-119); the one real-like rep at 0 was a concentric
#: stroke that had swallowed a pause (3.3 s against a true 0.75 s).
STOPPED_RATIO = 0.05


def sticking_ratio(velocity: np.ndarray, time_s: np.ndarray, con: Stroke | None) -> float:
    """Deepest speed dip of a concentric between two peaks, over the lower peak (0-1).

    ``velocity`` is the signal the strokes were found in (the vertical velocity, the arc
    speed for the curl), counted in the concentric's direction (the opposite direction
    as 0). For every sample, the highest speed before it and after it are the peaks
    either side; its speed over the lower of them is its dip, counted where both peaks
    reach :data:`MIN_SIDE_PEAK_FRACTION` of the stroke's peak. 1 when the speed rises
    and falls once (no sticking region); NaN without a concentric or with fewer than 5
    samples.
    """
    if con is None:
        return math.nan
    i0 = nearest_index(time_s, con.start_s)
    i1 = nearest_index(time_s, con.end_s)
    seg = np.clip(np.nan_to_num(velocity[max(i0, 0) : max(i1, i0) + 1]) * con.direction, 0, None)
    if seg.size < 5 or not seg.max() > 0:
        return math.nan
    before = np.maximum.accumulate(seg)[:-2]
    after = np.maximum.accumulate(seg[::-1])[::-1][2:]
    middle = seg[1:-1]
    side = np.minimum(before, after)
    judged = side >= MIN_SIDE_PEAK_FRACTION * seg.max()
    if not judged.any():
        return 1.0
    return float(min(1.0, np.min(middle[judged] / side[judged])))


def travel_balance(up_m: np.ndarray, down_m: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Per rep the concentric's travel over the eccentric's, the set's median and scatter.

    The scatter is 1.4826 x the median absolute deviation (a robust SD) over the reps
    where both travels are known; median and scatter are NaN with fewer than 3 of them
    (no set noise to judge a stall against).
    """
    up, down = np.asarray(up_m, dtype=float), np.asarray(down_m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        balance = np.where(down > 0, up / down, math.nan)
    known = balance[np.isfinite(balance)]
    if known.size < 3:
        return balance, math.nan, math.nan
    return balance, float(np.median(known)), robust_sd(known)


def deficit_sd(value: float, median: float, scatter: float) -> float:
    """How many robust SDs ``value`` lies below the set's ``median`` (NaN when unknown).

    With no scatter (every other rep alike) any deficit is beyond the set's noise (inf).
    """
    deficit = median - value
    if not math.isfinite(deficit):
        return math.nan
    if scatter > 0:
        return deficit / scatter
    return math.inf if deficit > 0 else 0.0


def travel_share(travel_m: float, reference_m: float) -> float:
    """``travel_m`` as a share of the set's full ``reference_m`` (NaN when either is unknown)."""
    if math.isfinite(travel_m) and math.isfinite(reference_m) and reference_m > 0:
        return travel_m / reference_m
    return math.nan


def grind_reason(
    *,
    concentric_s: float,
    median_concentric_s: float,
    sticking: float,
    travel_up: float,
    travel_down: float,
    balance_sd: float,
    thresholds: FlagThresholds,
) -> str:
    """Why a complete rep was ground out ("" when it was not); see the module docs.

    ``sticking`` is :func:`sticking_ratio`; ``travel_up`` and ``travel_down`` the
    concentric's and the eccentric's travel as shares of the set's full ranges
    (:func:`travel_share`); ``balance_sd`` how many of the set's robust SDs the rep's
    up/down travel balance lies below the set's median (:func:`travel_balance`). NaN
    where unknown: a route without its measure is not taken.
    """
    t = thresholds
    f = t.partial_rom_fraction
    if not (math.isfinite(concentric_s) and math.isfinite(median_concentric_s)):
        return ""
    usual = f"against the set's usual {median_concentric_s:.1f} s"
    slow = concentric_s >= t.grind_min_concentric_ratio * median_concentric_s
    if (
        slow
        and math.isfinite(travel_down)
        and travel_down >= f
        and travel_up < f
        and balance_sd >= t.grind_stall_noise_margin
    ):
        return (
            f"stalled at {travel_up:.0%} of the set's full range after a full lowering, "
            f"lifting {concentric_s:.1f} s {usual}"
        )
    if concentric_s >= t.grind_concentric_ratio * median_concentric_s:
        return f"lifted in {concentric_s:.1f} s {usual}"
    if slow and STOPPED_RATIO < sticking <= t.grind_sticking_ratio:
        return (
            f"lifted in {concentric_s:.1f} s {usual}, slowing to {sticking:.0%} of its "
            "speed mid-lift"
        )
    return ""
