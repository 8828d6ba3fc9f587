"""Facts of a call about a recording's first sample: a known orientation, zero velocity."""

from __future__ import annotations

import numpy as np
import pytest

from repscope.analysis import AnalysisConfig, analyze_recording
from repscope.analysis.orientation import OfflineVQF, OrientationStart
from repscope.analysis.pipeline import run_stages
from repscope.analysis.profiles import get_profile
from repscope.errors import InputError
from repscope.recording import Recording
from repscope.simulate import SetSpec, simulate_set

CASES = [("squat", "X-0-X-0", 365001), ("bench", "2-0-1-0", 365002), ("ohp", "2-0-X-0", 365004)]


def _sim(exercise: str, tempo: str, seed: int) -> Recording:
    spec = SetSpec(exercise, n_reps=5, tempo=tempo, rest_before_s=2.0, rest_after_s=2.0)
    return simulate_set(spec, sampling_rate_hz=100.0, placement="bar", seed=seed).recording


def _after(rec: Recording, t0: float) -> Recording:
    keep = rec.time_s >= t0 - 1e-9
    assert rec.gyr_dps is not None
    return Recording.from_arrays(
        time_s=rec.time_s[keep], acc_g=rec.acc_g[keep], gyr_dps=rec.gyr_dps[keep], meta=rec.meta
    )


@pytest.mark.parametrize(("exercise", "tempo", "seed"), CASES)
def test_the_rest_of_a_set_from_a_rep_end_gives_the_reps_of_the_whole_set(exercise, tempo, seed):
    """A recording cut at a rep's end, with that instant's orientation and zero velocity."""
    rec = _sim(exercise, tempo, seed)
    whole = run_stages(
        rec,
        placement="bar",
        profile=get_profile(exercise),
        tempo=None,
        config=AnalysisConfig(),
    )
    reps = analyze_recording(rec).reps
    (found,) = whole.found
    assert found.signals.orientation is not None
    time_s = whole.timebase.grid.time_s
    end = float(reps["end_s"].iloc[1])
    i = int(np.searchsorted(time_s, end))
    start = found.signals.orientation.start_at(i)
    rest = analyze_recording(
        _after(rec, float(time_s[i])), initial_orientation=start, starts_at_rest=True
    )
    later = reps.iloc[2:]
    assert len(rest.reps) == len(later)
    for col in ("start_s", "end_s", "eccentric_s", "concentric_s"):
        np.testing.assert_allclose(rest.reps[col], later[col], atol=0.035, err_msg=col)
    assert rest.provenance["starts_at_rest"] is True
    assert rest.provenance["initial_orientation"]["quat_wxyz"] == list(start.quat_wxyz)
    assert "starts_at_rest" not in analyze_recording(rec).provenance


def test_continued_orientation_follows_the_offline_estimate():
    """The real-time filter from the offline state at a rep's end: the same vertical acc."""
    rec = _sim("squat", "X-0-X-0", 365001)
    assert rec.gyr_dps is not None
    offline = OfflineVQF().estimate(rec.acc_g, rec.gyr_dps, sampling_rate_hz=100.0)
    i = 870  # mid-set, 8.7 s: the first rep's end
    start = offline.start_at(i)
    assert start is not None
    continued = OfflineVQF().estimate(
        rec.acc_g[i:], rec.gyr_dps[i:], sampling_rate_hz=100.0, start=start
    )
    assert continued.quat_wxyz is not None
    np.testing.assert_allclose(continued.quat_wxyz[0], start.quat_wxyz, atol=0.02)
    n = 300  # the next 3 s
    err = continued.vertical_acc_mps2[:n] - offline.vertical_acc_mps2[i : i + n]
    assert np.abs(err).max() < 0.01  # m/s^2


def test_an_initial_orientation_is_a_unit_quaternion():
    assert OrientationStart((2.0, 0.0, 0.0, 0.0)).quat_wxyz == (1.0, 0.0, 0.0, 0.0)
    with pytest.raises(InputError):
        OrientationStart((0.0, 0.0, 0.0, 0.0))
    with pytest.raises(InputError):
        OrientationStart((1.0, 0.0, 0.0, 0.0), gyr_bias_dps=(float("nan"), 0.0, 0.0))
