"""`repscope info` through the CLI: good files, and every kind of bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import write_recording
from repscope.recording import Recording, RecordingMeta

HEADER = "time_s,acc_x_g,acc_y_g,acc_z_g"


def make_recording(n: int = 600, rate_hz: float = 100.0, gyro: bool = True) -> Recording:
    rng = np.random.default_rng(1)
    t = np.arange(n) / rate_hz
    acc = rng.normal(0.0, 0.05, (n, 3))
    acc[:, 2] += 1.0
    gyr = rng.normal(0.0, 5.0, (n, 3)) if gyro else None
    meta = RecordingMeta(
        sampling_rate_hz=rate_hz, device="test", placement="bar", exercise="squat", load_kg=100.0
    )
    return Recording.from_arrays(time_s=t, acc_g=acc, gyr_dps=gyr, meta=meta)


def csv_rows(n: int = 600, rate_hz: float = 100.0) -> list[str]:
    """Data lines of a valid accelerometer-only project CSV (line 2 is the first)."""
    rng = np.random.default_rng(2)
    acc = rng.normal(0, 0.05, (n, 3)) + np.array([0.0, 0.0, 1.0])
    return [f"{i / rate_hz!r},{x!r},{y!r},{z!r}" for i, (x, y, z) in enumerate(acc.tolist())]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


# ----------------------------------------------------------------------------- good files
def test_info_table_for_project_csv(tmp_path: Path) -> None:
    write_recording(make_recording(), tmp_path / "s.csv")
    code, out, err = run("info", str(tmp_path / "s.csv"))
    assert code == 0, err
    assert "sidecar s.json" in out
    assert "squat" in out and "bar" in out and "100 kg" in out
    assert "600" in out and "100 Hz" in out
    assert "gaps" in out and "none" in out


def test_info_json_is_json_only(tmp_path: Path) -> None:
    write_recording(make_recording(gyro=False), tmp_path / "s.parquet")
    code, out, _ = run("info", "--json", str(tmp_path / "s.parquet"))
    assert code == 0
    info = json.loads(out)
    assert info["format"] == "parquet"
    assert info["metadata_source"] == "embedded in the Parquet file"
    assert info["n_samples"] == 600
    assert info["has_gyro"] is False
    assert info["duration_s"] == pytest.approx(5.99)
    assert info["timebase"]["nominal_rate_hz"] == 100.0
    assert info["timebase"]["effective_rate_hz"] == pytest.approx(100.0)
    assert info["timebase"]["gaps"] == []
    assert info["units"]["ok"] is True


def test_info_without_sidecar_says_rate_is_inferred(tmp_path: Path) -> None:
    path = tmp_path / "bare.csv"
    path.write_text("\n".join([HEADER, *csv_rows(rate_hz=50.0)]) + "\n")
    code, out, _ = run("info", "--json", str(path))
    assert code == 0
    info = json.loads(out)
    assert info["timebase"]["nominal_rate_hz"] == 50.0
    assert info["metadata_source"] == "none (no sidecar); sampling rate inferred from timestamps"
    assert info["extra"] == {"sampling_rate_source": "inferred from timestamps"}


def test_info_reports_gaps(tmp_path: Path) -> None:
    rows = csv_rows()
    del rows[100:130]  # 30 samples lost after t = 0.99 s
    path = tmp_path / "gappy.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    code, out, _ = run("info", "--json", str(path))
    assert code == 0
    gaps = json.loads(out)["timebase"]["gaps"]
    assert gaps == [{"start_s": 0.99, "end_s": 1.3, "missing_samples": 30}]


def test_info_allow_short(tmp_path: Path) -> None:
    write_recording(make_recording(n=100), tmp_path / "short.csv")
    code, _, err = run("info", str(tmp_path / "short.csv"))
    assert code == 2
    assert "too short" in err
    code, out, _ = run("info", "--allow-short", "--json", str(tmp_path / "short.csv"))
    assert code == 0
    assert json.loads(out)["n_samples"] == 100


def test_info_help_has_example() -> None:
    code, out, _ = run("info", "--help")
    assert code == 0
    assert "Example" in out and "repscope info" in out


# ----------------------------------------------------------------------------- bad input
def _write(name: str, text: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_text(text)
        return path

    return make


def _rows_with(replace: dict[int, str], n: int = 600) -> str:
    """A valid CSV with some data rows replaced; keys are 0-based data-row indices."""
    rows = csv_rows(n)
    for index, row in replace.items():
        rows[index] = row
    return "\n".join([HEADER, *rows]) + "\n"


def _nan_run() -> str:
    rows = csv_rows()
    for i in range(40, 44):  # lines 42..45
        rows[i] = f"{i / 100!r},,,"
    return "\n".join([HEADER, *rows]) + "\n"


def _mps2(folder: Path) -> Path:
    rec = make_recording()
    rec.data[["acc_x_g", "acc_y_g", "acc_z_g"]] *= 9.80665
    path = folder / "mps2.csv"
    rec.data.to_csv(path, index=False)
    return path


def _bad_sidecar(folder: Path) -> Path:
    write_recording(make_recording(), folder / "meta.csv")
    (folder / "meta.json").write_text('{"sampling_rate_hz": 100,\n "device": }')
    return folder / "meta.csv"


def _corrupt_parquet(folder: Path) -> Path:
    write_recording(make_recording(), folder / "broken.parquet")
    data = (folder / "broken.parquet").read_bytes()
    (folder / "broken.parquet").write_bytes(data[: len(data) // 2])
    return folder / "broken.parquet"


def _short(folder: Path) -> Path:
    write_recording(make_recording(n=300), folder / "short.csv")  # 2.99 s
    return folder / "short.csv"


BAD_INPUTS: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "missing file": (lambda folder: folder / "nope.csv", ["nope.csv", "no such file"]),
    "empty file": (_write("empty.csv", ""), ["empty.csv", "empty file"]),
    "header only": (_write("hdr.csv", HEADER + "\n"), ["hdr.csv", "no data rows"]),
    "missing column": (
        _write("miss.csv", "time_s,acc_x_g,acc_y_g\n0,0,1\n"),
        ["miss.csv", "missing column 'acc_z_g'"],
    ),
    "unknown column": (
        _write("unk.csv", HEADER + ",temp_c\n0,0,0,1,20\n"),
        ["unk.csv", "unknown column 'temp_c'"],
    ),
    "partial gyro": (
        _write("gyr.csv", HEADER + ",gyr_x_dps\n0,0,0,1,2\n"),
        ["gyr.csv", "missing column 'gyr_y_dps'"],
    ),
    "non-numeric": (
        _write("text.csv", _rows_with({15: "0.15,0.01,abc,1.0"})),
        ["text.csv", "line 17, column acc_y_g", "'abc' is not a number", "header as line 1"],
    ),
    "ragged row": (
        _write("ragged.csv", _rows_with({3: "0.03,0,0,1,5,6"})),
        ["ragged.csv", "line 5"],
    ),
    "nan run": (
        _write("nan.csv", _nan_run()),
        ["nan.csv", "line 42", "4 consecutive rows"],
    ),
    "literal nan": (
        _write("litnan.csv", _rows_with({9: "0.09,nan,0,1"})),
        ["litnan.csv", "line 11, column acc_x_g", "missing value"],
    ),
    "infinite": (
        _write("inf.csv", _rows_with({9: "0.09,inf,0,1"})),
        ["inf.csv", "line 11, column acc_x_g", "infinite"],
    ),
    "time backwards": (
        _write("back.csv", _rows_with({20: "0.1,0,0,1"})),
        ["back.csv", "line 22, column time_s", "backwards"],
    ),
    "time repeats": (
        _write("rep.csv", _rows_with({20: "0.19,0,0,1"})),
        ["rep.csv", "line 22, column time_s", "repeats"],
    ),
    "m/s^2 in g column": (_mps2, ["mps2.csv", "m/s^2", "Divide"]),
    "too short": (_short, ["short.csv", "too short", "2.99 s"]),
    "malformed sidecar": (_bad_sidecar, ["meta.json", "line 2", "malformed JSON"]),
    "corrupt parquet": (_corrupt_parquet, ["broken.parquet", "Parquet"]),
    "unknown format": (
        _write("weird.txt", "hello,world\n1,2\n"),
        ["weird.txt", "unknown file format"],
    ),
    "binary garbage": (
        lambda folder: (
            (folder / "bin.dat").write_bytes(bytes(range(256)) * 4) and folder / "bin.dat"
        ),
        ["bin.dat", "neither a Parquet file nor a UTF-8 CSV"],
    ),
    "folder": (lambda folder: folder, ["is a folder"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    make, expected = BAD_INPUTS[case]
    path = make(tmp_path)
    code, out, err = run("info", str(path))
    assert code == 2, (out, err)
    assert "Traceback" not in err + out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("repscope: error: ")
    for snippet in expected:
        assert snippet in lines[0], (snippet, lines[0])
