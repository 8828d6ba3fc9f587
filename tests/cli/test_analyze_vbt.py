"""`repscope analyze` velocity-based training through the CLI: MPV, loads, power, 1RM, RIR."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.optimize import brentq

from repscope.cli.main import cli
from repscope.io import write_recording
from repscope.recording import STANDARD_GRAVITY_MPS2 as G
from repscope.simulate.block import default_profile
from synthetic import bench_set

ROM_M, FAST_S = 0.45, 0.4


def _json(args):
    result = CliRunner().invoke(cli, ["analyze", *map(str, args), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _reps(data):
    return pd.DataFrame([rep for s in data["sets"] for rep in s["reps"]])


def _simulate(path, *args):
    result = CliRunner().invoke(cli, ["simulate", str(path), *map(str, args)])
    assert result.exit_code == 0, result.output


def test_mpv_of_fast_reps_is_the_hand_computed_propulsive_mean(tmp_path):
    # minimum-jerk concentrics of 0.45 m in 0.4 s brake harder than gravity after the
    # peak; by hand (a = -g at tau_p) the propulsive mean is 1.304 m/s, MCV 1.125 m/s
    recording, _ = bench_set(n_reps=4, tempo=(2.0, 0.5, FAST_S, 1.0), rom_m=ROM_M)
    path = tmp_path / "fast.csv"
    write_recording(recording, path)
    tau_p = brentq(lambda t: 60 * ROM_M / FAST_S**2 * t * (1 - t) * (1 - 2 * t) + G, 0.5, 0.79)
    by_hand = ROM_M * (10 * tau_p**3 - 15 * tau_p**4 + 6 * tau_p**5) / (tau_p * FAST_S)
    reps = _reps(_json([path]))
    assert len(reps) == 4
    assert (reps["mean_propulsive_velocity_mps"] > reps["mean_concentric_velocity_mps"]).all()
    # the stroke finder starts each concentric about a sample early (10 ms of 0.25 s)
    assert reps["mean_propulsive_velocity_mps"].to_numpy() == pytest.approx(by_hand, rel=0.05)


def test_mpv_equals_mcv_when_the_bar_never_brakes_and_power_needs_a_load(tmp_path):
    recording, _ = bench_set(n_reps=4)  # 1 s concentrics: peak deceleration 2.6 m/s^2
    path = tmp_path / "slow.csv"
    write_recording(recording, path)
    data = _json([path])
    reps = _reps(data)
    assert (reps["mean_propulsive_velocity_mps"] == reps["mean_concentric_velocity_mps"]).all()
    assert reps["load_kg"].isna().all() and reps["mean_concentric_power_w"].isna().all()
    assert data["provenance"]["velocity_based_training"]["load_source"] == "unknown"

    out = tmp_path / "reps.csv"
    loaded = _json([path, "--set-loads", "80", "--reps-out", out])
    reps = _reps(loaded)
    assert (reps["load_kg"] == 80).all()
    # mean concentric power of a rise between two rests is m g MCV
    expected = 80 * G * reps["mean_concentric_velocity_mps"]
    assert reps["mean_concentric_power_w"].to_numpy() == pytest.approx(expected, rel=0.05)
    assert (reps["peak_concentric_power_w"] > reps["mean_concentric_power_w"]).all()
    table = pd.read_csv(out)
    assert {"mean_propulsive_velocity_mps", "load_kg", "peak_concentric_power_w"} <= set(
        table.columns
    )


@pytest.fixture(scope="module")
def ramp(tmp_path_factory):
    """A warm-up ramp of four sets, 40-100 kg, on the line of a 130 kg 1RM."""
    path = tmp_path_factory.mktemp("ramp") / "ramp.csv"
    _simulate(
        path,
        "--sets", 4, "--set-loads", "40,60,80,100", "--one-rm-kg", 130, "--reps", 3,
        "--rest-s", 30, "--seed", 1,
    )  # fmt: skip
    return path


def test_same_day_profile_from_the_sidecar_recovers_the_1rm(ramp):
    assert json.loads(ramp.with_suffix(".json").read_text())["extra"]["set_loads_kg"] == [
        40.0,
        60.0,
        80.0,
        100.0,
    ]
    data = _json([ramp])
    assert [s["load_kg"] for s in data["sets"]] == [40.0, 60.0, 80.0, 100.0]
    profile = data["load_velocity_profile"]
    assert profile["refusal"] is None
    assert profile["one_rm_kg"] == pytest.approx(130.0, abs=5.0)
    assert profile["ci_low_kg"] <= 130.0 <= profile["ci_high_kg"]
    assert data["provenance"]["velocity_based_training"]["load_source"] == (
        "metadata extra.set_loads_kg"
    )


def test_set_loads_override_and_pounds_on_screen(ramp):
    pounds = "88.18,132.28,176.37,220.46"  # 40, 60, 80, 100 kg
    result = CliRunner().invoke(cli, ["analyze", str(ramp), "--set-loads", pounds, "--units", "lb"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "load 88.2 lb" in text and "set 4: 220.5 lb" in text
    one_rm_lb = float(text.split("estimated 1RM ")[1].split(" lb")[0])
    assert one_rm_lb * 0.45359237 == pytest.approx(130.0, abs=5.0)
    assert "95% interval" in text

    data = _json([ramp, "--set-loads", pounds, "--units", "lb"])
    assert data["sets"][3]["load_kg"] == pytest.approx(100.0, abs=0.01)  # JSON stays in kg


def test_set_loads_must_match_the_sets(ramp):
    result = CliRunner().invoke(cli, ["analyze", str(ramp), "--set-loads", "60,80"])
    assert result.exit_code == 2
    assert "2 loads given, but the analysis found 4 set(s)" in result.output


def test_rir_estimate_near_failure_and_refusal_far_from_it(tmp_path):
    # 3% velocity loss per rep from the line's velocity at the load (the simulator's model):
    # the rep at the bench MVT (0.16 m/s) is known
    path = tmp_path / "heavy.csv"
    _simulate(path, "--reps", 14, "--load-kg", 120, "--one-rm-kg", 130, "--seed", 4)
    v_load = default_profile("bench", 130).velocity_at(120)
    true_rir = 1 + (1 - 0.16 / v_load) / 0.03 - 14  # 1.7
    set_row = _json([path])["sets"][0]
    assert math.isfinite(set_row["estimated_rir"]), set_row["estimated_rir_note"]
    assert set_row["estimated_rir"] == pytest.approx(true_rir, abs=1.5)
    assert set_row["estimated_rir_low"] <= set_row["estimated_rir"] <= set_row["estimated_rir_high"]
    assert set_row["estimated_rir_note"].startswith("an estimate")

    light = tmp_path / "light.csv"
    _simulate(light, "--reps", 4, "--load-kg", 60, "--one-rm-kg", 130, "--seed", 4)
    set_row = _json([light])["sets"][0]
    assert set_row["estimated_rir"] is None
    assert set_row["estimated_rir_note"].startswith("no RIR estimate")


@pytest.fixture(scope="module")
def three_sets(tmp_path_factory):
    """Three sets at 60, 80, 100 kg whose speed ignores the load; set 3 rushed and short."""
    path = tmp_path_factory.mktemp("three") / "three.csv"
    _simulate(
        path,
        "--sets", 3, "--set-loads", "60,80,100", "--reps", 5, "--rest-s", 30, "--seed", 5,
        "--fault", "3:2:rushed_negative", "--fault", "3:3:rushed_negative",
        "--fault", "3:4:partial_rom", "--fault", "3:5:partial_rom",
    )  # fmt: skip
    return path


def test_working_sets_are_compared_with_the_lightest(three_sets):
    result = CliRunner().invoke(cli, ["analyze", str(three_sets)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Against set 1 (the lightest set), the lifter's baseline:" in text
    assert "set 2: no drift in tempo, range, smoothness or bar path" in text
    assert "set 3: lowering" in text and "range 0.3" in text
    # a flat line (the simulator's speed ignores load without --one-rm-kg) gives no number
    assert "no 1RM estimate: velocity falls too little with load" in text
    assert "estimated 1RM" not in text

    data = _json([three_sets, "--reference-set", 2])
    comparison = data["reference_comparison"]
    assert comparison["reference_set"] == 2 and comparison["why"] == "named with --reference-set"
    assert {d["set"] for d in comparison["drifts"]} == {3}
    assert "rom_m" in {d["measure"] for d in comparison["drifts"]}
    assert data["load_velocity_profile"]["refusal"].startswith("velocity falls too little")

    missing = CliRunner().invoke(cli, ["analyze", str(three_sets), "--reference-set", 4])
    assert missing.exit_code == 2
    assert "--reference-set: there is no set 4: the analysis found 3 set(s)" in missing.output


def test_a_set_is_compared_with_a_baseline_from_another_recording(tmp_path):
    # the lifter's normal set recorded on its own, then a set done to part range
    normal = tmp_path / "normal.csv"
    _simulate(normal, "--reps", 5, "--seed", 6)
    half = tmp_path / "half.csv"
    _simulate(
        half, "--reps", 5, "--seed", 7,
        *[arg for k in range(1, 6) for arg in ("--fault", f"1:{k}:partial_rom")],
    )  # fmt: skip
    result = CliRunner().invoke(cli, ["analyze", str(half), "--reference-recording", str(normal)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Against set 1 of normal.csv (its only set), the lifter's baseline:" in text
    assert "set 1:" in text and "range 0." in text
    data = _json([half, "--reference-recording", normal])
    comparison = data["reference_comparison"]
    assert comparison["reference"] == "set 1 of normal.csv"
    rom = [d for d in comparison["drifts"] if d["measure"] == "rom_m"]
    assert rom and rom[0]["value"] < 0.8 * rom[0]["reference"]
    # the same set as its own baseline has no drift
    same = _json([normal, "--reference-recording", normal])["reference_comparison"]
    assert same["drifts"] == []
    # a set the reference recording does not have is a one-line error naming it
    missing = CliRunner().invoke(
        cli, ["analyze", str(half), "--reference-recording", str(normal), "--reference-set", 3]
    )
    assert missing.exit_code == 2
    assert "normal.csv" in missing.output and "there is no set 3" in missing.output
