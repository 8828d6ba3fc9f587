"""Draw the report images of README.md and docs/training.md from sample_data/.

    .venv/bin/python scripts/make_readme_report.py

Writes, as A4 landscape pages at 100 dpi (1169 x 827 pixels), reproducibly (re-running it
over an unchanged analysis gives the same bytes):

- docs/images/report_bench_ego.png: the set page of sample_data/bench_ego.csv, an
  ego-lifted bench set (README and docs/training.md);
- docs/images/training_*.png: the other pages docs/training.md explains (a controlled
  bench set, a curl with rushed lowering, and a squat session's summary).

Each recording is analysed with the tempo its sample was lifted to (sample_data/README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

from repscope.analysis import analyze_recording
from repscope.io import read_recording
from repscope.report import plot_session_summary, plot_set
from repscope.report.style import report_style
from repscope.report.writer import _METADATA

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "sample_data"
IMAGES = REPO_ROOT / "docs" / "images"
DPI = 100

#: (image, recording, prescribed tempo, page: a set number or "summary").
PAGES: tuple[tuple[str, str, str, int | str], ...] = (
    ("report_bench_ego.png", "bench_ego.csv", "3-1-1-0", 1),
    ("training_bench_controlled.png", "bench_3110_controlled.csv", "3-1-1-0", 1),
    ("training_curl_rushed.png", "curl_wrist_rushed.csv", "3-0-1-0", 1),
    ("training_squat_summary.png", "squat_session.csv", "3-1-X-0", "summary"),
)


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    analyses = {}
    for image, name, tempo, page in PAGES:
        if (name, tempo) not in analyses:
            analyses[name, tempo] = analyze_recording(read_recording(SAMPLES / name), tempo=tempo)
        result = analyses[name, tempo]
        if page == "summary":
            fig = plot_session_summary(result, title=name)
        else:
            fig = plot_set(result, int(page), title=name)
        target = IMAGES / image
        with report_style():
            fig.savefig(target, format="png", dpi=DPI, metadata=_METADATA["png"])
        print(f"{target.relative_to(REPO_ROOT)}: {target.stat().st_size / 1000:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
