"""Helpers shared by the benchmark scripts: provenance, error statistics, docs sections, JSON.

The scripts measure whatever :mod:`repscope.analysis` holds in the working tree when they
run; :func:`provenance` records the git commit and whether the analysis sources differ
from it, so every published figure can be traced to the code that produced it.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS_PATH = REPO_ROOT / "docs" / "accuracy.md"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"

#: Sections of docs/accuracy.md, each between ``<!-- name:start -->`` and ``<!-- name:end -->``.
SECTIONS: tuple[str, ...] = ("sim", "real", "bar_real", "speed")

_DOC_SKELETON = """# Accuracy and speed of the analysis engine

What `repscope.analysis.analyze_recording` gets right and wrong, measured by the three
scripts in `benchmarks/` (see `benchmarks/README.md`). The figures below are written by the
scripts themselves (`--write-docs`); each section names the date and the git commit it
measured. The algorithms are still being tuned, so read every table as a snapshot.

## How to reproduce

```bash
.venv/bin/python benchmarks/accuracy_sim.py --write-docs      # simulated sets, ~15 s
.venv/bin/python benchmarks/accuracy_real.py --write-docs     # real wrist recordings
.venv/bin/python benchmarks/speed.py --write-docs             # one hour at 100 Hz, ~20 s
```

Each script also prints its tables and writes all numbers (per set and per rep) to
`benchmarks/results/<script>.json` (or `--out PATH`).

## Published anchors

From `shared/notes/science.md`; set them beside the measured figures below.

- Rep counting from a wrist/arm IMU: RecoFit (Morris et al., CHI 2014,
  doi:10.1145/2556288.2557116) within one rep in 93% of sets; a smartwatch CrossFit
  study within one rep in 91%.
- Rep detection on the bar: GymAware (cable) about 99.5% of reps; camera apps 70-94%.
- Mean concentric velocity: bar IMU (Vmaxpro) against a cable transducer, bias
  0.01 ± 0.04 m/s; an open bar-IMU pipeline reached RMSE 35 mm/s (range of motion about
  55 mm) against optical markers but matched only about 95% of reps.

## Simulated sets

<!-- sim:start -->
_Not measured yet: run `benchmarks/accuracy_sim.py --write-docs`._
<!-- sim:end -->

## Real wrist recordings

<!-- real:start -->
_Not measured yet: run `benchmarks/accuracy_real.py --write-docs`._
<!-- real:end -->

## Real bar recordings

<!-- bar_real:start -->
_Not measured yet: run `benchmarks/accuracy_bar_real.py --write-docs`._
<!-- bar_real:end -->

## Speed

<!-- speed:start -->
_Not measured yet: run `benchmarks/speed.py --write-docs`._
<!-- speed:end -->
"""


def realdata_folder(name: str, override: Path | None = None) -> Path:
    """Folder ``name`` of the real recordings, read in place (never copied).

    ``override`` (a ``--realdata`` option), else ``$REPSCOPE_REALDATA``, else
    ``<repo>/../shared/realdata``; either the collection's own folder (it holds
    ``labels.csv``) or the folder above it.
    """
    if override is not None:
        root = override
    elif os.environ.get("REPSCOPE_REALDATA"):
        root = Path(os.environ["REPSCOPE_REALDATA"])
    else:
        root = REPO_ROOT.parent / "shared" / "realdata"
    return root if (root / "labels.csv").exists() else root / name


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def provenance() -> dict[str, Any]:
    """Date, git commit and environment of a benchmark run.

    ``analysis_dirty`` is True when ``src/repscope`` has uncommitted changes: the figures
    then describe the working tree, not the commit alone.
    """
    import repscope

    commit = _git("rev-parse", "--short=10", "HEAD")
    dirty = sorted(
        line[3:] for line in _git("status", "--porcelain", "--", "src/repscope").splitlines()
    )
    return {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git_commit": commit or "unknown",
        "src_uncommitted": dirty,
        "analysis_dirty": any(p.startswith("src/repscope/analysis") for p in dirty),
        "repscope_version": repscope.__version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


def provenance_line(prov: dict[str, Any]) -> str:
    """One markdown line naming date, commit and working-tree state."""
    state = ""
    if prov["src_uncommitted"]:
        analysis = [p for p in prov["src_uncommitted"] if p.startswith("src/repscope/analysis")]
        state = (
            f" plus uncommitted changes in {len(prov['src_uncommitted'])} file(s) of src/repscope"
            + (f" (analysis: {', '.join(Path(p).name for p in analysis)})" if analysis else "")
        )
    return (
        f"Measured {prov['date_utc']} on commit `{prov['git_commit']}`{state}; "
        f"repscope {prov['repscope_version']}, Python {prov['python']}, "
        f"{prov['cpu_count']} CPU(s)."
    )


def error_stats(errors: np.ndarray | list[float], *, within: float) -> dict[str, Any]:
    """Summary of signed errors (measured - true).

    Returns ``n``, ``bias`` (mean), ``sd``, 95% limits of agreement ``loa_low``/``loa_high``
    (``bias ± 1.96 sd``, Bland & Altman 1986, doi:10.1016/S0140-6736(86)90837-8),
    ``median_abs``, ``p95_abs`` and ``within`` (share of ``|error| <= within``). NaN
    errors (a quantity missing on either side) are left out and counted in ``n_missing``.
    """
    e = np.asarray(errors, dtype=float)
    missing = int(np.sum(~np.isfinite(e)))
    e = e[np.isfinite(e)]
    if e.size == 0:
        return {"n": 0, "n_missing": missing, "within_limit": within}
    sd = float(e.std(ddof=1)) if e.size > 1 else math.nan
    bias = float(e.mean())
    return {
        "n": int(e.size),
        "n_missing": missing,
        "bias": bias,
        "sd": sd,
        "loa_low": bias - 1.96 * sd,
        "loa_high": bias + 1.96 * sd,
        "median_abs": float(np.median(np.abs(e))),
        "p95_abs": float(np.percentile(np.abs(e), 95)),
        "within_limit": within,
        "within": float(np.mean(np.abs(e) <= within + 1e-12)),
    }


def pct(x: float | None, digits: int = 1) -> str:
    """Format a share as a percentage; ``-`` for missing."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{100 * x:.{digits}f}%"


def num(x: float | None, digits: int = 3) -> str:
    """Format a number; ``-`` for missing."""
    if x is None or not math.isfinite(float(x)):
        return "-"
    return f"{x:.{digits}f}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def rich_table(title: str, header: list[str], rows: list[list[str]]) -> Any:
    """The same table for the terminal (rich)."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        table.add_row(*[str(c) for c in r])
    return table


def write_section(name: str, markdown: str, *, path: Path = DOCS_PATH) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->``.

    The file is created from a skeleton holding every section's markers when absent;
    the other sections are left exactly as they are.
    """
    if name not in SECTIONS:
        raise ValueError(f"unknown docs section {name!r}")
    text = path.read_text(encoding="utf-8") if path.exists() else _DOC_SKELETON
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        text = text.rstrip("\n") + f"\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    body = markdown.strip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{start}\n{body}\n{end}{tail}", encoding="utf-8")


def replace_marked(path: Path, name: str, markdown: str) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` in ``path``.

    Unlike :func:`write_section`, the markers must already be there (``SystemExit`` if not):
    the surrounding prose of that page is written by hand.
    """
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        raise SystemExit(f"{path} has no {start} ... {end} section")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{markdown.strip()}\n{end}{tail}", encoding="utf-8")


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write ``data`` as JSON (NaN and infinity become null) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_clean(data), indent=1) + "\n", encoding="utf-8")
    return path


def default_out(script: str) -> Path:
    """Default JSON output path of a script."""
    return RESULTS_DIR / f"{script}.json"
