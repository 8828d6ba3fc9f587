"""Shared fixtures: one simulated training block, analysed once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from _history_block import fill, simulate_block

from repscope.analysis import SessionAnalysis, analyze_recording
from repscope.history import open_history
from repscope.recording import Recording


@pytest.fixture(scope="session")
def block_recordings() -> list[Recording]:
    return simulate_block(0, fault_probability=0.2)


@pytest.fixture(scope="session")
def block_analyses(block_recordings: list[Recording]) -> list[SessionAnalysis]:
    return [analyze_recording(r) for r in block_recordings]


@pytest.fixture
def history_path(tmp_path: Path, block_analyses: list[SessionAnalysis]) -> Path:
    """A history file holding the block (athlete ana, bench)."""
    path = tmp_path / "history.sqlite"
    with open_history(path) as history:
        fill(history, block_analyses)
    return path
