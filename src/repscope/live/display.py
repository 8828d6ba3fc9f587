"""What the lifter sees and hears during ``repscope live``: pure state, text and a cue.

- :class:`LiveView` folds :class:`~repscope.live.engine.LiveEvent` objects into the state a
  screen needs (current phase, set and rep count, the last rep, recent feedback lines, the
  last set's summary) and returns the feedback lines each event produces.
- :func:`feedback_line` writes one rep as a line, e.g.
  ``rep 6: negative 0.9 s, pause 1.0 s, up 1.1 s - rushed negative (negative 0.9 s against
  3 s prescribed)``; :func:`summary_line` does the same for a set.
- :func:`render_view` draws the state as a rich renderable (used by ``repscope live`` in a
  terminal; tests render it to text).
- :class:`Beeper` rings the terminal bell once per clean rep and three times, spaced, for a
  flagged one.

Nothing here touches a terminal, a clock or Bluetooth by itself.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from repscope.analysis.profiles import FlagThresholds
from repscope.live.engine import LiveEvent
from repscope.tempo import PHASES as TEMPO_PHASES
from repscope.tempo import Tempo

#: How each flag reads in a feedback line.
FLAG_WORDS: dict[str, str] = {
    "rushed_negative": "rushed negative",
    "bounce": "bounced",
    "partial_rom": "partial range",
    "grind": "grind",
    "swing": "swing",
    "jerky": "jerky",
    "tempo_off": "off tempo",
}
#: Words for the four tempo phases in a feedback line.
PHASE_WORDS: dict[str, str] = {
    "eccentric": "negative",
    "bottom_pause": "pause",
    "concentric": "up",
    "top_pause": "top",
}
_PHASE_LABELS = {
    "rest": "rest",
    "eccentric": "lowering (eccentric)",
    "bottom_pause": "pause at the bottom",
    "concentric": "lifting (concentric)",
    "top_pause": "pause at the top",
}
_PHASE_STYLES = {
    "rest": "dim",
    "eccentric": "bold cyan",
    "bottom_pause": "bold yellow",
    "concentric": "bold magenta",
    "top_pause": "bold yellow",
}


def _number(value: Any) -> float | None:
    """Return the value as a finite float, or None (missing, NaN, not a number)."""
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _flags(row: dict[str, Any]) -> tuple[list[str], list[str]]:
    def split(value: Any) -> list[str]:
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value if v]
        return [x for x in str(value or "").split(";") if x]

    flags = split(row.get("flags"))
    reasons = split(row.get("flag_reasons"))
    reasons += [""] * (len(flags) - len(reasons))
    return flags, reasons[: len(flags)]


def feedback_line(row: dict[str, Any]) -> str:
    """One rep as a line: its number, the measured phases, then its flags with reasons.

    Phases without a value (a set's last rep has no top pause) are left out.
    """
    parts = []
    for phase in TEMPO_PHASES:
        value = _number(row.get(f"{phase}_s"))
        if value is not None:
            parts.append(f"{PHASE_WORDS[phase]} {value:.1f} s")
    mcv = _number(row.get("mean_concentric_velocity_mps"))
    if mcv is not None:
        parts.append(f"{mcv:.2f} m/s")
    line = f"rep {row.get('rep', '?')}: " + ", ".join(parts)
    flags, reasons = _flags(row)
    if flags:
        words = [
            f"{FLAG_WORDS.get(f, f)} ({r})" if r else FLAG_WORDS.get(f, f)
            for f, r in zip(flags, reasons, strict=True)
        ]
        line += " - " + "; ".join(words)
    return line


def summary_line(summary: dict[str, Any]) -> str:
    """One set as a line: reps, mean tempo, consistency, velocity loss, verdict."""
    parts = [f"set {summary.get('set', '?')}: {summary.get('n_reps', 0)} reps"]
    if summary.get("tempo_code"):
        parts.append(f"tempo {summary['tempo_code']}")
    consistency = _number(summary.get("tempo_consistency"))
    if consistency is not None:
        parts.append(f"consistency {consistency:.0f}/100")
    loss = _number(summary.get("velocity_loss"))
    if loss is not None:
        parts.append(f"velocity loss {100 * loss:.0f}%")
    line = ", ".join(parts)
    verdict = summary.get("verdict")
    if verdict:
        reasons = summary.get("verdict_reasons") or ""
        if isinstance(reasons, (list, tuple)):
            reasons = "; ".join(str(r) for r in reasons)
        line += f" - {str(verdict).replace('_', ' ')}"
        if reasons:
            line += f" ({str(reasons).replace(';', '; ')})"
    return line


@dataclass
class LiveView:
    """The screen's state, built from events (see :meth:`apply`).

    Attributes
    ----------
    title
        Header text (device, exercise, placement).
    tempo
        The prescribed tempo, for the target column.
    thresholds
        The exercise's flag thresholds (the tempo tolerance colours the phases).
    """

    title: str = ""
    tempo: Tempo | None = None
    thresholds: FlagThresholds = field(default_factory=FlagThresholds)
    phase: str = "rest"
    set_number: int = 0
    in_set: bool = False
    rep_count: int = 0
    last_rep: dict[str, Any] | None = None
    last_summary: dict[str, Any] | None = None
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=8))
    time_s: float = 0.0
    status: str = ""

    def apply(self, event: LiveEvent) -> list[str]:
        """Update the state with an event; return the feedback lines it produces."""
        self.time_s = max(self.time_s, event.time_s)
        out: list[str] = []
        if event.kind == "phase":
            self.phase = event.phase
        elif event.kind == "set_started":
            self.set_number, self.in_set, self.rep_count = event.set_number, True, 0
            self.last_summary = None
            out.append(f"set {event.set_number} started")
        elif event.kind in ("rep_completed", "rep_updated") and event.row is not None:
            row = {**event.row, "rep": event.rep_number}
            if event.kind == "rep_completed":
                self.rep_count = max(self.rep_count, event.rep_number)
                out.append(feedback_line(row))
            elif event.rep_number == self.rep_count:
                old = self.last_rep or {}
                if _flags(old)[0] != _flags(row)[0]:
                    out.append("  corrected " + feedback_line(row))
            if event.rep_number == self.rep_count:
                self.last_rep = row
        elif event.kind == "set_ended":
            self.in_set = False
            self.last_summary = dict(event.summary or {})
            self.rep_count = len(event.reps)
            if self.last_summary:
                out.append(summary_line(self.last_summary))
            else:
                out.append(f"set {event.set_number}: {len(event.reps)} reps")
        self.lines.extend(out)
        return out

    def target(self, phase: str) -> float | None:
        """Return the prescribed duration of a phase (None without a tempo or for X)."""
        if self.tempo is None:
            return None
        return dict(zip(TEMPO_PHASES, self.tempo.as_tuple(), strict=True))[phase]

    def on_target(self, phase: str, value: float) -> bool | None:
        """Whether a phase is within the tempo tolerance (None without a target)."""
        target = self.target(phase)
        if target is None or not math.isfinite(value):
            return None
        t = self.thresholds
        return abs(value - target) <= max(t.tempo_tolerance_s, t.tempo_tolerance_fraction * target)


def render_view(view: LiveView) -> RenderableType:
    """Draw the view: phase and rep count, the last rep against the target, flags, log."""
    head = Table.grid(expand=True, padding=(0, 2))
    head.add_column(ratio=3)
    head.add_column(ratio=2, justify="right")
    phase = Text(
        _PHASE_LABELS.get(view.phase, view.phase).upper(), style=_PHASE_STYLES.get(view.phase, "")
    )
    where = f"set {view.set_number}" if view.in_set else "between sets"
    reps = Text(f"{view.rep_count} reps", style="bold")
    head.add_row(phase, Text.assemble(reps, f"  {where}"))

    parts: list[RenderableType] = [head]
    if view.last_rep is not None:
        row = view.last_rep
        table = Table(title=f"rep {row.get('rep', '?')}", expand=False, title_justify="left")
        table.add_column("phase")
        table.add_column("actual", justify="right")
        table.add_column("target", justify="right")
        for phase_name in TEMPO_PHASES:
            number = _number(row.get(f"{phase_name}_s"))
            value = math.nan if number is None else number
            target = view.target(phase_name)
            ok = view.on_target(phase_name, value)
            style = "" if ok is None else ("green" if ok else "bold red")
            table.add_row(
                PHASE_WORDS[phase_name],
                Text("-" if not math.isfinite(value) else f"{value:.1f} s", style=style),
                "-" if target is None else f"{target:g} s",
            )
        parts.append(table)
        flags, reasons = _flags(row)
        for flag, reason in zip(flags, reasons, strict=True):
            text = FLAG_WORDS.get(flag, flag) + (f": {reason}" if reason else "")
            parts.append(Text(text, style="bold red"))
        if not flags:
            parts.append(Text("no flags", style="green"))
    if view.last_summary:
        parts.append(Text(summary_line(view.last_summary), style="bold"))
    if view.lines:
        parts.append(Text("\n".join(view.lines), style="dim"))
    if view.status:
        parts.append(Text(view.status, style="dim italic"))
    return Panel(Group(*parts), title=view.title or "repscope live", title_align="left")


class Beeper:
    """Audible cue per rep: one bell when clean, three bells spaced by ``gap_s`` when flagged.

    Parameters
    ----------
    write
        Writes the bell character (e.g. a terminal's ``write``).
    schedule
        ``schedule(delay_s, callback)`` runs a callback later (e.g. an event loop's
        ``call_later``); without it the three bells are written at once.
    gap_s
        Time between the bells of a flagged rep.
    """

    BELL = "\a"

    def __init__(
        self,
        write: Callable[[str], Any],
        *,
        schedule: Callable[[float, Callable[[], Any]], Any] | None = None,
        gap_s: float = 0.25,
    ) -> None:
        self.write = write
        self.schedule = schedule
        self.gap_s = gap_s

    def cue(self, *, flagged: bool) -> None:
        """Ring for one rep."""
        self.write(self.BELL)
        if not flagged:
            return
        for k in (1, 2):
            if self.schedule is None:
                self.write(self.BELL)
            else:
                self.schedule(k * self.gap_s, lambda: self.write(self.BELL))

    def on_event(self, event: LiveEvent) -> None:
        """Ring for a ``rep_completed`` event; ignore the others."""
        if event.kind == "rep_completed" and event.row is not None:
            self.cue(flagged=bool(_flags(event.row)[0]))
