"""benchmarks/bench_live.py: its summary statistics and the docs section it writes."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    return importlib.import_module("bench_live")


def _set(latencies, *, n_live=3, n_batch=3, compute_s=1.0, duration_s=10.0, off=(), batch_off=0):
    return {
        "n_truth": 3,
        "n_batch": n_batch,
        "n_live": n_live,
        "n_batch_off_truth": batch_off,
        "duration_s": duration_s,
        "compute_s": compute_s,
        "n_updates": 50,
        "update_s": [0.01, 0.02, 0.03],
        "reps": [
            {
                "latency_s": lat,
                "data_latency_s": lat - 0.02,
                "ecc_vs_batch_s": 0.1,
                "con_vs_batch_s": -0.05,
                "off_truth": k in off,
            }
            for k, lat in enumerate(latencies)
        ],
    }


def test_summary_known_answer(bench):
    s = bench.summarise(
        [
            _set([0.1, 0.2, 0.6], off=(2,)),
            _set([0.1, 0.3, 0.4], n_live=2, compute_s=3.0, off=(0, 1), batch_off=1),
        ]
    )
    assert s["n_sets"] == 2 and s["n_reps_live"] == 5 and s["n_reps_batch"] == 6
    assert s["sets_count_equal_batch"] == 1
    assert s["latency_median_s"] == pytest.approx(0.25)
    assert s["latency_max_s"] == pytest.approx(0.6)
    assert s["latency_within_target"] == pytest.approx(5 / 6)
    assert s["core_share_mean"] == pytest.approx(0.2)  # (0.1 + 0.3) / 2
    assert s["core_share_max"] == pytest.approx(0.3)
    assert s["update_median_ms"] == pytest.approx(20.0)
    assert s["updates_per_s"] == pytest.approx(5.0)
    assert s["ecc_vs_batch_p95_s"] == pytest.approx(0.1)
    assert s["first_reports_off"] == 3 and s["analyze_reps_off"] == 1


def test_a_rep_reads_wrong_beyond_half_a_second_of_eccentric_or_0_3_s_of_concentric(bench):
    true = {"eccentric_s": 3.0, "concentric_s": 1.0}
    assert not bench._off({"eccentric_s": 2.6, "concentric_s": 1.25}, true)
    assert bench._off({"eccentric_s": 2.4, "concentric_s": 1.0}, true)
    assert bench._off({"eccentric_s": 3.0, "concentric_s": 0.6}, true)
    assert bench._off({"eccentric_s": float("nan"), "concentric_s": 1.0}, true)


def test_docs_section_is_replaced_and_nothing_else(bench, tmp_path):
    doc = tmp_path / "ble.md"
    doc.write_text("# BLE\n\nbefore\n<!-- live:start -->\nold\n<!-- live:end -->\nafter\n")
    results = {
        "placement": "bar",
        "seed_base": 30000,
        "n_sets_per_rate": 2,
        "rates": {"100": bench.summarise([_set([0.1, 0.2, 0.3]), _set([0.2, 0.2, 0.2])])},
    }
    prov = {
        "date_utc": "2026-01-01 00:00 UTC",
        "git_commit": "abc",
        "src_uncommitted": [],
        "repscope_version": "0.1.0",
        "python": "3.11",
        "cpu_count": 2,
    }
    text = bench.markdown(results, prov)
    assert "| 100 Hz | 6 / 6 (2/2 sets) | 0.20 / 0.28 / 0.30 | 100.0% |" in text
    assert text.splitlines()[-1].endswith("| 0.10 / 0.05 | 0 / 0 |")
    bench.write_docs(text, doc)
    out = doc.read_text()
    assert out.startswith("# BLE\n\nbefore\n<!-- live:start -->\nMeasured 2026-01-01")
    assert out.endswith("<!-- live:end -->\nafter\n")
    assert "old" not in out
