"""What the bar is doing now, from the turnaround detector's marks: the phase shown.

The detector (:mod:`repscope.live.turnarounds`) marks when a movement starts (``move``,
with its direction) and when it ends (``turn`` or ``stop``). :class:`Motion` keeps the
current movement and the last one's direction, and turns the marks into the phase the
lifter sees (``eccentric``, ``concentric``, a pause, or ``rest`` outside a set): a
:class:`~repscope.live.events.LiveEvent` of kind ``phase`` when it changes. No number a
lifter sees comes from here.
"""

from __future__ import annotations

from repscope.live.events import LiveEvent


class Motion:
    """The current movement and the phase shown.

    Parameters
    ----------
    eccentric_first
        Whether a rep starts with its eccentric (the stroke that ends a rep goes up).
    """

    def __init__(self, *, eccentric_first: bool) -> None:
        #: Direction of the stroke that ends a rep: up for eccentric-first exercises.
        self.closing_direction = 1 if eccentric_first else -1
        #: Direction of the movement in progress (0: none).
        self.moving = 0
        #: Direction of the last movement that ended.
        self.last_direction = 0
        self.phase = "rest"

    @property
    def opening(self) -> bool:
        """Whether the bar moves in a rep's first direction (no rep ends in this stroke)."""
        return self.moving == -self.closing_direction

    def mark(
        self, kind: str, direction: int, t: float, *, set_number: int, in_set: bool
    ) -> list[LiveEvent]:
        """Take one detector mark at time ``t``; return the phase event if it changed."""
        if kind == "move":
            self.moving = direction
            phase = "concentric" if direction > 0 else "eccentric"
        else:
            self.last_direction, self.moving = direction, 0
            phase = ("top_pause" if direction > 0 else "bottom_pause") if in_set else "rest"
        return self._show(phase, t, set_number if in_set else 0)

    def set_ended(self, t: float) -> list[LiveEvent]:
        """Return the phase event of a set's end: a pause between sets is a rest."""
        if self.phase in ("bottom_pause", "top_pause"):
            return self._show("rest", t, 0)
        return []

    def _show(self, phase: str, t: float, set_number: int) -> list[LiveEvent]:
        if phase == self.phase:
            return []
        self.phase = phase
        return [LiveEvent("phase", t, set_number, phase=phase)]
