"""Shared fixtures: where the real recordings are, and how to treat their absence."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the same examples every time (a red CI must be reproducible); locally, explore.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]


def realdata_root() -> Path:
    """Folder of ../shared/realdata (or $REPSCOPE_REALDATA)."""
    env = os.environ.get("REPSCOPE_REALDATA")
    if env:
        return Path(env)
    return REPO_ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def metamotion_wrist_dir() -> Path:
    """The real MetaMotion wrist recordings; skipped when absent, except in CI."""
    folder = realdata_root() / "metamotion_wrist"
    if not (folder / "labels.csv").exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data missing in CI: {folder}")
        pytest.skip(f"real data not found at {folder} (set REPSCOPE_REALDATA)")
    return folder
