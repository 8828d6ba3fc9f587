"""MetaMotion / MetaBase CSV exports: synthetic files with known answers, and the real set."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from repscope.errors import InputError
from repscope.io import detect_format, read_recording, timebase_report
from repscope.io.metamotion import find_partner

STEM = "X-bench_MetaWear_2020-02-03T10.11.12.131_D1E2F3A4B5C6"
ACC_NAME = f"{STEM}_Accelerometer_12.500Hz_1.4.4.csv"
GYR_NAME = f"{STEM}_Gyroscope_25.000Hz_1.4.4.csv"
EPOCH0 = 1580721072000  # 2020-02-03T09:11:12.000Z


def write_export(
    path: Path,
    *,
    epoch_ms: np.ndarray | None,
    values: np.ndarray,
    unit: str,
    epoch_name: str = "epoch (ms)",
    time_name: str = "time (01:00)",
) -> Path:
    header = []
    if epoch_ms is not None:
        header += [epoch_name, time_name]
    header += ["elapsed (s)", *(f"{a}-axis ({unit})" for a in "xyz")]
    elapsed = (
        (epoch_ms - epoch_ms[0]) / 1000.0 if epoch_ms is not None else np.arange(len(values)) / 25
    )
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i, row in enumerate(values):
            prefix = [] if epoch_ms is None else [int(epoch_ms[i]), "2020-02-03T10:11:12.000"]
            writer.writerow([*prefix, f"{elapsed[i]:.3f}", *(f"{v:.3f}" for v in row)])
    return path


def acc_values(t_s: np.ndarray) -> np.ndarray:
    """Linear in time so that interpolation is exact: x = 0.1 t, y = 0, z = 1."""
    return np.column_stack([0.1 * t_s, np.zeros_like(t_s), np.ones_like(t_s)])


def gyr_values(t_s: np.ndarray) -> np.ndarray:
    return np.column_stack([10.0 * t_s, -5.0 * np.ones_like(t_s), 2.0 * t_s])


def make_pair(folder: Path, *, acc_start_ms: int = 40, n_acc: int = 100, n_gyr: int = 210) -> None:
    acc_ms = EPOCH0 + acc_start_ms + 80 * np.arange(n_acc)
    gyr_ms = EPOCH0 + 40 * np.arange(n_gyr)
    write_export(
        folder / ACC_NAME, epoch_ms=acc_ms, values=acc_values((acc_ms - EPOCH0) / 1000), unit="g"
    )
    write_export(
        folder / GYR_NAME,
        epoch_ms=gyr_ms,
        values=gyr_values((gyr_ms - EPOCH0) / 1000),
        unit="deg/s",
    )


def test_pair_aligned_on_higher_rate_within_overlap(tmp_path: Path) -> None:
    make_pair(tmp_path)  # acc: 40 .. 7960 ms, gyro: 0 .. 8360 ms
    for given in (ACC_NAME, GYR_NAME):
        rec = read_recording(tmp_path / given)
        assert detect_format(tmp_path / given) == "metamotion"
        assert rec.has_gyro
        assert rec.meta.sampling_rate_hz == 25.0
        assert rec.meta.device == "MetaMotion"
        assert rec.meta.placement is None
        # gyro rows from 40 ms to 7960 ms: 199 rows, 40 ms apart
        assert rec.n_samples == 199
        np.testing.assert_array_equal(rec.time_s, np.arange(199) * 40 / 1000.0)
        assert rec.meta.start_time_utc == "2020-02-03T09:11:12.040Z"
        t_epoch = 0.040 + rec.time_s
        np.testing.assert_allclose(rec.acc_g, acc_values(t_epoch), atol=1e-3)
        np.testing.assert_allclose(rec.gyr_dps, gyr_values(t_epoch), atol=1e-3)
        extra = rec.meta.extra
        assert extra["accelerometer_file"] == ACC_NAME
        assert extra["gyroscope_file"] == GYR_NAME
        assert extra["accelerometer_rate_hz"] == 12.5
        assert extra["gyroscope_rate_hz"] == 25.0
        assert extra["mac_address"] == "D1:E2:F3:A4:B5:C6"
        assert extra["rows_dropped_in_gaps"] == 0


def test_rows_inside_a_gap_of_the_slower_stream_are_dropped(tmp_path: Path) -> None:
    acc_ms = EPOCH0 + 80 * np.concatenate([np.arange(40), np.arange(60, 100)])  # 1.6 s hole
    gyr_ms = EPOCH0 + 40 * np.arange(200)
    write_export(
        tmp_path / ACC_NAME, epoch_ms=acc_ms, values=acc_values((acc_ms - EPOCH0) / 1e3), unit="g"
    )
    write_export(
        tmp_path / GYR_NAME,
        epoch_ms=gyr_ms,
        values=gyr_values((gyr_ms - EPOCH0) / 1e3),
        unit="deg/s",
    )
    rec = read_recording(tmp_path / ACC_NAME)
    t_ms = np.round(rec.time_s * 1000).astype(int)
    # acc hole is (3120 ms, 4800 ms): gyro rows strictly inside it are gone
    assert not ((t_ms > 3120) & (t_ms < 4800)).any()
    assert 3120 in t_ms and 4800 in t_ms
    assert rec.meta.extra["rows_dropped_in_gaps"] == 41
    report = timebase_report(rec)
    assert report.gaps == [(3.12, 4.8, 41)]


def test_accelerometer_without_partner_loads_alone(tmp_path: Path) -> None:
    make_pair(tmp_path)
    (tmp_path / GYR_NAME).unlink()
    rec = read_recording(tmp_path / ACC_NAME)
    assert not rec.has_gyro
    assert rec.meta.sampling_rate_hz == 12.5
    assert rec.n_samples == 100
    assert "gyroscope_file" not in rec.meta.extra


def test_gyroscope_without_partner_is_an_error(tmp_path: Path) -> None:
    make_pair(tmp_path)
    (tmp_path / ACC_NAME).unlink()
    with pytest.raises(InputError, match="without its accelerometer partner"):
        read_recording(tmp_path / GYR_NAME)


def test_partner_prefers_same_version_then_any_rate(tmp_path: Path) -> None:
    make_pair(tmp_path)
    other = tmp_path / f"{STEM}_Gyroscope_100.000Hz_1.4.41.csv"
    other.write_text((tmp_path / GYR_NAME).read_text())
    assert find_partner(tmp_path / ACC_NAME) == tmp_path / GYR_NAME
    (tmp_path / GYR_NAME).unlink()
    assert find_partner(tmp_path / ACC_NAME) == other
    # a different recording (other timestamp) is never a partner
    other.rename(tmp_path / other.name.replace("10.11.12.131", "10.15.00.000"))
    assert find_partner(tmp_path / ACC_NAME) is None


def test_metabase_epoc_typo_and_timestamp_column(tmp_path: Path) -> None:
    acc_ms = EPOCH0 + 80 * np.arange(100)
    gyr_ms = EPOCH0 + 40 * np.arange(200)
    kwargs = {"epoch_name": "epoc (ms)", "time_name": "timestamp (-0500)"}
    write_export(
        tmp_path / ACC_NAME,
        epoch_ms=acc_ms,
        values=acc_values((acc_ms - EPOCH0) / 1e3),
        unit="g",
        **kwargs,
    )
    write_export(
        tmp_path / GYR_NAME,
        epoch_ms=gyr_ms,
        values=gyr_values((gyr_ms - EPOCH0) / 1e3),
        unit="deg/s",
        **kwargs,
    )
    rec = read_recording(tmp_path / GYR_NAME)
    assert rec.has_gyro and rec.n_samples == 199  # 0, 40, .., 7920 ms


def test_elapsed_only_export_without_rate_in_name(tmp_path: Path) -> None:
    path = tmp_path / "wrist_Accelerometer.csv"
    t = np.arange(250) / 25
    write_export(path, epoch_ms=None, values=acc_values(t), unit="g")
    rec = read_recording(path)
    assert rec.meta.sampling_rate_hz == 25.0
    assert rec.meta.extra["sampling_rate_source"] == "inferred from timestamps"
    assert rec.meta.start_time_utc is None
    np.testing.assert_allclose(rec.time_s, t)


def test_files_that_do_not_overlap(tmp_path: Path) -> None:
    make_pair(tmp_path, acc_start_ms=60_000)
    with pytest.raises(InputError, match="do not overlap"):
        read_recording(tmp_path / ACC_NAME)


def test_bad_value_names_file_and_line(tmp_path: Path) -> None:
    make_pair(tmp_path)
    lines = (tmp_path / GYR_NAME).read_text().splitlines()
    lines[9] = lines[9].rsplit(",", 1)[0] + ",oops"
    (tmp_path / GYR_NAME).write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as info:
        read_recording(tmp_path / ACC_NAME)
    message = str(info.value)
    assert GYR_NAME in message and "line 10, column z-axis (deg/s)" in message


# ------------------------------------------------------------------------------ real data
@pytest.mark.realdata
def test_every_real_set_loads(metamotion_wrist_dir: Path) -> None:
    import pandas as pd

    labels = pd.read_csv(metamotion_wrist_dir / "labels.csv")
    files = sorted(metamotion_wrist_dir.glob("*/*_Accelerometer_*.csv"))
    listed = set(labels["accelerometer_file"])
    assert listed <= {f.name for f in files}
    assert len(files) >= 61
    for acc_file in files:
        rec = read_recording(acc_file)
        name = acc_file.name
        assert rec.has_gyro, name
        assert rec.meta.extra["gyroscope_file"] == name.replace(
            "Accelerometer_12.500Hz", "Gyroscope_25.000Hz"
        )
        assert rec.meta.sampling_rate_hz == 25.0
        assert rec.meta.extra["accelerometer_rate_hz"] == 12.5
        assert rec.duration_s > 5.0, name
        magnitude = np.median(np.linalg.norm(rec.acc_g, axis=1))
        assert 0.8 < magnitude < 1.2, name
        report = timebase_report(rec)
        assert report.effective_rate_hz == pytest.approx(25.0, rel=1e-6)
        assert report.duplicate_timestamps == 0


@pytest.mark.realdata
def test_real_gyroscope_file_gives_the_same_recording(metamotion_wrist_dir: Path) -> None:
    acc_file = sorted(metamotion_wrist_dir.glob("raw/*_Accelerometer_*.csv"))[0]
    via_acc = read_recording(acc_file)
    via_gyr = read_recording(find_partner(acc_file) or acc_file)
    assert via_acc.data.equals(via_gyr.data)


@pytest.mark.realdata
def test_real_set_with_a_logging_gap(metamotion_wrist_dir: Path) -> None:
    """A-ohp-medium2-rpe7 has a ~3.5 s hole in both files; it must show as one gap."""
    files = sorted(metamotion_wrist_dir.glob("raw/A-ohp-medium2-rpe7_*_Accelerometer_*.csv"))
    assert len(files) == 1
    rec = read_recording(files[0])
    report = timebase_report(rec)
    assert len(report.gaps) == 1
    start, end, missing = report.gaps[0]
    assert 3.4 < end - start < 3.7
    assert missing == round((end - start) * 25) - 1
