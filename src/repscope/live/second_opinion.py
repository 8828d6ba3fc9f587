"""Second opinions: more windows when the window at a rep-ending stroke lost a rep.

When the window at a turnaround or stop that can end a rep shows fewer reps than were
reported plus the one it should add (:func:`repscope.live.acceptance.lost`), the engine
asks again (the rules and their measurements are in :mod:`repscope.live.acceptance`):

- **look-back**: windows ending ``look_back_s`` (0.05-0.4 s) earlier, newest first, each
  judged as an update at zero velocity; the first that has new reps reports them;
- **look-aside**: if none has, the window again from up to ``look_aside_n`` (2) other
  starts (:meth:`repscope.live.windows.WindowPlanner.starts`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from repscope.live import acceptance
from repscope.live.scheduling import UpdateStats
from repscope.live.settings import LiveSettings
from repscope.live.window_analysis import LiveWindow

Row = dict[str, Any]


class SecondOpinion:
    """Look-back and look-aside windows for the engine.

    Parameters
    ----------
    analyse
        Analyse the window ``[t0, t_end]`` at zero velocity (None if refused).
    starts
        Window starts for a window ending at a time, best first.
    reported
        The current set's reported rep rows.
    trust
        Which of a window's new rows can be reported now (``acceptance.trusted`` with the
        engine's state, at zero velocity).
    floor_s
        End of the last set: no rep starting before it is taken.
    settings
        The engine's settings.
    stats
        Counts the windows (``n_look_back``).
    """

    def __init__(
        self,
        *,
        analyse: Callable[[float, float], LiveWindow | None],
        starts: Callable[[float], list[float]],
        reported: Callable[[], list[Row]],
        trust: Callable[[list[Row], float], list[Row]],
        floor_s: Callable[[], float],
        settings: LiveSettings,
        stats: UpdateStats,
    ) -> None:
        self.analyse = analyse
        self.starts = starts
        self.reported = reported
        self.trust = trust
        self.floor_s = floor_s
        self.settings = settings
        self.stats = stats

    def new_reps(self, t0: float, t_end: float) -> list[Row]:
        """Analyse a look-back or look-aside window; return the reps it can report."""
        window = self.analyse(t0, t_end)
        self.stats.n_look_back += 1
        if window is None:
            return []
        rows, reported = window.rows, self.reported()
        if acceptance.misses_reported(rows, reported, t0, self.settings):
            return []
        _, new = acceptance.candidates(
            rows, reported, t0, t_end, floor_s=self.floor_s(), s=self.settings
        )
        return self.trust(new, t_end)

    def look_back(self, t_edge: float) -> list[Row]:
        """Windows ending ``look_back_s`` before ``t_edge``, newest first: the first new reps."""
        for back_s in self.settings.look_back_s:
            end_s = t_edge - back_s
            rows = self.new_reps(self.starts(end_s)[0], end_s)
            if rows:
                return rows
        return []

    def look_aside(self, t0: float, t_edge: float) -> list[Row]:
        """Analyse the window ending at ``t_edge`` from up to ``look_aside_n`` other starts."""
        s = self.settings
        tried = [t0]
        for start in self.starts(t_edge):
            if len(tried) > s.look_aside_n or any(abs(start - x) <= s.edge_margin_s for x in tried):
                continue
            tried.append(start)
            rows = self.new_reps(start, t_edge)
            if rows:
                return rows
        return []
