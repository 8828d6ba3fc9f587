"""`repscope live --velocity-zone`: a line, a spoken cue or two bells for a rep outside it.

Known answers: reps at 0.38, 0.52 and 0.71 m/s against a 0.45-0.60 m/s zone are below,
inside and above it; `sample_data/bench_ego.csv` (bench, simulated) replays with its
reps' own velocities, each outside line naming a rep that is outside.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from repscope.cli.main import cli
from repscope.errors import InputError
from repscope.live import LiveEvent
from repscope.live.cues import Cues
from repscope.live.display import LiveView
from repscope.live.zones import VelocityZone, parse_velocity_zone, zone_line, zone_word

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "bench_ego.csv"
ZONE = VelocityZone(0.45, 0.60)


def _rep(number: int, mcv: float) -> LiveEvent:
    row = {"mean_concentric_velocity_mps": mcv, "flags": ""}
    return LiveEvent("rep_completed", 3.0 * number, 1, number, row=row)


def test_parse_and_sides():
    assert parse_velocity_zone("0.45-0.60") == ZONE
    assert parse_velocity_zone(" .45 - .6 m/s") == ZONE
    assert parse_velocity_zone(None) is None
    for bad in ("0.6-0.45", "0-0.5", "fast", "0.5", "1-4"):
        with pytest.raises(InputError, match="velocity zone"):
            parse_velocity_zone(bad)
    assert [ZONE.side(v) for v in (0.38, 0.45, 0.52, 0.60, 0.71, None, float("nan"))] == [
        "below", "", "", "", "above", "", "",
    ]  # fmt: skip


def test_a_rep_outside_the_zone_gets_a_line_in_plain_words():
    view = LiveView(velocity_zone=ZONE)
    slow = view.apply(_rep(1, 0.38))
    assert slow[-1] == (
        "rep 1: 0.38 m/s, below the 0.45-0.60 m/s zone (heavier than planned, or push harder)"
    )
    assert all("zone" not in line for line in view.apply(_rep(2, 0.52)))
    assert view.apply(_rep(3, 0.71))[-1] == (
        "rep 3: 0.71 m/s, above the 0.45-0.60 m/s zone (room to add load)"
    )
    assert all("zone" not in line for line in LiveView().apply(_rep(1, 0.38)))
    assert zone_line({"mean_concentric_velocity_mps": None}, ZONE) == ""


class _Clock:
    def __init__(self) -> None:
        self.due: list[tuple[float, object]] = []

    def call_later(self, delay, callback):
        self.due.append((delay, callback))

    def run(self) -> None:
        for _, callback in sorted(self.due, key=lambda d: d[0]):
            callback()
        self.due = []


class _Speaker:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def close(self) -> None:
        pass


def test_the_cue_is_said_after_the_rep_or_rung_as_two_bells(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no synthesiser: bells
    rung: list[str] = []
    clock = _Clock()
    cues = Cues(
        bell=rung.append, beep=False, speak=False, count=False, tempo=None,
        schedule=clock.call_later, err=None,
    )  # fmt: skip
    view = LiveView(velocity_zone=ZONE)
    for event in (_rep(1, 0.52), _rep(2, 0.38)):
        cues.on_event(event, view.apply(event), view)
        clock.run()
        assert len(rung) == (0 if event.rep_number == 1 else 2)
    # with speech: one utterance, the rep's words then the zone's
    cues.speak, cues.speaker = True, _Speaker()
    for event in (_rep(3, 0.71), _rep(4, 0.50)):
        cues.on_event(event, view.apply(event), view)
    assert cues.speaker.said == ["Rep 3. .71. Good. Too fast.", "Rep 4. .50. Good."]
    assert zone_word({"mean_concentric_velocity_mps": 0.4}, ZONE) == "Too slow."


def test_live_replay_with_a_zone_names_each_rep_outside_it():
    args = ["live", "--replay", str(SAMPLE), "--velocity-zone", "0.30-0.45"]
    result = CliRunner().invoke(cli, args, terminal_width=300)
    assert result.exit_code == 0, result.output
    reps = {
        int(k): float(v)
        for k, v in re.findall(r"rep (\d+): lowering .*?, ([\d.]+) m/s", result.output)
    }
    outside = re.findall(r"rep (\d+): ([\d.]+) m/s, (below|above) the 0.30-0.45", result.output)
    assert len(reps) == 8 and outside
    for k, v, side in outside:
        assert reps[int(k)] == float(v)
        assert (float(v) < 0.30) if side == "below" else (float(v) > 0.45)
    named = {int(k) for k, _, _ in outside}
    assert named == {k for k, v in reps.items() if not 0.30 <= v <= 0.45}
    bad = CliRunner().invoke(cli, [*args[:-1], "0.6-0.3"])
    assert bad.exit_code == 2 and "is not a velocity zone" in bad.output
