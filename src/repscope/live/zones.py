"""Velocity targets for ``repscope live --velocity-zone``: a cue when a rep leaves its zone.

A zone is a range of mean concentric velocity (m/s) the coach prescribes for the set,
e.g. ``0.45-0.60`` for heavy strength work. Mean concentric velocity tracks the relative
load (%1RM) closely in each lift (bench: R^2 0.98; González-Badillo & Sánchez-Medina 2010,
Movement velocity as a measure of loading intensity in resistance training, Int J Sports
Med 31:347-352, doi:10.1055/s-0030-1248333), so a zone is a load target that follows the
lifter's readiness on the day: a rep below it says the load is heavier than planned (or
the lifter held back), a rep above it that there is room to add load.

The rule is the rep's own number against the zone's edges, nothing relative to noise:
the zone is the coach's, in the units the lifter reads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from repscope.errors import InputError

_ZONE = re.compile(r"^\s*(\d*\.?\d+)\s*-\s*(\d*\.?\d+)\s*(?:m/s)?\s*$")
#: Highest edge accepted, m/s: faster than any loaded barbell's mean concentric velocity
#: (an unloaded jump squat peaks near 3 m/s).
MAX_ZONE_MPS = 3.0


@dataclass(frozen=True)
class VelocityZone:
    """A range of mean concentric velocity, ``low_mps`` to ``high_mps`` (m/s)."""

    low_mps: float
    high_mps: float

    def __post_init__(self) -> None:
        low, high = self.low_mps, self.high_mps
        if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high <= MAX_ZONE_MPS):
            raise InputError(
                f"{low:g}-{high:g} m/s is not a velocity zone",
                where="--velocity-zone",
                hint=f"Give LOW-HIGH in m/s with 0 < LOW < HIGH <= {MAX_ZONE_MPS:g}, "
                "e.g. 0.45-0.60.",
            )

    def code(self) -> str:
        """Return the zone as written: ``0.45-0.60 m/s``."""
        return f"{self.low_mps:.2f}-{self.high_mps:.2f} m/s"

    def side(self, mcv_mps: float | None) -> str:
        """Return ``"below"``, ``"above"`` or ``""`` (inside, or no velocity measured)."""
        if mcv_mps is None or not math.isfinite(mcv_mps):
            return ""
        if mcv_mps < self.low_mps:
            return "below"
        if mcv_mps > self.high_mps:
            return "above"
        return ""


def parse_velocity_zone(text: str | None) -> VelocityZone | None:
    """``"0.45-0.60"`` (optionally ``m/s``) -> a zone; None stays None.

    Raises
    ------
    repscope.errors.InputError
        When the text is not ``LOW-HIGH`` with ``0 < LOW < HIGH <= 3`` m/s.
    """
    if text is None:
        return None
    match = _ZONE.match(text)
    if match is None:
        raise InputError(
            f"{text!r} is not a velocity zone",
            where="--velocity-zone",
            hint="Give LOW-HIGH in m/s, e.g. 0.45-0.60.",
        )
    return VelocityZone(float(match.group(1)), float(match.group(2)))


#: What a rep outside the zone means, by side (module docs).
ZONE_ADVICE = {
    "below": "heavier than planned, or push harder",
    "above": "room to add load",
}
#: The spoken cue, by side.
ZONE_WORDS = {"below": "Too slow.", "above": "Too fast."}


def zone_line(row: dict[str, Any], zone: VelocityZone | None) -> str:
    """Return the feedback line of a rep outside ``zone``, or ``""``.

    E.g. ``rep 3: 0.38 m/s, below the 0.45-0.60 m/s zone (heavier than planned, or push
    harder)``.
    """
    if zone is None:
        return ""
    mcv = row.get("mean_concentric_velocity_mps")
    value = float(mcv) if isinstance(mcv, (int, float)) else None
    side = zone.side(value)
    if not side:
        return ""
    return (
        f"rep {row.get('rep', '?')}: {value:.2f} m/s, {side} the {zone.code()} zone "
        f"({ZONE_ADVICE[side]})"
    )


def zone_word(row: dict[str, Any], zone: VelocityZone | None) -> str:
    """Return the spoken cue of a rep outside ``zone`` ("Too slow."), or ``""``."""
    if zone is None:
        return ""
    mcv = row.get("mean_concentric_velocity_mps")
    side = zone.side(float(mcv) if isinstance(mcv, (int, float)) else None)
    return ZONE_WORDS.get(side, "")
