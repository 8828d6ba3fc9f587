"""Rests judged by the heights they leave: a bar rests only where it turns.

Steps 4 and 5 of the velocity stage (:mod:`repscope.analysis.kinematics` gives the
whole). The consistency check (:mod:`repscope.analysis.anchors`) cannot see a false rest
inside a stroke slower than its acceptance limit; the positions can:

4. **Heights** (:func:`drop_passed_anchors`): the bar rests only where it turns (or is
   racked, unracked, put down), so a rest that the bar reaches from below and leaves
   upward (or from above and downward), by more than ``pass_through_m`` (0.12 m) on both
   sides, is a false rest inside a stroke and is removed. The heights are trusted only
   while the sensor turns by less than ``pass_through_turn_deg_per_m`` per metre of
   travel (not in a curl's arc).
5. **Closure** (:func:`reselect_by_closure`): every rep returns the bar to where it
   started, so a false rest that zeroes a slow stroke's velocity shows as drifting
   heights. A rest (or a run of up to three) whose removal, with the candidates between
   its neighbours judged again, narrows the range of the position over the three rests
   on either side by more than ``closure_margin_m`` (0.10 m) is removed; of those
   removed, the ones whose return does not widen the range again are put back.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

import numpy as np

from repscope.analysis.anchors import (
    CORE_S,
    EDGE_FRACTION,
    bridge_limit,
    eliminate_and_readmit,
    integrate_between_anchors,
    trim_moving_edges,
)
from repscope.analysis.filters import cumulative_trapezoid
from repscope.analysis.stillness import StillnessSettings
from repscope.recording import check_sampling_rate


def anchor_heights(
    acc_mps2: np.ndarray, anchors: list[tuple[int, int]], *, sampling_rate_hz: float
) -> np.ndarray:
    """Height of the bar on each anchor, integrated with zero velocity on the anchors.

    Heights are relative to the recording's first sample; only their differences between
    neighbouring anchors are meaningful.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    velocity = integrate_between_anchors(acc_mps2, anchors, sampling_rate_hz=rate)
    position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
    return np.array([position[(a + b) // 2] for a, b in anchors])


def drop_passed_anchors(
    acc_mps2: np.ndarray,
    anchors: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    min_step_m: float,
    gyr_dps: np.ndarray | None = None,
    max_turn_deg_per_m: float | None = None,
    turn_look_s: float = 0.5,
) -> list[tuple[int, int]]:
    """Remove accepted rests that the bar passes through on its way up or down.

    A lifter rests only where the bar turns (the top and bottom of a rep, a partial rep's
    turnaround) or where it is racked, unracked or put down; the bar then leaves a rest in
    the direction opposite to the one it came from, or has not moved between two rests. A
    false rest inside a slow stroke (a grind at 0.1 m/s, a 3-4 s eccentric) is different:
    the bar reaches it from below and leaves it upward (or from above and downward). The
    velocity check of :func:`~.anchors.validate_anchors` cannot see this when the stroke is slower
    than its acceptance limit; the heights can.

    Steps: the bar's height is integrated with zero velocity on the anchors. For each
    interior anchor, the movement that arrives at it is followed back to where it began
    (the last sample, after the previous anchor, where the velocity pointed the other way;
    the arriving direction is that of the mean velocity over the ``turn_look_s`` before the
    anchor), and the movement that leaves it forward to where it ends. If both travel
    more than ``min_step_m`` in the same direction, the anchor is taken as passed through.
    The worst one (largest smaller travel) is removed, the heights are integrated again,
    and so on until none is left. The recording's first and last anchors are kept.
    (Until 0.1 the travels were the height differences to the neighbouring anchors; in a
    touch-and-go set the top between two bottom pauses has no anchor, and a partial rep's
    bottom pause, reached from a deeper one, was taken as passed through.)

    ``min_step_m`` (0.12 m by default) lies above an unrack or rack lift (at most 0.08 m;
    an overhead press unracks upward and then presses upward) plus the height error
    between neighbouring rests (a few centimetres: 0.01-0.02 m/s of residual velocity
    error over a few seconds), and well below a full stroke (0.35-0.55 m).

    Heights are trusted only where the sensor keeps its attitude: gravity leaks into the
    vertical acceleration in proportion to the attitude error (1 deg: 0.17 m/s^2), and
    the orientation estimator's error grows with how far the sensor turns. With
    ``gyr_dps`` and ``max_turn_deg_per_m`` given, an anchor is judged only when the
    sensor turns by at most ``max_turn_deg_per_m`` degrees (integral of the angular
    speed) per metre of vertical travel between its two neighbours. A bar in the linear
    lifts rolls by less than about 150 deg/m; a curl swings the forearm (and the bar or
    wrist with it) through an arc of about 0.3 m radius, about 200 deg/m before any extra
    turning, and more than 350 deg/m on simulated sets; the default 250 deg/m lies between.
    """
    anchors = list(anchors)
    turn = None
    if gyr_dps is not None and max_turn_deg_per_m is not None:
        rate = check_sampling_rate(sampling_rate_hz)
        turn = cumulative_trapezoid(
            np.linalg.norm(np.atleast_2d(gyr_dps), axis=1), dx=1.0 / rate, initial=0.0
        )
    rate = check_sampling_rate(sampling_rate_hz)
    while len(anchors) > 2:
        velocity = integrate_between_anchors(acc_mps2, anchors, sampling_rate_hz=rate)
        position = cumulative_trapezoid(velocity, dx=1.0 / rate, initial=0.0)
        score = np.zeros(len(anchors))
        for k in range(1, len(anchors) - 1):
            a, b = anchors[k]
            lo, hi = anchors[k - 1][1] - 1, anchors[k + 1][0]
            j0 = _stroke_start(velocity, lo, a, look_s=turn_look_s, rate=rate)
            j1 = _stroke_end(velocity, b - 1, hi, look_s=turn_look_s, rate=rate)
            rise_in = position[a] - position[lo]
            rise_out = position[hi] - position[b - 1]
            if rise_in * rise_out <= 0:
                continue
            came = position[a] - position[j0]
            goes = position[j1] - position[b - 1]
            if came * goes < 0 and min(abs(came), abs(goes)) > min_step_m:
                continue  # the bar turns around here: a touch-and-go top lies between
            if turn is not None and turn[hi] - turn[lo] > max_turn_deg_per_m * (
                abs(rise_in) + abs(rise_out)
            ):
                continue
            score[k] = min(abs(rise_in), abs(rise_out))
        k = int(np.argmax(score))
        if score[k] <= min_step_m:
            break
        del anchors[k]
    return anchors


def _window_steps(cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int) -> np.ndarray:
    """Trapezoid sums ``v[i] + v[i - 1]`` for ``i`` in ``lo + 1:hi``, zero velocity on ``anchors``.

    ``cum`` is the running integral of the acceleration; ``lo`` and ``hi`` are edges of
    anchors. Between two anchors the velocity is ``cum`` minus its straight line between
    their edges (as in :func:`~.anchors.integrate_between_anchors`), and zero on the anchors. The
    position from ``lo`` is their running sum over ``2 rate`` (:func:`_window_position`).
    """
    # anchors are sorted and disjoint: bisect to the few overlapping lo:hi (an hour holds
    # about a thousand anchors, and this runs for every hypothesis)
    first = bisect.bisect_right(anchors, lo, key=lambda anchor: anchor[1])
    local = []
    for a, b in anchors[first:]:
        if a >= hi:
            break
        local.append((max(a, lo), min(b, hi)))
    knots = np.array([x for a, b in local for x in (a, b - 1)])
    span = np.arange(lo, hi)
    velocity = cum[lo:hi] - np.interp(span, knots, cum[knots])
    for a, b in local:
        velocity[a - lo : b - lo] = 0.0
    return np.asarray(velocity[1:] + velocity[:-1])


def _window_position(
    cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int, rate: float
) -> np.ndarray:
    """Position over ``lo:hi`` (from 0 at ``lo``) with zero velocity on ``anchors``.

    The first ``h - lo`` values, for ``h`` an anchor's end inside the window, are the
    position over ``lo:h`` itself (the same numbers): the velocity before ``h`` depends on
    the anchors up to ``h`` only, and the trapezoids are summed in order.
    """
    steps = _window_steps(cum, anchors, lo, hi)
    return np.concatenate([[0.0], np.cumsum(steps) / (2.0 * rate)])


def _window_range(
    cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int, rate: float
) -> float:
    """Vertical range of the position over ``lo:hi`` (see :func:`_window_position`)."""
    position = _window_position(cum, anchors, lo, hi, rate)
    return float(position.max() - position.min())


@dataclass(frozen=True)
class _CurrentWindow:
    """The current anchors' integrals over a closure window ``lo:`` (:func:`reselect_by_closure`).

    ``steps`` are :func:`_window_steps`, ``summed`` their running sum with 0 first
    (the position times ``2 rate``), ``position`` the position itself; ``edge`` is the
    end of the anchor before the hypotheses' changes, and ``head_max`` / ``head_min``
    bound the position before it.
    """

    lo: int
    edge: int
    steps: np.ndarray
    summed: np.ndarray
    position: np.ndarray
    head_max: float
    head_min: float


def _current_window(
    cum: np.ndarray, anchors: list[tuple[int, int]], lo: int, hi: int, edge: int, rate: float
) -> _CurrentWindow:
    """Integrate the current ``anchors`` over ``lo:hi`` once, for every hypothesis there."""
    steps = _window_steps(cum, anchors, lo, hi)
    summed = np.concatenate([[0.0], np.cumsum(steps)])
    position = summed / (2.0 * rate)  # the numbers of _window_position (0 / x is 0)
    head = position[: edge - lo]
    return _CurrentWindow(lo, edge, steps, summed, position, head.max(), head.min())


def _changed_range(
    cum: np.ndarray,
    current: _CurrentWindow,
    kept: list[tuple[int, int]],
    until: int,
    hi: int,
    rate: float,
) -> float:
    """Range over ``lo:hi`` of the position with the anchors between two others replaced.

    The anchors of ``current`` up to the one ending at ``current.edge`` and from the one
    starting at ``until`` stay; those between become ``kept``. The velocity changes only
    between the two (:func:`_window_steps` on their knots alone: np.interp reads the two
    knots around each sample), so the running sum goes on from the current one at
    ``edge - 1`` through the new trapezoids and then the current ones after ``until``:
    summed in the same order, the same numbers as :func:`_window_range` of the whole
    changed list, without integrating the unchanged samples again.
    """
    lo, edge = current.lo, current.edge
    local = [(edge - 1, edge), *kept, (until, until + 1)]
    changed = _window_steps(cum, local, edge - 1, until + 1)
    tail = np.cumsum(
        np.concatenate(
            [
                current.summed[edge - 1 - lo : edge - lo],
                changed,
                current.steps[until - lo : hi - lo - 1],
            ]
        )
    ) / (2.0 * rate)
    # np.maximum and np.minimum: a NaN anywhere gives NaN, as over the whole window
    return float(
        np.maximum(current.head_max, tail.max()) - np.minimum(current.head_min, tail.min())
    )


def _rejudge(
    acc_mps2: np.ndarray,
    cum: np.ndarray,
    candidates: list[tuple[int, int]],
    left: tuple[int, int],
    right: tuple[int, int],
    excluded: list[tuple[int, int]],
    *,
    rate: float,
    settings: StillnessSettings,
    by_start: bool = False,
    trims: dict[tuple[int, int], tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    """Candidates between anchors ``left`` and ``right`` that pass steps 1-3 judged there.

    Candidates overlapping one of ``excluded`` are left out; the rest go through the
    elimination and re-admission of :func:`~.anchors.validate_anchors` between the two anchors, and
    the survivors' edges are cut as in :func:`~.anchors.trim_moving_edges`. ``by_start``: the
    candidates are sorted by start and each ends after it starts (then only those near
    the two anchors are looked at).
    """
    min_len = max(round(settings.short_pause_s * rate), 1)
    limit = bridge_limit(
        settings.accept_speed_mps,
        settings.accept_floor_mps,
        settings.accept_growth_mps_per_s,
        dt=1.0 / rate,
    )
    # candidates sorted by start (as :func:`reselect_by_closure` checks): bisect to the
    # first one starting after ``left``; those starting at or after ``right`` cannot end
    # before it (an hour holds a thousand candidates, and this runs for every hypothesis)
    first = bisect.bisect_left(candidates, left[1], key=lambda c: c[0]) if by_start else 0
    inner = []
    for c in itertools.islice(candidates, first, None):
        if by_start and c[0] >= right[0]:
            break
        if (
            c[0] >= left[1]
            and c[1] <= right[0]
            and not any(c[0] < g[1] and c[1] > g[0] for g in excluded)
        ):
            inner.append(c)
    kept = eliminate_and_readmit(
        cum,
        [left, *inner, right],
        settings.accept_speed_mps,
        edge_fraction=EDGE_FRACTION,
        core_len=max(min_len, round(CORE_S * rate)),
        limit=limit,
        min_gap=round(settings.vouch_gap_s * rate),
        rounds=settings.readmit_rounds,
    )[1:-1]
    if settings.edge_speed_mps is not None:
        # each anchor's cut depends on its own samples only: ``trims`` keeps them for the
        # other hypotheses that judge the same candidate again
        trims = {} if trims is None else trims
        for anchor in kept:
            if anchor not in trims:
                trims[anchor] = trim_moving_edges(
                    acc_mps2,
                    [anchor],
                    sampling_rate_hz=rate,
                    level_mps=settings.edge_speed_mps,
                    min_len=min_len,
                )[0]
        kept = [trims[anchor] for anchor in kept]
    return kept


def reselect_by_closure(
    acc_mps2: np.ndarray,
    anchors: list[tuple[int, int]],
    candidates: list[tuple[int, int]],
    *,
    sampling_rate_hz: float,
    settings: StillnessSettings,
    margin_m: float,
    window_anchors: int = 3,
    max_span: int = 3,
    rounds: int = 3,
) -> list[tuple[int, int]]:
    """Remove the accepted rests that make the bar's heights drift (step 5 of the module docs).

    Every rep returns the bar to the height it started from, and the bar rests at only a
    few heights (the top and bottom of the reps, the rack, the floor). A false rest inside
    a slow stroke forces a true velocity of 0.05-0.15 m/s to zero; the linear drift
    correction spreads that error over the bridge to the next rest, so every height after
    it shifts, by up to the velocity times half the bridge (0.1-1 m), and the true rests
    beyond it, now integrated with the wrong velocity, fail the check of
    :func:`~.anchors.validate_anchors` and are lost. Judged by the velocity alone, that state is
    self-consistent; judged by the heights, it is not: the position's range over the
    reps around it grows by tenths of a metre.

    Steps, for each interior anchor ``k`` in turn and each span ``s`` of 1 to ``max_span``
    consecutive anchors starting there (a false rest often comes in twos or threes, each
    vouching for the next):

    1. **Hypothesis**: anchors ``k .. k+s-1`` are removed, and the candidates between
       anchors ``k-1`` and ``k+s`` that do not overlap them are judged again there
       (elimination and re-admission of :func:`~.anchors.validate_anchors`, edges cut as in
       :func:`~.anchors.trim_moving_edges`). Anchors at least ``long_rest_s`` long are trusted and
       never removed (a span stops before one).
    2. **Cost**: the range (maximum minus minimum) of the position integrated over the
       samples from anchor ``k - window_anchors`` to anchor ``k + s - 1 + window_anchors``.
    3. If the hypothesis lowers the cost by more than ``margin_m``, each removed anchor is
       put back, one at a time in time order, if that does not widen the range again: an
       anchor is removed only if the heights need it (a span's other anchors are often
       true rests).
    4. Of the spans whose hypothesis (after step 3) still lowers the cost by more than
       ``margin_m``, the one lowering it most replaces the current anchors. The sweep
       repeats (``rounds`` at most) until nothing changes.

    ``margin_m`` (0.10 m) lies above the height error between neighbouring true rests (a
    few centimetres, see :func:`drop_passed_anchors`) and below the drift a false rest
    leaves (0.1 m or more once 0.05 m/s is zeroed over a 4 s bridge). Heights are not
    trusted in a curl's arc: the pipeline turns this step off for profiles whose strokes
    come from the rotation.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    cum = cumulative_trapezoid(acc_mps2, dx=1.0 / rate, initial=0.0)
    trusted = round(settings.long_rest_s * rate)
    anchors = list(anchors)
    by_start = all(a < b for a, b in candidates) and all(
        p[0] <= q[0] for p, q in itertools.pairwise(candidates)
    )
    trims: dict[tuple[int, int], tuple[int, int]] = {}  # the edge cuts, by anchor
    for _ in range(rounds):
        changed = False
        k = 1
        while k < len(anchors) - 1:
            best: tuple[float, list[tuple[int, int]], int] | None = None
            # the spans tried: a span stops before the last anchor and before a trusted one
            spans = 0
            while spans < max_span and (last := k + spans) < len(anchors) - 1:
                if anchors[last][1] - anchors[last][0] >= trusted:
                    break
                spans += 1
            lo = anchors[max(k - window_anchors, 0)][0]
            # the current anchors' position over the longest span's window, once: each
            # span's window shares ``lo``, and its position is a prefix of this one
            widest = anchors[min(k + spans - 1 + window_anchors, len(anchors) - 1)][1]
            current = (
                _current_window(cum, anchors, lo, widest, anchors[k - 1][1], rate)
                if spans
                else None
            )
            for span in range(1, spans + 1):
                last = k + span - 1
                hi = anchors[min(last + window_anchors, len(anchors) - 1)][1]
                gone = anchors[k : last + 1]
                kept = _rejudge(
                    acc_mps2,
                    cum,
                    candidates,
                    anchors[k - 1],
                    anchors[last + 1],
                    gone,
                    rate=rate,
                    settings=settings,
                    by_start=by_start,
                    trims=trims,
                )
                trial = anchors[:k] + kept + anchors[last + 1 :]
                assert current is not None
                until = anchors[last + 1][0]
                cost = _changed_range(cum, current, kept, until, hi, rate)
                before = float(
                    current.position[: hi - lo].max() - current.position[: hi - lo].min()
                )
                if before - cost <= margin_m:
                    continue
                for anchor in gone:
                    with_it = sorted([*kept, anchor])
                    trial_with = anchors[:k] + with_it + anchors[last + 1 :]
                    cost_with = _changed_range(cum, current, with_it, until, hi, rate)
                    if cost_with <= cost:
                        kept, trial, cost = with_it, trial_with, cost_with
                gain = before - cost
                if gain > margin_m and (best is None or gain > best[0]):
                    best = (gain, trial, len(kept))
            if best is None:
                k += 1
                continue
            anchors = best[1]
            changed = True
            k += max(best[2], 1)
        if not changed:
            break
    return anchors


#: A movement the other way faster than this ends the walk of :func:`_stroke_start` and
#: :func:`_stroke_end` (slower sign changes are noise around a pause or a slow stroke).
REVERSE_MPS = 0.05


def _stroke_start(velocity: np.ndarray, lo: int, a: int, *, look_s: float, rate: float) -> int:
    """Where the movement that arrives at sample ``a`` began: the last turnaround after ``lo``.

    The direction is that of the mean velocity over the ``look_s`` before ``a``; walking
    back, the movement began where the velocity last pointed the other way (faster than
    ``REVERSE_MPS``).
    """
    n_look = max(round(look_s * rate), 1)
    direction = np.sign(np.mean(velocity[max(lo, a - n_look) : a])) if a > lo else 0.0
    if direction == 0:
        return a
    against = np.flatnonzero(velocity[lo:a] * direction < -REVERSE_MPS)
    return lo + int(against[-1]) if against.size else lo


def _stroke_end(velocity: np.ndarray, b: int, hi: int, *, look_s: float, rate: float) -> int:
    """Where the movement that leaves sample ``b`` ended: the first turnaround before ``hi``."""
    n_look = max(round(look_s * rate), 1)
    direction = np.sign(np.mean(velocity[b + 1 : min(hi, b + 1 + n_look)])) if hi > b + 1 else 0.0
    if direction == 0:
        return b
    against = np.flatnonzero(velocity[b + 1 : hi + 1] * direction < -REVERSE_MPS)
    return b + 1 + int(against[0]) if against.size else hi
