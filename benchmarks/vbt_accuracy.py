"""Velocity-based training against the simulator's truth: MPV per rep and the same-day 1RM.

Each seed simulates a warm-up ramp (bench press, 4 sets of 3 reps at 40, 60, 80 and
100 kg, the default sensor at 100 Hz) whose reps follow the load-velocity line of a
130 kg 1RM (``repscope.simulate.block``). The true mean propulsive velocity of a rep is
:func:`repscope.analysis.vbt.propulsive_phase` applied to the simulator's own fine-rate
vertical velocity and acceleration between the rep's true concentric start and end; the
measured one is the analysis' column. The same-day 1RM is
:func:`repscope.analysis.vbt_step.same_day_profile` on the analysed sets.

    .venv/bin/python benchmarks/vbt_accuracy.py --seeds 20-25
"""

from __future__ import annotations

import argparse

import numpy as np

from repscope.analysis import analyze_recording
from repscope.analysis.vbt import propulsive_phase
from repscope.analysis.vbt_step import same_day_profile
from repscope.simulate import SensorSpec, SetSpec, simulate_session
from repscope.simulate.block import default_profile, load_velocity_reps

LOADS_KG = (40.0, 60.0, 80.0, 100.0)
ONE_RM_KG = 130.0


def run_seed(seed: int) -> tuple[list[tuple[float, float, float]], tuple[float, float, float]]:
    """Return per rep (true MPV, measured MPV, true MCV) and (1RM, CI low, CI high)."""
    line = default_profile("bench", ONE_RM_KG)
    specs = [
        SetSpec(
            "bench",
            n_reps=3,
            tempo="3-1-1-0",
            load_kg=load,
            rest_before_s=3.0 if k == 0 else 30.0,
            rest_after_s=3.0 if k == len(LOADS_KG) - 1 else 0.0,
            reps=load_velocity_reps("bench", n_reps=3, load_kg=load, profile=line),
        )
        for k, load in enumerate(LOADS_KG)
    ]
    result = simulate_session(
        specs, sampling_rate_hz=100.0, placement="bar", sensor=SensorSpec(), seed=seed
    )
    traj = result.trajectory
    time_s = traj["time_s"].to_numpy()
    vel, acc = traj["vel_z_mps"].to_numpy(), traj["acc_z_mps2"].to_numpy()
    fine_hz = 1.0 / float(np.median(np.diff(time_s)))
    analysis = analyze_recording(result.recording)
    rows = []
    if len(analysis.reps) == len(result.truth):
        for truth, measured in zip(
            result.truth.itertuples(), analysis.reps.itertuples(), strict=True
        ):
            i0, i1 = np.searchsorted(time_s, [truth.concentric_start_s, truth.concentric_end_s])
            true_mpv = propulsive_phase(
                vel[i0 : i1 + 1], acc[i0 : i1 + 1], sampling_rate_hz=fine_hz
            ).mean_propulsive_velocity_mps
            rows.append(
                (
                    true_mpv,
                    float(measured.mean_propulsive_velocity_mps),
                    float(truth.mean_concentric_velocity_mps),
                )
            )
    profile = same_day_profile(analysis.sets, exercise="bench")
    e = profile.estimate
    one_rm = (e.one_rm_kg, e.ci_low_kg, e.ci_high_kg) if e else (np.nan, np.nan, np.nan)
    return rows, one_rm


def main() -> None:
    """Run the seeds and print the MPV agreement and the 1RM estimates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="20-25", help="first-last seed, inclusive")
    first, last = (int(v) for v in parser.parse_args().seeds.split("-"))
    reps, estimates = [], []
    for seed in range(first, last + 1):
        rows, one_rm = run_seed(seed)
        reps += rows
        estimates.append(one_rm)
        print(f"seed {seed}: {len(rows)} reps matched, 1RM {one_rm[0]:.1f} kg "
              f"[{one_rm[1]:.1f}, {one_rm[2]:.1f}]")  # fmt: skip
    true_mpv, mpv, mcv = (np.array(c) for c in zip(*reps, strict=True))
    err = mpv - true_mpv
    sd = float(err.std(ddof=1))
    print(
        f"MPV, {err.size} reps: bias {err.mean():+.3f} m/s, SD {sd:.3f}, 95% limits of "
        f"agreement {err.mean() - 1.96 * sd:+.3f} to {err.mean() + 1.96 * sd:+.3f}, "
        f"largest |error| {np.abs(err).max():.3f}; braking (MPV > MCV) in "
        f"{int(np.sum(true_mpv > 1.001 * mcv))} reps truly, {int(np.sum(mpv > 1.001 * mcv))} "
        "measured"
    )
    est = np.array(estimates)
    ok = np.isfinite(est[:, 0])
    covered = int(np.sum((est[ok, 1] <= ONE_RM_KG) & (est[ok, 2] >= ONE_RM_KG)))
    print(
        f"same-day 1RM (true {ONE_RM_KG:g} kg), {int(ok.sum())} ramps: mean "
        f"{est[ok, 0].mean():.1f} kg, SD {est[ok, 0].std(ddof=1):.1f}, error "
        f"{(est[ok, 0] - ONE_RM_KG).min():+.1f} to {(est[ok, 0] - ONE_RM_KG).max():+.1f} kg, "
        f"95% interval holds the truth in {covered}, median width "
        f"{np.median(est[ok, 2] - est[ok, 1]):.1f} kg"
    )


if __name__ == "__main__":
    main()
