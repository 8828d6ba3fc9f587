"""The report pages: one page per set (:func:`plot_set`) and a session summary.

Every page is a :class:`matplotlib.figure.Figure` built directly (with an Agg canvas
attached), never through pyplot, so making a report touches no global plotting state and
works without a display. Pages are A4 landscape.

- :mod:`repscope.report.set_page`: the set page (traces with the phases shaded, tempo per
  rep against the prescription, bar speed, velocity loss against the stop line, the rep
  table, the flags in words, the bar path, the "next set" line);
- :mod:`repscope.report.summary_page`: the session summary (bar speed per rep of every
  set, tempo per set, tempo consistency, velocity loss, flagged reps, the sets table);
- :mod:`repscope.report.phases`: where each rep's phases lie in time.
"""

from __future__ import annotations

from repscope.report._page import NO_REPS_TEXT
from repscope.report.phases import phase_spans
from repscope.report.set_page import plot_set
from repscope.report.summary_page import plot_session_summary

__all__ = ["NO_REPS_TEXT", "phase_spans", "plot_session_summary", "plot_set"]
