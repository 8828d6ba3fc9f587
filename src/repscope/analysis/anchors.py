"""Which still candidates are rests: the consistency check and the rests' edges.

Steps 2, 3 and 6 of the velocity stage (:mod:`repscope.analysis.kinematics` gives the
whole):

2. **Consistency check** (:func:`validate_anchors`): for each candidate, integrate from
   its left neighbour to its right neighbour as if it were not there, with the linear
   drift correction; if the bar moves faster than the acceptance limit inside the
   candidate, the candidate is false (the bar was moving) and is removed. The worst
   violators are removed first and the check repeats until every candidate passes.
   Neighbours closer than ``vouch_gap_s`` (1 s) are skipped: two false candidates a few
   tenths of a second apart in one slow stroke would otherwise vouch for each other.
   Dropped candidates are judged once more between the survivors, which are by then
   mostly true rests, and come back if they pass. The limit grows with the length of the
   bridge, because the integration error does:
   ``min(accept_speed_mps, accept_floor_mps + accept_growth_mps_per_s * bridge_s)``
   (0.04 m/s plus 0.006 m/s per second of bridge, at most 0.1 m/s). The growth rate is
   the slowly varying vertical-acceleration error left after linear drift removal (about
   0.01 m/s^2 rms on simulated sets with the default sensor model) integrated over half a
   bridge, with a safety factor; a fixed 0.1 m/s accepted false rests inside slow
   eccentrics and grinding concentrics (0.08-0.1 m/s) between nearby anchors.
3. **Edges** (:func:`trim_moving_edges`): an accepted rest's ends are cut where,
   integrated outward from its own still middle, the bar moves faster than
   ``edge_speed_mps``.
6. **Integration** (:func:`integrate_between_anchors`): velocity is integrated between
   the accepted rests with a linear ramp that makes it zero on each (the "linear drift"
   ZUPT; Foxlin 2005, doi:10.1109/MCG.2005.140).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

import numpy as np

from repscope.analysis.filters import cumulative_trapezoid, runs
from repscope.recording import check_sampling_rate


def integrate_between_anchors(
    acc_mps2: np.ndarray, anchors: list[tuple[int, int]], *, sampling_rate_hz: float
) -> np.ndarray:
    """Velocity by trapezoidal integration with zero velocity on the anchors.

    Between consecutive anchors the integral is corrected by a linear ramp so it is zero
    at both ends; before the first and after the last anchor it is integrated outward from
    the anchor without correction (those stretches are flagged by the caller).
    """
    dt = 1.0 / check_sampling_rate(sampling_rate_hz)
    n = acc_mps2.shape[0]
    velocity = np.zeros(n)
    if not anchors:
        velocity = cumulative_trapezoid(acc_mps2, dx=dt, initial=0.0)
        return velocity
    for (_, end_a), (start_b, _) in itertools.pairwise(anchors):
        i0, i1 = end_a - 1, start_b
        if i1 - i0 < 1:
            continue
        seg = acc_mps2[i0 : i1 + 1]
        v = cumulative_trapezoid(seg, dx=dt, initial=0.0)
        v -= np.linspace(0.0, v[-1], v.size)
        velocity[i0 : i1 + 1] = v
    first_start = anchors[0][0]
    if first_start > 0:
        seg = acc_mps2[: first_start + 1][::-1]
        v = -cumulative_trapezoid(seg, dx=dt, initial=0.0)
        velocity[: first_start + 1] = v[::-1]
    last_end = anchors[-1][1] - 1
    if last_end < n - 1:
        seg = acc_mps2[last_end:]
        velocity[last_end:] = cumulative_trapezoid(seg, dx=dt, initial=0.0)
    for a, b in anchors:
        velocity[a:b] = 0.0
    return velocity


def _bridged_speed(cum: np.ndarray, span: tuple[int, int], i: int, j: int) -> np.ndarray:
    """|velocity| over ``span`` integrated from anchor edge ``i`` to anchor edge ``j``.

    With ``cum`` the cumulative integral of acceleration, the drift-corrected velocity is
    ``V(t) - V(i) - (t - i) / (j - i) * (V(j) - V(i))``: each check costs only the span's
    own length.
    """
    t = np.arange(*span)
    return np.abs(cum[t] - cum[i] - (t - i) / (j - i) * (cum[j] - cum[i]))


def _edge_run(speed: np.ndarray, level: float, *, at_start: bool) -> tuple[int, int] | None:
    """Return the first (``at_start``) or last run with ``speed <= level``, or None."""
    quiet = runs(speed <= level)
    if not quiet:
        return None
    return quiet[0] if at_start else quiet[-1]


def _neighbour_elimination(
    cum: np.ndarray,
    anchors: list[tuple[int, int]],
    accept_speed_mps: float,
    *,
    core_fraction: float,
    core_len: int,
    limit: Callable[[int, int], float],
    min_gap: int = 0,
) -> list[tuple[int, int]]:
    """First pass: drop candidates contradicted by their neighbours.

    Each interior candidate is judged by integrating between its two nearest neighbouring
    candidates that lie at least ``min_gap`` samples away from it; the worst violators
    (local maxima of the violation) go first and the rest are judged again, until all
    pass. The gap stops two false candidates close together inside one constant-speed
    stretch from vouching for each other: forcing zero velocity at one makes the bridged
    speed at the other small, in proportion to how close it is. A violator keeps its
    longest stretch slower than ``core_fraction * accept_speed_mps`` if that lasts
    ``core_len`` samples (a real pause merged with the slow start of the next movement),
    else it is dropped. Short spans keep integration error small, so a slow phase's quiet
    stretch is caught here even when the recording's only long rests are far away.
    """
    while len(anchors) > 2:
        m = len(anchors)
        speeds = []
        scores = [0.0]
        for k in range(1, m - 1):
            left, right = k - 1, k + 1
            while left > 0 and anchors[k][0] - anchors[left][1] < min_gap:
                left -= 1
            while right < m - 1 and anchors[right][0] - anchors[k][1] < min_gap:
                right += 1
            i, j = anchors[left][1] - 1, anchors[right][0]
            v = _bridged_speed(cum, anchors[k], i, j)
            speeds.append(v)
            scores.append(float(v.max()) / limit(i, j))
        scores.append(0.0)
        worst = [
            k
            for k in range(1, len(anchors) - 1)
            if scores[k] > 1.0 and scores[k] >= scores[k - 1] and scores[k] >= scores[k + 1]
        ]
        if not worst:
            break
        for k in reversed(worst):
            v = speeds[k - 1]
            core = _quiet_core(v, core_fraction * accept_speed_mps, core_len)
            if core is None:
                del anchors[k]
            else:
                anchors[k] = (anchors[k][0] + core[0], anchors[k][0] + core[1])
    return anchors


def _readmit(
    cum: np.ndarray,
    original: list[tuple[int, int]],
    survivors: list[tuple[int, int]],
    *,
    level: float,
    core_len: int,
    limit: Callable[[int, int], float],
) -> list[tuple[int, int]]:
    """Return the dropped candidates (or still cores) that the survivors agree with.

    Elimination is judged against neighbours that may themselves be false, so a true rest
    between two false candidates can be dropped before they are. Once the survivors are
    mostly true, each dropped candidate is judged again between its nearest survivors.
    """
    readmit = []
    for a, b in original:
        k = bisect.bisect_left(survivors, (a, b))
        if k == 0 or k == len(survivors):
            continue
        if survivors[k - 1][1] > a or survivors[k][0] < b:
            continue  # still there, perhaps cut down to its core
        i, j = survivors[k - 1][1] - 1, survivors[k][0]
        speed = _bridged_speed(cum, (a, b), i, j)
        if speed.max() <= limit(i, j):
            readmit.append((a, b))
            continue
        core = _quiet_core(speed, level, core_len)
        if core is not None:
            readmit.append((a + core[0], a + core[1]))
    return readmit


#: ``validate_anchors`` defaults that :func:`~.anchor_heights.reselect_by_closure`
#: re-uses: a contradicted candidate keeps a core slower than this fraction of the
#: acceptance speed, at least ``CORE_S`` long.
EDGE_FRACTION = 0.25
CORE_S = 0.3


def bridge_limit(
    accept_mps: float, floor_mps: float, growth_mps_per_s: float, *, dt: float
) -> Callable[[int, int], float]:
    """Speed a bridge from anchor edge ``i`` to ``j`` may reach and still vouch for both.

    Integration error grows with the bridge, so a short bridge is judged strictly:
    ``min(accept_mps, floor_mps + growth_mps_per_s * (j - i) * dt)``.
    """

    def limit(i: int, j: int) -> float:
        return min(accept_mps, floor_mps + growth_mps_per_s * (j - i) * dt)

    return limit


def eliminate_and_readmit(
    cum: np.ndarray,
    candidates: list[tuple[int, int]],
    accept_speed_mps: float,
    *,
    edge_fraction: float,
    core_len: int,
    limit: Callable[[int, int], float],
    min_gap: int,
    rounds: int,
) -> list[tuple[int, int]]:
    """Run steps 1 and 2 of :func:`validate_anchors` on sorted ``candidates``.

    The first and last candidates are never judged (they have one neighbour only) and are
    returned unchanged.
    """
    original = list(candidates)
    for _ in range(rounds + 1):
        candidates = _neighbour_elimination(
            cum,
            candidates,
            accept_speed_mps,
            core_fraction=edge_fraction,
            core_len=core_len,
            limit=limit,
            min_gap=min_gap,
        )
        back = _readmit(
            cum,
            original,
            candidates,
            level=edge_fraction * accept_speed_mps,
            core_len=core_len,
            limit=limit,
        )
        if not back:
            break
        candidates = sorted(candidates + back)
    return candidates


def _quiet_core(speed: np.ndarray, level: float, min_len: int) -> tuple[int, int] | None:
    """Longest run with ``speed <= level`` if at least ``min_len`` long, else None."""
    quiet = runs(speed <= level)
    if not quiet:
        return None
    lo, hi = max(quiet, key=lambda r: r[1] - r[0])
    return (lo, hi) if hi - lo >= min_len else None


def validate_anchors(
    acc_mps2: np.ndarray,
    candidates: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    accept_speed_mps: float,
    min_len: int = 1,
    trusted_len: int | None = None,
    edge_fraction: float = EDGE_FRACTION,
    core_s: float = CORE_S,
    accept_floor_mps: float | None = None,
    accept_growth_mps_per_s: float = 0.0,
    vouch_gap_s: float = 0.0,
    readmit_rounds: int = 0,
    ends_at_rest: bool = False,
    starts_at_rest: bool = False,
) -> list[tuple[int, int]]:
    """Keep the still candidates the integral agrees with (step 2 of the module docs).

    1. :func:`_neighbour_elimination` drops (or cuts down to a still core) the candidates
       contradicted by their nearest neighbours at least ``vouch_gap_s`` away.
    2. :func:`_readmit` judges every dropped candidate again between its nearest
       survivors and brings back those (or the still cores of those) that now pass; step 1
       runs again, at most ``readmit_rounds`` times. Until version 0.1 this step instead
       re-accepted the survivors from the longest to the shortest against the anchors
       accepted so far; the first few accepted were then far apart, and bridges of tens of
       seconds rejected true rests (on 296 simulated bar sets, 277 true rests lost against
       68 now).
    3. A candidate with an accepted anchor on one side only (the recording starts or ends
       in motion) is checked by integrating from that anchor with its mean acceleration,
       the bias, removed, or accepted outright when at least ``trusted_len`` samples long.
       With ``ends_at_rest`` (the caller knows the bar is at zero velocity on the first and
       last samples: a live window from a rest to a turnaround) the recording's ends are
       the missing neighbours, and the outermost candidates are bridged like interior
       ones; with ``starts_at_rest`` only the first sample is (a live window that starts
       at the end of a reported rep and may end in motion).
    4. The rests accepted first had no neighbour to be checked against; once they have,
       those touching the recording's edges are cut back to where a slow movement's tail
       ends.
    """
    dt = 1.0 / check_sampling_rate(sampling_rate_hz)
    n = acc_mps2.shape[0]
    trusted = trusted_len if trusted_len is not None else 10 * min_len
    cum = cumulative_trapezoid(acc_mps2, dx=dt, initial=0.0)
    core_len = max(min_len, round(core_s / dt))
    floor = accept_speed_mps if accept_floor_mps is None else accept_floor_mps
    limit = bridge_limit(accept_speed_mps, floor, accept_growth_mps_per_s, dt=dt)
    candidates = eliminate_and_readmit(
        cum,
        sorted(candidates),
        accept_speed_mps,
        edge_fraction=edge_fraction,
        core_len=core_len,
        limit=limit,
        min_gap=round(vouch_gap_s / dt),
        rounds=readmit_rounds,
    )
    accepted: list[tuple[int, int]] = []
    if len(candidates) >= 2:
        # Every interior survivor agrees with its neighbours; the outermost ones have a
        # neighbour on one side only and are judged in step 3 below.
        accepted = candidates[1:-1]
        candidates = [candidates[0], candidates[-1]]
    for a, b in sorted(candidates, key=lambda r: r[0] - r[1]):
        k = bisect.bisect_left(accepted, (a, b))
        left = accepted[k - 1] if k > 0 else None
        right = accepted[k] if k < len(accepted) else None
        i = left[1] - 1 if left else (min_len - 1 if a == 0 and b - a > 2 * min_len else None)
        j = right[0] if right else (n - min_len if b == n and b - a > 2 * min_len else None)
        if (ends_at_rest or starts_at_rest) and (left is None or right is None) and a > 0 and b < n:
            # the recording's ends (or its start) are at zero velocity (a live window)
            i = 0 if i is None else i
            j = n - 1 if j is None and ends_at_rest else j
        t = np.arange(a, b)
        if (left is None) != (right is None) and (i is None or j is None):
            # One accepted neighbour only (the recording starts or ends in motion): the
            # neighbour is a rest, so its mean acceleration is the bias; integrate the
            # bias-corrected acceleration from it to the candidate.
            ref = left if left is not None else right
            assert ref is not None
            bias = float(np.mean(acc_mps2[ref[0] : ref[1]]))
            edge_i = ref[1] - 1 if left is not None else ref[0]
            drift = cum[t] - cum[edge_i] - (t - edge_i) * dt * bias
            if (b - a >= trusted) or np.abs(drift).max() <= accept_speed_mps:
                bisect.insort(accepted, (a, b))
            continue
        if i is None or j is None or j <= i:
            if b - a >= trusted:
                bisect.insort(accepted, (a, b))
            continue
        speed = _bridged_speed(cum, (a, b), i, j)
        if speed.max() <= limit(i, j):
            bisect.insort(accepted, (a, b))
            continue
        if a != 0 and b != n:
            # contradicted: keep only a clearly still core (a pause next to a slow phase)
            core = _quiet_core(speed, edge_fraction * accept_speed_mps, core_len)
            if core is not None:
                bisect.insort(accepted, (a + core[0], a + core[1]))
            continue
        # a rest at the recording's edge with a slow movement's tail in it: keep the rest
        run = _edge_run(speed, edge_fraction * accept_speed_mps, at_start=a == 0)
        if run is not None and run[1] - run[0] >= min_len:
            lo, hi = run
            if lo == 0 if a == 0 else a + hi == b:
                bisect.insort(accepted, (a + lo, a + hi))
    # The rests accepted first had no neighbour to be checked against: now they have.
    if len(accepted) >= 2:
        for k in (0, len(accepted) - 1):
            a, b = accepted[k]
            if k == 0 and a == 0 and b - a > 2 * min_len:
                i, j = min_len - 1, accepted[1][0]
            elif k > 0 and b == n and b - a > 2 * min_len:
                i, j = accepted[k - 1][1] - 1, n - min_len
            else:
                continue
            speed = _bridged_speed(cum, (a, b), i, j)
            run = _edge_run(speed, edge_fraction * accept_speed_mps, at_start=k == 0)
            if run is not None and run[1] - run[0] >= min_len:
                accepted[k] = (a + run[0], a + run[1])
    return accepted


def trim_moving_edges(
    acc_mps2: np.ndarray,
    anchors: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    level_mps: float,
    min_len: int,
    rounds: int = 3,
) -> list[tuple[int, int]]:
    """Cut off the ends of each anchor where, seen from its own middle, the bar moves.

    The stillness test cannot tell the last second of a slow eccentric (0.1-0.3 m/s,
    decelerating at a few hundredths of g) from rest, so an accepted rest can begin inside
    the stroke before it; velocity forced to zero there shortens the stroke or removes a
    rep. The neighbours cannot show it when they are far away (the last rest of a set, with
    a long bridge before it). The anchor itself can: its middle half is still, so the mean
    acceleration there is the bias; integrating the bias-corrected acceleration outwards
    from the middle gives the velocity in the anchor's ends, and each end is cut where that
    exceeds ``level_mps``. The spans are a few seconds at most, so the integration error
    stays small. A tail longer than a quarter of the anchor biases the first estimate and
    is cut short of its end; the cut is repeated on the shortened anchor (``rounds``
    times at most, until nothing changes). Anchors shorter than ``4 * min_len`` are kept.
    """
    dt = 1.0 / check_sampling_rate(sampling_rate_hz)
    out = []
    for anchor in anchors:
        for _ in range(rounds):
            trimmed = _trim_once(acc_mps2, anchor, dt=dt, level_mps=level_mps, min_len=min_len)
            if trimmed == anchor:
                break
            anchor = trimmed
        out.append(anchor)
    return out


def _trim_once(
    acc_mps2: np.ndarray, anchor: tuple[int, int], *, dt: float, level_mps: float, min_len: int
) -> tuple[int, int]:
    a, b = anchor
    length = b - a
    if length < 4 * min_len:
        return anchor
    lo, hi = a + length // 4, b - length // 4
    bias = float(np.mean(acc_mps2[lo:hi]))
    over_f = np.flatnonzero(np.abs(np.cumsum(acc_mps2[hi:b] - bias) * dt) > level_mps)
    over_b = np.flatnonzero(np.abs(np.cumsum((acc_mps2[a:lo] - bias)[::-1]) * dt) > level_mps)
    new_b = hi + int(over_f[0]) if over_f.size else b
    new_a = lo - int(over_b[0]) if over_b.size else a
    return new_a, new_b


def erode_anchor(anchor: tuple[int, int], *, margin: int, min_len: int, n: int) -> tuple[int, int]:
    """Keep an anchor's core: ``margin`` samples off each end, at least ``min_len`` kept.

    A slow movement's last (first) few tenths of a second are slower than any stillness
    test can resolve; using only the core of each still interval lets the integration
    recover them instead of forcing them to zero. Ends at the recording's edges are kept.
    """
    a, b = anchor
    lo = a if a == 0 else a + margin
    hi = b if b == n else b - margin
    if hi - lo < min_len:
        mid = (a + b) // 2
        lo, hi = max(a, mid - min_len // 2), min(b, mid - min_len // 2 + min_len)
    return lo, hi
