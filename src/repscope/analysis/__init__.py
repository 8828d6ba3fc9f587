"""Analysis engine: sets, reps, tempo phases, bar velocity, smoothness and fault flags.

Start at :func:`analyze_recording`; each stage is its own module (see
:mod:`repscope.analysis.pipeline` for the order).
"""

from repscope.analysis.pipeline import AnalysisConfig, analyze_recording
from repscope.analysis.results import SessionAnalysis

__all__ = ["AnalysisConfig", "SessionAnalysis", "analyze_recording"]
