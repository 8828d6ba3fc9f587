"""Fixtures of the batch tests (the recordings are described in _batch_recordings.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _batch_recordings import build_recordings


@pytest.fixture(scope="session")
def recordings_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recordings folder, built once; do not change it (use ``recordings``)."""
    return build_recordings(tmp_path_factory.mktemp("recordings"))


@pytest.fixture
def recordings(recordings_src: Path, tmp_path: Path) -> Path:
    """A fresh copy of the recordings folder that a test may change."""
    return Path(shutil.copytree(recordings_src, tmp_path / "recordings"))


@pytest.fixture
def sample_data() -> Path:
    return Path(__file__).resolve().parents[2] / "sample_data"
