"""Format detection by content, project CSV and Parquet specifics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from repscope.errors import InputError
from repscope.io import detect_format, read_recording, sidecar_path, write_recording
from repscope.recording import Recording, RecordingMeta


def make_recording(n: int = 200, gyro: bool = True) -> Recording:
    rng = np.random.default_rng(9)
    acc = rng.normal(0, 0.05, (n, 3)) + np.array([0.0, 0.0, 1.0])
    gyr = rng.normal(0, 3, (n, 3)) if gyro else None
    meta = RecordingMeta(sampling_rate_hz=50.0, placement="wrist", athlete="b")
    return Recording.from_arrays(time_s=np.arange(n) / 50.0, acc_g=acc, gyr_dps=gyr, meta=meta)


def test_detect_by_content_not_extension(tmp_path: Path) -> None:
    write_recording(make_recording(), tmp_path / "a.parquet")
    (tmp_path / "a.parquet").rename(tmp_path / "looks_like.csv")
    assert detect_format(tmp_path / "looks_like.csv") == "parquet"
    assert read_recording(tmp_path / "looks_like.csv").n_samples == 200
    write_recording(make_recording(), tmp_path / "b.csv")
    (tmp_path / "b.csv").rename(tmp_path / "b.parquet")
    assert detect_format(tmp_path / "b.parquet") == "csv"


def test_sidecar_schema(tmp_path: Path) -> None:
    written = write_recording(make_recording(), tmp_path / "s.csv")
    assert written[1] == sidecar_path(tmp_path / "s.csv") == tmp_path / "s.json"
    doc = json.loads(written[1].read_text())
    assert doc["format"] == "repscope-recording"
    assert doc["format_version"] == 1
    assert doc["sampling_rate_hz"] == 50.0 and doc["placement"] == "wrist"
    assert (tmp_path / "s.csv").read_text().splitlines()[0] == (
        "time_s,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps"
    )


def test_columns_in_any_order_and_accelerometer_only(tmp_path: Path) -> None:
    rec = make_recording(gyro=False)
    frame = rec.data[["acc_z_g", "time_s", "acc_y_g", "acc_x_g"]]
    frame.to_csv(tmp_path / "o.csv", index=False)
    back = read_recording(tmp_path / "o.csv")
    assert back.columns() == ["time_s", "acc_x_g", "acc_y_g", "acc_z_g"]
    assert back.data.equals(rec.data)
    assert back.meta.sampling_rate_hz == 50.0
    assert back.meta.extra["sampling_rate_source"] == "inferred from timestamps"


def test_unknown_format_version(tmp_path: Path) -> None:
    write_recording(make_recording(), tmp_path / "s.csv")
    doc = json.loads((tmp_path / "s.json").read_text())
    doc["format_version"] = 7
    (tmp_path / "s.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="unsupported format_version 7"):
        read_recording(tmp_path / "s.csv")


def test_unknown_sidecar_field(tmp_path: Path) -> None:
    write_recording(make_recording(), tmp_path / "s.csv")
    doc = json.loads((tmp_path / "s.json").read_text())
    doc["lod_kg"] = 3
    (tmp_path / "s.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="unknown metadata field 'lod_kg'"):
        read_recording(tmp_path / "s.csv")


def test_parquet_without_metadata_and_with_text_column(tmp_path: Path) -> None:
    rec = make_recording(gyro=False)
    table = pa.table({c: rec.data[c].to_numpy() for c in rec.columns()})
    pq.write_table(table, tmp_path / "plain.parquet")
    back = read_recording(tmp_path / "plain.parquet")
    assert back.meta.sampling_rate_hz == 50.0
    assert back.data.equals(rec.data)
    table = table.set_column(1, "acc_x_g", pa.array(["a"] * rec.n_samples))
    pq.write_table(table, tmp_path / "text.parquet")
    with pytest.raises(InputError, match="column acc_x_g holds string"):
        read_recording(tmp_path / "text.parquet")


def test_parquet_row_numbers_in_messages(tmp_path: Path) -> None:
    rec = make_recording(gyro=False)
    data = {c: rec.data[c].to_numpy().copy() for c in rec.columns()}
    data["time_s"][10] = data["time_s"][9]
    pq.write_table(pa.table(data), tmp_path / "dup.parquet")
    with pytest.raises(InputError, match="row 11, column time_s: time repeats"):
        read_recording(tmp_path / "dup.parquet")


def test_write_needs_a_known_extension_or_format(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="extension"):
        write_recording(make_recording(), tmp_path / "x.txt")
    with pytest.raises(InputError, match="unknown format 'hdf5'"):
        write_recording(make_recording(), tmp_path / "x.h5", format="hdf5")
    assert write_recording(make_recording(), tmp_path / "x.bin", format="parquet") == [
        tmp_path / "x.bin"
    ]


def test_read_with_explicit_format(tmp_path: Path) -> None:
    write_recording(make_recording(), tmp_path / "a.csv")
    with pytest.raises(InputError, match="Parquet"):
        read_recording(tmp_path / "a.csv", format="parquet")
    assert read_recording(tmp_path / "a.csv", format="csv").n_samples == 200
