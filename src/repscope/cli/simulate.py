"""``repscope simulate``: write a simulated recording and its ground truth."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import click

from repscope.cli._names import (
    PLACEMENTS,
    REAL_LIKE_SENSOR_RATE_HZ,
    SIMULATED_EXERCISES,
    SIMULATED_FAULTS,
)
from repscope.errors import InputError

if TYPE_CHECKING:
    from repscope.simulate import Fault

#: Time of day of a session given by ``--date`` alone.
DEFAULT_SESSION_TIME_UTC = time(18, 0)


def parse_date_option(text: str) -> str:
    """Read ``YYYY-MM-DD`` (18:00 UTC) or ``YYYY-MM-DDTHH:MM[:SS]`` (UTC) into ISO 8601."""
    hint = "Write a date as YYYY-MM-DD, or YYYY-MM-DDTHH:MM for a time (UTC)."
    try:
        if "T" in text or " " in text:
            moment = datetime.fromisoformat(text.replace(" ", "T"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            else:
                moment = moment.astimezone(timezone.utc)
        else:
            moment = datetime.combine(
                date.fromisoformat(text), DEFAULT_SESSION_TIME_UTC, tzinfo=timezone.utc
            )
    except ValueError:
        raise InputError(f"--date {text!r} is not a date", where="--date", hint=hint) from None
    return moment.isoformat()


def parse_fault_option(text: str, *, n_sets: int) -> tuple[int | None, int, Fault]:
    """Read ``REP:FAULT`` (every set) or ``SET:REP:FAULT`` (one set).

    Returns ``(set or None, rep, fault)``.
    """
    from repscope.simulate import Fault

    parts = text.split(":")
    hint = f"Write REP:FAULT or SET:REP:FAULT, e.g. 3:bounce; faults: {_FAULT_NAMES}."
    if len(parts) not in (2, 3):
        raise InputError(f"--fault {text!r} is not REP:FAULT", where="--fault", hint=hint)
    try:
        numbers = [int(p) for p in parts[:-1]]
    except ValueError:
        raise InputError(
            f"--fault {text!r}: set and rep must be whole numbers", where="--fault", hint=hint
        ) from None
    try:
        fault = Fault(parts[-1].strip().lower())
    except ValueError:
        raise InputError(
            f"--fault {text!r}: unknown fault {parts[-1]!r}", where="--fault", hint=hint
        ) from None
    set_no = numbers[0] if len(numbers) == 2 else None
    if set_no is not None and not 1 <= set_no <= n_sets:
        raise InputError(
            f"--fault {text!r}: there is no set {set_no} (--sets {n_sets})", where="--fault"
        )
    return set_no, numbers[-1], fault


_FAULT_NAMES = ", ".join(SIMULATED_FAULTS)


@click.command("simulate")
@click.argument("out", metavar="OUT", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--exercise",
    type=click.Choice(SIMULATED_EXERCISES),
    default="bench",
    show_default=True,
    help="Exercise to simulate.",
)
@click.option("--reps", type=click.IntRange(1, 100), default=8, show_default=True)
@click.option("--sets", "n_sets", type=click.IntRange(1, 20), default=1, show_default=True)
@click.option(
    "--tempo",
    default=None,
    help="Prescribed tempo: eccentric-bottom-concentric-top seconds (X = as fast as possible); "
    "default 3-1-1-0, or the drawn touch-and-go tempo with --real-like.",
)
@click.option(
    "--rom-m", type=float, default=None, help="Full range of motion in m; default per exercise."
)
@click.option("--load-kg", type=float, default=80.0, show_default=True)
@click.option(
    "--set-loads",
    "set_loads",
    metavar="KG,KG,...",
    default=None,
    help="One load per set in kg (e.g. a warm-up ramp 40,60,80,100), instead of --load-kg; "
    "written to the sidecar as set_loads_kg.",
)
@click.option(
    "--one-rm-kg",
    type=float,
    default=None,
    help="The athlete's 1RM: each rep's mean concentric velocity then follows the "
    "load-velocity line at --load-kg (3 percent loss per rep), as in simulated training blocks.",
)
@click.option(
    "--date",
    "date_text",
    default=None,
    metavar="YYYY-MM-DD[THH:MM]",
    help="When the session took place (UTC; 18:00 when no time is given), for the history.",
)
@click.option("--athlete", default=None, help="Athlete name written into the metadata.")
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="[SET:]REP:FAULT",
    help=f"Inject a fault (repeatable): {_FAULT_NAMES}. Without SET it applies to every set.",
)
@click.option("--placement", type=click.Choice(PLACEMENTS), default="bar", show_default=True)
@click.option(
    "--rate-hz",
    type=float,
    default=None,
    help=f"Sampling rate; default 100, or the sensor rate {REAL_LIKE_SENSOR_RATE_HZ:g} Hz "
    "with --real-like.",
)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option(
    "--rest-s", type=float, default=90.0, show_default=True, help="Rest between sets in seconds."
)
@click.option(
    "--rack/--no-rack",
    default=None,
    help="Unrack and rack moves; default on for bench, squat and ohp.",
)
@click.option("--accel-only", is_flag=True, help="Write no gyroscope columns.")
@click.option(
    "--ideal-sensor",
    is_flag=True,
    help="No noise, bias, quantisation, time jitter or dropped samples; sensor axes = bar axes.",
)
@click.option(
    "--real-like",
    is_flag=True,
    help="Like a real bar sensor: continuous touch-and-go sets, a rolling, shaking bar, "
    "bursty BLE timing with stale rows, gyro biases of several deg/s, any angle on the bar "
    "(repscope.simulate.real_like; drawn from --seed). Bar only.",
)
@click.option(
    "--truth-out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Per-rep ground truth CSV; default: OUT's folder, <OUT stem>.truth.csv.",
)
def simulate(
    out: Path,
    exercise: str,
    reps: int,
    n_sets: int,
    tempo: str | None,
    rom_m: float | None,
    load_kg: float,
    set_loads: str | None,
    one_rm_kg: float | None,
    date_text: str | None,
    athlete: str | None,
    faults: tuple[str, ...],
    placement: str,
    rate_hz: float | None,
    seed: int,
    rest_s: float,
    rack: bool | None,
    accel_only: bool,
    ideal_sensor: bool,
    real_like: bool,
    truth_out: Path | None,
) -> None:
    """Simulate a lifting session and write the recording OUT (.csv or .parquet).

    The recording is what a bar- or wrist-worn IMU would report (gravity, noise, bias,
    quantisation, random mounting, time jitter, dropped samples); the truth CSV holds
    each rep's exact phase times, durations, range of motion, velocities and faults on
    the recording's time base. The same seed gives the same files.

    With --date, --athlete, --load-kg and --one-rm-kg, one command per session builds a
    training block for `repscope history add` and `repscope trend`.

    \b
    Example:
        repscope simulate bench.csv --exercise bench --reps 8 --tempo 3-1-1-0 \\
            --fault 6:bounce --fault 8:partial_rom --seed 1
        (writes bench.csv, bench.json and bench.truth.csv)
        repscope simulate mon.csv --load-kg 100 --one-rm-kg 130 --date 2025-03-03 \\
            --athlete ana --seed 2
        repscope simulate dead.csv --exercise deadlift --reps 10 --real-like --seed 3
    """  # noqa: D301 (click needs the \b marker)
    from repscope.io import write_recording
    from repscope.simulate import (
        HELD_BAR_TREMOR,
        SensorSpec,
        SetSpec,
        real_like_sensor,
        real_like_set,
        simulate_session,
    )
    from repscope.simulate.block import default_profile, load_velocity_reps

    if real_like and (ideal_sensor or placement != "bar"):
        raise InputError(
            "--real-like models a sensor on the bar: it goes with neither --ideal-sensor nor "
            "--placement wrist",
            where="--real-like",
        )
    start_time_utc = parse_date_option(date_text) if date_text is not None else None
    profile = default_profile(exercise, one_rm_kg) if one_rm_kg is not None else None
    parsed = [parse_fault_option(f, n_sets=n_sets) for f in faults]
    loads = [load_kg] * n_sets
    if set_loads is not None:
        from repscope.analysis.vbt import parse_loads

        loads = list(parse_loads(set_loads))
        if len(loads) != n_sets:
            raise InputError(
                f"--set-loads gives {len(loads)} loads for {n_sets} set(s)",
                where="--set-loads",
                hint="Give one load per set, e.g. --sets 3 --set-loads 60,80,100.",
            )
    import numpy as np

    preset_rng = np.random.default_rng([seed, 7])
    specs = []
    for k in range(1, n_sets + 1):
        set_faults: dict[int, list[Fault]] = {}
        for set_no, rep, fault in parsed:
            if set_no is None or set_no == k:
                set_faults.setdefault(rep, []).append(fault)
        spec = SetSpec(
            exercise,
            n_reps=reps,
            tempo=tempo or "3-1-1-0",
            rom_m=rom_m,
            load_kg=loads[k - 1],
            faults={r: tuple(f) for r, f in set_faults.items()},
            rest_before_s=3.0 if k == 1 else rest_s,
            rest_after_s=3.0 if k == n_sets else 0.0,
            rack=rack,
            tremor=0.0 if ideal_sensor else HELD_BAR_TREMOR,
        )
        if real_like:
            drawn = real_like_set(exercise, rng=preset_rng, n_reps=reps, load_kg=loads[k - 1])
            spec = dataclasses.replace(
                drawn,
                tempo=tempo or drawn.tempo,
                rom_m=rom_m,
                faults=spec.faults,
                rest_before_s=drawn.rest_before_s if k == 1 else rest_s,
                rest_after_s=drawn.rest_after_s if k == n_sets else 0.0,
            )
        if profile is not None:
            spec = dataclasses.replace(
                spec,
                reps=load_velocity_reps(
                    exercise, n_reps=reps, load_kg=loads[k - 1], profile=profile, rom_m=rom_m
                ),
            )
        specs.append(spec)
    if real_like:
        sensor = dataclasses.replace(real_like_sensor(rng=preset_rng), gyro=not accel_only)
    elif ideal_sensor:
        sensor = SensorSpec.ideal(gyro=not accel_only)
    else:  # a real sensor's floor: a racked bar reads as racked (set end, live and analyze)
        sensor = SensorSpec.real_floor(gyro=not accel_only)
    if rate_hz is None:
        rate_hz = REAL_LIKE_SENSOR_RATE_HZ if real_like else 100.0
    result = simulate_session(
        specs, sampling_rate_hz=rate_hz, placement=placement, sensor=sensor, seed=seed
    )
    recording = result.recording
    if start_time_utc is not None or athlete is not None:
        meta = dataclasses.replace(
            recording.meta,
            start_time_utc=start_time_utc or recording.meta.start_time_utc,
            athlete=athlete or recording.meta.athlete,
        )
        recording = dataclasses.replace(recording, meta=meta)
    written = write_recording(recording, out)
    truth_path = truth_out if truth_out is not None else out.with_name(f"{out.stem}.truth.csv")
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    result.truth.to_csv(truth_path, index=False)
    rec = recording
    click.echo(
        f"wrote {', '.join(str(p) for p in written)} ({rec.n_samples} samples, "
        f"{rec.duration_s:.1f} s at {rec.meta.sampling_rate_hz:g} Hz, {placement})"
    )
    click.echo(f"wrote {truth_path} ({len(result.truth)} reps in {n_sets} set(s))")
