"""What the lifter sees and hears during ``repscope live``: pure state, text and a cue.

- :class:`LiveView` folds :class:`~repscope.live.engine.LiveEvent` objects into the state a
  screen needs (current phase, set and rep count, the last rep, recent feedback lines, the
  last set's summary) and returns the feedback lines each event produces.
- :func:`feedback_line` writes one rep as a line, e.g.
  ``rep 6: lowering 0.9 s, bottom pause 1.0 s, lifting 1.1 s - rushed the lowering (lowered
  in 0.9 s, target 3 s)``: each flag in the words of
  :data:`repscope.analysis.flags.FLAG_WORDS` with the rule's evidence.
  :func:`summary_line` does the same for a set, and a set's end adds its "next set" line
  (:func:`repscope.analysis.advice.next_set`).
- :func:`render_view` draws the state as a rich renderable (used by ``repscope live`` in a
  terminal; tests render it to text): with ``height``, the log of recent reps is cut to
  what fits, so the panel never outgrows the terminal; long lines wrap inside the panel.
  :func:`repscope.live.big_type.render_big` draws the rep count, the last rep's tempo and
  its velocity in block letters five text rows high (``repscope live --big``), to read
  from a distance.
- The current phase runs a timer against its target (``1.8 of 3 s``, :meth:`LiveView.
  phase_timer`); a sensor that stops sending is shown (:meth:`LiveView.sensor_lost`,
  :meth:`LiveView.sensor_back`).
- :class:`Beeper` rings the terminal bell once per clean rep and three times, spaced, for a
  flagged one.

Nothing here touches a terminal, a clock or Bluetooth by itself.
"""

from __future__ import annotations

import io
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from repscope.analysis.advice import NextSet, next_set, rep_flags
from repscope.analysis.flags import FLAG_WORDS, VERDICT_WORDS, tempo_tolerance_s
from repscope.analysis.flags import PHASE_WORDS as _PHASE_COLUMN_WORDS
from repscope.analysis.profiles import FlagThresholds
from repscope.live.events import LiveEvent
from repscope.live.zones import VelocityZone, zone_line
from repscope.tempo import PHASES as TEMPO_PHASES
from repscope.tempo import Tempo, format_phases

#: Words for the four tempo phases in a feedback line (the flag rules' words).
PHASE_WORDS: dict[str, str] = {phase: _PHASE_COLUMN_WORDS[f"{phase}_s"] for phase in TEMPO_PHASES}
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


def finite_number(value: Any) -> float | None:
    """Return the value as a finite float, or None (missing, NaN, not a number)."""
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def flags_and_reasons(row: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return a rep row's flag codes and their reasons, in order."""
    pairs = rep_flags(row)
    return [f for f, _ in pairs], [r for _, r in pairs]


def feedback_line(row: dict[str, Any]) -> str:
    """One rep as a line: its number, the measured phases, then its flags with reasons.

    Phases without a value (a set's last rep has no top pause) are left out.
    """
    parts = []
    for phase in TEMPO_PHASES:
        value = finite_number(row.get(f"{phase}_s"))
        if value is not None:
            parts.append(f"{PHASE_WORDS[phase]} {value:.1f} s")
    mcv = finite_number(row.get("mean_concentric_velocity_mps"))
    if mcv is not None:
        parts.append(f"{mcv:.2f} m/s")
    line = f"rep {row.get('rep', '?')}: " + ", ".join(parts)
    flags, reasons = flags_and_reasons(row)
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
    consistency = finite_number(summary.get("tempo_consistency"))
    if consistency is not None:
        parts.append(f"tempo consistency {consistency:.0f}/100")
    loss = finite_number(summary.get("velocity_loss"))
    if loss is not None:
        parts.append(f"velocity loss {100 * loss:.0f}%")
    line = ", ".join(parts)
    verdict = summary.get("verdict")
    if verdict:
        reasons = summary.get("verdict_reasons") or ""
        if isinstance(reasons, (list, tuple)):
            reasons = "; ".join(str(r) for r in reasons)
        line += f" - {VERDICT_WORDS.get(str(verdict), str(verdict).replace('_', ' '))}"
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
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=50))
    time_s: float = 0.0
    status: str = ""
    #: Sample time at which the current phase began (its ``phase`` event).
    phase_started_s: float | None = None
    #: Latest time known on the samples' axis (events, and :meth:`tick` between them).
    now_s: float = 0.0
    #: Whether the sensor is lost (no samples for a while, or the link dropped).
    lost: bool = False
    #: Session time at which the sensor was declared lost.
    lost_at_s: float | None = None
    #: The last "back, ... missing" message and when it was given (shown for a while).
    back_message: str = ""
    back_at_s: float | None = None
    #: Velocity-loss stop threshold (0.2 for 20%), or None.
    stop_at_loss: float | None = None
    #: Best mean concentric velocity of the set so far, and its velocity loss now.
    set_best_mcv: float | None = None
    set_loss: float | None = None
    #: The stop message once the set crossed ``stop_at_loss`` (one per set).
    stop_message: str = ""
    #: The last set's "Next set: ..." line (:func:`repscope.analysis.advice.next_set`).
    next_set_line: str = ""
    #: Velocity target (``--velocity-zone``): a line for each rep outside it.
    velocity_zone: VelocityZone | None = None

    def apply(self, event: LiveEvent) -> list[str]:
        """Update the state with an event; return the feedback lines it produces."""
        self.time_s = max(self.time_s, event.time_s)
        self.now_s = max(self.now_s, event.time_s)
        out: list[str] = []
        if event.kind == "phase":
            if event.phase != self.phase or self.phase_started_s is None:
                self.phase_started_s = event.time_s
            self.phase = event.phase
        elif event.kind == "set_started":
            self.set_number, self.in_set, self.rep_count = event.set_number, True, 0
            self.last_summary = None
            self.set_best_mcv = self.set_loss = None
            self.stop_message = self.next_set_line = ""
            out.append(f"set {event.set_number} started")
        elif event.kind in ("rep_completed", "rep_updated") and event.row is not None:
            row = {**event.row, "rep": event.rep_number}
            if event.kind == "rep_completed":
                self.rep_count = max(self.rep_count, event.rep_number)
                out.append(feedback_line(row))
                out.extend(self._velocity_loss(row))
                out.extend(line for line in [zone_line(row, self.velocity_zone)] if line)
            elif event.rep_number == self.rep_count:
                old = self.last_rep or {}
                if flags_and_reasons(old)[0] != flags_and_reasons(row)[0]:
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
            self.next_set_line = self._next_set(event).line
            out.append(self.next_set_line)
        self.lines.extend(out)
        return out

    def _next_set(self, event: LiveEvent) -> NextSet:
        """Return the set's "next set" advice from its final reps and summary."""
        summary = self.last_summary or {}
        reasons = summary.get("confidence_reasons") or ""
        if not isinstance(reasons, (list, tuple)):
            reasons = [r for r in str(reasons).split(";") if r]
        return next_set(
            list(event.reps),
            confidence=str(summary.get("confidence") or "high"),
            confidence_reasons=[str(r) for r in reasons],
            tempo=self.tempo,
            thresholds=self.thresholds,
            stop_at_loss=self.stop_at_loss,
        )

    def _velocity_loss(self, row: dict[str, Any]) -> list[str]:
        """Track the set's velocity loss; the stop line when it first crosses the threshold.

        The loss is ``1 - MCV / best MCV of the set so far``, over the reps as first
        reported (the batch definition, ``velocity_loss``, on the reps seen until now).
        """
        mcv = finite_number(row.get("mean_concentric_velocity_mps"))
        if mcv is None or mcv <= 0:
            return []
        self.set_best_mcv = mcv if self.set_best_mcv is None else max(self.set_best_mcv, mcv)
        self.set_loss = 1.0 - mcv / self.set_best_mcv
        if self.stop_at_loss is None or self.stop_message or self.set_loss < self.stop_at_loss:
            return []
        self.stop_message = (
            f"STOP: velocity loss {100 * self.set_loss:.0f}% "
            f"(threshold {100 * self.stop_at_loss:g}%)"
        )
        return [self.stop_message]

    def tick(self, now_s: float) -> None:
        """Advance the clock of the phase timer to ``now_s`` (samples' time axis)."""
        self.now_s = max(self.now_s, now_s)

    def phase_timer(self) -> str:
        """Return the current phase's running time against its target: ``1.8 of 3 s``.

        Without a target (no tempo, an ``X`` phase, rest) only the time: ``1.8 s``; empty
        before the first phase and while the sensor is lost.
        """
        if self.phase_started_s is None or self.lost:
            return ""
        elapsed = max(0.0, self.now_s - self.phase_started_s)
        target = self.target(self.phase) if self.phase in TEMPO_PHASES else None
        if target is None:
            return f"{elapsed:.1f} s"
        return f"{elapsed:.1f} of {target:g} s"

    def sensor_lost(self, at_s: float) -> list[str]:
        """Show that the sensor stopped sending at session time ``at_s``; return the line."""
        if self.lost:
            return []
        self.lost, self.lost_at_s = True, at_s
        line = "sensor lost, reconnecting"
        self.lines.append(line)
        return [line]

    def sensor_back(self, at_s: float, missing_s: float) -> list[str]:
        """Show that samples arrive again (``missing_s`` of data lost); return the line."""
        if not self.lost:
            return []
        self.lost = False
        self.back_message = (
            f"back, {missing_s:.1f} s missing" if missing_s >= 0.05 else "back, nothing missing"
        )
        self.back_at_s = at_s
        self.lines.append(self.back_message)
        return [self.back_message]

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
        return abs(value - target) <= tempo_tolerance_s(target, self.thresholds)


#: How long the "back, 2.3 s missing" banner stays after the sensor is back.
BACK_BANNER_S = 5.0


def _banner(view: LiveView, session_s: float | None) -> Text | None:
    """Return the red "sensor lost" line, or the "back" line for a few seconds after."""
    if view.lost:
        since = ""
        if session_s is not None and view.lost_at_s is not None:
            since = f" ({max(0.0, session_s - view.lost_at_s):.0f} s)"
        return Text(f"SENSOR LOST, reconnecting{since}", style="bold white on red")
    recent = view.back_at_s is not None and (
        session_s is None or session_s - view.back_at_s <= BACK_BANNER_S
    )
    if view.back_message and recent:
        return Text(view.back_message, style="bold yellow")
    return None


def render_head(view: LiveView, session_s: float | None) -> RenderableType:
    """Draw the top lines: phase and its timer, rep count and set, banners, stop line."""
    head = Table.grid(expand=True, padding=(0, 2))
    head.add_column(ratio=3)
    head.add_column(ratio=2, justify="right")
    banner = _banner(view, session_s)
    if banner is not None and view.lost:
        left = banner
    else:
        left = Text(
            _PHASE_LABELS.get(view.phase, view.phase).upper(),
            style=_PHASE_STYLES.get(view.phase, ""),
        )
        timer = view.phase_timer()
        if timer:
            left.append(f"  {timer}", style="bold")
    where = f"set {view.set_number}" if view.in_set else "between sets"
    reps = Text(f"{view.rep_count} reps", style="bold")
    head.add_row(left, Text.assemble(reps, f"  {where}"))
    if banner is not None and not view.lost:
        head.add_row(banner, "")
    if view.stop_message:
        head.add_row(Text(view.stop_message, style="bold white on red"), "")
    return head


def _tempo_text(view: LiveView, row: dict[str, Any]) -> Text:
    """Return the rep's phases as ``3.1-0.9-1.0-0.0``, green or red against the target."""
    text = Text()
    for k, phase_name in enumerate(TEMPO_PHASES):
        number = finite_number(row.get(f"{phase_name}_s"))
        ok = None if number is None else view.on_target(phase_name, number)
        style = "" if ok is None else ("green" if ok else "bold red")
        if k:
            text.append("-")
        text.append(format_phases([number]), style=style)
    return text


def render_view(
    view: LiveView,
    *,
    height: int | None = None,
    width: int | None = None,
    session_s: float | None = None,
) -> RenderableType:
    """Draw the view: phase, its timer and the rep count, the last rep, flags, log.

    Parameters
    ----------
    view
        The state.
    height, width
        The terminal's size. With ``height`` the log of recent lines is cut (oldest
        first) so that the whole panel fits: a live display taller than the terminal
        cannot be redrawn in place and would print its header again on every refresh.
    session_s
        The session's clock, for the "sensor lost (12 s)" banner.
    """
    parts: list[RenderableType] = [render_head(view, session_s)]
    if view.last_rep is not None:
        row = view.last_rep
        table = Table(title=f"rep {row.get('rep', '?')}", expand=False, title_justify="left")
        table.add_column("phase")
        table.add_column("actual", justify="right")
        table.add_column("target", justify="right")
        for phase_name in TEMPO_PHASES:
            number = finite_number(row.get(f"{phase_name}_s"))
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
        flags, reasons = flags_and_reasons(row)
        for flag, reason in zip(flags, reasons, strict=True):
            text = FLAG_WORDS.get(flag, flag) + (f": {reason}" if reason else "")
            parts.append(Text(text, style="bold red", overflow="fold"))
        if not flags:
            parts.append(Text("no flags", style="green"))
    if view.last_summary:
        parts.append(Text(summary_line(view.last_summary), style="bold", overflow="fold"))
    if view.next_set_line:
        parts.append(Text(view.next_set_line, style="bold cyan", overflow="fold"))
    tail: list[RenderableType] = []
    if view.status:
        tail.append(Text(view.status, style="dim italic", overflow="fold"))
    log = list(view.lines)
    if height is not None and log:
        log = _fit_log(log, [*parts, *tail], height=height, width=width)
    if log:
        parts.append(Text("\n".join(log), style="dim", overflow="fold"))
    parts.extend(tail)
    return Panel(Group(*parts), title=view.title or "repscope live", title_align="left")


def _fit_log(
    log: list[str], others: list[RenderableType], *, height: int, width: int | None
) -> list[str]:
    """Return the newest log lines that fit in ``height`` rows beside ``others``."""
    from rich.console import Console

    inner = max(10, (width or 80) - 4)  # the panel's borders and padding
    measure = Console(width=inner, file=io.StringIO(), color_system=None)
    used = 2  # the panel's top and bottom borders
    for part in others:
        used += len(measure.render_lines(part, measure.options, pad=False))
    room = height - used - 1  # one row spare: the cursor sits below the panel
    kept: list[str] = []
    for line in reversed(log):
        text = Text(line, overflow="fold")
        rows = len(measure.render_lines(text, measure.options, pad=False))
        if rows > room:
            break
        kept.append(line)
        room -= rows
    return kept[::-1]


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
            self.cue(flagged=bool(flags_and_reasons(event.row)[0]))
