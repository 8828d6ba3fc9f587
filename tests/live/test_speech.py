"""Spoken cues: phrases, the tempo count, speech rendered to a WAV file, the bell fallback."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from repscope.analysis.flags import FLAG_WORDS, VERDICT_WORDS
from repscope.cli.main import cli
from repscope.live import LiveEvent
from repscope.live.display import LiveView
from repscope.live.speech import (
    Speaker,
    TempoCounter,
    find_speaker,
    next_set_phrase,
    rep_phrase,
    set_phrase,
)
from repscope.tempo import parse_tempo

SAMPLE = str(Path(__file__).resolve().parents[2] / "sample_data" / "bench_ego.csv")
ROW = {"mean_concentric_velocity_mps": 0.453, "flags": "rushed_negative;bounce"}


def _speaker() -> Speaker:
    speaker = find_speaker()
    # scripts/test.sh installs espeak-ng (Debian package) as it installs dbus-daemon
    assert speaker is not None, "espeak-ng is missing: apt-get install espeak-ng"
    return speaker


def test_phrases_are_short_and_plain():
    # the one wording of flags and verdicts (FLAG_WORDS, VERDICT_WORDS), never a code
    assert rep_phrase(ROW, 3) == "Rep 3. .45. Rushed the lowering, bounced out of the bottom."
    assert rep_phrase({**ROW, "flags": ""}, 4) == "Rep 4. .45. Good."
    assert rep_phrase({"flags": ["grind"]}, 5) == "Rep 5. Ground out."
    assert set_phrase({"set": 2, "velocity_loss": 0.184}, 8) == (
        "Set 2 done. 8 reps. Velocity loss 18 percent."
    )
    assert set_phrase({"set": 1, "verdict": "ego_lifting", "velocity_loss": 0.1}, 6) == (
        "Set 1 done. 6 reps. Ego lifting. Velocity loss 10 percent."
    )


def test_the_next_set_line_is_said_with_seconds_in_words():
    line = "Next set: slow the lowering: 1.1 s against 3 s (4 of 6 reps)"
    assert next_set_phrase(line) == (
        "Next set: slow the lowering, 1.1 seconds against 3 seconds, 4 of 6 reps."
    )
    clean = "Next set: keep it up: tempo on target, no fault found"
    assert next_set_phrase(clean) == "Next set: keep it up, tempo on target, no fault found."
    assert next_set_phrase("") == ""


def test_every_flag_and_verdict_is_said_in_plain_words():
    for flag, words in FLAG_WORDS.items():
        said = rep_phrase({"flags": flag}, 1)
        assert words in said.lower() and flag not in said
    for verdict in VERDICT_WORDS:
        said = set_phrase({"set": 1, "verdict": verdict}, 5)
        assert "_" not in said, said


class _Clock:
    """A fake event loop: call_later records, run_until fires what is due."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pending: list[list] = []

    def call_later(self, delay, callback):
        entry = [self.now + delay, callback, False]
        self.pending.append(entry)

        class Handle:
            def cancel(self_inner) -> None:
                entry[2] = True

        return Handle()

    def run_until(self, t: float) -> None:
        due = sorted((e for e in self.pending if e[0] <= t and not e[2]), key=lambda e: e[0])
        for entry in due:
            entry[2] = True
            self.now = entry[0]
            entry[1]()
        self.now = t


class _Words:
    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.said: list[tuple[float, str]] = []

    def say(self, text: str) -> None:
        self.said.append((round(self.clock.now, 3), text))


def test_tempo_count_follows_the_phases_of_the_bar():
    clock = _Clock()
    words = _Words(clock)
    counter = TempoCounter(parse_tempo("3-1-1-0"), words, clock.call_later)
    counter.on_event(LiveEvent("phase", 10.0, 1, phase="eccentric"))
    clock.run_until(2.5)
    assert words.said == [(0.0, "three"), (1.0, "two"), (2.0, "one")]
    clock.run_until(3.2)
    assert words.said[-1] == (3.0, "hold")  # the bottom pause comes next
    counter.on_event(LiveEvent("phase", 13.2, 1, phase="bottom_pause"))
    clock.run_until(4.0)
    # the pause: "one" at its start, "up" when its second is over
    assert words.said[-1] == (3.2, "one")
    clock.run_until(4.3)
    assert words.said[-1] == (4.2, "up")
    # the bar moves before the count is over: the count stops with the phase
    counter.on_event(LiveEvent("phase", 20.0, 2, phase="eccentric"))
    clock.run_until(4.8)
    counter.on_event(LiveEvent("phase", 20.6, 2, phase="concentric"))
    clock.run_until(10.0)
    # "two" (due at 5.3) was cancelled; the lifting's second is counted, then "down"
    assert words.said[-3:] == [(4.3, "three"), (4.8, "one"), (5.8, "down")]
    # X and sub-second phases are not counted
    assert TempoCounter(parse_tempo("31X0"), words, clock.call_later).words("concentric") == []
    assert counter.words("top_pause") == []


def _samples(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as handle:
        assert handle.getsampwidth() == 2
        rate = handle.getframerate()
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    return data.astype(float), rate


def test_speech_renders_to_a_wav_file_that_is_not_silence(tmp_path):
    speaker = _speaker()
    wav = speaker.render_wav(rep_phrase(ROW, 3), tmp_path / "rep.wav")
    samples, rate = _samples(wav)
    duration = samples.size / rate
    assert 0.8 < duration < 6.0
    # speech: loud frames for a good part of the utterance, not a flat line
    frames = samples[: samples.size // 160 * 160].reshape(-1, 160)
    rms = np.sqrt((frames**2).mean(axis=1))
    assert rms.max() > 1000
    assert (rms > 300).mean() > 0.3
    # a count word is shorter than a rep's sentence
    short, _ = _samples(speaker.render_wav("three", tmp_path / "three.wav"))
    assert 0 < short.size < samples.size


def test_without_espeak_the_cues_ring_the_bell(tmp_path, monkeypatch):
    from repscope.live.cues import Cues

    monkeypatch.setenv("PATH", str(tmp_path))  # no synthesiser on PATH
    assert find_speaker() is None
    rung: list[str] = []
    notes: list[str] = []

    class Err:
        def print(self, text: str) -> None:
            notes.append(text)

    clock = _Clock()
    cues = Cues(
        bell=rung.append,
        beep=False,
        speak=True,
        count=True,
        tempo=parse_tempo("2-0-1-0"),
        schedule=clock.call_later,
        err=Err(),
    )
    assert notes and "espeak-ng not found" in notes[0]
    view = LiveView(tempo=parse_tempo("2-0-1-0"), stop_at_loss=0.2)
    rep = LiveEvent("rep_completed", 5.0, 1, 1, row={**ROW, "flags": ""})
    cues.on_event(rep, view.apply(rep), view)
    clock.run_until(1.0)
    assert rung == ["\a"]  # one bell for a clean rep, standing in for speech
    phase = LiveEvent("phase", 6.0, 1, phase="eccentric")
    cues.on_event(phase, view.apply(phase), view)
    clock.run_until(3.0)
    assert rung == ["\a"] * 4  # the count: "two", "one", "up" as bells
    slower = {**ROW, "flags": "", "mean_concentric_velocity_mps": 0.3}
    slow = LiveEvent("rep_completed", 9.0, 1, 2, row=slower)
    lines = view.apply(slow)
    assert lines[-1] == "STOP: velocity loss 34% (threshold 20%)"
    cues.on_event(slow, lines, view)
    clock.run_until(10.0)
    assert rung == ["\a"] * 8  # one for the rep, three for the stop
    cues.close()


def test_speaker_cuts_short_what_it_was_saying(tmp_path):
    # a stand-in synthesiser that speaks for a long time: the next cue ends it
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    speaker = Speaker(str(fake))
    speaker.say("one")
    first = speaker._current
    assert first is not None and first.poll() is None
    speaker.say("two")
    assert first.wait(timeout=10) != 0  # terminated, not left to finish
    speaker.close()
    assert speaker._current is None or speaker._current.poll() is not None


def test_a_synthesiser_that_cannot_play_is_noticed(tmp_path, monkeypatch):
    from repscope.live.cues import Cues

    # espeak-ng without a sound card: exit status 0, a complaint on stderr
    fake = tmp_path / "espeak-ng"
    fake.write_text(
        "#!/bin/sh\necho 'ALSA lib pcm.c: Unknown PCM default' >&2\n"
        "echo 'error: No such file or directory' >&2\nexit 0\n"
    )
    fake.chmod(0o755)
    assert Speaker(str(fake)).check() == "error: No such file or directory"
    monkeypatch.setenv("PATH", str(tmp_path))
    notes: list[str] = []

    class Err:
        def print(self, text: str) -> None:
            notes.append(text)

    rung: list[str] = []
    cues = Cues(
        bell=rung.append,
        beep=False,
        speak=True,
        count=False,
        tempo=None,
        schedule=_Clock().call_later,
        err=Err(),
    )
    assert cues.speaker is None and "cannot speak here" in notes[0]
    rep = LiveEvent("rep_completed", 5.0, 1, 1, row={**ROW, "flags": ""})
    cues.on_event(rep, [], LiveView())
    assert rung == ["\a"]
    good = tmp_path / "ok"
    good.mkdir()
    quiet = good / "espeak-ng"
    quiet.write_text("#!/bin/sh\nexit 0\n")
    quiet.chmod(0o755)
    assert Speaker(str(quiet)).check() == ""


def test_stop_at_loss_through_the_cli():
    runner = CliRunner()
    args = ["live", "--replay", SAMPLE, "--stop-at-loss", "10%"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    stops = [line for line in result.output.splitlines() if "STOP: velocity loss" in line]
    assert len(stops) == 1 and stops[0].endswith("(threshold 10%)")
    # after the rep whose loss crossed the threshold
    lines = result.output.splitlines()
    before = lines[lines.index(stops[0]) - 1]
    assert " rep " in before
    bad = runner.invoke(cli, ["live", "--replay", SAMPLE, "--stop-at-loss", "0.2"])
    assert bad.exit_code == 2 and "--stop-at-loss: '0.2' is not a velocity loss" in bad.output
    counted = runner.invoke(cli, ["live", "--replay", SAMPLE, "--count"])
    assert counted.exit_code == 2 and "--count needs a tempo" in counted.output
