"""Property tests: recordings survive CSV and Parquet round trips bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from repscope.io import read_recording, write_recording
from repscope.recording import MAX_ABS_GYR_DPS, Recording, RecordingMeta

SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    SAFE_TEXT,
)


@st.composite
def metas(draw: st.DrawFn) -> RecordingMeta:
    return RecordingMeta(
        sampling_rate_hz=draw(st.floats(0.01, 10000.0)),
        device=draw(SAFE_TEXT),
        placement=draw(st.sampled_from([None, "bar", "wrist"])),
        exercise=draw(st.none() | SAFE_TEXT),
        load_kg=draw(st.none() | st.floats(0.0, 1000.0)),
        athlete=draw(st.none() | SAFE_TEXT),
        source=draw(st.none() | SAFE_TEXT),
        start_time_utc=draw(st.none() | st.just("2024-05-01T10:00:00.123+00:00")),
        extra=draw(
            st.dictionaries(
                SAFE_TEXT, JSON_SCALARS | st.lists(JSON_SCALARS, max_size=3), max_size=4
            )
        ),
    )


@st.composite
def recordings(draw: st.DrawFn) -> Recording:
    n = draw(st.integers(2, 40))
    t0 = draw(st.floats(-1e6, 1e6))
    meta = draw(metas())
    # intervals around the declared rate's period (a rate the timestamps contradict by more
    # than RATE_MISMATCH_FACTOR is an error, tested in test_io_hostile.py)
    period = 1.0 / meta.sampling_rate_hz
    factors = draw(st.lists(st.floats(0.6, 1.6), min_size=n - 1, max_size=n - 1))
    steps = [period * f for f in factors]
    time_s = t0 + np.concatenate(([0.0], np.cumsum(steps)))
    assume(bool(np.all(np.diff(time_s) > 0)))
    acc_xy = draw(st.lists(st.floats(-0.3, 0.3), min_size=2 * n, max_size=2 * n))
    acc_z = draw(st.lists(st.floats(0.8, 1.2), min_size=n, max_size=n))
    acc = np.column_stack([np.reshape(acc_xy, (n, 2)), acc_z])
    gyr = None
    if draw(st.booleans()):
        values = draw(
            st.lists(
                st.floats(-MAX_ABS_GYR_DPS, MAX_ABS_GYR_DPS, width=64),
                min_size=3 * n,
                max_size=3 * n,
            )
        )
        gyr = np.reshape(values, (n, 3))
    return Recording.from_arrays(time_s=time_s, acc_g=acc, gyr_dps=gyr, meta=meta)


def assert_same(a: Recording, b: Recording) -> None:
    assert a.meta == b.meta
    assert a.columns() == b.columns()
    for column in a.columns():
        x = a.data[column].to_numpy()
        y = b.data[column].to_numpy()
        assert x.dtype == y.dtype == np.float64
        # bitwise equality (also tells -0.0 from 0.0)
        assert x.tobytes() == y.tobytes(), column


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(recording=recordings())
def test_csv_round_trip_is_exact(tmp_path: Path, recording: Recording) -> None:
    written = write_recording(recording, tmp_path / "rec.csv")
    assert written == [tmp_path / "rec.csv", tmp_path / "rec.json"]
    assert_same(recording, read_recording(tmp_path / "rec.csv"))


@SETTINGS
@given(recording=recordings())
def test_parquet_round_trip_is_exact(tmp_path: Path, recording: Recording) -> None:
    assert write_recording(recording, tmp_path / "rec.parquet") == [tmp_path / "rec.parquet"]
    assert_same(recording, read_recording(tmp_path / "rec.parquet"))


@SETTINGS
@given(recording=recordings())
def test_csv_to_parquet_to_csv(tmp_path: Path, recording: Recording) -> None:
    write_recording(recording, tmp_path / "a.csv")
    first = read_recording(tmp_path / "a.csv")
    write_recording(first, tmp_path / "b.parquet")
    second = read_recording(tmp_path / "b.parquet")
    write_recording(second, tmp_path / "c.csv")
    assert_same(recording, read_recording(tmp_path / "c.csv"))
