"""`repscope live --speak --count --stop-at-loss` in a session: what is said, and when.

Real bleak against `repscope emulate` playing a simulated bench set; a stand-in espeak-ng
on PATH writes every utterance to a log instead of speaking, so the test reads what the
lifter would hear. What the session asks the synthesiser to say is also recorded at the
call (`Speaker.say`): a newer cue cuts the one speaking short (terminate), and on a
loaded machine the stand-in can be terminated before its shell has even started, so the
log alone can miss a cue the lifter would have heard begin.
"""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner

from emulator_process import emulator_process
from repscope.cli.main import cli
from repscope.live.speech import Speaker, next_set_phrase

pytestmark = [pytest.mark.ble, pytest.mark.slow]

SET = ["--exercise", "bench", "--reps", "3", "--tempo", "2-0-1-0", "--seed", "2"]
#: The simulated set (seed 2) racks the bar 19.7 s after the stream starts.
DURATION_S = 20.5


def test_a_live_session_speaks_reps_counts_phases_and_says_set_end(tmp_path, monkeypatch):
    log = tmp_path / "said.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "espeak-ng"
    # "-s WPM -- TEXT": keep the text, one utterance a line. It ignores SIGTERM: a newer
    # cue cuts the one speaking short (terminate), and on a loaded machine that can come
    # before this script has written its line; here every cue must be logged
    fake.write_text(f'#!/bin/sh\ntrap "" TERM\nshift 3\necho "$*" >> {log}\n')
    fake.chmod(0o755)
    asked: list[str] = []
    real_say = Speaker.say

    def spy(self: Speaker, text: str) -> None:
        asked.append(text)
        real_say(self, text)

    monkeypatch.setattr(Speaker, "say", spy)
    with emulator_process(["--profile", "diy", *SET, "--connection-interval-ms", "15"]) as (
        bus,
        _,
    ):
        for key, value in bus.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        out = tmp_path / "bench.csv"
        args = ["live", "--device", "repscope-diy-1", "--out", str(out), "--exercise", "bench"]
        args += ["--tempo", "2-0-1-0", "--duration", str(DURATION_S), "--scan-seconds", "0.5"]
        args += ["--speak", "--count", "--stop-at-loss", "5%"]
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    said = log.read_text().splitlines()
    assert said[0] == "Ready."
    reps = [line for line in asked if line.startswith("Rep ")]
    assert [r.split(".")[0] for r in reps] == ["Rep 1", "Rep 2", "Rep 3"]
    # what was logged was asked for, in order
    heard = [line for line in said if line.startswith("Rep ")]
    assert heard == [r for r in reps if r in heard]
    # the count follows the bar: each 2 s lowering is counted "two", "one" (then "up" if
    # it lasts the 2 s; these lowerings took 1.4-1.7 s, so the lifting cancels it), the
    # 1 s lifting "one" (then "down")
    words = [line for line in asked if not line.startswith(("Rep ", "Set ", "Stop."))]
    assert set(words) <= {"two", "one", "up", "down", "hold"}, words
    assert words.count("two") >= 2 and words.index("two") < words.index("one")
    # the set's end, then the one thing to change, in one utterance (the printed line's
    # words: a second utterance would cut the first short)
    (done,) = [line for line in asked if line.startswith("Set 1 done. 3 reps.")]
    (printed,) = re.findall(r"^\s*[\d.]+ s  (Next set: .*)$", result.output, re.MULTILINE)
    assert done.endswith(next_set_phrase(printed)) and " Next set: " in done
    stops = [line for line in result.output.splitlines() if "STOP: velocity loss" in line]
    assert len(stops) <= 1  # once per set at most
    if stops:
        assert any(line.startswith("Stop. Velocity loss") for line in asked)
