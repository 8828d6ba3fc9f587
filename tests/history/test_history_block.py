"""Simulated training blocks: schedule, loads, and a known load-velocity truth."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest
from _history_block import BLOCK, simulate_block

from repscope.errors import InputError
from repscope.simulate.block import AthleteProfile, training_block_truth


def test_schedule_loads_and_metadata(block_recordings):
    truth = training_block_truth(block_recordings)
    assert len(block_recordings) == BLOCK["weeks"] * BLOCK["sessions_per_week"] == 9
    days = [datetime.fromisoformat(r.meta.start_time_utc).date() for r in block_recordings]
    assert days[0] == date(2025, 1, 6)
    assert [(d - days[0]).days for d in days] == [0, 2, 5, 7, 9, 12, 14, 16, 19]
    for rec in block_recordings:
        assert (rec.meta.athlete, rec.meta.exercise, rec.meta.placement) == ("ana", "bench", "bar")
        assert rec.meta.sampling_rate_hz == 50.0
        assert rec.meta.load_kg == rec.meta.extra["block"]["load_kg"]
        assert rec.meta.load_kg % 2.5 == 0 and 0 < rec.meta.load_kg < 100
    # heavy, light, medium days; each week heavier than the one before
    assert list(truth["load_kg"]) == [65.0, 55.0, 60.0, 75.0, 65.0, 70.0, 85.0, 75.0, 80.0]
    profile = AthleteProfile(100.0, 0.16, 1.8)
    assert truth["true_velocity_mps"].to_numpy() == pytest.approx(
        [profile.velocity_at(v) for v in truth["load_kg"]]
    )


def test_each_rep_moves_at_its_planned_velocity(block_recordings):
    for rec in block_recordings:
        block = rec.meta.extra["block"]
        sets = rec.meta.extra["simulator"]["sets"]
        assert len(sets) == len(block["rep_velocity_mps"]) == 2
        for spec, velocities in zip(sets, block["rep_velocity_mps"], strict=True):
            rom = np.array([r["rom_m"] for r in spec["reps"]])
            concentric = np.array([r["concentric_s"] for r in spec["reps"]])
            np.testing.assert_allclose(rom / concentric, velocities, rtol=1e-12)
        # 3% slower per rep, plus N(0, 0.01 m/s) per rep, around the day's line
        line = block["true_velocity_mps"] + block["day_shift_mps"]
        planned = np.array(block["rep_velocity_mps"])
        residual = planned - line * (1 - 0.03 * np.arange(planned.shape[1]))
        assert np.abs(residual).max() < 0.05  # 5 SD of the rep noise


def test_same_seed_same_block_other_seed_other_block(block_recordings):
    again = simulate_block(0, fault_probability=0.2, weeks=1)
    assert np.array_equal(again[0].acc_g, block_recordings[0].acc_g)
    other = simulate_block(1, fault_probability=0.2, weeks=1)
    assert not np.array_equal(other[0].acc_g, block_recordings[0].acc_g)


def test_a_profile_without_noise_is_exact():
    profile = AthleteProfile(one_rm_kg=120.0, v1rm_mps=0.24, v0_mps=1.7)
    assert profile.velocity_at(120.0) == pytest.approx(0.24)
    assert profile.load_at(0.24) == pytest.approx(120.0)
    assert profile.velocity_at(0.0) == pytest.approx(1.7)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weeks": 0}, "weeks must be a positive whole number"),
        ({"exercise": "pushup"}, "unknown exercise 'pushup'"),
        ({"end_intensity": 1.1}, "outside \\(0, 1RM\\)"),
        ({"v1rm_mps": 2.0}, "need 0 < v1rm_mps < v0_mps"),
        ({"fault_probability": 1.5}, "fault_probability must lie in 0..1"),
    ],
)
def test_bad_arguments_are_one_line_errors(overrides, message):
    with pytest.raises(InputError, match=message):
        simulate_block(0, **overrides)
