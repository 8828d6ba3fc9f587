"""Report pages of the sample recordings against committed baseline images.

The baselines depend on the analysis's numbers, which are still being tuned: when a
change to the analysis (or to the layout) is intended, regenerate them with
``.venv/bin/python scripts/make_report_baselines.py`` and commit the new PNGs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "make_report_baselines.py"
#: RMS difference (0-255 grey levels) allowed: absorbs anti-aliasing differences between
#: FreeType builds, not a moved panel, a missing bar or a changed number.
TOLERANCE = 3.0
REGENERATE = (
    "If the analysis or the report layout changed on purpose, regenerate the baselines: "
    ".venv/bin/python scripts/make_report_baselines.py (see tests/report/README.md)."
)


def _script():
    spec = importlib.util.spec_from_file_location("make_report_baselines", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pages_match_the_baselines(tmp_path):
    script = _script()
    rendered = []
    for name, fig in script.render_pages():
        script.save_page(fig, tmp_path / name)
        rendered.append(name)
    baseline = sorted(
        p.name for p in script.BASELINE_DIR.glob("*.png") if not p.stem.endswith("-failed-diff")
    )
    assert sorted(rendered) == baseline, f"pages differ from the baselines. {REGENERATE}"
    failures = []
    for name in rendered:
        diff = compare_images(
            str(script.BASELINE_DIR / name), str(tmp_path / name), tol=TOLERANCE, in_decorator=True
        )
        if diff is not None:
            failures.append(f"{name}: RMS {diff['rms']:.2f} > {TOLERANCE}")
    if failures:
        pytest.fail(
            "report pages differ from the baselines: " + "; ".join(failures) + f". {REGENERATE}"
        )
