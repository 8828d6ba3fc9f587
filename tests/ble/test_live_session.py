"""``repscope live`` against ``repscope emulate``: real bleak, the emulated BlueZ, a set.

The emulator plays a simulated bench set (3 reps, tempo 2-0-1-0, looped) from its own
process on a private bus; ``repscope live`` records it to a CSV while reporting each rep,
and the reps it reported are compared with ``repscope analyze`` on the saved file. The
bar is racked at the end of the set, with the emulated sensor at a real accelerometer's
floor (:mod:`repscope.ble.emulator.sources`): the set summary must follow the rack within
3 s of recording time, long before the stream ends or the next loop's set starts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from emulator_process import emulator_process
from repscope.ble.emulator import PrivateBus
from repscope.ble.emulator.sources import emulated_set as played_set
from repscope.cli.main import cli
from repscope.io import read_recording

pytestmark = pytest.mark.ble

SET = ["--exercise", "bench", "--reps", "3", "--tempo", "2-0-1-0", "--seed", "2", "--loop"]
CI = ["--connection-interval-ms", "15"]
#: The issue's bound: the set summary within 3 s of the bar being racked.
SUMMARY_AFTER_RACK_S = 3.0
#: The simulated set (seed 2) racks the bar 19.7 s after the stream starts and rests
#: 3.0 s; the loop's next set rests 3.0 s before its unrack. Live stops 5 s after the
#: rack: a summary at the stream's end would come 2 s too late, and no rep follows.
RACKED_AT_S = 19.68
DURATION_S = RACKED_AT_S + 5.0
PHASES = ("eccentric_s", "bottom_pause_s", "concentric_s", "top_pause_s")


@pytest.fixture(scope="module")
def emulated_set() -> Iterator[PrivateBus]:
    with emulator_process(["--profile", "diy", *SET, *CI]) as (bus, lines):
        assert len(lines) == 3
        yield bus


def test_the_emulated_set_is_racked_when_the_test_says():
    # the set the emulator plays (same arguments as SET, at its default 100 Hz)
    played = played_set(
        exercise="bench",
        reps=3,
        tempo="2-0-1-0",
        load_kg=None,
        placement="bar",
        sampling_rate_hz=100.0,
        seed=2,
    )
    (truth,) = played.sets_truth.to_dict("records")
    assert truth["held_end_s"] == pytest.approx(RACKED_AT_S, abs=0.01)
    assert played.recording.time_s[-1] - truth["held_end_s"] == pytest.approx(3.0, abs=0.02)


def _close(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def test_live_reps_match_analyze_on_the_saved_session(emulated_set, tmp_path, monkeypatch):
    for key, value in emulated_set.env().items():
        monkeypatch.setenv(key, value)
    out, events, raw = tmp_path / "bench.csv", tmp_path / "events.jsonl", tmp_path / "raw.jsonl"
    runner = CliRunner()
    args = ["--device", "repscope-diy-1", "--out", str(out), "--exercise", "bench"]
    args += ["--tempo", "2-0-1-0", "--duration", str(DURATION_S), "--scan-seconds", "0.5"]
    args += ["--events-out", str(events), "--raw-out", str(raw)]
    result = runner.invoke(cli, ["live", *args])
    assert result.exit_code == 0, result.output
    assert "rep 3: lowering" in result.output
    assert f"analyse the saved session with: repscope analyze {out} --tempo 2-0-1-0" in (
        result.output
    )
    # saved exactly as `repscope record` saves: readable, complete, with its metadata
    recording = read_recording(out)
    assert recording.meta.exercise == "bench" and recording.meta.placement == "bar"
    assert recording.meta.extra["ble"]["complete"] is True
    assert recording.meta.extra["ble"]["malformed_packets"] == 0

    records = [json.loads(line) for line in events.read_text().splitlines()]
    live = [r for r in records if r["kind"] == "rep_completed"]
    (ended,) = [r for r in records if r["kind"] == "set_ended"]
    analyzed = runner.invoke(cli, ["analyze", str(out), "--tempo", "2-0-1-0", "--json"])
    assert analyzed.exit_code == 0, analyzed.output
    (batch_set,) = json.loads(analyzed.output)["sets"]
    batch = batch_set["reps"]

    # every rep reported live, once, in order, as analyze finds it. The phases of a first
    # report are provisional: the engine reports a rep from the window that confirms it,
    # never re-measures it live, and corrects it in the set summary (checked below to the
    # microsecond: what the lifter keeps). Which window that is depends on how far the
    # engine lags behind the data, i.e. on the machine's load: with three suites on two
    # cores a first eccentric was 0.42 s off analyze's (the 0.4 s tolerance of
    # tests/live/test_live_engine.py, which checks first reports on a simulated clock
    # where no window runs late; benchmarks/bench_live.py measures them).
    # A first report's end is as provisional as its phases (0.305 s off analyze's once,
    # full suite on a clean clone with load average 10-14 on 2 cores): here it only has
    # to name the same rep, and the reps are 3 s apart.
    assert len(live) == len(batch) == 3
    for reported, ref in zip(live, batch, strict=True):
        row = reported["row"]
        assert abs(row["end_s"] - ref["end_s"]) < 1.0
        # feedback during the set, not after it: every rep came out before the set ended,
        # with a measured host latency. How long that latency is depends on the machine's
        # load (a 1.5 s bound failed at load 9-10); benchmarks/bench_live.py measures it
        assert records.index(reported) < records.index(ended)
        assert math.isfinite(reported["host_latency_s"]) and reported["host_latency_s"] >= 0
    # the summary followed the rack on the recording's time axis (its first sample is the
    # stream's first, stamped on the sensor's clock: no sample was lost), through the rack
    # rule, not the stream's end: the saved file runs on for 5 s after the rack
    assert recording.meta.extra["ble"]["missing_samples"] == 0
    assert recording.meta.extra["ble"]["discarded_samples"] == 0
    racked_s = float(recording.time_s[0]) + RACKED_AT_S
    assert recording.time_s[-1] > racked_s + SUMMARY_AFTER_RACK_S + 1.0
    assert 0.0 < ended["time_s"] - racked_s <= SUMMARY_AFTER_RACK_S, (ended["time_s"], racked_s)
    # the set summary is analyze's: the engine's last window held the whole set
    assert ended["complete"] is True
    assert ended["summary"]["tempo_code"] == batch_set["tempo_code"]
    assert ended["summary"]["verdict"] == batch_set["verdict"]
    for row, ref in zip(ended["reps"], batch, strict=True):
        # the file stores times to the microsecond
        assert all(_close(row[c], ref[c], 1e-3) for c in ("start_s", "end_s", *PHASES))
        assert row["flags"] == ref["flags"]

    # the raw capture replays to the same reps, at full speed. A replay runs every window
    # (live, a window is left out while the engine lags behind the data, so on a loaded
    # machine a rep may be first reported from another window): the same reps, each
    # within the first-report tolerance of analyze
    replayed = runner.invoke(
        cli, ["live", "--replay", str(raw), "--exercise", "bench", "--tempo", "2-0-1-0"]
    )
    assert replayed.exit_code == 0, replayed.output
    negatives = re.findall(r"rep (\d+): lowering ([\d.]+) s", replayed.output)
    assert [int(k) for k, _ in negatives] == [r["rep"] for r in live]
    for (_, negative), ref in zip(negatives, batch, strict=True):
        assert _close(float(negative), ref["eccentric_s"], 0.4 + 0.05)  # shown to 0.1 s
