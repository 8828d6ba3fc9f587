"""What the lifter hears during ``repscope live``: bells, speech, the count and the stop.

:class:`Cues` turns each :class:`~repscope.live.events.LiveEvent` into sound: the bell
per rep (:class:`~repscope.live.display.Beeper`), the spoken rep and set phrases with the
set's "Next set" line (:mod:`repscope.live.speech`), the tempo count
(:class:`~repscope.live.speech.TempoCounter`), the velocity-loss stop and a rep outside
the velocity zone (:mod:`repscope.live.zones`), each said or rung.
Without espeak-ng it rings the terminal bell instead (:class:`BellWord` for the count).
"""

from __future__ import annotations

from typing import Any

from repscope.live.display import Beeper, LiveView
from repscope.live.speech import (
    TempoCounter,
    find_speaker,
    next_set_phrase,
    rep_phrase,
    set_phrase,
)
from repscope.live.zones import zone_word


class Cues:
    """What the lifter hears: bells, speech, the tempo count and the velocity-loss stop.

    Parameters
    ----------
    bell
        Writes the bell character (a terminal's ``write``).
    beep, speak, count
        ``repscope live``'s ``--beep``, ``--speak`` and ``--count``.
    tempo
        The prescribed :class:`~repscope.tempo.Tempo` (the count), or None.
    schedule
        ``schedule(delay_s, callback)`` (an event loop's ``call_later``).
    err
        A console for one-line warnings (no espeak-ng: the bell instead).
    """

    def __init__(
        self,
        *,
        bell: Any,
        beep: bool,
        speak: bool,
        count: bool,
        tempo: Any,
        schedule: Any,
        err: Any,
    ) -> None:
        self.bell = bell
        self.speaker = find_speaker() if (speak or count) else None
        if (speak or count) and self.speaker is None:
            err.print(
                "repscope: espeak-ng not found (apt install espeak-ng): "
                "ringing the terminal bell instead of speaking"
            )
        elif self.speaker is not None:
            problem = self.speaker.check()
            if problem:
                err.print(
                    f"repscope: espeak-ng cannot speak here ({problem}): "
                    "ringing the terminal bell instead"
                )
                self.speaker = None
        self.speak = speak and self.speaker is not None
        # the bell per rep: asked for, or standing in for speech
        self.beeper = (
            Beeper(bell, schedule=schedule) if beep or (speak and not self.speak) else None
        )
        self.counter = None
        if count and tempo is not None:
            word = self.speaker if self.speaker is not None else BellWord(bell)
            self.counter = TempoCounter(tempo, word, schedule)
        self.schedule = schedule

    def on_event(self, event: Any, lines: list[str], view: LiveView) -> None:
        """Cue an event; ``lines`` are what ``view.apply(event)`` returned."""
        if self.counter is not None:
            self.counter.on_event(event)
        if self.beeper is not None:
            self.beeper.on_event(event)
        if self.speak and self.speaker is not None:
            if event.kind == "rep_completed" and event.row is not None:
                # one utterance: the zone's cue after the rep's words
                zone = zone_word(event.row, view.velocity_zone)
                self.speaker.say(f"{rep_phrase(event.row, event.rep_number)} {zone}".rstrip())
            elif event.kind == "set_ended":
                # one utterance: a second one would cut the first short (Speaker.say)
                done = set_phrase(event.summary or {"set": event.set_number}, len(event.reps))
                self.speaker.say(f"{done} {next_set_phrase(view.next_set_line)}".rstrip())
        elif (
            event.kind == "rep_completed"
            and event.row is not None
            and zone_word(event.row, view.velocity_zone)
        ):  # out of the zone: two bells, after the rep's own (Beeper: 0-0.5 s)
            for k in (3, 4):
                self.schedule(0.25 * k, lambda: self.bell("\a"))
        if view.stop_message and view.stop_message in lines:
            if self.speak and self.speaker is not None and view.set_loss is not None:
                self.speaker.say(f"Stop. Velocity loss {100 * view.set_loss:.0f} percent.")
            else:
                for k in range(3):
                    self.schedule(0.25 * k, lambda: self.bell("\a"))

    def close(self) -> None:
        """Stop the count and the synthesiser."""
        if self.counter is not None:
            self.counter.cancel()
        if self.speaker is not None:
            self.speaker.close()


class BellWord:
    """The tempo count without speech: one bell per word."""

    def __init__(self, bell: Any) -> None:
        self.bell = bell

    def say(self, text: str) -> None:
        """Ring once, whatever the word."""
        self.bell("\a")
