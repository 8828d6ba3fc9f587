"""Training history: every analysed session, its sets and reps, in one SQLite file.

>>> from repscope.history import open_history
>>> with open_history("history.sqlite") as history:  # doctest: +SKIP
...     history.add_file("sample_data/bench_3110_controlled.csv", athlete="ana")
...     history.sessions(athlete="ana", exercise="bench", since="2025-01-01")

The store is :mod:`repscope.history.store` (file location, filters), the schema and its
migrations :mod:`repscope.history.schema`, and the trend maths (tempo consistency, flagged
reps, load-velocity profile, estimated 1RM) :mod:`repscope.history.trends`.
"""

from __future__ import annotations

from repscope.history.schema import SCHEMA_VERSION
from repscope.history.store import (
    REP_TABLE_COLUMNS,
    SESSION_TABLE_COLUMNS,
    SET_TABLE_COLUMNS,
    History,
    open_history,
)
from repscope.history_path import HISTORY_ENV, default_history_path

__all__ = [
    "HISTORY_ENV",
    "REP_TABLE_COLUMNS",
    "SCHEMA_VERSION",
    "SESSION_TABLE_COLUMNS",
    "SET_TABLE_COLUMNS",
    "History",
    "default_history_path",
    "open_history",
]
