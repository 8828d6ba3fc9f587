"""Reps and sets from strokes, and the four tempo phases of each rep.

Pairing (per exercise profile)
------------------------------
- Eccentric-first lifts (squat, bench): a rep is a down stroke immediately followed by an
  up stroke; up-first lifts (deadlift, row, curl, overhead press): an up stroke followed by
  a down stroke. Strokes that travel less than ``min_rom_m`` between the two (the drift
  of a pause, a small adjustment) are skipped: they cannot belong to any rep, and letting
  them separate a rep's strokes lost the rep (``skip_wobbles``; on 440 simulated dev sets
  one more set counted exactly, none fewer).
- Both strokes must travel at least the profile's ``min_rom_m``, and their travels may
  differ by at most a factor ``max_travel_ratio`` (a rep returns to where it started).
- Strokes that do not pair (unrack and rack moves, walk-outs, setting the bar down,
  adjustments) are not reps.

Open recording edges, wrist placement (``open_edge_rules``)
-----------------------------------------------------------
Where a stretch does not begin (end) at rest, the integrated velocity has no still
anchor on that side, so its error is unbounded there, and a wrist in a set gives the
other corrections (closure, high-pass) little to hold on to near the edge.

- **Edge pair**: the pair nearest an open edge (the first two strokes of the stretch,
  or the last two; a remnant stroke between it and the edge allowed) whose travel ratio
  fails is still a rep when its *inner* stroke, the one with a turnaround on each side,
  travels like the set's reps (at least ``truncated_travel_fraction`` of their median
  travel, at most ``max_travel_ratio`` times it) and the edge stroke at least that
  minimum. The ratio gate compares two strokes' travels; next to an open edge one of
  them is a drift measurement, so the inner stroke is compared with the set instead.
  On the real wrist recordings a velocity error of 0.2-0.4 m/s at an open edge doubled
  or tripled the edge stroke (0.66 m against 0.30 m; 1.64 m against 0.58 m). At an open
  end the edge stroke is then cut where it is back at the rep's starting height, as a
  set-down is. Simulated wrist sets (dev seeds 0-439) cropped inside their first and
  last reps: 5 of 432 crops changed, all to the true count.

Sets
----
Consecutive reps belong to one set unless the gap between them exceeds ``set_gap_s``
(default 15 s; rest-pause clusters inside one set are shorter, rests between sets longer)
or holds a rack: ``rack_rest_s`` at the sensor's floor (:mod:`repscope.analysis.set_end`,
the rule the live engine ends a set by). A hand-held pause, however long, is not a rack.
Sets are numbered from 1.

Phases (movement order, times are the refined stroke boundaries of
:mod:`repscope.analysis.strokes`)
------------------------------------------------------------------------------------------
- eccentric = the down stroke; concentric = the up stroke;
- eccentric-first: bottom pause = concentric start - eccentric end; top pause = next rep's
  eccentric start - this concentric end (NaN for a set's last rep);
- concentric-first: top pause = eccentric start - concentric end; bottom pause = next
  rep's concentric start - this eccentric end (NaN for a set's last rep).

Negative gaps (boundaries overlapping by a sample) are clamped to zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from repscope.analysis.profiles import ExerciseProfile
from repscope.analysis.set_end import SetEndSettings, racked_between
from repscope.analysis.strokes import Stroke


@dataclass(frozen=True)
class RepSettings:
    """Parameters of rep pairing and set grouping."""

    max_travel_ratio: float = 2.2
    set_gap_s: float = 15.0
    truncated_travel_fraction: float = 0.6
    truncated_edge_s: float = 3.0
    skip_wobbles: bool = True
    set_down_rest_s: float = 2.0
    set_end: SetEndSettings = field(default_factory=SetEndSettings)


@dataclass
class Rep:
    """A rep as two strokes plus the phase times derived from them.

    A rep cut by the start or end of a recording that does not begin (end) at rest has
    only one of its strokes: the other is ``None`` and its phases are unknown (NaN).
    """

    eccentric: Stroke | None
    concentric: Stroke | None
    set_number: int = 0
    bottom_pause_s: float = float("nan")
    top_pause_s: float = float("nan")
    eccentric_first: bool = True

    @property
    def truncated(self) -> bool:
        """Whether one of the rep's strokes lies outside the recording."""
        return self.eccentric is None or self.concentric is None

    @property
    def strokes(self) -> list[Stroke]:
        """The rep's strokes, in time order."""
        found = [s for s in (self.eccentric, self.concentric) if s is not None]
        return sorted(found, key=lambda s: s.start_s)

    @property
    def first(self) -> Stroke:
        """The rep's first stroke in time."""
        return self.strokes[0]

    @property
    def last(self) -> Stroke:
        """The rep's last stroke in time."""
        return self.strokes[-1]

    @property
    def start_s(self) -> float:
        """Start of the rep's first movement phase."""
        return self.first.start_s

    @property
    def end_s(self) -> float:
        """End of the rep's last movement phase."""
        return self.last.end_s


def _travel_ok(a: Stroke, b: Stroke, profile: ExerciseProfile, settings: RepSettings) -> bool:
    travel_a, travel_b = abs(a.displacement_m), abs(b.displacement_m)
    return min(travel_a, travel_b) >= profile.min_rom_m and max(
        travel_a, travel_b
    ) <= settings.max_travel_ratio * min(travel_a, travel_b)


def pair_strokes(
    strokes: list[Stroke],
    profile: ExerciseProfile,
    *,
    settings: RepSettings | None = None,
    open_start_s: float | None = None,
    open_end_s: float | None = None,
    rotation_deg: Callable[[int, int, bool], float] | None = None,
    max_rotation_deg: float | None = None,
    cut_stroke: Callable[[Stroke, float], Stroke | None] | None = None,
    open_edge_rules: bool = False,
) -> list[Rep]:
    """Pair consecutive strokes into reps following the profile (see module docs).

    ``rotation_deg(start_idx, end_idx, closed)``, with ``max_rotation_deg``: how far the
    sensor turns over a span of samples (``closed``: the span returns to its starting
    attitude, as a full rep does); a pair, or a cut rep's single stroke, that turns more
    is not a rep (wrist placement: raising the arm, a hand to the face, re-gripping).

    ``cut_stroke(stroke, travel_m)``: the stroke cut where it has travelled ``travel_m``
    from its start (None if it never does). With it, a rep's second stroke that travels
    more than ``max_travel_ratio`` times its first and is followed by a rest of at least
    ``set_down_rest_s`` (or by nothing) is cut to the first stroke's travel: the lifter
    lowered the bar from the last rep straight to the floor (row, deadlift) without a
    pause, and the rest of the stroke is the set-down, not the rep.

    ``open_start_s`` / ``open_end_s``: when the analysed stretch does not begin (end) at
    rest, its start (end) time. The first (last) stroke of such a stretch, if it would
    complete (begin) a rep, starts (ends) within ``truncated_edge_s`` of the edge (room
    for the cut rep's pause) or is separated from it only by a remnant stroke there, and
    travels at least ``truncated_travel_fraction`` of the median travel of the paired
    reps, is counted as a rep cut by the recording (see :class:`Rep`).

    ``open_edge_rules`` (wrist placement): the edge-pair rule of the module docs.
    """
    settings = settings or RepSettings()

    def turns_ok(i0: int, i1: int, closed: bool = True) -> bool:
        if rotation_deg is None or max_rotation_deg is None:
            return True
        return not rotation_deg(i0, i1, closed) > max_rotation_deg

    first_dir = -1 if profile.first_phase == "eccentric" else 1
    ecc_first = first_dir == -1
    reps: list[Rep] = []
    used: list[int] = []
    used_last = -1
    i = 0
    while i < len(strokes) - 1:
        a = strokes[i]
        j = i + 1
        if settings.skip_wobbles:
            # a stroke too short to belong to any rep (the drift of a pause) does not
            # separate a rep's two strokes
            while j < len(strokes) - 1 and abs(strokes[j].displacement_m) < profile.min_rom_m:
                j += 1
        b = strokes[j]
        if (
            cut_stroke is not None
            and a.direction == first_dir
            and b.direction == -first_dir
            and abs(a.displacement_m) >= profile.min_rom_m
            and abs(b.displacement_m) > settings.max_travel_ratio * abs(a.displacement_m)
            and (
                j == len(strokes) - 1
                or strokes[j + 1].start_s - b.end_s >= settings.set_down_rest_s
            )
        ):
            # the set's last rep ran straight into putting the bar down: the rep ends
            # where the bar is back at the rep's starting height
            cut = cut_stroke(b, abs(a.displacement_m))
            b = cut if cut is not None else b
        if (
            a.direction == first_dir
            and b.direction == -first_dir
            and _travel_ok(a, b, profile, settings)
            and turns_ok(a.start_idx, b.end_idx + 1)
        ):
            ecc, con = (a, b) if ecc_first else (b, a)
            reps.append(Rep(eccentric=ecc, concentric=con, eccentric_first=ecc_first))
            used.append(i)
            used_last = j
            i = j + 1
        else:
            i += 1
    if not reps:
        return reps
    travel = float(np.median([abs(r.first.displacement_m) for r in reps]))
    need = max(profile.min_rom_m, settings.truncated_travel_fraction * travel)
    edge = settings.truncated_edge_s
    if open_edge_rules:

        def edge_pair_ok(inner: Stroke, outer: Stroke) -> bool:
            travel_in = abs(inner.displacement_m)
            return (
                need <= travel_in <= settings.max_travel_ratio * travel
                and abs(outer.displacement_m) >= need
            )

        p = used[0] - 2
        if (
            open_start_s is not None
            and p in (0, 1)
            and strokes[0].start_s - open_start_s <= edge
            and strokes[p].direction == first_dir
            and strokes[p + 1].direction == -first_dir
            and edge_pair_ok(strokes[p + 1], strokes[p])
            and turns_ok(strokes[p].start_idx, strokes[p + 1].end_idx + 1)
        ):
            a, b = strokes[p], strokes[p + 1]
            ecc, con = (a, b) if ecc_first else (b, a)
            reps.insert(0, Rep(eccentric=ecc, concentric=con, eccentric_first=ecc_first))
            used.insert(0, p)
        p = used_last + 1
        if (
            open_end_s is not None
            and p + 1 in (len(strokes) - 1, len(strokes) - 2)
            and open_end_s - strokes[-1].end_s <= edge
            and strokes[p].direction == first_dir
            and strokes[p + 1].direction == -first_dir
            and edge_pair_ok(strokes[p], strokes[p + 1])
            and turns_ok(strokes[p].start_idx, strokes[p + 1].end_idx + 1)
        ):
            a, b = strokes[p], strokes[p + 1]
            if cut_stroke is not None and abs(b.displacement_m) > abs(a.displacement_m):
                # the drifted edge stroke ends where it is back at the rep's start height
                b = cut_stroke(b, abs(a.displacement_m)) or b
            ecc, con = (a, b) if ecc_first else (b, a)
            reps.append(Rep(eccentric=ecc, concentric=con, eccentric_first=ecc_first))
            used_last = p + 1
    head = used[0] - 1
    if open_start_s is not None and head >= 0:
        s = strokes[head]
        # it starts the recording, or only the cut-off remnant of its partner precedes it
        at_edge = (head == 0 and s.start_s - open_start_s <= edge) or (
            head == 1 and strokes[0].start_s - open_start_s <= edge
        )
        if (
            s.direction == -first_dir
            and abs(s.displacement_m) >= need
            and at_edge
            and turns_ok(s.start_idx, s.end_idx + 1, closed=False)
        ):
            cut_ecc: Stroke | None = None if ecc_first else s
            cut_con: Stroke | None = s if ecc_first else None
            reps.insert(0, Rep(eccentric=cut_ecc, concentric=cut_con, eccentric_first=ecc_first))
    tail = used_last + 1
    if open_end_s is not None and tail < len(strokes):
        s = strokes[tail]
        at_edge = (tail == len(strokes) - 1 and open_end_s - s.end_s <= edge) or (
            tail == len(strokes) - 2 and open_end_s - strokes[-1].end_s <= edge
        )
        if (
            s.direction == first_dir
            and abs(s.displacement_m) >= need
            and at_edge
            and turns_ok(s.start_idx, s.end_idx + 1, closed=False)
        ):
            cut_ecc = s if ecc_first else None
            cut_con = None if ecc_first else s
            reps.append(Rep(eccentric=cut_ecc, concentric=cut_con, eccentric_first=ecc_first))
    return reps


def group_sets(
    reps: list[Rep],
    *,
    settings: RepSettings | None = None,
    racks: Sequence[tuple[float, float]] = (),
) -> list[list[Rep]]:
    """Group reps into sets and fill in set numbers and pauses.

    A new set starts after a gap over ``set_gap_s`` or a rack between two reps: ``racks``
    are the recording's racked spans (:func:`repscope.analysis.set_end.find_racks`).
    """
    settings = settings or RepSettings()
    sets: list[list[Rep]] = []
    for rep in reps:
        if (
            sets
            and rep.start_s - sets[-1][-1].end_s <= settings.set_gap_s
            and not racked_between(racks, sets[-1][-1].end_s, rep.start_s, settings.set_end)
        ):
            sets[-1].append(rep)
        else:
            sets.append([rep])
    nan = float("nan")

    def gap(a: Stroke | None, b: Stroke | None) -> float:
        return nan if a is None or b is None else max(b.start_s - a.end_s, 0.0)

    for number, members in enumerate(sets, start=1):
        for k, rep in enumerate(members):
            rep.set_number = number
            nxt = members[k + 1] if k + 1 < len(members) else None
            if rep.eccentric_first:
                rep.bottom_pause_s = gap(rep.eccentric, rep.concentric)
                rep.top_pause_s = gap(rep.concentric, nxt.eccentric) if nxt else nan
            else:
                rep.top_pause_s = gap(rep.concentric, rep.eccentric)
                rep.bottom_pause_s = gap(rep.eccentric, nxt.concentric) if nxt else nan
    return sets
