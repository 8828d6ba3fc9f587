"""The live engine on simulated sets: reps as batch analysis finds them, on time, bounded."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from repscope.analysis import AnalysisConfig, analyze_recording
from repscope.analysis.reps import RepSettings
from repscope.errors import InputError
from repscope.live import LiveAnalyzer, SampleRing, TurnaroundDetector, replay_live
from repscope.live.session import replay_recording
from repscope.simulate import SetSpec, simulate_session, simulate_set

PHASES = ("eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s")
PHASE_NAMES = ("rest", "eccentric", "bottom_pause", "concentric", "top_pause")

# Tolerances for the first report of a rep against `repscope analyze` on the same data.
# benchmarks/bench_live.py (16 sets of 8 designs per rate, evaluation seeds, docs/ble.md):
# at 100 Hz, 95% of first reports are within 0.33 s (eccentric) and 0.11 s (concentric) of
# the batch value; the rest come from windows that end while a slow stroke is still
# creeping to rest. The bounds leave room above the 95th percentile without hiding a
# window that ends in the wrong place (0.5-1.5 s off, as before the zero-velocity
# scheduling).
FIRST_REPORT_TOL_S = {"eccentric_s": 0.4, "concentric_s": 0.3}
# The set summary is the batch analysis of the whole buffered session, i.e. of the same
# samples `repscope analyze` sees when the session is one set: equal to rounding.
FINAL_TOL = 1e-9

CASES = [
    # (exercise, tempo, seed): eccentric-first with pauses, touch-and-go, concentric-first
    ("bench", "2-1-1-0", 11),
    ("squat", "X-0-X-0", 12),
    ("deadlift", "2-1-1-1", 13),
    ("ohp", "2-0-X-0", 14),
]


def _sim(exercise: str, tempo: str, seed: int, *, rate: float = 100.0, n_reps: int = 3):
    return simulate_set(
        SetSpec(exercise, n_reps=n_reps, tempo=tempo, rest_before_s=2.0, rest_after_s=2.0),
        sampling_rate_hz=rate,
        placement="bar",
        seed=seed,
    )


def _tempo(code: str) -> str | None:
    return None if "X" in code else code


@pytest.fixture(scope="module", params=CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def replayed(request):
    exercise, tempo, seed = request.param
    sim = _sim(exercise, tempo, seed)
    batch = analyze_recording(sim.recording, tempo=_tempo(tempo))
    result = replay_live(sim.recording, tempo=_tempo(tempo))
    return sim, batch, result


def test_every_rep_is_reported_once_with_the_batch_count(replayed):
    sim, batch, result = replayed
    first = result.reps()
    assert len(first) == len(batch.reps) == len(sim.truth)
    assert [r["rep"] for r in first] == list(range(1, len(first) + 1))
    assert {r["set"] for r in first} == {1}
    kinds = [e.kind for e in result.events if e.kind not in ("phase", "rep_updated")]
    assert kinds == ["set_started"] + ["rep_completed"] * len(first) + ["set_ended"]


def test_first_reports_match_batch_within_tolerance(replayed):
    _, batch, result = replayed
    for row, (_, ref) in zip(result.reps(), batch.reps.iterrows(), strict=True):
        assert abs(row["end_s"] - ref["end_s"]) < 0.3
        for col, tol in FIRST_REPORT_TOL_S.items():
            assert abs(row[col] - ref[col]) <= tol, (col, row[col], ref[col])


def test_set_summary_is_the_batch_analysis(replayed):
    _, batch, result = replayed
    (ended,) = [e for e in result.events if e.kind == "set_ended"]
    assert ended.complete
    assert len(ended.reps) == len(batch.reps)
    for row, (_, ref) in zip(ended.reps, batch.reps.iterrows(), strict=True):
        for col in ("start_s", "end_s", *PHASES, "rom_m", "mean_concentric_velocity_mps"):
            a, b = float(row[col]), float(ref[col])
            assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= FINAL_TOL, col
        assert row["flags"] == ref["flags"]
    summary = batch.sets.iloc[0]
    assert ended.summary["n_reps"] == summary["n_reps"]
    assert ended.summary["tempo_code"] == summary["tempo_code"]
    assert ended.summary["verdict"] == summary["verdict"]


def test_reps_are_reported_within_half_a_second_of_their_end(replayed):
    sim, _, result = replayed
    truth_end = sim.truth["end_s"].to_numpy()
    for event in result.events:
        if event.kind == "rep_completed":
            end = truth_end[event.rep_number - 1]
            # data time only (compute time is benchmarked in benchmarks/bench_live.py). A
            # rep can be reported up to ~0.2 s before the simulator's nominal end: a
            # minimum-jerk stroke creeps the last 0.1-0.2 s below 5 cm/s, and the bar is
            # taken to have stopped (the first report's phase is then that much short,
            # corrected by rep_updated and the set summary).
            assert -0.25 <= event.time_s - end <= 0.5


@pytest.mark.parametrize(
    ("exercise", "tempo", "seed", "n_reps"),
    # the second: touch-and-go curls at 50 Hz, where the engine re-anchors the detector
    # and looks back after late detections (see the module docs)
    [("squat", "X-0-X-0", 21, 2), ("curl", "2-0-1-0", 11, 5)],
)
def test_events_do_not_depend_on_how_the_stream_is_chunked(exercise, tempo, seed, n_reps):
    sim = _sim(exercise, tempo, seed, rate=50.0, n_reps=n_reps)

    def events(chunk_s):
        # without leaving windows out for lag, which depends on the machine's speed
        analyzer = LiveAnalyzer(
            sampling_rate_hz=50,
            placement="bar",
            exercise=exercise,
            tempo=_tempo(tempo),
            max_lag_s=None,
        )
        out = replay_recording(sim.recording, analyzer, chunk_s=chunk_s).events
        return [(e.kind, round(e.time_s, 9), e.rep_number, e.phase) for e in out]

    reference = events(0.03)
    assert any(kind == "rep_completed" for kind, *_ in reference)
    assert events(0.07) == reference
    assert events(0.9) == reference


def test_phase_events_follow_the_movement(replayed):
    sim, _, result = replayed
    phases = [(e.time_s, e.phase) for e in result.events if e.kind == "phase"]
    assert {p for _, p in phases} <= set(PHASE_NAMES)

    def phase_at(t):
        return [p for s, p in phases if s <= t][-1]

    for _, rep in sim.truth.iterrows():
        # shown within 0.3 s of the phase's start (the detector needs 0.1 m/s first)
        ecc_mid = 0.5 * (rep["eccentric_start_s"] + rep["eccentric_end_s"])
        con_mid = 0.5 * (rep["concentric_start_s"] + rep["concentric_end_s"])
        assert phase_at(max(ecc_mid, rep["eccentric_start_s"] + 0.3)) == "eccentric"
        assert phase_at(max(con_mid, rep["concentric_start_s"] + 0.3)) == "concentric"


def test_flags_as_they_happen_against_the_prescribed_tempo():
    sim = simulate_set(
        SetSpec(
            "bench",
            n_reps=2,
            tempo="3-1-1-0",
            faults={2: "rushed_negative"},
            rest_before_s=2.0,
            rest_after_s=1.0,
        ),
        sampling_rate_hz=100,
        placement="bar",
        seed=23,
    )
    result = replay_live(sim.recording, tempo="3-1-1-0")
    rows = {r["rep"]: r for r in result.reps()}
    assert "rushed_negative" in rows[2]["flags"].split(";")
    assert "lowered in" in rows[2]["flag_reasons"] and "target 3 s" in rows[2]["flag_reasons"]
    assert "rushed_negative" not in rows[1]["flags"]


def test_two_sets_start_and_end_with_the_batch_rule():
    # the batch rule with a shorter set gap (5 s) keeps the simulated rests short
    config = AnalysisConfig(reps=RepSettings(set_gap_s=5.0))
    sets = [
        SetSpec("squat", n_reps=2, tempo="X-0-X-0", rest_before_s=2.0, rest_after_s=4.0),
        SetSpec("squat", n_reps=2, tempo="X-0-X-0", rest_before_s=4.0, rest_after_s=1.0),
    ]
    sim = simulate_session(sets, sampling_rate_hz=50, placement="bar", seed=24)
    batch = analyze_recording(sim.recording, config=config)
    result = replay_live(sim.recording, config=config)
    started = [e for e in result.events if e.kind == "set_started"]
    ended = [e for e in result.events if e.kind == "set_ended"]
    assert [e.set_number for e in started] == [1, 2]
    assert [e.set_number for e in ended] == [1, 2]
    assert [len(e.reps) for e in ended] == list(batch.sets["n_reps"]) == [2, 2]
    # the first set ends once set_gap_s of rest have followed its last rep, before the
    # second set starts
    last_end = max(r["end_s"] for r in result.reps() if r["set"] == 1)
    assert last_end + 5.0 < ended[0].time_s < started[1].time_s
    for event, (_, ref) in zip(ended, batch.sets.iterrows(), strict=True):
        assert event.summary["n_reps"] == ref["n_reps"]
        assert abs(event.summary["mean_concentric_s"] - ref["mean_concentric_s"]) < 0.05
    # between the sets the phase is rest, not a pause
    phases = [(e.time_s, e.phase) for e in result.events if e.kind == "phase"]
    assert [p for t, p in phases if t <= ended[0].time_s][-1] == "rest"


def test_memory_is_bounded_by_the_buffer():
    rate = 50.0
    analyzer = LiveAnalyzer(
        sampling_rate_hz=rate,
        placement="bar",
        exercise="squat",
        buffer_s=8.0,
        max_window_s=6.0,
        idle_window_s=6.0,
        min_window_s=4.0,
    )
    rng = np.random.default_rng(0)
    sizes = []
    for second in range(20):  # 20 s of a sensor at rest, 1 s per push
        t = second + np.arange(int(rate)) / rate
        acc = np.tile([0.0, 0.0, 1.0], (t.size, 1)) + rng.normal(0, 0.003, (t.size, 3))
        gyr = rng.normal(0, 0.1, (t.size, 3))
        assert analyzer.push(t, acc, gyr) == [] or second < 3
        sizes.append(analyzer.buffer_nbytes)
    assert analyzer.buffered_s <= 8.0 * 1.05  # 5% for sensors faster than nominal
    assert len(set(sizes)) == 1  # allocated once
    assert sizes[0] < 8.0 * rate * 1.05 * 7 * 8 * 2 + 1000


def test_sample_ring_keeps_the_newest_samples_in_order():
    ring = SampleRing(5, 1)
    for start in range(0, 23, 3):
        t = np.arange(start, start + 3, dtype=float)
        ring.extend(t, t[:, None] * 10)
    assert len(ring) == 5
    t, values = ring.since(-1.0)
    np.testing.assert_array_equal(t, [19, 20, 21, 22, 23])
    np.testing.assert_array_equal(values[:, 0], t * 10)
    np.testing.assert_array_equal(ring.since(20.5, 22.0)[0], [21, 22])
    assert (ring.oldest_time_s, ring.newest_time_s) == (19.0, 23.0)
    ring.extend(np.arange(100.0, 108.0), np.zeros((8, 1)))  # more than the capacity at once
    np.testing.assert_array_equal(ring.since(0.0)[0], [103, 104, 105, 106, 107])


def test_turnaround_detector_finds_the_ends_of_strokes():
    # sensor flat, bar up 0.4 m in 1 s (minimum jerk), then straight down in 1.5 s, rest
    rate = 100.0
    t = np.arange(0, 6, 1 / rate)

    def min_jerk_acc(t, t0, duration, distance):
        tau = np.clip((t - t0) / duration, 0, 1)
        inside = (t >= t0) & (t <= t0 + duration)
        return inside * distance / duration**2 * (60 * tau - 180 * tau**2 + 120 * tau**3)

    acc_z = min_jerk_acc(t, 1.0, 1.0, 0.4) + min_jerk_acc(t, 2.0, 1.5, -0.4)
    acc_g = np.column_stack([np.zeros_like(t), np.zeros_like(t), 1.0 + acc_z / 9.80665])
    detector = TurnaroundDetector(sampling_rate_hz=rate)
    marks = detector.feed(acc_g, np.zeros_like(acc_g))
    kinds = [(k, d) for _, k, d in marks]
    assert kinds[:3] == [("move", 1), ("turn", 1), ("move", -1)]
    assert len(kinds) == 4 and kinds[3][0] in ("turn", "stop") and kinds[3][1] == -1
    times = [t[i] for i, _, _ in marks]
    assert 1.0 < times[0] < 1.4  # 0.1 m/s is reached 0.2 s into the stroke
    assert abs(times[1] - 2.0) < 0.1  # the turnaround at the top (the bursts cover 0.25 s)
    assert 3.3 <= times[3] <= 3.6  # the down stroke ends at 3.5 s


def test_bad_input_is_one_line_error():
    analyzer = LiveAnalyzer(sampling_rate_hz=100, placement="bar", exercise="bench")
    acc = np.tile([0.0, 0.0, 1.0], (3, 1))
    analyzer.push([0.0, 0.01, 0.02], acc, None)
    with pytest.raises(InputError, match="strictly increasing"):
        analyzer.push([0.02, 0.03, 0.04], acc, None)
    with pytest.raises(InputError, match="gyroscope throughout"):
        analyzer.push([0.05, 0.06, 0.07], acc, np.zeros((3, 3)))
    with pytest.raises(InputError, match="placement"):
        LiveAnalyzer(sampling_rate_hz=100, placement="ankle", exercise="bench")
    with pytest.raises(InputError, match="sampling_rate_hz"):
        LiveAnalyzer(sampling_rate_hz=0, placement="bar", exercise="bench")
    with pytest.raises(InputError, match="unknown exercise"):
        LiveAnalyzer(sampling_rate_hz=100, placement="bar", exercise="yoga")
    assert "\n" not in str(InputError("x", where="time_s", hint="y"))


def test_rep_updated_only_when_a_reported_field_changes(monkeypatch):
    # The set rule is replaced by one whose verdict on rep 1 is a known function of the
    # set's size, so that which corrections are due is known: after 2 reps rep 1 becomes
    # "jerky", after 3 it stays so with the same reason (nothing to report), after 4 the
    # reason changes, after 5 the flag goes again. Every update also changes rep 1's
    # velocity loss, which is not a correction.
    verdicts = {2: "A", 3: "A", 4: "B"}  # rep 1's reason after n reps; none otherwise
    seen: list[tuple[str, str]] = []

    def fake_flag_set(frame, *, thresholds, tempo):
        reason = verdicts.get(len(frame))
        first = (["jerky"], [f"test reason {reason}"]) if reason else ([], [])
        seen.append(("jerky" if reason else "", f"test reason {reason}" if reason else ""))
        rest = [([], [])] * (len(frame) - 1)
        return [first[0]] + [r[0] for r in rest], [first[1]] + [r[1] for r in rest]

    monkeypatch.setattr("repscope.live.sets.flag_set", fake_flag_set)
    sim = _sim("bench", "3-1-1-0", 31, n_reps=5)
    result = replay_live(sim.recording)
    first_rows = result.reps()
    assert len(first_rows) == 5
    rep1 = [e for e in result.events if e.rep_number == 1 and e.kind.startswith("rep_")]
    assert rep1[0].kind == "rep_completed"
    assert all(e.kind == "rep_updated" for e in rep1[1:])

    def shown(row):
        names = [f for f in row["flags"].split(";") if f]
        return ("jerky" if "jerky" in names else "", row["flag_reasons"] if names else "")

    emitted = [shown(e.row) for e in rep1]
    # never a correction that leaves the reported fields as they were ...
    assert all(a != b for a, b in itertools.pairwise(emitted))
    # ... and one for each change of what the rule says about rep 1
    expected = [v for i, v in enumerate(seen) if i == 0 or v != seen[i - 1]]
    assert emitted == expected
    assert len(expected) < len(seen)  # a repeat happened: the test can fail
    assert len(rep1) >= 3


def test_reps_are_reported_within_half_a_second_when_the_detector_is_late():
    # Touch-and-go sets where the causal velocity drifts and sees the end of a rep late
    # (before the look-back windows and the re-anchoring, reps here were reported up to
    # 3 s late, at the next stop). Data time only, as above.
    for exercise, tempo, seed, rate in (
        ("curl", "2-0-1-0", 11, 50.0),
        ("squat", "3-0-1-0", 5, 100.0),
    ):
        sim = simulate_set(
            SetSpec(exercise, n_reps=5, tempo=tempo),
            sampling_rate_hz=rate,
            placement="bar",
            seed=seed,
        )
        result = replay_live(sim.recording, tempo=_tempo(tempo))
        truth_end = sim.truth["end_s"].to_numpy()
        reported = [e for e in result.events if e.kind == "rep_completed"]
        assert len(reported) == len(truth_end)
        for event in reported:
            nearest = truth_end[np.argmin(np.abs(truth_end - event.row["end_s"]))]
            assert -0.4 <= event.time_s - nearest <= 0.5, (exercise, event.rep_number)


def _five_rep_bar_set(exercise, tempo, *, rate, seed):
    """A simulated five-rep set with the sensor on the bar."""
    return simulate_set(
        SetSpec(exercise, n_reps=5, tempo=tempo), sampling_rate_hz=rate, placement="bar", seed=seed
    )


def _five_rep_delays(exercise, tempo, *, rate, seed):
    """Report delays (data time) of a replayed five-rep bar set, as :func:`_report_delays`."""
    sim = _five_rep_bar_set(exercise, tempo, rate=rate, seed=seed)
    return _report_delays(sim, replay_live(sim.recording, tempo=_tempo(tempo)))


def _report_delays(sim, result):
    """Data time from each rep's true end to its ``rep_completed`` event."""
    truth_end = sim.truth["end_s"].to_numpy()
    reported = [e for e in result.events if e.kind == "rep_completed"]
    assert len(reported) == len(truth_end)
    nearest = [truth_end[np.argmin(np.abs(truth_end - e.row["end_s"]))] for e in reported]
    assert sorted(nearest) == list(truth_end)  # each rep once
    return [e.time_s - end for e, end in zip(reported, nearest, strict=True)]


@pytest.mark.parametrize("seed", [23, 34])
def test_a_rep_the_windows_cut_and_then_lose_is_reported_within_half_a_second(seed):
    # Overhead press 2-0-X-0 at 50 Hz: the slow eccentric creeps into the explosive press of
    # the next rep, and no window ends at its zero velocity. The windows at and after the
    # detector's stop or turnaround cut the rep (it ends 0-1 samples before each window,
    # inside the cut margin), and those in the press have lost it. Before the deadline
    # (and the stable-end rule), rep 4 was reported 0.85 s (seed 23) and 1.12 s (seed 34)
    # after its end, at the next turnaround. Data time only, as above.
    sim = simulate_set(
        SetSpec("ohp", n_reps=5, tempo="2-0-X-0"), sampling_rate_hz=50, placement="bar", seed=seed
    )
    delays = _report_delays(sim, replay_live(sim.recording))
    assert all(-0.4 <= d <= 0.5 for d in delays), delays


@pytest.mark.parametrize(("rate", "seed"), [(100, 100008), (200, 110011)])
def test_a_window_in_motion_alone_does_not_start_a_set(rate, seed):
    # Squat 3-0-1-0: unrack, walk-out, then a slow first eccentric that the detector sees
    # only once the bar has gathered speed. Windows that end in that movement bend the
    # setup moves into a "rep"; reported (seed 100008 from its deadline; seed 110011 by
    # two such windows agreeing), it made the true first rep be lost against it and the
    # next reps came 4.3 and 3.6 s (100008) and 4.2, 4.8 and 0.66 s (110011) late. A set's
    # first rep is now not reported from such windows alone.
    delays = _five_rep_delays("squat", "3-0-1-0", rate=rate, seed=seed)
    assert all(-0.4 <= d <= 0.5 for d in delays), delays  # early: a first report cut short


def test_setup_motion_before_a_set_is_not_its_first_rep():
    # Bench 3-1-1-0 at 50 Hz (seed 90003): the bar moves before the set (setup), and a
    # periodic window that ends 1.5 s into the slow first eccentric, which the detector has
    # not seen start, bent that motion into a "rep" 3 s old. Windows before it had covered
    # that time and found nothing, so outside a set a rep that old is not taken.
    # one report per true rep, none before the set
    delays = _five_rep_delays("bench", "3-1-1-0", rate=50, seed=90003)
    assert all(0.0 <= d <= 0.5 for d in delays), delays


def test_a_first_rep_the_window_at_its_end_loses_is_found_by_looking_back():
    # Overhead press 2-0-X-0 at 50 Hz (seed 120025): the detector marks the first rep's
    # end 0.09 s late, in the next press, and that window pairs the rep's strokes wrongly
    # (a "rep" ending 1.2 s before it). The look-back ran only during a set, so the first
    # rep waited for two later windows to agree: 0.71 s after its end. Data time only.
    delays = _five_rep_delays("ohp", "2-0-X-0", rate=50, seed=120025)
    assert delays[0] <= 0.2, delays
    assert all(-0.4 <= d <= 0.5 for d in delays), delays  # early: a first report cut short


@pytest.mark.parametrize(
    ("exercise", "tempo", "rate", "seed"),
    [
        ("squat", "3-0-1-0", 100, 130008),
        ("ohp", "2-0-X-0", 50, 130025),
    ],
)
def test_a_window_that_bends_the_last_stroke_does_not_report_the_rep(exercise, tempo, rate, seed):
    # Two windows that got a rep's last stroke wrong and reported it on time but with the
    # wrong phases (first report before the fix, against `analyze`):
    # - squat 130008, 100 Hz: a periodic window 0.06 s before the first rep's end cut its
    #   concentric in half (end 0.4 s before the previous window's); the deadline then
    #   reported it: eccentric 1.44 s against 3.04 s, "rushed_negative";
    # - ohp 130025, 50 Hz: the window at the next press's start lost the last 1.2 s of a
    #   creeping eccentric (1.12 against 2.23 s), which the window 0.04 s before still had.
    # Now a window that pulls a rep's end back by more than 0.3 s against the previous
    # window reports nothing from that rep on.
    sim = _five_rep_bar_set(exercise, tempo, rate=rate, seed=seed)
    batch = analyze_recording(sim.recording, tempo=_tempo(tempo)).reps
    result = replay_live(sim.recording, tempo=_tempo(tempo))
    delays = _report_delays(sim, result)
    assert all(-0.2 <= d <= 0.5 for d in delays), delays
    for event in (e for e in result.events if e.kind == "rep_completed"):
        row = event.row
        overlap = np.minimum(batch["end_s"], row["end_s"]) - np.maximum(
            batch["start_s"], row["start_s"]
        )
        ref = batch.iloc[int(np.argmax(overlap.to_numpy()))]
        assert abs(row["eccentric_s"] - ref["eccentric_s"]) <= 0.3, (row, ref)
        assert abs(row["concentric_s"] - ref["concentric_s"]) <= 0.2, (row, ref)
        assert "rushed_negative" not in row["flags"]


def test_a_window_at_zero_velocity_overrules_one_in_motion_that_lost_the_end():
    # Squat 3-0-1-0 at 50 Hz (seed 130008): the first window to show the first rep ends
    # in its concentric and cuts it in half (end 10.40 s); the window at the detector's
    # stop 0.1 s later, at zero velocity, has the rep running to 10.84 s (analyze: 10.91).
    # The deadline counted from the first window's end and reported its rep at once:
    # eccentric 1.51 s against 3.0, "rushed_negative". Now a window at zero velocity
    # drops earlier sightings from windows in motion that end the rep more than 0.3 s
    # before it does; the next burst window reports the rep. Data time only.
    sim = _five_rep_bar_set("squat", "3-0-1-0", rate=50, seed=130008)
    batch = analyze_recording(sim.recording, tempo="3-0-1-0").reps
    result = replay_live(sim.recording, tempo="3-0-1-0")
    first = next(e for e in result.events if e.kind == "rep_completed")
    assert first.time_s - sim.truth["end_s"].iloc[0] <= 0.2
    assert abs(first.row["eccentric_s"] - batch["eccentric_s"].iloc[0]) <= 0.3
    assert abs(first.row["end_s"] - batch["end_s"].iloc[0]) <= 0.1


def test_a_wrong_first_report_does_not_hold_the_next_reps_back():
    # Overhead press 2-0-X-0 at 100 Hz (seed 110027): rep 3's first report ends 1.3 s
    # early, and every later window puts its end where `analyze` does. A rule that took
    # no rep from windows disagreeing with a reported rep's end held reps 4 and 5 back
    # for 8.7 and 5.6 s (measured, then dropped); each window is now checked against the
    # window before it only. Data time only.
    delays = _five_rep_delays("ohp", "2-0-X-0", rate=100, seed=110027)
    assert all(-0.2 <= d <= 0.5 for d in delays), delays


@pytest.mark.parametrize("rate", [50, 100, 200])
def test_a_slow_touch_and_go_set_is_reported_on_time(rate):
    # Squat 3-0-1-0, no rest between reps: a window mid-set has no rest, and three things
    # made its picture of the set wrong, each measured on this set (seed 90008). Its own
    # noise floor was slow motion, so part of a slow eccentric passed for a rest (fixed by
    # the session's floor); a false rest that one window found was used as later windows'
    # start (fixed by revising known rests); and a false rest near the window's end was
    # trusted for lack of a neighbour after it (fixed by bridging to the window's end, at
    # zero velocity). Before: reps 0.6, 0.8 and 1.6 s late, now all within 0.5 s of their
    # end in data time (this engine's compute time is not counted here).
    delays = _five_rep_delays("squat", "3-0-1-0", rate=rate, seed=90008)
    assert all(-0.2 <= d <= 0.5 for d in delays), delays


@pytest.mark.parametrize(
    ("exercise", "tempo", "seed"), [("squat", "X-0-X-0", 7), ("ohp", "2-0-X-0", 12)]
)
def test_reps_are_reported_on_time_without_any_turnaround_trigger(
    exercise, tempo, seed, monkeypatch
):
    # With no trigger at all, only the periodic windows see the reps. A window that cuts a
    # rep ends it one sample before its own end, and 0.2 s into a fast next stroke the rep
    # is lost, so the confirmation rule alone may report it only at the next rep; the
    # stable-end rule (two windows agree on an end that the later one has passed) and the
    # deadline (0.3 s of data after the end of the rep as seen) report every rep within
    # 0.5 s of its end (before them: 0.78 s and 0.89 s at worst on these sets).
    sim = simulate_set(
        SetSpec(exercise, n_reps=5, tempo=tempo), sampling_rate_hz=50, placement="bar", seed=seed
    )
    # a detector that never marks a movement, turnaround or stop
    monkeypatch.setattr(TurnaroundDetector, "_step", lambda self, a: None)
    analyzer = LiveAnalyzer(
        sampling_rate_hz=50,
        placement="bar",
        exercise=exercise,
        tempo=_tempo(tempo),
        max_lag_s=None,
    )
    delays = _report_delays(sim, replay_recording(sim.recording, analyzer))
    assert all(-0.4 <= d <= 0.5 for d in delays), delays


def _vertical_signal(rate, segments):
    """Flat sensor, vertical acceleration in m/s^2 given as (seconds, value) pieces."""
    acc_z = np.concatenate([np.full(round(s * rate), a) for s, a in segments])
    acc_g = np.column_stack([np.zeros_like(acc_z), np.zeros_like(acc_z), 1.0 + acc_z / 9.80665])
    return acc_g, np.zeros_like(acc_g)


def test_reanchor_restarts_the_velocity_where_the_bar_was_still():
    rate = 100.0
    detector = TurnaroundDetector(sampling_rate_hz=rate)
    # rest, then 0.4 s at 1 m/s^2 up: the bar moves up at 0.4 m/s
    acc_g, gyr = _vertical_signal(rate, [(1.0, 0.0), (0.4, 1.0)])
    marks = detector.feed(acc_g, gyr)
    assert [(k, d) for _, k, d in marks] == [("move", 1)]
    assert detector.velocity_mps == pytest.approx(0.4, abs=0.03)
    # were the bar still 0.2 s ago, it would now move at 0.2 m/s, still upwards
    assert detector.reanchor(round(0.2 * rate)) == []
    assert detector.velocity_mps == pytest.approx(0.2, abs=0.02)
    assert detector.direction == 1
    # not before the last mark (the move): the velocity was restarted then already
    assert detector.reanchor(round(0.39 * rate)) == []
    assert detector.velocity_mps == pytest.approx(0.2, abs=0.02)
    # 0.3 s at constant speed: from a still bar 0.2 s ago, nothing has moved since
    acc_g, gyr = _vertical_signal(rate, [(0.3, 0.0)])
    assert detector.feed(acc_g, gyr) == []
    assert detector.reanchor(round(0.2 * rate)) == [("stop", 1)]
    assert detector.direction == 0
    assert detector.velocity_mps == pytest.approx(0.0, abs=0.02)
    assert detector.reanchor(10 * round(rate)) == []  # more than is kept: nothing


class _SlowCPU:
    """A timer for which every analysis takes ``cost_s`` (called at its start and end)."""

    def __init__(self, cost_s: float) -> None:
        self.cost_s = cost_s
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return (self.calls // 2) * self.cost_s


def _clock_latencies(sim, analyzer, chunk_s=0.03):
    """Replay as benchmarks/bench_live.py does, on a simulated clock: each chunk is handed
    over when its last sample is taken, the engine starts on it when it is free and takes
    the analyses' cost (the analyzer's timer). Returns each rep's report time minus its
    true end, and each rep's row."""
    rec = sim.recording
    t, acc, gyr = rec.time_s, rec.acc_g, rec.gyr_dps
    cuts = np.unique(np.searchsorted(t, np.arange(t[0] + chunk_s, t[-1] + chunk_s, chunk_s)))
    clock, start, out = -math.inf, 0, []
    for stop in [*cuts.tolist(), t.size]:
        if stop <= start:
            continue
        spent = analyzer.stats.total_s
        events = analyzer.push(t[start:stop], acc[start:stop], gyr[start:stop])
        clock = max(clock, float(t[stop - 1])) + analyzer.stats.total_s - spent
        out += [(clock, e.row) for e in events if e.kind == "rep_completed"]
        start = stop
    truth_end = sim.truth["end_s"].to_numpy()
    assert len(out) == len(truth_end)
    nearest = [truth_end[np.argmin(np.abs(truth_end - row["end_s"]))] for _, row in out]
    assert sorted(nearest) == list(truth_end)  # each rep once
    return [at - end for (at, _), end in zip(out, nearest, strict=True)], [r for _, r in out]


def test_reps_are_reported_within_half_a_second_on_a_slow_cpu():
    # Touch-and-go curls at 50 Hz on a machine where every analysis takes 0.15 s (the
    # project's 2-core machine under load from other jobs: 9x the unloaded median). On a
    # simulated clock (no wall-clock timing): the engine starts each window when it has
    # finished the ones before. When every scheduled window runs (as at commit b1d8cba),
    # the windows queue up and the reps are reported 0.61-0.83 s after their end; leaving
    # a window out while the engine lags more than max_lag_s behind the data (never the
    # one at a stroke that can end a rep) reports each within 0.45 s.
    sim = simulate_set(
        SetSpec("curl", n_reps=5, tempo="2-0-1-0"), sampling_rate_hz=50, placement="bar", seed=11
    )
    batch = analyze_recording(sim.recording, tempo="2-0-1-0")

    def run(max_lag_s):
        analyzer = LiveAnalyzer(
            sampling_rate_hz=50,
            placement="bar",
            exercise="curl",
            tempo="2-0-1-0",
            max_lag_s=max_lag_s,
            timer=_SlowCPU(0.15),
        )
        return analyzer, *_clock_latencies(sim, analyzer)

    queued, late, _ = run(None)
    assert queued.stats.n_shed == 0
    assert max(late) > 0.5  # the case is hard: without leaving windows out it is late
    shedding, delays, rows = run(0.05)
    assert shedding.stats.n_shed > 0
    assert all(-0.25 <= d <= 0.5 for d in delays), delays
    # the reps are the batch reps, within the first-report tolerance
    for row, (_, ref) in zip(rows, batch.reps.iterrows(), strict=True):
        for col, tol in FIRST_REPORT_TOL_S.items():
            assert abs(row[col] - ref[col]) <= tol, (col, row[col], ref[col])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_swing_is_flagged_live_as_analyze_flags_it(seed):
    # the swing rule reads each rep's horizontal speed, which is not a table column: the
    # live set carries it with each reported rep
    sim = simulate_set(
        SetSpec(
            "row", n_reps=5, tempo="2-0-1-0", faults={4: "swing"}, rest_before_s=2.0,
            rest_after_s=2.0,
        ),
        sampling_rate_hz=100,
        placement="bar",
        seed=seed,
    )  # fmt: skip
    batch = analyze_recording(sim.recording, tempo="2-0-1-0")
    assert list(batch.reps["flags"]) == ["", "", "", "swing", ""]
    result = replay_live(sim.recording, tempo="2-0-1-0")
    # the set's summary analyses the set as a whole: its flags are analyze's
    final = {r["rep"]: r["flags"] for r in result.final_reps()}
    assert final == {1: "", 2: "", 3: "", 4: "swing", 5: ""}
    # the first reports read each rep's speed from a window that starts at the previous
    # rep, mid-motion (seed 2: 0.30 against analyze's 0.38 m/s, under the set's 2.5x):
    # they never flag a rep analyze leaves unflagged
    first = {r["rep"]: r["flags"] for r in result.reps()}
    assert all(first[k] in ("", final[k]) for k in final)
