"""Regenerate the report test baselines in tests/report/baseline/.

Run after a deliberate change to the analysis or to the report layout:

    .venv/bin/python scripts/make_report_baselines.py

Every sample recording in sample_data/ is analysed with its prescribed tempo (from the
sidecar) and each page (summary, then every set) is rendered to a small PNG (50 dpi).
tests/report/test_report_images.py renders the same pages with ``render_pages`` and
compares them with these files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from matplotlib.figure import Figure

from repscope.analysis import analyze_recording
from repscope.io import read_recording
from repscope.report import plot_session_summary, plot_set
from repscope.report.style import report_style

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT / "sample_data"
BASELINE_DIR = REPO_ROOT / "tests" / "report" / "baseline"
DPI = 50


def prescribed_tempo(csv_path: Path) -> str | None:
    sidecar = csv_path.with_suffix(".json")
    extra = json.loads(sidecar.read_text()).get("extra") or {} if sidecar.exists() else {}
    tempos = {s.get("tempo") for s in (extra.get("simulator") or {}).get("sets", [])}
    tempos.discard(None)
    return tempos.pop() if len(tempos) == 1 else None


def render_pages() -> Iterator[tuple[str, Figure]]:
    """Yield (file name, page) for every page of every sample recording's report."""
    for csv in sorted(SAMPLE_DIR.glob("*.csv")):
        if csv.name.endswith(".truth.csv"):
            continue
        result = analyze_recording(read_recording(csv), tempo=prescribed_tempo(csv))
        yield f"{csv.stem}-summary.png", plot_session_summary(result, title=csv.name)
        for k in result.sets["set"].astype(int):
            yield f"{csv.stem}-set{k}.png", plot_set(result, int(k), title=csv.name)


def save_page(fig: Figure, path: Path) -> None:
    with report_style():
        fig.savefig(path, dpi=DPI, metadata={"Software": None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BASELINE_DIR, help="baseline folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.png"):
        old.unlink()
    for name, fig in render_pages():
        save_page(fig, args.out / name)
        print(args.out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
