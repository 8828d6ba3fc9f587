"""Simulated training blocks: weeks of sessions with a known load-velocity relation.

A block is what an athlete's history looks like after a few weeks of training one lift:
sessions on set days, loads that rise from week to week (with lighter days inside a
week), and a bar velocity that follows the athlete's load-velocity line. Because that
line is known, the 1RM estimated from the analysed sessions
(:func:`repscope.history.trends.fit_load_velocity`) can be checked against the truth.

Model
-----
- The athlete's load-velocity relation is the straight line of :class:`AthleteProfile`:
  ``v(L) = v0 - (v0 - v1rm) · L / 1RM``, so the line reaches ``v1rm`` (the velocity of a
  1RM lift) exactly at ``one_rm_kg``.
- Session ``k`` (0-based) of week ``w`` (0-based) is lifted at the intensity
  ``start_intensity + (end_intensity - start_intensity) · w / (weeks - 1)`` plus
  ``daily_offsets[k % len(daily_offsets)]`` (heavy, light and medium days by default),
  times ``one_rm_kg``, rounded to a multiple of ``plate_kg``. The session's date is
  ``start_date + 7 w + round(7 k / sessions_per_week)`` days, at 18:00 UTC.
- Day-to-day readiness: each session's velocities are shifted by one draw of
  N(0, ``day_sd_mps``).
- Rep ``r`` (1-based) of a set: ``(v(L) + day shift) · (1 - velocity_loss_per_rep · (r - 1))``
  plus N(0, ``rep_sd_mps``), at least 0.05 m/s. Its range of motion is the exercise's
  default times ``1 + 0.02 · N(0, 1)``, and its concentric takes ``rom / velocity``
  (set through :class:`~repscope.simulate.specs.RepSpec`), so the rep's true mean
  concentric velocity is exactly that velocity. The other phases follow ``tempo`` with the
  simulator's usual jitter.
- Faults: each rep from the second on gets, with probability ``fault_probability``, a
  bounce or a rushed negative (equally likely). Both change the eccentric and the
  turnaround only, never the concentric's duration or range, so they leave the
  load-velocity truth intact.

Defaults for ``v1rm_mps`` are the thresholds of :data:`repscope.history.trends.MVT_MPS`
(bench 0.16, squat 0.24 m/s) and 0.2 m/s for other lifts; ``v0_mps`` defaults to
:data:`DEFAULT_V0_MPS` (plausible values for trained lifters, chosen for the simulation and
not taken from a study).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd

from repscope.errors import InputError
from repscope.recording import Recording
from repscope.simulate.session import simulate_session
from repscope.simulate.specs import EXERCISES, Fault, RepSpec, SensorSpec, SetSpec

#: Velocity (m/s) where the simulated load-velocity line meets zero load, per exercise.
DEFAULT_V0_MPS: dict[str, float] = {
    "bench": 1.8,
    "squat": 1.7,
    "deadlift": 1.5,
    "ohp": 1.7,
    "row": 1.8,
    "curl": 1.5,
}

#: Velocity (m/s) of a 1RM lift, per exercise (see the module docs).
DEFAULT_V1RM_MPS: dict[str, float] = {"bench": 0.16, "squat": 0.24}

#: ``v1rm`` for exercises without an entry in :data:`DEFAULT_V1RM_MPS`.
FALLBACK_V1RM_MPS = 0.2

#: Slowest rep the block simulates (m/s).
MIN_REP_VELOCITY_MPS = 0.05


@dataclass(frozen=True)
class AthleteProfile:
    """An athlete's true load-velocity line for one lift.

    Attributes
    ----------
    one_rm_kg
        The true 1RM.
    v1rm_mps
        Mean concentric velocity of a 1RM lift (where the line meets ``one_rm_kg``).
    v0_mps
        Where the line meets zero load.
    """

    one_rm_kg: float
    v1rm_mps: float
    v0_mps: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.one_rm_kg) or self.one_rm_kg <= 0:
            raise InputError(f"one_rm_kg must be positive, got {self.one_rm_kg!r}")
        if not 0 < self.v1rm_mps < self.v0_mps:
            raise InputError(
                f"need 0 < v1rm_mps < v0_mps, got {self.v1rm_mps!r} and {self.v0_mps!r}"
            )

    @property
    def slope_mps_per_kg(self) -> float:
        """Slope of the line (negative)."""
        return -(self.v0_mps - self.v1rm_mps) / self.one_rm_kg

    def velocity_at(self, load_kg: float) -> float:
        """Return the true mean concentric velocity (m/s) of a fresh rep at ``load_kg``."""
        return self.v0_mps + self.slope_mps_per_kg * load_kg

    def load_at(self, velocity_mps: float) -> float:
        """Return the load (kg) at which the line reaches ``velocity_mps``."""
        return (velocity_mps - self.v0_mps) / self.slope_mps_per_kg


def load_velocity_reps(
    exercise: str,
    *,
    n_reps: int,
    load_kg: float,
    profile: AthleteProfile,
    velocity_loss_per_rep: float = 0.03,
    rom_m: float | None = None,
) -> tuple[RepSpec, ...]:
    """Return reps whose true mean concentric velocity follows the load-velocity line.

    Rep ``r`` (1-based) moves at ``v(L) · (1 - velocity_loss_per_rep · (r - 1))`` m/s (at
    least :data:`MIN_REP_VELOCITY_MPS`), the block's model without its random readiness
    and rep noise: its concentric takes ``rom / v`` over the full range ``rom_m`` (the
    exercise's default when None). Other phases follow the set's tempo.
    """
    if exercise not in EXERCISES:
        raise InputError(f"unknown exercise {exercise!r}", where="exercise")
    if not (math.isfinite(load_kg) and 0 <= load_kg < profile.one_rm_kg):
        raise InputError(
            f"load {load_kg!r} kg must lie in [0, 1RM = {profile.one_rm_kg:g} kg)",
            where="load_kg",
            hint="A load at or above the 1RM has no velocity on the line.",
        )
    if not (math.isfinite(velocity_loss_per_rep) and 0 <= velocity_loss_per_rep <= 0.2):
        raise InputError("velocity_loss_per_rep must lie in 0..0.2", where="velocity_loss_per_rep")
    rom = EXERCISES[exercise].default_rom_m if rom_m is None else float(rom_m)
    v_load = profile.velocity_at(load_kg)
    reps = []
    for r in range(1, _check_positive_int(n_reps, "n_reps") + 1):
        v = max(v_load * (1.0 - velocity_loss_per_rep * (r - 1)), MIN_REP_VELOCITY_MPS)
        reps.append(RepSpec(concentric_s=rom / v, rom_m=rom))
    return tuple(reps)


def default_profile(exercise: str, one_rm_kg: float) -> AthleteProfile:
    """Return the load-velocity line of ``one_rm_kg`` with the default velocities."""
    if exercise not in EXERCISES:
        raise InputError(f"unknown exercise {exercise!r}", where="exercise")
    return AthleteProfile(
        one_rm_kg=float(one_rm_kg),
        v1rm_mps=DEFAULT_V1RM_MPS.get(exercise, FALLBACK_V1RM_MPS),
        v0_mps=DEFAULT_V0_MPS[exercise],
    )


def _check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise InputError(f"{name} must be a positive whole number, got {value!r}", where=name)
    return int(value)


def simulate_training_block(
    *,
    athlete: str,
    exercise: str,
    weeks: int,
    sessions_per_week: int,
    one_rm_kg: float,
    seed: int,
    sampling_rate_hz: float,
    placement: str = "bar",
    v1rm_mps: float | None = None,
    v0_mps: float | None = None,
    start_date: str | date = "2025-01-06",
    start_intensity: float = 0.65,
    end_intensity: float = 0.85,
    daily_offsets: Sequence[float] = (0.0, -0.10, -0.05),
    plate_kg: float = 2.5,
    sets_per_session: int = 3,
    reps_per_set: int = 5,
    tempo: str = "2-1-X-1",
    velocity_loss_per_rep: float = 0.03,
    day_sd_mps: float = 0.02,
    rep_sd_mps: float = 0.01,
    fault_probability: float = 0.05,
    rest_between_sets_s: float = 30.0,
    sensor: SensorSpec | None = None,
) -> list[Recording]:
    """Simulate a training block: one recording per session, oldest first.

    Parameters
    ----------
    athlete, exercise
        Written into each recording's metadata (``exercise`` one of
        :data:`repscope.simulate.EXERCISES`).
    weeks, sessions_per_week
        Length of the block.
    one_rm_kg
        The athlete's true 1RM (constant through the block).
    seed
        Seed of every draw; the same arguments give the same recordings.
    sampling_rate_hz
        The IMU's rate (required, see :func:`~repscope.simulate.simulate_session`).
    placement
        ``"bar"`` or ``"wrist"``.
    v1rm_mps, v0_mps
        The load-velocity line (see :class:`AthleteProfile`); defaults in the module docs.
    start_date
        Date of the first session (``YYYY-MM-DD``).
    start_intensity, end_intensity, daily_offsets, plate_kg
        Load progression (fractions of the 1RM; see the module docs).
    sets_per_session, reps_per_set, tempo, rest_between_sets_s
        Each session's sets (``tempo``'s concentric is replaced by the velocity model).
    velocity_loss_per_rep, day_sd_mps, rep_sd_mps, fault_probability
        Fatigue, readiness, rep noise and faults (see the module docs).
    sensor
        The IMU model; the simulator's default when None.

    Returns
    -------
    list of Recording
        Metadata: ``athlete``, ``exercise``, ``load_kg``, ``start_time_utc``; the truth is
        in ``meta.extra["block"]`` (``week``, ``session``, ``intensity``, ``one_rm_kg``,
        ``v1rm_mps``, ``v0_mps``, ``true_velocity_mps`` of the load, ``day_shift_mps`` and
        each set's ``rep_velocity_mps``). :func:`training_block_truth` tabulates it.
    """
    if exercise not in EXERCISES:
        raise InputError(
            f"unknown exercise {exercise!r}",
            where="exercise",
            hint=f"Use one of {', '.join(EXERCISES)}.",
        )
    weeks = _check_positive_int(weeks, "weeks")
    sessions_per_week = _check_positive_int(sessions_per_week, "sessions_per_week")
    sets_per_session = _check_positive_int(sets_per_session, "sets_per_session")
    reps_per_set = _check_positive_int(reps_per_set, "reps_per_set")
    if sessions_per_week > 7:
        raise InputError("sessions_per_week must be at most 7", where="sessions_per_week")
    profile = AthleteProfile(
        one_rm_kg=float(one_rm_kg),
        v1rm_mps=float(
            v1rm_mps if v1rm_mps is not None else DEFAULT_V1RM_MPS.get(exercise, FALLBACK_V1RM_MPS)
        ),
        v0_mps=float(v0_mps if v0_mps is not None else DEFAULT_V0_MPS[exercise]),
    )
    for name, value, top in (
        ("velocity_loss_per_rep", velocity_loss_per_rep, 0.2),
        ("fault_probability", fault_probability, 1.0),
        ("day_sd_mps", day_sd_mps, 0.5),
        ("rep_sd_mps", rep_sd_mps, 0.5),
    ):
        if not (math.isfinite(value) and 0 <= value <= top):
            raise InputError(f"{name} must lie in 0..{top:g}, got {value!r}", where=name)
    offsets = [float(v) for v in daily_offsets] or [0.0]
    if not math.isfinite(plate_kg) or plate_kg <= 0:
        raise InputError(f"plate_kg must be positive, got {plate_kg!r}", where="plate_kg")
    first_day = date.fromisoformat(str(start_date)) if isinstance(start_date, str) else start_date
    model = EXERCISES[exercise]
    n_sessions = weeks * sessions_per_week
    plan: list[tuple[int, int, float, float]] = []  # week, session in week, intensity, load
    for index in range(n_sessions):
        week, k = divmod(index, sessions_per_week)
        ramp = 0.0 if weeks == 1 else week / (weeks - 1)
        intensity = start_intensity + (end_intensity - start_intensity) * ramp
        intensity += offsets[k % len(offsets)]
        load = round(one_rm_kg * intensity / plate_kg) * plate_kg
        if not 0 < load < one_rm_kg:
            raise InputError(
                f"session {index + 1} would be lifted at {load:g} kg, outside (0, 1RM)",
                hint="Check the intensities and daily_offsets.",
            )
        plan.append((week, k, intensity, load))
    session_seeds = np.random.SeedSequence(int(seed)).spawn(n_sessions)
    recordings: list[Recording] = []
    for (week, k, intensity, load), session_ss in zip(plan, session_seeds, strict=True):
        rng = np.random.default_rng(session_ss)
        true_v = profile.velocity_at(load)
        day_shift = float(rng.normal(0.0, day_sd_mps)) if day_sd_mps > 0 else 0.0
        sets: list[SetSpec] = []
        rep_velocities: list[list[float]] = []
        for s in range(sets_per_session):
            reps: list[RepSpec] = []
            velocities: list[float] = []
            for r in range(1, reps_per_set + 1):
                noise = float(rng.normal(0.0, rep_sd_mps)) if rep_sd_mps > 0 else 0.0
                v = (true_v + day_shift) * (1.0 - velocity_loss_per_rep * (r - 1)) + noise
                v = max(v, MIN_REP_VELOCITY_MPS)
                rom = model.default_rom_m * float(np.clip(1 + 0.02 * rng.normal(), 0.95, 1.05))
                faults: tuple[Fault, ...] = ()
                if r > 1 and rng.uniform() < fault_probability:
                    faults = (Fault.BOUNCE if rng.uniform() < 0.5 else Fault.RUSHED_NEGATIVE,)
                reps.append(RepSpec(concentric_s=rom / v, rom_m=rom, faults=faults))
                velocities.append(v)
            rep_velocities.append(velocities)
            sets.append(
                SetSpec(
                    exercise,
                    tempo=tempo,
                    load_kg=load,
                    reps=reps,
                    rest_before_s=3.0 if s == 0 else rest_between_sets_s,
                    rest_after_s=3.0 if s == sets_per_session - 1 else 0.0,
                )
            )
        result = simulate_session(
            sets,
            sampling_rate_hz=sampling_rate_hz,
            placement=placement,
            sensor=sensor,
            seed=int(session_ss.generate_state(1)[0]),
        )
        day = first_day + timedelta(days=7 * week + round(7 * k / sessions_per_week))
        start = datetime.combine(day, time(18, 0), tzinfo=timezone.utc)
        meta = result.recording.meta
        block = {
            "athlete": athlete,
            "week": week + 1,
            "session": k + 1,
            "intensity": intensity,
            "one_rm_kg": profile.one_rm_kg,
            "v1rm_mps": profile.v1rm_mps,
            "v0_mps": profile.v0_mps,
            "load_kg": load,
            "true_velocity_mps": true_v,
            "day_shift_mps": day_shift,
            "rep_velocity_mps": rep_velocities,
        }
        new_meta = dataclasses.replace(
            meta,
            athlete=athlete,
            start_time_utc=start.isoformat(),
            extra={**meta.extra, "block": block},
        )
        recordings.append(dataclasses.replace(result.recording, meta=new_meta))
    return recordings


def training_block_truth(recordings: Sequence[Recording]) -> pd.DataFrame:
    """Tabulate the truth of :func:`simulate_training_block` recordings, one row each.

    Columns: ``start_time_utc``, ``week``, ``session``, ``load_kg``, ``intensity``,
    ``one_rm_kg``, ``v1rm_mps``, ``v0_mps``, ``true_velocity_mps`` (the line at the load)
    and ``day_shift_mps``.
    """
    rows = []
    for rec in recordings:
        block = rec.meta.extra.get("block")
        if not isinstance(block, dict):
            raise InputError("a recording has no block truth (not from simulate_training_block)")
        rows.append(
            {
                "start_time_utc": rec.meta.start_time_utc,
                **{
                    key: block[key]
                    for key in (
                        "week",
                        "session",
                        "load_kg",
                        "intensity",
                        "one_rm_kg",
                        "v1rm_mps",
                        "v0_mps",
                        "true_velocity_mps",
                        "day_shift_mps",
                    )
                },
            }
        )
    return pd.DataFrame(rows)
