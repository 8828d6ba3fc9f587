"""run_batch through the library: outputs, columns, failures, cache, hook, streaming parts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from _batch_recordings import STEM

import repscope
from repscope.analysis import analyze_recording
from repscope.analysis.session import SESSION_COLUMNS, file_sha256
from repscope.analysis.tables import REP_COLUMNS, SET_COLUMNS
from repscope.batch import COLUMNS, SCHEMAS, run_batch
from repscope.batch import store as store_module
from repscope.batch.schema import REP_SESSION_COLUMNS, column_type
from repscope.errors import InputError
from repscope.io import read_recording

ACC = f"wrist/{STEM}_Accelerometer_50.000Hz_1.4.4.csv"
#: Options under which every file of the recordings folder can be analysed (the
#: MetaMotion export names neither placement nor exercise).
ALL_OK: dict[str, Any] = {"placement": "wrist", "exercise": "curl"}


def _run(paths: list[Any], out: Path, **kwargs: Any) -> Any:
    kwargs.setdefault("workers", 1)
    kwargs.setdefault("progress", False)
    return run_batch(paths, out_dir=out, **kwargs)


def _tables(out: Path, fmt: str = "parquet") -> dict[str, pd.DataFrame]:
    if fmt == "parquet":
        return {t: pd.read_parquet(out / f"{t}.parquet") for t in ("sessions", "sets", "reps")}
    return {t: pd.read_csv(out / f"{t}.csv") for t in ("sessions", "sets", "reps")}


# ------------------------------------------------------------------ outputs and columns
def test_outputs_match_the_single_file_analysis(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = _run([sample_data], out)
    assert (summary.files, summary.analysed, summary.skipped, summary.failed) == (4, 4, 0, 0)
    assert summary.exit_code == 0
    tables = _tables(out)
    assert tuple(tables["sessions"].columns) == SESSION_COLUMNS
    assert tuple(tables["sets"].columns) == COLUMNS["sets"]
    assert tuple(tables["reps"].columns) == (*REP_SESSION_COLUMNS, *REP_COLUMNS)
    files = sorted(sample_data.glob("*.csv"), key=str)
    files = [f for f in files if not f.name.endswith(".truth.csv")]
    assert list(tables["sessions"]["source_path"]) == [str(f) for f in files]
    reps = tables["reps"]
    for path in files:
        expected = analyze_recording(read_recording(path))
        got = reps[reps["source_path"] == str(path)].reset_index(drop=True)
        assert len(got) == len(expected.reps) > 0
        # every rep row carries its session's identity and metadata
        assert set(got["session_id"]) == {file_sha256(path)[:16]}
        assert set(got["exercise"]) == {expected.provenance["exercise"]}
        assert set(got["placement"]) == {expected.provenance["placement"]}
        assert set(got["load_kg"]) == {float(expected.meta["load_kg"])}
        assert set(got["repscope_version"]) == {repscope.__version__}
        pd.testing.assert_frame_equal(
            got[list(REP_COLUMNS)],
            expected.reps[list(REP_COLUMNS)].reset_index(drop=True),
            check_dtype=False,
        )
        sets = tables["sets"][tables["sets"]["source_path"] == str(path)]
        assert list(sets["n_reps"]) == list(expected.sets["n_reps"])
        assert list(sets["verdict"]) == list(expected.sets["verdict"])
    assert summary.reps == len(reps) and summary.sets == len(tables["sets"])
    assert summary.recording_s == pytest.approx(tables["sessions"]["duration_s"].sum())
    # sorted by source path, set, rep
    assert reps.equals(reps.sort_values(["source_path", "set", "rep"], kind="stable"))


def test_schema_types_match_the_analysis_tables(sample_data: Path) -> None:
    analysis = analyze_recording(read_recording(sample_data / "squat_session.csv"))
    for frame, columns in ((analysis.reps, REP_COLUMNS), (analysis.sets, SET_COLUMNS)):
        for name in columns:
            kind = {"i": "int64", "f": "double"}.get(frame[name].dtype.kind, "string")
            assert str(column_type(name)) == kind, name


def test_csv_output_holds_the_same_rows(recordings: Path, tmp_path: Path) -> None:
    _run([recordings], tmp_path / "pq", placement="bar", exercise="bench")
    summary = _run([recordings], tmp_path / "csv", placement="bar", exercise="bench", fmt="csv")
    assert sorted(p.name for p in summary.outputs.values()) == [
        "reps.csv",
        "sessions.csv",
        "sets.csv",
    ]
    parquet, csv = _tables(tmp_path / "pq"), _tables(tmp_path / "csv", "csv")
    for table in ("sessions", "sets", "reps"):
        assert list(csv[table].columns) == list(COLUMNS[table])
        # CSV writes a missing and an empty string alike (pandas reads both as NaN)
        text = [c for c in COLUMNS[table] if str(SCHEMAS[table].field(c).type) == "string"]
        for frame in (csv[table], parquet[table]):
            frame[text] = frame[text].astype(object).fillna("")
        pd.testing.assert_frame_equal(
            csv[table], parquet[table], check_dtype=False, check_exact=False, rtol=1e-12
        )


def test_switching_format_removes_the_other_formats_tables(
    sample_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _run([sample_data / "bench_ego.csv"], out)
    _run([sample_data / "bench_ego.csv"], out, fmt="csv")
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == [
        "manifest.json",
        "reps.csv",
        "sessions.csv",
        "sets.csv",
    ]


# ------------------------------------------------------------------ failures
def test_bad_files_are_reported_and_the_rest_completes(recordings: Path, tmp_path: Path) -> None:
    (recordings / "bench" / "m_broken.csv").write_text("time_s,acc_x_g,acc_y_g,acc_z_g\n0,1,x,0\n")
    (recordings / "bench" / "n_empty.csv").write_bytes(b"")
    summary = _run([recordings], tmp_path / "out")
    reasons = {Path(f.path).name: f.reason for f in summary.failures}
    assert set(reasons) == {"m_broken.csv", "n_empty.csv", Path(ACC).name}
    assert "line 2" in reasons["m_broken.csv"] and "acc_y_g" in reasons["m_broken.csv"]
    assert "empty file" in reasons["n_empty.csv"]
    assert "placement is unknown" in reasons[Path(ACC).name]  # MetaMotion has no placement
    assert all("\n" not in r for r in reasons.values())
    assert (summary.analysed, summary.failed, summary.exit_code) == (2, 3, 1)
    sessions = _tables(tmp_path / "out")["sessions"]
    assert [Path(p).name for p in sessions["source_path"]] == ["ann_bench.csv", "bob_squat.parquet"]


def test_options_apply_to_every_file(recordings: Path, tmp_path: Path) -> None:
    summary = _run([recordings], tmp_path / "out", placement="wrist", exercise="curl")
    assert summary.failed == 0
    sessions = _tables(tmp_path / "out")["sessions"]
    assert set(sessions["placement"]) == {"wrist"} and set(sessions["exercise"]) == {"curl"}


def test_unexpected_exception_is_an_internal_error(
    recordings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import repscope.analysis

    real = repscope.analysis.analyze_recording

    def flaky(recording: Any, **kwargs: Any) -> Any:
        if recording.meta.exercise == "squat":
            raise ZeroDivisionError("boom")
        return real(recording, **kwargs)

    monkeypatch.setattr(repscope.analysis, "analyze_recording", flaky)
    summary = _run([recordings / "bench", recordings / "squat"], tmp_path / "out")
    (failure,) = summary.failures
    assert failure.path.endswith("bob_squat.parquet") and failure.internal
    assert failure.reason == "internal error (ZeroDivisionError: boom)"
    assert summary.analysed == 1


def test_bad_options_are_usage_errors(sample_data: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="tempo"):
        _run([sample_data], tmp_path / "a", tempo="3-1")
    with pytest.raises(InputError, match="exercise"):
        _run([sample_data], tmp_path / "b", exercise="juggling")
    with pytest.raises(InputError, match="placement"):
        _run([sample_data], tmp_path / "c", placement="ankle")
    with pytest.raises(InputError, match="no recordings found"):
        _run([str(sample_data / "*.json")], tmp_path / "d")
    with pytest.raises(InputError, match="workers"):
        _run([sample_data], tmp_path / "e", workers=0)


# ------------------------------------------------------------------ cache
def test_rerun_skips_unchanged_files_and_force_redoes_them(
    recordings: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = _run([recordings], out, **ALL_OK)
    before = _tables(out)
    second = _run([recordings], out, **ALL_OK)
    assert (second.analysed, second.skipped, second.failed) == (0, 3, 0)
    assert second.executor.startswith("none")  # no worker was started
    assert (second.sessions, second.sets, second.reps) == (first.sessions, first.sets, first.reps)
    for name, frame in _tables(out).items():
        pd.testing.assert_frame_equal(frame, before[name])
    forced = _run([recordings], out, **ALL_OK, force=True)
    assert (forced.analysed, forced.skipped) == (3, 0)
    for name, frame in _tables(out).items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_changed_file_is_analysed_again(recordings: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run([recordings], out, **ALL_OK)
    sidecar = recordings / "bench" / "ann_bench.json"
    meta = json.loads(sidecar.read_text())
    meta["load_kg"] = 65  # the sidecar is part of the content
    sidecar.write_text(json.dumps(meta))
    summary = _run([recordings], out, **ALL_OK)
    assert (summary.analysed, summary.skipped) == (1, 2)
    reps = _tables(out)["reps"]
    assert set(reps[reps["athlete"] == "ann"]["load_kg"]) == {65.0}
    # the gyroscope half of a MetaMotion pair is part of the recording too
    gyro = next((recordings / "wrist").glob("*Gyroscope*"))
    gyro.write_bytes(gyro.read_bytes().replace(b"\r\n", b"\n"))  # same values, new bytes
    summary = _run([recordings], out, **ALL_OK)
    assert (summary.analysed, summary.skipped) == (1, 2)


@pytest.mark.parametrize(
    ("change", "expect_analysed"),
    [
        ({"tempo": "3-1-1-0"}, 3),
        ({"tempo": "2-0-1-0"}, 0),  # the same tempo written another way
        ({"exercise": "row"}, 3),
        ({"placement": "bar"}, 3),
    ],
)
def test_options_are_part_of_the_cache_key(
    recordings: Path, tmp_path: Path, change: dict[str, str], expect_analysed: int
) -> None:
    out = tmp_path / "out"
    _run([recordings], out, **ALL_OK, tempo="2010")
    options = {**ALL_OK, "tempo": "2010", **change}
    assert _run([recordings], out, **options).analysed == expect_analysed


def test_new_repscope_version_invalidates_the_cache(
    sample_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _run([sample_data / "bench_ego.csv"], out)
    monkeypatch.setattr(repscope, "__version__", "99.0")
    assert _run([sample_data / "bench_ego.csv"], out).analysed == 1


def test_output_holds_only_this_runs_files(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run([sample_data], out)
    summary = _run([sample_data / "bench_ego.csv"], out)
    assert (summary.analysed, summary.skipped, summary.sessions) == (0, 1, 1)
    assert list(_tables(out)["sessions"]["source_path"]) == [str(sample_data / "bench_ego.csv")]


def test_manifest_of_another_layout_is_ignored(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _run([sample_data / "bench_ego.csv"], out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["layout_version"] = store_module.LAYOUT_VERSION - 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    summary = _run([sample_data / "bench_ego.csv"], out)
    assert (summary.analysed, summary.skipped) == (1, 0)
    assert [p.name for p in (out / "parts" / "reps").iterdir()] == ["part-00002.parquet"]


def test_corrupt_manifest_is_a_usage_error(sample_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match="manifest"):
        _run([sample_data], out)


# ------------------------------------------------------------------ streaming and the hook
def test_results_are_streamed_in_parts_and_assembled_in_order(
    sample_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run([sample_data], tmp_path / "one_part")
    monkeypatch.setattr(store_module, "PART_SESSIONS", 1)
    monkeypatch.setattr(store_module, "OUTPUT_ROW_GROUP_ROWS", 10)
    out = tmp_path / "parts"
    _run([sample_data], out)
    assert len(list((out / "parts" / "reps").glob("part-*.parquet"))) == 4
    assert pq.ParquetFile(out / "reps.parquet").num_row_groups > 1
    for name, frame in _tables(out).items():
        pd.testing.assert_frame_equal(frame, _tables(tmp_path / "one_part")[name])
    assert pq.read_schema(out / "reps.parquet").equals(SCHEMAS["reps"])
    # a forced rerun writes new parts and deletes the ones nothing refers to any more
    _run([sample_data], out, force=True)
    assert sorted(p.name for p in (out / "parts" / "reps").iterdir()) == [
        f"part-{n:05d}.parquet" for n in range(5, 9)
    ]


def test_on_session_sees_each_analysed_file_once(sample_data: Path, tmp_path: Path) -> None:
    seen: list[tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]] = []
    out = tmp_path / "out"
    _run([sample_data], out, on_session=lambda row, sets, reps: seen.append((row, sets, reps)))
    assert sorted(row["source_path"] for row, _, _ in seen) == sorted(
        str(p) for p in sample_data.glob("*.csv") if not p.name.endswith(".truth.csv")
    )
    reps = _tables(out)["reps"]
    for row, sets, hook_reps in seen:
        assert tuple(row) == SESSION_COLUMNS
        assert row["n_reps"] == len(hook_reps) and row["n_sets"] == len(sets)
        expected = reps[reps["source_path"] == row["source_path"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(hook_reps, expected)
    seen.clear()
    _run([sample_data], out)
    assert seen == []  # skipped files are not passed again


def test_interrupted_batch_keeps_finished_results(sample_data: Path, tmp_path: Path) -> None:
    calls = []

    def stop_after_two(row: dict[str, Any], sets: pd.DataFrame, reps: pd.DataFrame) -> None:
        calls.append(row["source_path"])
        if len(calls) == 2:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        _run([sample_data], out, on_session=stop_after_two)
    # the file the hook failed on is not cached: the next run analyses it again
    summary = _run([sample_data], out)
    assert (summary.skipped, summary.analysed) == (1, 3)


def test_killed_batch_keeps_what_it_finished(sample_data: Path, tmp_path: Path) -> None:
    """kill -9 runs no cleanup: parts must already be on disk (issue 17, batch progress)."""
    import subprocess
    import sys
    import textwrap

    out = tmp_path / "out"
    code = textwrap.dedent(
        f"""
        import os, signal
        from repscope.batch import run_batch, store
        store.PART_INTERVAL_S = 0.0  # a part per session, as after 10 s of a real batch
        seen = []
        def hook(row, sets, reps):
            seen.append(row)
            if len(seen) == 3:
                os.kill(os.getpid(), signal.SIGKILL)
        run_batch([{str(sample_data)!r}], out_dir={str(out)!r}, workers=1, progress=False,
                  on_session=hook)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    summary = _run([sample_data], out)
    assert (summary.skipped, summary.analysed) == (2, 2)
