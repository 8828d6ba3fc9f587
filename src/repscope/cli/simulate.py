"""``repscope simulate``: write a simulated recording and its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from repscope.cli._names import PLACEMENTS, SIMULATED_EXERCISES, SIMULATED_FAULTS
from repscope.errors import InputError

if TYPE_CHECKING:
    from repscope.simulate import Fault


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
    default="3-1-1-0",
    show_default=True,
    help="Prescribed tempo: eccentric-bottom-concentric-top seconds (X = as fast as possible).",
)
@click.option(
    "--rom-m", type=float, default=None, help="Full range of motion in m; default per exercise."
)
@click.option("--load-kg", type=float, default=80.0, show_default=True)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="[SET:]REP:FAULT",
    help=f"Inject a fault (repeatable): {_FAULT_NAMES}. Without SET it applies to every set.",
)
@click.option("--placement", type=click.Choice(PLACEMENTS), default="bar", show_default=True)
@click.option("--rate-hz", type=float, default=100.0, show_default=True, help="Sampling rate.")
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
    tempo: str,
    rom_m: float | None,
    load_kg: float,
    faults: tuple[str, ...],
    placement: str,
    rate_hz: float,
    seed: int,
    rest_s: float,
    rack: bool | None,
    accel_only: bool,
    ideal_sensor: bool,
    truth_out: Path | None,
) -> None:
    """Simulate a lifting session and write the recording OUT (.csv or .parquet).

    The recording is what a bar- or wrist-worn IMU would report (gravity, noise, bias,
    quantisation, random mounting, time jitter, dropped samples); the truth CSV holds
    each rep's exact phase times, durations, range of motion, velocities and faults on
    the recording's time base. The same seed gives the same files.

    \b
    Example:
        repscope simulate bench.csv --exercise bench --reps 8 --tempo 3-1-1-0 \\
            --fault 6:bounce --fault 8:partial_rom --seed 1
        (writes bench.csv, bench.json and bench.truth.csv)
    """  # noqa: D301 (click needs the \b marker)
    from repscope.io import write_recording
    from repscope.simulate import SensorSpec, SetSpec, simulate_session

    parsed = [parse_fault_option(f, n_sets=n_sets) for f in faults]
    specs = []
    for k in range(1, n_sets + 1):
        set_faults: dict[int, list[Fault]] = {}
        for set_no, rep, fault in parsed:
            if set_no is None or set_no == k:
                set_faults.setdefault(rep, []).append(fault)
        specs.append(
            SetSpec(
                exercise,
                n_reps=reps,
                tempo=tempo,
                rom_m=rom_m,
                load_kg=load_kg,
                faults={r: tuple(f) for r, f in set_faults.items()},
                rest_before_s=3.0 if k == 1 else rest_s,
                rest_after_s=3.0 if k == n_sets else 0.0,
                rack=rack,
            )
        )
    sensor = (
        SensorSpec.ideal(gyro=not accel_only) if ideal_sensor else SensorSpec(gyro=not accel_only)
    )
    result = simulate_session(
        specs, sampling_rate_hz=rate_hz, placement=placement, sensor=sensor, seed=seed
    )
    written = write_recording(result.recording, out)
    truth_path = truth_out if truth_out is not None else out.with_name(f"{out.stem}.truth.csv")
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    result.truth.to_csv(truth_path, index=False)
    rec = result.recording
    click.echo(
        f"wrote {', '.join(str(p) for p in written)} ({rec.n_samples} samples, "
        f"{rec.duration_s:.1f} s at {rec.meta.sampling_rate_hz:g} Hz, {placement})"
    )
    click.echo(f"wrote {truth_path} ({len(result.truth)} reps in {n_sets} set(s))")
