"""Timebase report and uniform resampling on hand-built arrays with known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repscope.errors import InputError, TooShortError
from repscope.io import (
    ensure_analysable,
    gap_mask,
    infer_sampling_rate_hz,
    read_recording,
    resample_uniform,
    timebase_report,
    write_recording,
)
from repscope.io.timebase import gap_threshold_s, timebase_report_arrays
from repscope.recording import Recording, RecordingMeta


def rec_from(time_s: np.ndarray, rate_hz: float, acc: np.ndarray | None = None) -> Recording:
    n = len(time_s)
    if acc is None:
        acc = np.column_stack([np.sin(time_s), np.cos(time_s), np.ones(n)])
    return Recording.from_arrays(
        time_s=np.asarray(time_s, float), acc_g=acc, meta=RecordingMeta(sampling_rate_hz=rate_hz)
    )


def test_regular_timebase() -> None:
    rep = timebase_report(rec_from(np.arange(101) / 50, 50.0))
    assert rep.n_samples == 101
    assert rep.duration_s == pytest.approx(2.0)
    assert rep.effective_rate_hz == pytest.approx(50.0)
    assert rep.mean_rate_hz == pytest.approx(50.0)
    assert rep.jitter_s < 1e-12
    assert rep.gaps == []
    assert rep.duplicate_timestamps == rep.backwards_steps == rep.stale_rows == 0


def test_gaps_are_located_and_counted() -> None:
    t = np.arange(200) / 100.0
    t = np.delete(t, np.r_[50:60, 120:123])  # 10 and 3 samples lost; 2 lost is not a gap
    rep = timebase_report(rec_from(t, 100.0))
    assert rep.gaps == [(0.49, 0.6, 10), (1.19, 1.23, 3)]
    assert rep.missing_samples == 13
    assert rep.gap_time_s == pytest.approx(0.11 + 0.04)
    assert rep.effective_rate_hz == pytest.approx(100.0)
    assert rep.mean_rate_hz == pytest.approx((t.size - 1) / 1.99)
    d = rep.to_dict()
    assert d["gaps"][0] == {"start_s": 0.49, "end_s": 0.6, "missing_samples": 10}
    assert any(line.startswith("gaps: 2 (13 samples") for line in rep.summary_lines())


def test_one_missing_sample_is_not_a_gap() -> None:
    t = np.delete(np.arange(100) / 100.0, 40)  # interval of exactly 2 periods
    assert timebase_report(rec_from(t, 100.0)).gaps == []


def test_jitter_and_p99() -> None:
    rng = np.random.default_rng(3)
    noise = rng.uniform(-1e-3, 1e-3, 2000)
    t = np.arange(2000) / 100.0 + noise
    rep = timebase_report(rec_from(t, 100.0))
    intervals = np.diff(t)
    assert rep.jitter_s == pytest.approx(np.std(intervals))
    assert rep.p99_interval_deviation_s == pytest.approx(
        np.percentile(np.abs(intervals - 0.01), 99)
    )
    assert 1.5e-3 < rep.p99_interval_deviation_s <= 2e-3


def test_duplicates_backwards_and_stale_rows() -> None:
    t = np.array([0.0, 0.01, 0.01, 0.02, 0.015, 0.03, 0.04, 0.05])
    values = np.array(
        [[0, 0, 1], [1, 0, 1], [2, 0, 1], [2, 0, 1], [2, 0, 1], [3, 0, 1], [4, 0, 1], [4, 0, 1]],
        dtype=float,
    )
    rep = timebase_report_arrays(t, values, nominal_rate_hz=100.0)
    assert rep.duplicate_timestamps == 1
    assert rep.backwards_steps == 1
    assert rep.stale_rows == 3  # rows 3, 4 repeat row 2; row 7 repeats row 6


def test_nan_rows_are_gaps() -> None:
    t = np.arange(10) / 10.0
    values = np.ones((10, 3))
    values[4:7] = np.nan
    rep = timebase_report_arrays(t, values, nominal_rate_hz=10.0)
    assert rep.gaps == [(0.3, 0.7, 3)]
    assert rep.stale_rows == 5  # rows 1-3 and 8-9; row 7 follows a NaN row


@pytest.mark.parametrize(
    ("period_s", "expected"),
    [(0.08, 12.5), (0.0401, 25.0), (1 / 104.0, 104.0), (0.0123, 81.3), (1 / 99.5, 100.0)],
)
def test_infer_rate(period_s: float, expected: float) -> None:
    assert infer_sampling_rate_hz(np.arange(50) * period_s) == expected


def test_resample_is_exact_for_linear_signals_and_never_crosses_gaps() -> None:
    t = np.arange(300) / 100.0
    keep = np.ones(300, bool)
    keep[100:150] = False  # gap from 0.99 s to 1.50 s
    t = t[keep]
    acc = np.column_stack([0.1 * t, -0.2 * t, np.ones_like(t)])
    out = resample_uniform(rec_from(t, 100.0, acc), sampling_rate_hz=40.0)
    grid = out.time_s
    np.testing.assert_allclose(np.diff(grid), 1 / 40.0)
    assert grid[0] == 0.0 and grid[-1] <= t[-1]
    mask = gap_mask(out)
    inside = (grid > 0.99) & (grid < 1.5)
    np.testing.assert_array_equal(mask, inside)
    np.testing.assert_allclose(out.acc_g[~mask, 0], 0.1 * grid[~mask])
    np.testing.assert_allclose(out.acc_g[~mask, 1], -0.2 * grid[~mask])
    assert out.meta.sampling_rate_hz == 40.0
    assert out.meta.extra["resampled_from_hz"] == 100.0
    out.validate(allow_gaps=True)
    with pytest.raises(InputError):
        out.validate()
    assert timebase_report(out).gaps == [(0.975, 1.5, int(inside.sum()))]


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(st.floats(0.005, 0.2), min_size=5, max_size=80),
    rate=st.sampled_from([10.0, 25.0, 50.0, 100.0]),
    max_gap=st.none() | st.floats(0.01, 0.3),
)
def test_resample_never_interpolates_across_a_gap(
    steps: list[float], rate: float, max_gap: float | None
) -> None:
    t = np.concatenate(([0.0], np.cumsum(steps)))
    rec = rec_from(t, 20.0)
    out = resample_uniform(rec, sampling_rate_hz=rate, max_gap_s=max_gap)
    threshold = gap_threshold_s(t, nominal_rate_hz=20.0) if max_gap is None else max_gap
    grid = out.time_s
    mask = gap_mask(out)
    for i in np.flatnonzero(np.diff(t) > threshold):
        inside = (grid > t[i]) & (grid < t[i + 1])
        assert mask[inside].all()
    # every finite row lies within a non-gap source interval or on a sample
    j = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, t.size - 2)
    on_sample = np.isin(grid, t)
    ok = (np.diff(t)[j] <= threshold) | on_sample
    assert (mask | ok).all()
    assert (~mask <= ok).all()


def test_resampled_recording_round_trips_with_gaps(tmp_path: Path) -> None:
    t = np.delete(np.arange(1000) / 100.0, np.r_[300:400])
    out = resample_uniform(rec_from(t, 100.0), sampling_rate_hz=50.0)
    assert gap_mask(out).sum() > 0
    for name in ("r.csv", "r.parquet"):
        write_recording(out, tmp_path / name)
        back = read_recording(tmp_path / name)
        np.testing.assert_array_equal(gap_mask(back), gap_mask(out))
        assert back.data.equals(out.data)


def test_nan_rows_not_written_unless_resampled(tmp_path: Path) -> None:
    acc = np.column_stack([np.zeros(100), np.zeros(100), np.ones(100)])
    acc[10] = np.nan
    with pytest.raises(InputError, match="not a finite number"):
        write_recording(rec_from(np.arange(100) / 10, 10.0, acc), tmp_path / "x.csv")


def test_ensure_analysable() -> None:
    long = rec_from(np.arange(600) / 100, 100.0)
    assert ensure_analysable(long) is long
    with pytest.raises(TooShortError, match=r"4\.99 s, 500 samples"):
        ensure_analysable(rec_from(np.arange(500) / 100, 100.0), path="x.csv")
    with pytest.raises(TooShortError, match="40 samples"):
        ensure_analysable(rec_from(np.arange(40) / 5, 5.0))
    ensure_analysable(rec_from(np.arange(40) / 5, 5.0), min_samples=40)
