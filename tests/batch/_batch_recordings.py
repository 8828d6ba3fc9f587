"""Recordings for the batch tests: short simulated sessions in every supported format.

:func:`build_recordings` writes (the conftest builds it once per test session)::

    bench/ann_bench.csv (+ .json)     bar, bench, athlete ann, 60 kg, project CSV
    bench/ann_bench.truth.csv         ground truth: a table, not a recording
    squat/bob_squat.parquet           bar, squat, athlete bob, 100 kg, Parquet
    wrist/<MetaWear>_Accelerometer_50.000Hz_1.4.4.csv and ..._Gyroscope_...
                                      wrist curl exported as MetaMotion: no placement,
                                      no exercise in the file
    .hidden/ignored.csv               a hidden folder, never searched
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from pathlib import Path

import numpy as np

from repscope.io import write_recording
from repscope.recording import Recording
from repscope.simulate import SetSpec, simulate_set

RATE_HZ = 50.0
STEM = "C-curl_MetaWear_2021-05-06T07.08.09.100_D1E2F3A4B5C6"
EPOCH0_MS = 1620284889100


def _simulate(exercise: str, *, placement: str, load_kg: float, seed: int) -> Recording:
    spec = SetSpec(
        exercise, n_reps=4, tempo="2-0-1-0", rest_before_s=4, rest_after_s=4, load_kg=load_kg
    )
    return simulate_set(spec, sampling_rate_hz=RATE_HZ, placement=placement, seed=seed).recording


def write_metamotion_pair(recording: Recording, folder: Path) -> tuple[Path, Path]:
    """Write a recording as a MetaBase accelerometer + gyroscope export pair."""
    epoch_ms = np.round(EPOCH0_MS + recording.time_s * 1000).astype(np.int64)
    files = []
    for kind, unit, values in (
        ("Accelerometer", "g", recording.acc_g),
        ("Gyroscope", "deg/s", recording.gyr_dps),
    ):
        path = folder / f"{STEM}_{kind}_{RATE_HZ:.3f}Hz_1.4.4.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "epoch (ms)",
                    "time (01:00)",
                    "elapsed (s)",
                    *(f"{a}-axis ({unit})" for a in "xyz"),
                ]
            )
            for ms, row in zip(epoch_ms, values, strict=True):
                elapsed = (ms - epoch_ms[0]) / 1000
                writer.writerow(
                    [ms, "2021-05-06T08.08.09.100", f"{elapsed:.3f}", *(f"{v:.5f}" for v in row)]
                )
        files.append(path)
    return files[0], files[1]


def build_recordings(root: Path) -> Path:
    """Write the recordings folder into ``root`` and return it."""
    for sub in ("bench", "squat", "wrist", ".hidden"):
        (root / sub).mkdir()
    bench = simulate_set(
        SetSpec("bench", n_reps=4, tempo="2-0-1-0", rest_before_s=4, rest_after_s=4, load_kg=60),
        sampling_rate_hz=RATE_HZ,
        placement="bar",
        seed=1,
    )
    rec = bench.recording
    rec = Recording(rec.data, dataclasses.replace(rec.meta, athlete="ann"))
    write_recording(rec, root / "bench" / "ann_bench.csv")
    bench.truth.to_csv(root / "bench" / "ann_bench.truth.csv", index=False)
    squat = _simulate("squat", placement="bar", load_kg=100, seed=2)
    squat = Recording(squat.data, dataclasses.replace(squat.meta, athlete="bob"))
    write_recording(squat, root / "squat" / "bob_squat.parquet")
    write_metamotion_pair(_simulate("curl", placement="wrist", load_kg=12, seed=3), root / "wrist")
    shutil.copy(root / "bench" / "ann_bench.csv", root / ".hidden" / "ignored.csv")
    return root
