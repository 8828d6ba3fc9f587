"""Rhythm-based segmentation: known answers on hand-built touch-and-go sets."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from repscope.analysis.segmentation import (
    MAX_PLAUSIBLE_EXCURSION_M,
    SegmentationSettings,
    position_proxy,
    rep_period,
    segment_cycles,
    sensor_noise_psd,
    vertical_acc_proxy,
)
from repscope.recording import STANDARD_GRAVITY_MPS2 as G

RATE = 50.0


def touch_and_go(
    n_reps: int,
    *,
    period_s: float = 2.5,
    rom_m: float = 0.5,
    lead_s: float = 2.0,
    tail_s: float = 2.0,
    concentric_first: bool = True,
    rotation: Rotation | None = None,
    noise_g: float = 0.005,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Specific force (g) of a bar doing ``n_reps`` cosine reps with no rest between them.

    Position ``rom/2 (1 - cos(2 pi t / T))`` (up first) or its negative (down first):
    each rep's middle turnaround is at ``lead_s + (k + 0.5) T``. Returns the force in the
    sensor frame (any mounting via ``rotation``) and the true middle turnaround times.
    """
    n = int((lead_s + n_reps * period_s + tail_s) * RATE)
    t = np.arange(n) / RATE
    tau = np.clip(t - lead_s, 0.0, n_reps * period_s)
    w = 2 * np.pi / period_s
    acc = (rom_m / 2) * w**2 * np.cos(w * tau)
    acc[(t < lead_s) | (t > lead_s + n_reps * period_s)] = 0.0
    if not concentric_first:
        acc = -acc
    world = np.zeros((n, 3))
    world[:, 2] = (G + acc) / G
    rng = np.random.default_rng(seed)
    world += rng.normal(0.0, noise_g, world.shape)
    sensor = world if rotation is None else rotation.inv().apply(world)
    turns = lead_s + (np.arange(n_reps) + 0.5) * period_s
    return sensor, turns


def test_the_proxy_is_the_vertical_acceleration_whatever_the_mounting() -> None:
    force, _ = touch_and_go(
        3, noise_g=0.0, rotation=Rotation.from_euler("xyz", [170, 20, 45], degrees=True)
    )
    upright, _ = touch_and_go(3, noise_g=0.0)
    np.testing.assert_allclose(vertical_acc_proxy(force), vertical_acc_proxy(upright), atol=1e-9)


def test_the_period_is_the_rep_period() -> None:
    force, _ = touch_and_go(8, period_s=2.2)
    period, regularity = rep_period(
        vertical_acc_proxy(force), sampling_rate_hz=RATE, settings=SegmentationSettings()
    )
    assert period == pytest.approx(2.2, abs=0.05)
    assert regularity > 0.5


def test_the_proxy_recovers_the_range_of_motion() -> None:
    force, _ = touch_and_go(8, rom_m=0.5, noise_g=0.0, lead_s=0.0, tail_s=0.0)
    pos = position_proxy(
        vertical_acc_proxy(force),
        sampling_rate_hz=RATE,
        period_s=2.5,
        settings=SegmentationSettings(),
    )
    mid = pos[int(2.5 * RATE) : -int(2.5 * RATE)]
    assert np.ptp(mid) == pytest.approx(0.5, rel=0.1)


@pytest.mark.parametrize("concentric_first", [True, False])
@pytest.mark.parametrize("n_reps", [4, 10])
@pytest.mark.parametrize("euler", [(0, 0, 0), (180, 0, 0), (35, 70, 10)])
def test_every_rep_of_a_touch_and_go_set_is_found(
    concentric_first: bool, n_reps: int, euler: tuple[int, int, int]
) -> None:
    force, turns = touch_and_go(
        n_reps,
        concentric_first=concentric_first,
        rotation=Rotation.from_euler("xyz", euler, degrees=True),
    )
    seg = segment_cycles(force, sampling_rate_hz=RATE, concentric_first=concentric_first)
    found = np.array([c.turn_idx / RATE for c in seg.cycles])
    assert found.size == n_reps
    np.testing.assert_allclose(found, turns, atol=0.1)
    for cycle in seg.cycles:
        assert cycle.start_idx < cycle.turn_idx < cycle.end_idx


def test_the_wrong_direction_finds_the_turnarounds_between_reps() -> None:
    # read as down-first, an up-first set's valleys (between reps) become the turnarounds:
    # the count is off by one at most, which is why the profile's first phase matters
    force, _ = touch_and_go(6, concentric_first=True)
    seg = segment_cycles(force, sampling_rate_hz=RATE, concentric_first=False)
    assert abs(len(seg.cycles) - 6) <= 1


def test_a_bar_at_rest_has_no_reps() -> None:
    rng = np.random.default_rng(3)
    force = np.tile([0.0, 0.0, 1.0], (int(30 * RATE), 1)) + rng.normal(
        0, 0.005, (int(30 * RATE), 3)
    )
    seg = segment_cycles(force, sampling_rate_hz=RATE, concentric_first=True)
    assert seg.cycles == []


def test_the_noise_density_is_measured_above_the_motion_band() -> None:
    rng = np.random.default_rng(4)
    sigma = 0.05  # m/s^2, white over 0..25 Hz
    acc = rng.normal(0.0, sigma, int(60 * RATE))
    psd = sensor_noise_psd(acc, sampling_rate_hz=RATE)
    # the density is sigma^2 / Nyquist; the quietest of 60 seconds reads it low (about
    # 0.6 for 40 degrees of freedom a second), never high
    ratio = psd / (sigma**2 / (RATE / 2))
    assert 0.4 < ratio < 1.0


def test_small_movements_among_reps_are_not_reps() -> None:
    force, _ = touch_and_go(8, rom_m=0.5)
    small, _ = touch_and_go(1, rom_m=0.08, lead_s=0.5, tail_s=0.5, noise_g=0.0)
    joined = np.vstack([small, force])
    seg = segment_cycles(joined, sampling_rate_hz=RATE, concentric_first=True)
    assert len(seg.cycles) == 8


def test_rests_longer_than_a_set_gap_split_bouts() -> None:
    first, _ = touch_and_go(5, tail_s=20.0)
    second, _ = touch_and_go(6, lead_s=0.5, seed=1)
    seg = segment_cycles(np.vstack([first, second]), sampling_rate_hz=RATE, concentric_first=True)
    assert [len(b.cycles) for b in seg.bouts] == [5, 6]


def test_an_implausible_excursion_gives_no_reps() -> None:
    # one slow 'rep' of 3 m, as a wrong period integrates to
    force, _ = touch_and_go(3, period_s=6.0, rom_m=3.0)
    seg = segment_cycles(force, sampling_rate_hz=RATE, concentric_first=True)
    assert seg.cycles == []
    assert any("not a lift" in b.rejected for b in seg.bouts)
    assert MAX_PLAUSIBLE_EXCURSION_M < 3.0


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError):
        SegmentationSettings(min_period_s=5.0, max_period_s=1.0)
    with pytest.raises(ValueError):
        SegmentationSettings(min_excursion_fraction=1.5)
