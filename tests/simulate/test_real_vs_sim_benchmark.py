"""benchmarks/real_vs_sim.py and the real-like arm of accuracy_sim.py: known answers, tiny runs."""

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


def test_statistics_of_a_hand_built_stream() -> None:
    rvs = _load("real_vs_sim")
    # 2 s still at 1 g with a 6 deg/s bias on y, then 1 s of motion; every third row stale.
    t = np.round(np.arange(0, 3.0, 0.01), 3)
    acc = np.tile([0.0, 0.0, 1.0], (t.size, 1))
    gyr = np.tile([0.0, 6.0, 0.0], (t.size, 1))
    moving = t >= 2.0
    acc[moving, 2] = 1.0 + 0.5 * np.sin(2 * np.pi * 2 * t[moving])
    gyr[moving, 0] = 100.0 * np.sin(2 * np.pi * 2 * t[moving])
    rng = np.random.default_rng(0)
    gyr[~moving] += rng.normal(0.0, 1.0, (int((~moving).sum()), 3))
    stale = np.zeros(t.size, dtype=bool)
    stale[2::3] = True
    for k in np.flatnonzero(stale):
        acc[k], gyr[k] = acc[k - 1], gyr[k - 1]
    stats = rvs.sensor_statistics(t, acc, gyr)
    assert stats["stale_share"] == pytest.approx(stale.mean())
    assert stats["interval_p10_ms"] == pytest.approx(10.0)  # distinct rows: 10 and 20 ms
    assert stats["interval_p90_ms"] == pytest.approx(20.0)
    assert stats["longest_interval_ms"] == pytest.approx(10.0)
    assert stats["distinct_per_s"] == pytest.approx((~stale).sum() / 2.99)
    assert stats["gyro_bias_dps"] == pytest.approx(6.0, abs=0.4)
    assert stats["gyro_noise_dps"] == pytest.approx(1.0, abs=0.25)
    assert stats["acc_sd_mg"] == pytest.approx(0.0, abs=1e-9)
    assert stats["peak_acc_g"] == pytest.approx(1.5, abs=0.01)
    assert stats["lowest_acc_g"] == pytest.approx(0.5, abs=0.01)
    assert stats["peak_rate_dps"] == pytest.approx(np.hypot(100.0, 6.0), abs=1.0)


def test_tiny_run_writes_only_its_docs_section(tmp_path: Path) -> None:
    rvs = _load("real_vs_sim")
    report = rvs.run(2, 160000, tmp_path / "absent")  # no real data there
    assert report["n_real"] == 0 and report["n_sim"] == 2
    md = rvs.markdown(report)
    assert "| stale rows (%) | - |" in md
    doc = tmp_path / "accuracy.md"
    doc.write_text("# A\n\n<!-- real-vs-sim:start -->\nold\n<!-- real-vs-sim:end -->\n\nrest\n")
    rvs.replace_marked(doc, rvs.DOCS_MARKER, md)
    text = doc.read_text()
    assert "old" not in text and text.endswith("rest\n") and "simulated real-like" in text


def test_accuracy_sim_real_like_arm_tiny_run(tmp_path: Path) -> None:
    sim = _load("accuracy_sim")
    out = tmp_path / "rl.json"
    args = ["--real-like", "--n-sets", "2", "--seed-base", "170000", "--workers", "1"]
    assert sim.main([*args, "--no-progress", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["config"]["real_like"] is True
    designs = report["sets"]
    assert all(d["placement"] == "bar" and d["real_like"] for d in designs)
    assert all(d["error"] is None or d["error"].startswith("analysis") for d in designs)
    assert "real-like simulated bar sets" in sim.real_like_markdown(report)
    # The default arm's designs are untouched by the real-like arm.
    plain = sim.design_sets(2, 170000)
    assert [d.exercise for d in plain] == [d["exercise"] for d in designs]
    assert not any(d.real_like for d in plain)
