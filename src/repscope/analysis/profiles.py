"""Exercise profiles: which phase comes first, minimum range of motion, flag thresholds.

A profile is data, not code: every rule in :mod:`repscope.analysis.flags` reads its
thresholds from the :class:`FlagThresholds` of the exercise being analysed, so a coach can
change them per exercise (``get_profile("bench").with_thresholds(...)``) without touching
the algorithms.

Defaults and where they come from
---------------------------------
- ``first_phase``: squat, bench press, the Romanian deadlift (standing, bar at the hips)
  and lunges start at the top and go down first (eccentric first); deadlift, row, curl,
  overhead press and hip thrust start at the bottom (concentric first). Variants that
  move the same way are aliases (front squat, sumo deadlift, push press, ...).
- ``min_rom_m``: vertical travel a stroke needs to count as part of a rep. Full barbell reps
  travel 0.3-0.7 m; unrack/rack moves and walk-outs move the bar 3-8 cm vertically. The
  gate (0.10 m) sits between them and still counts half reps (flagged ``partial_rom``).
  The science notes suggest 0.15 m for full reps; repscope uses a lower gate so that
  partial reps are counted and flagged rather than silently dropped.
- ``rotation_strokes`` (curl): a curl turns the forearm, and with it the hands, the bar and a
  wrist sensor, through 120-140 degrees about the elbow; near the top the hands move
  mostly sideways, so the vertical velocity there is slow and easily lost, while the
  angular velocity is measured directly by the gyroscope, without drift. Strokes are
  found in it (as the arc speed at ``arc_radius_m`` = 0.30 m, a forearm's length, so the
  stroke and pairing thresholds in metres keep their meaning: 0.10 m of arc is 19
  degrees); range of motion and velocities still come from the vertical kinematics.
- ``partial_rom_fraction`` (0.75): a rep that misses a quarter or more of the set's full
  range (the median range of its full reps, :func:`repscope.analysis.flags.full_range_reference`)
  was cut short; the coaching definition of a partial rep, not fitted to data.
- ``bounce_min_arrival_ratio`` (0.40): between the arrival ratio of a braked eccentric
  (at most 0.31, a harmonic turnaround) and of one the bottom stops (0.55 and more); see
  :mod:`repscope.analysis.flags` for the derivation and the sensitivity.
- ``grind_concentric_ratio`` (1.5), ``grind_min_concentric_ratio`` (1.0),
  ``grind_sticking_ratio`` (0.5) and ``grind_stall_noise_margin`` (2): a slow concentric,
  or one no faster than the set's with a sticking region or a stall part-way; derived in
  :mod:`repscope.analysis.grind`.
- ``rushed_negative_min_eccentric_s`` (1.0 s) applies only without a prescribed tempo:
  coaching texts treat an eccentric under about one second as uncontrolled (e.g. Wilk et al.
  2021, doi:10.1007/s40279-020-01329-1). With ``--tempo`` the rule compares against the
  prescription instead (fraction ``rushed_negative_fraction``).
- ``rushed_negative_noise_margin`` (0.5): how many times the set's scatter of measured
  eccentric durations a rep must fall below the limit by (measured on real-like dev
  seeds, see :mod:`repscope.analysis.flags`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from repscope.errors import InputError

FirstPhase = Literal["eccentric", "concentric"]


#: No barbell lift moves the bar further vertically than this (m): a snatch, floor to
#: overhead, travels about 1.4 m; squat, bench, deadlift, press, row and curl 0.2-0.8 m.
#: A travel beyond it is a failed measurement (a rhythm at a wrong period, a rep merged
#: with its neighbours), never a lift.
MAX_BARBELL_TRAVEL_M = 1.5

#: Every rep of a set travels about the same height: a rep travelling this many times the
#: set's full range holds two reps (twice the travel; 1.5 is their geometric middle,
#: rounded) or was measured across a lost impulse.
MERGED_TRAVEL_RATIO = 1.5


#: The flags a rep can carry, in the order tables and reports list them (their rules:
#: :mod:`repscope.analysis.flags`; their thresholds: :class:`FlagThresholds`).
FLAGS: tuple[str, ...] = (
    "rushed_negative",
    "bounce",
    "partial_rom",
    "grind",
    "swing",
    "jerky",
    "tempo_off",
)


@dataclass(frozen=True)
class FlagThresholds:
    """Thresholds of the flag rules (documented in :mod:`repscope.analysis.flags`)."""

    rushed_negative_min_eccentric_s: float = 1.0
    rushed_negative_fraction: float = 0.6
    rushed_negative_noise_margin: float = 0.5
    bounce_max_bottom_pause_s: float = 0.12
    bounce_min_arrival_ratio: float = 0.40
    partial_rom_fraction: float = 0.75
    grind_concentric_ratio: float = 1.5
    grind_min_concentric_ratio: float = 1.0
    grind_sticking_ratio: float = 0.5
    grind_stall_noise_margin: float = 2.0
    swing_min_speed_mps: float = 0.2
    swing_ratio_to_set: float = 2.5
    jerky_ldlj_drop: float = 2.0
    tempo_tolerance_s: float = 0.5
    tempo_tolerance_fraction: float = 0.25
    ego_momentum_fraction: float = 0.3
    ego_min_reps: int = 2
    large_velocity_loss: float = 0.4


@dataclass(frozen=True)
class ExerciseProfile:
    """How to read one exercise."""

    name: str
    first_phase: FirstPhase
    min_rom_m: float = 0.10
    aliases: tuple[str, ...] = ()
    #: Wrist placement: a stroke pair whose forearm turns more than this (closed integral of
    #: the gyroscope over the rep) is not a rep. None: no limit (the curl's forearm pitches
    #: about 130 degrees every rep).
    max_wrist_rotation_deg: float | None = 50.0
    #: Find strokes in the rotation about the movement's main gyroscope axis, as the arc
    #: speed of a point ``arc_radius_m`` from the axis, instead of in the vertical velocity
    #: (the curl: see :mod:`repscope.analysis.rotation`). Needs a gyroscope.
    rotation_strokes: bool = False
    arc_radius_m: float = 0.30
    thresholds: FlagThresholds = field(default_factory=FlagThresholds)

    def with_thresholds(self, **changes: Any) -> ExerciseProfile:
        """Return a copy with some thresholds changed."""
        return dataclasses.replace(self, thresholds=dataclasses.replace(self.thresholds, **changes))

    def to_dict(self) -> dict[str, Any]:
        """Profile as plain data, for provenance."""
        return dataclasses.asdict(self)


PROFILES: dict[str, ExerciseProfile] = {
    p.name: p
    for p in (
        ExerciseProfile(
            "bench",
            "eccentric",
            aliases=("bench_press", "benchpress", "incline_bench", "close_grip_bench"),
        ),
        ExerciseProfile(
            "squat",
            "eccentric",
            min_rom_m=0.12,
            aliases=(
                "back_squat",
                "front_squat",
                "high_bar_squat",
                "low_bar_squat",
                "box_squat",
                "zercher_squat",
            ),
        ),
        ExerciseProfile(
            "deadlift",
            "concentric",
            min_rom_m=0.12,
            aliases=("dead", "sumo_deadlift", "conventional_deadlift", "trap_bar_deadlift"),
        ),
        # The Romanian deadlift starts standing, with the bar at the hips: lowering first.
        ExerciseProfile(
            "rdl",
            "eccentric",
            min_rom_m=0.12,
            aliases=("romanian_deadlift", "stiff_leg_deadlift", "sldl", "good_morning"),
        ),
        ExerciseProfile(
            "ohp",
            "concentric",
            aliases=("overhead_press", "press", "military_press", "shoulder_press", "push_press"),
        ),
        ExerciseProfile(
            "row", "concentric", aliases=("barbell_row", "bent_over_row", "pendlay_row")
        ),
        ExerciseProfile("hip_thrust", "concentric", aliases=("glute_bridge",)),
        ExerciseProfile(
            "lunge", "eccentric", aliases=("split_squat", "bulgarian_split_squat", "reverse_lunge")
        ),
        ExerciseProfile(
            "curl",
            "concentric",
            aliases=("biceps_curl", "barbell_curl"),
            max_wrist_rotation_deg=None,
            rotation_strokes=True,
        ),
    )
}


def get_profile(exercise: str | None) -> ExerciseProfile:
    """Return the profile of an exercise name or alias (case-insensitive).

    Raises
    ------
    InputError
        For an unknown exercise, listing the known ones.
    """
    if exercise is None:
        raise InputError(
            "the exercise is unknown",
            where="--exercise",
            hint=f"Pass --exercise, one of: {', '.join(PROFILES)}.",
        )
    key = exercise.strip().lower().replace("-", "_").replace(" ", "_")
    for profile in PROFILES.values():
        if key == profile.name or key in profile.aliases:
            return profile
    raise InputError(
        f"unknown exercise {exercise!r}",
        where="--exercise",
        hint=f"Use one of: {', '.join(PROFILES)}.",
    )
