"""Smoke test of benchmarks/bench_batch.py on a tiny configuration (structure only, no timings)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from types import ModuleType

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def _load() -> ModuleType:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    return importlib.import_module("bench_batch")


def test_tiny_run_reports_every_measure(tmp_path: Path) -> None:
    bench = _load()
    args = argparse.Namespace(sessions=3, memory_sizes=[2, 3], workers=[1], no_dask=True)
    report = bench.run(args)
    tp = report["throughput"]
    assert tp["sessions"] == 3 and tp["recorded_s"] > 60  # three ~30 s sessions
    runs = tp["runs"]
    assert list(runs) == [
        "baseline (analyze_recording loop)",
        "batch, 1 worker",
        "batch rerun, all unchanged",
    ]
    assert (runs["batch, 1 worker"]["analysed"], runs["batch, 1 worker"]["failed"]) == (3, 0)
    assert runs["batch rerun, all unchanged"]["skipped"] == 3
    assert runs["baseline (analyze_recording loop)"]["speed_vs_baseline"] == 1.0
    assert [(m["sessions"], m["analysed"]) for m in report["memory"]] == [(2, 2), (3, 3)]
    assert all(m["driver_peak_rss_mb"] >= m["driver_rss_before_mb"] > 0 for m in report["memory"])
    docs = tmp_path / "performance.md"
    docs.write_text(
        "# Performance\n\nhand-written text\n\n"
        "<!-- batch:start -->\nold\n<!-- batch:end -->\ntail\n"
    )
    bench.write_section(bench.markdown(report), path=docs)
    text = docs.read_text()
    assert "hand-written text" in text and text.endswith("<!-- batch:end -->\ntail\n")
    assert "old" not in text and "| batch, 1 worker |" in text
