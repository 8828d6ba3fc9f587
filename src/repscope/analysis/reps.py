"""Reps and sets from strokes, and the four tempo phases of each rep.

Pairing (per exercise profile)
------------------------------
- Eccentric-first lifts (squat, bench): a rep is a down stroke immediately followed by an
  up stroke; up-first lifts (deadlift, row, curl, overhead press): an up stroke followed by
  a down stroke.
- Both strokes must travel at least the profile's ``min_rom_m``, and their travels may
  differ by at most a factor ``max_travel_ratio`` (a rep returns to where it started).
- Strokes that do not pair (unrack and rack moves, walk-outs, setting the bar down,
  adjustments) are not reps.

Sets
----
Consecutive reps belong to one set unless the gap between them exceeds ``set_gap_s``
(default 15 s; rest-pause clusters inside one set are shorter, rests between sets longer).
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

from dataclasses import dataclass

import numpy as np

from repscope.analysis.profiles import ExerciseProfile
from repscope.analysis.strokes import Stroke


@dataclass(frozen=True)
class RepSettings:
    """Parameters of rep pairing and set grouping."""

    max_travel_ratio: float = 2.2
    set_gap_s: float = 15.0


@dataclass
class Rep:
    """A rep as two strokes plus the phase times derived from them."""

    eccentric: Stroke
    concentric: Stroke
    set_number: int = 0
    bottom_pause_s: float = float("nan")
    top_pause_s: float = float("nan")

    @property
    def first(self) -> Stroke:
        """The rep's first stroke in time."""
        return (
            self.eccentric if self.eccentric.start_s <= self.concentric.start_s else self.concentric
        )

    @property
    def last(self) -> Stroke:
        """The rep's last stroke in time."""
        return self.concentric if self.first is self.eccentric else self.eccentric

    @property
    def start_s(self) -> float:
        """Start of the rep's first movement phase."""
        return self.first.start_s

    @property
    def end_s(self) -> float:
        """End of the rep's last movement phase."""
        return self.last.end_s


def pair_strokes(
    strokes: list[Stroke], profile: ExerciseProfile, *, settings: RepSettings | None = None
) -> list[Rep]:
    """Pair consecutive strokes into reps following the profile (see module docs)."""
    settings = settings or RepSettings()
    first_dir = -1 if profile.first_phase == "eccentric" else 1
    reps: list[Rep] = []
    i = 0
    while i < len(strokes) - 1:
        a, b = strokes[i], strokes[i + 1]
        travel_a, travel_b = abs(a.displacement_m), abs(b.displacement_m)
        ok = (
            a.direction == first_dir
            and b.direction == -first_dir
            and min(travel_a, travel_b) >= profile.min_rom_m
            and max(travel_a, travel_b) <= settings.max_travel_ratio * min(travel_a, travel_b)
        )
        if ok:
            ecc, con = (a, b) if first_dir == -1 else (b, a)
            reps.append(Rep(eccentric=ecc, concentric=con))
            i += 2
        else:
            i += 1
    return reps


def group_sets(reps: list[Rep], *, settings: RepSettings | None = None) -> list[list[Rep]]:
    """Group reps into sets by time gaps and fill in set numbers and pauses."""
    settings = settings or RepSettings()
    sets: list[list[Rep]] = []
    for rep in reps:
        if sets and rep.start_s - sets[-1][-1].end_s <= settings.set_gap_s:
            sets[-1].append(rep)
        else:
            sets.append([rep])
    for number, members in enumerate(sets, start=1):
        for k, rep in enumerate(members):
            rep.set_number = number
            nxt = members[k + 1] if k + 1 < len(members) else None
            if rep.first is rep.eccentric:  # eccentric-first
                rep.bottom_pause_s = max(rep.concentric.start_s - rep.eccentric.end_s, 0.0)
                rep.top_pause_s = (
                    max(nxt.eccentric.start_s - rep.concentric.end_s, 0.0) if nxt else float("nan")
                )
            else:
                rep.top_pause_s = max(rep.eccentric.start_s - rep.concentric.end_s, 0.0)
                rep.bottom_pause_s = (
                    max(nxt.concentric.start_s - rep.eccentric.end_s, 0.0) if nxt else float("nan")
                )
    return sets


def rep_phase_durations(rep: Rep) -> np.ndarray:
    """Phase durations in coaching order: eccentric, bottom pause, concentric, top pause."""
    return np.array(
        [rep.eccentric.duration_s, rep.bottom_pause_s, rep.concentric.duration_s, rep.top_pause_s]
    )
