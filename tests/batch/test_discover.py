"""Which files a batch analyses: folders, globs, sidecars, ground-truth tables, MetaMotion pairs."""

from __future__ import annotations

from pathlib import Path

import pytest
from _batch_recordings import STEM

from repscope.batch import discover
from repscope.errors import InputError

ACC = f"wrist/{STEM}_Accelerometer_50.000Hz_1.4.4.csv"
GYR = f"wrist/{STEM}_Gyroscope_50.000Hz_1.4.4.csv"


def _rel(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_folder_is_searched_recursively_for_recordings_only(recordings_src: Path) -> None:
    found = discover([recordings_src])
    # not: the truth table, the JSON sidecar, the gyroscope half of the MetaMotion pair,
    # the hidden folder
    assert _rel(found, recordings_src) == ["bench/ann_bench.csv", "squat/bob_squat.parquet", ACC]


def test_result_is_sorted_by_path_text_and_deduplicated(recordings_src: Path) -> None:
    found = discover(
        [recordings_src / "squat", recordings_src, recordings_src / "bench" / "ann_bench.csv"]
    )
    assert found == sorted(found, key=str)
    assert len(found) == 3


def test_glob_patterns(recordings_src: Path) -> None:
    found = discover([str(recordings_src / "**" / "*.parquet")])
    assert _rel(found, recordings_src) == ["squat/bob_squat.parquet"]
    # a pattern that matches only non-recordings finds nothing, without error
    assert discover([str(recordings_src / "bench" / "*.json")]) == []
    with pytest.raises(InputError, match="matches no file"):
        discover([str(recordings_src / "*.nothing")])


def test_explicit_files(recordings_src: Path) -> None:
    bench = recordings_src / "bench"
    # the sidecar belongs to the CSV; a named file is analysed whatever it is
    found = discover([bench / "ann_bench.json", bench / "ann_bench.truth.csv"])
    assert _rel(found, recordings_src) == ["bench/ann_bench.truth.csv"]
    # a gyroscope export named alone is kept (the reader finds its partner)
    assert _rel(discover([recordings_src / GYR]), recordings_src) == [GYR]
    assert _rel(discover([recordings_src / GYR, recordings_src / ACC]), recordings_src) == [ACC]


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        discover([tmp_path / "absent"])


def test_excluded_folder_and_unreadable_files(recordings: Path) -> None:
    out = recordings / "results"
    out.mkdir()
    (out / "reps.csv").write_text("time_s,acc_x_g\n")  # looks like a recording, but excluded
    (recordings / "bench" / "empty.csv").write_bytes(b"")  # kept: the batch must report it
    (recordings / "bench" / "notes.txt").write_text("time_s\n")  # not a recording extension
    found = _rel(discover([recordings], exclude=[out]), recordings)
    assert found == ["bench/ann_bench.csv", "bench/empty.csv", "squat/bob_squat.parquet", ACC]
