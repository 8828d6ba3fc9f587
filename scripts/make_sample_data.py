"""Write the simulated example recordings in sample_data/ (deterministic).

Run from the repository root:

    .venv/bin/python scripts/make_sample_data.py [--out sample_data]

Each recording is a project CSV with its JSON sidecar plus ``<name>.truth.csv`` (the
simulator's per-rep ground truth, see ``repscope.simulate``). The sensor is the
simulator's default (random mounting from the seed, noise, bias, 16-bit quantisation,
timestamp jitter, 0.2% dropped packets), with exported values rounded to 0.1 ms, 0.1 mg
and 0.01 deg/s like a phone app's CSV export, which keeps every file well under 1 MB.
Re-running the script rewrites byte-identical files.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from repscope.io import write_recording
from repscope.simulate import SensorSpec, SetSpec, simulate_session

SENSOR = SensorSpec(time_decimals=4, acc_decimals=4, gyr_decimals=2)
MAX_BYTES = 1_000_000


@dataclass
class Sample:
    name: str
    sets: list[SetSpec]
    placement: str
    rate_hz: float
    seed: int
    description: str


def samples() -> list[Sample]:
    ego_faults = {
        1: ("rushed_negative",),
        2: ("rushed_negative", "bounce"),
        3: ("rushed_negative", "bounce"),
        4: ("bounce", "partial_rom"),
        5: ("rushed_negative", "bounce"),
        6: ("bounce", "partial_rom"),
        7: ("rushed_negative", "bounce", "partial_rom"),
        8: ("grind",),
    }
    squat_sets = [
        SetSpec("squat", n_reps=5, tempo="3-1-X-0", load_kg=100, rest_before_s=5, rest_after_s=0),
        SetSpec("squat", n_reps=5, tempo="3-1-X-0", load_kg=100, rest_before_s=75, rest_after_s=0),
        SetSpec(
            "squat",
            n_reps=5,
            tempo="3-1-X-0",
            load_kg=100,
            faults={4: "grind", 5: "partial_rom"},
            rest_before_s=90,
            rest_after_s=5,
        ),
    ]
    return [
        Sample(
            "bench_3110_controlled",
            [SetSpec("bench", n_reps=8, tempo="3-1-1-0", load_kg=80, rest_before_s=5)],
            "bar",
            100.0,
            1,
            "a controlled bench set, 8 reps at 3-1-1-0, 80 kg, unrack and rack; no faults",
        ),
        Sample(
            "bench_ego",
            [SetSpec("bench", n_reps=8, tempo="3-1-1-0", load_kg=100, faults=ego_faults)],
            "bar",
            100.0,
            2,
            "an ego-lifted bench set, 8 reps prescribed 3-1-1-0, 100 kg: rushed negatives on "
            "reps 1, 2, 3, 5, 7; bounces on reps 2-7; half reps (partial_rom) on 4, 6, 7; a "
            "grind on rep 8",
        ),
        Sample(
            "curl_wrist_rushed",
            [
                SetSpec(
                    "curl",
                    n_reps=10,
                    tempo="3-0-1-0",
                    load_kg=30,
                    faults={
                        5: "rushed_negative",
                        7: "rushed_negative",
                        8: "rushed_negative",
                        10: "rushed_negative",
                    },
                    rest_before_s=5,
                )
            ],
            "wrist",
            100.0,
            3,
            "a barbell curl set on the wrist, 10 reps prescribed 3-0-1-0, 30 kg: rushed "
            "negatives on reps 5, 7, 8, 10",
        ),
        Sample(
            "squat_session",
            squat_sets,
            "bar",
            50.0,
            4,
            "a squat session, 3 sets x 5 reps prescribed 3-1-X-0 at 100 kg, rests 75 s and "
            "90 s, unrack/walk-out and rack moves; set 3: grind on rep 4, partial_rom on rep 5",
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("sample_data"))
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for s in samples():
        res = simulate_session(
            s.sets, sampling_rate_hz=s.rate_hz, placement=s.placement, sensor=SENSOR, seed=s.seed
        )
        paths = write_recording(res.recording, out / f"{s.name}.csv")
        truth_path = out / f"{s.name}.truth.csv"
        res.truth.to_csv(truth_path, index=False, lineterminator="\n")
        for p in [*paths, truth_path]:
            size = p.stat().st_size
            if size > MAX_BYTES:
                raise SystemExit(f"{p} is {size} bytes, above {MAX_BYTES}")
        tempo = s.sets[0].to_dict()["tempo"]
        lines.append(
            f"- `{s.name}.csv`: {s.description}. Placement {s.placement}, {s.rate_hz:g} Hz, "
            f"seed {s.seed}, {res.recording.duration_s:.0f} s, {len(res.truth)} reps, "
            f"prescribed tempo {tempo}."
        )
        print(f"{paths[0]}: {paths[0].stat().st_size / 1e3:.0f} kB, {len(res.truth)} reps")
    readme = out / "README.md"
    readme.write_text(
        "# Sample recordings (simulated)\n\n"
        "Written by `scripts/make_sample_data.py` with `repscope.simulate` (deterministic: "
        "re-running it gives identical files). Each `NAME.csv` is a repscope CSV recording "
        "(`time_s`, `acc_*_g`, `gyr_*_dps`, sensor frame, random mounting) with its "
        "`NAME.json` metadata sidecar; `NAME.truth.csv` is the exact per-rep ground truth "
        "(phase start/end times on the recording's time base, eccentric / bottom pause / "
        "concentric / top pause durations, ROM, mean and peak concentric velocity, faults). "
        "Tempo is written eccentric-bottom-concentric-top; X = as fast as possible.\n\n"
        + "\n".join(lines)
        + "\n\nTry: `repscope analyze sample_data/bench_ego.csv`.\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
