"""Analyse folders of recordings into session, set and rep tables, locally or on Dask.

>>> from repscope.batch import run_batch
>>> summary = run_batch(["recordings/"], out_dir="results/", workers=2)  # doctest: +SKIP
>>> summary.reps, summary.failed  # doctest: +SKIP

:func:`run_batch` finds the recordings (:func:`discover`), skips those whose cached
result is current (content hash, options and repscope version, in
``out_dir/manifest.json``), analyses the rest in parallel (local processes or a Dask
cluster), streams the results to ``out_dir/parts/`` and assembles ``sessions``, ``sets``
and ``reps`` tables (Parquet or CSV) sorted by source path, set and rep. Columns:
:mod:`repscope.batch.schema`. Output folder layout and caching:
:mod:`repscope.batch.store`. Backends: :mod:`repscope.batch.executors`. What a worker
does with one file: :mod:`repscope.batch.worker`.

Reading the results::

    import pandas as pd
    reps = pd.read_parquet("results/reps.parquet")
    reps.groupby(["athlete", "exercise", "load_kg"])["mean_concentric_velocity_mps"].mean()
"""

from __future__ import annotations

from repscope.batch.discover import discover
from repscope.batch.runner import BatchSummary, FileFailure, SessionHook, run_batch
from repscope.batch.schema import COLUMNS, ROW_SESSION_COLUMNS, SCHEMAS, TABLES

__all__ = [
    "COLUMNS",
    "ROW_SESSION_COLUMNS",
    "SCHEMAS",
    "TABLES",
    "BatchSummary",
    "FileFailure",
    "SessionHook",
    "discover",
    "run_batch",
]
