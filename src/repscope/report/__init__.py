"""Set and session reports drawn with matplotlib (PDF, PNG, SVG).

>>> from repscope.io import read_recording
>>> from repscope.analysis import analyze_recording
>>> from repscope.report import write_report
>>> result = analyze_recording(read_recording("sample_data/bench_ego.csv"), tempo="3-1-1-0")
>>> write_report(result, "bench_ego.pdf")  # doctest: +SKIP
[PosixPath('bench_ego.pdf')]

Pages (A4 landscape) are built as :class:`matplotlib.figure.Figure` objects without
pyplot: :func:`plot_set` (:mod:`repscope.report.set_page`) and :func:`plot_session_summary`
(:mod:`repscope.report.summary_page`); colours and fonts live in
:mod:`repscope.report.style`; files are written by :mod:`repscope.report.writer`.
"""

from __future__ import annotations

from repscope.report.figures import NO_REPS_TEXT, phase_spans, plot_session_summary, plot_set
from repscope.report.writer import (
    DEFAULT_PNG_DPI,
    REPORT_FORMATS,
    page_paths,
    report_format,
    write_pdf_report,
    write_report,
)

__all__ = [
    "DEFAULT_PNG_DPI",
    "NO_REPS_TEXT",
    "REPORT_FORMATS",
    "page_paths",
    "phase_spans",
    "plot_session_summary",
    "plot_set",
    "report_format",
    "write_pdf_report",
    "write_report",
]
