"""`repscope analyze` says each flag in plain words and gives one "next set" line.

Known answers from the simulator: a bench set lowered in about 0.9 s where 3 s are
prescribed must say "rushed the lowering" with its evidence and advise slowing the
lowering; a clean set must say that nothing was flagged.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.io import write_recording
from repscope.simulate import SetSpec, simulate_set

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _analyze(tmp_path, spec: SetSpec, tempo: str, seed: int) -> str:
    res = simulate_set(spec, sampling_rate_hz=100, placement="bar", seed=seed)
    path = tmp_path / "set.csv"
    write_recording(res.recording, path)
    result = CliRunner().invoke(cli, ["analyze", str(path), "--tempo", tempo], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_rushed_negatives_in_words_with_the_advice_to_slow_the_lowering(tmp_path):
    faults = {k: "rushed_negative" for k in (2, 3, 4, 5, 6)}
    out = _analyze(
        tmp_path, SetSpec("bench", n_reps=6, tempo="3-1-1-0", faults=faults), "3-1-1-0", 7
    )
    lines = re.findall(r"rep (\d): rushed the lowering \(lowered in (\d\.\d) s, target 3 s\)", out)
    assert {int(k) for k, _ in lines} >= {2, 3, 4, 5, 6}, out
    assert all(float(s) < 1.8 for _, s in lines)
    assert "rushed_negative" not in out  # no bare flag codes
    advice = re.search(
        r"Next set: slow the lowering: (\d\.\d) s against 3 s \((\d) of 6 reps\)", out
    )
    assert advice, out
    assert float(advice.group(1)) < 1.8 and int(advice.group(2)) >= 5


def test_a_clean_set_says_no_fault(tmp_path):
    out = _analyze(tmp_path, SetSpec("bench", n_reps=5, tempo="3-1-1-0"), "3-1-1-0", 1)
    assert "no rep was flagged" in out
    assert "verdict: controlled" in out
    assert "Next set: keep it up: tempo on target, no fault found" in out


def test_the_rep_table_writes_an_unmeasured_phase_as_a_question_mark():
    # the set's last rep has no top pause: "?" as on the report's set page, not "--"
    result = CliRunner().invoke(
        cli, ["analyze", str(SAMPLE / "bench_3110_controlled.csv"), "--tempo", "3-1-1-0"]
    )
    assert result.exit_code == 0, result.output
    rows = re.findall(r"│\s+(\d+) │\s+([\d.?-]+) │", result.output)
    assert [int(k) for k, _ in rows] == list(range(1, 9)), result.output
    assert rows[-1][1].endswith("-?") and all(
        "--" not in tempo and tempo.count("-") == 3 for _, tempo in rows
    )
    assert all("?" not in tempo for _, tempo in rows[:-1])
