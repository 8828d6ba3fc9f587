"""Large type for ``repscope live --big``: the numbers a lifter reads from 2 m away.

:func:`render_big` draws the rep count, the last rep's tempo and its mean concentric
velocity in block letters five text rows high (:func:`big_text`), under the same head
line as the normal display (:func:`repscope.live.display.render_head`: phase, its timer,
the sensor-lost banner). A phase not measured is written ``?``
(:func:`repscope.tempo.format_phases`), as everywhere else. A block digit is 3 columns
wide (6 with ``wide=2``) and 5 rows high: with 16-pixel rows on a 24-inch 1080p screen
(0.28 mm pixels) it stands 22 mm tall, where a 20/20 letter at 2 m is 2.9 mm (5 arc
minutes), so it is read from 2 m with vision far below 20/20.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from repscope.analysis.flags import FLAG_WORDS
from repscope.live.display import LiveView, finite_number, flags_and_reasons, render_head
from repscope.tempo import PHASES as TEMPO_PHASES
from repscope.tempo import format_phases

#: Block letters five rows high for :func:`render_big` (3 columns each, "." 1 column).
_GLYPHS: dict[str, tuple[str, ...]] = {
    "0": ("███", "█ █", "█ █", "█ █", "███"),
    "1": (" █ ", "██ ", " █ ", " █ ", "███"),
    "2": ("███", "  █", "███", "█  ", "███"),
    "3": ("███", "  █", " ██", "  █", "███"),
    "4": ("█ █", "█ █", "███", "  █", "  █"),
    "5": ("███", "█  ", "███", "  █", "███"),
    "6": ("███", "█  ", "███", "█ █", "███"),
    "7": ("███", "  █", "  █", "  █", "  █"),
    "8": ("███", "█ █", "███", "█ █", "███"),
    "9": ("███", "█ █", "███", "  █", "███"),
    ".": (" ", " ", " ", " ", "█"),
    "-": ("   ", "   ", "███", "   ", "   "),
    "?": ("███", "  █", " ██", "   ", " █ "),
    " ": ("  ", "  ", "  ", "  ", "  "),
}


def big_text(text: str, style: str = "", *, wide: int = 1) -> Text:
    """``text`` (digits, ``.``, ``-``, ``?``, spaces) in block letters five rows high.

    ``wide=2`` doubles every column, for thicker strokes.
    """
    rows = [""] * 5
    for char in text:
        glyph = _GLYPHS.get(char, _GLYPHS[" "])
        for k in range(5):
            rows[k] += "".join(c * wide for c in glyph[k]) + " " * wide
    return Text("\n".join(r.rstrip() for r in rows), style=style, no_wrap=True, overflow="crop")


def render_big(view: LiveView, *, session_s: float | None = None) -> RenderableType:
    """Large type for reading from a distance: reps, the last rep's tempo and velocity.

    The numbers are block letters five text rows high (rep count and velocity with
    double-width strokes), each under a one-line label; the phase with its timer and the
    sensor-lost banner stay on one line at the top. The tempo is green when every phase
    is on target, red when one is not. 24 rows and 80 columns hold it all.
    """
    parts: list[RenderableType] = [render_head(view, session_s)]
    parts.append(Text("REPS", style="bold"))
    parts.append(big_text(str(view.rep_count), style="bold", wide=2))
    row = view.last_rep
    if row is not None:
        values = [finite_number(row.get(f"{phase}_s")) for phase in TEMPO_PHASES]
        tempo = format_phases(values)  # a set's last rep has no top pause: "?"
        off = any(
            v is not None and view.on_target(phase, v) is False
            for phase, v in zip(TEMPO_PHASES, values, strict=True)
        )
        label = f"REP {row.get('rep', '?')} TEMPO" + (
            f" (target {view.tempo.code()})" if view.tempo else ""
        )
        parts.append(Text(label, style="bold"))
        colour = "bold" if view.tempo is None else ("bold red" if off else "bold green")
        parts.append(big_text(tempo, style=colour))
        mcv = finite_number(row.get("mean_concentric_velocity_mps"))
        parts.append(Text("VELOCITY m/s", style="bold"))
        parts.append(big_text("-" if mcv is None else f"{mcv:.2f}", style="bold", wide=2))
        flags, _ = flags_and_reasons(row)
        if flags:
            words = ", ".join(FLAG_WORDS.get(f, f) for f in flags).upper()
            parts.append(Text(words, style="bold white on red", overflow="fold"))
    if view.next_set_line:
        parts.append(Text(view.next_set_line, style="bold cyan", overflow="fold"))
    if view.status:
        parts.append(Text(view.status, style="dim italic", overflow="fold"))
    return Panel(Group(*parts), title=view.title or "repscope live", title_align="left")
