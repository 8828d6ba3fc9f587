"""LiveSettings: every tunable of the live engine, validated, and written to the sidecar."""

import dataclasses
import json

import pytest

from repscope.errors import InputError
from repscope.live import LiveAnalyzer, LiveSettings
from repscope.live.session import mark_interruptions


def test_defaults_round_trip_through_json():
    settings = LiveSettings()
    data = json.loads(json.dumps(settings.to_dict()))
    assert LiveSettings(**{**data, "look_back_s": tuple(data["look_back_s"])}) == settings
    assert set(data) == set(LiveSettings.names())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("update_interval_s", 0.0),
        ("deadline_s", -0.1),
        ("buffer_s", float("nan")),
        ("burst_n", 0),
        ("look_aside_n", 1.5),
        ("look_back_s", (0.1, -0.2)),
        ("max_lag_s", -1.0),
        ("settle_s", "0.1"),
    ],
)
def test_bad_values_are_refused(name, value):
    with pytest.raises(InputError, match=name):
        LiveSettings(**{name: value})


def test_window_lengths_must_nest():
    with pytest.raises(InputError, match="min_window_s <= max_window_s"):
        LiveSettings(min_window_s=10.0, max_window_s=5.0)
    with pytest.raises(InputError, match="buffer_s"):
        LiveSettings(max_window_s=30.0, buffer_s=20.0, idle_window_s=10.0)


def test_the_analyzer_takes_settings_and_single_overrides():
    base = LiveSettings(deadline_s=0.4)
    analyzer = LiveAnalyzer(
        sampling_rate_hz=100, placement="bar", exercise="squat", settings=base, max_lag_s=None
    )
    assert analyzer.settings == dataclasses.replace(base, max_lag_s=None)
    with pytest.raises(TypeError, match="no_such_setting"):
        LiveAnalyzer(sampling_rate_hz=100, placement="bar", exercise="squat", no_such_setting=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        analyzer.settings.deadline_s = 1.0  # type: ignore[misc]


def test_the_settings_go_into_the_sidecar(tmp_path):
    csv = tmp_path / "rec.csv"
    sidecar = tmp_path / "rec.json"
    csv.write_text("")
    sidecar.write_text(json.dumps({"extra": {"athlete": "a"}}))
    mark_interruptions(csv, [], settings=LiveSettings().to_dict())
    data = json.loads(sidecar.read_text())
    assert data["extra"]["athlete"] == "a"
    assert data["extra"]["live"]["settings"] == LiveSettings().to_dict()


def test_the_facts_of_a_window_are_arguments_of_the_analysis():
    # The engine passes the noise floor it has seen and whether a window ends at rest as
    # arguments; they act as the StillnessSettings fields do, which stay at their defaults.
    from repscope.analysis import AnalysisConfig, analyze_recording
    from repscope.recording import Recording
    from repscope.simulate import SetSpec, simulate_set

    sim = simulate_set(
        SetSpec("squat", n_reps=5, tempo="3-0-1-0"),
        sampling_rate_hz=100,
        placement="bar",
        seed=90008,
    )
    rec = sim.recording
    floor = analyze_recording(rec, tempo="3-0-1-0").provenance["noise_floor_mps2"]
    keep = (rec.time_s >= 10.56) & (rec.time_s <= 20.19)
    window = Recording.from_arrays(
        time_s=rec.time_s[keep], acc_g=rec.acc_g[keep], gyr_dps=rec.gyr_dps[keep], meta=rec.meta
    )
    base = AnalysisConfig()
    by_settings = dataclasses.replace(
        base,
        stillness=dataclasses.replace(base.stillness, noise_floor_mps2=floor, ends_at_rest=True),
    )
    old = analyze_recording(window, tempo="3-0-1-0", config=by_settings)
    new = analyze_recording(
        window, tempo="3-0-1-0", config=base, known_noise_floor_mps2=floor, ends_at_rest=True
    )
    assert new.provenance["noise_floor_mps2"] == pytest.approx(floor)
    assert new.provenance["parameters"]["stillness"]["noise_floor_mps2"] is None
    cols = ["start_s", "end_s", "eccentric_s", "concentric_s"]
    assert new.reps[cols].equals(old.reps[cols])
