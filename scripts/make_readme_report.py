"""Draw the report image shown in README.md from sample_data/bench_ego.csv.

    .venv/bin/python scripts/make_readme_report.py

Writes docs/images/report_bench_ego.png (A4 page at 100 dpi, about 830 x 1170 pixels),
reproducibly: re-running it over an unchanged analysis gives the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from repscope.analysis import analyze_recording
from repscope.io import read_recording
from repscope.report import write_report

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE = REPO_ROOT / "sample_data" / "bench_ego.csv"
TARGET = REPO_ROOT / "docs" / "images" / "report_bench_ego.png"
PRESCRIBED_TEMPO = "3-1-1-0"  # as in sample_data/README.md


def main() -> int:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    result = analyze_recording(read_recording(SOURCE), tempo=PRESCRIBED_TEMPO)
    for path in write_report(result, TARGET, title=SOURCE.name, dpi=100):
        print(f"{path.relative_to(REPO_ROOT)}: {path.stat().st_size / 1000:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
