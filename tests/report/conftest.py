"""Fixtures of the report tests (helpers live in report_helpers.py)."""

from __future__ import annotations

import pytest
from report_helpers import SAMPLES, sample_analysis

from repscope.analysis import SessionAnalysis


@pytest.fixture(params=SAMPLES)
def sample(request: pytest.FixtureRequest) -> tuple[str, SessionAnalysis]:
    """(name, analysis) of each recording in sample_data/, with its prescribed tempo."""
    return request.param, sample_analysis(request.param)
