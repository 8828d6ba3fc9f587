"""Strokes mended after they are found: turnarounds joined, lost strokes put back.

The stroke finder (:mod:`repscope.analysis.strokes`) works from the velocity the still
anchors give. Two things it cannot see are repaired here, with the whole recording's
anchors and acceleration at hand:

* **Turnarounds without a rest** (:func:`snap_turnarounds`): a gap between a stroke and
  the next, opposite one is a pause only if an accepted rest lies in it. Without one, it
  is the slow tail of a turnaround (a few mm/s, below what integration resolves), and the
  two strokes are joined at one instant: the boundary of the stroke with the higher peak
  speed, whose steeper flanks are measured better.
* **Lost strokes** (:func:`restore_lost_strokes`): the bar cannot travel one way twice
  without coming back in between unless its resting height changed (a pick-up, a
  set-down). Between two consecutive same-way strokes of at least the profile's
  ``min_rom_m`` (and between a set's last rep-starting stroke and the next long rest, or
  the previous long rest and a first rep-ending stroke), the vertical acceleration is
  integrated afresh, zero velocity at both ends, ignoring the still anchors inside; a
  stroke the other way of at least ``min_rom_m`` in it is inserted. It is the slow
  eccentric of a partial rep (0.12-0.25 m in 3-4 s, under 0.04 m/s half of the time): it
  accelerates like a resting bar, false still anchors are accepted inside it, and their
  zero-velocity updates erase its stroke. Bridges longer than ``max_bridge_s`` (8 s) are
  left alone. Dev seeds 0-439: 434 -> 436 sets counted exactly, 500-739: 234 -> 236, no
  set lost.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from repscope.analysis.filters import cumulative_trapezoid
from repscope.analysis.strokes import Stroke, StrokeSettings, find_strokes
from repscope.recording import check_sampling_rate


def snap_turnarounds(
    strokes: list[Stroke], still: np.ndarray, *, sampling_rate_hz: float
) -> list[Stroke]:
    """Join consecutive opposite strokes at one instant when the bar never rested between.

    A gap between the end of one stroke and the start of the next, opposite one, is a
    pause only if the bar was seen at rest in it (an accepted still anchor, ``still``).
    Without one, the gap is the slow tail of a turnaround whose speed, a few mm/s, is below
    what integration can resolve, and both boundaries are extrapolations. The turnaround
    is then put at the boundary of the stroke with the higher peak speed, whose flanks are
    steeper and measured with a better signal-to-noise ratio (typically the concentric),
    and the other stroke is extended (or shortened) to meet it. Displacements are kept.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    out = list(strokes)
    n = still.size
    for k in range(len(out) - 1):
        first, second = out[k], out[k + 1]
        if first.direction == second.direction:
            continue
        lo = max(min(first.end_idx, second.start_idx), 0)
        hi = min(max(first.end_idx, second.start_idx), n - 1)
        if still[lo : hi + 1].any():
            continue
        turn_s = first.end_s if first.peak_speed_mps >= second.peak_speed_mps else second.start_s
        if not first.start_s < turn_s < second.end_s:
            continue
        i_turn = turn_s * rate
        out[k] = replace(first, end_s=turn_s, end_idx=int(np.ceil(i_turn)))
        out[k + 1] = replace(second, start_s=turn_s, start_idx=int(np.floor(i_turn)))
    return out


def restore_lost_strokes(
    strokes: list[Stroke],
    vertical_acc_mps2: np.ndarray,
    *,
    sampling_rate_hz: float,
    min_travel_m: float,
    first_direction: int | None = None,
    rests: list[tuple[int, int]] | None = None,
    min_rest_s: float = 1.5,
    settings: StrokeSettings | None = None,
) -> list[Stroke]:
    """Put back a stroke the zero-velocity updates erased between two same-way strokes.

    The bar cannot travel one way twice without coming back in between, unless its
    resting height changed (a pick-up, a set-down). When two consecutive strokes that
    travel at least ``min_travel_m`` go the same way (strokes shorter than that between
    them are ignored, as in pairing), the vertical acceleration is integrated afresh over
    the bridge from the end of the first to the start of the second, with the velocity
    zero at both ends (a turnaround or a rest, where it is zero physically) and the linear
    drift correction between them, *ignoring the still anchors in the bridge*. A slow
    partial eccentric (0.12-0.25 m in 3-4 s, under 0.04 m/s for half its duration)
    accelerates like a resting bar, so still anchors are accepted inside it and force
    its velocity to zero: its stroke shrinks below ``min_travel_m`` or disappears, and
    its rep is lost. The fresh integral does not depend on them. If it contains a stroke
    the other way travelling at least ``min_travel_m`` (found as :func:`find_strokes`
    finds strokes, boundaries inside the bridge), that stroke is inserted; pairing then
    judges it like any other (travel ratio, rotation). A bridge longer than
    ``settings.max_bridge_s`` (8 s: a 4 s eccentric, a 2 s pause and the turnarounds) is
    left alone, because the error of the fresh integral grows with its length (measured
    on simulated 4-5 s bridges: up to 0.06 m). A bridge over a held pause or a set-up
    move contains no return and is unchanged.

    At the ends of a set the same holds against a long rest (``rests`` at least
    ``min_rest_s`` long, where the bar is still): a set's last long stroke that would begin
    a rep (``first_direction``) is bridged to the middle of the next such rest, and a first
    long stroke that would end one is bridged from the middle of the previous rest.
    """
    rate = check_sampling_rate(sampling_rate_hz)
    settings = settings or StrokeSettings()
    acc = np.asarray(vertical_acc_mps2, dtype=float)
    n = acc.size
    dt = 1.0 / rate
    long_ones = [k for k, s in enumerate(strokes) if abs(s.displacement_m) >= min_travel_m]
    bridges: list[tuple[int, int, int]] = []  # (start, end, direction of the lost stroke)
    for k0, k1 in itertools.pairwise(long_ones):
        first, second = strokes[k0], strokes[k1]
        if first.direction == second.direction:
            bridges.append(
                (round(first.end_s * rate), round(second.start_s * rate), -first.direction)
            )
    long_rests = [(a, b) for a, b in rests or [] if (b - a) * dt >= min_rest_s]
    if long_ones and first_direction is not None and long_rests:
        last = strokes[long_ones[-1]]
        after = [(a + b) // 2 for a, b in long_rests if (a + b) / 2 * dt > last.end_s]
        if last.direction == first_direction and after:
            bridges.append((round(last.end_s * rate), after[0], -first_direction))
        head = strokes[long_ones[0]]
        before = [(a + b) // 2 for a, b in long_rests if (a + b) / 2 * dt < head.start_s]
        if head.direction == -first_direction and before:
            bridges.append((before[-1], round(head.start_s * rate), first_direction))
    inserted: list[Stroke] = []
    for b0, b1, lost in bridges:
        i0, i1 = max(b0, 0), min(b1, n - 1)
        if i1 - i0 < 3 or (i1 - i0) * dt > settings.max_bridge_s:
            continue
        vel = cumulative_trapezoid(acc[i0 : i1 + 1], dx=dt, initial=0.0)
        vel = vel - np.linspace(0.0, 1.0, vel.size) * vel[-1]
        found = find_strokes(
            vel,
            acc[i0 : i1 + 1],
            np.zeros(vel.size, dtype=bool),
            sampling_rate_hz=rate,
            settings=settings,
        )
        back = [s for s in found if s.direction == lost and abs(s.displacement_m) >= min_travel_m]
        if not back:
            continue
        best = max(back, key=lambda s: abs(s.displacement_m))
        inserted.append(
            replace(
                best,
                start_idx=best.start_idx + i0,
                end_idx=best.end_idx + i0,
                start_s=best.start_s + i0 * dt,
                end_s=best.end_s + i0 * dt,
            )
        )
    if not inserted:
        return strokes
    # the short remnants of an inserted stroke (pieces between false rests) go with it
    kept = [
        s
        for s in strokes
        if abs(s.displacement_m) >= min_travel_m
        or not any(s.start_s < x.end_s and x.start_s < s.end_s for x in inserted)
    ]
    return sorted([*kept, *inserted], key=lambda s: s.start_s)
