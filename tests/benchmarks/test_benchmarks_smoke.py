"""Smoke tests of the benchmark scripts: tiny configurations, output structure, known answers."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    return importlib.import_module(name)


# ------------------------------------------------------------------ helpers with known answers
def test_match_reps_greedy_by_overlap() -> None:
    sim = _load("accuracy_sim")
    truth = [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)]
    detected = [(0.1, 2.1), (4.2, 6.0), (2.05, 2.2)]  # the last overlaps rep 2 by 7.5% only
    assert sim.match_reps(truth, detected) == [(0, 0), (2, 1)]
    assert sim.match_reps(truth, []) == []


def test_design_covers_the_grid_and_respects_the_bounce_rule() -> None:
    sim = _load("accuracy_sim")
    designs = sim.design_sets(240, 10000)
    assert {d.sampling_rate_hz for d in designs} == {25, 50, 100, 200}
    assert {d.placement for d in designs} == {"bar", "wrist"}
    assert set(sim.EXERCISES) <= {d.exercise for d in designs}
    assert {f for d in designs for f in d.faults.values()} == set(sim.FAULTS)
    assert any(not d.faults for d in designs)
    assert all(3 <= d.n_reps <= 12 for d in designs)
    assert all(d.seed not in sim.DEV_SEEDS for d in designs)
    for d in designs:
        if d.exercise in sim.UP_FIRST:
            assert d.faults.get(1) != "bounce"
    # seeded: the same arguments give the same design
    assert sim.design_sets(5, 10000) == designs[:5]


def test_error_stats_known_answer() -> None:
    common = _load("_common")
    s = common.error_stats([0.1, -0.1, 0.3, np.nan], within=0.15)
    assert s["n"] == 3 and s["n_missing"] == 1
    assert s["bias"] == pytest.approx(0.1)
    assert s["sd"] == pytest.approx(0.2)
    assert s["loa_low"] == pytest.approx(0.1 - 1.96 * 0.2)
    assert s["median_abs"] == pytest.approx(0.1)
    assert s["within"] == pytest.approx(2 / 3)


def test_write_section_keeps_other_sections(tmp_path: Path) -> None:
    common = _load("_common")
    doc = tmp_path / "accuracy.md"
    common.write_section("real", "REAL ONE", path=doc)
    common.write_section("sim", "SIM ONE", path=doc)
    common.write_section("sim", "SIM TWO", path=doc)
    text = doc.read_text()
    assert "SIM TWO" in text and "SIM ONE" not in text
    assert "REAL ONE" in text
    assert text.count("<!-- sim:start -->") == 1 and text.count("<!-- speed:end -->") == 1


def test_baseline_counts_maxima_of_a_slow_rhythm() -> None:
    real = _load("accuracy_real")
    rate = 25.0
    t = np.arange(0, 40, 1 / rate)
    # a 4 s rhythm (0.25 Hz, below the 0.4 Hz cut-off) on top of gravity: maxima at 1, 5, .. 37 s
    acc = np.column_stack(
        [0.05 * np.ones_like(t), np.zeros_like(t), 1.0 + 0.2 * np.sin(2 * np.pi * t / 4.0)]
    )
    assert real.baseline_count(acc, sampling_rate_hz=rate) == 10


# ------------------------------------------------------------------ tiny end-to-end runs
def test_accuracy_sim_tiny_run(tmp_path: Path) -> None:
    sim = _load("accuracy_sim")
    out = tmp_path / "sim.json"
    assert sim.main(["--n-sets", "4", "--workers", "1", "--no-progress", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["config"] == {"n_sets": 4, "seed_base": 90000, "workers": 1}
    assert len(report["sets"]) == 4
    overall = report["summary"]["counts"][0]
    assert overall["name"] == "all sets" and overall["sets"] == 4
    assert sum(s["n_true"] for s in report["sets"]) == overall["true_reps"]
    for s in report["sets"]:
        assert isinstance(s["n_detected"], int)
        assert len(s["true_reps"]) == s["n_true"]
        assert len(s["matches"]) + len(s["unmatched_detected"]) == s["n_detected"]
    assert set(report["summary"]["flags"]["all sets"]) == set(sim.FAULTS)
    assert set(report["summary"]["rep_errors"]) == {"bar >= 50 Hz", "bar 25 Hz", "wrist"}
    assert report["provenance"]["git_commit"]
    md = sim.markdown(report)
    assert "### Rep counts" in md and "### Fault flags" in md


@pytest.mark.realdata
def test_accuracy_real_tiny_run(tmp_path: Path, metamotion_wrist_dir: Path) -> None:
    real = _load("accuracy_real")
    out = tmp_path / "real.json"
    argv = ["--realdata", str(metamotion_wrist_dir), "--limit", "2", "--no-progress"]
    assert real.main([*argv, "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert len(report["sets"]) == 2
    for s in report["sets"]:
        assert s["nominal_reps"] in (5, 10)
        assert all(isinstance(s[m], int) for m in real.METHODS)
    assert set(report["summary"]["overall"]) == set(real.METHODS)
    assert len(report["rest"]) == 2 and len(report["form"]) == 2
    assert "### Rest recordings" in real.markdown(report)


def test_accuracy_real_missing_folder_exits_2(tmp_path: Path) -> None:
    real = _load("accuracy_real")
    assert real.main(["--realdata", str(tmp_path), "--no-progress"]) == 2


def test_speed_tiny_run(tmp_path: Path) -> None:
    speed = _load("speed")
    out = tmp_path / "speed.json"
    assert speed.main(["--minutes", "1", "--repeats", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    rec = report["recording"]
    assert rec["duration_s"] == pytest.approx(60.0, abs=0.5)
    assert rec["samples"] > 0.95 * 60 * 100  # a few dropped packets at most
    assert report["analysis_best_s"] > 0 and report["sosfiltfilt_best_s"] > 0
    assert report["realtime_multiple"] == pytest.approx(
        rec["duration_s"] / report["analysis_best_s"]
    )
    assert "analyze_recording" in speed.markdown(report)


@pytest.mark.ble
def test_bench_ble_tiny_run(tmp_path: Path) -> None:
    ble = _load("bench_ble")
    out = tmp_path / "ble.json"
    ble.main(["--scenario", "diy:2:100", "--seconds", "1.5", "--out", str(out)])
    (row,) = json.loads(out.read_text())["results"]
    assert (row["profile"], row["sensors"], row["rate_hz"]) == ("diy", 2, 100.0)
    # both clients saw the stream: about 2 x 100 notifications' worth of samples per second
    assert row["baseline_notifications_per_s"] > 0
    assert 150 <= row["received_per_s"] <= 250
    assert row["samples_sent"] > row["received_per_s"]
    assert row["samples_lost"] == 0 and row["missing_detected"] == 0
    assert row["cpu_ratio_to_bleak"] is not None and row["cpu_ratio_to_bleak"] > 0
    with pytest.raises(SystemExit):
        ble.main(["--scenario", "nosuch:1:100"])


def test_bench_ble_writes_only_its_docs_section(tmp_path: Path) -> None:
    ble = _load("bench_ble")
    doc = tmp_path / "ble.md"
    doc.write_text("intro\n<!-- blestream:start -->\nold\n<!-- blestream:end -->\nrest\n")
    ble.write_docs("new table", path=doc)
    assert (
        doc.read_text()
        == "intro\n<!-- blestream:start -->\nnew table\n<!-- blestream:end -->\nrest\n"
    )
