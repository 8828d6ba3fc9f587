"""Spoken cues for ``repscope live``: rep feedback and a tempo count, through espeak-ng.

Speech runs offline through the ``espeak-ng`` command line (Debian/Ubuntu: ``apt install
espeak-ng``; the older ``espeak`` works too), one short process per utterance, so nothing
is loaded into repscope and a hung synthesiser cannot stall the live session. Without it
:func:`find_speaker` returns None and ``repscope live`` rings the terminal bell instead.

- :class:`Speaker` says a text, cutting short whatever it was still saying (the newest cue
  is the one that matters under the bar), or renders it to a WAV file.
- :func:`rep_phrase` / :func:`set_phrase` word a rep or a set for the ear: short, the
  rep's number, its mean concentric velocity and its faults, or the set's verdict, in
  the plain words every other output uses (:data:`repscope.analysis.flags.FLAG_WORDS`,
  :data:`~repscope.analysis.flags.VERDICT_WORDS`; the rule's evidence is left to the
  screen: under the bar a cue must be short). :func:`next_set_phrase` words the set's
  "Next set" line, the one thing to change, said right after the set's phrase.
- :class:`TempoCounter` counts the prescribed seconds of each timed phase down from the
  moment the phase begins ("three, two, one, up"), speaking or ringing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from repscope.analysis.flags import FLAG_WORDS, VERDICT_WORDS
from repscope.tempo import PHASES as TEMPO_PHASES
from repscope.tempo import Tempo

#: Synthesiser commands tried, in order.
COMMANDS: tuple[str, ...] = ("espeak-ng", "espeak")

#: Words per minute: a little faster than espeak-ng's default of 175, to keep cues short.
WORDS_PER_MINUTE = 190

#: What is said when a timed phase's count ends, by the phase that comes next.
NEXT_WORDS: dict[str, str] = {
    "eccentric": "down",
    "bottom_pause": "hold",
    "concentric": "up",
    "top_pause": "hold",
}

_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class Speaker:
    """Say texts through an espeak-ng command line.

    Parameters
    ----------
    command
        The synthesiser's executable (see :func:`find_speaker`).
    words_per_minute
        Speaking rate.
    """

    def __init__(self, command: str, *, words_per_minute: int = WORDS_PER_MINUTE) -> None:
        self.command = command
        self.words_per_minute = words_per_minute
        self._current: subprocess.Popen[bytes] | None = None
        self._dying: list[subprocess.Popen[bytes]] = []

    def _argv(self, text: str, *extra: str) -> list[str]:
        return [self.command, "-s", str(self.words_per_minute), *extra, "--", text]

    def say(self, text: str) -> None:
        """Start saying ``text`` (returns at once), cutting short the previous utterance."""
        self.stop()
        try:
            self._current = subprocess.Popen(
                self._argv(text),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            self._current = None

    def stop(self) -> None:
        """Cut short the utterance in progress, if any (without waiting for it)."""
        self._dying = [p for p in self._dying if p.poll() is None]  # reap finished ones
        current, self._current = self._current, None
        if current is not None and current.poll() is None:
            current.terminate()
            self._dying.append(current)

    def close(self) -> None:
        """Stop speaking and wait for the synthesiser processes to end."""
        self.stop()
        for process in self._dying:
            try:
                process.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._dying.clear()

    def check(self, text: str = "Ready.") -> str:
        """Say ``text`` and wait; return the synthesiser's error, or "" when it spoke.

        espeak-ng exits with status 0 even when it cannot open an audio device; its
        complaint on stderr (``error: ...``) is what tells.
        """
        try:
            done = subprocess.run(
                self._argv(text),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=10,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return str(exc)
        errors = [line for line in done.stderr.splitlines() if line.lower().startswith("error")]
        if done.returncode != 0 or errors:
            return (errors or [f"exit status {done.returncode}"])[0]
        return ""

    def render_wav(self, text: str, path: str | Path) -> Path:
        """Write ``text`` as speech to a WAV file (what :meth:`say` would play)."""
        out = Path(path)
        subprocess.run(
            self._argv(text, "-w", str(out)),
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=30,
        )
        return out


def find_speaker(*, words_per_minute: int = WORDS_PER_MINUTE) -> Speaker | None:
    """Return a :class:`Speaker` on the first synthesiser found on ``PATH``, or None."""
    for name in COMMANDS:
        path = shutil.which(name)
        if path:
            return Speaker(path, words_per_minute=words_per_minute)
    return None


def _flags(row: dict[str, Any]) -> list[str]:
    value = row.get("flags")
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v]
    return [x for x in str(value or "").split(";") if x]


def _velocity(value: Any) -> str:
    if isinstance(value, (int, float)) and value == value and abs(value) < 100:
        return f"{value:.2f}".lstrip("0") if value >= 0 else f"{value:.2f}"
    return ""


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def rep_phrase(row: dict[str, Any], rep_number: int) -> str:
    """Word a rep for the ear: ``"Rep 3. .45. Rushed the lowering."`` or ``"... Good."``.

    The velocity is the mean concentric velocity in m/s, said as espeak says ``.45``
    ("point four five"); each flag is said in its :data:`FLAG_WORDS`.
    """
    parts = [f"Rep {rep_number}."]
    velocity = _velocity(row.get("mean_concentric_velocity_mps"))
    if velocity:
        parts.append(f"{velocity}.")
    flags = _flags(row)
    if flags:
        parts.append(_sentence(", ".join(FLAG_WORDS.get(f, f.replace("_", " ")) for f in flags)))
    else:
        parts.append("Good.")
    return " ".join(parts)


def set_phrase(summary: dict[str, Any], n_reps: int) -> str:
    """Word a set's end: ``"Set 2 done. 8 reps. Controlled. Velocity loss 18 percent."``.

    The verdict is said in the short form of its :data:`VERDICT_WORDS` (before the colon:
    "ego lifting", not its explanation).
    """
    text = f"Set {summary.get('set', '')} done. {n_reps} reps."
    verdict = summary.get("verdict")
    if verdict:
        words = VERDICT_WORDS.get(str(verdict), str(verdict).replace("_", " "))
        text += " " + _sentence(words.split(":")[0])
    loss = summary.get("velocity_loss")
    if isinstance(loss, (int, float)) and loss == loss:
        text += f" Velocity loss {100 * loss:.0f} percent."
    return text


def next_set_phrase(line: str) -> str:
    """Word the "Next set" line for the ear (:func:`repscope.analysis.advice.next_set`).

    ``"Next set: slow the lowering: 1.1 s against 3 s (4 of 6 reps)"`` is said as
    ``"Next set: slow the lowering, 1.1 seconds against 3 seconds, 4 of 6 reps."``:
    seconds in words (espeak says a lone "s" as the letter), the advice's inner colon
    and brackets as pauses. An empty line says nothing.
    """
    text = line.strip()
    if not text:
        return ""
    head, _, advice = text.partition(": ") if text.startswith("Next set") else ("", "", text)
    advice = re.sub(r"(\d) s\b", r"\1 seconds", advice)
    advice = re.sub(r"\s*\(([^)]*)\)", r", \1", advice).replace(": ", ", ")
    advice = advice.rstrip(". ") + "."
    return f"{head or 'Next set'}: {advice}"


class Cue(Protocol):
    """Something that can be said: a :class:`Speaker`, or a bell that ignores the text."""

    def say(self, text: str) -> None:
        """Say (or signal) ``text``."""


class Handle(Protocol):
    """A scheduled callback that can be cancelled (an event loop's ``TimerHandle``)."""

    def cancel(self) -> None:
        """Cancel the callback."""


class TempoCounter:
    """Count each timed phase of the prescribed tempo down as it happens.

    When a phase with a prescribed duration of at least one second begins (a ``phase``
    event), it says the whole seconds left, one a second ("three", "two", "one"), then
    the cue of the next phase when the time is up ("up" after the lowering, "hold" before
    a pause, "down" after the top pause). A new phase cancels the count in progress, so
    the count follows the bar, not the clock. ``X`` phases and phases under one second
    get no count; rest stops it.

    Parameters
    ----------
    tempo
        The prescribed tempo.
    cue
        Says each word (a :class:`Speaker`, or a bell).
    schedule
        ``schedule(delay_s, callback)`` returning a cancellable handle (an event loop's
        ``call_later``).
    """

    def __init__(
        self,
        tempo: Tempo,
        cue: Cue,
        schedule: Callable[[float, Callable[[], Any]], Handle],
    ) -> None:
        self.targets = dict(zip(TEMPO_PHASES, tempo.as_tuple(), strict=True))
        self.cue = cue
        self.schedule = schedule
        self.phase = "rest"
        self._pending: list[Handle] = []

    def cancel(self) -> None:
        """Stop the count in progress."""
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()

    def _next_phase(self, phase: str) -> str:
        order = list(TEMPO_PHASES)
        k = order.index(phase)
        for step in range(1, len(order)):
            following = order[(k + step) % len(order)]
            target = self.targets[following]
            if target is None or target > 0:
                return following
        return order[(k + 1) % len(order)]

    def words(self, phase: str) -> list[tuple[float, str]]:
        """Return a phase's count: (seconds after its start, word) pairs; empty if untimed."""
        target = self.targets.get(phase)
        if target is None or target < 1.0:
            return []
        whole = int(target)
        out = [
            (float(k), _NUMBERS[whole - k] if whole - k < len(_NUMBERS) else str(whole - k))
            for k in range(whole)
        ]
        out.append((float(target), NEXT_WORDS[self._next_phase(phase)]))
        return out

    def on_event(self, event: Any) -> None:
        """Start or stop the count on a ``phase`` event; ignore the others."""
        if event.kind != "phase" or event.phase == self.phase:
            return
        self.phase = event.phase
        self.cancel()
        for delay, word in self.words(event.phase):
            self._pending.append(self.schedule(delay, self._sayer(word)))

    def _sayer(self, word: str) -> Callable[[], None]:
        def say() -> None:
            self.cue.say(word)

        return say
