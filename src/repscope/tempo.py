"""Tempo prescriptions as coaches write them.

A tempo code gives four phase durations in seconds, in the order **eccentric, bottom
pause, concentric, top pause**, whatever the lift's first phase is (the convention of
strength coaching; e.g. Wilk et al. 2021, doi:10.1007/s40279-020-01329-1). Accepted forms:

- ``"3-1-1-0"``: dash separated, each part a number of seconds (decimals allowed,
  ``"2.5-0-1-0"``);
- ``"3110"``: four single digits;
- ``"X"`` in any position (``"31X0"``, ``"3-1-X-1"``): "as fast as possible", no duration
  target, stored as ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from repscope.errors import InputError

PHASES: tuple[str, str, str, str] = ("eccentric", "bottom_pause", "concentric", "top_pause")

_PART = re.compile(r"^(?:\d+(?:\.\d+)?|[xX])$")


@dataclass(frozen=True)
class Tempo:
    """A prescribed tempo: seconds per phase, ``None`` for "as fast as possible" (X)."""

    eccentric_s: float | None
    bottom_pause_s: float | None
    concentric_s: float | None
    top_pause_s: float | None

    def as_tuple(self) -> tuple[float | None, float | None, float | None, float | None]:
        """Return the four phase targets in coaching order."""
        return (self.eccentric_s, self.bottom_pause_s, self.concentric_s, self.top_pause_s)

    def code(self) -> str:
        """Return the dash-separated code, e.g. ``"3-1-X-0"``."""
        return "-".join(_fmt(v) for v in self.as_tuple())

    def __str__(self) -> str:
        return self.code()


def _fmt(value: float | None) -> str:
    if value is None:
        return "X"
    return f"{value:g}"


#: How a phase that was not measured is written in a measured tempo (a set's last rep has
#: no top pause; a rep cut by the recording's edge misses its first phases). Not ``-``,
#: which would read as one more separator (``2.9-1.0-1.0--``).
UNMEASURED = "?"


def format_phases(phases_s: Iterable[object], *, digits: int = 1) -> str:
    """Write measured phase durations (s) as a tempo, e.g. ``"2.9-1.0-1.0-?"``.

    One rule for the terminal's rep table, the live display and the report pages: each
    phase to ``digits`` decimals, :data:`UNMEASURED` where it is missing or not a finite
    number (None, NaN, text).
    """

    def one(value: object) -> str:
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return UNMEASURED
        return f"{number:.{digits}f}" if math.isfinite(number) else UNMEASURED

    return "-".join(one(v) for v in phases_s)


def parse_tempo(code: str) -> Tempo:
    """Parse a tempo code (see module docs).

    Raises
    ------
    InputError
        When the code has not four parts or a part is neither a number nor X.
    """
    text = str(code).strip()
    parts = text.split("-") if "-" in text else list(text)
    if len(parts) != 4 or not all(_PART.match(p) for p in parts):
        raise InputError(
            f"tempo {code!r} is not a tempo code",
            where="--tempo",
            hint="Write eccentric-bottom-concentric-top seconds, e.g. 3-1-1-0, 31X0 or 3-1-X-1.",
        )
    values = [None if p in ("x", "X") else float(p) for p in parts]
    return Tempo(*values)
