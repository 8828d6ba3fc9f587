"""What to simulate: exercises, faults, tempo notation, set, rep and sensor specifications.

Frames and conventions used throughout :mod:`repscope.simulate`
-----------------------------------------------------------------
World frame: ``z`` up, ``x`` forward (horizontal, the direction of a walk-out), ``y = z × x``
lateral (along the barbell's long axis). The body frame (bar or wrist) coincides with the
world frame while the bar rests; its orientation is built from three angles,
``R_body = Rz(yaw) · Ry(pitch) · Rx(tilt)``:

- ``pitch`` about ``y``: the bar's roll about its long axis, the forearm angle of a curl,
  a torso swing;
- ``tilt`` about ``x``: one end of the bar dipping;
- ``yaw`` about ``z``.

The sensor is fixed to the body with a mounting rotation ``R_mount`` (body from sensor), so
the sensor's orientation is ``R_body · R_mount`` (world from sensor).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, cast

import numpy as np

from repscope.errors import InputError
from repscope.simulate.ble_timing import BleTiming
from repscope.tempo import parse_tempo as _parse_tempo_code

TempoTuple = tuple[float | None, float | None, float | None, float | None]


class Fault(str, Enum):
    """A lifting fault the simulator can inject into a rep.

    Members
    -------
    RUSHED_NEGATIVE
        The eccentric takes 0.3-0.8 s (uniform) instead of the prescribed duration.
    BOUNCE
        The bottom turnaround has no pause and is sharp: the eccentric's speed peaks late
        and the bar reverses with a high, continuous upward acceleration (velocity
        profiles with a linear end, see :mod:`repscope.simulate.profiles`). For down-first
        lifts the rep's own bottom pause is 0; for up-first lifts (deadlift, row, curl,
        ohp) the bounce precedes the flagged rep's concentric, so the *previous* rep's
        bottom pause is 0 (a bounce on rep 1 of an up-first lift is an error).
    PARTIAL_ROM
        The rep covers 35-60% (uniform) of the full range of motion: it stops short of
        the bottom for down-first lifts and short of the top for up-first lifts.
    GRIND
        The concentric takes 1.5-3x (uniform) its prescribed duration and has a sticking
        point: the velocity dips to 20-40% (uniform) of its mean at 35-55% (uniform) of the
        concentric's duration (a Gaussian dip of width 0.08 on a minimum-jerk-like profile,
        see :mod:`repscope.simulate.profiles`), after a first push off the bottom.
    SWING
        Momentum from a body lean (simulator v3): the lifter leans by 10-30 deg (uniform),
        which moves the bar along ``x`` by ``0.3 m * sin(lean)`` (5.2-15 cm, random sign)
        over the first 40% of the concentric and back over the rest of it (a kick at the
        concentric's start). A pressed, squatted or pulled bar keeps its attitude (its
        roll is drawn independently); only on the curl does the lean also rotate the
        forearm and the bar gripped in the hands about ``y``, adding to the curl's own
        rotation. (v2 rotated every bar by 10-30 deg about ``y``, the axis of the bar's
        own roll, which the real-like preset draws at 7-50 deg a rep: no rule could
        tell them apart.)
    """

    RUSHED_NEGATIVE = "rushed_negative"
    BOUNCE = "bounce"
    PARTIAL_ROM = "partial_rom"
    GRIND = "grind"
    SWING = "swing"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ExerciseModel:
    """How an exercise moves the bar.

    Attributes
    ----------
    name
        Exercise name.
    down_first
        True when a rep starts with the eccentric (squat, bench), False when it starts with
        the concentric (deadlift, row, curl, ohp).
    racked
        Default for :attr:`SetSpec.rack`: whether the bar is taken from and returned to a
        rack (unrack and rack moves).
    path
        ``"linear"``: the bar moves vertically with a horizontal drift of
        ``x_per_m`` metres per metre of vertical travel. ``"arc"``: the bar (and the wrist)
        moves on a circle about the elbow (curl).
    x_per_m
        Horizontal drift per metre of vertical travel for linear paths.
    rest_height_m
        World height of the bar while it rests (rack hooks, floor, hang), for the
        trajectory table only.
    default_rom_m
        Full range of motion when a set does not give one.
    """

    name: str
    down_first: bool
    racked: bool
    path: str
    x_per_m: float
    rest_height_m: float
    default_rom_m: float


EXERCISES: dict[str, ExerciseModel] = {
    "bench": ExerciseModel("bench", True, True, "linear", 0.15, 0.95, 0.42),
    "squat": ExerciseModel("squat", True, True, "linear", 0.04, 1.45, 0.55),
    "ohp": ExerciseModel("ohp", False, True, "linear", -0.06, 1.45, 0.50),
    "deadlift": ExerciseModel("deadlift", False, False, "linear", 0.03, 0.225, 0.50),
    "row": ExerciseModel("row", False, False, "linear", 0.15, 0.60, 0.35),
    "curl": ExerciseModel("curl", False, False, "arc", 0.0, 0.85, 0.45),
}


def parse_tempo(tempo: str | Sequence[float | None]) -> TempoTuple:
    """Parse coaching tempo notation into ``(eccentric, bottom, concentric, top)`` seconds.

    Tempo is always written in the order eccentric, pause at the bottom, concentric, pause
    at the top, whatever the lift's starting direction. ``X`` means "as fast as possible"
    and is returned as ``None``. Strings are read by :func:`repscope.tempo.parse_tempo`,
    the project's one tempo parser.

    Parameters
    ----------
    tempo
        ``"3-1-1-0"`` (dash separated, decimals allowed: ``"2.5-0-1-0"``), ``"31X0"``
        (four single characters) or a sequence of four numbers / ``None``.

    Returns
    -------
    tuple
        Four floats (seconds) or ``None`` for ``X``.

    Raises
    ------
    InputError
        When the notation cannot be read or a value is negative.

    Examples
    --------
    >>> parse_tempo("3-1-1-0")
    (3.0, 1.0, 1.0, 0.0)
    >>> parse_tempo("31X0")
    (3.0, 1.0, None, 0.0)
    """
    if isinstance(tempo, str):
        values: list[float | None] = list(_parse_tempo_code(tempo).as_tuple())
    else:
        seq = list(tempo)
        if len(seq) != 4:
            raise InputError(f"tempo {tempo!r} is not four phases", where="tempo")
        values = [None if v is None else float(v) for v in seq]
    for v in values:
        if v is not None and (not math.isfinite(v) or v < 0):
            raise InputError(f"tempo {tempo!r} has a negative or infinite phase", where="tempo")
    return (values[0], values[1], values[2], values[3])


def format_tempo(tempo: TempoTuple) -> str:
    """Write a tempo tuple back as ``"3-1-X-0"``."""
    return "-".join("X" if v is None else f"{v:g}" for v in tempo)


def _as_faults(values: Any, *, where: str) -> tuple[Fault, ...]:
    if isinstance(values, (str, Fault)):
        values = (values,)
    out: list[Fault] = []
    for v in values:
        try:
            out.append(Fault(v))
        except ValueError:
            raise InputError(
                f"unknown fault {v!r}",
                where=where,
                hint=f"Known faults: {', '.join(f.value for f in Fault)}.",
            ) from None
    return tuple(sorted(set(out), key=lambda f: f.value))


@dataclass(frozen=True)
class RepSpec:
    """Explicit specification of one rep; ``None`` fields come from the set.

    Durations given here are used exactly (no jitter) and win over a fault's effect on the
    same quantity (e.g. an explicit ``eccentric_s`` with ``rushed_negative``); a fault's
    other effects (profile shape, sticking point, swing) still apply.

    Attributes
    ----------
    eccentric_s, bottom_pause_s, concentric_s, top_pause_s
        Phase durations in seconds (tempo order). The pause after the rep's last movement
        phase is ignored for the last rep of a set.
    rom_m
        Full range of motion of this rep in metres (``partial_rom`` still shortens it).
    faults
        Faults of this rep.
    """

    eccentric_s: float | None = None
    bottom_pause_s: float | None = None
    concentric_s: float | None = None
    top_pause_s: float | None = None
    rom_m: float | None = None
    faults: tuple[Fault, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", _as_faults(self.faults, where="RepSpec.faults"))
        for name in ("eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s", "rom_m"):
            v = getattr(self, name)
            if v is None:
                continue
            if not math.isfinite(v) or v < 0:
                raise InputError(f"{name} must be zero or positive, got {v!r}", where="RepSpec")
            if name in ("eccentric_s", "concentric_s", "rom_m") and v == 0:
                raise InputError(f"{name} must be positive, got 0", where="RepSpec")


@dataclass(frozen=True)
class SetSpec:
    """One set of one exercise.

    Attributes
    ----------
    exercise
        One of ``bench``, ``squat``, ``deadlift``, ``row``, ``curl``, ``ohp``.
    n_reps
        Number of reps (ignored when ``reps`` is given).
    tempo
        Prescribed tempo, eccentric-bottom-concentric-top notation (see
        :func:`parse_tempo`), e.g. ``"3-1-1-0"``. ``X`` phases take 0.6-0.9 s (uniform) for
        the first rep and 4% longer per later rep (fatigue). Eccentric and concentric must
        not be 0.
    rom_m
        Full range of motion in metres; ``None`` uses the exercise default (bench 0.42,
        squat 0.55, ohp 0.50, deadlift 0.50, row 0.35, curl 0.45).
    load_kg
        Load on the bar (metadata and truth only).
    faults
        Mapping of rep number (1-based) to one fault or a tuple of faults.
    reps
        Optional explicit per-rep specifications; their length sets the number of reps and
        their faults are merged with ``faults``.
    rest_before_s, rest_after_s
        Still time before the set's first move (unrack or first rep) and after its last.
    rack
        Unrack and rack moves on or off; ``None``: on for bench, squat and ohp.
    tempo_jitter
        Per-rep variation of movement phases: each duration is multiplied by
        ``1 + tempo_jitter * N(0, 1)`` clipped to ``[1 - 2.5 tempo_jitter, 1 + 2.5
        tempo_jitter]``; default 0.08 (8% standard deviation).
    pause_jitter
        The same for non-zero pauses; default 0.15. A prescribed 0 pause stays 0.
    rom_jitter
        Per-rep variation of the range of motion, same form; default 0.02.
    sway
        Scale of the small sway while the bar is held (1 = default amplitudes, 0 = none;
        see :mod:`repscope.simulate.motion`).
    tremor
        Scale of a 3-8 Hz shake while the bar is held (0 = none, the default; 1 = 0.1 mm
        and 0.5 deg per axis, see :mod:`repscope.simulate.motion`). Real bar sets are
        never still: in their quietest second the gyro's SD is 1.6 / 5 / 33 deg/s and
        |acc|'s 3 / 12 / 80 mg. A hand-held pause's rest level (0.5 s SD of ``|f|``,
        :mod:`repscope.analysis.set_end`) is 0.026-0.036 m/s^2 with ``tremor=1``,
        0.013-0.020 with 0.5 and 0.005-0.010 with sway alone (a squat at 100 Hz); real
        held bars read 0.048-0.30 m/s^2 (Feather) and wrists on a bar 0.018-0.38
        (MetaMotion): without tremor a still hold at a real sensor floor looks racked.
    hold_scale
        Multiplies the still holds around the reps (getting set, the set-up hold and the
        final hold, see :mod:`repscope.simulate.motion`); default 1, at least 0.05. Real
        continuous sets start and end with hardly a still moment (25-37 s for 10 reps).
    concentric_skew
        0 (default) to 1: moves each concentric's speed peak later, so the bar slows down
        hard at the top (see :mod:`repscope.simulate.motion`). Real bar sets reach a
        lowest |acc| of 0.02 / 0.27 / 0.70 g while their peak is 1.3 / 1.5 / 1.8 g: the
        bar decelerates harder at the top than it accelerates off the bottom.
    roll_deg
        Range ``(low, high)`` of the bar's per-rep roll about its long axis, in degrees
        (bar placement, linear lifts). ``None`` (default): U(3, 15). A real bar rolls far
        more: the clean Feather sets (``shared/notes/real-sensors.md``) peak at
        60 / 140 / 303 deg/s (min / median / max over sets, curls highest), which a
        deadlift, row, press or squat reaches only with 10-45 deg of roll per rep.
    landing_g
        Peak of the impulse when the bar lands on the floor at the end of a rep's
        eccentric (deadlift and row only), in g; 0 (default): a soft, perfectly smooth
        landing. Each landing's peak is this value times U(0.6, 1.4). The impulse is a
        damped 20-35 Hz ringing of the bar (decay time 8-20 ms) in the vertical, so it
        adds under 1 mm to the position; the truth is unchanged. Measured: real deadlift
        and row sets peak at 1.35-1.82 g of |acc| after the sensor's low-pass and the BLE
        sampling (``benchmarks/real_vs_sim.py``).
    """

    exercise: str
    n_reps: int = 5
    tempo: str | Sequence[float | None] = "2-0-1-0"
    rom_m: float | None = None
    load_kg: float | None = None
    faults: Mapping[int, Fault | str | Sequence[Fault | str]] = field(default_factory=dict)
    reps: Sequence[RepSpec] | None = None
    rest_before_s: float = 3.0
    rest_after_s: float = 3.0
    rack: bool | None = None
    tempo_jitter: float = 0.08
    pause_jitter: float = 0.15
    rom_jitter: float = 0.02
    sway: float = 1.0
    roll_deg: tuple[float, float] | None = None
    landing_g: float = 0.0
    tremor: float = 0.0
    hold_scale: float = 1.0
    concentric_skew: float = 0.0

    def __post_init__(self) -> None:
        if self.exercise not in EXERCISES:
            raise InputError(
                f"unknown exercise {self.exercise!r}",
                where="exercise",
                hint=f"Use one of {', '.join(EXERCISES)}.",
            )
        n = len(self.reps) if self.reps is not None else self.n_reps
        if int(n) != n or n < 1:
            raise InputError(f"a set needs at least one rep, got {n!r}", where="n_reps")
        object.__setattr__(self, "n_reps", int(n))
        tempo = parse_tempo(self.tempo)
        if tempo[0] == 0 or tempo[2] == 0:
            raise InputError(
                f"tempo {format_tempo(tempo)}: eccentric and concentric cannot take 0 s",
                where="tempo",
                hint="Use X for 'as fast as possible'.",
            )
        faults: dict[int, tuple[Fault, ...]] = {}
        for rep, values in dict(self.faults).items():
            if int(rep) != rep or not 1 <= int(rep) <= self.n_reps:
                raise InputError(
                    f"fault on rep {rep!r} but the set has {self.n_reps} reps", where="faults"
                )
            faults[int(rep)] = _as_faults(values, where=f"faults of rep {rep}")
        object.__setattr__(self, "faults", faults)
        if self.rom_m is not None and (not math.isfinite(self.rom_m) or self.rom_m <= 0):
            raise InputError(f"rom_m must be positive, got {self.rom_m!r}", where="rom_m")
        if self.load_kg is not None and (not math.isfinite(self.load_kg) or self.load_kg < 0):
            raise InputError(f"load_kg must be zero or positive, got {self.load_kg!r}")
        for name in ("rest_before_s", "rest_after_s", "tempo_jitter", "pause_jitter", "sway"):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0:
                raise InputError(f"{name} must be zero or positive, got {v!r}", where=name)
        for name in ("tempo_jitter", "pause_jitter", "rom_jitter"):
            if getattr(self, name) >= 0.35:
                raise InputError(f"{name} must be below 0.35", where=name)
        if self.roll_deg is not None:
            lo, hi = (float(v) for v in self.roll_deg)
            if not (math.isfinite(hi) and 0 <= lo <= hi <= 90):
                raise InputError(
                    f"roll_deg must be an ordered pair in 0-90 deg, got {self.roll_deg!r}",
                    where="roll_deg",
                )
            object.__setattr__(self, "roll_deg", (lo, hi))
        if not (math.isfinite(self.hold_scale) and 0.05 <= self.hold_scale <= 10):
            raise InputError(
                f"hold_scale must lie in 0.05-10, got {self.hold_scale!r}", where="hold_scale"
            )
        if not (math.isfinite(self.concentric_skew) and 0 <= self.concentric_skew <= 1):
            raise InputError(
                f"concentric_skew must lie in 0-1, got {self.concentric_skew!r}",
                where="concentric_skew",
            )
        if not (math.isfinite(self.tremor) and 0 <= self.tremor <= 20):
            raise InputError(f"tremor must lie in 0-20, got {self.tremor!r}", where="tremor")
        if not (math.isfinite(self.landing_g) and 0 <= self.landing_g <= 8):
            raise InputError(f"landing_g must lie in 0-8 g, got {self.landing_g!r}")

    @property
    def model(self) -> ExerciseModel:
        """The exercise's :class:`ExerciseModel`."""
        return EXERCISES[self.exercise]

    @property
    def tempo_tuple(self) -> TempoTuple:
        """The parsed tempo."""
        return parse_tempo(self.tempo)

    @property
    def racked(self) -> bool:
        """Whether the set has unrack and rack moves."""
        return self.model.racked if self.rack is None else bool(self.rack)

    @property
    def full_rom_m(self) -> float:
        """The set's full range of motion in metres."""
        return self.model.default_rom_m if self.rom_m is None else float(self.rom_m)

    @property
    def fault_map(self) -> dict[int, tuple[Fault, ...]]:
        """``faults`` normalised: rep number to a sorted tuple of :class:`Fault`."""
        return cast("dict[int, tuple[Fault, ...]]", self.faults)

    def rep_faults(self, rep: int) -> tuple[Fault, ...]:
        """All faults of rep ``rep`` (1-based), from ``faults`` and ``reps``."""
        values: set[Fault] = set(self.fault_map.get(rep, ()))
        if self.reps is not None:
            values |= set(self.reps[rep - 1].faults)
        return tuple(sorted(values, key=lambda f: f.value))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable description (for recording provenance)."""
        out: dict[str, Any] = {
            "exercise": self.exercise,
            "n_reps": self.n_reps,
            "tempo": format_tempo(self.tempo_tuple),
            "rom_m": self.full_rom_m,
            "load_kg": self.load_kg,
            "faults": {str(k): [f.value for f in v] for k, v in sorted(self.fault_map.items())},
            "rest_before_s": self.rest_before_s,
            "rest_after_s": self.rest_after_s,
            "rack": self.racked,
            "tempo_jitter": self.tempo_jitter,
            "pause_jitter": self.pause_jitter,
            "rom_jitter": self.rom_jitter,
            "sway": self.sway,
        }
        if self.roll_deg is not None:  # only when set: older provenance stays as it was
            out["roll_deg"] = list(self.roll_deg)
        if self.landing_g:
            out["landing_g"] = self.landing_g
        if self.tremor:
            out["tremor"] = self.tremor
        if self.hold_scale != 1.0:
            out["hold_scale"] = self.hold_scale
        if self.concentric_skew:
            out["concentric_skew"] = self.concentric_skew
        if self.reps is not None:
            out["reps"] = [
                {
                    "eccentric_s": r.eccentric_s,
                    "bottom_pause_s": r.bottom_pause_s,
                    "concentric_s": r.concentric_s,
                    "top_pause_s": r.top_pause_s,
                    "rom_m": r.rom_m,
                    "faults": [f.value for f in r.faults],
                }
                for r in self.reps
            ]
        return out


#: White accelerometer noise per axis of a real sensor at rest, g: the Feather's LSM6DS33
#: is specified at 90 ug/sqrt(Hz), 0.00064 g over its 50 Hz band (0.0062 m/s^2 of the
#: rack rule's 0.5 s SD of ``|f|``, :mod:`repscope.analysis.set_end`). Measured: the 41
#: Feather bar recordings (stale rows removed) read 0.0062 / 0.064 / 1.55 m/s^2 (min /
#: median / max of their quietest 0.5 s), none of them racked, so a bar held still bounds
#: the floor from above; the MetaMotion on a resting arm reads 0.0045 m/s^2. With it a
#: racked bar reads 0.004-0.005 m/s^2 at 50-100 Hz (16-bit, +-16 g).
REAL_FLOOR_ACC_NOISE_G = 0.0006
#: White gyroscope noise per axis at rest, deg/s (the LSM6DS33's 7 mdps/sqrt(Hz), 50 Hz).
REAL_FLOOR_GYR_NOISE_DPS = 0.05
#: ``SetSpec.tremor`` of a bar in the hands beside a sensor at :data:`REAL_FLOOR_ACC_NOISE_G`:
#: a hand-held pause then reads 0.026-0.036 m/s^2, above the rack rule's 0.01 m/s^2
#: bound, so it never reads as a rack (real held bars: 0.048-0.30, see ``SetSpec.tremor``).
HELD_BAR_TREMOR = 1.0


@dataclass(frozen=True)
class SensorSpec:
    """The IMU: mounting, noise, bias, quantisation, anti-aliasing, timestamps, drops.

    Defaults describe a typical consumer BLE IMU (MetaMotion-class) streamed to a phone.

    Attributes
    ----------
    mount
        Sensor orientation on the body: a 3x3 rotation matrix (body from sensor), three
        intrinsic ``xyz`` Euler angles in degrees, ``"upside_down"`` (turned 180 deg about
        ``x``: ``z`` reads -1 g while the bar rests, as in many real Feather sets) or
        ``"bar_clip"`` (see :func:`bar_clip_mount`, drawn from the seed). ``None``
        (default) or ``"random"``: a uniformly random rotation drawn from the seed (a
        normalised 4-D Gaussian quaternion).
    acc_noise_g
        Standard deviation of white accelerometer noise per axis and sample; default 0.01 g.
        That is ten times a real accelerometer at rest (the MetaMotion on a resting arm:
        0.0045 m/s^2 of 0.5 s SD of ``|f|``; the Feather's LSM6DS33: 90 ug/sqrt(Hz)), so
        with it no rest reaches the rack rule's floor (:mod:`repscope.analysis.set_end`)
        and sets end at ``set_gap_s``. :data:`REAL_FLOOR_ACC_NOISE_G` (0.0006 g,
        :meth:`real_floor`) puts a racked bar at a real floor (0.004-0.006 m/s^2
        measured).
    gyr_noise_dps
        Standard deviation of white gyroscope noise; default 0.2 deg/s.
    acc_bias_g, gyr_bias_dps
        Constant per-axis biases. ``None``: drawn from N(0, ``acc_bias_sd_g``) and
        N(0, ``gyr_bias_sd_dps``).
    acc_bias_sd_g, gyr_bias_sd_dps
        Default 0.005 g and 0.3 deg/s.
    acc_range_g, gyr_range_dps
        Full-scale ranges (values are clipped to them); default +-16 g and +-2000 deg/s.
    bits
        ADC resolution; values are rounded to ``2 * range / 2**bits``. ``None``: no
        quantisation. Default 16.
    anti_alias_fraction
        Cut-off of the zero-phase 4th-order Butterworth low-pass applied on the fine grid
        before sampling, as a fraction of the output rate; default 0.4 (below Nyquist 0.5).
    timestamp_jitter_s
        Host-clock timestamp jitter: each time stamp is the true sample instant plus a
        uniform value in ``[-j/2, j/2]``, with ``j`` this value capped at 0.45 of the sample
        period so that time stays increasing; default 0.001 s.
    drop_fraction
        Probability that a packet of ``samples_per_packet`` consecutive samples is lost
        (Bernoulli per packet; first and last packet kept); default 0.002.
    samples_per_packet
        Default 2.
    gyro
        Whether the recording has gyroscope columns (False: accelerometer only).
    time_decimals, acc_decimals, gyr_decimals
        Round time stamps (s), accelerations (g) and angular rates (deg/s) to this many
        decimals, as a phone app's CSV export does; ``None`` (default): no rounding. Used
        for ``sample_data/`` to keep files small (e.g. 4, 4, 2).
    ble
        ``None`` (default): a regular stream at the sampling rate. A
        :class:`~repscope.simulate.ble_timing.BleTiming`: bursty BLE rows with stale
        repeats (see :mod:`repscope.simulate.ble_timing`); the recording's
        ``sampling_rate_hz`` is then its distinct samples per second.
    """

    mount: Any = None
    acc_noise_g: float = 0.01
    gyr_noise_dps: float = 0.2
    acc_bias_g: Sequence[float] | None = None
    gyr_bias_dps: Sequence[float] | None = None
    acc_bias_sd_g: float = 0.005
    gyr_bias_sd_dps: float = 0.3
    acc_range_g: float = 16.0
    gyr_range_dps: float = 2000.0
    bits: int | None = 16
    anti_alias_fraction: float = 0.4
    timestamp_jitter_s: float = 0.001
    drop_fraction: float = 0.002
    samples_per_packet: int = 2
    gyro: bool = True
    time_decimals: int | None = None
    acc_decimals: int | None = None
    gyr_decimals: int | None = None
    ble: BleTiming | None = None

    def __post_init__(self) -> None:
        if self.ble is not None and not isinstance(self.ble, BleTiming):
            raise InputError("SensorSpec.ble must be a BleTiming or None")
        for name in (
            "acc_noise_g",
            "gyr_noise_dps",
            "acc_bias_sd_g",
            "gyr_bias_sd_dps",
            "timestamp_jitter_s",
            "drop_fraction",
        ):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0:
                raise InputError(f"SensorSpec.{name} must be zero or positive, got {v!r}")
        if self.drop_fraction >= 0.5:
            raise InputError("SensorSpec.drop_fraction must be below 0.5")
        if not 0 < self.anti_alias_fraction < 0.5:
            raise InputError("SensorSpec.anti_alias_fraction must lie in (0, 0.5)")
        if self.samples_per_packet < 1:
            raise InputError("SensorSpec.samples_per_packet must be at least 1")
        for name in ("time_decimals", "acc_decimals", "gyr_decimals"):
            v = getattr(self, name)
            if v is not None and not 0 <= v <= 12:
                raise InputError(f"SensorSpec.{name} must lie in 0..12 or be None")
        if self.bits is not None and not 4 <= self.bits <= 32:
            raise InputError("SensorSpec.bits must lie in 4..32 or be None")

    @classmethod
    def real_floor(cls, **overrides: Any) -> SensorSpec:
        """Return the default sensor with a real accelerometer's noise floor.

        White noise :data:`REAL_FLOOR_ACC_NOISE_G` and :data:`REAL_FLOOR_GYR_NOISE_DPS`
        per axis, so a racked bar reads as the rack rule's floor
        (:mod:`repscope.analysis.set_end`); give the held bar its tremor
        (``SetSpec.tremor=HELD_BAR_TREMOR``). ``overrides``: any other field.
        """
        fields: dict[str, Any] = {
            "acc_noise_g": REAL_FLOOR_ACC_NOISE_G,
            "gyr_noise_dps": REAL_FLOOR_GYR_NOISE_DPS,
        }
        return cls(**{**fields, **overrides})

    @classmethod
    def ideal(cls, *, mount: Any = None, gyro: bool = True) -> SensorSpec:
        """Return a perfect sensor.

        Given mount (identity by default), no noise, bias, quantisation, timestamp jitter or
        drops. Anti-aliasing still applies.
        """
        return cls(
            mount=np.eye(3) if mount is None else mount,
            acc_noise_g=0.0,
            gyr_noise_dps=0.0,
            acc_bias_g=(0.0, 0.0, 0.0),
            gyr_bias_dps=(0.0, 0.0, 0.0),
            bits=None,
            timestamp_jitter_s=0.0,
            drop_fraction=0.0,
            gyro=gyro,
        )


def rotation_from_euler_deg(angles_deg: Sequence[float]) -> np.ndarray:
    """Rotation matrix of intrinsic ``x-y-z`` Euler angles in degrees: ``Rx · Ry · Rz``."""
    ax, ay, az = (math.radians(float(a)) for a in angles_deg)
    return rot_x(ax) @ rot_y(ay) @ rot_z(az)


def rot_x(a: float) -> np.ndarray:
    """Rotation by ``a`` radians about ``x``."""
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(a: float) -> np.ndarray:
    """Rotation by ``a`` radians about ``y``."""
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(a: float) -> np.ndarray:
    """Rotation by ``a`` radians about ``z``."""
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def resolve_mount(mount: Any, rng: np.random.Generator) -> np.ndarray:
    """Return the mounting rotation matrix (body from sensor) of a :class:`SensorSpec`.

    ``None`` or ``"random"`` draws a uniformly random rotation: a quaternion of four
    independent N(0, 1) values, normalised (uniform on SO(3)). ``"upside_down"`` is a
    half turn about ``x``; ``"bar_clip"`` draws :func:`bar_clip_mount`.
    """
    if mount is None or (isinstance(mount, str) and mount == "random"):
        q = rng.standard_normal(4)
        q /= np.linalg.norm(q)
        return quat_to_matrix(q)
    if isinstance(mount, str):
        if mount == "upside_down":
            return rot_x(math.pi)
        if mount == "bar_clip":
            return bar_clip_mount(rng)
        raise InputError(
            f"unknown sensor mount {mount!r}",
            where="SensorSpec.mount",
            hint="Use random, upside_down, bar_clip, three Euler angles or a 3x3 matrix.",
        )
    arr = np.asarray(mount, dtype=float)
    if arr.shape == (3,):
        return rotation_from_euler_deg(arr.tolist())
    if arr.shape != (3, 3):
        raise InputError(
            f"sensor mount must be a 3x3 rotation matrix or three Euler angles, got shape "
            f"{arr.shape}",
            where="SensorSpec.mount",
        )
    if not np.allclose(arr @ arr.T, np.eye(3), atol=1e-6) or np.linalg.det(arr) < 0:
        raise InputError("sensor mount is not a rotation matrix", where="SensorSpec.mount")
    return arr


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrix of a unit quaternion ``(w, x, y, z)``."""
    w, x, y, z = (float(v) for v in q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def bar_clip_mount(rng: np.random.Generator, *, misalignment_deg: float = 5.0) -> np.ndarray:
    """Draw the mounting rotation (body from sensor) of a sensor clipped to a round bar.

    The sensor's ``x`` axis lies along the bar's long axis (body ``y``, either direction,
    equally likely) and the clip sits at a uniformly random angle about the bar, then
    the whole is tilted by up to ``misalignment_deg`` (uniform in each of three Euler
    angles). Measured: at rest, the clean Feather sets read ``|x|`` 0.01-0.33 g while
    ``y`` and ``z`` share gravity at every angle (z from +1.06 to -0.98 g), i.e. ``x``
    nearly along the bar and any roll about it. Random draws, in order: direction, angle,
    three misalignment angles.
    """
    direction = 1.0 if rng.uniform() < 0.5 else -1.0
    angle = float(rng.uniform(0.0, 2 * math.pi))
    tilt = rng.uniform(-misalignment_deg, misalignment_deg, 3)
    # Columns of the matrix are the sensor axes in the body frame: x_s = ±y_b.
    along = rot_z(direction * math.pi / 2)  # sensor x -> body ±y
    return along @ rot_x(angle) @ rotation_from_euler_deg(tilt.tolist())
