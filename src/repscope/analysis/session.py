"""One row that identifies an analysed session, shared by batch results and the history.

A session is one recording file. Its identity is the SHA-256 of the file's bytes (plus the
JSON sidecar of a project CSV, which carries the metadata), so renaming or moving a file
keeps its identity and editing it makes a new one.

Session columns (:data:`SESSION_COLUMNS`):

``session_id``
    First 16 hex digits of ``content_sha256``.
``source_path``
    Path of the recording as given.
``content_sha256``
    SHA-256 of the recording's bytes (and its sidecar, when there is one).
``athlete``, ``exercise``, ``load_kg``, ``placement``, ``device``, ``start_time_utc``
    From the recording's metadata, with ``placement`` and ``exercise`` as resolved by the
    analysis (provenance), ``None`` when unknown.
``duration_s``
    Time from the first to the last sample.
``sampling_rate_hz``
    Nominal sampling rate.
``n_sets``, ``n_reps``
    Counts in the analysis.
``repscope_version``
    Version that produced the analysis.
``provenance_json``
    The analysis provenance as a JSON string (algorithms, parameters, tempo).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from repscope.analysis.pipeline import SessionAnalysis

SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "source_path",
    "content_sha256",
    "athlete",
    "exercise",
    "load_kg",
    "placement",
    "device",
    "start_time_utc",
    "duration_s",
    "sampling_rate_hz",
    "n_sets",
    "n_reps",
    "repscope_version",
    "provenance_json",
)

_CHUNK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 (hex) of a recording file, including its JSON sidecar if present.

    The sidecar (``<stem>.json`` beside a project CSV) holds the sampling rate and the
    metadata, so a change to it changes the analysis and must change the identity.
    """
    path = Path(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    sidecar = path.with_suffix(".json")
    if path.suffix.lower() == ".csv" and sidecar.is_file():
        digest.update(b"\0sidecar\0")
        digest.update(sidecar.read_bytes())
    return digest.hexdigest()


def session_record(
    analysis: SessionAnalysis, *, source_path: str | Path, content_sha256: str
) -> dict[str, Any]:
    """Return the session row (:data:`SESSION_COLUMNS`) of one analysed recording."""
    meta = analysis.meta
    prov = analysis.provenance
    traces_time = analysis.traces["time_s"] if len(analysis.traces) else None
    duration = float(traces_time.iloc[-1] - traces_time.iloc[0]) if traces_time is not None else 0.0
    load = meta.get("load_kg")
    return {
        "session_id": content_sha256[:16],
        "source_path": str(source_path),
        "content_sha256": content_sha256,
        "athlete": meta.get("athlete"),
        "exercise": prov.get("exercise", meta.get("exercise")),
        "load_kg": None if load is None else float(load),
        "placement": prov.get("placement", meta.get("placement")),
        "device": meta.get("device"),
        "start_time_utc": meta.get("start_time_utc"),
        "duration_s": duration,
        "sampling_rate_hz": float(meta["sampling_rate_hz"]),
        "n_sets": len(analysis.sets),
        "n_reps": len(analysis.reps),
        "repscope_version": str(prov.get("repscope_version", "")),
        "provenance_json": json.dumps(prov, sort_keys=True, default=str),
    }
