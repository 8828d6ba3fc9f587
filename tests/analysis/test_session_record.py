from __future__ import annotations

import json
import shutil
from pathlib import Path

import repscope
from repscope.analysis import analyze_recording
from repscope.analysis.session import SESSION_COLUMNS, file_sha256, session_record
from repscope.io import read_recording

SAMPLE = Path(__file__).parents[2] / "sample_data" / "bench_3110_controlled.csv"


def test_session_record_columns_and_values(tmp_path: Path) -> None:
    analysis = analyze_recording(read_recording(SAMPLE))
    digest = file_sha256(SAMPLE)
    row = session_record(analysis, source_path=SAMPLE, content_sha256=digest)
    assert tuple(row) == SESSION_COLUMNS
    assert row["session_id"] == digest[:16]
    assert row["n_reps"] == len(analysis.reps) > 0
    assert row["repscope_version"] == repscope.__version__
    assert json.loads(row["provenance_json"])["exercise"] == row["exercise"] == "bench"


def test_hash_follows_content_and_sidecar(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.csv"
    shutil.copy(SAMPLE, copy)
    shutil.copy(SAMPLE.with_suffix(".json"), copy.with_suffix(".json"))
    assert file_sha256(copy) == file_sha256(SAMPLE)
    sidecar = copy.with_suffix(".json")
    sidecar.write_text(sidecar.read_text().replace('"load_kg": 80', '"load_kg": 82.5'))
    assert file_sha256(copy) != file_sha256(SAMPLE)
