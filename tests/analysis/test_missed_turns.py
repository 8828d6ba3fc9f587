"""Reps the rhythm alone would miss: a partial rep between full ones, a slow first rep."""

from __future__ import annotations

import numpy as np
import pytest

from repscope.analysis.missed_turns import restore_missed_turns
from repscope.analysis.segmentation import SegmentationSettings, segment_cycles
from repscope.recording import STANDARD_GRAVITY_MPS2 as G

RATE = 50.0


def reps_force(
    roms_m: list[float], periods_s: list[float], *, noise_g: float = 0.003, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Specific force (g) of back-to-back cosine reps (down first), 2 s still each side.

    Returns the force and the true middle turnaround (bottom) times.
    """
    lead = 2.0
    pieces, turns, t0 = [np.zeros(int(lead * RATE))], [], lead
    for rom, period in zip(roms_m, periods_s, strict=True):
        t = np.arange(round(period * RATE)) / RATE
        w = 2 * np.pi / period
        pieces.append(-(rom / 2) * w**2 * np.cos(w * t))  # down first: -rom/2 (1 - cos)
        turns.append(t0 + period / 2)
        t0 += period
    pieces.append(np.zeros(int(lead * RATE)))
    acc = np.concatenate(pieces)
    force = np.zeros((acc.size, 3))
    force[:, 2] = (G + acc) / G
    force += np.random.default_rng(seed).normal(0.0, noise_g, force.shape)
    return force, np.array(turns)


def _found(force: np.ndarray) -> np.ndarray:
    seg = segment_cycles(force, sampling_rate_hz=RATE, concentric_first=False)
    return np.array([c.turn_idx / RATE for c in seg.cycles])


def test_a_partial_rep_between_full_ones_is_a_rep() -> None:
    roms = [0.5, 0.5, 0.5, 0.08, 0.5, 0.5, 0.5]
    force, turns = reps_force(roms, [2.4] * len(roms))
    found = _found(force)
    assert found.size == len(roms)
    np.testing.assert_allclose(found, turns, atol=0.4)


def test_a_slow_full_first_rep_is_a_rep_and_a_bar_at_rest_adds_none() -> None:
    roms = [0.5] * 6
    periods = [3.0] + [2.2] * 5  # the first rep a third slower, as a first rep may be
    force, turns = reps_force(roms, periods)
    found = _found(force)
    assert found.size == len(roms)
    np.testing.assert_allclose(found, turns, atol=0.5)


def test_restore_adds_the_best_candidate_of_a_long_stretch_only() -> None:
    period = 180.0
    t = np.arange(600, dtype=float)
    # full turnarounds at 100 and 500, a small one (0.2 high) at 300 between them
    x = np.cos(2 * np.pi * (t - 100) / 200)
    inner = np.abs(t - 300) <= 100
    x[inner] = -1.0 + 0.1 * (1.0 + np.cos(2 * np.pi * (t[inner] - 300) / 200))
    kept = np.array([100, 500])
    candidates = np.array([100, 300, 500])
    out = restore_missed_turns(x, kept, candidates, period_samples=period, floor_m=0.05)
    assert list(out) == [100, 300, 500]
    # under the floor: not a rep
    out = restore_missed_turns(x, kept, candidates, period_samples=period, floor_m=0.5)
    assert list(out) == [100, 500]
    # more than two and a half periods apart: one slow rep, not two
    out = restore_missed_turns(x, kept, candidates, period_samples=100.0, floor_m=0.05)
    assert list(out) == [100, 500]


@pytest.mark.parametrize(
    "name", ["min_hidden_excursion_fraction", "full_range_fraction", "slow_rep_factor"]
)
def test_the_new_settings_are_validated(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        SegmentationSettings(**{name: 0.0})


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_partial_edge_rep_at_the_sets_tempo_is_a_rep(where: str) -> None:
    # a third of the range at the set's own tempo: gentle (its activity about a third of
    # the typical) but rising and falling like a rep, and no longer than the set's reps
    roms = [0.5] * 6
    roms[0 if where == "first" else -1] = 0.17
    force, turns = reps_force(roms, [2.4] * len(roms))
    found = _found(force)
    assert found.size == len(roms)
    np.testing.assert_allclose(found, turns, atol=0.5)


def test_a_gentle_edge_move_slower_than_the_sets_reps_is_not_a_rep() -> None:
    # a third of the range over 1.7 periods at the set's start (a set-up move, such as a
    # curl's pick-up, takes longer than the set's reps): not counted
    roms = [0.2] + [0.5] * 6
    force, turns = reps_force(roms, [4.0] + [2.4] * 6)
    found = _found(force)
    assert found.size == len(roms) - 1
    np.testing.assert_allclose(found, turns[1:], atol=0.5)


#: Real-like dev sets of ``benchmarks/accuracy_sim.py --real-like --seed-base 360000``
#: (seed: exercise, reps, faults) whose first or last rep the rhythm used to lose: a partial
#: last rep (360114, 360102), a partial first rep whose outer valley the band filter puts
#: at the recording's first sample (360099), a slow last rep cut the same way (360118).
REAL_LIKE_EDGE_SETS = {
    360114: ("ohp", 7, {1: "rushed_negative", 2: "swing", 7: "partial_rom"}),
    360102: ("row", 8, {1: "rushed_negative", 4: "grind", 8: "partial_rom"}),
    360099: ("bench", 12, {1: "partial_rom", 3: "grind", 7: "grind", 12: "rushed_negative"}),
    360118: ("row", 9, {7: "partial_rom", 9: "grind"}),
}


@pytest.mark.parametrize("seed", sorted(REAL_LIKE_EDGE_SETS))
def test_a_real_like_set_counts_its_gentle_edge_rep(seed: int) -> None:
    import dataclasses

    from repscope.analysis import analyze_recording
    from repscope.simulate import (
        REAL_LIKE_SENSOR_RATE_HZ,
        real_like_sensor,
        real_like_set,
        simulate_set,
    )

    exercise, n_reps, faults = REAL_LIKE_EDGE_SETS[seed]
    rng = np.random.default_rng([seed, 7])  # the stream of benchmarks/accuracy_sim.py
    spec = real_like_set(exercise, rng=rng, n_reps=n_reps)
    sensor = real_like_sensor(rng=rng)
    spec = dataclasses.replace(spec, faults=faults)
    res = simulate_set(
        spec, sampling_rate_hz=REAL_LIKE_SENSOR_RATE_HZ, placement="bar", sensor=sensor, seed=seed
    )
    reps = analyze_recording(res.recording, tempo=str(spec.tempo)).reps
    assert len(res.truth) == n_reps
    assert len(reps) == n_reps
