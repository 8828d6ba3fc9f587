"""CSVs from other sensors: layout and units given, or told from physics."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bursty import G, tilting_stream, write_csv
from repscope.errors import InputError
from repscope.io import CsvImport, detect_format, read_recording
from repscope.io.layout import gyro_coupling_ratio, infer_time_unit
from repscope.io.timebase import stream_rate_hz, timebase_report


def _check_values(rec, stream) -> None:  # type: ignore[no-untyped-def]
    np.testing.assert_allclose(rec.time_s, stream.time_s, atol=1e-12)
    np.testing.assert_allclose(rec.acc_g, stream.acc_g, atol=1e-6)
    np.testing.assert_allclose(rec.gyr_dps, stream.gyr_dps, atol=1e-4)


def test_headerless_ble_stream_needs_no_options(tmp_path: Path) -> None:
    stream = tilting_stream()
    write_csv(stream, tmp_path / "s.csv")
    assert detect_format(tmp_path / "s.csv") == "generic"
    rec = read_recording(tmp_path / "s.csv")
    spec = rec.meta.extra["import"]
    assert spec["time"] == "column 2" and spec["time_unit"] == "ms"
    assert spec["acc"] == ["column 3", "column 4", "column 5"] and spec["acc_unit"] == "m/s2"
    assert spec["gyr"] == ["column 6", "column 7", "column 8"] and spec["gyr_unit"] == "rad/s"
    assert spec["header"] is False
    assert "inferred" in spec["how"]["gyr_unit"] and "sure" in spec["how"]["gyr_unit"]
    _check_values(rec, stream)
    assert rec.meta.extra["stale_rows_removed"] == stream.n_stale > 100
    assert rec.meta.extra["rows_read"] == stream.rows.shape[0]
    assert rec.meta.extra["time_origin_s"] == pytest.approx(304.079)
    # two samples every 30 ms: 66.7 samples/s (1 / median interval would say 38.5 Hz)
    assert rec.meta.sampling_rate_hz == pytest.approx(66.7, abs=0.05)
    assert rec.meta.extra["sampling_rate_source"] == "distinct-sample rate of the timestamps"


@pytest.mark.parametrize(
    ("time_unit", "acc_unit", "gyr_unit"),
    [("s", "g", "deg/s"), ("us", "g", "rad/s"), ("ms", "m/s2", "deg/s")],
)
def test_other_units_are_told_apart(
    tmp_path: Path, time_unit: str, acc_unit: str, gyr_unit: str
) -> None:
    stream = tilting_stream(time_unit=time_unit, acc_unit=acc_unit, gyr_unit=gyr_unit)
    write_csv(stream, tmp_path / "s.csv", decimals=9)
    rec = read_recording(tmp_path / "s.csv")
    spec = rec.meta.extra["import"]
    assert (spec["time_unit"], spec["acc_unit"], spec["gyr_unit"]) == (
        time_unit,
        acc_unit,
        gyr_unit,
    )
    _check_values(rec, stream)


def test_coupling_ratio_separates_rad_from_deg() -> None:
    stream = tilting_stream(stale_every=0)
    rows = stream.rows
    t = (rows[:, 1] - rows[0, 1]) / 1000
    rad, _ = gyro_coupling_ratio(t, rows[:, 2:5], rows[:, 5:8])
    deg, _ = gyro_coupling_ratio(t, rows[:, 2:5], np.degrees(rows[:, 5:8]))
    assert 0.7 < rad < 1.3
    assert deg == pytest.approx(rad * math.pi / 180, rel=1e-6)


def test_time_unit_needs_a_plausible_rate() -> None:
    t = np.arange(1000) * 10.0  # 100 Hz in ms
    assert infer_time_unit(t)[0] == "ms"
    assert infer_time_unit(t / 1000)[0] == "s"
    with pytest.raises(InputError, match="--time-unit"):
        infer_time_unit(np.arange(3) * 1e-9)


def test_columns_by_name_or_position_with_units_given(tmp_path: Path) -> None:
    stream = tilting_stream(gyr_unit="deg/s")
    header = "node,t_ms,ax,ay,az,gx,gy,gz,mx,my,mz"
    write_csv(stream, tmp_path / "h.csv", header=header)
    by_name = CsvImport(("t_ms", "ax", "ay", "az", "gx", "gy", "gz"), "ms", "m/s2", "deg/s")
    by_position = CsvImport(("2", "3", "4", "5", "6", "7", "8"), "ms", "m/s2", "deg/s")
    a = read_recording(tmp_path / "h.csv", csv_import=by_name)
    b = read_recording(tmp_path / "h.csv", csv_import=by_position)
    _check_values(a, stream)
    assert a.data.equals(b.data)
    assert a.meta.extra["import"]["how"]["gyr_unit"] == "given (--gyr-unit)"
    # a header is recognised and every unit inferred when only --header is said
    c = read_recording(tmp_path / "h.csv", csv_import=CsvImport(header=True))
    assert c.data.equals(a.data)
    assert c.meta.extra["import"]["acc"] == ["ax", "ay", "az"]


def test_accelerometer_only(tmp_path: Path) -> None:
    stream = tilting_stream(stale_every=0)
    table = stream.rows[:, [1, 2, 3, 4]]
    pd.DataFrame(table).to_csv(tmp_path / "a.csv", header=False, index=False)
    rec = read_recording(tmp_path / "a.csv")
    assert not rec.has_gyro
    np.testing.assert_allclose(rec.acc_g, stream.acc_g, atol=1e-6)


def test_wrong_declared_unit_is_named(tmp_path: Path) -> None:
    stream = tilting_stream()
    write_csv(stream, tmp_path / "s.csv")
    with pytest.raises(InputError, match=r"--acc-unit") as info:
        read_recording(tmp_path / "s.csv", csv_import=CsvImport(acc_unit="g"))
    assert "column 3, column 4, column 5 as g" in str(info.value)


def test_ms_declared_as_seconds_is_an_error(tmp_path: Path) -> None:
    write_csv(tilting_stream(), tmp_path / "s.csv")
    with pytest.raises(
        InputError,
        match=r"0\.0\d+ samples per second with time in s.*"
        r"milliseconds read as seconds. Pass --time-unit",
    ):
        read_recording(tmp_path / "s.csv", csv_import=CsvImport(time_unit="s"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("two_clocks", "several columns increase on every row.*--columns"),
        ("no_rotation", "hardly turns.*--gyr-unit"),
        ("no_gravity", "no three adjacent columns read like an accelerometer.*--columns"),
        ("two_accelerometers", "two accelerometer-like column triplets.*--columns"),
    ],
)
def test_ambiguous_layouts_name_the_option(tmp_path: Path, change: str, message: str) -> None:
    stream = tilting_stream()
    rows = stream.rows.copy()
    if change == "two_clocks":
        rows = np.column_stack([rows, rows[:, 1] * 1000 + 7])
    elif change == "no_rotation":
        rows[:, 2:5] = np.round([0.0, 0.0, G], 4) + np.round(
            np.random.default_rng(1).normal(0, 0.01, (rows.shape[0], 3)), 4
        )
        rows[:, 5:8] = np.round(np.random.default_rng(2).normal(0, 1e-3, (rows.shape[0], 3)), 4)
    elif change == "no_gravity":
        rows[:, 2:5] *= 3
    else:
        rows = np.column_stack([rows[:, :8], rows[:, 2:5] + 0.001])
    pd.DataFrame(rows).to_csv(tmp_path / "s.csv", header=False, index=False)
    with pytest.raises(InputError, match=message) as info:
        read_recording(tmp_path / "s.csv")
    assert str(info.value).startswith(str(tmp_path / "s.csv"))
    assert "\n" not in str(info.value)


def test_bad_column_option_names_the_columns(tmp_path: Path) -> None:
    write_csv(tilting_stream(), tmp_path / "h.csv", header="node,t,ax,ay,az,gx,gy,gz,mx,my,mz")
    with pytest.raises(InputError, match=r"'tms'.*Columns are: node, t, ax"):
        read_recording(tmp_path / "h.csv", csv_import=CsvImport(("tms", "ax", "ay", "az")))
    with pytest.raises(InputError, match="needs 4 or 7 columns"):
        CsvImport(("t", "ax", "ay"))


def test_bursty_stream_gaps_are_the_true_gaps(tmp_path: Path) -> None:
    gaps_ms = ((2000, 2150), (6000, 6400), (12000, 13000))
    stream = tilting_stream(gaps_ms=gaps_ms)
    write_csv(stream, tmp_path / "s.csv")
    rec = read_recording(tmp_path / "s.csv")
    report = timebase_report(rec)
    assert report.gap_threshold_s == pytest.approx(0.052)  # 2 x the 26 ms beat
    assert [(round(a, 3), round(b, 3)) for a, b, _ in report.gaps] == [
        (round(a, 3), round(b, 3)) for a, b in stream.gaps_s
    ]
    # the rule before, on the rows as written (rate = 1 / median interval, a gap over two
    # periods): 615 "gaps" in 20 s
    dt = np.diff(stream.rows[:, 1])
    assert int((dt > 2 * float(np.median(dt))).sum()) == 615


def test_stream_rate_leaves_out_long_breaks() -> None:
    t = np.concatenate([np.arange(500) / 50.0, 11.6 * 86400 + np.arange(500) / 50.0])
    assert stream_rate_hz(t) == 50.0


# --------------------------------------------------------------------------- real files
FEATHER = (
    Path(os.environ.get("REPSCOPE_REALDATA", Path(__file__).parents[3] / "shared" / "realdata"))
    / "feather_bar"
)


@pytest.fixture(scope="module")
def feather_labels() -> pd.DataFrame:
    if not (FEATHER / "labels.csv").exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data missing in CI: {FEATHER}")
        pytest.skip(f"real data not found at {FEATHER} (set REPSCOPE_REALDATA)")
    return pd.read_csv(FEATHER / "labels.csv")


@pytest.mark.realdata
def test_every_feather_recording_reads_without_options(feather_labels: pd.DataFrame) -> None:
    for row in feather_labels.itertuples():
        path = FEATHER / "raw" / str(row.file)
        rec = read_recording(path)
        spec = rec.meta.extra["import"]
        assert (spec["time"], spec["time_unit"]) == ("column 2", "ms"), row.file
        assert spec["acc"] == ["column 3", "column 4", "column 5"], row.file
        assert (spec["acc_unit"], spec["gyr_unit"]) == ("m/s2", "rad/s"), row.file
        stale = rec.meta.extra["stale_rows_removed"] / rec.meta.extra["rows_read"]
        assert 0.15 < stale < 0.35, row.file
        # labels.csv: distinct samples over the duration, as its authors counted them
        assert rec.meta.sampling_rate_hz == pytest.approx(row.distinct_samples_per_s, rel=0.03)
        raw = pd.read_csv(path, header=None)
        assert rec.n_samples + rec.meta.extra["stale_rows_removed"] == len(raw)
        np.testing.assert_allclose(rec.acc_g[0], raw.iloc[0, 2:5].to_numpy(float) / G)


def test_a_line_cut_short_is_dropped_and_counted(tmp_path: Path) -> None:
    stream = tilting_stream(stale_every=0)
    write_csv(stream, tmp_path / "s.csv")
    text = (tmp_path / "s.csv").read_text()
    lines = text.splitlines()
    lines[100] = lines[100] + "," + lines[101]  # two lines run together
    cut = text.splitlines()[-1][:15]  # the logger stopped mid-line
    (tmp_path / "s.csv").write_text("\n".join([*lines, cut]) + "\n")
    rec = read_recording(tmp_path / "s.csv")
    assert rec.meta.extra["malformed_lines_removed"] == 2
    assert rec.n_samples == stream.rows.shape[0] - 1
    many = [*lines[:50], *(line[:20] for line in lines[50:80]), *lines[80:]]
    (tmp_path / "m.csv").write_text("\n".join(many) + "\n")
    with pytest.raises(InputError, match=r"line 51: malformed CSV \(line 51 has \d fields"):
        read_recording(tmp_path / "m.csv")


def test_still_sensor_with_a_biased_deg_s_gyroscope(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    n = 1500
    t_ms = np.arange(n) * 20
    acc = np.round(rng.normal(0, 0.01, (n, 3)) + np.array([0.0, 0.0, 1.0]), 4)
    bias_dps = np.round(rng.normal(0, 0.3, (n, 3)) + np.array([2.5, -1.5, 0.8]), 3)
    pd.DataFrame(np.column_stack([t_ms, acc, bias_dps])).to_csv(
        tmp_path / "still.csv", header=False, index=False
    )
    rec = read_recording(tmp_path / "still.csv")
    assert rec.meta.extra["import"]["gyr_unit"] == "deg/s"
    assert "hardly turns" in rec.meta.extra["import"]["how"]["gyr_unit"]
    np.testing.assert_allclose(rec.gyr_dps, bias_dps)
    # the same still sensor in rad/s (0.04 rad/s of bias) is not guessed
    pd.DataFrame(np.column_stack([t_ms, acc, np.radians(bias_dps)])).to_csv(
        tmp_path / "still_rad.csv", header=False, index=False
    )
    with pytest.raises(InputError, match="--gyr-unit"):
        read_recording(tmp_path / "still_rad.csv")
