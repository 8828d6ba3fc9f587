"""benchmarks/json_snapshot.py: dumps of `analyze --json` and their comparison."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _snapshot() -> ModuleType:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    return importlib.import_module("json_snapshot")


def test_differences_name_each_changed_value_and_respect_the_tolerance() -> None:
    snap = _snapshot()
    old = {"sets": [{"reps": [{"rom_m": 0.5, "flags": ["bounce"]}]}], "n": 3}
    assert snap.differences(old, old, rel_tol=0.0) == []
    new = {"sets": [{"reps": [{"rom_m": 0.5 + 1e-12, "flags": []}]}], "n": 3, "extra": 1}
    found = snap.differences(old, new, rel_tol=0.0)
    assert ".sets[0].reps[0].rom_m: 0.5, now 0.500000000001" in found
    assert ".sets[0].reps[0].flags: 1 items, now 0" in found
    assert ".extra: only in new" in found
    assert snap.differences(old["sets"], new["sets"], rel_tol=1e-9) == [
        "[0].reps[0].flags: 1 items, now 0"
    ]
    assert snap.differences(True, 1, rel_tol=0.0) == []  # JSON true is not a number here
    assert snap.differences(True, False, rel_tol=0.0) == [": 'True', now 'False'"]


def test_dump_and_compare_the_samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = _snapshot()
    empty = tmp_path / "no_realdata"
    empty.mkdir()
    names = [name for name, _ in snap.jobs(empty)]
    assert "bench_ego" in names and "other_sensor_bench_ego" in names
    assert not any(n.startswith(("bar_", "wrist_")) for n in names)
    one = [(n, a) for n, a in snap.jobs(empty) if n == "bench_ego"]
    monkeypatch.setattr(snap, "jobs", lambda realdata: one)  # one recording is enough here
    assert snap.dump(tmp_path / "a", empty) == 0
    assert snap.dump(tmp_path / "b", empty) == 0
    text = (tmp_path / "a" / "bench_ego.json").read_text()
    assert text.startswith("exit 0\n") and '"sets"' in text
    assert snap.compare(tmp_path / "a", tmp_path / "b", 0.0) == 0
    (tmp_path / "b" / "bench_ego.json").write_text(text.replace('"sets"', '"sets_"', 1))
    assert snap.compare(tmp_path / "a", tmp_path / "b", 0.0) == 1
