"""Plan a session and build the bar's trajectory and orientation on a fine uniform grid.

The plan holds rests, unrack and rack moves, and reps with their phases.

Session timeline (per set, in order)
------------------------------------
1. ``rest_before_s`` of complete stillness (bar in the rack, on the floor or put down).
2. Getting set, 1 s: the small hold sway (below) fades in over 0.5 s, then 0.5 s of hold.
3. Racked lifts only (``SetSpec.rack``): the unrack lift, ``z`` up by U(0.03, 0.08) m in
   U(0.5, 0.8) s; a U(0.1, 0.3) s hold; the walk-out, ``x`` by -U(0.3, 0.5) m in
   U(1.0, 2.0) s. These moves are not reps and are not in the truth.
4. A set-up hold: U(1.0, 2.0) s after a walk-out, U(0.5, 1.5) s otherwise.
5. The reps, phases in movement order (down-first lifts: eccentric, bottom pause,
   concentric, top pause; up-first lifts: concentric, top pause, eccentric, bottom pause).
   The pause after a set's last movement phase is not part of the rep.
6. A hold of U(0.5, 1.5) s; racked lifts then walk in (``x`` back) in U(1.0, 2.0) s, hold
   U(0.1, 0.3) s and lower the bar back onto the hooks in U(0.5, 0.8) s.
7. 0.5 s of hold, the sway fades out over 0.5 s, then ``rest_after_s`` of stillness.

``SetSpec.hold_scale`` (default 1) multiplies the still holds of steps 2, 4, 6 and 7
(getting set with its fade-in, the set-up hold, the final hold with its fade-out; not the
rack moves): a small value gives a set with hardly a still moment, as real continuous
sets are.

Rep phases (all uniform draws are per rep, from the rep's own random stream, so a fault on
one rep never changes the random values of another)
-----------------------------------------------------------------------------------------
- Movement durations: the tempo's value times ``1 + tempo_jitter · N(0, 1)`` (clipped, see
  :class:`~repscope.simulate.specs.SetSpec`); ``X`` phases are drawn once per set from
  U(0.6, 0.9) s and grow 4% per rep (fatigue) before the jitter.
- Physics: no eccentric is shorter than :func:`shortest_lowering_s`, the duration whose
  velocity shape keeps the bar's acceleration within g (:data:`MAX_LOWERING_ACC_MPS2`); a
  rushed or fast lowering is lengthened to it (an explicit ``RepSpec.eccentric_s`` is
  kept as given).
- Pauses: the tempo's value times ``1 + pause_jitter · N(0, 1)`` (0 stays 0).
- ROM: the set's ROM times ``1 + rom_jitter · N(0, 1)``.
- Velocity shapes: exponents ``a, b`` ~ U(2, 3.5) per phase (see
  :mod:`repscope.simulate.profiles`), so the speed peaks between 36% and 64% of the phase.
  ``SetSpec.concentric_skew`` ``k`` turns a concentric's drawn pair into
  ``(a + 2k, max(1.5, b - 1.5k))``: the speed peaks later and the bar decelerates harder
  at the top (same draws).
- Bar roll (bar placement): U(3, 15) deg about the bar's long axis ``y`` (or U of
  ``SetSpec.roll_deg``: the same uniform draw, mapped onto that range), random sign,
  rolled in during the first movement phase and back during the second; on the wrist the
  forearm rotates by U(2, 6) deg instead. Tilt about ``x``: U(-2, 2) deg, same pattern.
- Landing (``SetSpec.landing_g > 0``, deadlift and row): where a rep's eccentric ends on
  the floor, the bar rings (see :func:`landing_ringing`) with peak ``landing_g`` times
  U(0.6, 1.4), frequency U(20, 35) Hz and decay time U(8, 20) ms. These draws come after
  all others of the rep, so they never change another value.
- Faults: see :class:`~repscope.simulate.specs.Fault`. A swing (v3) is a body lean of
  ``swing_deg`` U(10, 30) moving the bar ``SWING_LEVER_M * sin(swing_deg)`` (0.3 m lever:
  5.2-15 cm) along ``x`` over the first :data:`SWING_HEAVE_FRACTION` (40%) of the
  concentric and back over its rest, shape ``a = b = 2``; only the curl's lean pitches the
  sensor too. A lean of the trunk by 10-30 deg about the hips, with the bar at about
  0.3 m from the pivot's vertical line, is the body English of a cheat curl or row; a
  normal bar path stays within a few cm of vertical (``ExerciseModel.x_per_m``), so
  5-15 cm is a deviation a coach sees. The bar's roll stays independent.

Path
----
Linear lifts move the bar by the commanded vertical displacement ``q`` plus a horizontal
drift ``x = x_per_m · q``. The curl moves the bar and wrist on a circle of radius ``r``
about the elbow: with the forearm angle ``θ = θ0 + q`` from hanging (``θ0 = 10°``),
``z = r (cos θ0 - cos θ)``, ``x = r (sin θ - sin θ0)`` and the body pitches by ``-q``. The
set's full angular range is U(120, 140) deg and ``r`` is chosen so that the vertical ROM
equals the set's ROM.

Sway and hand micro-motion
--------------------------
While the bar is held (between steps 2 and 7), each of the axes x, y, z, pitch, tilt, yaw
gets three sines with frequencies U(0.2, 1.5) Hz, phases U(0, 2π) and amplitudes
U(0.3, 1) · A / 3 with ``A`` = 2, 1, 0.5 mm and 0.3, 0.3, 0.3 deg, scaled by
``SetSpec.sway``. On the wrist, hand micro-motion adds three sines of U(3, 8) Hz with
``A`` = 0.3 mm and 0.5 deg per axis. ``SetSpec.tremor`` adds a band of the same frequencies
with ``A`` = 0.1 mm and 0.5 deg per axis (bar or wrist), scaled by its value, with its
own fade in and out: the shake of a bar that is never still, mostly rotation (real bar
sets: up to 33 deg/s of gyro SD with 31 mg of |acc| SD in the quietest second). Drawn
after every other sine. The truth is the commanded motion without sway or
landing ringing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from repscope.errors import InputError
from repscope.recording import STANDARD_GRAVITY_MPS2
from repscope.simulate.profiles import (
    Channel,
    Step,
    VelocityShape,
    bounce_exponent,
    dip_depth_for_ratio,
    evaluate_steps,
)
from repscope.simulate.specs import Fault, RepSpec, SetSpec

#: Exercises whose eccentric ends with the bar on the floor (``SetSpec.landing_g``).
LANDING_EXERCISES: frozenset[str] = frozenset({"deadlift", "row"})
#: Forearm angle from hanging at the bottom of a curl.
CURL_THETA0_RAD = math.radians(10.0)
_MAX_BOUNCE_EXPONENT = 6.0
#: Gaussian width of a grind's sticking-point dip, as a fraction of the concentric.
_DIP_WIDTH = 0.08
#: Largest acceleration of the bar while it is lowered (m/s^2). While the lifter holds
#: the bar the support force is at least zero, so the bar speeds up downwards at most
#: at g (Newton's second law); the real bar sets brake about as hard at the bottom
#: (``|f|`` low-passed at 5 Hz peaks at 1.3-2.0 g in 40 of the 41 feather-bar sets).
#: A drawn eccentric (a rushed one above all) is lengthened until its velocity shape
#: stays within it: 0.3 s for 0.6 m of squat would need about 4 g.
MAX_LOWERING_ACC_MPS2 = STANDARD_GRAVITY_MPS2
_SHAPE_TAU = np.linspace(0.0, 1.0, 2001)

TRUTH_COLUMNS: tuple[str, ...] = (
    "set",
    "rep",
    "start_s",
    "end_s",
    "eccentric_start_s",
    "eccentric_end_s",
    "concentric_start_s",
    "concentric_end_s",
    "eccentric_s",
    "bottom_pause_s",
    "concentric_s",
    "top_pause_s",
    "rom_m",
    "mean_concentric_velocity_mps",
    "peak_concentric_velocity_mps",
    "faults",
    "exercise",
    "load_kg",
)
SETS_TRUTH_COLUMNS: tuple[str, ...] = (
    "set",
    "exercise",
    "start_s",
    "end_s",
    "n_reps",
    "load_kg",
    "tempo",
    "rack",
    "held_start_s",
    "held_end_s",
)


@dataclass
class SetGeometry:
    """Path of one set: ``linear`` with a drift, or ``arc`` with a radius."""

    path: str
    x_per_m: float = 0.0
    radius_m: float = 0.0

    def vertical(self, q: np.ndarray) -> np.ndarray:
        """Vertical displacement for progress ``q``."""
        if self.path == "linear":
            return q
        return self.radius_m * (math.cos(CURL_THETA0_RAD) - np.cos(CURL_THETA0_RAD + q))


@dataclass
class Plan:
    """Everything the planner decided: steps, truth rows and per-set geometry."""

    steps: list[Step] = field(default_factory=list)
    rep_rows: list[dict[str, object]] = field(default_factory=list)
    set_rows: list[dict[str, object]] = field(default_factory=list)
    geometry: list[SetGeometry] = field(default_factory=list)
    landings: list[tuple[float, float, float, float]] = field(default_factory=list)
    end_s: float = 0.0


def _jitter(rng: np.random.Generator, sd: float) -> float:
    z = float(rng.standard_normal())
    return 1.0 + sd * min(max(z, -2.5), 2.5)


def _shape_pair(rng: np.random.Generator) -> tuple[float, float]:
    return float(rng.uniform(2.0, 3.5)), float(rng.uniform(2.0, 3.5))


@dataclass
class _Rep:
    """Intermediate per-rep decisions."""

    faults: tuple[Fault, ...]
    ecc_s: float
    con_s: float
    bottom_s: float
    top_s: float
    rom_m: float
    q_amp: float
    ecc_ab: tuple[float, float]
    con_ab: tuple[float, float]
    dip_ratio: float
    dip_center: float
    swing_x_m: float
    swing_rad: float
    roll_rad: float
    tilt_rad: float
    landing: tuple[float, float, float] | None = None  # peak m/s^2, Hz, decay s
    shape_ecc: VelocityShape | None = None
    shape_con: VelocityShape | None = None


def plan_session(
    sets: Sequence[SetSpec], *, placement: str, seed_sequence: np.random.SeedSequence
) -> Plan:
    """Lay out every step of a session and its ground truth (see module docs)."""
    plan = Plan()
    set_seeds = seed_sequence.spawn(len(sets))
    t = 0.0
    for k, (spec, set_ss) in enumerate(zip(sets, set_seeds, strict=True), start=1):
        t = _plan_set(plan, k, spec, set_ss, t, placement)
    plan.end_s = t
    return plan


def _plan_set(
    plan: Plan,
    k: int,
    spec: SetSpec,
    set_ss: np.random.SeedSequence,
    t: float,
    placement: str,
) -> float:
    model = spec.model
    set_ss_main, *rep_ss = set_ss.spawn(spec.n_reps + 1)
    rng = np.random.default_rng(set_ss_main)
    qch = f"q{k}"
    # --- set-level draws (fixed order)
    lift_m = float(rng.uniform(0.03, 0.08))
    lift_s = float(rng.uniform(0.5, 0.8))
    gap1_s = float(rng.uniform(0.1, 0.3))
    walk_m = float(rng.uniform(0.3, 0.5))
    walk_s = float(rng.uniform(1.0, 2.0))
    setup_racked_s = float(rng.uniform(1.0, 2.0))
    setup_free_s = float(rng.uniform(0.5, 1.5))
    finish_s = float(rng.uniform(0.5, 1.5))
    walk_in_s = float(rng.uniform(1.0, 2.0))
    gap2_s = float(rng.uniform(0.1, 0.3))
    lower_s = float(rng.uniform(0.5, 0.8))
    x_ecc_s = float(rng.uniform(0.6, 0.9))
    x_con_s = float(rng.uniform(0.6, 0.9))
    arc_range = math.radians(float(rng.uniform(120.0, 140.0)))
    rack_shapes = [_shape_pair(rng) for _ in range(4)]

    full_rom = spec.full_rom_m
    if model.path == "arc":
        radius = full_rom / (math.cos(CURL_THETA0_RAD) - math.cos(CURL_THETA0_RAD + arc_range))
        geom = SetGeometry("arc", radius_m=radius)
    else:
        geom = SetGeometry("linear", x_per_m=model.x_per_m)
    plan.geometry.append(geom)

    # --- rep decisions
    tempo = spec.tempo_tuple
    reps: list[_Rep] = []
    for i in range(1, spec.n_reps + 1):
        reps.append(_decide_rep(spec, i, rep_ss[i - 1], tempo, x_ecc_s, x_con_s, placement))
    _apply_bounces(spec, reps)
    for rep in reps:
        rep.q_amp, rep.rom_m = _rep_amplitude(geom, rep.rom_m)

    # --- timeline
    t += spec.rest_before_s
    held_start = t
    hs = spec.hold_scale
    fade_in = {"hold": spec.sway, "tremor": spec.tremor}
    plan.steps.append(Step(t, 0.5 * hs, VelocityShape(3.0, 3.0), fade_in))
    t += 1.0 * hs
    if spec.racked:
        plan.steps.append(Step(t, lift_s, VelocityShape(*rack_shapes[0]), {"z_base": lift_m}))
        t += lift_s + gap1_s
        plan.steps.append(Step(t, walk_s, VelocityShape(*rack_shapes[1]), {"x_base": -walk_m}))
        t += walk_s + setup_racked_s * hs
    else:
        t += setup_free_s * hs
    set_start = t
    n = len(reps)
    for i, rep in enumerate(reps, start=1):
        row: dict[str, object] = {"set": k, "rep": i}
        last = i == n
        sign_first = -1.0 if model.down_first else 1.0
        first_is_ecc = model.down_first
        phases = [
            ("ecc", rep.ecc_s, rep.shape_ecc),
            ("con", rep.con_s, rep.shape_con),
        ]
        if not first_is_ecc:
            phases.reverse()
        pause_mid = rep.bottom_s if first_is_ecc else rep.top_s
        pause_after = rep.top_s if first_is_ecc else rep.bottom_s
        for j, (name, dur, shape) in enumerate(phases):
            sign = sign_first if j == 0 else -sign_first
            deltas = {
                qch: sign * rep.q_amp,
                "pitch": rep.roll_rad if j == 0 else -rep.roll_rad,
                "tilt": rep.tilt_rad if j == 0 else -rep.tilt_rad,
            }
            assert shape is not None
            plan.steps.append(Step(t, dur, shape, deltas))
            if name == "con" and (rep.swing_x_m or rep.swing_rad):
                _plan_swing(plan, rep, t, dur)
            if name == "ecc":
                row["eccentric_start_s"], row["eccentric_end_s"] = t, t + dur
                if rep.landing is not None:
                    plan.landings.append((t + dur, *rep.landing))
            else:
                row["concentric_start_s"], row["concentric_end_s"] = t, t + dur
            if j == 0:
                row["start_s"] = t
                t += dur + pause_mid
            else:
                row["end_s"] = t + dur
                t += dur
        if not last:
            t += pause_after
        row["eccentric_s"] = rep.ecc_s
        row["concentric_s"] = rep.con_s
        row["bottom_pause_s"] = rep.bottom_s if (first_is_ecc or not last) else math.nan
        row["top_pause_s"] = rep.top_s if (not first_is_ecc or not last) else math.nan
        row["rom_m"] = rep.rom_m
        row["mean_concentric_velocity_mps"] = rep.rom_m / rep.con_s
        assert rep.shape_con is not None
        row["peak_concentric_velocity_mps"] = _peak_concentric_velocity(
            geom, rep.shape_con, rep.q_amp, rep.con_s, start_q=-rep.q_amp if first_is_ecc else 0
        )
        row["faults"] = ";".join(sorted(f.value for f in rep.faults))
        row["exercise"] = spec.exercise
        row["load_kg"] = math.nan if spec.load_kg is None else float(spec.load_kg)
        plan.rep_rows.append(row)
    set_end = t
    t += finish_s * hs
    if spec.racked:
        plan.steps.append(Step(t, walk_in_s, VelocityShape(*rack_shapes[2]), {"x_base": walk_m}))
        t += walk_in_s + gap2_s
        plan.steps.append(Step(t, lower_s, VelocityShape(*rack_shapes[3]), {"z_base": -lift_m}))
        t += lower_s
    t += 0.5 * hs
    fade_out = {"hold": -spec.sway, "tremor": -spec.tremor}
    plan.steps.append(Step(t, 0.5 * hs, VelocityShape(3.0, 3.0), fade_out))
    t += 0.5 * hs
    held_end = t
    plan.set_rows.append(
        {
            "set": k,
            "exercise": spec.exercise,
            "start_s": set_start,
            "end_s": set_end,
            "n_reps": n,
            "load_kg": math.nan if spec.load_kg is None else float(spec.load_kg),
            "tempo": spec.to_dict()["tempo"],
            "rack": spec.racked,
            "held_start_s": held_start,
            "held_end_s": held_end,
        }
    )
    return t + spec.rest_after_s


def _decide_rep(
    spec: SetSpec,
    i: int,
    rep_ss: np.random.SeedSequence,
    tempo: tuple[float | None, float | None, float | None, float | None],
    x_ecc_s: float,
    x_con_s: float,
    placement: str,
) -> _Rep:
    """Draw one rep's durations, ROM, shapes and fault parameters (fixed draw order)."""
    rng = np.random.default_rng(rep_ss)
    explicit = spec.reps[i - 1] if spec.reps is not None else RepSpec()
    faults = spec.rep_faults(i)
    fatigue = 1.0 + 0.04 * (i - 1)
    j_ecc = _jitter(rng, spec.tempo_jitter)
    j_con = _jitter(rng, spec.tempo_jitter)
    j_bot = _jitter(rng, spec.pause_jitter)
    j_top = _jitter(rng, spec.pause_jitter)
    j_rom = _jitter(rng, spec.rom_jitter)
    ecc_ab = _shape_pair(rng)
    con_ab = _shape_pair(rng)
    rushed_s = float(rng.uniform(0.3, 0.8))
    grind_factor = float(rng.uniform(1.5, 3.0))
    dip_ratio = float(rng.uniform(0.2, 0.4))
    dip_center = float(rng.uniform(0.35, 0.55))
    partial = float(rng.uniform(0.35, 0.6))
    swing_sign = 1.0 if rng.uniform() < 0.5 else -1.0
    rng.uniform(0.03, 0.08)  # v2's swing travel, still drawn: the later draws stay the same
    swing_deg = float(rng.uniform(10.0, 30.0))
    roll_sign = 1.0 if rng.uniform() < 0.5 else -1.0
    roll_bar_deg = float(rng.uniform(3.0, 15.0))
    roll_wrist_deg = float(rng.uniform(2.0, 6.0))
    tilt_deg = float(rng.uniform(-2.0, 2.0))
    bounce_b = float(rng.uniform(2.5, 3.5))
    if spec.roll_deg is not None:  # same draw, mapped onto the set's range
        lo, hi = spec.roll_deg
        roll_bar_deg = lo + (hi - lo) * (roll_bar_deg - 3.0) / 12.0
    landing = None
    if spec.landing_g > 0 and spec.exercise in LANDING_EXERCISES:
        peak = spec.landing_g * float(rng.uniform(0.6, 1.4)) * STANDARD_GRAVITY_MPS2
        landing = (peak, float(rng.uniform(20.0, 35.0)), float(rng.uniform(0.008, 0.020)))

    e_t, b_t, c_t, t_t = tempo
    ecc = (x_ecc_s * fatigue if e_t is None else e_t) * j_ecc
    con = (x_con_s * fatigue if c_t is None else c_t) * j_con
    if Fault.RUSHED_NEGATIVE in faults:
        ecc = rushed_s
    if Fault.GRIND in faults:
        con *= grind_factor
    rom = (explicit.rom_m if explicit.rom_m is not None else spec.full_rom_m * j_rom) * (
        partial if Fault.PARTIAL_ROM in faults else 1.0
    )
    ecc = max(ecc, shortest_lowering_s(ecc_ab, rom))
    ecc = explicit.eccentric_s if explicit.eccentric_s is not None else ecc
    con = explicit.concentric_s if explicit.concentric_s is not None else con
    bottom = (b_t or 0.0) * j_bot  # X for a pause means "as short as possible": 0
    top = (t_t or 0.0) * j_top
    bottom = explicit.bottom_pause_s if explicit.bottom_pause_s is not None else bottom
    top = explicit.top_pause_s if explicit.top_pause_s is not None else top
    is_bar = placement == "bar"
    on_arc = spec.model.path == "arc"
    roll = 0.0 if (on_arc and is_bar) else (roll_bar_deg if is_bar else roll_wrist_deg)
    # A swing is a body lean: the bar moves along x by the lean at the lever
    # SWING_LEVER_M. Only on the curl does the lean rotate the sensor (the forearm, and the
    # bar gripped in the hands, pitch with the trunk, adding to the curl's own rotation);
    # a pressed, squatted or pulled bar keeps its attitude and rolls independently.
    lean_x_m = SWING_LEVER_M * math.sin(math.radians(swing_deg))
    rep = _Rep(
        faults=faults,
        ecc_s=float(ecc),
        con_s=float(con),
        bottom_s=float(bottom),
        top_s=float(top),
        rom_m=float(rom),
        q_amp=0.0,
        ecc_ab=ecc_ab,
        con_ab=_skewed(con_ab, spec.concentric_skew),
        dip_ratio=dip_ratio,
        dip_center=dip_center,
        swing_x_m=swing_sign * lean_x_m if Fault.SWING in faults else 0.0,
        swing_rad=-math.radians(swing_deg) if (Fault.SWING in faults and on_arc) else 0.0,
        roll_rad=roll_sign * math.radians(roll),
        tilt_rad=math.radians(tilt_deg),
        landing=landing,
    )
    rep.con_ab = (rep.con_ab[0], bounce_b) if Fault.BOUNCE in faults else rep.con_ab
    return rep


#: Share of the concentric over which a swing heaves the bar out (it comes back over the
#: rest of the concentric).
SWING_HEAVE_FRACTION = 0.4
#: Lever from the body's pivot (hips, or the shoulder for a pressed bar) to the bar (m):
#: a body lean of ``swing_deg`` moves the bar ``SWING_LEVER_M * sin(swing_deg)`` along x.
SWING_LEVER_M = 0.3


def _plan_swing(plan: Plan, rep: _Rep, t_con: float, con_s: float) -> None:
    """Add a rep's swing: a heave out over the concentric's start and back over its rest.

    The out-move takes :data:`SWING_HEAVE_FRACTION` of the concentric with a fast
    minimum-jerk-like shape (a kick at the concentric's start); the return takes the rest.
    """
    out_s = SWING_HEAVE_FRACTION * con_s
    shape = VelocityShape(2.0, 2.0)
    out = {"swing_x": rep.swing_x_m, "swing_pitch": rep.swing_rad}
    back = {"swing_x": -rep.swing_x_m, "swing_pitch": -rep.swing_rad}
    plan.steps.append(Step(t_con, out_s, shape, out))
    plan.steps.append(Step(t_con + out_s, con_s - out_s, shape, back))


def shortest_lowering_s(shape_ab: tuple[float, float], rom_m: float) -> float:
    """Shortest eccentric (s) over ``rom_m`` with the velocity shape ``shape_ab``.

    The shape's acceleration is ``rom_m / T^2 * s'(tau)``; the lowering may not exceed
    :data:`MAX_LOWERING_ACC_MPS2` anywhere (vertical travel taken for the path, which
    bounds an arc's vertical acceleration from above).
    """
    peak = float(np.abs(VelocityShape(*shape_ab).acceleration(_SHAPE_TAU)).max())
    return math.sqrt(max(rom_m, 0.0) * peak / MAX_LOWERING_ACC_MPS2)


def _skewed(ab: tuple[float, float], skew: float) -> tuple[float, float]:
    """Concentric exponents with the speed peak moved late (``SetSpec.concentric_skew``)."""
    if skew == 0:
        return ab
    return ab[0] + 2.0 * skew, max(1.5, ab[1] - 1.5 * skew)


def _apply_bounces(spec: SetSpec, reps: list[_Rep]) -> None:
    """Set the bounce turnarounds and the final velocity shapes of every rep.

    A bounce gets a zero pause, linear ends and matched accelerations.
    """
    down_first = spec.model.down_first
    ecc_end_linear = [False] * len(reps)
    con_start_linear = [False] * len(reps)
    for i, rep in enumerate(reps):
        if Fault.BOUNCE not in rep.faults:
            continue
        if down_first:
            before = i
        else:
            if i == 0:
                raise InputError(
                    f"a bounce on rep 1 of an up-first lift ({spec.exercise}) has no preceding "
                    "eccentric to bounce from",
                    where="faults of rep 1",
                    hint="Put the bounce on rep 2 or later.",
                )
            before = i - 1
        explicit = spec.reps[before] if spec.reps is not None else None
        if explicit is not None and explicit.bottom_pause_s not in (None, 0.0):
            raise InputError(
                f"rep {before + 1} has an explicit bottom pause but the bounce needs none",
                where=f"reps[{before}]",
            )
        reps[before].bottom_s = 0.0
        ecc_end_linear[before] = True
        con_start_linear[i] = True
        # Match the accelerations at the turnaround: eccentric of reps[before] ends with
        # exponent 1, concentric of rep i starts with exponent 1.
        ecc_rep, con_rep = reps[before], rep
        b_c = con_rep.con_ab[1]
        a_e = bounce_exponent(
            other_exponent=b_c, this_duration_s=ecc_rep.ecc_s, other_duration_s=con_rep.con_s
        )
        if not a_e <= _MAX_BOUNCE_EXPONENT:  # nan or too late a peak
            a_e = _MAX_BOUNCE_EXPONENT if not math.isnan(a_e) else 2.0
            b_new = bounce_exponent(
                other_exponent=a_e, this_duration_s=con_rep.con_s, other_duration_s=ecc_rep.ecc_s
            )
            if not math.isnan(b_new):
                b_c = min(b_new, _MAX_BOUNCE_EXPONENT)
        ecc_rep.ecc_ab = (a_e, ecc_rep.ecc_ab[1])
        con_rep.con_ab = (con_rep.con_ab[0], b_c)
    for i, rep in enumerate(reps):
        a_e, b_e = rep.ecc_ab
        a_c, b_c = rep.con_ab
        if ecc_end_linear[i]:
            b_e = 1.0
        if con_start_linear[i]:
            a_c = 1.0
        rep.shape_ecc = VelocityShape(a_e, b_e)
        if Fault.GRIND in rep.faults:
            # A grind drives hard off the bottom: a minimum-jerk-like base (start exponent 2
            # unless bouncing, end exponent mapped into [2, 2.5]) with the sticking dip.
            a_g = min(a_c, 2.0)
            b_g = 2.0 + (b_c - 2.0) / 3.0 if b_c >= 2.0 else b_c
            k = dip_depth_for_ratio(
                rep.dip_ratio, a=a_g, b=b_g, center=rep.dip_center, width=_DIP_WIDTH
            )
            rep.shape_con = VelocityShape(
                a_g, b_g, dip_depth=k, dip_center=rep.dip_center, dip_width=_DIP_WIDTH
            )
        else:
            rep.shape_con = VelocityShape(a_c, b_c)


def _rep_amplitude(geom: SetGeometry, rom_m: float) -> tuple[float, float]:
    """Progress amplitude ``q`` for a vertical ROM, and the exact ROM it gives."""
    if geom.path == "linear":
        return rom_m, rom_m
    c0 = math.cos(CURL_THETA0_RAD)
    arg = min(max(c0 - rom_m / geom.radius_m, -1.0), 1.0)
    q = math.acos(arg) - CURL_THETA0_RAD
    return q, float(geom.vertical(np.array([q]))[0])


def _peak_concentric_velocity(
    geom: SetGeometry, shape: VelocityShape, q_amp: float, duration_s: float, start_q: float
) -> float:
    """Return the peak upward velocity of a concentric.

    Exact for linear paths, a 20 001-point dense evaluation on the arc.
    """
    if geom.path == "linear":
        return q_amp / duration_s * shape.peak_velocity()
    tau = np.linspace(0.0, 1.0, 20001)
    q = start_q + q_amp * shape.position(tau)
    vz = geom.radius_m * np.sin(CURL_THETA0_RAD + q) * q_amp * shape.velocity(tau) / duration_s
    return float(vz.max())


def truth_frames(plan: Plan) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the per-rep and per-set truth tables of a plan."""
    truth = pd.DataFrame(plan.rep_rows, columns=list(TRUTH_COLUMNS))
    truth = truth.astype({"set": "int64", "rep": "int64", "faults": "str", "exercise": "str"})
    sets_truth = pd.DataFrame(plan.set_rows, columns=list(SETS_TRUTH_COLUMNS))
    return truth, sets_truth


# ---------------------------------------------------------------------------- trajectory
@dataclass
class BodyMotion:
    """World position (m), velocity, acceleration and orientation angles of the body."""

    time_s: np.ndarray
    pos_m: np.ndarray  # (N, 3)
    vel_mps: np.ndarray
    acc_mps2: np.ndarray
    angles_rad: np.ndarray  # (N, 3): pitch, tilt, yaw
    rates_rps: np.ndarray  # their time derivatives


def _sines(
    rng: np.random.Generator, time_s: np.ndarray, amp: float, f_lo: float, f_hi: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three sines (value, derivative, second derivative), see module docs."""
    value = np.zeros_like(time_s)
    d1 = np.zeros_like(time_s)
    d2 = np.zeros_like(time_s)
    for _ in range(3):
        f = float(rng.uniform(f_lo, f_hi))
        phase = float(rng.uniform(0.0, 2 * math.pi))
        a = float(rng.uniform(0.3, 1.0)) * amp / 3
        w = 2 * math.pi * f
        arg = w * time_s + phase
        s, c = np.sin(arg), np.cos(arg)
        value += a * s
        d1 += a * w * c
        d2 -= a * w * w * s
    return value, d1, d2


_SWAY_AMPS = (0.002, 0.001, 0.0005, math.radians(0.3), math.radians(0.3), math.radians(0.3))
_MICRO_AMPS = (0.0003, 0.0003, 0.0003, math.radians(0.5), math.radians(0.5), math.radians(0.5))
_TREMOR_AMPS = (0.0001, 0.0001, 0.0001, math.radians(0.5), math.radians(0.5), math.radians(0.5))


def build_motion(
    plan: Plan,
    sets: Sequence[SetSpec],
    *,
    time_s: np.ndarray,
    placement: str,
    rng: np.random.Generator,
) -> BodyMotion:
    """Evaluate a plan on the grid ``time_s`` (see module docs for the composition)."""
    set_channels = [f"q{k}" for k in range(1, len(sets) + 1)]
    names = [*set_channels, "z_base", "x_base", "pitch", "tilt", "swing_x", "swing_pitch", "hold"]
    names.append("tremor")
    ch = evaluate_steps(plan.steps, time_s, names)
    n = time_s.shape[0]
    pos = np.zeros((n, 3))
    vel = np.zeros((n, 3))
    acc = np.zeros((n, 3))
    ang = np.zeros((n, 3))
    rate = np.zeros((n, 3))
    pos[:, 2] = sets[0].model.rest_height_m

    def add(target: tuple[np.ndarray, np.ndarray, np.ndarray], col: int, c: Channel) -> None:
        target[0][:, col] += c.value
        target[1][:, col] += c.rate
        target[2][:, col] += c.accel

    lin = (pos, vel, acc)
    rot = (ang, rate, np.zeros((n, 3)))
    for name, geom in zip(set_channels, plan.geometry, strict=True):
        q = ch[name]
        if geom.path == "linear":
            add(lin, 2, q)
            k = geom.x_per_m
            add(lin, 0, Channel(k * q.value, k * q.rate, k * q.accel))
        else:
            r = geom.radius_m
            th = CURL_THETA0_RAD + q.value
            s, c = np.sin(th), np.cos(th)
            add(
                lin,
                2,
                Channel(
                    r * (math.cos(CURL_THETA0_RAD) - c),
                    r * s * q.rate,
                    r * (c * q.rate**2 + s * q.accel),
                ),
            )
            add(
                lin,
                0,
                Channel(
                    r * (s - math.sin(CURL_THETA0_RAD)),
                    r * c * q.rate,
                    r * (-s * q.rate**2 + c * q.accel),
                ),
            )
            add(rot, 0, Channel(-q.value, -q.rate, -q.accel))
    add(lin, 2, ch["z_base"])
    add(lin, 0, ch["x_base"])
    add(lin, 0, ch["swing_x"])
    add(rot, 0, ch["pitch"])
    add(rot, 0, ch["swing_pitch"])
    add(rot, 1, ch["tilt"])
    for t_land, peak, freq_hz, decay_s in plan.landings:
        add(lin, 2, landing_ringing(time_s, t_land, peak, freq_hz, decay_s))

    # Sway (and hand micro-motion on the wrist), faded by the hold envelope E(t).
    hold = ch["hold"]
    bands = [(0.2, 1.5, _SWAY_AMPS, hold)]
    if placement == "wrist":
        bands.append((3.0, 8.0, _MICRO_AMPS, hold))
    if ch["tremor"].value.any():  # drawn last: sets without tremor keep their values
        bands.append((3.0, 8.0, _TREMOR_AMPS, ch["tremor"]))
    for f_lo, f_hi, amps, env in bands:
        for axis in range(6):
            v, d1, d2 = _sines(rng, time_s, amps[axis], f_lo, f_hi)
            value = env.value * v
            d_value = env.rate * v + env.value * d1
            dd_value = env.accel * v + 2 * env.rate * d1 + env.value * d2
            target = lin if axis < 3 else rot
            add(target, axis % 3, Channel(value, d_value, dd_value))
    return BodyMotion(time_s, pos, vel, acc, ang, rate)


def landing_ringing(
    time_s: np.ndarray, t0_s: float, peak_mps2: float, freq_hz: float, decay_s: float
) -> Channel:
    """Return the vertical channel of the bar ringing after it lands at ``t0_s``.

    ``z(t) = B (1 - cos ωt) e^{-t/τ}`` for ``t >= t0`` (0 before), with ``ω = 2π f``,
    ``τ = decay_s`` and ``B = peak / ω²``: position and velocity start at 0 and the
    acceleration jumps to ``+peak`` (the floor pushes the bar up) at the landing, then
    rings down. Value, rate and acceleration are exact derivatives of each other.
    Contributions beyond ``12 τ`` (under 1e-5 of the peak) are left out.
    """
    n = time_s.shape[0]
    value, rate, accel = np.zeros(n), np.zeros(n), np.zeros(n)
    i0 = int(np.searchsorted(time_s, t0_s, side="left"))
    i1 = int(np.searchsorted(time_s, t0_s + 12 * decay_s, side="left"))
    if i1 > i0:
        t = time_s[i0:i1] - t0_s
        w = 2 * math.pi * freq_hz
        b = peak_mps2 / w**2
        u = np.exp(-t / decay_s)
        c, sn = np.cos(w * t), np.sin(w * t)
        value[i0:i1] = b * (1 - c) * u
        rate[i0:i1] = b * u * (w * sn - (1 - c) / decay_s)
        accel[i0:i1] = b * u * (w * w * c - 2 * w * sn / decay_s + (1 - c) / decay_s**2)
    return Channel(value, rate, accel)
