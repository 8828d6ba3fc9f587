"""Hostile input (issue 17): each case is one line and exit status 2, never a traceback."""

from __future__ import annotations

import json
import resource
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.errors import InputError
from repscope.io import read_recording, resample_uniform, write_recording
from repscope.io.parquet import METADATA_KEY
from repscope.io.timebase import MAX_FILL_S, gap_mask
from repscope.recording import Recording, RecordingMeta
from synthetic import bench_set


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, err: str, path: Path) -> str:
    assert code == 2
    assert err.startswith(f"repscope: error: {path}")
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def small_recording(n: int = 600, rate_hz: float = 100.0) -> Recording:
    rng = np.random.default_rng(3)
    acc = rng.normal(0, 0.02, (n, 3)) + np.array([0.0, 0.0, 1.0])
    meta = RecordingMeta(sampling_rate_hz=rate_hz, placement="bar", exercise="bench")
    return Recording.from_arrays(time_s=np.arange(n) / rate_hz, acc_g=acc, meta=meta)


# ------------------------------------------------------------ 17.1: days between stretches
def test_days_long_gap_allocates_nothing_for_it() -> None:
    rec = small_recording()
    second = rec.data.copy()
    second["time_s"] += 11.6 * 86400
    both = Recording(pd.concat([rec.data, second], ignore_index=True), rec.meta)
    out = resample_uniform(both, sampling_rate_hz=100.0)
    assert out.n_samples == 2 * 600 + 1  # two 6 s grids and one gap row between them
    assert gap_mask(out).sum() == 1
    assert out.meta.extra["grid_breaks"] == [[5.99, 11.6 * 86400]]
    np.testing.assert_allclose(np.diff(out.time_s[:600]), 0.01)
    np.testing.assert_allclose(np.diff(out.time_s[601:]), 0.01)
    # a gap shorter than MAX_FILL_S is still filled with gap rows on one grid
    short = both.data.copy()
    short.loc[600:, "time_s"] = rec.time_s + 6.0 + MAX_FILL_S / 2
    filled = resample_uniform(Recording(short, rec.meta), sampling_rate_hz=100.0)
    assert "grid_breaks" not in filled.meta.extra
    assert np.diff(filled.time_s).max() == pytest.approx(0.01)


def test_analyze_two_sets_eleven_days_apart(tmp_path: Path) -> None:
    rec, _truth = bench_set(n_reps=4)
    later = rec.data.copy()
    later["time_s"] += 11.6 * 86400
    both = Recording(pd.concat([rec.data, later], ignore_index=True), rec.meta)
    write_recording(both, tmp_path / "two.csv")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    code, _out, err = run(
        "analyze", str(tmp_path / "two.csv"), "--reps-out", str(tmp_path / "reps.csv")
    )
    assert code == 0, err
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 500  # the whole span at 100 Hz would be 100 million rows (5.7 GB)
    reps = pd.read_csv(tmp_path / "reps.csv")
    late = reps[reps["start_s"] > 11 * 86400]
    assert len(reps) == 8 and len(late) == 4


def test_stretch_after_a_break_gets_every_metric(tmp_path: Path) -> None:
    rec, _truth = bench_set(n_reps=4)
    later = rec.data.copy()
    later["time_s"] += 11.6 * 86400
    write_recording(
        Recording(pd.concat([rec.data, later], ignore_index=True), rec.meta),
        tmp_path / "two.csv",
    )
    code, _out, err = run(
        "analyze", str(tmp_path / "two.csv"), "--reps-out", str(tmp_path / "reps.csv")
    )
    assert code == 0, err
    reps = pd.read_csv(tmp_path / "reps.csv")
    assert reps["eccentric_arrival_ratio"].notna().all()


# -------------------------------------------------- 17.2: declared rate against timestamps
def test_sidecar_rate_contradicting_timestamps(tmp_path: Path) -> None:
    write_recording(small_recording(), tmp_path / "s.csv")
    doc = json.loads((tmp_path / "s.json").read_text())
    doc["sampling_rate_hz"] = 1e9
    (tmp_path / "s.json").write_text(json.dumps(doc))
    code, _, err = run("info", str(tmp_path / "s.csv"))
    err = one_line_error(code, err, tmp_path / "s.csv")
    assert "declared sampling rate 1e+09 Hz (sidecar s.json)" in err
    assert "timestamps (100 samples per second)" in err


def test_sidecar_rate_true_is_not_one_hertz(tmp_path: Path) -> None:
    write_recording(small_recording(), tmp_path / "s.csv")
    doc = json.loads((tmp_path / "s.json").read_text())
    doc["sampling_rate_hz"] = True
    (tmp_path / "s.json").write_text(json.dumps(doc))
    code, _, err = run("info", str(tmp_path / "s.csv"))
    assert code == 2 and "sampling_rate_hz must be a number of Hz, got True" in err
    with pytest.raises(InputError, match="got True"):
        RecordingMeta(sampling_rate_hz=True).validate()  # type: ignore[arg-type]


def test_parquet_metadata_rate_contradicting_timestamps(tmp_path: Path) -> None:
    write_recording(small_recording(), tmp_path / "s.parquet")
    table = pq.read_table(tmp_path / "s.parquet")
    doc = json.loads(table.schema.metadata[METADATA_KEY])
    doc["sampling_rate_hz"] = 12.5
    pq.write_table(
        table.replace_schema_metadata({METADATA_KEY: json.dumps(doc).encode()}),
        tmp_path / "s.parquet",
    )
    with pytest.raises(InputError, match=r"12\.5 Hz \(Parquet metadata\).*100 samples"):
        read_recording(tmp_path / "s.parquet")


def test_metamotion_file_name_rate_contradicting_timestamps(tmp_path: Path) -> None:
    name = (
        "X_MetaWear_2020-02-03T10.11.12.131_D1E2F3A4B5C6_Accelerometer_1000000000.000Hz_1.4.4.csv"
    )
    lines = ["epoch (ms),time (01:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)"]
    for i in range(300):
        lines.append(f"{1580721072000 + 80 * i},2020-02-03T10:11:12.000,{0.08 * i:.3f},0,0,1")
    (tmp_path / name).write_text("\n".join(lines) + "\n")
    code, _, err = run("info", str(tmp_path / name))
    err = one_line_error(code, err, tmp_path / name)
    assert "declared sampling rate 1e+09 Hz (file name 1000000000.000Hz)" in err
    assert "12.5 samples per second" in err


# ------------------------------------ 17.8: time in ms read as s; absurd acceleration values
def test_project_csv_with_milliseconds_says_to_pass_the_time_unit(tmp_path: Path) -> None:
    rec = small_recording()
    frame = rec.data.copy()
    frame["time_s"] = np.arange(600) * 10.0  # 100 Hz, written in ms
    frame.to_csv(tmp_path / "ms.csv", index=False)
    code, _, err = run("info", str(tmp_path / "ms.csv"))
    err = one_line_error(code, err, tmp_path / "ms.csv")
    assert "0.1 samples per second" in err and "--time-unit ms" in err
    # and the option it names reads the file
    code, out, err = run("info", str(tmp_path / "ms.csv"), "--time-unit", "ms", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["timebase"]["nominal_rate_hz"] == 100.0
    assert info["import"]["how"]["columns"] == "the project's column names"


def test_acceleration_of_1e300_is_refused(tmp_path: Path) -> None:
    rec = small_recording()
    write_recording(rec, tmp_path / "big.csv")
    text = (tmp_path / "big.csv").read_text().splitlines()
    cells = text[301].split(",")
    cells[1] = "1e300"
    text[301] = ",".join(cells)
    (tmp_path / "big.csv").write_text("\n".join(text) + "\n")
    code, out, err = run("info", str(tmp_path / "big.csv"))
    err = one_line_error(code, err, tmp_path / "big.csv")
    assert "acc_x_g is 1e+300 g, beyond any sensor's range" in err
    assert "SUSPECT" not in out


# ----------------------------------------------------------------- misleading messages
@pytest.mark.parametrize(
    ("header", "row_suffix", "expected", "not_expected"),
    [
        (
            "time_s,acc_x_g,acc_y_g,acc_z_g,acc_x_g",
            ",0.0",
            "column name 'acc_x_g' appears twice (columns 2 and 5)",
            "acc_x_g.1",
        ),
        (
            "time_s,acc_x_g,acc_y_g,acc_z_g,",
            ",",
            "column 5 of the header has no name (the line ends with a comma)",
            "Unnamed",
        ),
    ],
)
def test_header_problems_are_named(
    tmp_path: Path, header: str, row_suffix: str, expected: str, not_expected: str
) -> None:
    rows = [f"{i / 100!r},0.0,0.0,1.0{row_suffix}" for i in range(600)]
    (tmp_path / "h.csv").write_text("\n".join([header, *rows]) + "\n")
    code, _, err = run("info", str(tmp_path / "h.csv"))
    err = one_line_error(code, err, tmp_path / "h.csv")
    assert expected in err and not_expected not in err
