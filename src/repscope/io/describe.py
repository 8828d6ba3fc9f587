"""A JSON-ready description of a recording file (what ``repscope info`` shows)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from repscope.io.detect import detect_format
from repscope.io.parquet import METADATA_KEY
from repscope.io.project_csv import sidecar_path
from repscope.io.timebase import gap_mask, timebase_report
from repscope.recording import RESTING_MAGNITUDE_RANGE_G, Recording


def metadata_source(recording: Recording, path: str | Path, fmt: str) -> str:
    """Say where a recording's metadata came from (sidecar, embedded, file name, inferred)."""
    p = Path(path)
    rate_source = recording.meta.extra.get("sampling_rate_source")
    if fmt == "csv":
        side = sidecar_path(p)
        text = f"sidecar {side.name}" if side.exists() else "none (no sidecar)"
    elif fmt == "parquet":
        metadata = pq.read_schema(p).metadata or {}
        text = "embedded in the Parquet file" if METADATA_KEY in metadata else "none"
    elif fmt == "generic":
        text = "none (a CSV from another sensor; columns and units in 'import')"
    else:
        text = "MetaMotion file names"
    if rate_source:
        text = f"{text}; sampling rate {rate_source}"
    return text


def units_check(recording: Recording) -> dict[str, Any]:
    """Median acceleration magnitude and whether it is plausible for g (at rest ~1 g)."""
    mask = ~gap_mask(recording)
    magnitude = np.linalg.norm(recording.acc_g[mask], axis=1)
    median = float(np.median(magnitude)) if magnitude.size else math.nan
    low, high = RESTING_MAGNITUDE_RANGE_G
    return {
        "acc_unit": "g",
        "median_acc_magnitude_g": median,
        "ok": bool(low <= median <= high),
        "expected_range_g": [low, high],
    }


def describe_recording(recording: Recording, *, path: str | Path, fmt: str) -> dict[str, Any]:
    """Return a JSON-serialisable description of a recording read from ``path``."""
    meta = recording.meta
    report = timebase_report(recording)
    return {
        "file": str(path),
        "format": fmt,
        "metadata_source": metadata_source(recording, path, fmt),
        "device": meta.device,
        "placement": meta.placement,
        "exercise": meta.exercise,
        "load_kg": meta.load_kg,
        "athlete": meta.athlete,
        "start_time_utc": meta.start_time_utc,
        "duration_s": recording.duration_s,
        "n_samples": recording.n_samples,
        "has_gyro": recording.has_gyro,
        "units": units_check(recording),
        "timebase": report.to_dict(),
        "import": meta.extra.get("import"),
        "stale_rows_removed": meta.extra.get("stale_rows_removed"),
        "extra": meta.extra,
    }


def describe_file(path: str | Path, *, format: str | None = None) -> dict[str, Any]:
    """Read ``path`` (see :func:`repscope.io.read_recording`) and describe it."""
    from repscope.io import read_recording

    fmt = format or detect_format(path)
    recording = read_recording(path, format=fmt)
    return describe_recording(recording, path=path, fmt=fmt)
