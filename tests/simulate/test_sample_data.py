"""sample_data/ is what scripts/make_sample_data.py writes, and it reads back with its truth."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd

from repscope.io import read_recording
from repscope.simulate import TRUTH_COLUMNS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
NAMES = ("bench_3110_controlled", "bench_ego", "curl_wrist_rushed", "squat_session")


def _load_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_sample_data", REPO / "scripts" / "make_sample_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def test_committed_sample_data_is_current(tmp_path: Path) -> None:
    _load_script().main(["--out", str(tmp_path)])
    for name in NAMES:
        for suffix in (".csv", ".truth.csv"):
            fresh = (tmp_path / f"{name}{suffix}").read_bytes()
            assert fresh == (SAMPLE / f"{name}{suffix}").read_bytes(), (
                f"sample_data/{name}{suffix} is stale: run scripts/make_sample_data.py"
            )
        fresh_meta = json.loads((tmp_path / f"{name}.json").read_text())
        meta = json.loads((SAMPLE / f"{name}.json").read_text())
        assert fresh_meta["extra"]["simulator"] == meta["extra"]["simulator"]
        assert (SAMPLE / f"{name}.csv").stat().st_size < 1_000_000
    readme = (SAMPLE / "README.md").read_text()
    assert all(f"`{name}.csv`" in readme for name in NAMES)


def test_sample_data_reads_and_matches_its_truth() -> None:
    expected = {
        "bench_3110_controlled": ("bar", 100.0, 8),
        "bench_ego": ("bar", 100.0, 8),
        "curl_wrist_rushed": ("wrist", 100.0, 10),
        "squat_session": ("bar", 50.0, 15),
    }
    for name, (placement, rate, n_reps) in expected.items():
        rec = read_recording(SAMPLE / f"{name}.csv")
        assert rec.meta.placement == placement and rec.meta.sampling_rate_hz == rate
        truth = pd.read_csv(SAMPLE / f"{name}.truth.csv")
        assert list(truth.columns) == list(TRUTH_COLUMNS) and len(truth) == n_reps
        assert rec.time_s[0] < truth["start_s"].min() and truth["end_s"].max() < rec.time_s[-1]
    ego = pd.read_csv(SAMPLE / "bench_ego.truth.csv")
    assert (ego["bottom_pause_s"][ego["faults"].str.contains("bounce")] == 0).all()
    squat = pd.read_csv(SAMPLE / "squat_session.truth.csv")
    assert list(squat.groupby("set").size()) == [5, 5, 5]
