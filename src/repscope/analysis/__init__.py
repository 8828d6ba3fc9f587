"""Analysis engine: sets, reps, tempo phases, bar velocity, smoothness and fault flags.

Start at :func:`analyze_recording`; each stage is its own module (see
:mod:`repscope.analysis.pipeline` for the order).
"""

from repscope.analysis.pipeline import AnalysisConfig, SessionAnalysis, analyze_recording

__all__ = ["AnalysisConfig", "SessionAnalysis", "analyze_recording"]
